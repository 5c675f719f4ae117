"""``appraise test [PATH...]``: run ruleset test files (YAML cases: employees given, results expected)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

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
    values; the last line reads 'N passed, N failed'.
    Exit status: 0 all passed, 1 a test failed (or coverage below --min-coverage),
    2 usage error or invalid test file.
    """
    from ..testing import discover, render, run_paths

    if not discover(paths):
        raise click.UsageError("no test files found; give a file or folder, e.g. appraise test rulesets/tests/")
    report = run_paths(paths)
    click.echo(render(report, fmt, show_coverage=show_coverage or min_coverage is not None, verbose=verbose),
               nl=False)
    if report.invalid:
        sys.exit(2)
    low = [c for c in report.coverage.values() if min_coverage is not None and c.percent + 1e-9 < min_coverage]
    for c in low:
        click.echo(f"coverage of {c.ruleset} is {c.percent:.1f}%, below --min-coverage {min_coverage:g}%", err=True)
    sys.exit(1 if report.failed or low else 0)
