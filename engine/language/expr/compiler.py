"""The polars compiler: an expression as a polars expression (the columnar engine), giving what the row
interpreter gives: missing for ``x / 0`` and for anything built on a missing value."""
from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

from appraise.language.expr.compare import ARITHMETIC, EXACT, NEAR, TOLERANCE, is_number
from appraise.language.expr.interpret import evaluate
from appraise.language.expr.parsing import (
    PREVIOUS_TYPES,
    Expression,
    ExpressionError,
    char_offset,
    literal_value,
    object_name,
)


def to_polars(expr: Expression, column: Callable[[str], Any], context: Mapping[str, Any],
              types: Mapping[str, str] | None = None):
    """Compile ``expr`` to a polars expression.

    ``column(name)`` returns the polars expression for a bare name or for
    ``previous.<field>``; ``context`` supplies ``context.<field>`` values, which
    become literals; ``types`` gives the type of each bare name (``number`` ones
    compare within ``TOLERANCE``, as in :func:`evaluate`; a comparison with a
    number literal or arithmetic on either side does too).  Division by zero
    gives null; nulls propagate.
    """
    import polars as pl

    types = types or {}

    def is_numeric(node) -> bool:
        if isinstance(node, ast.Constant):
            return is_number(node.value)
        if isinstance(node, (ast.BinOp, ast.Call)):
            return True
        if isinstance(node, ast.UnaryOp):
            return not isinstance(node.op, ast.Not)
        if isinstance(node, ast.Name):
            return types.get(node.id) == "number"
        if isinstance(node, ast.Attribute):
            if object_name(node) == "context":
                return is_number(context.get(node.attr))
            return PREVIOUS_TYPES.get(node.attr) == "number"
        return False

    def near(op: type[ast.cmpop], a, b):
        a, b = a.cast(pl.Float64), b.cast(pl.Float64)
        finite = a.is_finite() & b.is_finite()
        close = NEAR[op](a - b, pl.max_horizontal(a.abs(), b.abs()) * TOLERANCE)
        # no when/then (see BinOp below): pick by arithmetic on booleans, nulls propagating
        return (finite & close) | (~finite & EXACT[op](a, b))

    def lit(v):
        if isinstance(v, bool):
            return pl.lit(v, dtype=pl.Boolean)
        if isinstance(v, (int, float)):
            return pl.lit(float(v), dtype=pl.Float64)
        if v is None:
            return pl.lit(None)
        return pl.lit(v)

    def values(node) -> list | None:
        if isinstance(node, (ast.List, ast.Tuple)):
            return [literal_value(e) for e in node.elts]
        if isinstance(node, ast.Attribute) and object_name(node) == "context":
            v = context.get(node.attr)
            if isinstance(v, (list, tuple)):
                return list(v)
            if v is None:  # not set, or set to nothing: missing, as the row interpreter has it
                return None
            return [v]
        raise ExpressionError("'in' needs a list on its right", char_offset(expr.text, node))

    def missing_as_written(node) -> bool:
        if isinstance(node, ast.Name):
            return node.id == "null"
        if isinstance(node, ast.Attribute) and object_name(node) == "context":
            return context.get(node.attr) is None
        if isinstance(node, ast.Constant):
            return node.value is None
        if _constant(node):
            return evaluate(Expression(expr.text, ast.Expression(body=node), frozenset(), frozenset()), {},
                            context) is None
        return False

    def comp(node):
        if not isinstance(node, (ast.Constant, ast.Name, ast.Attribute)) and _constant(node):
            # computed here once: polars 2.1 mis-sizes comparisons of a computed literal ('-(1)',
            # 'abs(0)') with a when/then over an all-null column
            sub = Expression(expr.text, ast.Expression(body=node), frozenset(), frozenset())
            return lit(evaluate(sub, {}, context))
        if isinstance(node, ast.BoolOp):
            # a part that is missing as written ('null', a context value not set, 'null in []') is a literal of
            # no type, which polars' '&' and '|' refuse: typed as true/false, it is missing in three-valued logic
            parts = [comp(v).cast(pl.Boolean) if missing_as_written(v) else comp(v) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(node.op, ast.And) else (out | p)
            return out
        if isinstance(node, ast.UnaryOp):
            inner = comp(node.operand)
            if isinstance(node.op, ast.Not):  # the casts let 'not null' and '-null' be missing, not an error
                return ~inner.cast(pl.Boolean)
            return -inner.cast(pl.Float64) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            a, b = comp(node.left), comp(node.right)
            if isinstance(node.op, ast.Mult):
                return _not_underflowed(lambda x, y: x * y, a, b)
            if not isinstance(node.op, ast.Div):
                return ARITHMETIC[type(node.op)](a, b)
            # No when/then here or below: polars 2.1 returns one row instead of a column for
            # 'lit < when(p).then(..).otherwise(..)' when p is all false or null (x / 0 for everyone)
            if _constant(node.right):
                sub = Expression(expr.text, ast.Expression(body=node.right), frozenset(), frozenset())
                c = evaluate(sub, {}, context)
                if is_number(c) and c != 0 and math.isfinite(c):
                    # polars divides by a number through its reciprocal: x / 3 off in the last digit, and
                    # 0 / 5e-324 = 0 × inf = NaN; divided by a column, each value is divided as Python does
                    return _not_underflowed(lambda x, y: _divided_by(x, float(c), signed_zero=True), a,
                                            pl.lit(float(c), dtype=pl.Float64))
            return _not_underflowed(lambda x, y: x / y.replace(0.0, None), a, b)
        if isinstance(node, ast.Compare):
            left_node, out = node.left, None
            for op, right_node in zip(node.ops, node.comparators):
                left = comp(left_node)
                if isinstance(op, (ast.In, ast.NotIn)) and values(right_node) is None:
                    part = pl.lit(None, dtype=pl.Boolean)  # 'x in <missing>' is missing, negated or not
                elif isinstance(op, (ast.In, ast.NotIn)):
                    vals = [v for v in values(right_node) or [] if v is not None]
                    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals)
                    if vals and numeric:  # equal within TOLERANCE, as '==' is (null in, null out)
                        probe = left.cast(pl.Float64, strict=False)
                        part = pl.any_horizontal([near(ast.Eq, probe, pl.lit(float(v), dtype=pl.Float64))
                                                  for v in dict.fromkeys(vals)])
                    else:
                        vals, probe = [str(v) for v in vals], left.cast(pl.Utf8, strict=False)
                        # the type check keeps numbers from being looked up among texts
                        part = probe.is_in(pl.lit(pl.Series(vals, dtype=pl.Utf8)).implode(), nulls_equal=False)
                    if isinstance(op, ast.NotIn):
                        part = ~part
                elif is_numeric(left_node) or is_numeric(right_node):
                    part = near(type(op), left, comp(right_node))
                else:
                    part = EXACT[type(op)](left, comp(right_node))
                out = part if out is None else (out & part)
                left_node = right_node
            return out
        if isinstance(node, ast.Name):
            if node.id in ("true", "false"):
                return pl.lit(node.id == "true")
            if node.id == "null":
                return pl.lit(None)
            return column(node.id)
        if isinstance(node, ast.Attribute):
            if node.value.id == "context":
                v = context.get(node.attr)
                if isinstance(v, (list, tuple, dict)):
                    raise ExpressionError(f"context.{node.attr} is a list; use it with 'in'",
                                          char_offset(expr.text, node))
                return lit(v)
            return column(f"previous.{node.attr}")
        if isinstance(node, ast.Constant):
            return lit(node.value)
        if isinstance(node, ast.Call):
            args = [comp(a) for a in node.args]
            name = node.func.id
            if name == "abs":
                return args[0].cast(pl.Float64).abs()
            if name == "round":
                digits = node.args[1].value if len(node.args) > 1 else 0
                return polars_round_half_up(args[0], digits)
            agg = pl.min_horizontal(*args) if name == "min" else pl.max_horizontal(*args)
            for a in args:  # min_horizontal skips nulls; '+ a * 0' makes any missing argument missing (NaN, from
                # an infinite argument, as 0: max(2, 25 / 2.3e-308) is infinite, never NaN; differential case 2381166)
                agg = agg + (a.cast(pl.Float64) * 0.0).fill_nan(0.0)
            return agg
        raise ExpressionError("unsupported expression", char_offset(expr.text, node))

    return comp(expr.tree.body)


def _not_underflowed(op, a, b):
    """``op(a, b)``, a product or quotient, except where neither is 0 and floats made it 0: there the smallest
    subnormal float of its sign (±5e-324).  The exact value is not 0 but below 2.2e-308 in size (2.3e-308 × 1e-20,
    or a team's minimum of such a formula), which README makes an error for its employee, as a subnormal value is
    (:func:`appraise.core.scoring.drop_unfinite`); a silent 0.0 passed the check (differential case 2380768: a
    manager paid on a team minimum of 0 where the reference found a value too close to 0).

    ``a`` and ``b`` are read once each, as the fields of a struct the test reads by name: written with the operands
    themselves, each product held its operands five times over, and a chain of 8 factors was an expression of
    14 million characters that took 40 s (23 factors never finished)."""
    import polars as pl

    x, y = pl.field("a"), pl.field("b")
    result = op(x, y)
    lost = ((result == 0.0) & (x != 0.0) & (y != 0.0) & x.is_finite() & y.is_finite()).cast(pl.Float64)
    return pl.struct(a.cast(pl.Float64).alias("a"), b.cast(pl.Float64).alias("b")).struct.with_fields(
        (result + lost * x.sign() * y.sign() * 5e-324).alias("_r")).struct.field("_r")


def _constant(node: ast.AST) -> bool:
    """Whether ``node`` reads no column (literals, true/false/null and context values only)."""
    return all(sub.id in ("true", "false", "null", "context") for sub in ast.walk(node) if isinstance(sub, ast.Name))


def polars_round_half_up(e, digits: int):
    """Half-up rounding in polars (its own ``round`` rounds half to even).

    The value × 10^digits is first rounded to 6 decimals so binary noise such as
    ``108.26499999999`` for ``108.265`` rounds the way the written number does.  That first
    rounding is polars' half to even, which never changes the result: of the two 6-decimal
    neighbours of a tie only ``.499999`` and ``.500000`` fall on either side of the half, and
    half to even picks ``.500000`` there, as half-up would.  See :func:`half_up_by`.
    """
    scale = 10.0 ** digits
    # k / 10^digits correctly rounded: polars divides a column by a number through its reciprocal, which
    # gives 19844 / 1e4 = 1.9844000000000002
    return half_up_by(e, scale, lambda k: _divided_by(k, scale))


def half_up_by(e, scale: float, divided, columns: bool = False):
    """``e`` half-up to a whole number of ``1 / scale``: k = floor(|x| + 0.5) × sign(x) for x = e × scale rounded
    to 6 decimals, then ``divided(k)`` (k / scale).  From |e × scale| of 2^52 on the float has no finer digits
    to round and is its own answer: there polars' ``round(6)`` (× 10^6, rounded, ÷ 10^6) lost the last digits
    (a target of 10^13 came out 9,999,999,999,999.998 at 4 decimals, 52,164,340,000,000 came out
    52,164,339,999,999.99).  The choice is made by arithmetic, not when/then (see :func:`to_polars`):
    e + (r − e) × [|e × scale| < 2^52], which is r itself below (r − e is exact there: r and e are within a
    factor of 2 of each other, or r is 0) and e above; the difference, clipped to ±1 and NaN as 0, cannot turn
    an infinity or an overflow into NaN.  ``columns=True`` (a caller making whole columns of a frame, never a
    part of a comparison) picks the same value with when/then instead: the very bits, at a third of the cost."""
    import polars as pl

    e = e.cast(pl.Float64)
    y = e * scale
    x = y.round(6)
    k = (x.abs() + 0.5).floor() * x.sign()  # a whole number of 1 / scale
    if columns:
        return pl.when(y.abs() < 2.0 ** 52).then(divided(k)).otherwise(e + 0.0)
    within = (y.abs() < 2.0 ** 52).cast(pl.Float64)
    return e + (divided(k) - e).fill_nan(0.0).clip(-1.0, 1.0) * within


def _divided_by(e, divisor: float, signed_zero: bool = False):
    """``e / divisor`` value by value, correctly rounded (as Python and Arrow divide), -0.0 as 0.0 unless
    ``signed_zero``.  polars divides a column by a number through its reciprocal, but a column by a column
    value by value: the divisor is made a column of ``e``'s length (zeros from ``e`` itself, so no
    when/then, no literal the optimizer folds: a number plus 0.0 is left as it is, a column of zeros added
    is not)."""
    import polars as pl

    zeros = e.is_null().cast(pl.Float64) * 0.0
    quotient = e / (zeros + divisor)
    return quotient if signed_zero else quotient + zeros  # -0.0 + 0.0 is 0.0
