"""The pure, columnar core's entry point: a compiled ruleset and input tables in, one :class:`Evaluation` out.

:func:`evaluate` runs the stages in order — roll-up, scoring per scorecard, grading and calibration, overrides,
bonus, outcomes — over every employee of a cycle at once, in polars, with no per-employee Python loop and no
I/O.  The result frame's columns are listed in :mod:`appraise.core.frame`; :class:`Evaluation` carries it with
the employees who could not be scored and the :class:`~appraise.core.provenance.Provenance` of every result.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from appraise.core import bonus, calibration, incentives, rollup, scoring, teams
from appraise.core.frame import F64, FEW_ROWS, Columns, EmployeeError, condition, item_paths, lost_key, missing_items
from appraise.core.provenance import Provenance
from appraise.errors import AppraiseError
from appraise.language import expr as expressions
from appraise.language.compile import Ruleset
from appraise.language.period import Period
from appraise.tables import Inputs, empty_frames

__all__ = ["Columns", "EmployeeError", "Evaluation", "evaluate", "item_paths", "lost_key", "missing_items"]


@dataclass
class Evaluation:
    """What :func:`evaluate` returns: the result frame plus what could not be scored."""

    ruleset: Ruleset
    period: Period
    context: Mapping[str, Any]
    frame: pl.DataFrame
    errors: list[EmployeeError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, for benchmarks and --verbose
    objectives: pl.DataFrame | None = None  # per objective: id, objective_index, objective, type, progress, score@<t>
    key_results: pl.DataFrame | None = None  # the OKR input rows (a reference, not a copy), for explanations
    not_covered: list[str] = field(default_factory=list)  # employees no scorecard applies to (not errors)
    overrides: dict = field(default_factory=dict)  # id -> appraise.language.overrides.Override applied
    paid: pl.DataFrame | None = None  # net_of: employee, period, bonus of the sub-periods (for explanations)
    teams: pl.DataFrame | None = None  # team roll-ups: who counted in whose team with what (core/teams.py)
    splits: pl.DataFrame | None = None  # split credit: each seller's part of each deal (provide/credits.py)
    provenance: Provenance | None = None  # per employee: rules' weight changes, tiers reached, calibration
    # those in the errors only because of the weights: no data in any dimension weighed above 0, or missing data
    # under missing: error (their scoring columns, in id order); the workshop scores them when weights change
    unscored: pl.DataFrame | None = None


@functools.cache
def _no_previous() -> pl.DataFrame:
    """The empty ``previous`` table (polars frames are not changed in place: one serves every evaluation)."""
    return empty_frames()["previous"]


def evaluate(ruleset: Ruleset, inputs: Inputs, period: Period, context: Mapping[str, Any] | None = None) -> Evaluation:
    """Score, grade, calibrate and pay every employee of ``inputs`` for ``period``.

    Pure: reads only its arguments.  The stages: :mod:`~appraise.core.rollup` (employees, metrics, OKR, 360,
    sub-periods), :mod:`~appraise.core.scoring` (per scorecard), :mod:`~appraise.core.calibration` (grades,
    calibration, overrides), :mod:`~appraise.core.bonus`, then outcomes.  Employees who cannot be appraised (no
    scorecard applies, no data at all, ``missing: error`` with missing data,
    unreadable attributes) are returned in ``errors`` instead of the frame.
    """
    context = dict(context or {})
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + now - clock[0]
        clock[0] = now

    errors: list[EmployeeError] = []
    warnings: list[str] = []
    for why, rs_id, every in ruleset.stored_reads():  # appraise validate says so at the cycle file's line
        try:
            period.subperiods(every)
        except ValueError:
            raise AppraiseError(f"the ruleset reads {every}s of ruleset '{rs_id}' ({why}), but {period.id} is a "
                                f"{period.kind}, not made of {every}s; run it for a longer period") from None
    absent = sorted(ruleset.context_fields() - set(context))
    if absent:
        raise AppraiseError("the ruleset reads " + ", ".join(f"context.{a}" for a in absent)
                            + " but the cycle's 'context:' does not set it; add it to the cycle file")
    conditions = ruleset.conditions()
    mistyped = [f"'{e.text}': {p.message}" for e in dict.fromkeys(ruleset.expressions())
                for p in expressions.context_problems(e, context, condition=e in conditions)]
    if mistyped:  # e.g. 'x in context.flag' with flag: true — refused here rather than failing inside polars
        raise AppraiseError("the cycle's context does not fit the ruleset: " + "; ".join(mistyped))
    column = Columns(ruleset)
    emp = rollup.read_employees(ruleset, inputs, period, errors)
    lap("employees")
    emp = emp.sort("id").with_row_index("_eid")  # sorted while narrow: results come out in id order
    codes = emp.select("id", "_eid")
    # the 360 ratings are rolled up on a thread of their own meanwhile: numpy and polars let go of the interpreter
    # lock, and at 1,000,000 people their ~3 s were one core's while the other waited (pure: the same result)
    rated = None
    if emp.height > FEW_ROWS and inputs.feedback is not None and inputs.feedback.height:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="appraise-360")
        rated = pool.submit(rollup.feedback_scores, ruleset, inputs, period, codes)
        pool.shutdown(wait=False)  # its thread ends with the roll-up, also when this evaluation fails first
    metrics = rollup.aggregate_metrics(ruleset, inputs, period, warnings, codes)
    ids = metrics["_eid"] if "_eid" in metrics.columns else None
    if ids is not None and emp.height and metrics.height == emp.height and ids.null_count() == 0 \
            and ids.is_sorted() and ids.n_unique() == emp.height and ids[0] == 0:  # one row each, in code order
        df = emp.hstack(metrics.drop("_eid").get_columns())
    else:
        df = emp.join(metrics, on="_eid", how="left")
    lap("metrics")
    no_metric = [pl.lit(None, dtype=F64).alias(f"m.{m.name}") for m in ruleset.metrics
                 if f"m.{m.name}" not in df.columns and not m.derived and m.rollup is None]
    if no_metric:
        df = df.with_columns(no_metric)
    team = teams.Teams(ruleset, inputs, period) if ruleset.rollups else None
    for m in ruleset.derived_in_order():
        if team is not None and m.rollup is not None:
            df = team.add(df, m)
            continue
        assert m.formula is not None  # a derived metric is one with a formula
        df = df.with_columns(expressions.to_polars(m.formula, column, context, column.types).cast(F64)
                             .alias(f"m.{m.name}"))
    previous = inputs.previous if inputs.previous is not None else _no_previous()
    prev = previous.select([pl.col("employee")] + [pl.col(c).alias(f"prev.{c}") for c in previous.columns
                                                   if c != "employee"])
    df = df.join(prev, left_on="id", right_on="employee", how="left")
    no_previous = [pl.lit(None, dtype=F64 if c == "score" else pl.Utf8).alias(f"prev.{c}")
                   for c in expressions.PREVIOUS_FIELDS if f"prev.{c}" not in df.columns]
    if no_previous:
        df = df.with_columns(no_previous)
    typed = [e for c, e in (("prev.score", pl.col("prev.score").cast(F64, strict=False)),
                            ("prev.bonus", pl.col("prev.bonus").cast(pl.Utf8).cast(F64, strict=False)))
             if c in df.columns]
    if typed:
        df = df.with_columns(typed)
    # scorecard selection: the first whose applies_to holds
    choice = pl.lit(None, dtype=pl.Utf8)
    for card in reversed(ruleset.scorecards):
        choice = pl.when(condition(card.applies_to, column, context)).then(pl.lit(card.key)).otherwise(choice)
    df = df.with_columns(choice.alias("scorecard"))
    lap("derived, previous, scorecards")
    # employees no scorecard applies to are not covered by this ruleset (another ruleset appraises them):
    # counted, not errors
    not_covered = df.filter(pl.col("scorecard").is_null())["id"].to_list()
    if not_covered and len(not_covered) == df.height:
        warnings.append(f"no scorecard of ruleset '{ruleset.id}' applies to any of the {df.height} employees; "
                        "check the scorecards' applies_to against the employee table")
    okr, objectives = rollup.okr_scores(ruleset, inputs, codes)
    lap("okr")
    feedback = rated.result() if rated is not None else rollup.feedback_scores(ruleset, inputs, period, codes)
    lap("360")
    periods = rollup.period_scores(ruleset, inputs, period, codes, warnings)
    rollup.unpaid_periods(ruleset, inputs, period, warnings)
    refused = len(errors)
    appraised = set(df.filter(pl.col("scorecard").is_not_null())["id"].to_list())
    for employee, objective, kr, why in rollup.unmeasured_key_results(ruleset, inputs):
        if employee not in appraised:
            continue
        if why == "=":
            errors.append(EmployeeError(employee, "score", f"key result '{kr}' of objective '{objective}' has its "
                                        "target equal to its start, so no progress can be measured; correct one"))
        elif ruleset.missing == "error":
            errors.append(EmployeeError(employee, "missing", f"key result '{kr}' of objective '{objective}' has no "
                                        f"{why} value (the ruleset says missing: error)"))
        elif ruleset.missing == "redistribute":
            warnings.append(f"{employee}: key result '{kr}' of objective '{objective}' has no {why} value; it is "
                            "left out of the objective (missing: redistribute)")
    rows_netted = rollup.netted(ruleset, inputs, period, warnings)  # this cycle's sub-periods only (SPEC v2)
    paid = rollup.paid_before(ruleset, rows_netted, errors)
    if ruleset.bonus is not None:
        # the cycle's share of the target bonus, exact: months in the cycle / months of target_period, times
        # the employed share with proration: days
        share = ruleset.bonus.target_factor(period)
        num, den = pl.lit(share.numerator, dtype=pl.Int64), pl.lit(share.denominator, dtype=pl.Int64)
        if ruleset.proration == "days":
            num, den = num * pl.col("employed_days"), den * period.days
        df = df.with_columns(num.alias("_fnum"), den.alias("_fden"))
    if paid is not None:
        df = df.join(paid, on="id", how="left", maintain_order="left").with_columns(
            pl.col("_paid").fill_null(Decimal(0)))
    # an incentive plan's draw balance carried in and what the year paid so far
    carried = incentives.inputs_of(ruleset, inputs, period, warnings, errors)
    if carried is not None:
        df = df.join(carried, on="id", how="left", maintain_order="left")
    if len(errors) > refused:  # an amount paid or carried in that is not an amount: no bonus settled on a guess
        df = df.filter(~pl.col("id").is_in(sorted({e.employee for e in errors[refused:]})))
    parts = []
    for card in ruleset.scorecards:
        lf = df.lazy().filter(pl.col("scorecard") == card.key)
        parts.append(scoring.score_card(lf, ruleset, card, column, context, okr, feedback, periods, period))
    # wide frames: faster than streaming; for a few employees without the optimiser, whose passes over this
    # long query cost a quarter of it there (at 100,000 its common subexpressions save a quarter)
    flags = pl.QueryOptFlags.none() if df.height <= FEW_ROWS else pl.QueryOptFlags()
    frames = [p.collect(engine="in-memory", optimizations=flags) for p in parts]
    lap("scoring")
    frames = [fr for fr in frames if fr.height] or frames[:1]
    f = pl.concat(frames, how="diagonal_relaxed") if frames else df.clear()
    if "_scored" not in f.columns:
        f = f.with_columns(pl.lit(False).alias("_scored"), pl.lit(None, dtype=F64).alias("total"))
    unscored = []  # who these weights leave unscored: other weights may score them (the workshop's re-scoring)
    if not f["_scored"].all():  # filtering copies every column: only when someone has to go
        gone = f.filter(~pl.col("_scored"))
        for row in gone.select("id").iter_rows():
            errors.append(EmployeeError(row[0], "score",
                                        "no data for any dimension of the scorecard; nothing to score"))
        unscored.append(scoring.drop_unfinite(gone, [], ruleset, context))  # (as if they had been scored)
        f = f.filter(pl.col("_scored"))
    f = scoring.drop_unfinite(f, errors, ruleset, context)
    if ruleset.missing == "error" and "_missing_any" in f.columns and f["_missing_any"].any():
        bad = f.filter(pl.col("_missing_any"))
        for named in bad.iter_rows(named=True):
            miss = missing_items(ruleset, named, period)
            errors.append(EmployeeError(named["id"], "missing", "missing data for " + ", ".join(miss)
                                        + " (the ruleset says missing: error)"))
        unscored.append(bad)
        f = f.filter(~pl.col("_missing_any"))
    f = f.with_columns(expressions.polars_round_half_up(pl.col("total"), 2).alias("score"))
    f = f.with_columns(calibration.grade_expr(ruleset, pl.col("score")).alias("grade_uncalibrated"))
    lap("scoring")
    f = calibration.calibrate(ruleset, f)
    lap("calibration")
    overrides = calibration.check_overrides(inputs.overrides, f, errors, not_covered, inputs.employees, period)
    f = calibration.apply_overrides(ruleset, f, overrides)
    f = bonus.pay(ruleset, f, context)
    lap("bonus")
    f = f.with_columns([condition(o.when, column, context).alias(f"outcome.{o.id}") for o in ruleset.outcomes])
    if objectives is not None:
        # already in (_eid, objective_index) order; _eid is the row number in the id-sorted codes
        objectives = objectives.with_columns(codes["id"].gather(objectives["_eid"]).alias("id")).drop("_eid")
    if not f["_eid"].is_sorted():  # several scorecards, or a join that moved rows: back to id order
        f = f.sort("_eid")
    f = f.drop("_scored", "_eid")
    unscored_rows = pl.concat(unscored, how="diagonal_relaxed").sort("_eid").drop("_scored", "_eid") \
        if unscored else None
    lap("outcomes")
    # _fnum/_fden (the cycle's share of the target) and _paid (netted) stay: the workshop re-pays from them
    return Evaluation(ruleset, period, context, f, errors, warnings, timings, objectives, inputs.okrs,
                      not_covered=not_covered, overrides={o.id: o for o in overrides},
                      paid=rows_netted,  # exactly what was netted: the document and explain show these rows
                      teams=team.ledger() if team is not None else None, splits=inputs.splits,
                      provenance=Provenance(ruleset, f, objectives, inputs.okrs), unscored=unscored_rows)
