"""``appraise diff OLD NEW --cycle CYCLE``: what a ruleset change does to one cycle's real people."""
from __future__ import annotations

import sys
from pathlib import Path

import click

FORMATS = ("text", "markdown", "json")


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--cycle", "cycle", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Cycle file whose data (employees, metrics, 360, OKRs) is scored under both rulesets "
                   "(not needed when OLD and NEW are plan files: their targets are compared).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for a terminal; markdown for a pull-request comment; json for scripts.")
@click.option("--redact", is_flag=True,
              help="For sharing outside HR (a pull-request comment, say): aggregates only, each about at least "
                   "privacy.min_group people (grade migration, grades changed, bonus cost change, rank "
                   "correlation, rule counts); no ids, names, scores or amounts of anyone.  A new ruleset whose "
                   "new conditions read employee ids or names is refused.")
def command(old: Path, new: Path, cycle: Path, fmt: str, redact: bool) -> None:
    """Score a cycle's data under ruleset OLD and ruleset NEW and show what changes.

    Per employee: score, grade and bonus deltas; the grade migration matrix; the
    total bonus cost delta (exact decimals); Kendall's tau-b of the scores; the
    biggest movers; the rules whose firing changed.  Nothing is written and the
    results store is not read (conditions on previous.* are false in both runs).
    Exit status: 0 compared, 2 usage error or invalid ruleset, cycle or data.
    """
    from appraise.errors import AppraiseError, InvalidInput
    from appraise.tools.targets.plan import is_plan

    if is_plan(old):  # two versions of an annual plan (appraise targets): who gains or loses target
        from appraise.commands.targets import compare_plans

        compare_plans(old, new, fmt)
        return
    if cycle is None:
        raise click.UsageError("Missing option '--cycle' (the cycle whose data both rulesets score).")
    from appraise.tools.diff import diff_cycle, render

    try:
        result = diff_cycle(old, new, cycle, redact=redact)
    except InvalidInput as exc:
        for d in exc.diagnostics:
            click.echo(str(d), err=True)
        sys.exit(2)
    except AppraiseError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(render(result, fmt), nl=False)
