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
from appraise.core.reweighting import apply_action, weight_actions
from appraise.core.scoring import redistributed, total_score, weighted
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
        frame = evaluation.frame.with_row_index("_row")
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
                else:
                    keep.add(f"d.{d.key}.score")
        frame = frame.select([c for c in frame.columns if c in keep])
        self.parts = {card.key: frame.filter(pl.col("scorecard") == card.key) for card in rs.scorecards}
        self._order_kept = len([p for p in self.parts.values() if p.height]) <= 1

    def score(self, plan: Ruleset) -> pl.DataFrame:
        """``id`` plus ``score``, ``grade_uncalibrated``, ``grade``, ``bonus`` (exact) and ``bonus.value``
        for every employee of the baseline, in the baseline's order, under ``plan``'s weights."""
        frames = [self._card(plan, card, self.parts[card.key]) for card in plan.scorecards
                  if self.parts[card.key].height]
        if not frames:
            return pl.DataFrame(schema={"id": pl.Utf8, "score": F64})
        f = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
        if not self._order_kept:
            f = f.sort("_row")
        f = f.with_columns(polars_round_half_up(pl.col("total"), 2).alias("score"))
        f = f.with_columns(grade_expr(plan, pl.col("score")).alias("grade_uncalibrated"))
        f = calibrate(plan, f)
        f = pay(plan, f, self.context)
        return f.select("id", *RESULT_COLUMNS)

    def _card(self, plan: Ruleset, card, f: pl.DataFrame) -> pl.DataFrame:
        zero = plan.missing == "zero"
        f = f.with_columns([pl.lit(d.weight, dtype=F64).alias(f"wr.{d.key}") for d in card.dimensions]
                           + [pl.lit(k.weight, dtype=F64).alias(f"wr.{k.path}") for d in card.dimensions
                              for k in d.kpis])
        for rule in plan.rules:
            for action in weight_actions(rule, card):
                f = f.with_columns(apply_action(action, pl.col(f"rule.{rule.id}"), card))
        dcols = []
        for d in card.dimensions:
            if d.kind == "kpis":
                score = weighted([(pl.col(f"wr.{k.path}"), pl.col(f"k.{k.path}.score")) for k in d.kpis])
                dcols.append((score.fill_null(0.0) if zero else score).alias(f"d.{d.key}.score"))
        if dcols:
            f = f.with_columns(dcols)
        pairs = [(pl.col(f"wr.{d.key}"), pl.col(f"d.{d.key}.score")) for d in card.dimensions]
        effective, scored = redistributed(pairs)
        return f.select(
            "_row", "id", *[c for c in f.columns if c.startswith(("k.", *_PLAN_INPUTS))
                            or c in ("scorecard", "_fnum", "_fden", "_paid", *_PLAN_HELPERS)],
            total_score(card, scored, effective, [s for _, s in pairs]).alias("total"))
