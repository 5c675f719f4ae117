"""``appraise diff OLD NEW --cycle CYCLE``: what a ruleset change does to one cycle's real people."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from appraise.commands import lang

FORMATS = ("text", "markdown", "json")


def _thresholds(ctx, param, values):
    from appraise.tools.diff import parse_threshold

    out = []
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                out.append(parse_threshold(part))
            except ValueError as exc:
                raise click.BadParameter(str(exc)) from None
    return out


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
@click.option("--fail-on", "fail_on", multiple=True, callback=_thresholds, metavar="GUARDRAIL",
              help="Exit 1 when the change goes beyond a guardrail (repeatable, or comma-separated): "
                   "cost:+5% (the bonus cost rises by more than 5%; cost:-5% falls by more, cost:5% either way, "
                   "cost:+10000 an amount), grade-changes:10% (more than 10% of the people compared change "
                   "grade; grade-changes:3 a count), rank-corr:0.9 (Kendall's tau-b of the scores below 0.9).")
def command(old: Path, new: Path, cycle: Path, fmt: str, redact: bool, fail_on: list) -> None:
    """Score a cycle's data under ruleset OLD and ruleset NEW and show what changes.

    Per employee: score, grade and bonus deltas; the grade migration matrix; the
    total bonus cost delta (exact decimals); Kendall's tau-b of the scores; the
    biggest movers; the rules whose firing changed; each --fail-on guardrail.
    Nothing is written and the results store is not read (conditions on
    previous.* are false in both runs).
    Exit status: 0 compared (every guardrail held), 1 a guardrail failed (each
    named on stderr), 2 usage error or invalid ruleset, cycle or data.
    """
    from appraise.commands import echo_diagnostics, localized_text
    from appraise.errors import AppraiseError, InvalidInput
    from appraise.i18n import say
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
        echo_diagnostics(exc.diagnostics, lang())
        sys.exit(2)
    except AppraiseError as exc:
        click.echo(say("error", lang(), message=localized_text(str(exc), lang())), err=True)
        sys.exit(2)
    result.check(fail_on)
    click.echo(render(result, fmt, lang()), nl=False)
    if result.failed:
        from appraise.tools.diff import check_lines

        lines = [line for c, line in zip(result.checks, check_lines(result, lang())) if c.failed]
        click.echo(say("diff.failed", lang(), n=len(lines), total=len(result.checks)), err=True)
        for line in lines:
            click.echo(f"  {line}", err=True)
        sys.exit(1)
