"""Scoring: KPI targets, attainments and curve scores, dimension scores, and the total score.

:func:`score_card` scores every employee of one scorecard in one pass of polars expressions (rules first, through
:mod:`appraise.core.reweighting`).  The total-score formula is :func:`total_score`, with missing-data
redistribution in :func:`redistributed`; the workshop's re-scoring calls the same two functions.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, cast

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

from appraise.core.frame import (
    F64,
    FEW_ROWS,
    Columns,
    EmployeeError,
    condition,
    feedback_of,
    lost_key,
    periods_of,
)
from appraise.core.reweighting import apply_action, base_weights
from appraise.language import expr as expressions
from appraise.language.compile import Kpi, Ruleset, Scorecard
from appraise.language.expr import Expression
from appraise.language.expr.interpret import Interval
from appraise.language.period import Period
from appraise.tables import LARGEST


def curve_expr(kpi: Kpi, a: pl.Expr, exact: pl.Expr | None = None) -> pl.Expr:
    """The KPI's score (0 to the curve's top) at attainment ``a``, the attainment taken to 12 decimals that the
    floor, bands and points compare (README "Numbers compare as written"), worked out from ``exact``, the
    attainment itself (``a`` when not given), as the reference evaluator does: cutting it to 12 decimals first
    moves a score on a steep segment by up to 10⁻¹⁰ (a focus area of no lost points); null stays null."""
    out: Then | ChainedThen  # a when/then chain, finished by .otherwise
    x = a if exact is None else exact
    c = kpi.curve
    if c.kind == "linear":
        return pl.when(a.is_null()).then(None).when(a < c.floor).then(0.0).otherwise(
            pl.min_horizontal(x, pl.lit(c.cap)) * 100.0)
    if c.kind == "bands":
        out = pl.when(a.is_null()).then(None)
        for start, score in reversed(c.bands):
            out = out.when(a >= start).then(score)
        return out.otherwise(0.0)
    pts = c.points
    # at or past either end the end's score, exactly; between, the segment the attainment falls in
    out = pl.when(a.is_null()).then(None).when(a <= pts[0][0]).then(pts[0][1]).when(a >= pts[-1][0]).then(pts[-1][1])
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        out = out.when(a <= x1).then(y1 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return out.otherwise(pts[-1][1])


def weighted(cols: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    """Σ w·s / Σ w over the pairs whose score is present (null when none)."""
    num = pl.sum_horizontal([pl.when(s.is_not_null()).then(w * s).otherwise(0.0) for w, s in cols])
    den = pl.sum_horizontal([pl.when(s.is_not_null()).then(w).otherwise(0.0) for w, s in cols])
    return pl.when(den > 0).then(num / den).otherwise(None)


def redistributed(pairs: Sequence[tuple[pl.Expr, pl.Expr]]) -> tuple[list[pl.Expr], pl.Expr]:
    """Missing-data redistribution of (weight, score) siblings: each one's effective weight (a missing score's
    weight goes to the present ones in proportion to theirs; every weight is 0 when none is present), and
    whether any is present."""
    kept = pl.sum_horizontal([pl.when(s.is_not_null()).then(w).otherwise(0.0) for w, s in pairs])
    total = pl.sum_horizontal([w for w, _ in pairs])
    return [pl.when(s.is_not_null() & (kept > 0)).then(w * total / kept).otherwise(0.0) for w, s in pairs], kept > 0


def adjustment_points(card: Scorecard) -> pl.Expr:
    """The points of the card's adjustments that hold (the ``adj.<id>`` columns)."""
    if not card.adjustments:
        return pl.lit(0.0)
    return pl.sum_horizontal([pl.when(pl.col(f"adj.{a.id}")).then(a.points).otherwise(0.0) for a in card.adjustments])


def weighted_sum(weights: Sequence[pl.Expr], scores: Sequence[pl.Expr]) -> pl.Expr:
    """The total before adjustments: Σ effective weight × dimension score / 100 over the dimensions with a score
    (the ``total.weighted`` column)."""
    return pl.sum_horizontal([pl.when(s.is_not_null()).then(w * s).otherwise(0.0)
                              for w, s in zip(weights, scores)]) / 100.0


def total_score(card: Scorecard, scored: pl.Expr, weights: Sequence[pl.Expr], scores: Sequence[pl.Expr]) -> pl.Expr:
    """The unrounded total: :func:`weighted_sum` plus the adjustments' points, floored at 0; null where
    ``scored`` does not hold (no dimension has data)."""
    base = weighted_sum(weights, scores)
    return pl.when(scored).then(pl.max_horizontal(base + adjustment_points(card), pl.lit(0.0))).otherwise(None)


def zero_kpi_scores(card: Scorecard) -> list[pl.Expr]:
    """``missing: zero``: each KPI that counts (its weight and its dimension's above 0, the ``wr.`` columns after
    the rules) and has no score scores 0; a KPI or dimension weighed 0 (by the ruleset or a rule) is not scored at
    all.  The workshop's re-scoring applies the same to the weights a slider gives."""
    return [pl.when((pl.col(f"wr.{k.path}") > 0) & (pl.col(f"wr.{d.key}") > 0))
            .then(pl.col(f"k.{k.path}.score").fill_null(0.0)).otherwise(pl.col(f"k.{k.path}.score"))
            .alias(f"k.{k.path}.score") for d in card.dimensions for k in d.kpis]


def zero_dimension_scores(card: Scorecard) -> list[pl.Expr]:
    """``missing: zero``: each dimension weighed above 0 with no score (nothing left in it) scores 0."""
    return [pl.when(pl.col(f"wr.{d.key}") > 0).then(pl.col(f"d.{d.key}.score").fill_null(0.0))
            .otherwise(pl.col(f"d.{d.key}.score")).alias(f"d.{d.key}.score") for d in card.dimensions]


def kpis_have_data(d) -> pl.Expr:
    """``d.<key>.has_data`` of a KPI dimension: a KPI weighed above 0 (after the rules) has an attainment."""
    return pl.any_horizontal([pl.col(f"k.{k.path}.attainment").is_not_null() & (pl.col(f"wr.{k.path}") > 0)
                              for k in d.kpis]).alias(f"d.{d.key}.has_data")


def missing_flags(card: Scorecard, period: Period | None) -> list[pl.Expr]:
    """The ``miss.<item>`` columns, in scorecard order: a dimension weighed above 0 with nothing left is missing
    alone, otherwise each of its KPIs (or sub-periods) that dropped out; read from the ``d.<key>.has_data``,
    ``wr.`` and ``k.<path>.attainment`` / ``p.`` columns.  (Boolean columns, not list columns: list building is
    the slowest thing polars does here.)"""
    items = []
    for d in card.dimensions:
        has = pl.col(f"d.{d.key}.has_data")
        items.append((~has & (pl.col(f"wr.{d.key}") > 0)).alias(f"miss.{d.key}"))
        if d.kind == "periods":
            for p, _ in periods_of(d).parts(period):
                items.append((has & pl.col(f"p.{d.key}.{p.id}").is_null() & (pl.col(f"wr.{d.key}") > 0))
                             .alias(f"miss.{d.key}.{p.id}"))
        for k in d.kpis:
            # (in a dimension a rule weighed 0, nothing is dropped for missing data: nothing is scored)
            items.append((has & pl.col(f"k.{k.path}.attainment").is_null() & (pl.col(f"wr.{k.path}") > 0)
                          & (pl.col(f"wr.{d.key}") > 0)).alias(f"miss.{k.path}"))
    return items


def subperiod_weights(parts: Sequence[tuple[Any, float]], scores: Sequence[pl.Expr], zero: bool) -> list[pl.Expr]:
    """The effective weight of each sub-period of a ``periods:`` dimension, in percent of the dimension (the
    ``w.<dim>.<period>`` columns): its weight over the weights of the present sub-periods (``missing: zero``:
    over all of them, a missing one scoring 0); null for a missing one under ``redistribute`` and for every one
    when none is present."""
    present = pl.sum_horizontal([pl.when(s.is_not_null()).then(pl.lit(w, dtype=F64)).otherwise(0.0)
                                 for (_, w), s in zip(parts, scores)])
    total = sum(w for _, w in parts)
    out = []
    for (_, w), s in zip(parts, scores):
        share = pl.lit(100 * w, dtype=F64) / (pl.lit(total, dtype=F64) if zero else present)
        counted = pl.lit(True) if zero else s.is_not_null()
        out.append(pl.when(counted & (present != 0)).then(share).otherwise(None))
    return out


# ---------------------------------------------------------------- one scorecard

def score_card(frame: pl.LazyFrame, ruleset: Ruleset, card: Scorecard, column, context,
               okr: pl.DataFrame | None, feedback: dict[tuple[str, str], pl.DataFrame],
               periods: dict[tuple[str, str], pl.DataFrame] | None = None, period: Period | None = None
               ) -> pl.LazyFrame:
    """Score the employees of ``frame`` (all on ``card``): rules, weights, KPI targets, attainments and curve
    scores, dimension scores with missing-data redistribution, adjustments, the total, the missing items and
    the points lost (see :mod:`appraise.core.frame` for the columns)."""
    f = frame
    zero = ruleset.missing == "zero"
    # OKR, 360 and sub-period inputs joined while the frame is still narrow
    for d in card.dimensions:
        if d.kind == "okr":
            assert okr is not None  # okr_scores gives them whenever a scorecard has an okr dimension
            f = f.join(okr.lazy().select("_eid", pl.col(f"okr@{d.aspirational_threshold}").alias(f"d.{d.key}.score")),
                       on="_eid", how="left")
        elif d.kind == "feedback360":
            f = f.join(feedback[(card.key, d.key)].lazy(), on="_eid", how="left")
        elif d.kind == "periods":
            assert periods is not None  # period_scores gives them whenever a scorecard has a periods dimension
            f = f.join(periods[(card.key, d.key)].lazy(), on="_eid", how="left")
    # rules: conditions, then weights and target scales in file order
    rules = [(r, r.applies_to(card)) for r in ruleset.rules]
    rules = [(r, acts) for r, acts in rules if acts]
    f = f.with_columns([condition(r.when, column, context).alias(f"rule.{r.id}") for r, _ in rules]
                       + base_weights(card))
    for r, acts in rules:
        for action in acts:
            f = f.with_columns(apply_action(action, pl.col(f"rule.{r.id}"), card))
    # KPI actuals, targets, attainment, scores
    kcols = []
    for d in card.dimensions:
        for k in d.kpis:
            actual = pl.col(f"m.{k.metric}")
            t = k.target
            if t.kind == "number":
                base = pl.lit(t.number, dtype=F64)
            elif t.kind == "metric":
                base = pl.col(f"m.{t.name}")
            elif t.kind == "attribute":
                base = column(t.name).cast(F64, strict=False)
            else:
                # (compile gives an expression target its expression)
                base = expressions.to_polars(cast(Expression, t.expression), column, context, column.types).cast(F64)
            kcols += [actual.alias(f"k.{k.path}.actual"),
                      (base * pl.col(f"k.{k.path}.scale")).alias(f"k.{k.path}.target")]
    f = f.with_columns(kcols)
    acols, exact = [], {}
    for d in card.dimensions:
        for k in d.kpis:
            actual, target = pl.col(f"k.{k.path}.actual"), pl.col(f"k.{k.path}.target")
            if k.direction == "lower":
                a = (pl.when(actual.is_null() | target.is_null()).then(None)
                     .when(actual == 0).then(k.curve.attainment_at_zero_actual).otherwise(target / actual))
            else:
                a = pl.when(target != 0).then(actual / target).otherwise(None)
            # to 12 decimals: an actual that hits its target is 1, not 0.9999999999999999, before any
            # floor, band or bonus tier compares it (actual and target are binary floats); the curve's score is
            # worked out from the attainment itself
            acols.append(a.round(12).alias(f"k.{k.path}.attainment"))
            exact[k.path] = a
    f = f.with_columns(acols)
    f = f.with_columns([curve_expr(k, pl.col(f"k.{k.path}.attainment"), exact[k.path]).alias(f"k.{k.path}.score")
                        for d in card.dimensions for k in d.kpis])
    if zero:
        f = f.with_columns(zero_kpi_scores(card))
    # dimension scores with KPI redistribution
    dcols, wcols = [], []
    for d in card.dimensions:
        if d.kind == "kpis":
            pairs = [(pl.col(f"wr.{k.path}"), pl.col(f"k.{k.path}.score")) for k in d.kpis]
            effective, _ = redistributed(pairs)
            wcols += [w.alias(f"w.{k.path}") for k, w in zip(d.kpis, effective)]
            dcols.append(weighted(pairs).alias(f"d.{d.key}.score"))
        elif d.kind == "feedback360":
            pairs = [(pl.lit(w), pl.col(f"f.{d.key}.{r}.score")) for r, w in feedback_of(d).sources]
            dcols.append(weighted(pairs).alias(f"d.{d.key}.score"))
        elif d.kind == "periods":
            # the weighted mean of the sub-periods' reported scores: a missing one shares its weight among
            # the present ones (redistribute) or scores 0 (zero); none present: the dimension is missing
            parts = periods_of(d).parts(period)
            pairs = [(pl.lit(w, dtype=F64), pl.col(f"p.{d.key}.{p.id}")) for p, w in parts]
            wcols += [w.alias(f"w.{d.key}.{p.id}")
                      for (p, _), w in zip(parts, subperiod_weights(parts, [s for _, s in pairs], zero))]
            if zero and pairs:
                present = pl.any_horizontal([s.is_not_null() for _, s in pairs])
                score = pl.when(present).then(
                    pl.sum_horizontal([w * s.fill_null(0.0) for w, s in pairs]) / sum(w for _, w in parts))
                dcols.append(score.otherwise(None).alias(f"d.{d.key}.score"))
            else:
                dcols.append((weighted(pairs) if pairs else pl.lit(None, dtype=F64)).alias(f"d.{d.key}.score"))
    f = f.with_columns(wcols + dcols)
    f = f.with_columns([pl.col(f"d.{d.key}.score").is_not_null().alias(f"d.{d.key}.has_data") if d.kind != "kpis"
                        else kpis_have_data(d) for d in card.dimensions])
    if zero:
        f = f.with_columns(zero_dimension_scores(card))
    dpairs = [(pl.col(f"wr.{d.key}"), pl.col(f"d.{d.key}.score")) for d in card.dimensions]
    effective, scored = redistributed(dpairs)
    f = f.with_columns([w.alias(f"w.{d.key}") for d, w in zip(card.dimensions, effective)] + [scored.alias("_scored")])
    items = missing_flags(card, period)
    f = f.with_columns(items)
    f = f.with_columns(pl.any_horizontal([pl.col(i.meta.output_name()) for i in items]).alias("_missing_any"))
    # total, adjustments, rounding
    f = f.with_columns([condition(a.when, column, context).alias(f"adj.{a.id}") for a in card.adjustments])
    weights = [pl.col(f"w.{d.key}") for d in card.dimensions]
    f = f.with_columns(total_score(card, pl.col("_scored"), weights, [s for _, s in dpairs]).alias("total"),
                       weighted_sum(weights, [s for _, s in dpairs]).alias("total.weighted"))
    # lost points per KPI and per OKR/360 dimension
    lost = []
    for d in card.dimensions:
        share = pl.col(f"w.{d.key}") / 100.0
        if d.kind == "kpis":
            for k in d.kpis:
                s = pl.col(f"k.{k.path}.score")
                lost.append(pl.when(s.is_not_null()).then(
                    share * pl.col(f"w.{k.path}") / 100.0 * pl.max_horizontal(100.0 - s, pl.lit(0.0)))
                    .otherwise(0.0).alias(f"lost.{lost_key(card, k)}"))
        else:
            s = pl.col(f"d.{d.key}.score")
            lost.append(pl.when(s.is_not_null()).then(share * pl.max_horizontal(100.0 - s, pl.lit(0.0)))
                        .otherwise(0.0).alias(f"lost.{d.key}"))
    # what an incentive plan pays on, for drop_unfinite to check that floats carry it (incentives.carried)
    plan = ruleset.bonus
    for c in plan.components if plan is not None else ():
        lost.append(pl.col(f"m.{c.measure}").cast(F64).alias(f"{_PAYS}{c.key}\x00{c.measure}"))
        if c.target is not None and c.target.kind == "metric":
            lost.append(pl.col(f"m.{c.target.name}").cast(F64).alias(f"{_PAYS}{c.key}\x00{c.target.name}"))
    return f.with_columns(lost)


# ---------------------------------------------------------------- numbers no output may hold

_COMPUTED = ("k.", "d.", "f.", "w.", "wr.", "lost.")  # what the score and pay are made of
_PAYS = "_pays."  # _pays.<component>\x00<metric>: a metric an incentive plan component pays on (score_card)
_OVERFLOW = 1e27  # the bonus stage's decimals hold 28 integer digits
_UNDERFLOW = 2.2250738585072014e-308  # the smallest normal float: below it (5e-324) 5e-324 / 22 is 0.0


def drop_unfinite(f: pl.DataFrame, errors: list[EmployeeError], ruleset: Ruleset | None = None,
                  context: Any = None) -> pl.DataFrame:
    """Employees any of whose computed numbers is infinite, NaN or too large for exact money go to the errors.

    Inputs are range-checked where they are read (:data:`appraise.tables.LARGEST`), but arithmetic can
    still overflow: a quota of 1e-320 makes an attainment of infinity.  No output ever holds one.  So do
    employees with a metric value that is not 0 but a subnormal float (below 2.2e-308 in size): a ratio over
    it would silently become 0 (an actual of 0, full marks on a lower-is-better KPI) where the exact value is
    not; and with a metric value (a sum, a formula) of 10^15 or more, which floats no longer carry exactly
    (the limit of a cell, :data:`appraise.tables.LARGEST`): pay on it would be off by units.
    """
    f = _uncarried(f, errors, ruleset, context)
    cols = [c for c, t in f.schema.items() if t == F64 and (c.startswith(_COMPUTED) or c == "total")]
    tiny = [c for c, t in f.schema.items() if t == F64 and c.startswith("m.")]
    if not cols and not tiny:
        return f
    if not _any_unfinite(f, cols, tiny):  # (the question below, asked of each column's extremes)
        return f
    flags = [(~pl.col(c).is_finite() | (pl.col(c).abs() >= _OVERFLOW)).fill_null(False) for c in cols]
    flags += [(((pl.col(c) != 0) & (pl.col(c).abs() < _UNDERFLOW)) | (pl.col(c).abs() >= LARGEST)
               | ~pl.col(c).is_finite()).fill_null(False) for c in tiny]
    bad = pl.any_horizontal(flags)
    for row in f.filter(bad).select("id", *cols, *tiny).iter_rows(named=True):
        c = next((c for c in cols if _unfinite(row[c])), None)
        if c is None:
            c = next(c for c in tiny if _unfit_metric(row[c]))
            why = "too close to 0 to compute with (below 2.2e-308 in size)" if abs(row[c]) < 1 else \
                "too large to compute exactly (the limit is 10^15)"  # (NaN too: infinity less infinity)
            errors.append(EmployeeError(row["id"], "evaluate", f"metric {c[2:]} is {row[c]!r}, {why}; check the "
                                        "data behind it (a value with a wrong exponent)"))
            continue
        name, what = _describe_column(c)
        detail = ""
        if c.startswith("k.") and c.endswith(".attainment"):
            path = c[2:-len(".attainment")]
            detail = f" (actual {row.get(f'k.{path}.actual')}, target {row.get(f'k.{path}.target')})"
        errors.append(EmployeeError(row["id"], "evaluate",
                                    f"{what} of {name} is {row[c]}{detail}, not a finite number this engine can "
                                    "pay on; check the data behind it (a target near 0, a value with a wrong "
                                    "exponent)"))
    return f.filter(~bad)


def _unfinite(x: float | None) -> bool:
    """A computed number :func:`drop_unfinite` drops (the cell's answer to its polars flags)."""
    return x is not None and not (math.isfinite(x) and abs(x) < _OVERFLOW)


def _unfit_metric(x: float | None) -> bool:
    """A metric value :func:`drop_unfinite` drops: subnormal, or 10^15 or more in size."""
    return x is not None and (not math.isfinite(x) or x != 0 and abs(x) < _UNDERFLOW or abs(x) >= LARGEST)


def _any_unfinite(f: pl.DataFrame, cols: list[str], tiny: list[str], few: int = FEW_ROWS) -> bool:
    """Whether any row of ``f`` is one :func:`drop_unfinite` drops, from reductions of each column (polars'
    ``min`` and ``max`` pass NaN by; NaN is asked for apart) rather than a flag per cell of every column; with
    ``few`` rows or fewer, from the cells themselves (the same answer: tests/test_core_runs.py)."""
    if f.height <= few:
        return any(any(map(_unfinite, f.get_column(c).to_list())) for c in cols) \
            or any(any(map(_unfit_metric, f.get_column(c).to_list())) for c in tiny)
    aggs = []
    for i, c in enumerate(cols):
        x = pl.col(c)
        aggs += [x.is_nan().any().alias(f"nan{i}"), x.max().alias(f"max{i}"), x.min().alias(f"min{i}")]
    for i, c in enumerate(tiny):
        x = pl.col(c)
        aggs += [x.max().alias(f"tmax{i}"), x.min().alias(f"tmin{i}"),
                 ((x != 0) & (x.abs() < _UNDERFLOW) | x.is_nan()).any().alias(f"sub{i}")]
    got = f.select(aggs).row(0, named=True) if f.height else {}
    for i in range(len(cols)) if got else ():
        high, low = got[f"max{i}"], got[f"min{i}"]
        if got[f"nan{i}"] or high is not None and (high >= _OVERFLOW or low <= -_OVERFLOW):
            return True
    for i in range(len(tiny)) if got else ():
        high, low = got[f"tmax{i}"], got[f"tmin{i}"]
        if got[f"sub{i}"] or high is not None and (high >= LARGEST or low <= -LARGEST):
            return True
    return False


def _uncarried(f: pl.DataFrame, errors: list[EmployeeError], ruleset: Ruleset | None = None,
               context: Any = None) -> pl.DataFrame:
    """Employees an incentive plan would pay on a number a float does not carry exactly
    (:func:`appraise.core.incentives.carried`: 2^33 or more in size, with more than 15 significant digits at
    6 places) go to the errors, naming the component and the metric: the plan pays exactly on the decimal the
    data meant, and that decimal is lost.  A derived metric of that size is worked out exactly from its inputs
    (:func:`~appraise.core.incentives.exact_metric`) and judged on that: 52,164.34 / 1e-9 is 52,164,340,000,000
    (8 digits, paid on, the frame's float made the one nearest it) where floats give 52164339999999.99 (16).

    A derived metric reading a number of more than 15 significant digits (or a sum or mean the rollup flags), of
    any size, is worked out over every decimal those numbers' floats may stand for: paid on when all of them give
    the same 6 places (``big / visits`` of 100,000,000,000,000.42 and 10^10 is 10,000.000000 for all), an error
    when they do not (``big - 100000000000000`` of 100,000,000,000,001.42 lies anywhere from 1.4140625 to
    1.4296875, whose float says 1.421875 and whose data said 1.42); so is a sum of cells no decimal places fit
    together (its slack: :data:`~appraise.core.incentives.SLACK`).  Every derived measure is first proved in
    polars, row by row, to round to its float's 6 places (:func:`_proved`); only the rows not proved are worked
    out in Python.  The ``_pays.``, ``_uncarried.`` and ``_slack.`` columns go."""
    from appraise.core.incentives import (
        SLACK,
        UNCARRIED,
        NotCarried,
        NotExact,
        carried,
        exact_metric,
        micro,
        paid_micro,
    )

    flags = [c for c in f.columns if c.startswith(UNCARRIED)]  # sums and means not carried (rollup.finish)
    marks = [c for c in f.columns if c.startswith(_PAYS)]
    if not marks:
        return f.drop(flags + [c for c in f.columns if c.startswith(SLACK)])
    look = pl.any_horizontal([(pl.col(c).abs() >= 2.0 ** 33).fill_null(False) for c in marks])
    derived = {m.name for m in ruleset.metrics if m.formula is not None} if ruleset is not None else set()
    # a derived measure's float rounds to its exact value's 6 places where that is proved (every row, in polars),
    # as does a sum whose cells fit no decimal places (rollup's slack); the rest are worked out exactly, row by
    # row; a formula the proof does not cover (round, a comparison) is worked out so where it reads a number of
    # more than 15 significant digits or such a sum
    slacks = [c for c in f.columns if c.startswith(SLACK)]
    paid = [c for c in marks if _mark_metric(c) in derived or f"{SLACK}{_mark_metric(c)}" in f.columns] \
        if ruleset is not None else []
    proofs = _proved(f, cast(Ruleset, ruleset), paid, context or {}) if paid else {}
    look = look | pl.any_horizontal([~pl.lit(p) for p in proofs.values() if p is not None] or [pl.lit(False)])
    unproved = {_mark_metric(c) for c, p in proofs.items() if p is None}
    if unproved and (loose := _loose_inputs(f, cast(Ruleset, ruleset), unproved, context or {})) is not None:
        look = look | loose
    bad: list[str] = []
    exact: dict[str, dict[str, float]] = {}  # metric -> id -> the float of its exact 6-place value
    rows = f.filter(look)
    summed = [f"m.{c[len(SLACK):]}" for c in slacks if f"m.{c[len(SLACK):]}" in f.columns]
    for row in (rows if derived else rows.select("id", *marks, *flags, *slacks, *summed)).iter_rows(named=True):
        for c in marks:
            component, _, metric = c[len(_PAYS):].partition("\x00")
            if row[c] is None:
                continue
            value: Fraction | Interval | None = None
            undecided = False  # no one answer for every value its inputs' floats stand for
            try:  # a derived metric is judged on its exact value, or on the range its inputs' floats stand for
                value = exact_metric(cast(Ruleset, ruleset), metric, row, context or {}, ranges=True) \
                    if metric in derived or row.get(f"{SLACK}{metric}") is not None else None
            except NotCarried:
                undecided = True
            except NotExact:  # it reads a true/false value or employed_share: judged on its float
                pass
            if undecided:
                pass  # an error, below
            elif value is None:
                if carried(row[c]) and not row.get(f"{UNCARRIED}{metric}"):
                    continue
            elif (m := paid_micro(value)) is not None:
                if m != micro(row[c]):  # the float nearest the exact value, whose decimal the plan pays on
                    exact.setdefault(metric, {})[row["id"]] = _nearest_float(Fraction(m, 10 ** 6))
                continue
            else:
                undecided = isinstance(value, Interval) and abs(value.hi) < 2 ** 33
            errors.append(EmployeeError(row["id"], "evaluate", (
                f"incentive component {component} pays on metric {metric} = {row[c]!r}, which is worked out from "
                "numbers of more than 15 significant digits (or is a sum of numbers of very different sizes) whose "
                "floats do not decide its 6 decimal places; it cannot be paid to the cent, so it is not paid; write "
                "the numbers behind it with at most 15 significant digits") if undecided else (
                f"incentive component {component} pays on metric {metric} = {row[c]!r}, which has more significant "
                "digits than a float carries exactly (15); it cannot be paid to the cent, so it is not paid; check "
                "the data behind it")))
            bad.append(row["id"])
            break
    f = f.drop(marks + flags + slacks)
    for metric, values in exact.items():
        name = f"m.{metric}"
        f = f.with_columns(pl.col("id").replace_strict(values, default=pl.col(name), return_dtype=F64).alias(name))
        # a KPI measuring it shows that value too (its attainment and score stay the float's: within 10^-15)
        for card in cast(Ruleset, ruleset).scorecards:
            for k in (k for d in card.dimensions for k in d.kpis
                      if k.metric == metric and f"k.{k.path}.actual" in f.columns):
                actual = pl.col(f"k.{k.path}.actual")
                f = f.with_columns(pl.when(pl.col("scorecard") == card.key).then(
                    pl.col("id").replace_strict(values, default=actual, return_dtype=F64)).otherwise(actual)
                    .alias(f"k.{k.path}.actual"))
    return f.filter(~pl.col("id").is_in(bad)) if bad else f


def _mark_metric(mark: str) -> str:
    return mark[len(_PAYS):].partition("\x00")[2]


def _proved(f: pl.DataFrame, ruleset: Ruleset, marks: list[str], context: Any) -> dict[str, pl.Series | None]:
    """For each measure in ``marks`` (a derived metric, or a sum with a slack: rollup.group_sums), the rows where
    it is missing, or proved to have one 6-place value for every decimal its inputs' floats may stand for, and
    that value its float's (:mod:`appraise.language.expr.ranges`: the measure's range lies inside the float's
    6-place rounding cell, with room for the test's own rounding).  None for a formula with no range there
    (``round``, a comparison)."""
    from appraise.core.incentives import SLACK
    from appraise.language.expr.ranges import add_range, around, down, up

    metrics = {m.name: m for m in ruleset.metrics}
    column = Columns(ruleset)
    ranges: dict[str, Any] = {}
    work = f

    def name(n: str):
        nonlocal work
        if n in ranges:
            return ranges[n]
        spec = metrics.get(n)
        if spec is not None and spec.formula is not None:  # (validated acyclic) its range in columns of its own
            for read in sorted(spec.formula.names):  # the derived metrics it reads first: their columns in `work`
                if read in metrics and metrics[read].formula is not None:
                    name(read)
            made = add_range(work, spec.formula, name, context, f"_range.{n}.")
            if made is not None:
                work, ranges[n] = made
            else:
                ranges[n] = None
        elif column(n).meta.output_name() in f.columns:
            x = column(n).cast(F64)
            if f"{SLACK}{n}" in f.columns:
                slack = pl.col(f"{SLACK}{n}").fill_null(0.0)
                ranges[n] = down(x - slack), up(x + slack)
            else:
                ranges[n] = around(x)
        else:
            ranges[n] = None
        return ranges[n]

    proofs: dict[str, pl.Series | None] = {}
    for mark in marks:
        r = name(_mark_metric(mark))
        if r is None:
            proofs[mark] = None
            continue
        lo, hi = r
        x = pl.col(mark)
        k = (x * 1e6).round(0)
        room = x.abs() * 2.0 ** -45 + 1e-300
        floor, ceiling = (k - 0.5) / 1e6 + room, (k + 0.5) / 1e6 - room
        inside = (lo > floor) & (hi < ceiling) & (x > floor) & (x < ceiling) & (x.abs() < 2.0 ** 33)
        proofs[mark] = work.select(x.is_null() | inside.fill_null(False)).to_series()
    return proofs


def _inputs_of(ruleset: Ruleset, metric: str) -> tuple[set[str], set[str]]:
    """The frame columns a derived metric's formula reads, through the derived metrics it reads (``m.<raw>``,
    ``attr.<name>``, ``tenure_months``, ``prev.<field>``), and the context fields it reads."""
    metrics = {m.name: m for m in ruleset.metrics}
    columns: set[str] = set()
    fields: set[str] = set()
    seen: set[str] = set()
    todo = [metric]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        formula = metrics[name].formula
        for n in formula.names if formula is not None else ():
            if n in metrics:
                if metrics[n].formula is not None:
                    todo.append(n)
                else:
                    columns.add(f"m.{n}")
            elif n != "employed_share":
                columns.add(n if n == "tenure_months" else f"attr.{n}")
        for obj, field in formula.fields if formula is not None else ():
            (fields if obj == "context" else columns).add(field if obj == "context" else f"prev.{field}")
    return columns, fields


def _loose_inputs(f: pl.DataFrame, ruleset: Ruleset, metrics: set[str], context: Any) -> pl.Expr | None:
    """Rows where a derived metric a plan pays on reads a number of more than 15 significant digits (or a sum or
    mean the rollup flags as not carried, or one whose cells fit no decimal places): None when no row can (the usual
    case)."""
    from appraise.core.incentives import SLACK, UNCARRIED

    columns: set[str] = set()
    for metric in metrics:
        cols, fields = _inputs_of(ruleset, metric)
        if any(_digits_past_15(context.get(field)) for field in fields):
            return pl.lit(True)
        columns |= cols
    flags = [pl.col(f"{UNCARRIED}{c[2:]}").fill_null(False) for c in sorted(columns)
             if c.startswith("m.") and f"{UNCARRIED}{c[2:]}" in f.columns]
    flags += [pl.col(f"{SLACK}{c[2:]}").is_not_null() for c in sorted(columns)
              if c.startswith("m.") and f"{SLACK}{c[2:]}" in f.columns]
    numbers = [c for c in sorted(columns) if c in f.columns and f.schema[c].is_float()]
    parts = flags + [_past_15_digits(pl.col(c)) for c in numbers]
    return pl.any_horizontal(parts) if parts else None


def _past_15_digits(x: pl.Expr) -> pl.Expr:
    """Where the float ``x``'s shortest decimal may have more than 15 significant digits (never missed; a value
    of 15 or fewer flagged only below 10^-8 in size, where the scale below is not an exact float).  ``x`` times
    10^k, k making 15 digits whole, is a whole number N below 10^15 and N / 10^k is ``x`` again exactly when ``x``
    is the float of a decimal of 15 digits (N / 10^k, with 10^k exact, is the float nearest N × 10^-k; ``x`` times
    10^k is within 0.07 of N)."""
    k = pl.lit(14.0) - x.abs().log10().floor()
    scale = pl.lit(10.0).pow(k)
    n = (x * scale).round(0)
    return ((x != 0) & x.is_finite() & ((k > 22) | (n.abs() >= 1e15) | (n / scale != x))).fill_null(False)


def _digits_past_15(value: Any) -> bool:
    from appraise.core.incentives import past_15_digits

    return isinstance(value, float) and math.isfinite(value) and value != 0 and past_15_digits(value)


def _nearest_float(x: Fraction) -> float:
    """The float nearest ``x``; an infinity past the largest float (23 / 2.3e-308 is 10^309): such a metric is
    then refused as any of 10^15 or more is (:func:`drop_unfinite`), never a crash."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _describe_column(column: str) -> tuple[str, str]:
    """``k.results.revenue.attainment`` → ("results.revenue", "attainment")."""
    if column == "total":
        return "the scorecard", "the total score"
    prefix, _, rest = column.partition(".")
    if prefix in ("k", "d", "f") and "." in rest:
        name, _, what = rest.rpartition(".")
        return name, what
    return rest, {"w": "the weight", "wr": "the weight", "lost": "the points lost"}.get(prefix, prefix)
