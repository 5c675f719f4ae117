"""Parsing: the text of an expression into a whitelisted AST (:class:`Expression`), refusing anything
outside the language with an :class:`ExpressionError` at the character where it is."""
from __future__ import annotations

import ast
import math
import re
import warnings
from dataclasses import dataclass
from typing import cast

MAX_LENGTH = 500
MAX_DEPTH = 32
MAX_NUMBER = 1e15
MAX_STRING = 200
MAX_LIST = 1000
FUNCTIONS = {"min": (2, 16), "max": (2, 16), "abs": (1, 1), "round": (1, 2)}
OBJECTS = ("context", "previous")
PREVIOUS_FIELDS = ("grade", "grade_uncalibrated", "score", "bonus", "scorecard")
AFTER_SCORING = ("score", "grade", "grade_uncalibrated", "bonus")  # outcomes read them; rules and targets cannot
# the type of each field of ``previous.<field>``
PREVIOUS_TYPES = {"grade": "string", "grade_uncalibrated": "string", "score": "number", "bonus": "number",
                  "scorecard": "string"}

_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
            ast.In: "in", ast.NotIn: "not in"}
_REFUSED_OPS = {ast.Pow: "'**' (power) is not allowed; multiply instead",
                ast.FloorDiv: "'//' is not allowed; use '/' and round()",
                ast.Mod: "'%' is not allowed", ast.MatMult: "'@' is not allowed",
                ast.BitAnd: "'&' is not allowed; use 'and'", ast.BitOr: "'|' is not allowed; use 'or'",
                ast.BitXor: "'^' is not allowed", ast.LShift: "'<<' is not allowed", ast.RShift: "'>>' is not allowed"}


class ExpressionError(ValueError):
    """A problem in an expression; ``offset`` is the 0-based character where it is.  ``hint`` says what to do
    when the parser knows; ``percent`` is the text of a percentage written where a number is meant (``5%``),
    for the validator to say which number fits the place."""

    def __init__(self, message: str, offset: int = 0, *, hint: str = "", percent: str = ""):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint
        self.percent = percent


@dataclass(frozen=True, eq=False)
class Expression:
    """A parsed, whitelisted expression.  ``names`` are the bare names it reads;
    ``fields`` the ``object.attribute`` pairs (``("context", "price_war")``)."""

    text: str
    tree: ast.Expression
    names: frozenset[str]
    fields: frozenset[tuple[str, str]]

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Expression) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)



def char_offset(text: str, node: ast.AST) -> int:
    """The 0-based character of ``text`` where ``node`` starts (the AST counts UTF-8 bytes)."""
    line = getattr(node, "lineno", 1)
    byte_col = getattr(node, "col_offset", 0) or 0
    lines = text.split("\n")
    before = sum(len(x) + 1 for x in lines[: line - 1])
    current = lines[line - 1] if line - 1 < len(lines) else ""
    return before + len(current.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))


def _after(text: str, node: ast.AST) -> int:
    """Offset of the first non-blank character after ``node``."""
    end = char_offset(text, node) + len(ast.get_source_segment(text, node) or "")
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
        _percent_or_fullwidth(text)
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


# a number with a percent sign where a number ends: not followed by another operand (``10 % 3`` is a remainder)
_PERCENT = re.compile(r"(?<![\w.])((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*[%％])(?!\s*(?:[0-9(.]|(?!(?:and|or|if|else|in|"
                      r"not)\b)[^\W0-9]))")


def _literals_blanked(text: str) -> str:
    """``text`` with the inside of every quoted literal replaced by spaces (offsets kept)."""
    out, quote = [], ""
    for ch in text:
        if quote:
            out.append(quote if ch == quote else " ")
            if ch == quote:
                quote = ""
        else:
            out.append(ch)
            if ch in "'\"":
                quote = ch
    return "".join(out)


def percent_at(text: str) -> re.Match | None:
    """The first percentage written as a number (``5%``) outside quoted text, if any."""
    return _PERCENT.search(_literals_blanked(text))


def _percent_or_fullwidth(text: str) -> None:
    """Raise the error of an expression that fails to parse because of a percent sign (``complaint_rate > 5%``)
    or a full-width character typed with a Chinese keyboard (``score ＞ 90``, ``grade in [“A”]``)."""
    from appraise.i18n import message_locale, say
    from appraise.language import punctuation

    locale = message_locale()
    m = percent_at(text)
    if m is not None:
        shown = m.group(1).replace(" ", "")
        fraction = _fraction(shown)
        fixed = text[:m.start(1)] + fraction + text[m.end(1):]
        raise ExpressionError(say("expr.percent", locale, text=shown), m.start(1), percent=m.group(1),
                              hint=say("fix.example", locale, fixed=fixed.strip(),
                                       advice=say("percent.share", locale, fraction=fraction, text=shown)))
    at = punctuation.first(_literals_blanked(text))
    if at >= 0:
        ch = text[at]
        fixed = text[:at] + punctuation.ascii_text(text[at:])
        raise ExpressionError(say("expr.fullwidth", locale, char=ch, name=punctuation.name(ch, locale),
                                  ascii=punctuation.ascii_of(ch)), at,
                              hint=say("fix.write", locale, fixed=fixed.strip()))


def _fraction(percent: str) -> str:
    """``5%`` → ``0.05``, ``120%`` → ``1.2`` (exactly, never in exponent form)."""
    from appraise.language.punctuation import percentage

    found = percentage(percent)
    if found is None:
        raise ValueError(f"not a percentage: {percent!r}")
    return found[2]


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
    at = char_offset(text, node)
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels", at)
    nxt = depth + 1
    if isinstance(node, ast.BoolOp):
        for operand in node.values:
            _check(operand, text, names, fields, nxt)
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
            example = "price_war" if node.id == "context" else "grade"
            raise ExpressionError(f"'{node.id}' needs a field, like {node.id}.{example}", at)
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
            if not isinstance(e, ast.Constant) and not signed_number(e):
                raise ExpressionError("list items must be plain numbers or text", char_offset(text, e))
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
                                      char_offset(text, d))
        for a in node.args:
            _check(a, text, names, fields, nxt)
    else:
        kind = {ast.Subscript: "indexing with [...]", ast.Lambda: "lambda", ast.IfExp: "'x if c else y'",
                ast.Dict: "dictionaries", ast.Set: "sets", ast.ListComp: "comprehensions",
                ast.GeneratorExp: "comprehensions", ast.JoinedStr: "f-strings", ast.NamedExpr: "':='",
                ast.Starred: "'*'"}.get(type(node), type(node).__name__)
        raise ExpressionError(f"{kind} is not allowed in appraise expressions", at)


def object_name(node: ast.Attribute) -> str:
    """The object an attribute is read from: ``context`` or ``previous`` (parsing allows no other)."""
    return cast(ast.Name, node.value).id


def signed_number(node) -> bool:
    """``-3`` or ``+2.5`` in a list: a sign on a number literal (not on text, not ``not``)."""
    return (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float))
            and not isinstance(node.operand.value, bool))


def literal_value(node):
    """The value of a list item: a literal, or a number literal with a sign."""
    if isinstance(node, ast.Constant):
        return node.value
    if signed_number(node):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    raise ExpressionError("list items must be plain numbers or text", 0)

