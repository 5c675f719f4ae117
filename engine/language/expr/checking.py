"""Name and type checks: what an expression may read where it stands (:class:`Scope`), and whether its
parts fit together (numbers with numbers, conditions true or false); every problem is returned."""
from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from appraise.language.expr.parsing import (
    AFTER_SCORING,
    PREVIOUS_FIELDS,
    PREVIOUS_TYPES,
    Expression,
    ExpressionError,
    char_offset,
    literal_value,
    object_name,
)

_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


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
            return char_offset(expr.text, node)
        if attr and isinstance(node, ast.Attribute) and f"{object_name(node)}.{node.attr}" == name:
            return char_offset(expr.text, node)
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
            article = "a " if kind == "bool" else ""
            problems.append(ExpressionError(f"{scope.where} must be a number, but this is {article}{shown}", 0))
    except ExpressionError as exc:
        problems.append(exc)
    return problems


def context_problems(expr: Expression, context: Mapping[str, Any], condition: bool = False) -> list[ExpressionError]:
    """Type problems that only the cycle's context values reveal (``context.label + 1`` when label is
    text, ``x in context.flag``, ``when: context.price_war`` with ``price_war: "yes"``).  Names were
    checked when the ruleset was validated.  A ``condition`` must come out true or false."""
    for node in ast.walk(expr.tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "context" \
                and node.attr in context and context[node.attr] is None:
            return [ExpressionError(f"context.{node.attr} is set to nothing in the cycle file, so every condition "
                                    f"reading it would be missing; write [] for an empty list, or its value",
                                    char_offset(expr.text, node))]
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


def _type(node, scope: Scope, text: str) -> str:
    at = char_offset(text, node)
    if isinstance(node, ast.BoolOp):
        word = "and" if isinstance(node.op, ast.And) else "or"
        for operand in node.values:
            if _type(operand, scope, text) not in ("bool", "any"):
                raise ExpressionError(f"'{word}' joins true/false values; compare first, e.g. 'x > 0'",
                                      char_offset(text, operand))
        return "bool"
    if isinstance(node, ast.UnaryOp):
        inner = _type(node.operand, scope, text)
        if isinstance(node.op, ast.Not):
            if inner not in ("bool", "any"):
                raise ExpressionError("'not' takes a true/false value; compare first, e.g. 'not x > 0'", at)
            return "bool"
        if inner in ("string", "list", "bool"):
            what = "text" if inner == "string" else inner + "s" if inner == "list" else "a true/false value"
            raise ExpressionError(f"cannot negate {what}", at)
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
                        isinstance(comp, ast.Attribute) and object_name(comp) == "context")):
                    raise ExpressionError("'in' needs a list on its right, like ['C', 'D'] or "
                                          "context.restricted_regions", char_offset(text, comp))
                if left in ("bool", "list"):
                    raise ExpressionError("'in' looks for a number or a text in a list", at)
                items = _list_items_type(comp, scope)
                if items == "mixed":
                    raise ExpressionError("a list for 'in' holds numbers or texts, not both",
                                          char_offset(text, comp))
                if {left, items} == {"number", "string"}:
                    raise ExpressionError(f"looks for {'a number' if left == 'number' else 'a text'} in a list of "
                                          f"{'texts' if items == 'string' else 'numbers'}; they never match",
                                          char_offset(text, comp))
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
        if object_name(node) == "previous":
            return PREVIOUS_TYPES.get(node.attr, "any")
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
                raise ExpressionError(f"{cast(ast.Name, node.func).id}() takes numbers", at)
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
        values = [literal_value(e) for e in node.elts]
    elif (isinstance(node, ast.Attribute) and object_name(node) == "context" and scope.context_values is not None
          and isinstance(scope.context_values.get(node.attr), (list, tuple))):
        values = list(scope.context_values[node.attr])
    else:
        return "any"
    kinds = {_value_type(v) for v in values if v is not None}
    if kinds - {"number", "string"} or len(kinds) > 1:
        return "mixed"
    return kinds.pop() if kinds else "any"
