"""Incentive plans: components pay on declared measures with one rate table each, marginal bands neither overlap
nor leave gaps, caps are not below what a component pays at its floor, draws and guarantees fit under the cap.

Messages are written in English, each at the line and column of what to change; :data:`appraise.i18n.DIAGNOSTICS`
renders them in Chinese.
"""
from __future__ import annotations

from decimal import Decimal

from appraise.language.validate.common import did_you_mean, fmt, number
from appraise.language.validate.expressions import ExpressionChecks

KINDS = ("bands", "tiers", "per_unit")


def _d(value) -> Decimal:
    return Decimal(str(value))


class PlanChecks(ExpressionChecks):
    """``bonus.components``, ``bonus.draw`` and ``bonus.guarantee``."""

    def check_plan_shape(self, bonus: dict) -> bool:
        """Either ``attainment`` and ``tiers`` or ``components``; returns whether the bonus has components."""
        components = bonus.get("components")
        if components is None:
            for key, en in (("attainment", "the KPI whose attainment drives the tiers"),
                            ("tiers", "the tiers it pays")):
                if key not in bonus:
                    self.error(("bonus",), f"the bonus has no '{key}' ({en}) and no 'components'", key=True,
                               hint="give attainment and tiers, or list components (README \"Incentive plans\")",
                               code="schema")
            return False
        for key in ("attainment", "tiers", "excess"):
            if key in bonus:
                self.error(("bonus", key), f"'{key}' does not apply to a bonus with components: each component "
                           "has its own measure and rate table", key=True,
                           hint="move it into a component, or remove it", code="plan")
        return True

    def check_components(self, bonus: dict) -> None:
        components = bonus.get("components")
        if not isinstance(components, dict) or self.bad(("bonus", "components")) and not components:
            return
        has_multiplier = isinstance(bonus.get("multiplier"), dict)
        for key, c in components.items():
            if isinstance(c, dict):
                self._component(("bonus", "components", key), str(key), c, has_multiplier)

    def _component(self, at: tuple, key: str, c: dict, has_multiplier: bool) -> None:
        measure = c.get("measure")
        if isinstance(measure, str) and not self.bad(at + ("measure",)):
            if measure not in self.metrics:
                self.error(at + ("measure",), f"component '{key}' pays on '{measure}', which is not a declared "
                           f"metric{did_you_mean(measure, list(self.metrics))}",
                           hint=f"declare it under metrics: ({measure}: {{aggregate: sum}})", code="reference")
            elif self.metrics[measure].get("direction") == "lower" and "target" in c:
                self.error(at + ("measure",), f"component '{key}' pays on '{measure}', a lower-is-better metric; "
                           "attainment against a target pays only on higher-is-better measures",
                           hint="pay on a derived metric that rises with performance", code="plan")
        kinds = [k for k in KINDS if k in c]
        if not kinds:
            self.error(at, f"component '{key}' has no rate table: give it bands, tiers or per_unit", key=True,
                       code="plan")
        for extra in kinds[1:]:
            self.error(at + (extra,), f"component '{key}' has both {kinds[0]} and {extra}; a component pays by one "
                       "rate table", key=True, hint="split it into two components", code="plan")
        kind = kinds[0] if kinds else None
        target = c.get("target")
        if kind in ("bands", "tiers") or "floor" in c:
            if target is None:
                what = "a floor" if kind not in ("bands", "tiers") else kind
                self.error(at, f"component '{key}' has {what} but no target: attainment is measure / target",
                           key=True, hint="add target: (a number, a metric, an employee column or an expression)",
                           code="plan")
        if isinstance(target, str):
            self.expression(at + ("target",), self.scope_rule, f"the target of component '{key}'", want_bool=False)
        if kind in ("bands", "tiers") and c.get("share") is None:
            self.error(at, f"component '{key}' pays {kind} of its target, but has no share of the target bonus",
                       key=True, hint="add share: 0.6 for 60% of the target bonus", code="plan")
        if "cap" in c and c.get("share") is None and kind == "per_unit":
            self.error(at + ("cap",), f"component '{key}': a cap is a multiple of the component's target, and it "
                       "has no share", key=True,
                       hint="add share: (its target as a share of the target bonus), or remove the cap", code="plan")
        if c.get("multiplier") is True and not has_multiplier:
            self.error(at + ("multiplier",), f"component '{key}' applies the grade's multiplier, but the bonus "
                       "has no multiplier", key=True,
                       hint="add bonus.multiplier: {S: 1.2, A: 1.1, ...} or remove this line", code="plan")
        if kind == "bands" and not self.bad(at + ("bands",)):
            self._bands(at + ("bands",), key, c["bands"])
        if kind == "tiers" and not self.bad(at + ("tiers",)):
            self.ascending([t.get("from") for t in c["tiers"]], at + ("tiers",), ("from",),
                           f"the tiers of component '{key}'", "'from'")
        self._cap_above_floor(at, key, c, kind)

    def _bands(self, at: tuple, key: str, bands: list) -> None:
        """Bands are written in order, each starting where the one before ends: no gap, no overlap."""
        for i, b in enumerate(bands):
            start, end = b.get("from"), b.get("to")
            if not number(start):
                return
            if number(end) and end <= start:
                self.error(at + (i, "to"), f"band {i + 1} of component '{key}' ends at {fmt(end)}, not above its "
                           f"start {fmt(start)}", hint="a band covers the attainment from 'from' up to 'to'",
                           code="bands")
                return
            if i + 1 < len(bands) and end is None:
                self.error(at + (i,), f"band {i + 1} of component '{key}' has no 'to', but another band follows",
                           key=True, hint=f"write to: {fmt(bands[i + 1].get('from'))} (where the next band starts); "
                           "only the last band may be open-ended", code="bands")
                return
            if i == 0:
                continue
            before = bands[i - 1].get("to")
            if not number(before):
                return
            if _d(start) > _d(before):
                self.error(at + (i, "from"), f"bands of component '{key}' leave a gap: attainment from "
                           f"{fmt(before)} to {fmt(start)} is in no band",
                           hint=f"start this band at {fmt(before)}, where band {i} ends (or add a band with rate: "
                           "0 to pay nothing there on purpose)", code="bands")
            elif _d(start) < _d(before):
                self.error(at + (i, "from"), f"bands of component '{key}' overlap: attainment from {fmt(start)} "
                           f"to {fmt(before)} is in bands {i} and {i + 1}",
                           hint=f"start this band at {fmt(before)}, where band {i} ends", code="bands")

    def _cap_above_floor(self, at: tuple, key: str, c: dict, kind: str | None) -> None:
        """A cap below what the component pays as soon as it pays anything would cap every payout."""
        cap, floor = c.get("cap"), c.get("floor", 0)
        if not number(cap) or not number(floor) or kind not in ("bands", "tiers") or self.bad(at):
            return
        least = Decimal(0)
        first = _d(floor)
        if kind == "tiers":
            tiers = [t for t in c.get("tiers") or [] if number(t.get("from")) and number(t.get("pay"))]
            paying = [_d(t["from"]) for t in tiers if t["pay"] > 0]
            if not paying:
                return
            first = max(_d(floor), min(paying))  # where it first pays anything
            least = sum((_d(t["pay"]) for t in tiers if _d(t["from"]) <= first), Decimal(0))
        else:
            for b in c.get("bands") or []:
                if number(b.get("from")) and number(b.get("rate")):
                    top = _d(floor) if b.get("to") is None else min(_d(floor), _d(b["to"]))
                    if top > _d(b["from"]):
                        least += _d(b["rate"]) * (top - _d(b["from"]))
        if least > _d(cap):
            self.error(at + ("cap",), f"the cap of component '{key}' ({fmt(cap)} × its target) is below what it "
                       f"pays as soon as it pays at all ({fmt(least)} × its target, at attainment {fmt(first)}): "
                       "every payout would be capped", hint="raise the cap or lower the floor", code="cap")

    def check_settlement(self, bonus: dict) -> None:
        """A guarantee or a draw above the total cap pays more than the plan can ever earn."""
        cap = bonus.get("cap")
        for key in ("guarantee", "draw"):
            spec = bonus.get(key)
            if not isinstance(spec, dict) or not number(spec.get("pay")) or not number(cap) \
                    or self.bad(("bonus", key)):
                continue
            if _d(spec["pay"]) > _d(cap):
                what = "the guarantee" if key == "guarantee" else "the draw"
                self.error(("bonus", key, "pay"), f"{what} pays {fmt(spec['pay'])} × the target, above the "
                           f"bonus cap of {fmt(cap)} × the target: it could never be earned",
                           hint=f"keep {what} at or below the cap", code="cap")
