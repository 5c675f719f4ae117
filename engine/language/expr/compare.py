"""How numbers compare (exactly, or within a relative ``TOLERANCE``) and combine: the tables the row interpreter
(on floats or fractions) and the polars compiler (on expressions) share."""
from __future__ import annotations

import ast
import math
import operator

TOLERANCE = 1e-12  # relative: far above float noise (~1e-15 after a year of sums), far below any real difference

# each comparison exactly, and within TOLERANCE given d = a - b and m = TOLERANCE × max(|a|, |b|); the row
# interpreter (floats) and the polars compiler (expressions) both use these
EXACT = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
         ast.Gt: operator.gt, ast.GtE: operator.ge}
NEAR = {ast.Eq: lambda d, m: abs(d) <= m, ast.NotEq: lambda d, m: abs(d) > m, ast.Lt: lambda d, m: d < -m,
        ast.LtE: lambda d, m: d <= m, ast.Gt: lambda d, m: d > m, ast.GtE: lambda d, m: d >= -m}
# '+', '-' and '*' (on numbers and on polars expressions alike); '/' is each one's own: x / 0 is missing
ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def is_number(v) -> bool:
    """A number, not a true/false value (``True`` is an int in Python)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def near_compare(op: type[ast.cmpop], a: float, b: float) -> bool:
    """``a op b`` where numbers within ``TOLERANCE`` (relative) of each other are equal."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return EXACT[op](a, b)
    return NEAR[op](a - b, max(abs(a), abs(b)) * TOLERANCE)

