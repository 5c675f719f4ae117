"""The row interpreter: an expression evaluated for one employee.  Missing values are ``None`` and propagate
(three-valued logic).

One interpreter, two kinds of numbers (:class:`Numbers`):

- :data:`FLOATS` (the default: explanations, the plan's people filter, the compiler's constants) computes as the
  polars compilation does: number literals are floats, ``round`` is half-up as the compiler's (:func:`round_half_up`:
  ``2.675 -> 2.68``), numbers compare within the relative ``TOLERANCE``;
- :data:`FRACTIONS` (the exact rescue of a derived plan measure, :func:`appraise.core.incentives.exact_metric`)
  computes exactly: a literal is the decimal written (``0.1`` is 1/10), ``round`` is half-up on the exact value,
  numbers compare within a relative 10⁻¹² exactly.  The caller gives its inputs as Fractions;
- :data:`INTERVALS` is :data:`FRACTIONS` where some inputs are known only to lie in a range (:class:`Interval`: a
  number of more than 15 significant digits, which its float does not carry): the result is the range every value
  of those inputs lands in, or :class:`Indeterminate` where one answer cannot be given for all of them (a
  comparison that holds for some and not others, a division by a range holding 0).

In both ``x / 0`` is missing, and so is anything built on a missing value.
"""
from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from appraise.language.expr.compare import ARITHMETIC, EXACT, NEAR, is_number, near_compare
from appraise.language.expr.parsing import Expression, ExpressionError, literal_value


def round_half_up(x: float, digits: int = 0) -> float:
    """Round half away from zero as the polars compilation does
    (:func:`appraise.language.expr.compiler.polars_round_half_up`, bit for bit): x × 10^digits taken to 6 decimals
    first (binary noise off: 2.675 -> 2.68, as written), a value of 2^52 units or more kept as it is."""
    if not math.isfinite(x):
        return float(x)
    scale = 10.0 ** digits
    y = x * scale
    if not abs(y) < 2.0 ** 52:
        return x + 0.0
    near = round(y * 1e6) / 1e6  # polars' round(6): × 10^6, half to even, ÷ 10^6
    k = math.floor(abs(near) + 0.5)
    return (k if near > 0 else -k) / scale + 0.0  # (-0.0 as 0.0)


def fraction_half_up(x: Fraction, digits: int = 0) -> Fraction:
    """Round half away from zero, exactly (``Fraction(2675, 1000) -> 2.68``)."""
    q = Fraction(10) ** digits
    r = Fraction(math.floor(abs(x) * q + Fraction(1, 2))) / q
    return -r if x < 0 else r


_FUNCTIONS: dict[str, Callable[..., Any]] = {"min": min, "max": max, "abs": abs}


class Numbers:
    """How an interpreter's numbers behave: what a literal is, ``round``, a comparison."""

    def is_number(self, v: Any) -> bool:
        return is_number(v)

    def constant(self, v: Any) -> Any:
        raise NotImplementedError

    def round(self, x: Any, digits: int) -> Any:
        raise NotImplementedError

    def compare(self, op: type[ast.cmpop], a: Any, b: Any) -> bool:
        raise NotImplementedError

    def function(self, name: str, args: list) -> Any:
        """``min``, ``max`` or ``abs`` of ``args`` (none missing)."""
        return _FUNCTIONS[name](*args)


class Floats(Numbers):
    """Numbers as the polars compilation has them (floats; no int overflow, no exact huge-int division)."""

    def constant(self, v: Any) -> Any:
        return float(v) if is_number(v) else v

    def round(self, x: Any, digits: int) -> Any:
        return round_half_up(x, digits)

    def compare(self, op: type[ast.cmpop], a: Any, b: Any) -> bool:
        return near_compare(op, float(a), float(b))


class Fractions(Numbers):
    """Exact numbers: a literal is the decimal written, the caller's inputs are Fractions."""

    _TOLERANCE = Fraction(1, 10 ** 12)  # README: numbers in conditions are equal within a relative 10⁻¹²

    def is_number(self, v: Any) -> bool:
        return isinstance(v, Fraction) or is_number(v)

    def constant(self, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            return Fraction(v)
        return Fraction(Decimal(repr(v))) if isinstance(v, float) else v

    def round(self, x: Any, digits: int) -> Any:
        return fraction_half_up(Fraction(x), digits)

    def compare(self, op: type[ast.cmpop], a: Any, b: Any) -> bool:
        a, b = self.constant(a), self.constant(b)
        return NEAR[op](a - b, max(abs(a), abs(b)) * self._TOLERANCE)


class Indeterminate(ArithmeticError):
    """An expression over :class:`Interval` inputs has no one answer for every value they may take."""


class Interval:
    """A number known only to lie in [lo, hi] (exact fractions): ``+ - * /``, ``-x``, ``abs`` give the range of
    the results over every value in the ranges (interval arithmetic; a division by a range holding 0 but not only 0
    is :class:`Indeterminate`, one by exactly 0 is missing as ``x / 0`` is)."""

    __slots__ = ("lo", "hi")

    def __init__(self, lo: Fraction, hi: Fraction):
        self.lo, self.hi = lo, hi

    def __repr__(self) -> str:
        return f"Interval({self.lo}, {self.hi})"

    def __add__(self, other: Any) -> Interval:
        o = _interval(other)
        return Interval(self.lo + o.lo, self.hi + o.hi)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Interval:
        o = _interval(other)
        return Interval(self.lo - o.hi, self.hi - o.lo)

    def __rsub__(self, other: Any) -> Interval:
        return _interval(other) - self

    def __mul__(self, other: Any) -> Interval:
        o = _interval(other)
        ends = [a * b for a in (self.lo, self.hi) for b in (o.lo, o.hi)]
        return Interval(min(ends), max(ends))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Interval:
        o = _interval(other)
        if o.lo <= 0 <= o.hi:
            raise Indeterminate("a division by a range of values holding 0")
        return self * Interval(1 / o.hi, 1 / o.lo)

    def __rtruediv__(self, other: Any) -> Interval:
        return _interval(other) / self

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def __pos__(self) -> Interval:
        return self

    def __abs__(self) -> Interval:
        if self.lo >= 0:
            return self
        if self.hi <= 0:
            return -self
        return Interval(Fraction(0), max(-self.lo, self.hi))

    def __eq__(self, other: Any) -> bool:  # (the interpreter's ``b == 0``: only a range of 0 alone is 0)
        if not isinstance(other, (Interval, int, Fraction)) or isinstance(other, bool):
            return NotImplemented
        o = _interval(other)
        return self.lo == o.lo and self.hi == o.hi

    __hash__ = None  # type: ignore[assignment]


def _interval(x: Any) -> Interval:
    if isinstance(x, Interval):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, Fraction)):
        raise Indeterminate(f"{x!r} in arithmetic with a range of values")
    return Interval(Fraction(x), Fraction(x))


def _least(x: Interval) -> Fraction:
    """The smallest size of a value in ``x``."""
    return Fraction(0) if x.lo <= 0 <= x.hi else min(abs(x.lo), abs(x.hi))


class Intervals(Fractions):
    """:class:`Fractions` where some inputs are an :class:`Interval`."""

    def is_number(self, v: Any) -> bool:
        return isinstance(v, Interval) or super().is_number(v)

    def round(self, x: Any, digits: int) -> Any:  # half-up rounding never decreases: the ends' roundings bound it
        if isinstance(x, Interval):
            return Interval(fraction_half_up(x.lo, digits), fraction_half_up(x.hi, digits))
        return super().round(x, digits)

    def compare(self, op: type[ast.cmpop], a: Any, b: Any) -> bool:
        if not isinstance(a, Interval) and not isinstance(b, Interval):
            return super().compare(op, a, b)
        a, b = _interval(self.constant(a)), _interval(self.constant(b))
        # numbers compare within a relative tolerance (Fractions.compare): d = a - b against m = max(|a|, |b|) × it
        d = a - b
        m_lo = max(_least(a), _least(b)) * self._TOLERANCE
        m_hi = max(abs(a.lo), abs(a.hi), abs(b.lo), abs(b.hi)) * self._TOLERANCE
        if op in (ast.Eq, ast.NotEq):
            every, none = max(-d.lo, d.hi) <= m_lo, d.lo > m_hi or d.hi < -m_hi
            if op is ast.NotEq:
                every, none = none, every
        elif op is ast.Lt:
            every, none = d.hi < -m_hi, d.lo >= -m_lo
        elif op is ast.LtE:
            every, none = d.hi <= m_lo, d.lo > m_hi
        elif op is ast.Gt:
            every, none = d.lo > m_hi, d.hi <= m_lo
        else:
            every, none = d.lo >= -m_lo, d.hi < -m_hi
        if every == none:
            raise Indeterminate("a comparison that holds for some of the values and not for others")
        return every

    def function(self, name: str, args: list) -> Any:
        if name in ("min", "max") and any(isinstance(a, Interval) for a in args):
            pick = min if name == "min" else max
            ranges = [_interval(a) for a in args]
            return Interval(pick(r.lo for r in ranges), pick(r.hi for r in ranges))
        return super().function(name, args)


FLOATS: Numbers = Floats()
FRACTIONS: Numbers = Fractions()
INTERVALS: Numbers = Intervals()


def evaluate(expr: Expression, env: Mapping[str, Any], context: Mapping[str, Any] | None = None,
             previous: Mapping[str, Any] | None = None, numbers: Numbers = FLOATS) -> Any:
    """Interpret ``expr`` for one employee (``env``: bare names, ``context``/``previous``: their fields) with
    ``numbers`` (:data:`FLOATS`, :data:`FRACTIONS` or :data:`INTERVALS`).  Missing values are ``None`` and propagate."""
    context = {} if context is None else context
    previous = {} if previous is None else previous
    number = numbers.is_number

    def ev(node):
        if isinstance(node, ast.BoolOp):
            vals = [ev(v) for v in node.values]
            if isinstance(node.op, ast.And):
                if any(v is False for v in vals):
                    return False
                return None if any(v is None for v in vals) else all(bool(v) for v in vals)
            if any(v is True or (v not in (None, False) and bool(v)) for v in vals):
                return True
            return None if any(v is None for v in vals) else False
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            if v is None:
                return None
            if isinstance(node.op, ast.Not):
                return not v
            return -v if isinstance(node.op, ast.USub) else +v
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if a is None or b is None:
                return None
            if isinstance(node.op, ast.Div):
                return None if b == 0 else a / b
            return ARITHMETIC[type(node.op)](a, b)
        if isinstance(node, ast.Compare):
            # 'a < b < c' is 'a < b and b < c' with three-valued logic: false wins over missing
            left = ev(node.left)
            parts: list = []
            for op, comp in zip(node.ops, node.comparators):
                right = ev(comp)
                if left is None or right is None:
                    parts.append(None)
                elif isinstance(op, (ast.In, ast.NotIn)):
                    # a number is in a list when it equals one of its numbers, within TOLERANCE as '==' is
                    hit = any(numbers.compare(ast.Eq, left, v) for v in right if is_number(v)) \
                        if number(left) else left in right
                    parts.append(hit if isinstance(op, ast.In) else not hit)
                elif number(left) and number(right):
                    parts.append(numbers.compare(type(op), left, right))
                else:
                    parts.append(EXACT[type(op)](left, right))
                left = right
            if any(p is False for p in parts):
                return False
            return None if any(p is None for p in parts) else True
        if isinstance(node, ast.Name):
            if node.id in ("true", "false"):
                return node.id == "true"
            if node.id == "null":
                return None
            v = env.get(node.id)
            return None if isinstance(v, float) and math.isnan(v) else v
        if isinstance(node, ast.Attribute):
            src = context if node.value.id == "context" else previous
            return src.get(node.attr)
        if isinstance(node, ast.Constant):
            return numbers.constant(node.value)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [literal_value(e) for e in node.elts]
        if isinstance(node, ast.Call):
            args = [ev(a) for a in node.args]
            name = node.func.id
            if any(a is None for a in args):
                return None
            if name == "round":
                return numbers.round(args[0], node.args[1].value if len(node.args) > 1 else 0)
            return numbers.function(name, args)
        raise ExpressionError("unsupported expression", 0)

    return ev(expr.tree.body)


def holds(expr: Expression, env: Mapping[str, Any], context=None, previous=None) -> bool:
    """A condition holds only when it is true; missing is not true."""
    return evaluate(expr, env, context, previous) is True
