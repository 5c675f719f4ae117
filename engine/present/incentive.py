"""Explain an incentive plan's part of a bonus: each component's bands or tiers, the caps, the guarantee, the draw
and the year to date, from the values the core emitted (results.json's entry and the result frame's row).

Nothing is computed here: every amount shown is one :mod:`appraise.core.incentives` wrote.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appraise.export.document import money
from appraise.language.compile import Ruleset, localized

MESSAGES = {
    "en": {
        "header": "Bonus (target {target} {currency}): {n} plan component(s), each paid on its own measure",
        "component": "  Component {label} ({key}) on {measure}: {how}",
        "attained": "actual {actual} / target {target} = attainment {att}",
        "its_target": "; its target {share} × {cycle_target} = {base}",
        "per_unit": "{actual} × {rate} per unit",
        "missing": "no value for its measure or target → no bonus can be computed",
        "floored": "    below its floor {floor}: pays 0",
        "band": "    band {start}–{end} × {rate}: {inside} of attainment inside → {pay}",
        "tiers": "    tiers reached: {reached} of {count} → {raw}",
        "raw": "    before multiplier and cap: {raw}",
        "multiplier": "    × multiplier {mult} (grade {grade})",
        "cap": "    cap {cap} × its target = {amount_cap} → pays {amount}",
        "amount": "    pays {amount}",
        "sum": "  Sum of the components (floored at 0): {uncapped}; total cap {cap} → {capped}",
        "sum_nocap": "  Sum of the components (floored at 0): {uncapped}",
        "guarantee": "  Guarantee for new hires (tenure {tenure} < {months} months): at least {amount} → "
                     "tops up {topup}",
        "no_guarantee": "  No guarantee this period (tenure {tenure} ≥ {months} months)",
        "earned": "  Earned this period: {earned} {currency}",
        "draw": "  Draw {amount}: balance carried in {opening}; recovered {recovered}, advanced {advanced} → "
                "paid {paid} {currency}; balance carried forward {closing}",
        "draw_missing": "  Draw {amount}: nothing earned could be computed; balance carried forward unchanged: "
                        "{closing}",
        "ytd": "  Paid this year: {before} earlier + {paid} now = {ytd} {currency}",
    },
    "zh-CN": {
        "header": "奖金（目标奖金 {target} {currency}）：{n} 个计划组件，各按自己的度量支付",
        "component": "  组件 {label}（{key}），度量 {measure}：{how}",
        "attained": "实际 {actual} / 目标 {target} = 达成率 {att}",
        "its_target": "；组件目标 {share} × {cycle_target} = {base}",
        "per_unit": "{actual} × 每单位 {rate}",
        "missing": "度量或目标无值 → 无法计算奖金",
        "floored": "    低于门槛 {floor}：支付 0",
        "band": "    区间 {start}–{end} × {rate}：区间内达成 {inside} → {pay}",
        "tiers": "    达到档位：{reached} / {count} → {raw}",
        "raw": "    系数与封顶前：{raw}",
        "multiplier": "    × 系数 {mult}（等级 {grade}）",
        "cap": "    封顶 {cap} × 组件目标 = {amount_cap} → 支付 {amount}",
        "amount": "    支付 {amount}",
        "sum": "  各组件合计（最低为 0）：{uncapped}；总封顶 {cap} → {capped}",
        "sum_nocap": "  各组件合计（最低为 0）：{uncapped}",
        "guarantee": "  新员工保底（司龄 {tenure} < {months} 个月）：至少 {amount} → 补足 {topup}",
        "no_guarantee": "  本期无保底（司龄 {tenure} ≥ {months} 个月）",
        "earned": "  本期挣得：{earned} {currency}",
        "draw": "  预支 {amount}：期初余额 {opening}；收回 {recovered}，预支 {advanced} → 实发 {paid} {currency}；"
                "结转余额 {closing}",
        "draw_missing": "  预支 {amount}：本期挣得无法计算；余额原样结转：{closing}",
        "ytd": "  本年已发：此前 {before} + 本期 {paid} = {ytd} {currency}",
    },
}


def _dash(value: Any) -> str:
    return "—" if value is None else str(value)


def section(ruleset: Ruleset, row: Mapping[str, Any], result: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The plan's part of ``explain``'s structured output (``--format json``)."""
    plan = ruleset.bonus
    assert plan is not None
    detail = result.get("bonus_detail") or {}
    out: dict[str, Any] = {"components": [], "uncapped": detail.get("uncapped"), "cap": detail.get("cap"),
                           "tenure_months": result.get("tenure_months")}
    for c in plan.components:
        part = dict((detail.get("components") or {}).get(c.key) or {})
        part.update({"key": c.key, "label": localized(c.label, locale, c.key), "kind": c.kind,
                     "floor": str(c.floor) if c.floor else None, "cap_share": str(c.cap) if c.cap is not None else None,
                     "tier_count": len(c.tiers)})
        out["components"].append(part)
    if plan.guarantee is not None:
        out["guarantee"] = {"months": plan.guarantee.months, "pay": str(plan.guarantee.pay),
                            **(result.get("bonus_guarantee") or {})}
    if plan.draw is not None:
        out["draw"] = {**(result.get("bonus_draw") or {}), "closing": result.get("bonus_draw_balance"),
                       "pay": str(plan.draw.pay)}
    out["earned"] = result.get("bonus_earned", result.get("bonus"))
    out["ytd_before"] = money(row.get("bonus.ytd_before"), ruleset)
    out["ytd"] = result.get("bonus_ytd")
    return out


def header(x: dict[str, Any], locale: str) -> str:
    b = x["bonus"]
    m = MESSAGES.get(locale, MESSAGES["en"])
    return m["header"].format(target=b["target"], currency=b["currency"], n=len(b["plan"]["components"]))


def component_lines(x: dict[str, Any], locale: str) -> list[str]:
    """Each component's derivation, then the sum and the total cap."""
    m = MESSAGES.get(locale, MESSAGES["en"])
    b, plan = x["bonus"], x["bonus"]["plan"]
    grade = x.get("result", {}).get("grade")
    lines = []
    for c in plan["components"]:
        if c.get("amount") is None:
            how = m["missing"]
        elif c["kind"] == "per_unit":
            how = m["per_unit"].format(actual=c["actual"], rate=c["per_unit"])
        else:
            how = m["attained"].format(actual=c["actual"], target=c["target"], att=c["attainment"])
        if c.get("base") is not None:
            how += m["its_target"].format(share=c["share"], cycle_target=b.get("target_cycle") or b["target"],
                                          base=c["base"])
        lines.append(m["component"].format(label=c["label"], key=c["key"], measure=c["measure"], how=how))
        if c.get("amount") is None:
            continue
        if c.get("below_floor"):
            lines.append(m["floored"].format(floor=c["floor"]))
        if c["kind"] == "bands":
            for band in c["bands"]:
                lines.append(m["band"].format(start=band["from"], end=band["to"] or "", rate=band["rate"],
                                              inside=band["inside"], pay=band["pay"]))
        elif c["kind"] == "tiers":
            lines.append(m["tiers"].format(reached=c["tiers_reached"], count=c["tier_count"], raw=c["raw"]))
        if c["kind"] == "bands" and (c.get("multiplier") is not None or c.get("cap") is not None):
            lines.append(m["raw"].format(raw=c["raw"]))
        if c.get("multiplier") is not None:
            lines.append(m["multiplier"].format(mult=c["multiplier"], grade=_dash(grade)))
        if c.get("cap") is not None:
            lines.append(m["cap"].format(cap=c["cap_share"], amount_cap=c["cap"], amount=c["amount"]))
        else:
            lines.append(m["amount"].format(amount=c["amount"]))
    if plan["uncapped"] is not None:
        lines.append(m["sum"].format(uncapped=plan["uncapped"], cap=plan["cap"],
                                     capped=_capped(plan))
                     if plan["cap"] is not None else m["sum_nocap"].format(uncapped=plan["uncapped"]))
    return lines


def _capped(plan: Mapping[str, Any]) -> str:
    """The smaller of the sum and the total cap, both as the core wrote them (a choice, not arithmetic)."""
    from decimal import Decimal

    return plan["cap"] if Decimal(plan["uncapped"]) > Decimal(plan["cap"]) else plan["uncapped"]


def settle_lines(x: dict[str, Any], locale: str) -> list[str]:
    """The guarantee, the draw and the year to date."""
    m = MESSAGES.get(locale, MESSAGES["en"])
    b, plan = x["bonus"], x["bonus"]["plan"]
    lines = []
    if "draw" in plan or "guarantee" in plan:
        lines.append(m["earned"].format(earned=_dash(plan["earned"]), currency=b["currency"]))
    g = plan.get("guarantee")
    if g is not None:
        if g.get("amount") is not None:
            lines.append(m["guarantee"].format(tenure=_dash(plan["tenure_months"]), months=g["months"],
                                               amount=g["amount"], topup=_dash(g.get("topup"))))
        else:
            lines.append(m["no_guarantee"].format(tenure=_dash(plan["tenure_months"]), months=g["months"]))
    d = plan.get("draw")
    if d is not None:
        if d.get("recovered") is None:
            lines.append(m["draw_missing"].format(amount=_dash(d.get("amount")), closing=_dash(d.get("closing"))))
        else:
            lines.append(m["draw"].format(amount=d["amount"], opening=d["opening"], recovered=d["recovered"],
                                          advanced=d["advanced"], paid=_dash(b["bonus"]), currency=b["currency"],
                                          closing=d["closing"]))
    lines.append(m["ytd"].format(before=_dash(plan["ytd_before"]), paid=_dash(b["bonus"]), ytd=_dash(plan["ytd"]),
                                 currency=b["currency"]))
    return lines
