"""``appraise validate PATH...``: check rule and cycle files (CI, pre-commit, editors)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from appraise.commands import lang, localized, localized_text
from appraise.i18n import say
from appraise.present.report import FORMATS, render


def _provider_schemas():
    """The installed providers' source schemas, or None when plugins cannot be loaded here."""
    try:
        from appraise.plugins import provider_schemas
    except ImportError:
        return None
    try:
        return provider_schemas() or None  # none registered yet: nothing to check against
    except Exception as exc:  # a broken plugin must not hide the rule files' own errors
        click.echo(say("validate.plugins_broken", lang(), error=exc), err=True)
        return None


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people; json, github (Actions annotations), sarif or junit for CI.")
@click.option("--no-data", is_flag=True,
              help="Do not check that the data files, query files and SQLite files cycle files name exist "
                   "(CI without the data).")
def command(paths: tuple[Path, ...], fmt: str, no_data: bool) -> None:
    """Check rulesets and cycle files; every problem is listed with file:line:col.

    PATH is a file or a folder (searched for *.yaml and *.yml; YAML files that
    are neither rulesets nor cycle files, such as OKR data, are skipped).
    Exit status: 0 valid, 1 problems found, 2 usage error.
    """
    locale = lang()
    if not paths:
        raise click.UsageError(say("validate.no_paths", locale))
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(say("validate.no_such", locale, paths=", ".join(missing)), param_hint="PATH")
    from appraise.language.validate import validate_files

    # plugins load only if a cycle file is met
    outcome = validate_files(paths, _provider_schemas, data_files=not no_data)
    text = render(fmt, localized(outcome.diagnostics, locale), outcome.checked, outcome.skipped)
    if fmt == "text":
        text = localized_text(text, locale)
    elif fmt == "json" and locale != "en":
        import json

        from appraise.i18n import translate

        doc = json.loads(text)
        doc["summary"] = translate(doc["summary"], locale)
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    click.echo(text, nl=False)
    from appraise.language.validate.cycles import DATA_CODE

    if any(d.code == DATA_CODE for d in outcome.diagnostics):  # (after the report: a format's output stays whole)
        click.echo(say("validate.no_data_note", locale), err=True)
    sys.exit(1 if outcome.failed_files else 0)
