"""``appraise test [PATH...]``: run ruleset test files (YAML cases: employees given, results expected)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from appraise.commands import lang, localized, localized_text
from appraise.i18n import say

FORMATS = ("text", "json", "junit", "github")


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people; json for scripts; junit (CI test reports); github (Actions annotations).")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Also list which rules, bonus tiers, grades, adjustments and outcomes no test reached.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None, metavar="PCT",
              help="Fail (exit 1) when a ruleset's coverage is below PCT percent.")
@click.option("-v", "--verbose", is_flag=True, help="List passing tests too.")
def command(paths: tuple[Path, ...], fmt: str, show_coverage: bool, min_coverage: float | None,
            verbose: bool) -> None:
    """Score the test cases of rulesets through the real engine and compare with what they expect.

    PATH is a test file or a folder (its *.test.yaml files and the YAML files in
    folders named tests); default rulesets/tests/, else every *.test.yaml here.
    Each failing expectation is shown at file:line:col with expected and actual
    values; the last line reads 'N passed, N failed'.  Without PATH, a repository
    with no tests yet passes with a notice (so the pre-commit hook does not block
    its first commits); a PATH that holds no test files is a usage error.
    Exit status: 0 all passed (or no tests yet), 1 a test failed (or coverage
    below --min-coverage), 2 usage error or invalid test file.
    """
    from appraise.tools.testing import discover, render, run_paths

    locale = lang()
    if not discover(paths):
        if paths:
            raise click.UsageError(say("test.no_files", locale))
        click.echo(say("test.none_yet", locale), err=True)
    report = run_paths(paths)
    report.diagnostics[:] = localized(report.diagnostics, locale)
    text = render(report, fmt, show_coverage=show_coverage, verbose=verbose, min_coverage=min_coverage)
    click.echo(localized_text(text, locale) if fmt == "text" else text, nl=False)
    if report.invalid:
        sys.exit(2)
    sys.exit(1 if report.failed or report.below_min_coverage() else 0)
