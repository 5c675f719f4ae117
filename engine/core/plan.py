"""Incentive plans (issue 20): plan components, marginal rate bands, draws and guarantees, year to date, exactly.

:func:`components` pays a plan's components and caps the total (the gross bonus of a plan with ``components``);
:func:`settle` applies, after ``net_of``, a new hire's guarantee and the recoverable draw, and adds what was paid
earlier in the year.  Both compute with :class:`~fractions.Fraction` row by row over the few columns they read
(one pass, no float ever touches an amount) and emit every step as a column (``bonus.c.<component>.*``,
``bonus.draw.*``; see :data:`COLUMNS`) for ``explain``, the pages and the store to read, never to work out again.

A measure and its target are taken as the decimals they were written as, to 6 places: the float of a sum of
monthly rows is rounded half-up to 6 places first (as the seed's excess rule rounds its actual), so 33,333.33 +
33,333.33 + 33,333.34 is 100,000 and an actual equal to its target is an attainment of exactly 1; a ratio keeps 6
places.  Attainment is then the exact fraction measure / target.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor
from typing import Any

import polars as pl

from appraise.core.frame import F64, MONEY
from appraise.language import expr as expressions
from appraise.language.compile import BonusPlan, Ruleset
from appraise.language.plans import Component

# the frame columns of a plan (``<k>`` a component id, ``<i>`` a band's or tier's place from 0):
COLUMNS = """
bonus.c.<k>.actual          the measure, as written (exact decimal)
bonus.c.<k>.target          its target (exact decimal; null for a per-unit component without one)
bonus.c.<k>.attainment      actual / target (float of the exact fraction)
bonus.c.<k>.inside.<i>      bands: the attainment inside band i (exact, 10 places); .pay.<i> what it pays
bonus.c.<k>.tiers_reached   tiers: how many tiers the attainment reached (the first n)
bonus.c.<k>.floored         the attainment is below the component's floor: it pays 0
bonus.c.<k>.base            its target (share × the cycle's target bonus), the unit its bands and tiers pay in
bonus.c.<k>.raw             before the grade's multiplier and the cap; .multiplier; .cap (cap × its target)
bonus.c.<k>.amount          what it pays (exact, 10 places); null: its measure or target is missing
bonus.earned                the bonus due now before the guarantee and the draw
bonus.guarantee             the guaranteed amount (null: the period is not guaranteed); bonus.topup what it adds
bonus.draw.amount           the draw; .opening/.recovered/.advanced/.closing: the balance carried in the store
bonus.ytd                   paid this year so far: the year's earlier periods (bonus.ytd_before) and this one
"""

_Q = Decimal(10) ** -10
_MICRO = Decimal(10) ** -6


def _dec(x: Fraction | None) -> Decimal | None:
    """An exact amount as the frame's decimal (10 places: exact for every amount a unit of 10⁻¹⁰ can hold)."""
    if x is None:
        return None
    if x.denominator == 1:
        return Decimal(x.numerator)
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(_Q)


def as_written(value: Any) -> Fraction | None:
    """A measured float as the decimal it was written as: its shortest decimal form rounded half-up to 6 places,
    which takes off the noise of a float sum (99,999.99999999999 is 100,000) and gives a ratio its 6 places
    (1/128 = 0.0078125 is 0.007813)."""
    if value is None or not isinstance(value, Decimal) and not math.isfinite(value):
        return None  # (an expression target may overflow: then there is no target, never an infinite one)
    d = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return Fraction(d.quantize(_MICRO, rounding=ROUND_HALF_UP))


def _half_up(amount: Fraction, unit: Fraction) -> Fraction:
    return floor(amount / unit + Fraction(1, 2)) * unit


def _target_expr(c: Component, column, context: Mapping[str, Any]) -> pl.Expr:
    t = c.target
    if t.kind == "number":
        return pl.lit(t.number, dtype=F64)
    if t.kind == "metric":
        return pl.col(f"m.{t.name}").cast(F64)
    if t.kind == "attribute":
        return column(t.name).cast(F64, strict=False)
    return expressions.to_polars(t.expression, column, context, column.types).cast(F64)


def pay_component(c: Component, actual: Fraction | None, target: Fraction | None, base: Fraction | None,
                  multiplier: Fraction) -> dict[str, Any]:
    """One component of one employee, exactly: its attainment, what each band or tier pays, the amount.

    ``base`` is the component's target in money (share × the cycle's target bonus; None without a share);
    ``multiplier`` the grade's (applied only when the component says so).  ``amount`` is None when the measure or
    a target it needs is missing (``x / 0`` included)."""
    out: dict[str, Any] = {"actual": actual, "target": target, "attainment": None, "floored": None,
                           "inside": [None] * len(c.bands), "pay": [None] * len(c.bands), "tiers_reached": None,
                           "raw": None, "multiplier": multiplier if c.multiplier else None, "cap": None,
                           "amount": None, "base": base}
    if c.cap is not None and base is not None:
        out["cap"] = Fraction(c.cap) * base
    if actual is None or (c.target is not None and (target is None or target == 0)) \
            or (c.share is not None and base is None):  # (no target bonus: no component target, nor its cap)
        return out
    a = actual / target if c.target is not None and target else None
    out["attainment"] = a
    below = a is not None and a < Fraction(c.floor)
    out["floored"] = below
    if c.kind == "per_unit":
        raw = Fraction(0) if below else Fraction(c.per_unit or 0) * actual
    else:
        assert a is not None and base is not None  # bands and tiers have a target and a share (validated)
        if c.kind == "bands":
            raw = Fraction(0)
            for i, b in enumerate(c.bands):
                top = a if b.end is None else min(a, Fraction(b.end))
                inside = max(Fraction(0), top - Fraction(b.start)) if not below else Fraction(0)
                out["inside"][i] = inside
                out["pay"][i] = Fraction(b.rate) * inside * base
                raw += out["pay"][i]
        else:
            reached = 0 if below else sum(1 for t in c.tiers if a >= Fraction(t.start))
            out["tiers_reached"] = reached
            raw = sum((Fraction(t.pay) for t in c.tiers[:reached]), Fraction(0)) * base
    out["raw"] = raw
    amount = raw * multiplier if c.multiplier else raw
    if out["cap"] is not None and amount > out["cap"]:
        amount = out["cap"]
    out["amount"] = amount
    return out


def components(ruleset: Ruleset, wide: pl.DataFrame, target: pl.Expr, context: Mapping[str, Any] | None = None
               ) -> pl.DataFrame:
    """The gross bonus of a plan with components, one row per row of ``wide``: each component's steps, their sum
    floored at 0, the total cap (``cap`` × the cycle's target), rounded half-up once to the unit and never above
    the cap; ``bonus`` is null when the target bonus, the grade or any component's measure is missing."""
    from appraise.core.frame import Columns

    plan = ruleset.bonus
    assert plan is not None
    column = Columns(ruleset)
    context = dict(context or {})
    exprs = [pl.col("grade"), target.cast(pl.Utf8).alias("_t")]
    exprs += [pl.col("_fnum") if "_fnum" in wide.columns else pl.lit(1).alias("_fnum"),
              pl.col("_fden") if "_fden" in wide.columns else pl.lit(1).alias("_fden")]
    for c in plan.components:
        m = f"m.{c.measure}"
        exprs.append((pl.col(m).cast(F64) if m in wide.columns else pl.lit(None, dtype=F64)).alias(f"_m.{c.key}"))
        exprs.append((_target_expr(c, column, context) if c.target is not None else pl.lit(None, dtype=F64))
                     .alias(f"_t.{c.key}"))
    rows = wide.select(exprs)
    mult = {g: Fraction(v) for g, v in plan.multiplier.items()}
    unit = Fraction(plan.rounding)
    cols: dict[str, list] = {}

    def put(name: str, value) -> None:
        cols.setdefault(name, []).append(value)

    for grade, written, num, den, *values in rows.iter_rows():
        tc = Fraction(Decimal(written)) * Fraction(num, den) if written is not None else None
        grade_mult = mult.get(grade, Fraction(1)) if grade is not None else Fraction(1)
        total: Fraction | None = Fraction(0)
        for i, c in enumerate(plan.components):
            base = Fraction(c.share) * tc if c.share is not None and tc is not None else None
            r = pay_component(c, as_written(values[2 * i]), as_written(values[2 * i + 1]), base, grade_mult)
            k = f"bonus.c.{c.key}"
            put(f"{k}.actual", _dec(r["actual"]))
            put(f"{k}.target", _dec(r["target"]))
            put(f"{k}.attainment", None if r["attainment"] is None else float(r["attainment"]))
            put(f"{k}.floored", r["floored"])
            for j in range(len(c.bands)):
                put(f"{k}.inside.{j}", _dec(r["inside"][j]))
                put(f"{k}.pay.{j}", _dec(r["pay"][j]))
            if c.kind == "tiers":
                put(f"{k}.tiers_reached", r["tiers_reached"])
            put(f"{k}.base", _dec(r["base"]))
            put(f"{k}.raw", _dec(r["raw"]))
            put(f"{k}.multiplier", _dec(r["multiplier"]))
            put(f"{k}.cap", _dec(r["cap"]))
            put(f"{k}.amount", _dec(r["amount"]))
            if r["amount"] is None or (c.share is not None and tc is None):
                total = None
            elif total is not None:
                total += r["amount"]
        cap = Fraction(plan.cap) * tc if plan.cap is not None and tc is not None else None
        uncapped = None if total is None else max(total, Fraction(0))
        capped = uncapped if cap is None or uncapped is None else min(uncapped, cap)
        rounded = None
        if capped is not None and tc is not None and grade is not None:
            rounded = _half_up(capped, unit)
            if cap is not None:  # half-up rounding must not lift the amount over the cap
                rounded = min(rounded, floor(cap / unit) * unit)
        put("bonus.target_cycle", _dec(tc))
        put("bonus.uncapped", _dec(uncapped))
        put("bonus.cap", _dec(cap))
        put("bonus", _dec(rounded))
    types = {c: (F64 if c.endswith(".attainment") else pl.Boolean if c.endswith(".floored")
                 else pl.Int64 if c.endswith(".tiers_reached") else MONEY) for c in cols}
    if not rows.height:
        cols = {c: [] for c in _names(plan)}
        types = {c: (F64 if c.endswith(".attainment") else pl.Boolean if c.endswith(".floored")
                     else pl.Int64 if c.endswith(".tiers_reached") else MONEY) for c in cols}
    return pl.DataFrame({c: pl.Series(c, v, dtype=types[c]) for c, v in cols.items()})


def _names(plan: BonusPlan) -> list[str]:
    out = []
    for c in plan.components:
        k = f"bonus.c.{c.key}"
        out += [f"{k}.actual", f"{k}.target", f"{k}.attainment", f"{k}.floored"]
        for j in range(len(c.bands)):
            out += [f"{k}.inside.{j}", f"{k}.pay.{j}"]
        if c.kind == "tiers":
            out.append(f"{k}.tiers_reached")
        out += [f"{k}.base", f"{k}.raw", f"{k}.multiplier", f"{k}.cap", f"{k}.amount"]
    return out + ["bonus.target_cycle", "bonus.uncapped", "bonus.cap", "bonus"]


def settle(plan: BonusPlan, g: pl.DataFrame) -> pl.DataFrame:
    """After ``net_of``: a guaranteed period pays at least the guarantee (not recovered), a draw pays at least the
    draw and carries what it advanced beyond the earnings (the balance) to be recovered from later earnings above
    it; ``bonus`` becomes what is paid now and ``bonus.ytd`` adds it to what the year paid before.

    With ``E`` the earnings after the guarantee, ``D`` the draw and ``B`` the opening balance: recovered =
    min(B, max(0, E − D)), advanced = max(0, D − E), closing = B − recovered + advanced, paid = E − recovered +
    advanced (so paid = max(D, E − B)).  Missing earnings pay nothing and carry the balance unchanged."""
    unit = Fraction(plan.rounding)
    n = g.height
    earned = g["bonus"].to_list()
    tc_col = g["bonus.target_cycle"].to_list()
    tenure = g["tenure_months"].to_list() if "tenure_months" in g.columns else [None] * n
    opening = g["_draw_open"].to_list() if "_draw_open" in g.columns else [None] * n
    before = g["_paid_year"].to_list() if "_paid_year" in g.columns else [None] * n
    cols: dict[str, list] = {c: [] for c in ("bonus.earned", "bonus.guarantee", "bonus.topup", "bonus.draw.amount",
                                             "bonus.draw.opening", "bonus.draw.recovered", "bonus.draw.advanced",
                                             "bonus.draw.closing", "bonus", "bonus.ytd_before", "bonus.ytd")}
    for i in range(n):
        e = Fraction(earned[i]) if earned[i] is not None else None
        tc = Fraction(tc_col[i]) if tc_col[i] is not None else None
        cols["bonus.earned"].append(earned[i])
        gtd = topup = None
        months = tenure[i]
        if plan.guarantee is not None and months is not None and months < plan.guarantee.months \
                and tc is not None:
            gtd = _half_up(Fraction(plan.guarantee.pay) * tc, unit)
            if e is not None:
                topup = max(Fraction(0), gtd - e)
                e += topup
        elif plan.guarantee is not None and e is not None:
            topup = Fraction(0)
        cols["bonus.guarantee"].append(_dec(gtd))
        cols["bonus.topup"].append(_dec(topup))
        paid = e
        if plan.draw is not None:
            carried = opening[i]
            b = Fraction(carried) if carried is not None else Fraction(0)
            d = _half_up(Fraction(plan.draw.pay) * tc, unit) if tc is not None else None
            recovered = advanced = None
            closing = b
            if e is not None and d is not None:
                recovered = min(b, max(Fraction(0), e - d))
                advanced = max(Fraction(0), d - e)
                closing = b - recovered + advanced
                paid = e - recovered + advanced
            elif e is not None:
                paid = None  # no target bonus: no draw to pay against
            for name, v in (("amount", d), ("opening", b), ("recovered", recovered), ("advanced", advanced),
                            ("closing", closing)):
                cols[f"bonus.draw.{name}"].append(_dec(v))
        else:
            for name in ("amount", "opening", "recovered", "advanced", "closing"):
                cols[f"bonus.draw.{name}"].append(None)
        cols["bonus"].append(_dec(paid))
        earlier = before[i]
        prior = Fraction(earlier) if earlier is not None else Fraction(0)
        cols["bonus.ytd_before"].append(_dec(prior))
        cols["bonus.ytd"].append(_dec(prior + (paid if paid is not None else 0)))
    if plan.draw is None:
        for name in ("amount", "opening", "recovered", "advanced", "closing"):
            del cols[f"bonus.draw.{name}"]
    if plan.guarantee is None:
        del cols["bonus.guarantee"], cols["bonus.topup"]
    return g.with_columns([pl.Series(c, v, dtype=MONEY) for c, v in cols.items()])


def inputs_of(ruleset: Ruleset, inputs, period, warnings: list[str]) -> pl.DataFrame | None:
    """``id``, ``_draw_open`` (the draw balance carried in: the latest closing balance of the ruleset's earlier
    periods) and ``_paid_year`` (what the ruleset's current runs of the year's earlier periods paid; a null bonus
    counts 0), exact; None for a plan without components, draw or guarantee.  Balances carried over a period
    that has no stored run of the ruleset are a warning (its draws were never advanced)."""
    plan = ruleset.bonus
    if plan is None or not plan.incentive:
        return None
    frames = []
    draws = getattr(inputs, "draws", None)
    if draws is not None and draws.height:
        prev = period.previous().id
        stored = set(draws["period"].drop_nulls().to_list())  # (a balance given by a test has no period)
        if stored and prev not in stored:
            latest = max(stored, key=lambda p: (len(p), p))
            warnings.append(f"no stored run of ruleset '{ruleset.id}' for {prev}: draw balances are carried from "
                            f"{latest} and earlier, without {prev}'s draws (run {prev} first, then this one again)")
        frames.append(draws.select(pl.col("employee").alias("id"),
                                   pl.col("balance").cast(pl.Utf8).cast(MONEY).alias("_draw_open")))
    year = getattr(inputs, "year_paid", None)
    if year is not None and year.height:
        frames.append(year.group_by("employee").agg(
            pl.col("bonus").cast(pl.Utf8).cast(MONEY, strict=False).fill_null(Decimal(0)).sum().alias("_paid_year"))
            .rename({"employee": "id"}))
    if not frames:
        return None
    out = frames[0]
    for f in frames[1:]:
        out = out.join(f, on="id", how="full", coalesce=True)
    return out
