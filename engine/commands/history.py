"""``appraise history EMPLOYEE``: one person's past periods from the results store."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from appraise.commands import lang, localized_text
from appraise.display import safe_url, shown
from appraise.i18n import say


@click.command("history")
@click.argument("employee")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Results store (any SQLAlchemy URL); default: the store of --cycle, else sqlite:///appraise.db.")
@click.option("--cycle", "cycle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Take the store from this cycle file.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(employee: str, store_url: str | None, cycle_file: Path | None, fmt: str) -> None:
    """Show EMPLOYEE's score, grade, bonus and ruleset in every stored period.

    Periods are listed by end date, a longer period after the shorter ones it
    contains (2026-Q4, then 2026).  Only the current run of each period and
    ruleset counts (a re-run replaces the earlier one); a period appraised by
    several rulesets shows each.  Results that read a run since replaced
    (previous, periods:, net_of) are marked stale, with the command that
    re-runs them.  Exit status: 0 found, 1 nothing stored for EMPLOYEE, 2
    usage error.
    """
    from appraise.errors import AppraiseError, InvalidInput
    from appraise.store.database import history, stale_runs

    locale = lang()
    defaulted = store_url is None and cycle_file is None  # (said when it holds nothing: likely not the store meant)
    if store_url is None:
        if cycle_file is not None:
            from appraise.language.cycle import load_cycle

            try:
                store_url = load_cycle(cycle_file, data_files=False).store  # (its data may be long gone)
            except InvalidInput as exc:
                from appraise.commands import echo_diagnostics

                echo_diagnostics(exc.diagnostics, locale)
                sys.exit(1)
            except AppraiseError as exc:
                click.echo(localized_text(str(exc), locale), err=True)
                sys.exit(1)
        else:
            store_url = "sqlite:///" + (Path.cwd() / "appraise.db").as_posix()
    from appraise.store.database import StoreError

    try:  # a server that refuses the connection (or the password) is not a store without results
        rows = history(store_url, [employee]).get(employee, [])
        stale = stale_runs(store_url)
    except StoreError as exc:
        from appraise.i18n import translate

        click.echo(say("error", locale, message=translate(str(exc), locale)), err=True)
        sys.exit(1)
    marked = {(s["cycle"], s["ruleset_id"]) for s in stale}
    for r in rows:
        r["stale"] = (r["cycle"], r["ruleset"]) in marked
    mine = [s for s in stale if any((s["cycle"], s["ruleset_id"]) == (r["cycle"], r["ruleset"]) for r in rows)]
    if fmt == "json":
        click.echo(json.dumps({"employee": employee, "history": rows,
                               "stale": [{"cycle": s["cycle"], "ruleset": s["ruleset_id"], "run": s["run_id"],
                                          "rerun": rerun_command(s["cycle_file"]), "reasons": s["reasons"]}
                                         for s in mine]},
                              ensure_ascii=False, indent=2, default=str))
    elif rows:
        click.echo(say("history.header", locale))
        for r in rows:
            score = "" if r["score"] is None else f"{r['score']:.2f}"
            click.echo(f"{r['cycle']:<9} {score:>7}  {r['grade'] or '':<6} {r['bonus'] or '':>12}  "
                       f"{r['ruleset'] or ''} {r['ruleset_version'] or ''}".rstrip()
                       + (say("history.stale_mark", locale) if r["stale"] else ""))
        if mine:
            click.echo(say("history.stale", locale))
            for line in stale_lines(mine, locale):
                click.echo(f"  {line}")
    if not rows:
        click.echo(say("history.none", locale, employee=employee, store=safe_url(store_url))
                   + (say("history.none_hint", locale) if defaulted else ""), err=True)
        sys.exit(1)


def rerun_command(cycle_file: str | None, locale: str = "en") -> str:
    """``appraise run <cycle file>``, the file named from the working folder when it lies inside it."""
    if not cycle_file:
        return say("history.rerun_unknown", locale)
    return f"appraise run {shown(cycle_file)}"


def stale_lines(stale: list[dict], locale: str = "en") -> list[str]:
    """One line per stale run (as :func:`appraise.store.database.stale_runs` lists them): what it read that changed,
    and the command that re-runs it, in ``locale``."""
    out = []
    for s in stale:
        grouped: dict[tuple, list[str]] = {}
        for r in s["reasons"]:
            key = (r["cycle"], r["ruleset_id"], r["read_run"], r["now_run"], r["stale"])
            reads = r["why"]  # previous | net_of | periods:<dimension> | draw | year_to_date
            grouped.setdefault(key, []).append(say("stale.dimension", locale, name=reads.split(":", 1)[1])
                                               if reads.startswith("periods:") else reads)
        why = []
        for (cycle, rs, read, now, stale_itself), whats in grouped.items():
            what = say("stale.what", locale, cycle=cycle, ruleset=rs, reads=", ".join(whats))
            if stale_itself:
                why.append(say("stale.itself", locale, what=what))
            elif read is None:
                why.append(say("stale.new", locale, what=what, now=now))
            elif now is None:
                why.append(say("stale.gone", locale, what=what, read=read))
            else:
                why.append(say("stale.replaced", locale, what=what, read=read, now=now))
        out.append(say("stale.line", locale, cycle=s["cycle"], ruleset=s["ruleset_id"], run=s["run_id"],
                       why=("; " if locale == "en" else "；").join(why),
                       rerun=rerun_command(s["cycle_file"], locale)))
    return out
