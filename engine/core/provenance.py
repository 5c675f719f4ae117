"""Provenance: why each employee's numbers are what they are, as the engine decided them.

:func:`appraise.core.evaluate.evaluate` puts a :class:`Provenance` on every evaluation.  For each employee it
says which rule changed which weight (or target scale) from what to what (:meth:`Provenance.weights`, computed
by the same reweighting code that scored them, :func:`appraise.core.reweighting.trace`), which bonus tiers the
attainment reached (:meth:`Provenance.tiers`), what calibration did (:meth:`Provenance.calibration`), and each
objective's and key result's score (:meth:`Provenance.objectives`).  :meth:`Provenance.table` gives the weight
changes of everyone as one table.  The explainer and the dashboards read these and never work them out again.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from appraise.core.frame import F64, card_of
from appraise.core.reweighting import Step, trace
from appraise.core.rollup import key_result_progress
from appraise.language.compile import BUILTIN_ATTRIBUTES, Ruleset, Scorecard

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Tier:
    """A bonus tier and whether the employee's attainment reached it."""

    start: float
    pay: Decimal
    reached: bool


@dataclass(frozen=True)
class Calibration:
    """What calibration did to one employee's grade: ``before`` is the grade the score earned, ``after`` the grade
    calibration left (an override may change it later); ``applied`` is False outside a cohort of ``min_cohort``."""

    cohort: str
    value: Any
    size: int | None
    applied: bool
    before: str | None
    after: str | None

    @property
    def moved(self) -> bool:
        return self.before != self.after


class Provenance:
    """The decisions behind one evaluation's result frame, per employee (by id or by a row of the frame)."""

    def __init__(self, ruleset: Ruleset, frame: pl.DataFrame, objectives: pl.DataFrame | None = None,
                 key_results: pl.DataFrame | None = None):
        self.ruleset = ruleset
        self.frame = frame
        self._objectives = objectives
        self._key_results = key_results

    def _row(self, employee: str | Row) -> Row:
        if isinstance(employee, Mapping):
            return employee
        rows = self.frame.filter(pl.col("id") == employee)
        if not rows.height:
            raise KeyError(employee)
        return rows.row(0, named=True)

    def fired(self, employee: str | Row) -> list[str]:
        """The rules whose condition held for the employee and that act on their scorecard, in file order."""
        row = self._row(employee)
        return [r.id for r in self.ruleset.rules if row.get(f"rule.{r.id}")]

    def weights(self, employee: str | Row) -> tuple[Step, ...]:
        """Each action of each rule that fired, in file order, with the weights (or target scales) before and after."""
        row = self._row(employee)
        return trace(self.ruleset, card_of(self.ruleset, row), self.fired(row))

    def tiers(self, employee: str | Row) -> list[Tier]:
        """The bonus tiers, each with whether it was reached (none without a bonus plan)."""
        plan = self.ruleset.bonus
        if plan is None:
            return []
        reached = self._row(employee).get("bonus.tiers_reached") or 0  # tiers are ascending: the first n
        return [Tier(t.start, t.pay, i < reached) for i, t in enumerate(plan.tiers)]

    def calibration(self, employee: str | Row) -> Calibration | None:
        """What calibration did (None without calibration)."""
        cal = self.ruleset.calibration
        if cal is None:
            return None
        row = self._row(employee)
        cohort = cal.cohort if cal.cohort in BUILTIN_ATTRIBUTES else f"attr.{cal.cohort}"
        after = row.get("override.grade_from") if row.get("override.applied") else row.get("grade")
        return Calibration(cal.cohort, row.get(cohort), row.get("cohort_size"), bool(row.get("calibrated")),
                           row.get("grade_uncalibrated"), after)

    def objectives(self, employee: str, threshold: float) -> list[dict[str, Any]]:
        """The employee's objectives in order: ``objective``, ``type``, ``progress``, ``score`` (0–100, for an OKR
        dimension with this aspirational ``threshold``) and ``key_results`` (``key_result``, ``start``, ``target``,
        ``current``, ``weight``, ``progress``)."""
        if self._objectives is None:
            return []
        mine = self._objectives.filter(pl.col("id") == employee).sort("objective_index")
        krs = None
        if self._key_results is not None:
            krs = self._key_results.filter(pl.col("employee") == employee)
            krs = krs.with_columns(key_result_progress(*(pl.col(c).cast(F64) for c in ("start", "target", "current")))
                                   .alias("_progress"))
        out = []
        for o in mine.iter_rows(named=True):
            items = []
            if krs is not None:
                for kr in krs.filter(pl.col("objective_index") == o["objective_index"]).iter_rows(named=True):
                    items.append({"key_result": kr["key_result"], "start": kr["start"], "target": kr["target"],
                                  "current": kr["current"], "weight": kr["weight"], "progress": kr["_progress"]})
            out.append({"objective": o["objective"], "type": o["type"], "progress": o["progress"],
                        "score": o[f"score@{threshold}"], "key_results": items})
        return out

    def table(self) -> pl.DataFrame:
        """Every weight and target scale a rule changed, for every employee: ``id``, ``rule``, ``action`` (its
        place among the rule's actions on the scorecard), ``kind`` (``weight``/``target``), ``path``, ``before``,
        ``after``; in id order, then file order."""
        rules = [f"rule.{r.id}" for r in self.ruleset.rules if f"rule.{r.id}" in self.frame.columns]
        schema = {"id": pl.Utf8, "rule": pl.Utf8, "action": pl.Int64, "kind": pl.Utf8, "path": pl.Utf8,
                  "before": F64, "after": F64}
        if not rules or not self.frame.height:
            return pl.DataFrame(schema=schema)
        keys = self.frame.select("scorecard", *[pl.col(c).fill_null(False) for c in rules])
        signatures = keys.unique(maintain_order=True).with_row_index("_sig")
        records: dict[str, list] = {c: [] for c in ("_sig", *schema)}
        for sig in signatures.iter_rows(named=True):
            card = card_of(self.ruleset, sig)
            fired = [c[len("rule."):] for c in rules if sig[c]]
            steps = trace(self.ruleset, card, fired)
            for step in steps:
                index = [a for a in next(r for r in self.ruleset.rules if r.id == step.rule).applies_to(card)] \
                    .index(step.action)
                for path, (before, after) in step.changed().items():
                    for c, v in zip(("_sig", "rule", "action", "kind", "path", "before", "after"),
                                    (sig["_sig"], step.rule, index, step.kind, path, before, after)):
                        records[c].append(v)
        changes = pl.DataFrame({c: v for c, v in records.items() if c != "id"},
                               schema={"_sig": pl.UInt32, **{c: t for c, t in schema.items() if c != "id"}})
        people = keys.with_columns(self.frame["id"]).join(signatures, on=["scorecard", *rules], how="left",
                                                           maintain_order="left", nulls_equal=True)
        return people.select("id", "_sig").with_row_index("_order").join(changes, on="_sig", how="inner") \
            .sort("_order", maintain_order=True).select(*schema)


def changed_by(ruleset: Ruleset, card: Scorecard,
               fired: Collection[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """For an employee on ``card`` for whom the rules ``fired`` (ids, e.g. results.json's ``rules_fired``): path →
    the rules that changed its weight, and KPI path → the rules that changed its target scale, in file order (the
    same :func:`~appraise.core.reweighting.trace` as :meth:`Provenance.weights`)."""
    weights: dict[str, list[str]] = {}
    targets: dict[str, list[str]] = {}
    for step in trace(ruleset, card, fired):
        for path in step.changed():
            got = (targets if step.kind == "target" else weights).setdefault(path, [])
            if step.rule not in got:
                got.append(step.rule)
    return weights, targets
