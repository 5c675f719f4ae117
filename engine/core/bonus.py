"""The bonus: what each employee is paid, in exact decimals, from the attainment KPI, the tiers, the grade's
multiplier, the excess rule, the cap and the rounding unit (SPEC "Bonus"), netted against earlier payouts; or
from an incentive plan's components, guarantee and draw (:mod:`appraise.core.incentives`).

:func:`pay` is the stage (also the workshop's).  Tiers are cumulative and ascending: ``bonus.tiers_reached``
counts the tiers from the first that the attainment reached.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any, cast

import polars as pl

from appraise.core import incentives as plans
from appraise.core.frame import F64, MONEY
from appraise.language.compile import Ruleset


def _dec(value: Decimal) -> pl.Expr:
    return pl.lit(value, dtype=MONEY)


def pay(ruleset: Ruleset, wide: pl.DataFrame, context: Mapping[str, Any] | None = None) -> pl.DataFrame:
    """``wide`` with the ``bonus.*`` steps (exact decimals), ``bonus`` (due now) and ``bonus.value`` (its float) after
    the grade is final: tiers reached by the attainment KPI, times the grade's multiplier, plus the excess, capped,
    rounded half-up; netted against earlier payouts with ``net_of``.  An incentive plan pays its components
    instead (``context``: what their target expressions read), then its guarantee and draw."""
    plan = ruleset.bonus
    if plan is None:
        return wide.with_columns(pl.lit(None, dtype=MONEY).alias("bonus"),
                                 pl.lit(None, dtype=F64).alias("bonus.value"))
    helpers = [c for c in ("_paid", "tenure_months", "_draw_open", "_paid_year") if c in wide.columns] \
        if plan.incentive else [c for c in ("_paid",) if c in wide.columns]
    if plan.components:
        target = pl.col(f"money.{plan.target}") if f"money.{plan.target}" in wide.columns else \
            pl.col(f"attr.{plan.target}").cast(pl.Utf8).cast(MONEY, strict=False)
        # (_fnum/_fden, the cycle's share of the target, are there with any bonus: evaluate adds them)
        carried = wide.select(*helpers, target.alias("_target"), "_fnum", "_fden")
        g = plans.components(ruleset, wide, target, context).hstack(carried.get_columns())
        return _settled(plan, wide, g)
    # the bonus reads few columns: the work runs on those, lazily, in one pass
    # scorecards may share a KPI's path (results.revenue in two of them): one column, listed once
    # (a scorecard no employee of this cycle has contributes no columns, and no one to pick)
    paths = list(dict.fromkeys(k.path for card in ruleset.scorecards for k in card.kpis_named(plan.attainment)[:1]
                               if f"k.{k.path}.attainment" in wide.columns))
    needed = ["scorecard", "grade"] \
        + [c for c in (f"money.{plan.target}", f"attr.{plan.target}") if c in wide.columns] \
        + [f"k.{p}.{part}" for p in paths for part in ("attainment", "actual", "target")] \
        + [c for c in ("_fnum", "_fden") if c in wide.columns] + helpers
    f = wide.select(needed).lazy()
    target = pl.col(f"money.{plan.target}") if f"money.{plan.target}" in wide.columns else \
        pl.col(f"attr.{plan.target}").cast(pl.Utf8).cast(MONEY, strict=False)
    # the attainment KPI, wherever the employee's scorecard has it
    att, act, tgt = [], [], []
    for card in ruleset.scorecards:
        for k in card.kpis_named(plan.attainment)[:1]:
            if k.path not in paths:
                continue
            on = pl.col("scorecard") == card.key
            att.append((on, pl.col(f"k.{k.path}.attainment")))
            act.append((on, pl.col(f"k.{k.path}.actual")))
            tgt.append((on, pl.col(f"k.{k.path}.target")))

    def pick(pairs):
        out = pl.when(pl.lit(False)).then(pl.lit(None, dtype=F64))
        for on, e in pairs:
            out = out.when(on).then(e)
        return out.otherwise(None)

    a = pick(att)
    f = f.with_columns(a.alias("bonus.attainment"), pick(act).alias("_bact"), pick(tgt).alias("_btgt"))
    a = pl.col("bonus.attainment")
    pay = _dec(Decimal(0))
    reached = pl.lit(0, dtype=pl.Int64)
    for t in plan.tiers:
        pay = pay + pl.when(a >= t.start).then(_dec(t.pay)).otherwise(_dec(Decimal(0)))
        reached = reached + pl.when(a >= t.start).then(1).otherwise(0)
    mult = pl.col("grade").replace_strict({g: v for g, v in plan.multiplier.items()}, default=Decimal(1),
                                          return_dtype=MONEY) if plan.multiplier else _dec(Decimal(1))
    f = f.with_columns(reached.alias("bonus.tiers_reached"), (target * pay).alias("bonus.tier_pay"),
                       mult.alias("bonus.multiplier"), pay.alias("_paysum"), target.alias("_target"))
    if plan.excess_above is not None:
        # the KPI's values as the decimals they were written as, half-up to 6 places as a plan's measures are
        # (README "Bonus"; 6 places take off the float noise of a sum and keep thousandths; polars' round(6), half
        # to even on the binary value, made 2.0000005 2.0), the baseline above × target computed exactly from them
        g = f.collect()
        f = g.with_columns(plans.six_places(g["_bact"]).alias("_bact6"), plans.six_places(g["_btgt"]).alias("_btgt6")) \
            .lazy()
        actual = pl.col("_bact6")
        threshold = (pl.col("_btgt6") * _dec(Decimal(str(plan.excess_above)))).cast(MONEY)
        # (compile sets excess_rate whenever it sets excess_above)
        excess = pl.when(a > plan.excess_above).then((actual - threshold) * _dec(cast(Decimal, plan.excess_rate))) \
            .otherwise(_dec(Decimal(0)))
    else:
        excess = _dec(Decimal(0))
    f = f.with_columns(excess.alias("bonus.excess"))
    total = pl.col("bonus.tier_pay") * pl.col("bonus.multiplier") + pl.col("bonus.excess")
    total = pl.when(total < _dec(Decimal(0))).then(_dec(Decimal(0))).otherwise(total)
    if plan.cap is not None:
        cap = target * _dec(plan.cap)
        f = f.with_columns(total.alias("bonus.uncapped"), cap.alias("bonus.cap"))
        total = pl.when(pl.col("bonus.uncapped") > pl.col("bonus.cap")).then(pl.col("bonus.cap")) \
            .otherwise(pl.col("bonus.uncapped"))
    else:
        f = f.with_columns(total.alias("bonus.uncapped"), pl.lit(None, dtype=MONEY).alias("bonus.cap"))
        total = pl.col("bonus.uncapped")
    unit = _dec(plan.rounding)
    rounded = ((total / unit) + _dec(Decimal("0.5"))).floor() * unit
    if plan.cap is not None:  # half-up rounding must not lift the amount over the cap
        ceiling = (pl.col("bonus.cap") / unit).floor() * unit
        rounded = pl.when(rounded > ceiling).then(ceiling).otherwise(rounded)
    valid = target.is_not_null() & a.is_not_null() & pl.col("grade").is_not_null()
    f = f.with_columns(pl.when(valid).then(rounded).otherwise(None).alias("bonus"),
                       target.alias("bonus.target_cycle"), valid.alias("_valid"))
    g = f.collect()
    if "_fnum" in g.columns:
        g = scaled_targets(plan, g)
    return _settled(plan, wide, g)


def _settled(plan, wide: pl.DataFrame, g: pl.DataFrame) -> pl.DataFrame:
    """The gross bonus ``g`` netted (``net_of``) and settled (guarantee, draw: :func:`appraise.core.incentives.settle`),
    its columns added to ``wide``."""
    if plan.net_of is not None:
        # what the sub-periods already paid is netted: due now = gross − paid, floored at 0 without clawback
        paid = pl.col("_paid") if "_paid" in g.columns else _dec(Decimal(0))
        due = pl.col("bonus.gross") - pl.col("bonus.paid")
        if not plan.net_of.clawback:
            due = pl.when(due < _dec(Decimal(0))).then(_dec(Decimal(0))).otherwise(due)
        g = g.with_columns(pl.col("bonus").alias("bonus.gross"), paid.cast(MONEY).alias("bonus.paid"))
        g = g.with_columns(pl.when(pl.col("bonus.gross").is_null()).then(None).otherwise(due).alias("bonus"))
    if plan.incentive:
        g = plans.settle(plan, g)
    out = g.with_columns(pl.col("bonus").cast(F64).alias("bonus.value")).select(pl.selectors.starts_with("bonus"))
    return wide.hstack(out.get_columns())


def scaled_targets(plan, g: pl.DataFrame) -> pl.DataFrame:
    """The bonus of employees whose cycle target is not the target column as written (``target_period``,
    ``proration: days``): computed again with exact fractions, so 20,000 × 1/3 pays what the fraction
    pays, not what a 10-decimal 6,666.6666666667 would (SPEC: exact).  Everyone else keeps the columnar
    result."""
    rows = g.with_row_index("_i").filter(pl.col("_fnum") != pl.col("_fden"))
    if not rows.height:
        return g
    unit = Fraction(plan.rounding)
    q = Decimal(10) ** -10
    cols: dict[str, list] = {c: g[c].to_list() for c in
                             ("bonus.tier_pay", "bonus.uncapped", "bonus.cap", "bonus", "bonus.target_cycle")}

    def dec(x: Fraction | None) -> Decimal | None:
        if x is None:
            return None
        return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(q) if x.denominator != 1 \
            else Decimal(x.numerator)

    for r in rows.select("_i", "_fnum", "_fden", "_target", "_paysum", "bonus.multiplier", "bonus.excess",
                         "_valid").iter_rows():
        i, num, den, target, paysum, mult, excess, valid = r
        if target is None:
            continue
        tc = Fraction(target) * Fraction(num, den)
        tier = tc * Fraction(paysum)
        total = max(tier * Fraction(mult) + Fraction(excess), Fraction(0))
        cap = tc * Fraction(plan.cap) if plan.cap is not None else None
        uncapped = total
        if cap is not None and total > cap:
            total = cap
        rounded = floor(total / unit + Fraction(1, 2)) * unit
        if cap is not None:
            rounded = min(rounded, floor(cap / unit) * unit)
        cols["bonus.target_cycle"][i] = dec(tc)
        cols["bonus.tier_pay"][i] = dec(tier)
        cols["bonus.uncapped"][i] = dec(uncapped)
        cols["bonus.cap"][i] = dec(cap)
        cols["bonus"][i] = dec(rounded) if valid else None
    return g.with_columns([pl.Series(c, v, dtype=MONEY) for c, v in cols.items()])
