"""Random formula metrics (SPEC "Metrics": a derived metric's ``formula:`` over other metrics, after roll-up).

The catalogue's derived metrics are seven fixed formulas (``collected / billed``, ...); a ruleset a person writes
has others: differences, shares, ``min``/``max``/``abs``/``round``, constants, a formula of a formula, a division
by a metric that may be 0 (``x / 0`` is *missing*, never 0). :func:`add_formulas` declares one to three such
metrics over the raw metrics the ruleset reads and puts them where the language lets a metric go: a KPI of a
dimension (its weight split off a sibling's, so the group still totals 100), a plan component's measure (they are
in ``metrics`` when :meth:`RulesetGenerator.components` picks), a condition's metric (likewise).

Every choice comes from the chooser handed in (a side of the ruleset's own), so rulesets without formulas stay
exactly what they were.  The formulas only read metrics (the validator's scope for ``formula:``), never
``**``, never a comparison (a formula is a number).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .choosers import Chooser

# a constant a person writes in a formula
CONSTANTS = ["2", "0.5", "100", "1.1", "1000", "0.25", "3", "12", "0.01", "1", "0.1", "0.3", "1e3", "2.5e-3", "0.07"]


@dataclass
class Formula:
    name: str
    text: str
    direction: str   # higher | lower
    unit: str
    typical: Fraction | None   # its value on typical data (None: missing there), for a target near it


def _split(w: Any) -> tuple[Decimal, Decimal]:
    """A weight as two parts adding up to it exactly (cents)."""
    w = Decimal(str(w))
    a = (w / 2).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    return a, w - a


def _num(d: Decimal) -> int | Decimal:
    return int(d) if d == d.to_integral_value() else d.normalize()


def _round_half_up(x: Fraction, places: int) -> Fraction:
    scale = Fraction(10) ** places
    units = abs(x) * scale
    whole = int(units + Fraction(1, 2))
    return (whole if x >= 0 else -whole) / scale


class _Builder:
    def __init__(self, ch: Chooser, names: list[str], values: dict[str, Fraction | None], counts: set[str]):
        self.ch = ch
        self.names = names          # metrics a formula may read (raw, derived, earlier formulas)
        self.values = values        # their typical values (None: missing)
        self.counts = counts        # metrics of small whole values (a product with one stays of the same size)

    def leaf(self) -> tuple[str, Fraction | None, bool]:
        """(text, typical value, atomic) of a metric or a constant."""
        if self.ch.chance(0.8):
            m = self.ch.choice(self.names)
            return m, self.values.get(m), True
        c = self.ch.choice(CONSTANTS)
        return c, Fraction(Decimal(c)), True

    def term(self, depth: int, top: bool = False) -> tuple[str, Fraction | None, bool]:
        if depth <= 0 or not top and self.ch.chance(0.3):
            return self.leaf()
        kind = self.ch.weighted([("add", 3), ("sub", 3), ("div", 4), ("scale", 2), ("min", 2), ("max", 2),
                                 ("abs", 1), ("round", 2), ("neg", 1), ("mean", 1), ("count-times", 1)])
        if kind in ("add", "sub", "div", "min", "max", "mean"):
            a, va, atomic_a = self.term(depth - 1)
            b, vb, atomic_b = self.term(depth - 1)
            if kind == "add":
                return f"{a} + {b}", None if va is None or vb is None else va + vb, False
            if kind == "sub":
                return f"{a} - {_wrap(b, atomic_b)}", None if va is None or vb is None else va - vb, False
            if kind == "div":
                return f"{_wrap(a, atomic_a)} / {_wrap(b, atomic_b)}", \
                    None if va is None or vb is None or vb == 0 else va / vb, False
            if kind == "mean":
                return f"({a} + {b}) / 2", None if va is None or vb is None else (va + vb) / 2, False
            f = min if kind == "min" else max
            return f"{kind}({a}, {b})", None if va is None or vb is None else f(va, vb), True
        a, va, atomic = self.term(depth - 1)
        if kind == "scale":
            c = self.ch.choice(CONSTANTS)
            return f"{_wrap(a, atomic)} * {c}", None if va is None else va * Fraction(Decimal(c)), False
        if kind == "count-times" and self.counts:
            m = self.ch.choice(sorted(self.counts))
            vm = self.values.get(m)
            return f"{_wrap(a, atomic)} * {m}", None if va is None or vm is None else va * vm, False
        if kind == "abs":
            return f"abs({a})", None if va is None else abs(va), True
        if kind == "round":
            places = self.ch.choice([0, 1, 2]) if self.ch.chance(0.85) else self.ch.choice([3, 4, 6, 10])
            text = f"round({a}, {places})" if places or self.ch.chance(0.5) else f"round({a})"
            return text, None if va is None else _round_half_up(va, places), True
        return f"-{_wrap(a, atomic)}", None if va is None else -va, False


def _wrap(text: str, atomic: bool) -> str:
    """``text`` in parentheses unless it is one name, number or call."""
    return text if atomic else f"({text})"


def typical_values(metrics: dict[str, dict], raw: dict[str, tuple], months: int) -> dict[str, Fraction | None]:
    """A typical period value of each raw metric (its monthly middle, times the months for sums)."""
    out: dict[str, Fraction | None] = {}
    for name, spec in metrics.items():
        if name in raw and "aggregate" in spec:
            _, _, _, lo, hi = raw[name]
            mid = Fraction(Decimal(str((lo + hi) / 2)))
            out[name] = mid * months if spec["aggregate"] == "sum" else mid
    return out


def target_near(value: Fraction | None, ch: Chooser) -> int | Decimal:
    """A round number near ``value`` (two significant digits), positive; 1 when there is none to be near."""
    if value is None or value == 0:
        return 1
    v = abs(Decimal(value.numerator) / Decimal(value.denominator)) * Decimal(ch.choice(["0.8", "1", "1.1"]))
    if v == 0:
        return 1
    q = Decimal(1).scaleb(v.adjusted() - 1)
    out = v.quantize(q) if q < 1 else (v / q).to_integral_value() * q
    return _num(out) if out > 0 else 1


def add_formulas(gen, ch: Chooser, cards: dict, raw: dict[str, tuple], derived: dict[str, tuple]) -> list[Formula]:
    """Declare formula metrics in ``gen.metrics`` and give some of them a KPI in ``cards``."""
    names = [m for m in gen.metrics if "rollup" not in gen.metrics[m]]
    if not names:
        return []
    values = typical_values(gen.metrics, raw, gen.plan.period.count)
    # the catalogue's derived metrics, worked out the same way (their formulas read raw metrics or each other)
    for _ in range(3):
        for m in names:
            if m in derived and m not in values:
                text = derived[m][0]
                values[m] = _eval_simple(text, values)
    counts = {m for m in names if m in raw and raw[m][2] == "count"}
    builder = _Builder(ch, names, values, counts)
    out: list[Formula] = []
    for i in range(ch.integer(1, 3)):
        text, typical, _ = builder.term(ch.integer(1, 3), top=True)
        if not any(n in text for n in names):  # constants alone: a metric nobody's data moves
            continue
        name = f"mix_{i + 1}"
        direction = "lower" if ch.chance(0.25) else "higher"
        unit = ch.choice(["number", "money", "ratio"]) if ch.chance(0.5) else "number"
        spec: dict[str, Any] = {"unit": unit, "formula": text}
        if direction == "lower":
            spec["direction"] = "lower"
        gen.metrics[name] = spec
        gen.feature("formula-random")
        if "/" in text:
            gen.feature("formula-division")
        if any(f"{f}(" in text for f in ("min", "max", "abs", "round")):
            gen.feature("formula-function")
        if any(m in text for m in gen.plan.optional):
            gen.feature("formula-reads-optional")
        f = Formula(name, text, direction, unit, typical)
        out.append(f)
        builder.names = [*builder.names, name]
        values[name] = typical
        if ch.chance(0.3) and len(out) > 1:
            gen.feature("formula-of-formula")
    gen.formulas = {f.name: f for f in out}
    # KPIs: a formula takes half of a KPI's weight in a dimension of KPIs
    spots = [(c, d, k) for c, card in cards.items() for d, dim in card["dimensions"].items()
             if "kpis" in dim for k in dim["kpis"]]
    for f in out:
        if not spots or not ch.chance(0.75):
            continue
        c, d, k = ch.choice(spots)
        kpis = cards[c]["dimensions"][d]["kpis"]
        if f.name in kpis:
            continue
        a, b = _split(kpis[k]["weight"])
        kpis[k]["weight"] = _num(a)
        kspec: dict[str, Any] = {"weight": _num(b), "target": formula_target(gen, ch, f)}
        saved, gen.ch = gen.ch, ch
        try:
            curve = gen.curve()
        finally:
            gen.ch = saved
        if curve is not None:
            kspec["curve"] = curve
        kpis[f.name] = kspec
        gen.kpi_names.setdefault(c, {})[f.name] = d
        gen.feature("formula-kpi")
    return out


def formula_adjustment(gen, ch: Chooser, cards: dict) -> None:
    """An adjustment whose condition reads a formula (``applies_to`` may not read metrics): where the formula is
    missing (x / 0, an optional metric absent) the condition is unknown and the points are not added (SPEC v1.1
    three-valued logic), never read as 0."""
    if not gen.formulas or not ch.chance(0.35):
        return
    card = cards[ch.choice(sorted(cards))]
    f = gen.formulas[ch.choice(sorted(gen.formulas))]
    op = ch.choice([">=", "<", "!=", ">", "=="])
    value = target_near(f.typical, ch) if ch.chance(0.7) else 0
    when = f"{f.name} {op} {value}" if ch.chance(0.6) else f"not ({f.name} {op} {value})"
    card.setdefault("adjustments", []).append({"id": "adj-formula", "when": when,
                                               "points": ch.choice([3, -2.5, 10])})
    gen.feature("formula-in-adjustment")


def formula_target(gen, ch: Chooser, f: Formula) -> Any:
    """A KPI's or a component's target for formula ``f``: a number near its typical value, now and then 0 (every
    attainment missing), an expression or another metric."""
    kind = ch.weighted([("number", 7), ("zero", 1), ("expression", 1), ("metric", 1)])
    if kind == "zero":
        gen.feature("formula-target-zero")
        return 0
    near = target_near(f.typical, ch)
    if kind == "expression":
        return f"{near} * {gen.context('growth', 'number')}"
    if kind == "metric":
        others = [m for m in gen.metrics if m != f.name and "rollup" not in gen.metrics[m]
                  and not gen.metrics[m].get("formula", "").count(f.name)]
        if others:
            gen.feature("formula-target-metric")
            return ch.choice(others)
    return near


def _eval_simple(text: str, values: dict[str, Fraction | None]) -> Fraction | None:
    """The catalogue's formulas on typical values (their only functions are ``max`` and ``round``)."""
    import ast

    def ev(node):
        if isinstance(node, ast.Constant):
            return Fraction(Decimal(str(node.value)))
        if isinstance(node, ast.Name):
            return values.get(node.id)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if a is None or b is None:
                return None
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            return None if b == 0 else a / b
        if isinstance(node, ast.Call):
            args = [ev(a) for a in node.args]
            if any(a is None for a in args):
                return None
            if node.func.id == "max":
                return max(args)
            if node.func.id == "min":
                return min(args)
            return _round_half_up(args[0], int(args[1]) if len(args) > 1 else 0)
        return None

    return ev(ast.parse(text, mode="eval").body)
