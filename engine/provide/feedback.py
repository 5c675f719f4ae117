"""360 feedback: the ratings checked (keys, periods, numbers inside the scale, one rating per rater and
competency) without ever naming a rater; an optional free-text ``comment`` column is kept as text."""
from __future__ import annotations

import polars as pl

from appraise.language.period import Period
from appraise.provide.checks import (
    as_text,
    duplicates,
    empty,
    null_keys,
    numbers,
    repeats,
    require,
    unknown_employees,
    with_rows,
)
from appraise.provide.needs import Needs
from appraise.provide.parts import Part, Report
from appraise.tables import FEEDBACK_COLUMNS

REPEATS_BESIDE = 100_000  # ratings from which whether any repeats is looked for on a thread of its own (tests: 0)


def feedback_table(parts: list[Part], needs: Needs, period: Period, report: Report, known) -> pl.DataFrame | None:
    if not parts:
        return None
    frames = []
    for part in parts:
        frame = with_rows(part.frame)
        required = [*FEEDBACK_COLUMNS] + (["competency"] if needs.competencies else [])
        if not require(part, required, report, "the 360 feedback") or empty(part, report, "the 360 feedback"):
            continue
        text_cols = [c for c in ("employee", "rater", "relation", "competency", "period", "comment")
                     if c in frame.columns]
        frame = as_text(frame, text_cols, part.clean, part.ascii)
        frame = null_keys(part, frame, ["employee", "rater", "relation"], report, "360 rating")
        if "period" in frame.columns:
            # periods are few and rows many: judge each distinct value once
            seen = _distinct(frame["period"])
            valid = [p for p in seen if _is_period(p)]
            inside = [p for p in valid if period.contains(p)]
            bad = frame.filter(pl.col("period").is_not_null() & ~pl.col("period").is_in(valid))
            for emp, raw, line in bad.select("employee", "period", "_row").iter_rows():
                report.employee(emp, part.origin.diag(line, "period", f"period '{raw}' is not a period",
                                                      hint="write 2026-Q3, 2026-07, 2026-H2 or 2026",
                                                      code="data-period"))
            frame = frame.filter(pl.col("period").is_null() | pl.col("period").is_in(inside))
        # a rater may rate the same competency in each quarter of a half-year or annual cycle
        keys = ["employee", "rater", "relation"] + [c for c in ("competency", "period") if c in frame.columns]
        # whether any rating repeats its keys, looked for meanwhile on a thread of its own (the rows and keys are
        # final here; at 1,000,000 people its one-thread sort of 24 million hashes took 1.8 s after everything
        # else): the repeats themselves are reported below, in their place among this file's errors
        found = None
        if frame.height >= REPEATS_BESIDE:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="appraise-repeats")
            found = pool.submit(repeats, frame, keys)
            pool.shutdown(wait=False)
        if known is not None:
            unknown_employees(part, frame, known, report, "360 rating")
        frame = numbers(part, frame, ["rating"], report, "360 rating")
        if needs.rating_scale is not None:
            out = frame.filter(pl.col("rating").is_not_null() & ~pl.col("rating").is_between(
                needs.rating_min, needs.rating_scale))
            # the row and column say where it is; the rater is never named (errors.csv, stderr and CI logs
            # are read by more people than the survey file)
            for emp, rating, line in out.select("employee", "rating", "_row").iter_rows():
                report.employee(emp, part.origin.diag(
                    line, "rating", f"rating {rating:g} for {emp} is outside the scale "
                    f"{needs.rating_min:g}–{needs.rating_scale:g}", hint="fix the rating, or the ruleset's "
                    "feedback360 scale", code="data-rating-scale"))
        if found is None or found.result():
            duplicates(part, frame, keys, report, "rating", "rater", unnamed="rater")
        frames.append(frame.select([*FEEDBACK_COLUMNS] + [c for c in ("competency", "period", "comment")
                                                          if c in frame.columns]))
    if not frames:
        return None
    return pl.concat(frames, how="diagonal_relaxed")


def _is_period(text: str) -> bool:
    from appraise.language.period import parse

    try:
        parse(text)
        return True
    except ValueError:
        return False


def _distinct(column: pl.Series) -> list:
    """The distinct values of ``column`` but null (in no particular order): one comparison when every value is the
    same (a file of one period), else a hash of each."""
    values = column.drop_nulls()
    if values.len() and bool((values == values[0]).all()):
        return [values[0]]
    return values.unique().to_list()
