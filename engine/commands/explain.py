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
    text = json.dumps(x, ensure_ascii=False, indent=2) if fmt == "json" else render_text(x)
    click.echo(text, nl=not text.endswith("\n"))
    if "error" in x:  # the reason this employee was not appraised: said, but not a success
        sys.exit(1)

