"""The SPEC's expression subset, interpreted row by row with SQL-style three-valued logic (SPEC v1.1).

Python's :mod:`ast` parses the text; this module walks only the whitelisted nodes and never evaluates code.
Values: :class:`fractions.Fraction` (every number, exact as written), ``str``, ``bool``, ``list`` and
``None`` (*missing*, which in a condition is *unknown*).

- ``+ - * /`` with a missing operand are missing; ``x / 0`` is missing.
- A comparison (``== != < <= > >=``, chained ``1 < x <= 3``) or ``in`` / ``not in`` reading a missing value
  is unknown.  Numbers within a relative 10^-12 of each other are equal (README "Numbers compare as written").
- ``not unknown`` is unknown; ``and`` is false when any operand is false, else unknown when any is unknown;
  ``or`` is true when any operand is true, else unknown when any is unknown.
- ``min``, ``max``, ``abs``, ``round`` (half-up, away from zero on ties, like Decimal's ROUND_HALF_UP) are
  missing when an argument is.
- ``true``/``false``/``null`` (any case Python or YAML writes them) are literals; ``null`` is missing.
- ``context.x`` and ``previous.x`` are attribute reads; an absent ``previous`` makes ``previous.x`` missing.
"""
from __future__ import annotations

import ast
import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

_LITERALS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
             "null": None, "None": None, "NULL": None}
_FUNCTIONS = {"min", "max", "abs", "round"}
_OBJECTS = {"context", "previous"}


class ExpressionError(ValueError):
    """An expression outside the SPEC's subset (the validator would have refused it)."""


class Expr:
    """A parsed expression: ``names`` it reads (``context.x`` as ``context``) and the tree."""

    def __init__(self, text: str):
        self.text = text
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse expression {text!r}: {exc.msg}") from None
        self.tree = tree.body
        self._check(self.tree)

    def _check(self, node) -> None:
        ok = (ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Compare, ast.Call, ast.Name, ast.Attribute, ast.Constant,
              ast.List, ast.Tuple, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Mult,
              ast.Div, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Load)
        for sub in ast.walk(node):
            if not isinstance(sub, ok):
                raise ExpressionError(f"{type(sub).__name__} is not allowed in {self.text!r}")
            if isinstance(sub, ast.Call):
                if not isinstance(sub.func, ast.Name) or sub.func.id not in _FUNCTIONS or sub.keywords:
                    raise ExpressionError(f"only min, max, abs, round may be called in {self.text!r}")
            if isinstance(sub, ast.Attribute):
                if not isinstance(sub.value, ast.Name) or sub.value.id not in _OBJECTS \
                        or sub.attr.startswith("_"):
                    raise ExpressionError(f"attribute access is only context.x or previous.x in {self.text!r}")
            if isinstance(sub, ast.Name) and sub.id.startswith("__"):
                raise ExpressionError(f"dunder names are not allowed in {self.text!r}")

    def names(self) -> set[str]:
        """Plain names read (not ``context``/``previous`` fields, not function names or literals)."""
        out = set()
        for sub in ast.walk(self.tree):
            if isinstance(sub, ast.Name) and sub.id not in _LITERALS and sub.id not in _OBJECTS:
                out.add(sub.id)
        for sub in ast.walk(self.tree):
            if isinstance(sub, ast.Call):
                out.discard(sub.func.id)
        return out

    def evaluate(self, lookup: Callable[[str], Any], context: dict, previous: dict | None) -> Any:
        """The value of the expression; ``lookup(name)`` gives a plain name's value (None = missing)."""
        return _Eval(self.text, lookup, context, previous).run(self.tree)

    def holds(self, lookup, context, previous) -> bool:
        """A condition holds only when it is true (false and unknown do not)."""
        value = self.evaluate(lookup, context, previous)
        if value is not None and not isinstance(value, bool):
            raise ExpressionError(f"condition {self.text!r} gave {value!r}, not true or false")
        return value is True


def number(value) -> Fraction:
    """A YAML or literal number as the exact decimal it was written as (``0.1`` is 1/10)."""
    if isinstance(value, bool):
        raise ExpressionError(f"{value!r} is not a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExpressionError(f"{value!r} is not a finite number")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return Fraction(value)
    raise ExpressionError(f"{value!r} is not a number")


def round_half_up(value: Fraction, places: int = 0) -> Fraction:
    """``value`` rounded to ``places`` decimals, ties away from zero."""
    if value < 0:
        return -round_half_up(-value, places)
    scale = Fraction(10) ** places
    return Fraction(math.floor(value * scale + Fraction(1, 2))) / scale


class _Eval:
    def __init__(self, text, lookup, context, previous):
        self.text, self.lookup, self.context, self.previous = text, lookup, context, previous

    def run(self, node):
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _Constant(self, node):
        v = node.value
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)):
            exact = getattr(node, "exact", None)  # the number as written, worked out once per expression
            if exact is None:
                exact = number(v)
                segment = ast.get_source_segment(self.text.strip(), node)
                if segment is not None:
                    try:
                        exact = Fraction(Decimal(segment.replace("_", "")))
                    except Exception:  # noqa: BLE001 - fall back to the parsed value
                        pass
                node.exact = exact
            return exact
        raise ExpressionError(f"literal {v!r} is not allowed in {self.text!r}")

    def _Name(self, node):
        if node.id in _LITERALS:
            return _LITERALS[node.id]
        if node.id in _OBJECTS:
            raise ExpressionError(f"'{node.id}' must be followed by .field in {self.text!r}")
        return self.lookup(node.id)

    def _Attribute(self, node):
        owner = node.value.id
        if owner == "context":
            if node.attr not in self.context:
                raise ExpressionError(f"context.{node.attr} is not set by the cycle ({self.text!r})")
            return self.context[node.attr]
        if self.previous is None:
            return None
        return self.previous.get(node.attr)

    def _List(self, node):
        return [self.run(e) for e in node.elts]

    _Tuple = _List

    def _UnaryOp(self, node):
        v = self.run(node.operand)
        if isinstance(node.op, ast.Not):
            if v is None:
                return None
            _need_bool(v, self.text)
            return not v
        if v is None:
            return None
        _need_number(v, self.text)
        return -v if isinstance(node.op, ast.USub) else v

    def _BinOp(self, node):
        a, b = self.run(node.left), self.run(node.right)
        if a is None or b is None:
            return None
        _need_number(a, self.text)
        _need_number(b, self.text)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        return None if b == 0 else a / b

    def _BoolOp(self, node):
        values = [self.run(v) for v in node.values]
        for v in values:
            if v is not None:
                _need_bool(v, self.text)
        if isinstance(node.op, ast.And):
            if any(v is False for v in values):
                return False
            return None if any(v is None for v in values) else True
        if any(v is True for v in values):
            return True
        return None if any(v is None for v in values) else False

    def _Compare(self, node):
        left = self.run(node.left)
        results = []
        for op, right_node in zip(node.ops, node.comparators):
            right = self.run(right_node)
            results.append(self._compare(op, left, right))
            left = right
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True

    def _compare(self, op, a, b):
        if isinstance(op, (ast.In, ast.NotIn)):
            if a is None or b is None:
                return None
            if not isinstance(b, list):
                raise ExpressionError(f"'in' needs a list on its right in {self.text!r}")
            found = any(_equal(a, x) for x in b if x is not None)
            if not found and any(x is None for x in b):
                return None
            return found if isinstance(op, ast.In) else not found
        if a is None or b is None:
            return None
        if isinstance(op, ast.Eq):
            return _equal(a, b)
        if isinstance(op, ast.NotEq):
            return not _equal(a, b)
        if _kind(a) != _kind(b) or _kind(a) not in ("number", "str"):
            raise ExpressionError(f"cannot order {a!r} and {b!r} in {self.text!r}")
        slack = _slack(a, b) if _kind(a) == "number" else 0
        if isinstance(op, ast.Lt):
            return a < b - slack if slack else a < b
        if isinstance(op, ast.LtE):
            return a <= b + slack if slack else a <= b
        if isinstance(op, ast.Gt):
            return a > b + slack if slack else a > b
        return a >= b - slack if slack else a >= b

    def _Call(self, node):
        name = node.func.id
        args = [self.run(a) for a in node.args]
        if name in ("min", "max"):
            if len(args) == 1 and isinstance(args[0], list):
                args = args[0]
            if not args:
                raise ExpressionError(f"{name}() needs arguments in {self.text!r}")
            if any(a is None for a in args):
                return None
            for a in args:
                _need_number(a, self.text)
            return min(args) if name == "min" else max(args)
        if name == "abs":
            if len(args) != 1:
                raise ExpressionError(f"abs() takes one argument in {self.text!r}")
            if args[0] is None:
                return None
            _need_number(args[0], self.text)
            return abs(args[0])
        if not 1 <= len(args) <= 2:
            raise ExpressionError(f"round() takes one or two arguments in {self.text!r}")
        if any(a is None for a in args):
            return None
        _need_number(args[0], self.text)
        places = args[1] if len(args) == 2 else Fraction(0)
        if not isinstance(places, Fraction) or places.denominator != 1:
            raise ExpressionError(f"round()'s second argument must be a whole number in {self.text!r}")
        # README "Rounding half-up": the value x 10^places taken to 6 decimals first (a value of 2^52 units or
        # more has no finer digits): round(-9.44999998, 1) is -9.5, as round(-9.45, 1) is (differential 2290202)
        scale = Fraction(10) ** int(places)
        units = args[0] * scale
        if abs(units) < 2 ** 52:
            units = round_half_up(units, 6)
        return round_half_up(units) / scale


def _kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, Fraction):
        return "number"
    if isinstance(v, str):
        return "str"
    if isinstance(v, list):
        return "list"
    return type(v).__name__


def _equal(a, b) -> bool:
    if _kind(a) != _kind(b):
        raise ExpressionError(f"cannot compare {a!r} with {b!r}")
    if _kind(a) == "number":
        return abs(a - b) <= _slack(a, b)
    return a == b


# README "Numbers compare as written": numbers in conditions are equal when within a relative 10^-12 of each other
# (so a < b only when b - a is more than that, a <= b when a - b is at most that)
_TOLERANCE = Fraction(1, 10 ** 12)


def _slack(a: Fraction, b: Fraction) -> Fraction:
    return max(abs(a), abs(b)) * _TOLERANCE


def _need_number(v, text):
    if _kind(v) != "number":
        raise ExpressionError(f"{v!r} is not a number in {text!r}")


def _need_bool(v, text):
    if not isinstance(v, bool):
        raise ExpressionError(f"{v!r} is not true or false in {text!r}")
