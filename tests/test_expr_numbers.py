"""The one row interpreter with its two kinds of numbers (``interpret.FLOATS``, ``interpret.FRACTIONS``) and the
polars compiler agree where floats are exact, and each kind does what the README says where they are not."""
from __future__ import annotations

import ast
import os
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.language.expr import evaluate, parse, to_polars
from appraise.language.expr.interpret import FLOATS, FRACTIONS

NAMES = ("a", "b", "c")


def _number(draw_int: int) -> str:
    return str(draw_int) if draw_int >= 0 else f"({draw_int})"


numbers = st.one_of(st.sampled_from(NAMES), st.integers(-9, 9).map(_number))


def _extend(inner):
    pair = st.tuples(inner, inner)
    return st.one_of(
        pair.map(lambda p: f"({p[0]} + {p[1]})"), pair.map(lambda p: f"({p[0]} - {p[1]})"),
        pair.map(lambda p: f"({p[0]} * {p[1]})"), pair.map(lambda p: f"min({p[0]}, {p[1]})"),
        pair.map(lambda p: f"max({p[0]}, {p[1]})"), inner.map(lambda x: f"abs({x})"), inner.map(lambda x: f"-{x}"),
        st.tuples(inner, st.integers(0, 3)).map(lambda p: f"round({p[0]}, {p[1]})"),
        inner.map(lambda x: f"({x} / (a - a))"))  # always x / 0: missing


arithmetic = st.recursive(numbers, _extend, max_leaves=6)
conditions = st.one_of(
    st.tuples(arithmetic, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), arithmetic)
    .map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
    arithmetic.map(lambda x: f"{x} in [0, 1, -2]"),
    st.tuples(arithmetic, arithmetic).map(lambda p: f"{p[0]} > 0 and not {p[1]} < 0"),
    st.tuples(arithmetic, arithmetic).map(lambda p: f"{p[0]} == 1 or {p[1]} != 2"))
ROWS = [{"a": a, "b": b, "c": c} for a, b, c in
        [(0, 0, 0), (1, -2, 3), (-7, 5, None), (None, 4, -1), (9, 9, 2), (-3, 0, -8), (2, None, None)]]


def _three_ways(text: str) -> tuple[list, list, list]:
    e = parse(text)
    floats = [evaluate(e, {k: None if v is None else float(v) for k, v in r.items()}) for r in ROWS]
    exact = [evaluate(e, {k: None if v is None else Fraction(v) for k, v in r.items()}, numbers=FRACTIONS)
             for r in ROWS]
    frame = pl.DataFrame(ROWS, schema={n: pl.Float64 for n in NAMES})
    compiled = frame.with_columns(to_polars(e, pl.col, {}, {n: "number" for n in NAMES}).alias("r"))["r"].to_list()
    return floats, exact, compiled


@settings(max_examples=int(os.environ.get("APPRAISE_FUZZ_EXAMPLES") or 30), deadline=None)
@given(st.one_of(arithmetic, conditions))
def test_fractions_floats_and_polars_agree_where_floats_are_exact(text):
    # whole numbers below 10 in at most 6 leaves stay whole numbers or short decimals (round's) far below 2^53:
    # float arithmetic is exact there, so all three must give the same values, missing included
    floats, exact, compiled = _three_ways(text)
    assert [None if v is None else (v if isinstance(v, bool) else float(v)) for v in exact] == floats, text
    assert compiled == floats, text


@pytest.mark.parametrize("text, row, want", [
    ("a + b", {"a": "0.1", "b": "0.2"}, Fraction(3, 10)),            # floats: 0.30000000000000004
    ("a + b == 0.3", {"a": "0.1", "b": "0.2"}, True),
    ("round(a, 2)", {"a": "2.675"}, Fraction(268, 100)),              # half-up on the decimal written
    ("round(a, 2)", {"a": "-2.675"}, Fraction(-268, 100)),            # away from zero
    ("round(a)", {"a": "0.5"}, Fraction(1)),                          # not half to even
    ("a * 0.1", {"a": "3"}, Fraction(3, 10)),                         # a literal is the decimal written
    ("a / 3 * 3 == a", {"a": "7"}, True),
    ("a / (b - b)", {"a": "1", "b": "2"}, None),                      # x / 0 is missing
    ("a == 1 + 0.0000000000001", {"a": "1"}, True),                   # within a relative 10^-12 ...
    ("a == 1 + 0.00000000001", {"a": "1"}, False),                    # ... and not beyond it
    ("a in [1, 2.5]", {"a": "2.5000000000000001"}, True),
    ("min(a, b) + max(a, b) - abs(b)", {"a": "-1.25", "b": "-3"}, Fraction(-29, 4)),  # -3 - 1.25 - 3
])
def test_fractions_compute_exactly_as_the_readme_says(text, row, want):
    env = {k: Fraction(v) for k, v in row.items()}
    assert evaluate(parse(text), env, numbers=FRACTIONS) == want


def test_floats_keep_what_the_compiler_computes():
    # FLOATS is the default, and the one the polars compilation folds its constants with
    e = parse("round(a, 2) + 0.1")
    assert evaluate(e, {"a": 2.675}) == evaluate(e, {"a": 2.675}, numbers=FLOATS) == 2.68 + 0.1
    assert FLOATS.constant(3) == 3.0 and isinstance(FLOATS.constant(3), float)
    assert FRACTIONS.compare(ast.Lt, Fraction(1), 2) and not FLOATS.compare(ast.Lt, 2.0, 1.0)


@pytest.mark.parametrize("value, digits, want", [
    (1e13, 4, 1e13),                          # polars' round(6) of 10^17 gave 99,999,999,999,999,984: 9999999999999.998
    (52164340000000.0, 4, 52164340000000.0),  # was 52164339999999.99
    (123456789012.3456, 2, 123456789012.35), (2.675, 2, 2.68), (-2.675, 2, -2.68),
    (108.26499999999, 2, 108.27),             # 6 decimals of 10,826.499999999 first: noise, as 1.0049999999999999 is
    (-0.3, 0, 0.0), (float("inf"), 4, float("inf")), (1e300, 4, 1e300)])
def test_polars_half_up_keeps_large_values_and_rounds_small_ones_as_the_interpreter(value, digits, want):
    from appraise.language.expr import polars_round_half_up, round_half_up

    got = pl.DataFrame({"v": [value]}).select(polars_round_half_up(pl.col("v"), digits))["v"][0]
    assert got == want == round_half_up(value, digits) and str(got) == str(want)


def test_the_interpreters_round_is_the_compilers_bit_for_bit():
    # FLOATS' round (interpret.round_half_up) is polars_round_half_up's operations in Python: compared on random
    # floats of every kind (decimals, ties as written, quotients, sums, any bit pattern), signs of zero included
    import math
    import random
    import struct

    from appraise.export.document import half_up
    from appraise.language.expr import polars_round_half_up, round_half_up

    rnd = random.Random(17)
    values = [float(f"{rnd.randint(-10 ** 9, 10 ** 9)}e-{rnd.randint(0, 8)}") for _ in range(500)] \
        + [float(f"{rnd.randint(0, 10 ** 8)}5e-{rnd.randint(1, 8)}") for _ in range(500)] \
        + [rnd.uniform(-1e6, 1e6) / rnd.choice([3, 7, 11]) for _ in range(500)] \
        + [struct.unpack("d", struct.pack("Q", rnd.getrandbits(64)))[0] for _ in range(500)] \
        + [0.0, -0.0, -0.4, 1e300, -math.inf, 2.0 ** 52 + 1]
    frame = pl.DataFrame({"v": values})
    for digits in (0, 2, 4, 10):
        compiled = frame.select(polars_round_half_up(pl.col("v"), digits))["v"].to_list()
        fast = half_up(frame, [("v", "r")], digits)["r"].to_list()  # the export's columns of rounded values
        for v, c, f in zip(values, compiled, fast):
            i = round_half_up(v, digits)
            assert struct.pack("d", i) == struct.pack("d", c) or math.isnan(i) and math.isnan(c), (v, digits)
            assert struct.pack("d", f) == struct.pack("d", c) or math.isnan(f) and math.isnan(c), (v, digits)


@settings(max_examples=int(os.environ.get("APPRAISE_FUZZ_EXAMPLES") or 60), deadline=None)
@given(st.one_of(arithmetic, conditions), st.integers(-9, 9), st.sampled_from([Fraction(1, 10 ** 9), Fraction(1, 3),
                                                                              Fraction(2)]),
       st.lists(st.fractions(0, 1), min_size=1, max_size=4))
def test_a_range_holds_every_value_its_inputs_give(text, a, width, inside):
    # INTERVALS with a known only to lie in [a, a + width]: the answer (a range, a true/false, missing) holds for
    # every a in it, worked out one by one with FRACTIONS at the ends and at points inside; or the interpreter says
    # there is no one answer (Indeterminate), which is never wrong, only cautious
    from appraise.language.expr.interpret import INTERVALS, Indeterminate, Interval

    e = parse(text)
    env = {"a": Interval(Fraction(a), a + width), "b": Fraction(-2), "c": Fraction(3)}
    try:
        got = evaluate(e, env, numbers=INTERVALS)
    except Indeterminate:
        return
    for t in [Fraction(0), Fraction(1), *inside]:
        want = evaluate(e, {**env, "a": a + t * width}, numbers=FRACTIONS)
        if isinstance(got, Interval):
            assert want is not None and not isinstance(want, bool) and got.lo <= want <= got.hi, (text, t)
        elif isinstance(got, Fraction):
            assert want == got, (text, t)
        else:  # true, false or missing: the same for every value
            assert want is got, (text, t)


def test_a_range_has_no_one_answer_where_its_values_disagree():
    from appraise.language.expr.interpret import INTERVALS, Indeterminate, Interval

    a = {"a": Interval(Fraction(1), Fraction(3))}
    with pytest.raises(Indeterminate):
        evaluate(parse("a > 2"), a, numbers=INTERVALS)  # 1 > 2 is false, 3 > 2 true
    with pytest.raises(Indeterminate):
        evaluate(parse("10 / (a - 2)"), a, numbers=INTERVALS)  # a - 2 from -1 to 1 holds 0
    assert evaluate(parse("a > 0"), a, numbers=INTERVALS) is True
    r = evaluate(parse("round(a * a - 1, 0)"), a, numbers=INTERVALS)  # a*a from 1 to 9: 0 to 8
    assert (r.lo, r.hi) == (0, 8)
    assert evaluate(parse("a / 0"), a, numbers=INTERVALS) is None  # x / 0 is missing, as everywhere


@settings(max_examples=int(os.environ.get("APPRAISE_FUZZ_EXAMPLES") or 60), deadline=None)
@given(arithmetic, st.lists(st.tuples(*[st.tuples(st.integers(-10 ** 17, 10 ** 17), st.integers(-14, 3))] * 3),
                            min_size=1, max_size=8))
def test_a_formulas_polars_range_holds_its_exact_value_for_the_decimals_written(text, rows):
    # each input written as a decimal of up to 18 digits (m × 10^e), read into its float; the formula's exact value
    # over the decimals as written (FRACTIONS) lies in the range appraise.language.expr.ranges gives from the floats
    # (or both are missing; a NaN end is no claim)
    from decimal import Decimal

    from appraise.language.expr.ranges import add_range, around

    e = parse(text)
    written = [{n: Decimal(m).scaleb(x) for n, (m, x) in zip(NAMES, row, strict=True)} for row in rows]
    frame = pl.DataFrame({n: [float(w[n]) for w in written] for n in NAMES}, schema={n: pl.Float64 for n in NAMES})
    made = add_range(frame, e, lambda n: around(pl.col(n)), {}, "_r.")
    if made is None:
        assert "round" in text  # the one operation of `arithmetic` not bounded there
        return
    frame, r = made
    got = frame.with_columns(r[0].alias("lo"), r[1].alias("hi"))
    for w, lo, hi in zip(written, got["lo"], got["hi"], strict=True):
        want = evaluate(e, {n: Fraction(v) for n, v in w.items()}, numbers=FRACTIONS)
        if want is None:
            continue  # x / 0: the float formula is missing too; the range says nothing
        if lo is None or hi is None or lo != lo or hi != hi:
            continue  # no claim (a division by a range holding 0)
        assert Fraction(lo) <= want <= Fraction(hi), (text, w)


def test_a_long_formulas_range_is_made_column_by_column():
    # each end of a product reads both ends of its operands: inlined, a chain of 30 products (the parser allows 32
    # levels) would be some 4^30 expressions (it never finished); add_range keeps one pair of columns per
    # operation. a = 1.5: the range holds 1.5^30 = 3^30 / 2^30 exactly, and is narrow (30 widenings of 2^-50)
    from appraise.language.expr.ranges import add_range, around

    frame = pl.DataFrame({"a": [1.5]})
    frame, (lo, hi) = add_range(frame, parse(" * ".join(["a"] * 30)), lambda n: around(pl.col(n)), {}, "_r.")
    low, high = frame.select(lo, hi).row(0)
    assert Fraction(low) <= Fraction(3, 2) ** 30 <= Fraction(high)
    assert high - low < 1e-12 * low


def test_a_long_product_compiles_to_an_expression_that_grows_with_its_length():
    # each product's underflow check read its operands five times over: 8 factors made an expression of 14 million
    # characters and 40 s, 23 never finished (a ruleset validate accepts). 1.5^29 / 2 = 3^29 / 2^30, exactly a float
    e = parse(" * ".join(["a"] * 29) + " / b")
    compiled = to_polars(e, pl.col, {}, {"a": "number", "b": "number"})
    assert len(str(compiled)) < 100_000
    got = pl.DataFrame({"a": [1.5, None], "b": [2.0, 1.0]}).select(compiled).to_series().to_list()
    assert got == [3 ** 29 / 2 ** 30, None]
    assert evaluate(e, {"a": 1.5, "b": 2.0}) == got[0]
