"""Incentive plans: components pay on declared measures with one rate table each, marginal bands neither overlap
nor leave gaps, caps are not below what a component pays at its floor, draws and guarantees fit under the cap.

Messages are in English and Chinese (``English / 中文``), each at the line and column of what to change.
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
            for key, en, zh in (("attainment", "the KPI whose attainment drives the tiers", "驱动档位的 KPI"),
                                ("tiers", "the tiers it pays", "支付档位")):
                if key not in bonus:
                    self.error(("bonus",), f"the bonus has no '{key}' ({en}) and no 'components' / 奖金既没有 "
                               f"'{key}'（{zh}）也没有 'components'", key=True,
                               hint="give attainment and tiers, or list components (README \"Incentive plans\") / "
                               "请写 attainment 与 tiers，或列出 components", code="schema")
            return False
        for key in ("attainment", "tiers", "excess"):
            if key in bonus:
                self.error(("bonus", key), f"'{key}' does not apply to a bonus with components: each component "
                           f"has its own measure and rate table / 有 components 的奖金不使用 '{key}'：每个组件有自己的"
                           "度量与费率表", key=True,
                           hint="move it into a component, or remove it / 请移入某个组件或删除",
                           code="plan")
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
                           f"metric{did_you_mean(measure, list(self.metrics))} / 组件 '{key}' 的度量 '{measure}' 未在 "
                           "metrics 中声明", hint=f"declare it under metrics: ({measure}: {{aggregate: sum}}) / "
                           "请在 metrics 下声明", code="reference")
            elif self.metrics[measure].get("direction") == "lower" and "target" in c:
                self.error(at + ("measure",), f"component '{key}' pays on '{measure}', a lower-is-better metric; "
                           "attainment against a target pays only on higher-is-better measures / 组件 "
                           f"'{key}' 的度量 '{measure}' 越低越好，按目标达成付薪只适用于越高越好的度量",
                           hint="pay on a derived metric that rises with performance / 请改用随业绩上升的派生指标",
                           code="plan")
        kinds = [k for k in KINDS if k in c]
        if not kinds:
            self.error(at, f"component '{key}' has no rate table: give it bands, tiers or per_unit / 组件 '{key}' "
                       "没有费率表：请写 bands、tiers 或 per_unit 之一", key=True, code="plan")
        for extra in kinds[1:]:
            self.error(at + (extra,), f"component '{key}' has both {kinds[0]} and {extra}; a component pays by one "
                       f"rate table / 组件 '{key}' 同时有 {kinds[0]} 和 {extra}，一个组件只能有一个费率表", key=True,
                       hint="split it into two components / 请拆成两个组件", code="plan")
        kind = kinds[0] if kinds else None
        target = c.get("target")
        if kind in ("bands", "tiers") or "floor" in c:
            if target is None:
                what = "a floor" if kind not in ("bands", "tiers") else kind
                self.error(at, f"component '{key}' has {what} but no target: attainment is measure / target / 组件 "
                           f"'{key}' 有 {what} 却没有 target（达成率 = 度量 / 目标）", key=True,
                           hint="add target: (a number, a metric, an employee column or an expression) / 请添加 target",
                           code="plan")
        if isinstance(target, str):
            self.expression(at + ("target",), self.scope_rule, f"the target of component '{key}'", want_bool=False)
        if kind in ("bands", "tiers") and c.get("share") is None:
            self.error(at, f"component '{key}' pays {kind} of its target, but has no share of the target bonus / "
                       f"组件 '{key}' 按其目标的倍数支付，却没有 share（占目标奖金的份额）", key=True,
                       hint="add share: 0.6 for 60% of the target bonus / 请添加 share，例如 0.6 表示目标奖金的 60%",
                       code="plan")
        if "cap" in c and c.get("share") is None and kind == "per_unit":
            self.error(at + ("cap",), f"component '{key}': a cap is a multiple of the component's target, and it "
                       f"has no share / 组件 '{key}' 的 cap 是其目标的倍数，但它没有 share", key=True,
                       hint="add share: (its target as a share of the target bonus), or remove the cap / "
                       "请添加 share 或删除 cap", code="plan")
        if c.get("multiplier") is True and not has_multiplier:
            self.error(at + ("multiplier",), f"component '{key}' applies the grade's multiplier, but the bonus "
                       f"has no multiplier / 组件 '{key}' 使用等级系数，但奖金没有 multiplier", key=True,
                       hint="add bonus.multiplier: {S: 1.2, A: 1.1, ...} or remove this line / 请添加 "
                       "bonus.multiplier 或删除此行", code="plan")
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
                           f"start {fmt(start)} / 组件 '{key}' 的第 {i + 1} 档终点 {fmt(end)} 不高于起点 {fmt(start)}",
                           hint="a band covers the attainment from 'from' up to 'to' / 每档覆盖从 from 到 to 的达成率",
                           code="bands")
                return
            if i + 1 < len(bands) and end is None:
                self.error(at + (i,), f"band {i + 1} of component '{key}' has no 'to', but another band follows / "
                           f"组件 '{key}' 的第 {i + 1} 档没有 'to'，但后面还有档", key=True,
                           hint=f"write to: {fmt(bands[i + 1].get('from'))} (where the next band starts); only the "
                           "last band may be open-ended / 只有最后一档可以不写 to", code="bands")
                return
            if i == 0:
                continue
            before = bands[i - 1].get("to")
            if not number(before):
                return
            if _d(start) > _d(before):
                self.error(at + (i, "from"), f"bands of component '{key}' leave a gap: attainment from "
                           f"{fmt(before)} to {fmt(start)} is in no band / 组件 '{key}' 的费率档有空缺：达成率 "
                           f"{fmt(before)} 到 {fmt(start)} 不属于任何一档",
                           hint=f"start this band at {fmt(before)}, where band {i} ends (or add a band with rate: "
                           f"0 to pay nothing there on purpose) / 请让此档从 {fmt(before)} 开始", code="bands")
            elif _d(start) < _d(before):
                self.error(at + (i, "from"), f"bands of component '{key}' overlap: attainment from {fmt(start)} "
                           f"to {fmt(before)} is in bands {i} and {i + 1} / 组件 '{key}' 的费率档重叠：达成率 "
                           f"{fmt(start)} 到 {fmt(before)} 同时属于第 {i} 档和第 {i + 1} 档",
                           hint=f"start this band at {fmt(before)}, where band {i} ends / "
                           f"请让此档从 {fmt(before)} 开始",
                           code="bands")

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
                       "every payout "
                       f"would be capped / 组件 '{key}' 的上限（目标的 {fmt(cap)} 倍）低于它在门槛处的最低支付（目标的 "
                       f"{fmt(least)} 倍）", hint="raise the cap or lower the floor / 请提高上限或降低门槛", code="cap")

    def check_settlement(self, bonus: dict) -> None:
        """A guarantee or a draw above the total cap pays more than the plan can ever earn."""
        cap = bonus.get("cap")
        for key, zh in (("guarantee", "保底"), ("draw", "预支")):
            spec = bonus.get(key)
            if not isinstance(spec, dict) or not number(spec.get("pay")) or not number(cap) \
                    or self.bad(("bonus", key)):
                continue
            if _d(spec["pay"]) > _d(cap):
                self.error(("bonus", key, "pay"), f"the {key} pays {fmt(spec['pay'])} × the target, above the "
                           f"bonus cap of {fmt(cap)} × the target: it could never be earned / {zh}为目标的 "
                           f"{fmt(spec['pay'])} 倍，高于奖金上限（目标的 {fmt(cap)} 倍），永远无法挣回",
                           hint=f"keep the {key} at or below the cap / 请让{zh}不高于上限", code="cap")
