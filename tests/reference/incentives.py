"""Incentive plans (issue 20), read from the README's "Incentive plans" section, plainly and exactly.

Nothing of the engine is imported.  A measure or target enters the plan as its exact value rounded half-up to 6
decimal places (README: "taken to 6 decimals"); attainment is the exact quotient of the two.  Amounts are
Fractions until the total is rounded once to the ``rounding`` unit.

``component_amount`` pays one component; ``gross`` sums them under the total cap; ``settle`` applies the
guarantee and the draw to the amount due; ``opening_balance`` and ``paid_earlier`` read the reference store.
"""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from .expr import Expr, number, round_half_up
from .periods import Period, parse, tenure_months


def six_places(value: Fraction | None) -> Fraction | None:
    return None if value is None else round_half_up(value, 6)


def component_amount(spec: dict, actual: Fraction | None, target: Fraction | None, base: Fraction | None,
                     multiplier: Fraction) -> Fraction | None:
    """What one component pays (None: its measure, or a target it needs, is missing or 0).

    ``base`` is the component's target in money (share × the cycle's target bonus).  bands: each band
    [from, to) pays rate × the part of the attainment inside it × base; tiers: every reached tier pays pay × base;
    per_unit: per_unit × the measure.  Below ``floor`` nothing is paid.  ``multiplier: true`` multiplies by the
    grade's multiplier; ``cap`` limits the result to cap × base."""
    if actual is None or (spec.get("share") is not None and base is None):
        return None  # a share of an unknown target bonus is unknown
    has_target = spec.get("target") is not None
    attainment = None
    if has_target:
        if target is None or target == 0:
            return None
        attainment = actual / target
    below = attainment is not None and attainment < number(spec.get("floor", 0))
    if "bands" in spec:
        pay = Fraction(0)
        if not below:
            for band in spec["bands"]:
                start = number(band["from"])
                top = attainment if band.get("to") is None else min(attainment, number(band["to"]))
                if top > start:
                    pay += number(band["rate"]) * (top - start)
        pay *= base
    elif "tiers" in spec:
        pay = Fraction(0)
        if not below:
            pay = sum((number(t["pay"]) for t in spec["tiers"] if attainment >= number(t["from"])), Fraction(0))
        pay *= base
    else:
        pay = Fraction(0) if below else number(spec["per_unit"]) * actual
    if spec.get("multiplier") is True:
        pay *= multiplier
    if spec.get("cap") is not None and base is not None:
        pay = min(pay, number(spec["cap"]) * base)
    return pay


def gross(bonus: dict, target_cycle: Fraction | None, values: dict, grade: str, unit: Fraction
          ) -> tuple[Fraction | None, dict[str, Fraction | None]]:
    """The rounded gross bonus of a plan with components (None when any component is unknown, or the target
    bonus is) and each component's amount.  ``values``: component id -> (measure, target), exact, not yet
    rounded."""
    multiplier = number((bonus.get("multiplier") or {}).get(grade, 1))
    amounts: dict[str, Fraction | None] = {}
    for key, spec in bonus["components"].items():
        actual, target = values[key]
        base = number(spec["share"]) * target_cycle \
            if spec.get("share") is not None and target_cycle is not None else None
        amounts[key] = component_amount(spec, six_places(actual), six_places(target), base, multiplier)
    if target_cycle is None or any(a is None for a in amounts.values()):
        return None, amounts
    total = max(sum(amounts.values(), Fraction(0)), Fraction(0))
    cap = None
    if bonus.get("cap") is not None:
        cap = number(bonus["cap"]) * target_cycle
        total = min(total, cap)
    rounded = round_half_up(total / unit) * unit
    if cap is not None and rounded > cap:
        rounded = math.floor(total / unit) * unit
    return rounded, amounts


def settle(bonus: dict, due: Fraction | None, target_cycle: Fraction | None, tenure: int | None,
           opening: Fraction, unit: Fraction) -> dict:
    """The guarantee and the draw applied to ``due`` (the bonus after netting): what is paid and the ledger."""
    out: dict = {"earned": due, "paid": due}
    earned = due
    g = bonus.get("guarantee")
    if g is not None:
        out["guarantee"] = None
        if tenure is not None and tenure < int(g["months"]) and target_cycle is not None:
            amount = round_half_up(number(g["pay"]) * target_cycle / unit) * unit
            topup = None if earned is None else max(Fraction(0), amount - earned)
            if earned is not None:
                earned = earned + topup
            out["guarantee"] = {"amount": amount, "topup": topup}
    out["paid"] = earned
    d = bonus.get("draw")
    if d is not None:
        draw = None if target_cycle is None else round_half_up(number(d["pay"]) * target_cycle / unit) * unit
        ledger = {"amount": draw, "opening": opening, "recovered": None, "advanced": None}
        closing = opening
        if earned is not None and draw is not None:
            if earned >= draw:  # earnings above the draw pay back what earlier draws advanced
                ledger["recovered"] = min(opening, earned - draw)
                ledger["advanced"] = Fraction(0)
            else:               # the draw advances what the earnings fall short of it
                ledger["recovered"] = Fraction(0)
                ledger["advanced"] = draw - earned
            closing = opening - ledger["recovered"] + ledger["advanced"]
            out["paid"] = earned - ledger["recovered"] + ledger["advanced"]
        elif earned is not None:
            out["paid"] = None
        out["draw"] = ledger
        out["closing"] = closing
    return out


def _earlier(store, ruleset_id: str, period: Period):
    """(period, document) of the store's current runs of ``ruleset_id`` that end before ``period`` starts."""
    for (cycle, rs), doc in (store.current.items() if store is not None else ()):
        if rs != ruleset_id:
            continue
        try:
            p = parse(cycle)
        except ValueError:
            continue
        if p.last_day < period.first_day:
            yield p, doc


def opening_balance(store, ruleset_id: str, period: Period, employee: str) -> Fraction:
    """The draw balance carried in: the closing balance of the latest earlier period whose run has one."""
    best = None
    for p, doc in _earlier(store, ruleset_id, period):
        entry = next((e for e in doc["employees"] if e["id"] == employee), None)
        if entry is None or entry.get("bonus_draw_balance") is None:
            continue
        if best is None or p.last_day > best[0].last_day:
            best = (p, entry["bonus_draw_balance"])
    return Fraction(Decimal(best[1])) if best else Fraction(0)


def paid_earlier(store, ruleset_id: str, period: Period, employee: str) -> Fraction:
    """What the ruleset paid the employee for the periods of the same length earlier in the same year."""
    total = Fraction(0)
    for p, doc in _earlier(store, ruleset_id, period):
        if p.kind != period.kind or p.year != period.year:
            continue
        entry = next((e for e in doc["employees"] if e["id"] == employee), None)
        if entry is not None and entry.get("bonus") is not None:
            total += Fraction(Decimal(entry["bonus"]))
    return total


def target_value(spec: dict, lookup, context: dict, previous) -> Fraction | None:
    """A component's target: a number, or a name or expression evaluated for the employee."""
    t = spec.get("target")
    if t is None:
        return None
    if isinstance(t, str):
        return Expr(t).evaluate(lookup, context, previous)
    return number(t)


def tenure_at(hire, period: Period) -> int | None:
    return None if hire is None else tenure_months(hire, period.last_day)
