"""Scorecards: their order (who gets which), dimension and KPI weights, 360 sources and rater
anonymity, KPI metrics, targets and curves, adjustments."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from appraise.language import expr as expressions
from appraise.language.validate.common import SINGLE_RATER_RELATIONS, did_you_mean, fmt, number
from appraise.language.validate.expressions import ExpressionChecks
from appraise.language.validate.periods import PeriodChecks


class ScorecardChecks(ExpressionChecks, PeriodChecks):
    """Scorecards, their dimensions and KPIs."""

    def check_scorecard_order(self) -> None:
        """Each employee gets the first scorecard (in file order) whose ``applies_to`` holds: one after a
        scorecard without a condition is never used (an error); two whose conditions can both hold is a
        warning naming the one that wins."""
        cards = [(k, v) for k, v in self.section("scorecards").items() if isinstance(v, dict)]
        for i, (later, _spec) in enumerate(cards):
            for earlier, first in cards[:i]:
                if "applies_to" not in first:
                    self.error(("scorecards", later), f"scorecard '{later}' is never used: '{earlier}' comes first "
                               "and has no applies_to, so it takes everyone", key=True,
                               hint=f"move '{earlier}' last (as the default), or give it an applies_to",
                               code="scorecard-order")
                    break
                a, b = self.parsed.get(("scorecards", earlier, "applies_to")), \
                    self.parsed.get(("scorecards", later, "applies_to"))
                if a is not None and b is not None and not expressions.exclusive(a, b):
                    self.out.append(replace(self.doc.diag(
                        ("scorecards", later, "applies_to"), f"an employee matching both '{earlier}' and '{later}' "
                        f"gets '{earlier}' (the first in the file)",
                        hint="make the conditions exclusive (e.g. role == \"a\" / role == \"b\"), "
                        "or keep this order on purpose", code="scorecard-overlap"), severity="warning"))

    def check_scorecards(self) -> None:
        for sc_id, dims in self.cards.items():
            base = ("scorecards", sc_id)
            sc = self.section("scorecards")[sc_id]
            if not isinstance(sc, dict):
                continue
            if "applies_to" in sc:
                self.expression(base + ("applies_to",), self.scope_employee,
                                f"'applies_to' of scorecard '{sc_id}'", want_bool=True)
            self.weight_sum(base + ("dimensions",), dims, f"the dimensions of scorecard '{sc_id}'")
            for dim_id, dim in dims.items():
                dpath = base + ("dimensions", dim_id)
                if isinstance(dim.get("kpis"), dict):
                    kpis = self.kpis(sc_id, dim_id)
                    self.weight_sum(dpath + ("kpis",), kpis, f"the KPIs of dimension '{dim_id}'")
                    for kpi_id, kpi in kpis.items():
                        self._check_kpi(dpath + ("kpis", kpi_id), dim_id, kpi_id, kpi)
                ps = dim.get("periods")
                if isinstance(ps, dict) and not self.bad(dpath + ("periods",)):
                    self.check_periods(dpath + ("periods",), dim_id, ps)
                fb = dim.get("feedback360")
                if isinstance(fb, dict) and isinstance(fb.get("sources"), dict):
                    self.weight_sum(dpath + ("feedback360", "sources"), fb["sources"],
                                     f"the 360 sources of dimension '{dim_id}'")
                    raters = fb.get("min_raters")
                    if isinstance(raters, dict):
                        for rel in raters:
                            if rel not in fb["sources"] and rel != "self":
                                self.error(dpath + ("feedback360", "min_raters", rel),
                                           f"'{rel}' is not one of the 360 sources of dimension '{dim_id}'"
                                           + did_you_mean(rel, fb["sources"]), key=True,
                                           hint="sources: " + ", ".join(fb["sources"]))
                    self._check_min_raters(dpath + ("feedback360",), fb)
            seen: dict[str, int] = {}
            for i, adj in enumerate(sc.get("adjustments") or []):
                if not isinstance(adj, dict):
                    continue
                apath = base + ("adjustments", i)
                self.unique(seen, adj.get("id"), apath + ("id",), f"adjustment id in scorecard '{sc_id}'")
                if "when" in adj:
                    self.expression(apath + ("when",), self.scope_rule,
                                    f"the condition of adjustment '{adj.get('id')}'", want_bool=True)

    def _check_min_raters(self, path: tuple, fb: dict) -> None:
        """Rater anonymity: a source other than ``manager`` and ``self`` shown with one rater is that rater's
        own ratings (an error), with two each rater can read the other's (a warning)."""
        raters = fb.get("min_raters")
        if isinstance(raters, bool) or self.bad(path + ("min_raters",)):
            return
        if isinstance(raters, int):  # one number for every relation
            shared = [r for r in fb["sources"] if r not in SINGLE_RATER_RELATIONS]
            checks = [(path + ("min_raters",), raters, "'" + "', '".join(shared) + "'")] if shared else []
        elif isinstance(raters, dict):
            checks = [(path + ("min_raters", rel), n, f"'{rel}'" if rel != "*" else "every other relation")
                      for rel, n in raters.items()
                      if rel not in SINGLE_RATER_RELATIONS and isinstance(n, int) and not isinstance(n, bool)]
        else:
            return
        for where, n, who in checks:
            if n < 2:
                self.error(where, f"min_raters {n} for {who} would show one rater's own ratings; only 'manager' "
                           "and 'self' may have fewer than 2 raters", hint="write at least 2 (3 or more keeps "
                           "raters anonymous from each other too)", code="min-raters")
            elif n < 3:
                self.out.append(replace(self.doc.diag(
                    where, f"min_raters {n} for {who}: each of two raters can work out the other's ratings from "
                    "the source's mean", hint="write 3 or more, or keep 2 on purpose", code="min-raters"),
                    severity="warning"))

    def _check_kpi(self, path: tuple, dim_id: str, kpi_id: str, kpi: dict) -> None:
        metric = kpi.get("metric", kpi_id)
        if isinstance(metric, str) and metric not in self.metrics and not self.bad(path + ("metric",)):
            if "metric" in kpi:
                self.error(path + ("metric",), f"metric '{metric}' is not declared under metrics"
                           + did_you_mean(metric, self.metrics), hint="declare it under metrics:, or fix the name")
            else:
                self.error(path, f"KPI '{kpi_id}' reads metric '{kpi_id}', which is not declared under metrics"
                           + did_you_mean(kpi_id, self.metrics), key=True,
                           hint="fix the KPI's name, or name the metric it reads with metric:")
        target = kpi.get("target")
        if isinstance(target, str):
            self.expression(path + ("target",), self.scope_rule, f"the target of KPI '{dim_id}.{kpi_id}'",
                            want_bool=False)
        elif number(target) and isinstance(metric, str) and isinstance(self.metrics.get(metric), dict):
            self._check_target_plausible(path + ("target",), f"{dim_id}.{kpi_id}", target,
                                         self.metrics[metric].get("unit"))
        curve = kpi.get("curve")
        if isinstance(curve, dict) and not self.bad(path + ("curve",)):
            cpath = path + ("curve",)
            if "bands" in curve:
                self.ascending([b.get("from") for b in curve["bands"]], cpath + ("bands",), ("from",),
                                "curve bands", "'from'")
                if _rising([b.get("from") for b in curve["bands"]]):
                    self._not_falling([b.get("score") for b in curve["bands"]], cpath + ("bands",), ("score",))
            elif "points" in curve:
                self.ascending([p[0] for p in curve["points"]], cpath + ("points",), (0,),
                                "curve points", "attainment")
                if _rising([p[0] if isinstance(p, list) and p else None for p in curve["points"]]):
                    self._not_falling([p[1] if isinstance(p, list) and len(p) > 1 else None for p in curve["points"]],
                                      cpath + ("points",), (1,))
            else:
                floor, cap = curve.get("floor", 0), curve.get("cap", 1.0)
                if number(floor) and number(cap) and floor > cap:
                    self.error(cpath + (("floor",) if "floor" in curve else ("cap",)),
                               f"floor {fmt(floor)} is above cap {fmt(cap)}",
                               hint="the floor is where scoring starts and the cap where it stops; floor ≤ cap")

    def _check_target_plausible(self, path: tuple, kpi: str, target, unit) -> None:
        """A number target far from what its metric's unit allows is most likely a slip (95 meant as 95 %)."""
        problem: str | None = None
        hint = ""
        if target < 0:
            problem, hint = "is below zero", "targets are amounts or rates of 0 or more"
        elif unit == "ratio" and target > 2:
            problem = "is above 2, but the metric is a ratio (0.95 = 95 %)"
            hint = f"write {fmt(Decimal(str(target)) / 100)} for {fmt(target)} %"
        elif unit == "percent" and 0 < target <= 1:
            problem = "is 1 or less, but the metric is in percent (95 = 95 %)"
            hint = f"write {fmt(Decimal(str(target)) * 100)} for {fmt(Decimal(str(target)) * 100)} %"
        elif unit == "money" and 0 < target < 1:
            problem, hint = "is below 1, but the metric is an amount of money", "write the amount in currency units"
        if problem:
            self.out.append(replace(self.doc.diag(path, f"the target of KPI '{kpi}' ({fmt(target)}) {problem}",
                                                  hint=hint, code="target-implausible"), severity="warning"))

    def _not_falling(self, scores: list, path: tuple, tail: tuple) -> None:
        """A curve's scores may not fall as attainment rises: selling more must never score less."""
        for i in range(1, len(scores)):
            a, b = scores[i - 1], scores[i]
            if number(a) and number(b) and b < a:
                self.error(path + (i,) + tail, f"curve score {fmt(b)} is lower than the {fmt(a)} before it, so a "
                           "better result would score less", hint="make the scores rise (or stay level) along the "
                           "curve", code="order")


def _rising(values: list) -> bool:
    """All numbers and strictly ascending (only then are a curve's scores worth comparing)."""
    return all(number(v) for v in values) and all(b > a for a, b in zip(values, values[1:]))
