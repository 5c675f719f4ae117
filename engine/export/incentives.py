"""An incentive plan's part of a results.json entry: each component's steps, the guarantee, the draw, the year.

Written from the columns :mod:`appraise.core.incentives` emits (README "Incentive plans"): amounts of the plan's
arithmetic as exact decimal strings, amounts paid or carried (draw, guarantee, year to date) at the rounding
unit, attainments at 4 decimals.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from appraise.language.compile import Ruleset


def _plain(value) -> str | None:
    if value is None:
        return None
    d = Decimal(value).normalize()
    return format(d.quantize(Decimal(1)) if d == d.to_integral() else d, "f")


def plan_fields(out: dict[str, Any], get: Callable[..., Any], ruleset: Ruleset,
                money: Callable[[Any, Ruleset], str | None], r4: Callable[[Any], float | None]) -> None:
    """Add the plan's fields to the entry ``out`` (``get``: the row's values by column)."""
    plan = ruleset.bonus
    if plan is None or not plan.incentive:
        return
    if plan.components:
        detail: dict[str, Any] = {"target": out.get("bonus_detail", {}).get("target")}
        if "target_cycle" in out.get("bonus_detail", {}):
            detail["target_cycle"] = out["bonus_detail"]["target_cycle"]
        parts: dict[str, Any] = {}
        for c in plan.components:
            k = f"bonus.c.{c.key}"
            part: dict[str, Any] = {"measure": c.measure, "actual": _plain(get(f"{k}.actual"))}
            if c.target is not None:
                part["target"] = _plain(get(f"{k}.target"))
                part["attainment"] = r4(get(f"{k}.attainment"))
            if c.share is not None:
                part["share"] = _plain(c.share)
                part["base"] = _plain(get(f"{k}.base"))
            if c.kind == "bands":
                part["bands"] = [{"from": _plain(b.start), "to": _plain(b.end), "rate": _plain(b.rate),
                                  "inside": _plain(get(f"{k}.inside.{i}")), "pay": _plain(get(f"{k}.pay.{i}"))}
                                 for i, b in enumerate(c.bands)]
            elif c.kind == "tiers":
                part["tiers_reached"] = get(f"{k}.tiers_reached")
            else:
                part["per_unit"] = _plain(c.per_unit)
            if c.floor:
                part["below_floor"] = get(f"{k}.floored")
            part["raw"] = _plain(get(f"{k}.raw"))
            if c.multiplier:
                part["multiplier"] = _plain(get(f"{k}.multiplier"))
            if c.cap is not None:
                part["cap"] = _plain(get(f"{k}.cap"))
            part["amount"] = _plain(get(f"{k}.amount"))
            parts[c.key] = part
        detail["components"] = parts
        detail["uncapped"] = _plain(get("bonus.uncapped"))
        detail["cap"] = _plain(get("bonus.cap"))
        out["bonus_detail"] = detail
    if plan.guarantee is not None or plan.draw is not None:
        out["bonus_earned"] = money(get("bonus.earned"), ruleset)
    if plan.guarantee is not None:
        amount = get("bonus.guarantee")
        out["bonus_guarantee"] = None if amount is None else {"amount": money(amount, ruleset),
                                                              "topup": money(get("bonus.topup"), ruleset)}
    if plan.draw is not None:
        out["bonus_draw"] = {name: money(get(f"bonus.draw.{name}"), ruleset)
                             for name in ("amount", "opening", "recovered", "advanced")}
        out["bonus_draw_balance"] = money(get("bonus.draw.closing"), ruleset)
    out["bonus_ytd"] = money(get("bonus.ytd"), ruleset)

