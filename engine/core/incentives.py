"""Incentive plans (issue 20): plan components, marginal rate bands, draws and guarantees, year to date, exactly.

:func:`components` pays a plan's components and caps the total (the gross bonus of a plan with ``components``);
:func:`settle` applies, after ``net_of``, a new hire's guarantee and the recoverable draw, and adds what was paid
earlier in the year.  Both compute exactly, with integers (numerator, denominator), row by row over the few
columns they read (one pass, no float ever touches an amount; some 50 µs a person) and emit every step as a
column (``bonus.c.<component>.*``, ``bonus.draw.*``; see :data:`COLUMNS`) for ``explain``, the pages and the store
to read, never to work out again.

A measure and its target are taken as the decimals they were written as, to 6 places: the float of a sum of
monthly rows is rounded half-up to 6 places first (as the seed's excess rule rounds its actual), so 33,333.33 +
33,333.33 + 33,333.34 is 100,000 and an actual equal to its target is an attainment of exactly 1; a ratio keeps 6
places.  Attainment is then the exact fraction measure / target.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from appraise.core.frame import F64, MONEY, EmployeeError, unreadable_amounts
from appraise.language import expr as expressions
from appraise.language.compile import BonusPlan, Ruleset
from appraise.language.expr.interpret import Interval
from appraise.language.incentives import Component

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

_TEN = 10 ** 10      # amounts in the frame: decimals of 10 places
_MICRO = 10 ** 6     # measures and targets: 6 places

# An exact number here is a pair (numerator, denominator) of Python ints, the denominator positive and the pair
# never reduced: integer arithmetic is exact and some ten times faster than Fraction, which reduces every result.
Q = tuple[int, int]


def _places(values) -> int:
    return max([0] + [-int(d.as_tuple().exponent) for d in values if isinstance(d, Decimal)])


def _over(value: Decimal, places: int) -> int:
    """``value`` × 10^places as an int (exact: ``value`` has at most that many places)."""
    return int(value.scaleb(places))


def _add(a: Q, b: Q) -> Q:
    return (a[0] * b[1] + b[0] * a[1], a[1] * b[1])


def _below(a: Q, b: Q) -> bool:
    return a[0] * b[1] < b[0] * a[1]


def text(x: Q | None) -> str | None:
    """An exact number as the frame's decimal text: 10 places, half-up beyond them (exact for every amount a unit
    of 10⁻¹⁰ holds)."""
    if x is None:
        return None
    n, d = x
    q = (2 * abs(n) * _TEN + d) // (2 * d)
    digits = str(q).rjust(11, "0")
    return ("-" if n < 0 and q else "") + digits[:-10] + "." + digits[-10:]


def micro(value: Any) -> int | None:
    """A measured float as the decimal it was written as, in millionths: its shortest decimal form rounded half-up
    to 6 places, which takes off the noise of a float sum (99,999.99999999999 is 100,000) and gives a ratio its 6
    places (1/128 = 0.0078125 is 0.007813).  None for a missing value (and for one that is not finite: an
    expression target may overflow, and then there is no target, never an infinite one)."""
    if value is None or not isinstance(value, Decimal) and not math.isfinite(value):
        return None
    d = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return int(d.quantize(_SIX, rounding=ROUND_HALF_UP, context=_WIDE).scaleb(6, context=_WIDE))


_SIX = Decimal(10) ** -6
# a float's every digit and 6 places (the largest float has 309 digits): the default context's 28 digits made
# quantize raise InvalidOperation for a measure of 10^22 or more, a crash of a ruleset validate accepts
_WIDE = Context(prec=400)


def six_places(values: pl.Series) -> pl.Series:
    """:func:`micro` of each float of ``values``, as exact decimals (``MONEY``; null for a missing or not finite
    value): the shortest decimal of the float, half-up to 6 places, so 2.0000005 is 2.000001 (polars' ``round(6)``
    gives 2.0, half to even on the binary value).  Columnar where the float settles it: the shortest decimal D of
    x and the float y = x × 10^6 differ by at most |y| × 2.3·10⁻¹⁶ in millionths, so when y is further than
    |y| × 10⁻¹⁵ from a half, D rounds as y does; the few others (near a half, or |y| of 2^49 or more) are
    worked out by :func:`micro` itself."""
    x = values.cast(F64)
    y = (x * 1e6).abs()
    frame = pl.DataFrame({"x": x}).with_columns(
        (((y + 0.5).floor() * x.sign()).cast(pl.Int64, strict=False)).alias("k"),
        (((y - y.floor() - 0.5).abs() > y * 1e-15) & (y < 2.0 ** 49)).fill_null(True).alias("fast"))
    out = (frame["k"].cast(pl.Decimal(38, 0)) * pl.Series([_SIX], dtype=pl.Decimal(38, 6))).cast(MONEY)
    slow = frame.with_row_index("i").filter(~pl.col("fast") & pl.col("x").is_not_null())
    if slow.height:
        got = [micro(v) for v in slow["x"]]
        patch = pl.Series([None if m is None else Decimal(m).scaleb(-6) for m in got], dtype=MONEY)
        out = out.scatter(slow["i"], patch)
    return out.alias(values.name)


def as_written(value: Any) -> Fraction | None:
    """:func:`micro` as a Fraction (for callers that want one)."""
    m = micro(value)
    return None if m is None else Fraction(m, _MICRO)


def target_expr(c: Component, column, context: Mapping[str, Any]) -> pl.Expr:
    """A component's target as a float column (``c.target`` is not None)."""
    return _target_expr(c, column, context)


def carried(value: float) -> bool:
    """Whether the float ``value`` carries the decimal a plan pays on (:func:`micro`, 6 places) exactly: below
    2^33 in size a float resolves 6 places; above, only a decimal of at most 15 significant digits (what a
    float holds for sure) is known to be the one the data meant.  A measure of 33,333,333,223,333.33 (16
    digits, a sum of three months) or a ratio of 292,397,660,818,713.473684 is not: pay on it would be off."""
    if not math.isfinite(value) or abs(value) < 2.0 ** 33:
        return True
    d = Decimal(repr(float(value))).quantize(_SIX, rounding=ROUND_HALF_UP, context=_WIDE).normalize(_WIDE)
    return len(d.as_tuple().digits) <= 15


# _uncarried.<metric>: a column appraise.core.rollup.finish adds where a sum or mean's exact value is not the decimal
# its float's shortest repr is (:func:`carried_exactly` says it is not carried)
UNCARRIED = "_uncarried."
# _slack.<metric>: a column appraise.core.rollup.per_employee_sums adds where some employee's cells of a summed
# metric fit no decimal places (10^14 and cents: 2^53 hundredths or more); that employee's value is the float of
# the exact sum of the cells' floats, and the decimals the cells stand for may add up to anything within the slack
# of it (a cancelling 100000000000001.42 - 100000000000000 is 1.421875 in floats, 1.42 as written)
SLACK = "_slack."


class NotExact(Exception):
    """A value :func:`exact_metric` cannot know exactly: an input of more than 15 significant digits (its float may
    not be the decimal the data meant: :class:`NotCarried`), a true/false value, a comparison."""


class NotCarried(NotExact):
    """An input of a derived metric has more than 15 significant digits: the decimal the data meant is not known,
    so neither is the metric (a plan does not pay on it, whatever digits the float of the result shows)."""


def exact_metric(ruleset: Ruleset, name: str, row: Mapping[str, Any], context: Mapping[str, Any],
                 ranges: bool = False) -> Fraction | Interval | None:
    """Metric ``name`` of one employee, exactly: a derived metric's formula evaluated with fractions over its inputs
    as written, where the frame has floats (a rare path: only for a value a plan pays on of 2^33 or more, or one
    reading a number of more than 15 significant digits; see :func:`appraise.core.scoring.drop_unfinite`).
    ``collected / billed`` of 52,164.34 and 1e-9 is 52,164,340,000,000, where the float quotient is
    52164339999999.99.  ``row`` is the frame's row (``m.<metric>``, ``attr.<name>``, ``prev.<field>``,
    ``tenure_months``).  An input (a raw metric, a team roll-up, an attribute, ``previous``, a context number) is
    the shortest decimal of its float, known only when it has at most 15 significant digits (every decimal written
    with at most 15 is); ``x / 0`` and anything built on a missing value is None; raises :class:`NotExact`
    otherwise (and for a value that is not a number: true/false, a comparison).  The formula is interpreted by the
    expression language's own interpreter with exact numbers (:data:`appraise.language.expr.interpret.FRACTIONS`).

    With ``ranges``, an input not known exactly is the range of every decimal its float may stand for
    (:func:`float_range`) and the result the :class:`~appraise.language.expr.interpret.Interval` every value of
    those inputs gives (:data:`~appraise.language.expr.interpret.INTERVALS`; :class:`NotCarried` where the formula
    has no one answer for all of them): :func:`paid_micro` says whether the plan's 6 places are known."""
    from appraise.language.expr.interpret import FRACTIONS, INTERVALS, Indeterminate, evaluate

    metrics = {m.name: m for m in ruleset.metrics}

    def written(value: Any) -> Fraction | Interval | None:
        if value is None:
            return None
        if isinstance(value, bool):
            raise NotExact(name)
        if isinstance(value, (int, Decimal)):
            return Fraction(value)
        if isinstance(value, float) and math.isfinite(value):
            if not past_15_digits(value):
                return Fraction(Decimal(repr(value)))
            if ranges:
                return float_range(value)
            raise NotCarried(name)
        raise NotExact(name)

    def number(value: Any) -> Fraction | Interval | None:
        if value is None or isinstance(value, (Fraction, Interval)):
            return value
        raise NotExact(name)  # true/false, a text, a comparison: no exact number

    def metric(m: str, depth: int) -> Fraction | Interval | None:
        spec = metrics.get(m)
        if spec is None or spec.formula is None:
            slack = row.get(f"{SLACK}{m}")
            if slack is not None and isinstance(row.get(f"m.{m}"), float):  # a sum of cells no places fit
                if not ranges:
                    raise NotCarried(m)
                x = Fraction(row[f"m.{m}"])
                return Interval(x - Fraction(slack), x + Fraction(slack))
            if row.get(f"{UNCARRIED}{m}"):  # a sum or mean whose exact value its float's decimal is not
                if ranges and isinstance(row.get(f"m.{m}"), float):
                    return float_range(row[f"m.{m}"])  # (its float is the one nearest the exact value)
                raise NotCarried(m)
            return written(row.get(f"m.{m}"))
        if depth > len(metrics):  # (validated acyclic)
            raise NotExact(m)
        try:
            return number(evaluate(spec.formula, _Inputs(lambda n: name_of(n, depth + 1)),
                                   _Inputs(lambda f: written(context.get(f))),
                                   _Inputs(lambda f: written(row.get(f"prev.{f}"))),
                                   INTERVALS if ranges else FRACTIONS))
        except Indeterminate as e:
            raise NotCarried(m) from e

    def name_of(n: str, depth: int) -> Fraction | Interval | None:
        if n == "employed_share":
            raise NotExact(n)
        if n in metrics:
            return metric(n, depth)
        return written(row.get(n if n == "tenure_months" else f"attr.{n}"))

    return metric(name, 0)


def past_15_digits(value: float) -> bool:
    """Whether the float ``value``'s shortest decimal has more than 15 significant digits: then it may not be the
    decimal the data meant (every decimal of at most 15 digits is its float's shortest decimal)."""
    return len(Decimal(repr(value)).normalize().as_tuple().digits) > 15


def float_range(value: float) -> Interval:
    """Every decimal whose nearest float is ``value`` (half the distance to the floats either side, ends
    included): what a number of more than 15 significant digits, read into ``value``, may have been written as."""
    x = Fraction(value)
    return Interval((x + Fraction(math.nextafter(value, -math.inf))) / 2,
                    (x + Fraction(math.nextafter(value, math.inf))) / 2)


def paid_micro(value: Fraction | Interval) -> int | None:
    """The micro a plan pays on for an exact ``value`` (:func:`carried_exactly`), or for a range of values when
    all of them give the same one; None when a float does not carry it or the range's values do not agree."""
    if isinstance(value, Fraction):
        return carried_exactly(value)
    low, high = carried_exactly(value.lo), carried_exactly(value.hi)  # (half-up rounding never decreases)
    return low if low is not None and low == high else None


class _Inputs(Mapping[str, Any]):
    """A formula's inputs read as it asks for them (``get`` only: the interpreter reads names one by one)."""

    def __init__(self, read):
        self._read = read

    def __getitem__(self, key: str) -> Any:
        return self._read(key)

    def get(self, key, default=None):
        return self._read(key)

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


def carried_exactly(value: Fraction) -> int | None:
    """The micro (:func:`micro`) a plan pays on for an exact ``value``: its 6-place decimal (half-up) when a float
    carries that (below 2^33 in size, or at most 15 significant digits); None when it does not."""
    from appraise.language.expr.interpret import fraction_half_up

    m = int(fraction_half_up(value, 6) * _MICRO)
    if abs(value) < 2 ** 33:
        return m
    return m if len(Decimal(m).scaleb(-6, _WIDE).normalize(_WIDE).as_tuple().digits) <= 15 else None


def _target_expr(c: Component, column, context: Mapping[str, Any]) -> pl.Expr:
    t = c.target
    if t.kind == "number":
        return pl.lit(t.number, dtype=F64)
    if t.kind == "metric":
        return pl.col(f"m.{t.name}").cast(F64)
    if t.kind == "attribute":
        return column(t.name).cast(F64, strict=False)
    return expressions.to_polars(t.expression, column, context, column.types).cast(F64)


class Scaled:
    """A plan's numbers as integers over 10^places (``places``: the most decimals any of them is written with)."""

    def __init__(self, plan: BonusPlan):
        numbers = [plan.rounding, plan.cap, *plan.multiplier.values()]
        for c in plan.components:
            numbers += [c.share, c.floor, c.cap, c.per_unit]
            numbers += [x for b in c.bands for x in (b.start, b.end, b.rate)]
            numbers += [x for s in c.tiers for x in (s.start, s.pay)]
        for extra in (plan.draw, plan.guarantee):
            if extra is not None:
                numbers.append(extra.pay)
        self.places = _places(numbers)
        self.one = 10 ** self.places
        # each component's numbers, scaled once: share, floor, cap, per unit, bands (start, end, rate), tiers
        # (start, pay of the tiers up to it)
        self.parts: dict[str, tuple] = {}
        for c in plan.components:
            pays = [self(s.pay) or 0 for s in c.tiers]
            self.parts[c.key] = (self(c.share), self(c.floor) or 0, self(c.cap), self(c.per_unit) or 0,
                                 tuple((self(b.start), self(b.end), self(b.rate)) for b in c.bands),
                                 tuple((self(s.start), sum(pays[:i + 1])) for i, s in enumerate(c.tiers)))

    def __call__(self, value: Decimal | None) -> int | None:
        return None if value is None else _over(value, self.places)

    def of(self, value: Decimal) -> int:
        """A number the plan has (never None)."""
        return _over(value, self.places)


def pay_component(c: Component, actual: int | None, target: int | None, base: Q | None, multiplier: Q,
                  k: Scaled) -> dict[str, Any]:
    """One component of one employee, exactly: its attainment, what each band or tier pays, the amount.

    ``actual`` and ``target`` are the measure and its target in millionths (:func:`micro`); ``base`` is the
    component's target in money (share × the cycle's target bonus; None without a share); ``multiplier`` the
    grade's (applied only when the component says so).  Every amount is an exact pair; ``amount`` is None when the
    measure or a target it needs is missing (``x / 0`` included), or a share of an unknown target bonus."""
    one = k.one
    _, floor, cap, per_unit, bands, tiers = k.parts[c.key]
    out: dict[str, Any] = {"attainment": None, "floored": None, "inside": [None] * len(bands),
                           "pay": [None] * len(bands), "tiers_reached": None, "raw": None,
                           "multiplier": multiplier if c.multiplier else None, "cap": None, "amount": None,
                           "base": base}
    if cap is not None and base is not None:
        out["cap"] = (cap * base[0], one * base[1])
    if actual is None or (c.target is not None and not target) or (c.share is not None and base is None):
        return out
    m, t = actual, target or 0
    if t < 0:  # the same attainment, a positive denominator
        m, t = -m, -t
    if c.target is not None:
        out["attainment"] = (m, t)
    mo = m * one
    below = c.target is not None and mo < floor * t
    out["floored"] = below if c.target is not None else None
    raw: Q
    if c.kind == "per_unit":
        raw = (0 if below else per_unit * actual, one * _MICRO)
    elif c.kind == "bands":
        assert base is not None  # bands have a share (validated)
        total = 0
        inside_d, pay_d = one * t, one * one * t * base[1]
        for i, (start, end, rate) in enumerate(bands):
            top = mo if end is None else min(mo, end * t)
            inside = 0 if below else max(0, top - start * t)   # the attainment inside, × one × t
            out["inside"][i] = (inside, inside_d)
            pay = rate * inside * base[0]                      # over one² × t × base[1]
            out["pay"][i] = (pay, pay_d)
            total += pay
        raw = (total, pay_d)
    else:
        assert base is not None  # tiers have a share (validated)
        reached, paid = 0, 0
        if not below:
            for start, upto in tiers:  # ascending: the first n reached
                if mo < start * t:
                    break
                reached, paid = reached + 1, upto
        out["tiers_reached"] = reached
        raw = (paid * base[0], one * base[1])
    out["raw"] = raw
    amount = (raw[0] * multiplier[0], raw[1] * multiplier[1]) if c.multiplier else raw
    if out["cap"] is not None and _below(out["cap"], amount):
        amount = out["cap"]
    out["amount"] = amount
    return out


def _cycle_target(written, num: int, den: int) -> Q | None:
    """The cycle's target bonus, exact: the target column (a decimal of at most 10 places) × num / den."""
    if written is None:
        return None
    return (_over(Decimal(written), 10) * num, _TEN * den)


def _rounded(total: Q, cap: Q | None, k: Scaled, rounding: Decimal) -> Q:
    """Half-up to the unit, once; never above the cap (then down to the unit)."""
    u = (k.of(rounding), k.one)
    units = (2 * total[0] * u[1] + total[1] * u[0]) // (2 * total[1] * u[0])
    if cap is not None:
        units = min(units, (cap[0] * u[1]) // (cap[1] * u[0]))
    return (units * u[0], u[1])


def components(ruleset: Ruleset, wide: pl.DataFrame, target: pl.Expr, context: Mapping[str, Any] | None = None
               ) -> pl.DataFrame:
    """The gross bonus of a plan with components, one row per row of ``wide``: each component's steps, their sum
    floored at 0, the total cap (``cap`` × the cycle's target), rounded half-up once to the unit and never above
    the cap; ``bonus`` is null when the target bonus, the grade or any component's measure is missing."""
    from appraise.core.frame import Columns

    plan = ruleset.bonus
    assert plan is not None
    k = Scaled(plan)
    column = Columns(ruleset)
    context = dict(context or {})
    exprs = [pl.col("grade"), target.cast(pl.Utf8).alias("_t")]
    exprs += [pl.col("_fnum"), pl.col("_fden")]  # the cycle's share of the target (evaluate adds it with a bonus)
    for c in plan.components:
        name = f"m.{c.measure}"
        exprs.append((pl.col(name).cast(F64) if name in wide.columns else pl.lit(None, dtype=F64))
                     .alias(f"_m.{c.key}"))
        exprs.append((_target_expr(c, column, context) if c.target is not None else pl.lit(None, dtype=F64))
                     .alias(f"_t.{c.key}"))
    rows = wide.select(exprs)
    mult: dict[str, Q] = {g: (k.of(v), k.one) for g, v in plan.multiplier.items()}
    cols: dict[str, list] = {c: [] for c in _names(plan)}
    put = {name: cols[name].append for name in cols}
    keys = [f"bonus.c.{c.key}" for c in plan.components]
    zero: Q = (0, 1)
    shares = [k.parts[c.key][0] for c in plan.components]
    for grade, written, num, den, *values in rows.iter_rows():
        tc = _cycle_target(written, num, den)
        grade_mult = mult.get(grade, (1, 1)) if grade is not None else (1, 1)
        total: Q | None = zero
        for i, c in enumerate(plan.components):
            share = shares[i]
            base = (share * tc[0], k.one * tc[1]) if share is not None and tc is not None else None
            actual, goal = micro(values[2 * i]), micro(values[2 * i + 1])
            r = pay_component(c, actual, goal, base, grade_mult, k)
            p = keys[i]
            put[f"{p}.actual"](None if actual is None else text((actual, _MICRO)))
            put[f"{p}.target"](None if goal is None else text((goal, _MICRO)))
            a = r["attainment"]
            put[f"{p}.attainment"](None if a is None else a[0] / a[1])
            put[f"{p}.floored"](r["floored"])
            for j in range(len(c.bands)):
                put[f"{p}.inside.{j}"](text(r["inside"][j]))
                put[f"{p}.pay.{j}"](text(r["pay"][j]))
            if c.kind == "tiers":
                put[f"{p}.tiers_reached"](r["tiers_reached"])
            for part in ("base", "raw", "multiplier", "cap", "amount"):
                put[f"{p}.{part}"](text(r[part]))
            amount = r["amount"]
            total = None if amount is None or total is None else _add(total, amount)
        cap = (k.of(plan.cap) * tc[0], k.one * tc[1]) if plan.cap is not None and tc is not None else None
        uncapped = None if total is None else (total if total[0] >= 0 else zero)
        capped = uncapped if cap is None or uncapped is None or not _below(cap, uncapped) else cap
        rounded = None
        if capped is not None and tc is not None and grade is not None:
            rounded = _rounded(capped, cap, k, plan.rounding)
        put["bonus.target_cycle"](text(tc))
        put["bonus.uncapped"](text(uncapped))
        put["bonus.cap"](text(cap))
        put["bonus"](text(rounded))
    return pl.DataFrame([_series(name, values) for name, values in cols.items()])


def _series(name: str, values: list) -> pl.Series:
    """A column of the plan: amounts arrive as decimal text (polars reads it as a decimal fast and exactly)."""
    if name.endswith(".attainment"):
        return pl.Series(name, values, dtype=F64)
    if name.endswith(".floored"):
        return pl.Series(name, values, dtype=pl.Boolean)
    if name.endswith(".tiers_reached"):
        return pl.Series(name, values, dtype=pl.Int64)
    return pl.Series(name, values, dtype=pl.Utf8).cast(MONEY)


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


def _ten(value) -> int | None:
    """A frame decimal (10 places at most) as an int of 10⁻¹⁰ units."""
    return None if value is None else _over(Decimal(value), 10)


def settle(plan: BonusPlan, g: pl.DataFrame) -> pl.DataFrame:
    """After ``net_of``: a guaranteed period pays at least the guarantee (not recovered), a draw pays at least the
    draw and carries what it advanced beyond the earnings (the balance) to be recovered from later earnings above
    it; ``bonus`` becomes what is paid now and ``bonus.ytd`` adds it to what the year paid before.

    With ``E`` the earnings after the guarantee, ``D`` the draw and ``B`` the opening balance: recovered =
    min(B, max(0, E − D)), advanced = max(0, D − E), closing = B − recovered + advanced, paid = E − recovered +
    advanced (so paid = max(D, E − B)).  Missing earnings pay nothing and carry the balance unchanged.  The
    guarantee and the draw are shares of the exact cycle target (``_target`` × ``_fnum`` / ``_fden``, columns ``g``
    always has: evaluate adds the cycle's share of the target with any bonus), each rounded half-up to the unit;
    every amount here is an int of 10⁻¹⁰ units."""
    k = Scaled(plan)
    n = g.height

    def column(name: str) -> list:
        return g[name].to_list() if name in g.columns else [None] * n

    earned, written, tenure = column("bonus"), column("_target"), column("tenure_months")
    nums, dens = g["_fnum"].to_list(), g["_fden"].to_list()  # the cycle's share of the target (always there)
    opening, before = column("_draw_open"), column("_paid_year")
    names = ["bonus.earned", "bonus.guarantee", "bonus.topup", "bonus.draw.amount", "bonus.draw.opening",
             "bonus.draw.recovered", "bonus.draw.advanced", "bonus.draw.closing", "bonus", "bonus.ytd_before",
             "bonus.ytd"]
    cols: dict[str, list] = {c: [] for c in names}
    unit = _ten(plan.rounding)
    assert unit is not None

    def share_of(pay: Decimal, tc: Q) -> int:  # pay × the cycle target, half-up to the unit, in 10⁻¹⁰ units
        n_, d_ = k.of(pay) * tc[0] * _TEN, k.one * tc[1]
        return (2 * n_ + d_ * unit) // (2 * d_ * unit) * unit

    def put(name: str, value: int | None) -> None:
        cols[name].append(None if value is None else text((value, _TEN)))

    for i in range(n):
        e = _ten(earned[i])
        tc = _cycle_target(written[i], nums[i], dens[i])
        put("bonus.earned", e)
        gtd = topup = None
        months = tenure[i]
        if plan.guarantee is not None and months is not None and months < plan.guarantee.months \
                and tc is not None:
            gtd = share_of(plan.guarantee.pay, tc)
            if e is not None:
                topup = max(0, gtd - e)
                e += topup
        elif plan.guarantee is not None and e is not None:
            topup = 0
        put("bonus.guarantee", gtd)
        put("bonus.topup", topup)
        paid = e
        if plan.draw is not None:
            b = _ten(opening[i]) or 0
            d = share_of(plan.draw.pay, tc) if tc is not None else None
            recovered = advanced = None
            closing = b
            if e is not None and d is not None:
                recovered = min(b, max(0, e - d))
                advanced = max(0, d - e)
                closing = b - recovered + advanced
                paid = e - recovered + advanced
            # (earnings are known only with a target bonus, so with a draw: unknown ones pay nothing, and carry
            # the balance unchanged)
            for name, v in (("amount", d), ("opening", b), ("recovered", recovered), ("advanced", advanced),
                            ("closing", closing)):
                put(f"bonus.draw.{name}", v)
        else:
            for name in ("amount", "opening", "recovered", "advanced", "closing"):
                put(f"bonus.draw.{name}", None)
        put("bonus", paid)
        prior = _ten(before[i]) or 0
        put("bonus.ytd_before", prior)
        put("bonus.ytd", prior + (paid or 0))
    if plan.draw is None:
        for name in ("amount", "opening", "recovered", "advanced", "closing"):
            del cols[f"bonus.draw.{name}"]
    if plan.guarantee is None:
        del cols["bonus.guarantee"], cols["bonus.topup"]
    return g.with_columns([pl.Series(c, v, dtype=pl.Utf8).cast(MONEY) for c, v in cols.items()])


def inputs_of(ruleset: Ruleset, inputs, period, warnings: list[str],
              errors: list[EmployeeError] | None = None) -> pl.DataFrame | None:
    """``id``, ``_draw_open`` (the draw balance carried in: the latest closing balance of the ruleset's earlier
    periods) and ``_paid_year`` (what the ruleset's current runs of the year's earlier periods paid; a null bonus
    counts 0), exact; None for a plan without components, draw or guarantee.  Balances carried over a period
    that has no stored run of the ruleset are a warning (its draws were never advanced).  A balance or paid bonus
    that is not an amount is an error of its employee in ``errors`` (then left out here)."""
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
        if errors is not None:
            draws = draws.filter(~pl.col("employee").is_in(
                unreadable_amounts(draws, "balance", "the draw balance carried in", errors)))
        frames.append(draws.select(pl.col("employee").alias("id"),
                                   pl.col("balance").cast(pl.Utf8).cast(MONEY).alias("_draw_open")))
    year = getattr(inputs, "year_paid", None)
    if year is not None and year.height:
        if errors is not None:
            unreadable_amounts(year, "bonus", f"what ruleset '{ruleset.id}' paid earlier this year", errors)
        frames.append(year.group_by("employee").agg(
            pl.col("bonus").cast(pl.Utf8).cast(MONEY, strict=False).fill_null(Decimal(0)).sum().alias("_paid_year"))
            .rename({"employee": "id"}))
    if not frames:
        return None
    out = frames[0]
    for f in frames[1:]:
        out = out.join(f, on="id", how="full", coalesce=True)
    return out
