"""Hand-worked cases of the expression language, each checked in both evaluators: the row interpreter
(``expr.evaluate``, used by explanations) and the polars compiler (``expr.to_polars``, used by the
engine).  They pin down what mutation testing (``make mutation``) found no test asserting: tolerant
comparisons wherever a number takes part, infinities, ``round`` without digits, numbers looked up in
number lists, and the sign of zero."""
from __future__ import annotations

import math

import polars as pl
import pytest

from appraise.language.expr import evaluate, parse, to_polars


def column(name: str) -> pl.Expr:
    return pl.col(name.replace("previous.", "prev_"))


def both(text: str, rows: list[dict], context: dict | None = None, types: dict | None = None) -> tuple[list, list]:
    """(interpreter, polars) values of ``text`` for each row (``previous.x`` is the column ``prev_x``)."""
    e = parse(text)
    context = context or {}
    interpreted = [evaluate(e, {k: v for k, v in r.items() if not k.startswith("prev_")}, context,
                            {k[5:]: v for k, v in r.items() if k.startswith("prev_")}) for r in rows]
    frame = pl.DataFrame(rows, schema={k: pl.Float64 for k in rows[0]})
    compiled = frame.select(to_polars(e, column, context, types).alias("r"))["r"].to_list()
    return interpreted, compiled


@pytest.mark.parametrize("text, want", [
    ("x == 5", False), ("x != 5", True), ("x > 5", True), ("x >= 5", True), ("x < 5", False), ("x <= 5", False)])
def test_an_infinite_value_is_never_within_tolerance_of_a_finite_one(text, want):
    # the tolerance is 1e-12 × max(|a|, |b|): infinite for an infinite value, so it is not used there
    interpreted, compiled = both(text, [{"x": math.inf}], types={"x": "number"})
    assert interpreted == [want] and compiled == [want]


@pytest.mark.parametrize("text, row", [
    ("a * 1.1 == b", {"a": 100_000.0, "b": 110_000.0}),    # 110,000.00000000001 in binary
    ("min(a, b) * 3 == c", {"a": 0.1, "b": 5.0, "c": 0.3}),  # 0.30000000000000004
    ("a == 0.3", {"a": 0.1 + 0.2}),
    ("-a == -0.3", {"a": 0.1 + 0.2}),
])
def test_a_number_literal_or_arithmetic_on_either_side_compares_within_tolerance_without_declared_types(text, row):
    """Even when no name's type is known (``types`` not given), a literal number, arithmetic or a
    function call on either side makes the comparison a numeric one: equal within 1e-12."""
    interpreted, compiled = both(text, [row])
    assert interpreted == [True] and compiled == [True]


def test_previous_score_against_a_context_number_compares_within_tolerance():
    # 90.00000000000001 (binary noise of a stored score) is 90
    rows = [{"prev_score": 90.00000000000001}, {"prev_score": 89.99}]
    interpreted, compiled = both("previous.score == context.bar", rows, context={"bar": 90})
    assert interpreted == [True, False] and compiled == [True, False]
    interpreted, compiled = both("previous.score >= context.bar", rows, context={"bar": 90.00000000000003})
    assert interpreted == [True, False] and compiled == [True, False]


def test_a_number_is_found_in_a_list_of_numbers():
    interpreted, compiled = both("x in [1, 2]", [{"x": 2.0}, {"x": 3.0}, {"x": None}], types={"x": "number"})
    assert interpreted == [True, False, None] and compiled == [True, False, None]


@pytest.mark.parametrize("x, want", [(2.5, 3.0), (2.45, 2.0), (-2.5, -3.0), (0.5, 1.0), (7.0, 7.0)])
def test_round_without_digits_rounds_half_up_to_a_whole_number(x, want):
    interpreted, compiled = both("round(x)", [{"x": x}])
    assert interpreted == [want] and compiled == [want]


@pytest.mark.parametrize("x, want", [(1.005, 1.01), (108.265, 108.27), (2.675, 2.68), (-1.005, -1.01)])
def test_round_to_two_digits_rounds_the_number_as_written(x, want):
    # 1.005 is 1.00499999999999989... in binary; half-up on the written number gives 1.01
    interpreted, compiled = both("round(x, 2)", [{"x": x}])
    assert interpreted == [want] and compiled == [want]


def test_round_never_gives_a_negative_zero_in_polars():
    """A rounded value written to results.json reads 0.0, not -0.0 (-0.4 rounds to zero)."""
    _, compiled = both("round(x)", [{"x": -0.4}, {"x": -0.004}])
    assert compiled == [0.0, 0.0] and all(math.copysign(1.0, v) == 1.0 for v in compiled)
    _, compiled = both("round(x, 2)", [{"x": -0.004}])
    assert math.copysign(1.0, compiled[0]) == 1.0


def test_dividing_by_a_negative_constant_keeps_the_sign_of_zero_as_python_does():
    interpreted, compiled = both("x / -7", [{"x": 0.0}])
    assert math.copysign(1.0, interpreted[0]) == -1.0
    assert math.copysign(1.0, compiled[0]) == math.copysign(1.0, interpreted[0])


def test_a_number_compared_with_true_is_refused_by_the_type_check():
    """'x == true' passed the type check, and polars compared 1.0000000000001 with true (1.0) within the
    tolerance while the interpreter compared exactly: the two evaluators disagreed.  It is a type error now."""
    from appraise.language.expr import Scope, check

    scope = Scope("the condition of rule 'r'", {"x": "number"})
    for text in ("x == true", "false != x", "x < true"):
        problems = check(parse(text), scope, want_bool=True)
        assert [p.message for p in problems] == ["compares a true/false value with a number; compare the number "
                                                 "with a number, or use the true/false value alone as the "
                                                 "condition"], text
