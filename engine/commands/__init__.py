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


def localized(diagnostics, locale: str) -> list:
    """Diagnostics with their message and hint in ``locale`` (:func:`appraise.i18n.translate`); places, key paths
    and codes unchanged."""
    from dataclasses import replace

    from appraise.i18n import translate

    if locale == "en":
        return list(diagnostics)
    return [replace(d, message=translate(d.message, locale), hint=translate(d.hint, locale)) for d in diagnostics]


_SEVERITY = {"error": "错误", "warning": "警告"}


def localized_text(text: str, locale: str) -> str:
    """A command's text output in ``locale``, line by line: a diagnostic line (``file:line:col: error: ...``, its
    message already translated by :func:`localized`) gets its severity word translated, any other line is
    translated whole when a template of :data:`appraise.i18n.DIAGNOSTICS` matches it (indentation kept)."""
    import re

    from appraise.i18n import translate

    if locale == "en":
        return text
    out = []
    for line in text.split("\n"):
        m = re.match(r"(.+?:\d+:\d+): (error|warning): ", line)
        if m is not None:
            out.append(f"{m.group(1)}: {_SEVERITY[m.group(2)]}: {line[m.end():]}")
            continue
        body = line.lstrip(" ")
        out.append(line[:len(line) - len(body)] + translate(body, locale))
    return "\n".join(out)


def echo_diagnostics(diagnostics, locale: str, err: bool = True) -> None:
    """Each diagnostic on its own line, in ``locale``."""
    import click

    for d in localized(diagnostics, locale):
        click.echo(localized_text(str(d), locale), err=err)
