"""The exclusivity prover: whether two conditions can never hold for the same employee."""
from __future__ import annotations

import ast
import math

from appraise.language.expr.compare import is_number
from appraise.language.expr.parsing import Expression


def exclusive(a: Expression, b: Expression) -> bool:
    """True when the two conditions can never hold for the same employee (a proof, not a guess).

    Negations are pushed down to comparisons first; then ``P`` excludes ``not P``,
    two comparisons of the same name with constants exclude each other when no
    value satisfies both (``x == "1"`` / ``x == "2"``, ``tenure_months < 3`` /
    ``tenure_months >= 3``, ``grade in ['C', 'D']`` / ``grade == 'A'``), an ``and``
    is excluded when any part is, and an ``or`` when every part is.  Anything
    else is assumed to be able to hold together (so the validator stays on the
    safe side).  Numbers compare within ``TOLERANCE`` in both conditions, so
    ranges that touch at a point are treated as closed and open as written.
    """
    return _excl(_nnf(a.tree.body, False), _nnf(b.tree.body, False))


def _nnf(node, negated: bool):
    """('and'|'or', [parts]) / ('atom', node, negated) with negations pushed down to atoms."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _nnf(node.operand, not negated)
    if isinstance(node, ast.BoolOp):
        is_and = isinstance(node.op, ast.And) != negated
        return ("and" if is_and else "or", [_nnf(v, negated) for v in node.values])
    if isinstance(node, ast.Compare) and len(node.ops) > 1:  # a < b < c is a < b and b < c
        nodes = [node.left, *node.comparators]
        parts: list[ast.expr] = [ast.Compare(left=x, ops=[op], comparators=[y])
                                 for x, op, y in zip(nodes, node.ops, nodes[1:])]
        return _nnf(ast.BoolOp(op=ast.And(), values=parts), negated)
    if isinstance(node, ast.Compare) and isinstance(node.ops[0], (ast.NotIn, ast.NotEq)):  # 'x != y' is 'not x == y'
        positive = ast.In() if isinstance(node.ops[0], ast.NotIn) else ast.Eq()
        return ("atom", ast.Compare(left=node.left, ops=[positive], comparators=node.comparators), not negated)
    return ("atom", node, negated)


def _excl(x, y) -> bool:
    if x[0] == "or":
        return all(_excl(v, y) for v in x[1])
    if y[0] == "or":
        return all(_excl(x, v) for v in y[1])
    if x[0] == "and":
        return any(_excl(v, y) for v in x[1])
    if y[0] == "and":
        return any(_excl(x, v) for v in y[1])
    (_, nx, neg_x), (_, ny, neg_y) = x, y
    if neg_x != neg_y and ast.dump(nx) == ast.dump(ny):
        return True
    cx, cy = _constraint(nx, neg_x), _constraint(ny, neg_y)
    return cx is not None and cy is not None and cx[0] == cy[0] and _disjoint(cx[1], cy[1])


_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq}
_NEGATE = {ast.Lt: ast.GtE, ast.LtE: ast.Gt, ast.Gt: ast.LtE, ast.GtE: ast.Lt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
           ast.In: ast.NotIn, ast.NotIn: ast.In}
_NOTHING = object()


def _literal(node):
    """The constant a node stands for (numbers as floats), or _NOTHING."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _literal(node.operand)
        return _NOTHING if not is_number(v) else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.Constant) and (isinstance(node.value, str) or is_number(node.value)):
        return float(node.value) if is_number(node.value) else node.value
    return _NOTHING


def _constraint(node, negated: bool):
    """(subject, set of values) for 'subject op constant' (either way round); None if not of that shape.

    A set of values is ('in', values) / ('out', values) / ('range', low, low_closed, high, high_closed).
    """
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return None
    op, left, right = type(node.ops[0]), node.left, node.comparators[0]
    if negated:
        op = _NEGATE[op]
    if op in (ast.In, ast.NotIn):
        if not isinstance(right, (ast.List, ast.Tuple)):
            return None
        values = [_literal(e) for e in right.elts]
        if any(v is _NOTHING for v in values) or _literal(left) is not _NOTHING:
            return None
        return ast.dump(left), ("in" if op is ast.In else "out", frozenset(values))
    if _literal(right) is _NOTHING:
        if _literal(left) is _NOTHING:
            return None
        left, right, op = right, left, _FLIP[op]
    subject, value = left, _literal(right)
    if _literal(subject) is not _NOTHING:
        return None
    if op is ast.Eq:
        return ast.dump(subject), ("in", frozenset([value]))
    if op is ast.NotEq:
        return ast.dump(subject), ("out", frozenset([value]))
    if not is_number(value):
        return None  # text ordering: left alone
    inf = math.inf
    return ast.dump(subject), {ast.Lt: ("range", -inf, False, value, False),
                               ast.LtE: ("range", -inf, False, value, True),
                               ast.Gt: ("range", value, False, inf, False),
                               ast.GtE: ("range", value, True, inf, False)}[op]


def _inside(v, r) -> bool:
    if not is_number(v):
        return False
    _, lo, lo_closed, hi, hi_closed = r
    return (lo < v or (lo_closed and lo == v)) and (v < hi or (hi_closed and v == hi))


def _disjoint(p, q) -> bool:
    if p[0] == "out" and q[0] == "out":
        return False
    if p[0] == "out" or (p[0] == "range" and q[0] == "in"):
        p, q = q, p
    if p[0] == "in":
        if q[0] == "in":
            return not (p[1] & q[1])
        if q[0] == "out":
            return p[1] <= q[1]
        return not any(_inside(v, q) for v in p[1])
    if q[0] == "out":
        return False
    # two ranges
    _, lo1, lc1, hi1, hc1 = p
    _, lo2, lc2, hi2, hc2 = q
    lo, lc = (lo1, lc1) if (lo1, not lc1) > (lo2, not lc2) else (lo2, lc2)
    hi, hc = (hi1, hc1) if (hi1, hc1) < (hi2, hc2) else (hi2, hc2)
    return lo > hi or (lo == hi and not (lc and hc))
