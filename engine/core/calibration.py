"""Grading: the grade a score earns, calibration within cohorts, and manual overrides.

Everything that decides an employee's grade after the total score: :func:`grade_expr` (also the workshop's),
:func:`calibrate`, then :func:`check_overrides` and :func:`apply_overrides`.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

from appraise.core.frame import F64, FEW_ROWS, EmployeeError
from appraise.core.rollup import runs
from appraise.language.compile import BUILTIN_ATTRIBUTES, Ruleset


def grade_expr(ruleset: Ruleset, score: pl.Expr) -> pl.Expr:
    """The grade ``score`` earns: the first grade whose ``min`` it reaches (null score: null)."""
    out: Then | ChainedThen  # a when/then chain, finished by .otherwise
    out = pl.when(score.is_null()).then(None)
    for g in ruleset.grades:
        out = out.when(score >= g.min).then(pl.lit(g.grade))
    return out.otherwise(pl.lit(ruleset.grades[-1].grade) if ruleset.grades else None)


def calibrate(ruleset: Ruleset, f: pl.DataFrame, few: int = FEW_ROWS) -> pl.DataFrame:
    """``grade`` (from ``grade_uncalibrated``), ``calibrated`` and ``cohort_size``: within each cohort of at least
    ``min_cohort``, a grade whose ``max_share`` is full moves the lowest-ranked down (lower score, then larger id,
    first) until every share holds.  With ``few`` rows or fewer (and a text cohort), the same steps on Python
    lists (:func:`_calibrated_few`; both ways compared in tests/test_few_rows.py)."""
    grades = [g.grade for g in ruleset.grades]
    rank_of = {g: i for i, g in enumerate(grades)}
    cal = ruleset.calibration
    if cal is None or not grades:
        return f.with_columns(pl.col("grade_uncalibrated").alias("grade"), pl.lit(False).alias("calibrated"),
                              pl.lit(None, dtype=pl.Int64).alias("cohort_size"))
    cohort = f"attr.{cal.cohort}" if cal.cohort not in BUILTIN_ATTRIBUTES else cal.cohort
    tie = "_eid" if "_eid" in f.columns else "id"  # _eid follows id order and sorts faster
    if f.height <= few and f.schema[cohort] == pl.Utf8 \
            and all(f.height * share.as_integer_ratio()[0] < 2 ** 62 for _, share in cal.max_share):
        few_columns = _calibrated_few(f, cohort, tie, grades, cal)
        if few_columns is not None:
            return f.hstack(few_columns)
    # the work happens on a narrow frame, sorted by cohort, score (best first) and id; results go
    # back by row number (no wide sort or join)
    n = f.select(cohort, "score", tie, pl.col("grade_uncalibrated").replace_strict(
        rank_of, default=None, return_dtype=pl.Int64).alias("_rank")).with_row_index("_row")
    n = n.sort([cohort, "score", tie], descending=[False, True, False], nulls_last=True)
    # cohorts are runs of the sorted frame: a place in the cohort is the distance from the run's start
    h = n.height
    run, first = runs(n[cohort])
    index = pl.int_range(0, h, eager=True, dtype=pl.Int64)
    starts = index.filter(first)
    ends = starts.shift(-1, fill_value=h)
    n = n.with_columns((index - starts.gather(run)).alias("_pos"), (ends - starts).gather(run).alias("cohort_size"))
    need = pl.lit(0, dtype=pl.Int64)
    for grade, share in cal.max_share:
        if grade not in rank_of:
            continue
        num, den = share.as_integer_ratio()
        allowed = (pl.col("cohort_size") * num) // den
        need = pl.max_horizontal(need, pl.when(pl.col("_pos") >= allowed).then(rank_of[grade] + 1).otherwise(0))
    eligible = pl.col(cohort).is_not_null() & (pl.col("cohort_size") >= cal.min_cohort) & pl.col("_rank").is_not_null()
    rank = pl.when(eligible) \
        .then(pl.min_horizontal(pl.max_horizontal(pl.col("_rank"), need), pl.lit(len(grades) - 1))) \
        .otherwise(pl.col("_rank"))
    n = n.select("_row", rank.alias("_final"), eligible.alias("calibrated"),
                 pl.when(pl.col(cohort).is_null()).then(None).otherwise(pl.col("cohort_size")).alias("cohort_size"))
    n = n.sort("_row")
    graded = pl.Series("grade", grades, dtype=pl.Utf8).gather(n["_final"])
    return f.hstack([graded, n["calibrated"], n["cohort_size"]])


def _calibrated_few(f: pl.DataFrame, cohort: str, tie: str, grades: list[str], cal) -> list[pl.Series] | None:
    """:func:`calibrate`'s ``grade``, ``calibrated`` and ``cohort_size`` columns, worked out row by row: the rows
    in (cohort, score best first, tie) order with missing values last, each cohort a run of that order.  None
    when a score is NaN (left to polars' order)."""
    rank_of = {g: i for i, g in enumerate(grades)}
    cohorts = f.get_column(cohort).to_list()
    scores = f.get_column("score").to_list()
    if any(x != x for x in scores):
        return None
    ties = f.get_column(tie).to_list()
    ranks = [rank_of.get(g) for g in f.get_column("grade_uncalibrated").to_list()]
    limits = [(rank_of[g] + 1, *share.as_integer_ratio()) for g, share in cal.max_share if g in rank_of]
    h = len(cohorts)
    order = sorted(range(h), key=lambda i: (cohorts[i] is None, cohorts[i] or "", scores[i] is None,
                                            -(scores[i] or 0.0), ties[i]))
    final: list[int | None] = [None] * h
    calibrated = [False] * h
    sizes: list[int | None] = [None] * h
    start = 0
    while start < h:
        end = start + 1
        while end < h and cohorts[order[end]] == cohorts[order[start]]:
            end += 1
        size = end - start
        for pos, row in enumerate(order[start:end]):
            rank = ranks[row]
            eligible = cohorts[row] is not None and size >= cal.min_cohort and rank is not None
            need = max([0] + [to for to, num, den in limits if pos >= size * num // den])
            final[row] = min(max(rank, need), len(grades) - 1) if eligible else rank
            calibrated[row] = eligible
            sizes[row] = None if cohorts[row] is None else size
        start = end
    return [pl.Series("grade", [None if r is None else grades[r] for r in final], dtype=pl.Utf8),
            pl.Series("calibrated", calibrated, dtype=pl.Boolean), pl.Series("cohort_size", sizes, dtype=pl.Int64)]


def check_overrides(overrides: list, f: pl.DataFrame, errors: list[EmployeeError], not_covered: list[str],
                    staff: pl.DataFrame | None = None, period=None) -> list:
    """The overrides, once every one names an appraised employee; otherwise :class:`InvalidInput` at the
    override's line (the run fails before anything is written).  ``staff`` (the employee table as read) and
    ``period`` say which of the others left before the period or joined after it."""
    if not overrides:
        return []
    from appraise.errors import InvalidInput

    appraised = set(f.filter(pl.col("id").is_in([o.id for o in overrides]))["id"].to_list())
    reasons = {e.employee: e.message for e in errors}
    uncovered = set(not_covered)
    bad = []
    for o in overrides:
        if o.id in appraised:
            continue
        why = ("no scorecard of this ruleset applies to them" if o.id in uncovered else
               f"they could not be appraised ({reasons[o.id]})" if o.id in reasons else
               _not_employed(o.id, staff, period))
        bad.append(o.diag(f"override for {o.id}, whom this cycle does not appraise: {why}",
                          hint="remove the override, or fix the id", code="override-not-appraised"))
    if bad:
        raise InvalidInput(bad)
    return list(overrides)


def _not_employed(employee: str, staff: pl.DataFrame | None, period) -> str:
    """Why an employee the cycle did not appraise, and who is no error of it, is not in it: not in the employee
    table, or employed wholly outside the period (which date)."""
    generic = "they are not in the employee table, or not employed during the period"
    if staff is None or period is None or "id" not in staff.columns:
        return generic
    rows = staff.filter(pl.col("id").cast(pl.Utf8) == employee)
    if not rows.height:
        return "they are not in the employee table"
    row = rows.row(0, named=True)

    def day(column: str):
        from datetime import date

        try:
            return date.fromisoformat(str(row.get(column) or "").strip()[:10])
        except ValueError:
            return None

    hired, left = day("hire_date"), day("leave_date")
    if left is not None and left < period.start:
        return f"they left on {left.isoformat()}, before {period.id} began"
    if hired is not None and hired > period.end:
        return f"they joined on {hired.isoformat()}, after {period.id} ended"
    return generic


def _reported(score: float | None) -> float | None:
    """An override score as the reported score it replaces: half-up to 2 decimals on the number as written
    (70.245 is 70.25, whichever side of the half its float lies), so the grade follows what is reported."""
    if score is None or not abs(score) < 1e15:  # no cents left to round in a float that large
        return score
    return float(Decimal(repr(score)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def apply_overrides(ruleset: Ruleset, f: pl.DataFrame, overrides: list) -> pl.DataFrame:
    """Apply overrides after calibration: a score replaces the reported score and the grade follows from it
    (unless a grade is given too); a grade replaces the grade.  ``override.score_from`` / ``override.grade_from``
    keep what they replaced; ``grade_uncalibrated`` stays."""
    if not overrides:
        return f
    table = pl.DataFrame({"id": [o.id for o in overrides], "_ov_score": [_reported(o.score) for o in overrides],
                          "_ov_grade": [o.grade for o in overrides]},
                         schema={"id": pl.Utf8, "_ov_score": F64, "_ov_grade": pl.Utf8})
    f = f.join(table, on="id", how="left", maintain_order="left")
    on = pl.col("_ov_score").is_not_null() | pl.col("_ov_grade").is_not_null()
    score = pl.coalesce(pl.col("_ov_score"), pl.col("score"))
    grade = (pl.when(pl.col("_ov_grade").is_not_null()).then(pl.col("_ov_grade"))
             .when(pl.col("_ov_score").is_not_null()).then(grade_expr(ruleset, pl.col("_ov_score")))
             .otherwise(pl.col("grade")))
    f = f.with_columns(pl.when(pl.col("_ov_score").is_not_null()).then(pl.col("score")).otherwise(None)
                       .alias("override.score_from"),
                       pl.when(on).then(pl.col("grade")).otherwise(None).alias("override.grade_from"),
                       on.alias("override.applied"))
    return f.with_columns(score.alias("score"), grade.alias("grade")).drop("_ov_score", "_ov_grade")
