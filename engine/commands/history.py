"""``appraise history EMPLOYEE``: one person's past periods from the results store."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command("history")
@click.argument("employee")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Results store (any SQLAlchemy URL); default: the store of --cycle, else sqlite:///appraise.db.")
@click.option("--cycle", "cycle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Take the store from this cycle file.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(employee: str, store_url: str | None, cycle_file: Path | None, fmt: str) -> None:
    """Show EMPLOYEE's score, grade, bonus and ruleset version in every stored period, oldest first.

    Only each cycle's current run counts (a re-run replaces the earlier one).
    Exit status: 0 found, 1 nothing stored for EMPLOYEE, 2 usage error.
    """
    from ..errors import AppraiseError
    from ..store import history

    if store_url is None:
        if cycle_file is not None:
            from ..cycle import load_cycle

            try:
                store_url = load_cycle(cycle_file).store
            except AppraiseError as exc:
                click.echo(str(exc), err=True)
                sys.exit(1)
        else:
            store_url = "sqlite:///" + (Path.cwd() / "appraise.db").as_posix()
    rows = history(store_url, [employee]).get(employee, [])
    if fmt == "json":
        click.echo(json.dumps({"employee": employee, "history": rows}, ensure_ascii=False, indent=2))
    elif rows:
        click.echo(f"{'cycle':<9} {'score':>7}  {'grade':<6} {'bonus':>12}  ruleset")
        for r in rows:
            score = "" if r["score"] is None else f"{r['score']:.2f}"
            click.echo(f"{r['cycle']:<9} {score:>7}  {r['grade'] or '':<6} {r['bonus'] or '':>12}  "
                       f"{r['ruleset_version'] or ''}")
    if not rows:
        click.echo(f"no results stored for '{employee}' in {_safe(store_url)}", err=True)
        sys.exit(1)


def _safe(url: str) -> str:
    """The store URL without a password."""
    from sqlalchemy import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
