"""`appraise` sub-commands: each parses arguments, calls one library function and returns an exit code."""
from __future__ import annotations


def lang() -> str:
    """The language the command line speaks: ``appraise --lang``, else APPRAISE_LANG, else the locale
    (:func:`appraise.i18n.cli_locale`); also outside a click context (a command called from Python)."""
    import click

    from appraise.i18n import cli_locale

    ctx = click.get_current_context(silent=True)
    found = ctx.meta.get("appraise.lang") if ctx is not None else None
    return found or cli_locale()


def lang_chosen() -> bool:
    """Whether the language was chosen (``--lang`` or APPRAISE_LANG) rather than taken from the locale: a choice
    also sets what explain and the workshop show, which otherwise follow the employee's or the ruleset's locale."""
    import click

    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get("appraise.lang_chosen"))
