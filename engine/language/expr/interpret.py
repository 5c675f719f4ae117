"""The row interpreter: an expression evaluated for one employee (explanations and tests).  Missing
values are ``None`` and propagate (three-valued logic)."""
from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from typing import Any

from appraise.language.expr.compare import EXACT, is_number, near_compare
from appraise.language.expr.parsing import Expression, ExpressionError, literal_value


def round_half_up(x: float, digits: int = 0) -> float:
    """Round half away from zero on the number as written (``2.675 -> 2.68``)."""
    from decimal import ROUND_HALF_UP, Context, Decimal

    if not math.isfinite(x):
        return float(x)
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP, context=Context(prec=1000)))


def evaluate(expr: Expression, env: Mapping[str, Any], context: Mapping[str, Any] | None = None,
             previous: Mapping[str, Any] | None = None) -> Any:
    """Interpret ``expr`` for one employee.  Missing values are ``None`` and propagate."""
    context = context or {}
    previous = previous or {}

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
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            return None if b == 0 else a / b
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
                    hit = any(near_compare(ast.Eq, float(left), float(v)) for v in right if is_number(v)) \
                        if is_number(left) else left in right
                    parts.append(hit if isinstance(op, ast.In) else not hit)
                elif is_number(left) and is_number(right):
                    parts.append(near_compare(type(op), float(left), float(right)))
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
            v = node.value  # numbers are floats, as in polars (no int overflow, no exact huge-int division)
            return float(v) if isinstance(v, int) and not isinstance(v, bool) else v
        if isinstance(node, (ast.List, ast.Tuple)):
            return [literal_value(e) for e in node.elts]
        if isinstance(node, ast.Call):
            args = [ev(a) for a in node.args]
            name = node.func.id
            if name == "round":
                if args[0] is None:
                    return None
                return round_half_up(args[0], node.args[1].value if len(node.args) > 1 else 0)
            if any(a is None for a in args):
                return None
            return {"min": min, "max": max, "abs": lambda x: abs(x)}[name](*args)
        raise ExpressionError("unsupported expression", 0)

    return ev(expr.tree.body)


def holds(expr: Expression, env: Mapping[str, Any], context=None, previous=None) -> bool:
    """A condition holds only when it is true; missing is not true."""
    return evaluate(expr, env, context, previous) is True

