"""Fuzz targets: each takes one generated input and asserts the invariants of issue #9.

- Nothing raises except the documented clean errors (:class:`ExpressionError`
  with an offset inside the text; :class:`InvalidInput` whose diagnostics have
  a line and column ≥ 0 and a message).
- No single input takes more than :data:`TIME_LIMIT` seconds of CPU (a blow-up guard).
- An expression that passes :func:`check` runs in both evaluators, and the
  scalar interpreter (:func:`evaluate`) and the polars compilation
  (:func:`to_polars`) agree on every row — nulls, division by zero and all.

:data:`COUNTS` tallies the inputs each target has seen (``make fuzz`` reports them).
"""
from __future__ import annotations

import ast
import math
import time
from collections import Counter
from contextlib import contextmanager

import polars as pl

from appraise.errors import Diagnostic, InvalidInput
from appraise.language.expr import Expression, ExpressionError, Scope, check, evaluate, parse, to_polars
from appraise.language.load import loads

from .strategies import CONTEXT
from .strategies import SCOPE as _NAMES

SCOPE = Scope(_NAMES.where, _NAMES.names, context=True, previous=True, context_values=CONTEXT)

# A guard against blow-ups (exponential parsing, validation combinatorics), not a speed target: CPU time of
# this process, so a loaded CI machine does not turn a normal input into a failure (it did at 1 s wall).
TIME_LIMIT = 5.0
COUNTS: Counter = Counter()


@contextmanager
def bounded(what: str, shown):
    """Fail when the body takes more than TIME_LIMIT seconds of CPU."""
    start = time.process_time()
    yield
    took = time.process_time() - start
    assert took <= TIME_LIMIT, f"{what} took {took:.2f} s (limit {TIME_LIMIT} s) on {shown!r:.300}"


def _clean_expression_error(exc: ExpressionError, text: str) -> None:
    assert isinstance(exc.message, str) and exc.message.strip(), f"empty message for {text!r}"
    assert isinstance(exc.offset, int) and 0 <= exc.offset <= len(text), \
        f"offset {exc.offset} outside {text!r} ({len(text)} characters): {exc.message}"


def _clean_diagnostic(d: Diagnostic) -> None:
    assert isinstance(d, Diagnostic)
    assert isinstance(d.line, int) and d.line >= 0 and isinstance(d.col, int) and d.col >= 0, d
    assert (d.line == 0) == (d.col == 0) or d.line >= 1, d
    assert isinstance(d.message, str) and d.message.strip(), d
    str(d)  # printable
    d.to_dict()


# ------------------------------------------------------------------ expressions

def column(name: str) -> pl.Expr:
    return pl.col(name)


def expression(text: str, frame: pl.DataFrame | None = None) -> str:
    """Parse, check and (when it passes) run ``text`` both ways; returns what happened."""
    COUNTS["expressions"] += 1
    with bounded("parse + check", text):
        try:
            parsed = parse(text)
        except ExpressionError as exc:
            _clean_expression_error(exc, text.replace("\r", " ").replace("\n", " ") if isinstance(text, str) else text)
            return "refused"
        as_number = check(parsed, SCOPE)
        as_condition = check(parsed, SCOPE, want_bool=True)
        for p in as_number + as_condition:
            assert isinstance(p, ExpressionError)
            _clean_expression_error(p, parsed.text)
    if as_number and as_condition:
        return "refused by check"
    if frame is not None:
        with bounded("evaluate both ways", text):
            differential(parsed, frame)
        return "compared"
    return "accepted"


def _scalar_env(row: dict) -> tuple[dict, dict]:
    env = {k: row[k] for k in ("x", "y", "z", "s")}
    previous = {k.split(".", 1)[1]: v for k, v in row.items() if k.startswith("previous.") and v is not None}
    return env, previous


def _finite_everywhere(parsed: Expression, env, previous) -> bool:
    """Whether every number-valued part of ``parsed`` is finite (or missing) on this row.

    Numbers past ±1.8e308 become infinity and then NaN; polars orders NaN above
    every number while Python compares it false, so rows that overflow are
    outside the agreement (the providers refuse NaN and infinity in data; only
    arithmetic on values near 1e308 gets there).
    """
    for node in ast.walk(parsed.tree):
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)):
            sub = Expression(parsed.text, ast.Expression(body=node), parsed.names, parsed.fields)
            v = evaluate(sub, env, CONTEXT, previous)
            if isinstance(v, float) and not math.isfinite(v):
                return False
    return True


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def differential(parsed: Expression, frame: pl.DataFrame) -> None:
    """evaluate() row by row and to_polars() over the frame give the same values."""
    COUNTS["differential rows"] += frame.height
    compiled = to_polars(parsed, column, CONTEXT, SCOPE.names)
    got = frame.with_columns(compiled.alias("__result"))["__result"].to_list()
    for row, value in zip(frame.iter_rows(named=True), got):
        env, previous = _scalar_env(row)
        expected = evaluate(parsed, env, CONTEXT, previous)
        if not _finite_everywhere(parsed, env, previous):
            COUNTS["differential rows skipped (overflow)"] += 1
            continue
        assert _same(expected, value), \
            f"{parsed.text!r} on {row}: evaluate() gives {expected!r}, to_polars() gives {value!r}"


# ------------------------------------------------------------------ YAML

def yaml_document(raw: bytes) -> str:
    """Load hostile YAML bytes: a Document or InvalidInput with clean diagnostics, quickly."""
    COUNTS["yaml documents"] += 1
    with bounded("loads", raw[:200]):
        try:
            doc = loads(raw, "fuzz.yaml")
        except InvalidInput as exc:
            assert exc.diagnostics, "InvalidInput without diagnostics"
            for d in exc.diagnostics:
                _clean_diagnostic(d)
                assert d.file == "fuzz.yaml"
            return "refused"
    _plain(doc.data)
    return "loaded"


def yaml_text(text: str) -> str:
    """``loads`` also takes ``str`` (API callers): the same invariants, surrogates included."""
    COUNTS["yaml documents"] += 1
    with bounded("loads", text[:200]):
        try:
            doc = loads(text, "fuzz.yaml")
        except InvalidInput as exc:
            for d in exc.diagnostics:
                _clean_diagnostic(d)
            return "refused"
    _plain(doc.data)
    return "loaded"


def _plain(value, depth: int = 0) -> None:
    """Loaded data is plain: dict (str keys), list, str, int, float, bool, None — no Python objects."""
    assert depth < 200
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), k
            _plain(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _plain(v, depth + 1)
    else:
        assert value is None or isinstance(value, (str, int, float, bool)), type(value)


# ------------------------------------------------------------------ rulesets

def ruleset(data) -> str:
    """A mutated ruleset: validation returns diagnostics or nothing; a valid one compiles."""
    import yaml

    from appraise.language.compile import compile_ruleset
    from appraise.language.validate import validate_ruleset

    COUNTS["rulesets"] += 1
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    with bounded("load + validate + compile", text[:300]):
        try:
            doc = loads(text, "fuzz-ruleset.yaml")
        except InvalidInput as exc:
            for d in exc.diagnostics:
                _clean_diagnostic(d)
            return "refused by the loader"
        diags = validate_ruleset(doc)
        for d in diags:
            _clean_diagnostic(d)
        if any(d.severity == "error" for d in diags):
            return "refused by the validator"
        compile_ruleset(doc.data)
    return "valid"
