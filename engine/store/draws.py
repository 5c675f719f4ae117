"""Draw balances and the year's payouts in the results store (issue 20, README "Incentive plans").

A run of a ruleset with a recoverable ``bonus.draw`` stores each employee's draw ledger (``draws``: opening
balance, recovered, advanced, closing balance) with its results, in the same transaction
(:func:`writer`, given to :meth:`appraise.store.database.Store.complete_run`).  The next run of the ruleset reads
each employee's balance carried in: the closing balance of the ruleset's **latest earlier period** whose current
run stored one for them (:func:`plan_inputs`), so someone not appraised for a period (a leave) keeps their
balance, and re-running a period replaces its ledger with its results.  What an incentive plan's year to date
adds up is read the same way: the ``bonus`` of the ruleset's current runs of the year's earlier periods.

Both are recorded as reads (``draw``, ``year_to_date``) like ``previous`` and ``net_of``: re-running an earlier
period with other results (or other balances) makes the later runs stale.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from appraise.store.database import _digest, _period_of, _reader, batched, bulk_insert, results, runs, same_rows

_md = sa.MetaData()
draws = sa.Table(
    "draws", _md,
    sa.Column("run_id", sa.Integer, primary_key=True), sa.Column("employee", sa.String(200), primary_key=True),
    sa.Column("opening", sa.String(40)), sa.Column("recovered", sa.String(40)), sa.Column("advanced", sa.String(40)),
    sa.Column("closing", sa.String(40), nullable=False),
)
LEDGER = ("opening", "recovered", "advanced", "closing")


def writer(ledger: Iterable[tuple]) -> Callable[[sa.Connection, int, int | None], bool]:
    """What :meth:`~appraise.store.database.Store.complete_run` calls inside its transaction (``also=``): store the
    run's draw ledger (``(employee, opening, recovered, advanced, closing)`` decimal strings, as results.json's
    ``bonus_draw`` and ``bonus_draw_balance`` write them) and say whether it equals the one of the run it replaces
    (a re-run whose balances moved is not an unchanged run, even when it paid the same amounts)."""
    rows = sorted(tuple(r) for r in ledger if r[4] is not None)

    def write(conn: sa.Connection, run_id: int, replaced: int | None) -> bool:
        if rows:
            bulk_insert(conn, draws, ("run_id", "employee", *LEDGER), batched((run_id, *r) for r in rows))
        if replaced is None:
            return True
        return same_rows(conn, draws, ("employee", *LEDGER), replaced, run_id)  # by the database, set-based

    return write


@dataclass
class PlanReads:
    """What a run of an incentive plan reads of the store (see :func:`plan_inputs`)."""

    draws: Any = None       # employee, period, balance: the balance carried in (the engine's ``draws`` table)
    year_paid: Any = None   # employee, period, bonus: the year's earlier periods (``year_paid``)
    reads: list = field(default_factory=list)    # rows for Store.complete_run's ``reads=``
    digests: dict = field(default_factory=dict)  # manifest labels -> sha256 of what was read


def _earlier(period) -> list:
    """The periods of the same kind before ``period`` in its calendar year, latest first."""
    out, p = [], period.previous()
    while p.end.year == period.start.year and p.start < period.start:
        out.append(p)
        p = p.previous()
    return out


def plan_inputs(store_url: str | None, period, ruleset) -> PlanReads:
    """The draw balances carried into ``period`` and the year's earlier payouts, for ``ruleset``'s incentive plan
    (empty for other rulesets, or when the store does not exist yet)."""
    import polars as pl

    out = PlanReads()
    plan = ruleset.bonus
    if plan is None or not plan.incentive:
        return out
    period = _period_of(period)
    year = _earlier(period)
    prev = period.previous()
    engine = _reader(store_url) if store_url else None
    found: dict[str, int] = {}
    balance_rows: list[Any] = []
    paid_rows: list[Any] = []
    if engine is not None:
        try:
            with engine.connect() as conn:
                current = (runs.c.ruleset_id == ruleset.id) & runs.c.is_current & (runs.c.status == "complete")
                found = {c: i for i, c in conn.execute(sa.select(runs.c.id, runs.c.cycle).where(current)).all()}
                if plan.draw is not None and sa.inspect(conn).has_table("draws"):
                    balance_rows = list(conn.execute(
                        sa.select(draws.c.employee, runs.c.cycle, draws.c.closing)
                        .select_from(draws.join(runs, runs.c.id == draws.c.run_id)).where(current)).all())
                if year:
                    paid_rows = list(conn.execute(
                        sa.select(results.c.employee, runs.c.cycle, results.c.bonus)
                        .select_from(results.join(runs, runs.c.id == results.c.run_id))
                        .where(current & runs.c.cycle.in_([p.id for p in year]))
                        .order_by(results.c.employee, runs.c.cycle)).all())
        finally:
            engine.dispose()
    if plan.draw is not None:
        # each employee's latest earlier period with a stored balance
        ends = {}
        for _, cycle, _ in balance_rows:
            if cycle not in ends:
                try:
                    ends[cycle] = _period_of(cycle)
                except ValueError:
                    ends[cycle] = None
        latest: dict[str, tuple] = {}
        for emp, cycle, closing in balance_rows:
            p = ends[cycle]
            if p is None or p.end >= period.start:
                continue
            if emp not in latest or p.end > latest[emp][0].end:
                latest[emp] = (p, closing)
        rows = sorted((emp, p.id, closing) for emp, (p, closing) in latest.items())
        out.draws = pl.DataFrame(rows, schema={"employee": pl.Utf8, "period": pl.Utf8, "balance": pl.Utf8},
                                 orient="row")
        used = sorted({p for _, p, _ in rows} | {prev.id})
        out.reads += [{"cycle": p, "ruleset_id": ruleset.id, "why": "draw", "read_run": found.get(p)} for p in used]
        if rows:
            out.digests[f"store:{ruleset.id}/draws"] = _digest([list(c) for c in zip(*rows, strict=True)])
    if year:
        out.year_paid = pl.DataFrame(paid_rows, schema={"employee": pl.Utf8, "period": pl.Utf8, "bonus": pl.Utf8},
                                     orient="row")
        out.reads += [{"cycle": p.id, "ruleset_id": ruleset.id, "why": "year_to_date", "read_run": found.get(p.id)}
                      for p in year]
        if paid_rows:
            out.digests[f"store:{ruleset.id}/year-to-{period.id}"] = _digest(
                [list(c) for c in zip(*sorted(paid_rows), strict=True)])
    else:
        out.year_paid = None
    return out
