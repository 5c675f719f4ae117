"""``appraise workshop CYCLE.yaml``: co-design weights with the sales team (local web app)."""
from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from appraise import commands
from appraise.i18n import say


def _budget(ctx, param, value):
    if value is None:
        return None
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise click.BadParameter(say("workshop.not_amount", commands.lang(), value=value)) from None
    if not amount.is_finite() or amount < 0:
        raise click.BadParameter(say("workshop.budget", commands.lang()))
    return amount


@click.command("workshop")
@click.argument("cycle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("--budget", callback=_budget, metavar="AMOUNT",
              help="Bonus budget to compare against (default: the bonus total under the weights the workshop "
                   "starts with).")
@click.option("--lang", type=click.Choice(["en", "zh-CN"]), default=None,
              help="Interface language (default: appraise --lang / APPRAISE_LANG when given, else the cycle's or "
                   "ruleset's locale).")
@click.option("--links", type=click.IntRange(0, 1000), default=0, show_default=True,
              help="Participant links to issue at start, one per person (each holds one vote); "
                   "the facilitator's page issues more.")
@click.option("--no-browser", is_flag=True, help="Only print the links; do not open a browser.")
def command(cycle: Path, port: int, budget: Decimal | None, lang: str | None, links: int, no_browser: bool) -> None:
    """Open a co-design workshop on the weights of CYCLE's ruleset.

    The facilitator moves dimension and KPI weights and sees every change
    re-scored over the whole population (grades, bonus cost against the
    budget, mean scores by team, region and tenure).  Each participant opens
    their own link (one per person: --links N, or the facilitator's page),
    sees only the weights and votes once (voting again replaces it); the median proposal can be
    adopted and saved into the ruleset file (comments and layout kept, version
    bumped, validated before writing).  The server listens on 127.0.0.1 only;
    every link carries a random access token.
    """
    from appraise.errors import InvalidInput
    from appraise.tools.workshop.app import serve
    from appraise.tools.workshop.session import Workshop

    messages = lang or commands.lang()
    if lang is None and commands.lang_chosen():
        lang = messages
    try:
        workshop = Workshop.from_cycle(cycle, budget=budget, locale=lang)
    except InvalidInput as exc:
        commands.echo_diagnostics(exc.diagnostics, messages)
        sys.exit(1)
    try:
        serve(workshop, port, open_browser=not no_browser, echo=lambda line: click.echo(
            commands.localized_text(line, messages)), links=links)
    except OSError as exc:
        click.echo(say("workshop.listen", messages, port=port, error=exc.strerror or exc), err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        pass
