"""OKRs: the key results checked (keys, months, numbers, types, weights, a target that differs from the
start) and each objective numbered in file order."""
from __future__ import annotations

import polars as pl

from appraise.language.period import Period
from appraise.provide.checks import (
    as_text,
    empty,
    month_column,
    null_keys,
    numbers,
    require,
    text_of,
    unknown_employees,
    with_rows,
)
from appraise.provide.employees import outside_employment
from appraise.provide.parts import Part, Report
from appraise.tables import OKR_COLUMNS


def okr_table(parts: list[Part], report: Report, known, period: Period | None = None,
          employment: pl.DataFrame | None = None) -> pl.DataFrame | None:
    if not parts:
        return None
    frames = []
    for part in parts:
        frame = with_rows(part.frame)
        if not require(part, ["employee", "objective", "key_result", "start", "target", "current"], report,
                        "the OKRs") or empty(part, report, "the OKRs"):
            continue
        frame = as_text(frame, [c for c in ("employee", "objective", "key_result", "type") if c in frame.columns],
                        part.clean, part.ascii)
        frame = null_keys(part, frame, ["employee", "objective", "key_result"], report, "key result")
        if known is not None:
            unknown_employees(part, frame, known, report, "OKR")
        if "month" in frame.columns:
            # a dated key result: rows of other periods are other cycles' business; rows in months wholly
            # outside the employment are not used and warned about
            normal = frame.with_columns(month_column(frame).alias("_month"))
            for emp, raw, line in normal.filter(pl.col("month").is_not_null() & pl.col("_month").is_null()) \
                    .select("employee", text_of(frame, "month"), "_row").head(200).iter_rows():
                report.employee(emp, part.origin.diag(line, "month", f"month '{raw}' of {emp}'s key result is not "
                                                      "a month", hint="write months as 2026-07", code="data-month"))
            frame = normal.filter(pl.col("_month").is_not_null() | pl.col("month").is_null()) \
                .with_columns(pl.col("_month").alias("month")).drop("_month")
            if period is not None:
                frame = frame.filter(pl.col("month").is_null() | pl.col("month").is_in(list(period.months)))
            frame = outside_employment(part, frame, employment, report, "the key result")
        if "weight" not in frame.columns:
            frame = frame.with_columns(pl.lit(1.0).alias("weight"))
        typed = "type" in frame.columns
        if not typed:
            frame = frame.with_columns(pl.lit("committed").alias("type"))
        frame = frame.with_columns(pl.col("type").fill_null("committed"))
        frame = numbers(part, frame, ["start", "target", "current", "weight"], report, "key result")
        frame = frame.with_columns(pl.col("weight").fill_null(1.0))
        for emp, kr, line, start in frame.filter(pl.col("target") == pl.col("start")).select(
                "employee", "key_result", "_row", "start").iter_rows():
            report.employee(emp, part.origin.diag(
                line, "target", f"key result '{kr}' of {emp} has target equal to start ({start:g}), so progress "
                "cannot be measured", hint="set a target different from the start value", code="data-okr-target"))
        for emp, value, line in frame.filter(~pl.col("type").is_in(["committed", "aspirational"])).select(
                "employee", "type", "_row").iter_rows():
            report.employee(emp, part.origin.diag(line, "type", f"objective type '{value}' of {emp} is not "
                                                  "'committed' or 'aspirational'", code="data-okr-type"))
        for emp, value, line in frame.filter(pl.col("weight") <= 0).select("employee", "weight", "_row").iter_rows():
            report.employee(emp, part.origin.diag(line, "weight", f"key result weight {value:g} of {emp} must be "
                                                  "above 0", code="data-okr-weight"))
        runs = False  # each objective's rows are one run of neighbours (numbered by objective_runs)
        if "objective_index" not in frame.columns:
            numbered = objective_runs(frame)
            runs = numbered is not None
            frame = numbered if numbered is not None else objectives_numbered(frame)
        # an objective is committed or aspirational as a whole: its key results must agree (else the type taken
        # would be whichever row came first); objectives are told apart by their place (two of one name in an OKR
        # file are two objectives).  Numbered by runs, one pass says whether any disagrees (the search then says where)
        if typed and (not runs or _mixed_in_runs(frame)):
            kinds = frame.filter(pl.col("type").is_in(["committed", "aspirational"]))
            first = kinds.sort("_row").group_by("employee", "objective_index", maintain_order=True).agg(
                pl.col("type").first().alias("_first"), pl.col("_row").first().alias("_first_row"))
            mixed = kinds.join(first, on=["employee", "objective_index"]).filter(pl.col("type") != pl.col("_first"))
            for emp, obj, value, was, was_row, line in mixed.sort("_row").select(
                    "employee", "objective", "type", "_first", "_first_row", "_row").head(200).iter_rows():
                where = f"in its key result on line {part.origin.line(was_row)}" if was_row is not None \
                    and part.origin.query is None else "in another key result"
                report.employee(emp, part.origin.diag(
                    line, "type", f"objective '{obj}' of {emp} is '{was}' {where} but '{value}' here",
                    hint="an objective has one type: write the same type on every key result of it",
                    code="data-okr-type"))
        frames.append(frame.select(*(pl.col(c).cast(pl.Int64) if c == "objective_index" else c
                                     for c in OKR_COLUMNS)))
    if not frames:
        return None
    return pl.concat(frames, how="vertical_relaxed")


def objectives_numbered(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``objective_index``: each employee's objectives (by name) numbered from 0 in the order of their
    first row (the plain way: a group-by of every row, joined back)."""
    firsts = frame.group_by("employee", "objective", maintain_order=True).agg(pl.col("_row").min().alias("_first"))
    firsts = firsts.with_columns((pl.col("_first").rank("ordinal").over("employee") - 1).cast(pl.Int64)
                                 .alias("objective_index"))
    return frame.join(firsts.select("employee", "objective", "objective_index"), on=["employee", "objective"],
                      how="left")


def objective_runs(frame: pl.DataFrame) -> pl.DataFrame | None:
    """What :func:`objectives_numbered` gives, when each objective's rows are neighbours (as OKR files are written: an
    objective, then its key results) and the rows are in line order: then an objective is numbered at the first row
    of its run, among the runs only (as many as the objectives, not the rows), and the number is carried along the
    run.  None when some objective's rows are apart (or lines are missing or out of order): the plain way then."""
    if not frame.height or frame["_row"].null_count() or not bool((frame["_row"].diff().drop_nulls() > 0).all()):
        return None
    e, o = pl.col("employee"), pl.col("objective")
    starts = (e.ne_missing(e.shift(1)) | o.ne_missing(o.shift(1))).fill_null(True)
    run = frame.select(starts.cum_sum().cast(pl.Int64).alias("_run"), starts.alias("_start"))
    heads = frame.filter(run["_start"]).select("employee", "objective")
    if heads.hash_rows(seed=0).n_unique() != heads.height:  # (distinct hashes: distinct rows)
        return None  # an objective comes back after another one (or two hashes met): not one run each
    # the heads of one employee's objectives are neighbours too when the employees' first heads are all different
    first = e.ne_missing(e.shift(1)).fill_null(True)
    if heads.filter(heads.select(first.alias("_f"))["_f"])["employee"].n_unique() == heads["employee"].n_unique():
        i = pl.int_range(pl.len(), dtype=pl.Int64)
        index = heads.select((i - pl.when(first).then(i).forward_fill()).alias("_i"))["_i"]
    else:
        index = heads.select(pl.int_range(pl.len(), dtype=pl.Int64).over("employee").alias("_i"))["_i"]
    return frame.with_columns(index.gather(run["_run"] - 1).alias("objective_index"))


def _mixed_in_runs(frame: pl.DataFrame) -> bool:
    """Whether an objective numbered by :func:`objective_runs` has key results of both types: with its rows
    neighbours, a type differing from the previous committed or aspirational row's of the same objective."""
    kinds = frame.filter(pl.col("type").is_in(["committed", "aspirational"]))
    e, i, t = pl.col("employee"), pl.col("objective_index"), pl.col("type")
    return bool(kinds.select(((t != t.shift(1)) & (e == e.shift(1)) & (i == i.shift(1))).any()).item())
