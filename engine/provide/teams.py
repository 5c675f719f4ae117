"""The hierarchy team roll-ups follow: the manager column(s) of the employee table checked row by row (README "Team
roll-up and split credit"), and the table the engine reads them from.

Checked only when the ruleset has a team roll-up.  A manager id that is not in the employee table (for someone
employed in the period: a former employee's stale cell touches no team of it), and a chain of managers that
comes back to itself (someone their own manager, A → B → A), are errors at the cells of the rows concerned, in
English and Chinese; they stop the run whatever ``on_error`` says, since every total up the chain would be
wrong.  :func:`hierarchy` keeps every row of the employee table, people skipped under ``on_error:
skip-employee`` included, so the engine makes their managers' roll-ups missing instead of silently smaller.
"""
from __future__ import annotations

import polars as pl

from appraise.display import did_you_mean
from appraise.language.period import Period
from appraise.provide.checks import as_text, with_rows
from appraise.provide.parts import Part, Report

DEPTH = 64  # levels walked in polars; a chain longer than this (a cycle, or a very deep org) is walked in Python


def hierarchy(parts: list[Part], employees: pl.DataFrame | None, vias: tuple[str, ...], period: Period,
              report: Report) -> pl.DataFrame | None:
    """``id``, ``hire_date``, ``leave_date`` and the ``vias`` columns of every employee row (the engine's
    :attr:`appraise.tables.Inputs.hierarchy`), after checking them; None when nothing is rolled up."""
    if not vias or employees is None:
        return None
    vias = tuple(v for v in vias if v in employees.columns)  # a missing column is reported by the employee table
    located = _located(parts, vias)
    if located is None:
        return None
    ids = set(employees["id"].to_list())
    employed = _employed(employees, period)
    for via in vias:
        _unknown(parts, located, via, ids, employed, report)
        _cycles(parts, located, via, ids, report)
    return employees.select("id", "hire_date", "leave_date", *[pl.col(v).str.normalize("NFC") for v in vias])


def _located(parts: list[Part], vias: tuple[str, ...]) -> pl.DataFrame | None:
    """``id``, the vias (text, NFC), ``_part`` and ``_row`` of each id's first row across the employee sources."""
    frames = []
    for i, part in enumerate(parts):
        frame = with_rows(part.frame)
        if "id" not in frame.columns or any(v not in frame.columns for v in vias):
            continue
        frame = as_text(frame, ["id", *vias])
        frames.append(frame.select("id", *[pl.col(v).str.normalize("NFC") for v in vias],
                                   pl.lit(i, dtype=pl.Int64).alias("_part"), pl.col("_row").cast(pl.Int64)))
    if not frames:
        return None
    return pl.concat(frames).filter(pl.col("id").is_not_null()).unique("id", keep="first", maintain_order=True)


def _employed(employees: pl.DataFrame, period: Period) -> set[str]:
    hire = pl.col("hire_date").str.to_date("%Y-%m-%d", strict=False)
    leave = pl.col("leave_date").str.to_date("%Y-%m-%d", strict=False)
    keep = (hire.is_null() | (hire <= period.end)) & (leave.is_null() | (leave >= period.start))
    return set(employees.filter(keep)["id"].to_list())


def _at(parts: list[Part], row: dict, via: str, message: str, hint: str, code: str):
    return parts[row["_part"]].origin.diag(row["_row"], via, message, hint=hint, code=code)


def _unknown(parts: list[Part], located: pl.DataFrame, via: str, ids: set[str], employed: set[str],
             report: Report) -> None:
    bad = located.filter(pl.col(via).is_not_null() & ~pl.col(via).is_in(sorted(ids))
                         & pl.col("id").is_in(sorted(employed)))
    for row in bad.head(200).iter_rows(named=True):
        boss = row[via]
        report.fatal(_at(parts, row, via,
                         f"{row['id']}'s '{via}' is '{boss}', who is not in the employee table; a team roll-up needs "
                         f"every manager{did_you_mean(boss, ids)}",
                         "add the manager to the employee table, fix the id, or leave the cell blank at the top of the "
                         "hierarchy", "data-manager-unknown"))


def _cycles(parts: list[Part], located: pl.DataFrame, via: str, ids: set[str], report: Report) -> None:
    """Each chain of managers that comes back to itself, at every row on it."""
    up = located.filter(pl.col(via).is_not_null() & pl.col(via).is_in(sorted(ids))).select("id", via)
    walk = up.select(pl.col("id").alias("_from"), pl.col(via).alias("_at"))
    for _ in range(DEPTH):  # every chain climbs one level per join; most are done after a handful
        if not walk.height:
            return
        if walk.filter(pl.col("_at") == pl.col("_from")).height:
            break  # someone came back to themselves: walk what is left one by one
        walk = walk.join(up, left_on="_at", right_on="id", how="inner").select("_from", pl.col(via).alias("_at"))
    manager = dict(up.iter_rows())
    rows = {r["id"]: r for r in located.iter_rows(named=True)}
    walked: dict[str, str] = {}  # node -> the start of the walk that passed it
    for start in sorted(walk["_from"].to_list()):
        node: str | None = start
        chain: list[str] = []
        while node is not None and node not in walked:
            walked[node] = start
            chain.append(node)
            node = manager.get(node)
        if node is None or walked[node] != start:
            continue  # the chain ends at the top, or joins one walked before
        loop = chain[chain.index(node):]
        shown = " → ".join([*loop, loop[0]])
        for member in loop:
            report.fatal(_at(parts, rows[member], via,
                             f"the '{via}' column goes round in a circle: {shown}; a team roll-up cannot total it",
                             "give the top of the chain a blank manager, or correct the id that points back",
                             "data-manager-cycle"))
