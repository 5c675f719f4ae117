"""Re-score a whole population for new weights in milliseconds.

A slider move changes dimension and KPI weights and nothing else.  Everything
that does not depend on weights — reading the sources, rolling monthly rows up
to the period, derived metrics, which rules fire for whom, target scaling, KPI
attainments and curve scores, OKR and 360 dimension scores, adjustments — is
taken once from a full :func:`appraise.core.evaluate.evaluate` of the baseline plan.
A re-score only redoes what does: reweighting rules on the new base weights,
missing-data redistribution, dimension and total scores, rounding, grades,
calibration and the bonus (whose multiplier follows the grade).

Those steps call the engine's own public functions
(:func:`~appraise.core.reweighting.apply_action`, :func:`~appraise.core.scoring.weighted`,
:func:`~appraise.core.scoring.redistributed` and :func:`~appraise.core.scoring.total_score`,
:func:`~appraise.core.calibration.grade_expr`, :func:`~appraise.core.calibration.calibrate`,
:func:`~appraise.core.bonus.pay`) so the numbers are the engine's; ``tests/test_workshop.py`` checks the
result against a full
``evaluate`` of the new plan, and :class:`Rescorer` checks itself against the
baseline when it is built (a mismatch switches to full evaluations).
"""
from __future__ import annotations

import polars as pl

from appraise.core.bonus import pay
from appraise.core.calibration import calibrate, grade_expr
from appraise.core.frame import periods_of
from appraise.core.reweighting import apply_action, weight_actions
from appraise.core.scoring import (
    kpis_have_data,
    missing_flags,
    redistributed,
    total_score,
    weighted,
    zero_dimension_scores,
    zero_kpi_scores,
)
from appraise.language.compile import BUILTIN_ATTRIBUTES, Ruleset
from appraise.language.expr import polars_round_half_up

F64 = pl.Float64
RESULT_COLUMNS = ("score", "grade_uncalibrated", "grade", "bonus", "bonus.value")


_PLAN_INPUTS = ("money.", "attr.", "m.", "prev.")  # an incentive plan's measures, targets and their inputs
_PLAN_HELPERS = ("tenure_months", "employed_share", "_draw_open", "_paid_year")


class Rescorer:
    """Holds the weight-independent columns of one evaluation; :meth:`score` applies new weights."""

    def __init__(self, evaluation):
        rs: Ruleset = evaluation.ruleset
        frame = evaluation.frame
        unscored = getattr(evaluation, "unscored", None)
        if unscored is not None and unscored.height:  # people other weights may score: in id order, as the engine
            frame = pl.concat([frame, unscored.select([c for c in unscored.columns if c in frame.columns])],
                              how="diagonal_relaxed").sort("id")
        frame = frame.with_row_index("_row")
        self.period = evaluation.period
        self._empty = evaluation.frame.select(pl.col(c) if c in evaluation.frame.columns else pl.lit(None).alias(c)
                                              for c in ("id", *RESULT_COLUMNS)).clear()
        self.ruleset = rs
        self.height = frame.height
        keep = {"_row", "id", "scorecard"}
        if rs.calibration is not None:
            c = rs.calibration.cohort
            keep.add(c if c in BUILTIN_ATTRIBUTES else f"attr.{c}")
        self.context = getattr(evaluation, "context", None) or {}
        if rs.bonus is not None:
            keep |= {f"money.{rs.bonus.target}", f"attr.{rs.bonus.target}", "_fnum", "_fden", "_paid"}
            if rs.bonus.incentive:  # what a plan's components, guarantee and draw read (core.bonus.pay)
                keep |= {c for c in frame.columns if c.startswith(_PLAN_INPUTS)} | set(_PLAN_HELPERS)
            for card in rs.scorecards:
                for k in card.kpis_named(rs.bonus.attainment)[:1]:
                    keep |= {f"k.{k.path}.{x}" for x in ("attainment", "actual", "target")}
        for card in rs.scorecards:
            keep |= {f"rule.{r.id}" for r in rs.rules if weight_actions(r, card)}
            keep |= {f"adj.{a.id}" for a in card.adjustments}
            for d in card.dimensions:
                if d.kind == "kpis":
                    keep |= {f"k.{k.path}.score" for k in d.kpis}
                    if rs.missing == "error":  # which KPIs are missing, for missing_flags
                        keep |= {f"k.{k.path}.attainment" for k in d.kpis}
                else:
                    keep |= {f"d.{d.key}.score", f"d.{d.key}.has_data"}
                    if d.kind == "periods" and rs.missing == "error":
                        keep |= {f"p.{d.key}.{p.id}" for p, _ in periods_of(d).parts(self.period)}
        frame = frame.select([c for c in frame.columns if c in keep])
        self.parts = {card.key: frame.filter(pl.col("scorecard") == card.key) for card in rs.scorecards}
        self._order_kept = len([p for p in self.parts.values() if p.height]) <= 1

    def score(self, plan: Ruleset) -> pl.DataFrame:
        """``id`` plus ``score``, ``grade_uncalibrated``, ``grade``, ``bonus`` (exact) and ``bonus.value``
        for every employee of the baseline (the evaluation's results and those its weights left unscored: see
        :attr:`~appraise.core.evaluate.Evaluation.unscored`), in id order, under ``plan``'s weights; null for whom
        the engine would not score under them (no data in any dimension weighed above 0; missing data under
        ``missing: error``), who are then left out of calibration, as the engine leaves them out."""
        frames = [self._card(plan, card, self.parts[card.key]) for card in plan.scorecards
                  if self.parts[card.key].height]
        if not frames:  # nobody to score (everyone in the errors for reasons no weight changes)
            return self._empty
        f = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
        if not self._order_kept:
            f = f.sort("_row")
        scored = pl.col("_scored") & ~pl.col("_missing_any")
        out = f.filter(scored) if not f.select(scored.all()).item() else f
        out = out.with_columns(polars_round_half_up(pl.col("total"), 2).alias("score"))
        out = out.with_columns(grade_expr(plan, pl.col("score")).alias("grade_uncalibrated"))
        out = calibrate(plan, out)
        out = pay(plan, out, self.context).select("id", *RESULT_COLUMNS)
        if out.height < f.height:  # the others, without results, in their places
            out = f.select("id").join(out, on="id", how="left", maintain_order="left")
        return out

    def _card(self, plan: Ruleset, card, f: pl.DataFrame) -> pl.DataFrame:
        zero = plan.missing == "zero"
        f = f.with_columns([pl.lit(d.weight, dtype=F64).alias(f"wr.{d.key}") for d in card.dimensions]
                           + [pl.lit(k.weight, dtype=F64).alias(f"wr.{k.path}") for d in card.dimensions
                              for k in d.kpis])
        for rule in plan.rules:
            for action in weight_actions(rule, card):
                f = f.with_columns(apply_action(action, pl.col(f"rule.{rule.id}"), card))
        if zero:  # the baseline scored no KPI its weights left out; these weights may count it
            f = f.with_columns(zero_kpi_scores(card))
        dcols = [weighted([(pl.col(f"wr.{k.path}"), pl.col(f"k.{k.path}.score")) for k in d.kpis])
                 .alias(f"d.{d.key}.score") for d in card.dimensions if d.kind == "kpis"]
        if dcols:
            f = f.with_columns(dcols)
        if zero:
            f = f.with_columns(zero_dimension_scores(card))
        pairs = [(pl.col(f"wr.{d.key}"), pl.col(f"d.{d.key}.score")) for d in card.dimensions]
        effective, scored = redistributed(pairs)
        missing: pl.Expr = pl.lit(False)
        if plan.missing == "error":  # missing data under these weights sends the employee to the errors
            f = f.with_columns([kpis_have_data(d) for d in card.dimensions if d.kind == "kpis"])
            flags = missing_flags(card, self.period)
            missing = pl.any_horizontal(flags) if flags else missing
        return f.select(
            "_row", "id", *[c for c in f.columns if c.startswith(("k.", *_PLAN_INPUTS))
                            or c in ("scorecard", "_fnum", "_fden", "_paid", *_PLAN_HELPERS)],
            total_score(card, scored, effective, [s for _, s in pairs]).alias("total"),
            scored.alias("_scored"), missing.alias("_missing_any"))
