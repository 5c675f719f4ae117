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
              help="Port to listen on; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADDRESS",
              help="Also listen on this IP address of this computer (e.g. 192.168.1.20, or 0.0.0.0 for every "
                   "interface) so phones can join; prints a warning about who can reach it. The facilitator's "
                   "page still answers only on this computer.")
@click.option("--budget", callback=_budget, metavar="AMOUNT",
              help="Bonus budget to compare against (default: the bonus total under the weights the workshop "
                   "starts with).")
@click.option("--lang", type=click.Choice(["en", "zh-CN"]), default=None,
              help="Interface language (default: appraise --lang / APPRAISE_LANG when given, else the cycle's or "
                   "ruleset's locale).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="PEOPLE.csv",
              help="Who may vote: a CSV with columns id,name; each person gets a signed link of their own.")
@click.option("--codes", type=click.IntRange(0, 5000), default=0, metavar="N",
              help="A secret ballot: print N one-time codes; everyone opens one voting link (its QR code is on the "
                   "presenter view) and each code casts one ballot.")
@click.option("--links", type=click.IntRange(0, 1000), default=0, show_default=True,
              help="Ad-hoc participant links to issue at start, one per person (each holds one vote); "
                   "the facilitator's page issues more.")
@click.option("--store", "store", metavar="URL", default=None,
              help="Results store that keeps the session and its ballots (default: the cycle's store).")
@click.option("--no-store", is_flag=True, help="Keep the ballots in memory only (they end with the workshop).")
@click.option("--resume", metavar="SESSION",
              help="Reopen a stored session after a restart: its roster links and unspent codes keep working and "
                   "its ballots count.")
@click.option("--print-roster", "print_to", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.html",
              help="Write a printable A4 sheet of voting cards (one per roster member, one-time code or link: name, "
                   "QR code, link, code) to FILE.html; the facilitator's page has it too (Print cards).")
@click.option("--cards-per-page", type=click.Choice(["1", "6"]), default="6", show_default=True,
              help="Voting cards per printed A4 page.")
@click.option("--no-browser", is_flag=True, help="Only print the links; do not open a browser.")
def command(cycle: Path, port: int, host: str, budget: Decimal | None, lang: str | None, roster: Path | None,
            codes: int, links: int, store: str | None, no_store: bool, resume: str | None, print_to: Path | None,
            cards_per_page: str, no_browser: bool) -> None:
    """Open a co-design workshop on the weights of CYCLE's ruleset.

    The facilitator moves dimension and KPI weights and sees every change
    re-scored over the whole population (grades, bonus cost against the
    budget, mean scores by team, region and tenure).  The presenter link is for
    the projector: no names, no individual figures, groups of at least
    privacy.min_group people.  Participants vote with a signed link each
    (--roster), a one-time code each for a secret ballot (--codes), or ad-hoc
    links (--links); they see only the weights.  Ballots are kept in the
    cycle's results store with the ruleset version.  The median proposal can be
    adopted (whole numbers) and saved into the ruleset file (comments and
    layout kept, version bumped, validated before writing), with the tally
    exported beside it.  The server listens on 127.0.0.1 unless --host says
    otherwise; every link carries an access token.
    """
    from appraise.errors import InvalidInput
    from appraise.store.database import StoreError
    from appraise.tools.workshop.app import serve
    from appraise.tools.workshop.session import Workshop
    from appraise.tools.workshop.voting import read_roster

    messages = lang or commands.lang()
    if lang is None and commands.lang_chosen():
        lang = messages
    modes = [m for m, on in (("--roster", roster), ("--codes", codes), ("--links", links)) if on]
    if len(modes) > 1 and not resume:
        raise click.UsageError(f"{' and '.join(modes)} are different ways to vote; choose one")
    if resume and (roster or links):
        raise click.UsageError("--resume keeps the session's way to vote; only --codes N (more codes) may be added")
    if resume and no_store:
        raise click.UsageError("--resume reads the session from the store; drop --no-store")
    try:
        workshop = Workshop.from_cycle(cycle, budget=budget, locale=lang)
        people = read_roster(roster) if roster else None
        new_codes = workshop.start_voting(mode="roster" if roster else "codes" if codes else "links", roster=people,
                                          codes=codes, store=None if no_store else (store or workshop.store_url),
                                          resume=resume)
    except InvalidInput as exc:
        commands.echo_diagnostics(exc.diagnostics, messages)
        sys.exit(1)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    try:
        serve(workshop, port, host=host, open_browser=not no_browser, echo=lambda line: click.echo(
            commands.localized_text(line, messages)), links=links, codes=new_codes, print_to=print_to,
              per_page=int(cards_per_page))
    except ValueError as exc:
        click.echo(say("error", messages, message=commands.localized_text(str(exc), messages)), err=True)
        sys.exit(2)
    except OSError as exc:
        from appraise.i18n import system_error

        click.echo(say("workshop.listen", messages, host=host, port=port,
                       error=system_error(str(exc.strerror or exc), messages)), err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        pass
