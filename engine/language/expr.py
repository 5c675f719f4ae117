"""The safe expression language of rule files.

Conditions (``when:``, ``applies_to:``), formulas and targets are a small subset
of Python syntax, parsed once into a whitelisted AST.  Nothing here ever calls
``eval``: an expression is either compiled to a polars expression (the columnar
engine) or interpreted by :func:`evaluate` (explanations and tests), and both
give *missing* (``None``/null) for ``x / 0`` and for anything built on a
missing value.  A condition that comes out missing does not hold.

Numbers compare the way people read them, not to the last binary digit: two
numbers within a relative ``TOLERANCE`` of each other are equal, so a quarter
of 33,333.33 + 33,333.33 + 33,333.34 is ``>= 100000`` and ``quota * 1.1`` is
``== 110000`` (binary floats give 99,999.99999999999 and 110,000.00000000001).
"""
from __future__ import annotations

import ast
import difflib
import math
import operator
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping

MAX_LENGTH = 500
MAX_DEPTH = 32
MAX_NUMBER = 1e15
MAX_STRING = 200
MAX_LIST = 1000
FUNCTIONS = {"min": (2, 16), "max": (2, 16), "abs": (1, 1), "round": (1, 2)}
OBJECTS = ("context", "previous")
PREVIOUS_FIELDS = ("grade", "grade_uncalibrated", "score", "bonus", "scorecard")
AFTER_SCORING = ("score", "grade", "grade_uncalibrated", "bonus")  # outcomes read them; rules and targets cannot
TOLERANCE = 1e-12  # relative: far above float noise (~1e-15 after a year of sums), far below any real difference

# each comparison exactly, and within TOLERANCE given d = a - b and m = TOLERANCE × max(|a|, |b|); the row
# interpreter (floats) and the polars compiler (expressions) both use these
_EXACT = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
          ast.Gt: operator.gt, ast.GtE: operator.ge}
_NEAR = {ast.Eq: lambda d, m: abs(d) <= m, ast.NotEq: lambda d, m: abs(d) > m, ast.Lt: lambda d, m: d < -m,
         ast.LtE: lambda d, m: d <= m, ast.Gt: lambda d, m: d > m, ast.GtE: lambda d, m: d >= -m}
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
            ast.In: "in", ast.NotIn: "not in"}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_REFUSED_OPS = {ast.Pow: "'**' (power) is not allowed; multiply instead",
                ast.FloorDiv: "'//' is not allowed; use '/' and round()",
                ast.Mod: "'%' is not allowed", ast.MatMult: "'@' is not allowed",
                ast.BitAnd: "'&' is not allowed; use 'and'", ast.BitOr: "'|' is not allowed; use 'or'",
                ast.BitXor: "'^' is not allowed", ast.LShift: "'<<' is not allowed", ast.RShift: "'>>' is not allowed"}


class ExpressionError(ValueError):
    """A problem in an expression; ``offset`` is the 0-based character where it is."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True, eq=False)
class Expression:
    """A parsed, whitelisted expression.  ``names`` are the bare names it reads;
    ``fields`` the ``object.attribute`` pairs (``("context", "price_war")``)."""

    text: str
    tree: ast.AST
    names: frozenset[str]
    fields: frozenset[tuple[str, str]]

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Expression) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _char_offset(text: str, node: ast.AST) -> int:
    line = getattr(node, "lineno", 1)
    byte_col = getattr(node, "col_offset", 0) or 0
    lines = text.split("\n")
    before = sum(len(x) + 1 for x in lines[: line - 1])
    current = lines[line - 1] if line - 1 < len(lines) else ""
    return before + len(current.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))


def _after(text: str, node: ast.AST) -> int:
    """Offset of the first non-blank character after ``node``."""
    end = _char_offset(text, node) + len(ast.get_source_segment(text, node) or "")
    while end < len(text) and text[end] in " \t)":  # past the closing parenthesis of '(a / b) ** 2'
        end += 1
    return end


def parse(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression`, refusing anything outside the language."""
    if not isinstance(text, str):
        text = str(text)
    # A YAML block scalar ('when: |') keeps its line breaks; they separate words like spaces do.
    # Replacing each by one space keeps every character's offset, so errors still point at it.
    text = text.replace("\r", " ").replace("\n", " ")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters; the limit is {MAX_LENGTH}", MAX_LENGTH)
    if not text.strip():
        raise ExpressionError("expression is empty", 0)
    depth = 0
    for i, ch in enumerate(text):  # refuse pathological nesting before Python's parser sees it
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels", i)
    try:
        with warnings.catch_warnings():  # '1if x' warns on stderr before failing; the error says it all
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip("\n"), mode="eval")
    except SyntaxError as exc:
        offset = max((exc.offset or 1) - 1, 0)
        if exc.lineno and exc.lineno > 1:
            offset += sum(len(x) + 1 for x in text.split("\n")[: exc.lineno - 1])
        if _incomplete(text):  # Python points at the start of 'a >'; the problem is at its end
            raise ExpressionError("not a valid expression: it ends too early (something is missing at the end)",
                                  len(text.rstrip())) from None
        raise ExpressionError(f"not a valid expression: {exc.msg}", offset) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression is too complex", 0) from None
    names: set[str] = set()
    fields: set[tuple[str, str]] = set()
    _check(tree.body, text, names, fields, 0)
    return Expression(text, tree, frozenset(names), frozenset(fields))


def _incomplete(text: str) -> bool:
    """Whether ``text`` only fails because it stops half-way (``a >``, ``x and``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text.strip("\n") + " 0", mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _check(node: ast.AST, text: str, names: set, fields: set, depth: int) -> None:
    at = _char_offset(text, node)
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels", at)
    nxt = depth + 1
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, text, names, fields, nxt)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
            raise ExpressionError("'~' is not allowed; use 'not'", at)
        _check(node.operand, text, names, fields, nxt)
    elif isinstance(node, ast.BinOp):
        if type(node.op) in _REFUSED_OPS:
            raise ExpressionError(_REFUSED_OPS[type(node.op)], _after(text, node.left))
        _check(node.left, text, names, fields, nxt)
        _check(node.right, text, names, fields, nxt)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ExpressionError("'is' is not allowed; use '==' or '!='", at)
        _check(node.left, text, names, fields, nxt)
        for c in node.comparators:
            _check(c, text, names, fields, nxt)
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"names starting with '_' are not allowed ('{node.id}')", at)
        if node.id in OBJECTS:
            raise ExpressionError(f"'{node.id}' needs a field, like {node.id}.{'price_war' if node.id == 'context' else 'grade'}", at)
        if node.id not in ("true", "false", "null"):
            names.add(node.id)
    elif isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            raise ExpressionError(f"access to '{node.attr}' is not allowed", _after(text, node.value) + 1)
        if not (isinstance(node.value, ast.Name) and node.value.id in OBJECTS):
            raise ExpressionError("attribute access is only allowed on 'context' and 'previous' "
                                  "(like context.price_war or previous.grade)", at)
        fields.add((node.value.id, node.attr))
    elif isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or v is None:
            pass
        elif isinstance(v, (int, float)):
            if isinstance(v, complex) or abs(v) > MAX_NUMBER or not math.isfinite(v):  # huge ints: no float()
                raise ExpressionError(f"number {text[at:at + 20]}… is out of range (at most {MAX_NUMBER:g})", at)
        elif isinstance(v, str):
            if len(v) > MAX_STRING:
                raise ExpressionError(f"text literal is longer than {MAX_STRING} characters", at)
        else:
            raise ExpressionError(f"{type(v).__name__} literals are not allowed", at)
    elif isinstance(node, (ast.List, ast.Tuple)):
        if len(node.elts) > MAX_LIST:
            raise ExpressionError(f"list has more than {MAX_LIST} items", at)
        for e in node.elts:
            if not isinstance(e, ast.Constant) and not _signed_number(e):
                raise ExpressionError("list items must be plain numbers or text", _char_offset(text, e))
            _check(e, text, names, fields, nxt)
    elif isinstance(node, ast.Call):
        fname = node.func.id if isinstance(node.func, ast.Name) else None
        if fname not in FUNCTIONS:
            shown = fname or ast.unparse(node.func)
            raise ExpressionError(f"calling '{shown}' is not allowed; the functions are "
                                  + ", ".join(sorted(FUNCTIONS)), at)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"{fname}() takes plain arguments only", at)
        lo, hi = FUNCTIONS[fname]
        if not lo <= len(node.args) <= hi:
            want = f"{lo}" if lo == hi else f"{lo} to {hi}"
            raise ExpressionError(f"{fname}() takes {want} arguments, got {len(node.args)}", at)
        if fname == "round" and len(node.args) == 2:
            d = node.args[1]
            if not (isinstance(d, ast.Constant) and isinstance(d.value, int) and 0 <= d.value <= 10):
                raise ExpressionError("round()'s second argument must be a whole number from 0 to 10",
                                      _char_offset(text, d))
        for a in node.args:
            _check(a, text, names, fields, nxt)
    else:
        kind = {ast.Subscript: "indexing with [...]", ast.Lambda: "lambda", ast.IfExp: "'x if c else y'",
                ast.Dict: "dictionaries", ast.Set: "sets", ast.ListComp: "comprehensions",
                ast.GeneratorExp: "comprehensions", ast.JoinedStr: "f-strings", ast.NamedExpr: "':='",
                ast.Starred: "'*'"}.get(type(node), type(node).__name__)
        raise ExpressionError(f"{kind} is not allowed in appraise expressions", at)


# ---------------------------------------------------------------- name checks

@dataclass(frozen=True)
class Scope:
    """What an expression may read where it stands, and the type of each name
    (``number``, ``string``, ``bool``, ``any``)."""

    where: str
    names: Mapping[str, str]
    context: bool = True
    previous: bool = False
    context_values: Mapping[str, Any] | None = None  # the cycle's context, when known: its values' types count


def _locate(expr: Expression, name: str, attr: bool = False) -> int:
    for node in ast.walk(expr.tree):
        if not attr and isinstance(node, ast.Name) and node.id == name:
            return _char_offset(expr.text, node)
        if attr and isinstance(node, ast.Attribute) and f"{node.value.id}.{node.attr}" == name:
            return _char_offset(expr.text, node)
    return 0


def check(expr: Expression, scope: Scope, *, want_bool: bool = False) -> list[ExpressionError]:
    """Names and simple types checked against ``scope``; every problem is returned."""
    problems: list[ExpressionError] = []
    for name in sorted(expr.names):
        if name not in scope.names and name in AFTER_SCORING:
            problems.append(ExpressionError(f"'{name}' is only known once everyone is scored, so {scope.where} "
                                            "cannot read it; outcomes (outcomes: ... when:) can", _locate(expr, name)))
        elif name not in scope.names:
            close = difflib.get_close_matches(name, list(scope.names), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(ExpressionError(f"unknown name '{name}' in {scope.where}{hint}", _locate(expr, name)))
    for obj, attr in sorted(expr.fields):
        if obj == "context" and not scope.context:
            problems.append(ExpressionError(f"'context' cannot be used in {scope.where}",
                                            _locate(expr, f"context.{attr}", True)))
        if obj == "previous":
            if not scope.previous:
                problems.append(ExpressionError(f"'previous' cannot be used in {scope.where}",
                                                _locate(expr, f"previous.{attr}", True)))
            elif attr not in PREVIOUS_FIELDS:
                close = difflib.get_close_matches(attr, PREVIOUS_FIELDS, n=1)
                hint = f"; did you mean 'previous.{close[0]}'?" if close else ""
                problems.append(ExpressionError(f"unknown field 'previous.{attr}'{hint}",
                                                _locate(expr, f"previous.{attr}", True)))
    if problems:
        return problems
    try:
        kind = _type(expr.tree.body, scope, expr.text)
        shown = {"string": "text", "bool": "true/false value", "list": "list"}.get(kind, kind)
        if want_bool and kind not in ("bool", "any"):
            problems.append(ExpressionError(f"{scope.where} must be true or false, but this is a {shown}; "
                                            "compare it, e.g. 'x > 0'", 0))
        if not want_bool and kind in ("bool", "string", "list"):
            problems.append(ExpressionError(f"{scope.where} must be a number, but this is {'a ' if kind == 'bool' else ''}{shown}", 0))
    except ExpressionError as exc:
        problems.append(exc)
    return problems


def context_problems(expr: Expression, context: Mapping[str, Any], condition: bool = False) -> list[ExpressionError]:
    """Type problems that only the cycle's context values reveal (``context.label + 1`` when label is
    text, ``x in context.flag``, ``when: context.price_war`` with ``price_war: "yes"``).  Names were
    checked when the ruleset was validated.  A ``condition`` must come out true or false."""
    permissive = Scope("the cycle's context", _AnyName(), context=True, previous=True, context_values=context)
    try:
        kind = _type(expr.tree.body, permissive, expr.text)
    except ExpressionError as exc:
        return [exc]
    if condition and kind not in ("bool", "any"):
        what = {"string": "a text", "number": "a number", "list": "a list"}.get(kind, kind)
        return [ExpressionError(f"a condition must be true or false, but this is {what}; "
                                "write true or false (not yes/no, 1/0 or \"false\")", 0)]
    return []


class _AnyName(dict):
    def get(self, key, default=None):
        return "any"

    def __contains__(self, key):
        return True


_PREVIOUS_TYPES = {"grade": "string", "grade_uncalibrated": "string", "score": "number", "bonus": "number",
                   "scorecard": "string"}


def _type(node, scope: Scope, text: str) -> str:
    at = _char_offset(text, node)
    if isinstance(node, ast.BoolOp):
        word = "and" if isinstance(node.op, ast.And) else "or"
        for v in node.values:
            if _type(v, scope, text) not in ("bool", "any"):
                raise ExpressionError(f"'{word}' joins true/false values; compare first, e.g. 'x > 0'",
                                      _char_offset(text, v))
        return "bool"
    if isinstance(node, ast.UnaryOp):
        inner = _type(node.operand, scope, text)
        if isinstance(node.op, ast.Not):
            if inner not in ("bool", "any"):
                raise ExpressionError("'not' takes a true/false value; compare first, e.g. 'not x > 0'", at)
            return "bool"
        if inner in ("string", "list", "bool"):
            raise ExpressionError(f"cannot negate {'text' if inner == 'string' else inner + 's' if inner == 'list' else 'a true/false value'}", at)
        return "number"
    if isinstance(node, ast.BinOp):
        left, right = _type(node.left, scope, text), _type(node.right, scope, text)
        if {"string", "list", "bool"} & {left, right}:
            raise ExpressionError(f"arithmetic on text, lists or true/false values is not allowed "
                                  f"('{_ARITH[type(node.op)]}')", at)
        return "number"
    if isinstance(node, ast.Compare):
        left = _type(node.left, scope, text)
        for op, comp in zip(node.ops, node.comparators):
            right = _type(comp, scope, text)
            if isinstance(op, (ast.In, ast.NotIn)):
                if right not in ("list", "any") or not (isinstance(comp, (ast.List, ast.Tuple)) or (
                        isinstance(comp, ast.Attribute) and comp.value.id == "context")):
                    raise ExpressionError("'in' needs a list on its right, like ['C', 'D'] or "
                                          "context.restricted_regions", _char_offset(text, comp))
                if left in ("bool", "list"):
                    raise ExpressionError("'in' looks for a number or a text in a list", at)
                items = _list_items_type(comp, scope)
                if items == "mixed":
                    raise ExpressionError("a list for 'in' holds numbers or texts, not both",
                                          _char_offset(text, comp))
                if {left, items} == {"number", "string"}:
                    raise ExpressionError(f"looks for {'a number' if left == 'number' else 'a text'} in a list of "
                                          f"{'texts' if items == 'string' else 'numbers'}; they never match",
                                          _char_offset(text, comp))
                left = right
                continue
            if {left, right} == {"number", "string"}:
                raise ExpressionError("compares a number with text; put numbers without quotes, "
                                      "or declare the column's type under 'attributes:'", at)
            if "list" in (left, right):
                raise ExpressionError("a list can only follow 'in' or 'not in'", at)
            if {left, right} == {"bool", "string"}:
                raise ExpressionError("compares a true/false value with text", at)
            if {left, right} == {"bool", "number"}:  # polars would read true as 1.0 (within tolerance), Python exactly
                raise ExpressionError("compares a true/false value with a number; compare the number with a "
                                      "number, or use the true/false value alone as the condition", at)
            left = right
        return "bool"
    if isinstance(node, ast.Name):
        if node.id in ("true", "false"):
            return "bool"
        if node.id == "null":
            return "any"
        return scope.names.get(node.id, "any")
    if isinstance(node, ast.Attribute):
        if node.value.id == "previous":
            return _PREVIOUS_TYPES.get(node.attr, "any")
        if scope.context_values is not None and node.attr in scope.context_values:
            return _value_type(scope.context_values[node.attr])
        return "any"
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, str):
            return "string"
        return "any" if v is None else "number"
    if isinstance(node, (ast.List, ast.Tuple)):
        return "list"
    if isinstance(node, ast.Call):
        for a in node.args:
            if _type(a, scope, text) in ("string", "list", "bool"):
                raise ExpressionError(f"{node.func.id}() takes numbers", at)
        return "number"
    return "any"


def _value_type(v: Any) -> str:
    """The expression type of a context value."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "list"
    return "any"


def _list_items_type(node, scope: Scope) -> str:
    """``number``, ``string``, ``mixed`` or ``any`` (empty, unknown, nulls only) for the list of an ``in``."""
    if isinstance(node, (ast.List, ast.Tuple)):
        values = [_const(e) for e in node.elts]
    elif (isinstance(node, ast.Attribute) and node.value.id == "context" and scope.context_values is not None
          and isinstance(scope.context_values.get(node.attr), (list, tuple))):
        values = list(scope.context_values[node.attr])
    else:
        return "any"
    kinds = {_value_type(v) for v in values if v is not None}
    if kinds - {"number", "string"} or len(kinds) > 1:
        return "mixed"
    return kinds.pop() if kinds else "any"


# ---------------------------------------------------------------- interpretation

def _signed_number(node) -> bool:
    """``-3`` or ``+2.5`` in a list: a sign on a number literal (not on text, not ``not``)."""
    return (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float))
            and not isinstance(node.operand.value, bool))


def _const(node):
    if isinstance(node, ast.Constant):
        return node.value
    if _signed_number(node):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    raise ExpressionError("list items must be plain numbers or text", 0)


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
                    hit = any(_near_compare(ast.Eq, float(left), float(v)) for v in right if _is_number(v)) \
                        if _is_number(left) else left in right
                    parts.append(hit if isinstance(op, ast.In) else not hit)
                elif _is_number(left) and _is_number(right):
                    parts.append(_near_compare(type(op), float(left), float(right)))
                else:
                    parts.append(_EXACT[type(op)](left, right))
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
            return [_const(e) for e in node.elts]
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


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _near_compare(op: type, a: float, b: float) -> bool:
    """``a op b`` where numbers within ``TOLERANCE`` (relative) of each other are equal."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return _EXACT[op](a, b)
    return _NEAR[op](a - b, max(abs(a), abs(b)) * TOLERANCE)


def holds(expr: Expression, env: Mapping[str, Any], context=None, previous=None) -> bool:
    """A condition holds only when it is true; missing is not true."""
    return evaluate(expr, env, context, previous) is True


# ---------------------------------------------------------------- polars

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
            return _is_number(node.value)
        if isinstance(node, (ast.BinOp, ast.Call)):
            return True
        if isinstance(node, ast.UnaryOp):
            return not isinstance(node.op, ast.Not)
        if isinstance(node, ast.Name):
            return types.get(node.id) == "number"
        if isinstance(node, ast.Attribute):
            if node.value.id == "context":
                return _is_number(context.get(node.attr))
            return _PREVIOUS_TYPES.get(node.attr) == "number"
        return False

    def near(op: type, a, b):
        a, b = a.cast(pl.Float64), b.cast(pl.Float64)
        finite = a.is_finite() & b.is_finite()
        close = _NEAR[op](a - b, pl.max_horizontal(a.abs(), b.abs()) * TOLERANCE)
        # no when/then (see BinOp below): pick by arithmetic on booleans, nulls propagating
        return (finite & close) | (~finite & _EXACT[op](a, b))

    def lit(v):
        if isinstance(v, bool):
            return pl.lit(v, dtype=pl.Boolean)
        if isinstance(v, (int, float)):
            return pl.lit(float(v), dtype=pl.Float64)
        if v is None:
            return pl.lit(None)
        return pl.lit(v)

    def values(node) -> list:
        if isinstance(node, (ast.List, ast.Tuple)):
            return [_const(e) for e in node.elts]
        if isinstance(node, ast.Attribute) and node.value.id == "context":
            v = context.get(node.attr)
            if isinstance(v, (list, tuple)):
                return list(v)
            if v is None:
                return []
            return [v]
        raise ExpressionError("'in' needs a list on its right", _char_offset(expr.text, node))

    def comp(node):
        if not isinstance(node, (ast.Constant, ast.Name, ast.Attribute)) and _constant(node):
            # computed here once: polars 2.1 mis-sizes comparisons of a computed literal ('-(1)',
            # 'abs(0)') with a when/then over an all-null column
            sub = Expression(expr.text, ast.Expression(body=node), frozenset(), frozenset())
            return lit(evaluate(sub, {}, context))
        if isinstance(node, ast.BoolOp):
            parts = [comp(v) for v in node.values]
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
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            # No when/then here or below: polars 2.1 returns one row instead of a column for
            # 'lit < when(p).then(..).otherwise(..)' when p is all false or null (x / 0 for everyone)
            if _constant(node.right):
                sub = Expression(expr.text, ast.Expression(body=node.right), frozenset(), frozenset())
                c = evaluate(sub, {}, context)
                if _is_number(c) and c != 0 and math.isfinite(c):
                    # polars divides by a number through its reciprocal: x / 3 off in the last digit, and
                    # 0 / 5e-324 = 0 × inf = NaN; Arrow divides each value as Python does
                    return a.cast(pl.Float64).map_batches(_divided_by(float(c), True), return_dtype=pl.Float64,
                                                          is_elementwise=True)
            return a.cast(pl.Float64) / b.cast(pl.Float64).replace(0.0, None)
        if isinstance(node, ast.Compare):
            left_node, out = node.left, None
            for op, right_node in zip(node.ops, node.comparators):
                left = comp(left_node)
                if isinstance(op, (ast.In, ast.NotIn)):
                    vals = [v for v in values(right_node) if v is not None]
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
                    part = _EXACT[type(op)](left, comp(right_node))
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
                                          _char_offset(expr.text, node))
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
            for a in args:  # min_horizontal skips nulls; '+ a * 0' makes any missing argument missing
                agg = agg + a.cast(pl.Float64) * 0.0
            return agg
        raise ExpressionError("unsupported expression", _char_offset(expr.text, node))

    return comp(expr.tree.body)


def _constant(node: ast.AST) -> bool:
    """Whether ``node`` reads no column (literals, true/false/null and context values only)."""
    return all(sub.id in ("true", "false", "null", "context") for sub in ast.walk(node) if isinstance(sub, ast.Name))


def polars_round_half_up(e, digits: int):
    """Half-up rounding in polars (its own ``round`` rounds half to even).

    The value is first rounded to 9 more digits so binary noise such as
    ``108.26499999999`` for ``108.265`` rounds the way the written number does.
    """
    import polars as pl

    scale = 10.0 ** digits
    x = (e.cast(pl.Float64) * scale).round(6)
    k = (x.abs() + 0.5).floor() * x.sign()  # a whole number of 10^-digits
    # k / 10^digits correctly rounded: polars divides a column by a number through its reciprocal, which
    # gives 19844 / 1e4 = 1.9844000000000002; Arrow divides each value
    return k.map_batches(_divided_by(scale), return_dtype=pl.Float64, is_elementwise=True)


def _divided_by(divisor: float, signed_zero: bool = False):
    def divide(s):
        import polars as pl
        import pyarrow as pa
        import pyarrow.compute as pc

        quotient = pc.divide(s.cast(pl.Float64).to_arrow(), pa.scalar(divisor, pa.float64()))
        if not signed_zero:
            quotient = pc.add(quotient, pa.scalar(0.0))  # -0.0 becomes 0.0
        return pl.from_arrow(quotient).alias(s.name)
    return divide


# ---------------------------------------------------------------- exclusivity

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
        parts = [ast.Compare(left=x, ops=[op], comparators=[y]) for x, op, y in zip(nodes, node.ops, nodes[1:])]
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
        return _NOTHING if not _is_number(v) else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.Constant) and (isinstance(node.value, str) or _is_number(node.value)):
        return float(node.value) if _is_number(node.value) else node.value
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
    if not _is_number(value):
        return None  # text ordering: left alone
    inf = math.inf
    return ast.dump(subject), {ast.Lt: ("range", -inf, False, value, False),
                               ast.LtE: ("range", -inf, False, value, True),
                               ast.Gt: ("range", value, False, inf, False),
                               ast.GtE: ("range", value, True, inf, False)}[op]


def _inside(v, r) -> bool:
    if not _is_number(v):
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
