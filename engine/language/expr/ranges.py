"""A formula's range in polars, row by row: floats ``lo <= hi`` between which its exact value lies for every
decimal its inputs' floats may stand for (interval arithmetic with each float operation's rounding widened
outward).  The vectorised proof that lets a plan pay on a formula's float without looking at each row in Python
(:func:`appraise.core.scoring.drop_unfinite`); where it cannot prove that, the row interpreter's exact
:data:`~appraise.language.expr.interpret.INTERVALS` decide.

Only arithmetic is bounded here (numbers, names, ``context.`` and ``previous.`` numbers, ``+ - * /``, unary
minus, ``min``, ``max``, ``abs``); a formula with anything else (``round``, a comparison, true/false) has no
range here (:func:`to_polars_range` gives None) and is left to the exact interpreter.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from appraise.language.expr.compare import is_number
from appraise.language.expr.parsing import Expression, object_name

# After each float operation its bounds move outward by 2^-50 of their size (at least 4 units in the last place
# of a float, where the operation's rounding is at most half of one) and by a hair for values near 0; an input's
# float is within half a unit in the last place of the decimal it stands for, so the same widening bounds it.
WIDEN = 2.0 ** -50
HAIR = 1e-300

Range = tuple[Any, Any]  # (lo, hi) polars expressions


def down(x):
    return x - (x.abs() * WIDEN + HAIR)


def up(x):
    return x + (x.abs() * WIDEN + HAIR)


def around(x) -> Range:
    """The range of the decimals a float column (or a literal's float) may stand for, with room to spare."""
    return down(x), up(x)


def add_range(frame, expr: Expression, name: Callable[[str], Range | None], context: Mapping[str, Any],
              prefix: str) -> tuple[Any, Range] | None:
    """``frame`` with columns (named from ``prefix``) holding ``expr``'s range, node by node, and the two columns
    of its ends; None where it reads what is not bounded here (:func:`to_polars_range`)."""
    import polars as pl

    steps: list = []

    def keep(lo, hi) -> Range:
        low, high = f"{prefix}{len(steps)}.lo", f"{prefix}{len(steps)}.hi"
        steps.append((lo.alias(low), hi.alias(high)))
        return pl.col(low), pl.col(high)

    r = to_polars_range(expr, name, context, keep)
    if r is None:
        return None
    for lo, hi in steps:
        frame = frame.with_columns(lo, hi)
    return frame, r


def to_polars_range(expr: Expression, name: Callable[[str], Range | None], context: Mapping[str, Any],
                    keep: Callable[[Any, Any], Range]) -> Range | None:
    """``expr``'s range as two polars expressions, or None where it reads what is not bounded here.  ``name(n)``
    gives a bare name's range (``previous.<field>`` for previous fields), None for one not bounded.  A missing
    input makes both ends missing; a division by a range holding 0 makes them NaN (no proof: the caller's test
    fails on NaN).  ``keep(lo, hi)`` is called with each operation's range and gives what later operations read:
    :func:`add_range` makes each a column, so that a formula's expressions grow with its length; returned as they
    are, they would grow as 4^depth (each end of a product reads both ends of its operands)."""
    import polars as pl

    class Unbounded(Exception):
        pass

    def constant(v: Any) -> Range:
        if not is_number(v):
            raise Unbounded
        f = pl.lit(float(v), dtype=pl.Float64)
        if isinstance(v, int) and abs(v) < 2 ** 53:
            return f, f
        return around(f)

    def given(n: str) -> Range:
        r = name(n)
        if r is None:
            raise Unbounded
        return r

    def comp(node) -> Range:
        if isinstance(node, ast.Constant):
            return constant(node.value)
        if isinstance(node, ast.Name):
            if node.id in ("true", "false", "null"):
                raise Unbounded
            return given(node.id)
        if isinstance(node, ast.Attribute):
            if object_name(node) == "context":
                return constant(context.get(node.attr))
            return given(f"previous.{node.attr}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            lo, hi = comp(node.operand)
            return (-hi, -lo) if isinstance(node.op, ast.USub) else (lo, hi)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            (alo, ahi), (blo, bhi) = comp(node.left), comp(node.right)
            if isinstance(node.op, ast.Add):
                return keep(down(alo + blo), up(ahi + bhi))
            if isinstance(node.op, ast.Sub):
                return keep(down(alo - bhi), up(ahi - blo))
            if isinstance(node.op, ast.Mult):
                ends = [alo * blo, alo * bhi, ahi * blo, ahi * bhi]
            else:
                ends = [alo / blo, alo / bhi, ahi / blo, ahi / bhi]
            lo, hi = down(pl.min_horizontal(ends)), up(pl.max_horizontal(ends))
            if isinstance(node.op, ast.Div):
                zero = (blo <= 0) & (bhi >= 0)
                lo = pl.when(zero).then(float("nan")).otherwise(lo)
                hi = pl.when(zero).then(float("nan")).otherwise(hi)
            return keep(lo, hi)
        function = getattr(node.func, "id", "") if isinstance(node, ast.Call) else ""
        if function in ("min", "max", "abs"):
            args = [comp(a) for a in node.args]
            if function == "abs":
                lo, hi = args[0]
                return keep(pl.when(lo >= 0).then(lo).when(hi <= 0).then(-hi).otherwise(0.0),
                            pl.when(lo >= 0).then(hi).when(hi <= 0).then(-lo).otherwise(pl.max_horizontal(-lo, hi)))
            pick = pl.min_horizontal if function == "min" else pl.max_horizontal
            nothing = sum((lo * 0.0 for lo, _ in args), pl.lit(0.0))  # a missing argument makes it missing
            return keep(pick([lo for lo, _ in args]) + nothing, pick([hi for _, hi in args]) + nothing)
        raise Unbounded

    try:
        return comp(expr.tree.body)
    except Unbounded:
        return None
