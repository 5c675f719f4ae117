"""``appraise explain CYCLE.yaml EMPLOYEE``: every number of one person's appraisal, derived."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from appraise.commands import echo_diagnostics, lang, lang_chosen, localized_text
from appraise.i18n import say


@click.command("explain")
@click.argument("cycle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("employee")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--locale", type=click.Choice(["en", "zh-CN"]), default=None,
              help="Language of the explanation (default: appraise --lang / APPRAISE_LANG when given, else the "
                   "employee's locale, else the ruleset's).")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Results store for 'previous' (default: the cycle's store).")
def command(cycle: Path, employee: str, fmt: str, locale: str | None, store_url: str | None) -> None:
    """Explain how EMPLOYEE's score, grade and bonus came about in CYCLE.

    Shows every actual, target, attainment, curve and weight (and which rule
    changed it, and why its condition held), redistribution of missing data,
    adjustments, rounding, grade, calibration, the bonus step by step (target
    period, employed share, what sub-periods already paid), overrides, the
    sub-period scores of a ``periods:`` dimension, outcomes and focus areas, and what is
    within reach: the next grade, the next bonus tier and why the bonus changed since the previous period.
    Nothing is written.
    """
    from appraise.errors import AppraiseError, InvalidInput
    from appraise.pipeline import load, prepare
    from appraise.present.explain import explain, render_text

    messages = lang()
    if locale is None and lang_chosen():
        locale = messages
    try:
        loaded, ruleset = load(cycle)
        # the store (--store, else the cycle's) is read for previous results, sub-periods and what was paid
        url = store_url if store_url is not None else loaded.store
        evaluation = prepare(loaded, ruleset, store=url).evaluate()
        past = {}
        if url:  # the previous results, for why the bonus changed (as on the dashboards)
            from appraise.core.insights import BONUS_CHANGE_FIELDS
            from appraise.store.database import history

            period = evaluation.period
            past = history(url, [employee], kind=period.kind, before=period.id, ruleset_id=ruleset.id,
                           fields=BONUS_CHANGE_FIELDS)
        x = explain(evaluation, employee, locale, past)
    except InvalidInput as exc:
        echo_diagnostics(exc.diagnostics, messages)
        sys.exit(1)
    except AppraiseError as exc:
        click.echo(say("error", messages, message=localized_text(str(exc), messages)), err=True)
        sys.exit(1)
    except KeyError:
        if employee in set(evaluation.not_covered):
            click.echo(say("explain.not_covered", messages, ruleset=evaluation.ruleset.id, employee=employee,
                           cycle=cycle), err=True)
        else:
            click.echo(say("explain.no_employee", messages, employee=employee, cycle=cycle), err=True)
        sys.exit(1)
    if "error" in x and locale is not None and fmt == "text":  # (said in the language asked for)
        x = {**x, "locale": locale}
    stale = _stale_note(url, evaluation, employee, messages) if url else None
    if stale is not None:  # worked from the store as it is now: not what the stale stored run paid
        if fmt == "json":
            x = {**x, "stale": stale["json"]}
        else:
            click.echo(stale["text"], err=True)
    text = json.dumps(x, ensure_ascii=False, indent=2) if fmt == "json" else render_text(x)
    click.echo(text, nl=not text.endswith("\n"))
    if "error" in x:  # the reason this employee was not appraised: said, but not a success
        sys.exit(1)



def _stale_note(url: str, evaluation, employee: str, locale: str) -> dict | None:
    """When the stored run of this period and ruleset is stale (it read results that changed since), what to say:
    explain works the result out from the store as it is now, which is not what that run stored and paid."""
    from appraise.commands.history import rerun_command, stale_lines
    from appraise.store.database import history, stale_runs

    period, rs_id = evaluation.period.id, evaluation.ruleset.id
    mine = [s for s in stale_runs(url) if s["cycle"] == period and s["ruleset_id"] == rs_id]
    if not mine:
        return None
    stored = next((r for r in history(url, [employee], ruleset_id=rs_id).get(employee, []) if r["cycle"] == period),
                  None)
    score = "—" if stored is None or stored["score"] is None else f"{stored['score']:.2f}"
    grade = "—" if stored is None or stored["grade"] is None else stored["grade"]
    bonus = "—" if stored is None or stored["bonus"] is None else stored["bonus"]
    text = say("explain.stale", locale, employee=employee, score=score, grade=grade, bonus=bonus) + "\n  " \
        + stale_lines(mine, locale)[0]
    return {"text": text, "json": {"run": mine[0]["run_id"], "rerun": rerun_command(mine[0]["cycle_file"]),
                                   "reasons": mine[0]["reasons"],
                                   "stored": {"score": None if stored is None else stored["score"],
                                              "grade": None if stored is None else stored["grade"],
                                              "bonus": None if stored is None else stored["bonus"]}}}
