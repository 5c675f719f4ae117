"""Issue 17, the export's second round: what a run now makes once and shares, compared with what each part made
for itself (the plain twin), and the fast paths beside their plain twins."""
from __future__ import annotations

import polars as pl
import pytest

from appraise.export.columns import lost_ranking, lost_rankings, rounded_frame, summary
from appraise.export.document import _R4
from appraise.export.json_columns import _ints, employee_text_pairs
from engine_inputs import run_example, two_scorecards_data


@pytest.fixture(scope="module")
def two_cards():
    """The worked example's Q3 with a second scorecard (region north, its first two dimensions' weights swapped):
    rankings of two cards, the rows of each scattered through the frame."""
    ev, _ = run_example("Q3", ruleset_data=two_scorecards_data())
    assert ev.frame["scorecard"].n_unique() == 2
    return ev


def test_lost_points_ranked_once_equal_ranked_per_part(two_cards):
    """lost_rankings (the whole frame's, made once by a run) gives the same summary and the same results.json
    and store entries as each part ranking its own rows: per chunk of 3 rows and all at once, and for the summary."""
    ev = two_cards
    rounded = rounded_frame(ev)
    rankings = lost_rankings(ev, rounded)
    # independently: each card's rows ranked alone equal the whole ranking's rows of that card
    whole = rounded.with_row_index("_row")
    for card in ev.ruleset.scorecards:
        mine = whole.filter(pl.col("scorecard") == card.key)
        assert rankings[card.key].height > 0
        for row in mine["_row"].to_list()[:3]:
            alone = lost_ranking(mine.filter(pl.col("_row") == row), card, _R4)
            assert alone.equals(rankings[card.key].filter(pl.col("_row") == row))
    assert summary(ev, rounded, rankings).equals(summary(ev, rounded))
    for n in (3, 100):
        shared = list(employee_text_pairs(ev, n, rounded=rounded, rankings=rankings))
        plain = list(employee_text_pairs(ev, n, rounded=rounded))
        for a, b in zip(shared, plain, strict=True):
            assert a[0].to_list() == b[0].to_list() and a[1].to_list() == b[1].to_list()


def test_whole_numbers_text_of_a_float_column_equals_python_int():
    """_ints of a Float64 column cast by polars equals ``str(int(v))`` (its plain twin and Python itself): signs,
    -0.0, fractions either side of zero, 2^53 and beyond, up to 2^62; NaN and infinities go Python's way (it
    raises, as int() does)."""
    values = [0.0, -0.0, 0.5, -0.5, 1.9999999, -1.9999999, 7.0, -7.0, 36.4, 2.0 ** 53 + 2, -(2.0 ** 53) - 2,
              1e18, -1e18, 2.0 ** 62 - 1024, None, 123456789.987]
    rows = pl.DataFrame({"t": pl.Series(values, dtype=pl.Float64)})
    expected = ["null" if v is None else str(int(v)) for v in values]
    assert _ints(rows, "t").to_list() == expected
    assert _ints(rows, "t", fast_ints=False).to_list() == expected
    for odd in (float("nan"), float("inf"), 2.0 ** 62, -(2.0 ** 63)):
        bad = pl.DataFrame({"t": pl.Series([1.0, odd], dtype=pl.Float64)})
        try:
            got = _ints(bad, "t").to_list()
        except (ValueError, OverflowError):
            continue
        assert got == ["1", str(int(odd))]


def test_flag_lists_of_both_styles_at_once_equal_each_made_alone(two_cards):
    """The rules fired, missing items and outcomes of results.json's and the store's entries made from one reading
    of the flags (SHARED_FLAGS) equal each style's made alone; flag_values with a list of functions equals it
    called once per function."""
    from appraise.export import json_columns
    from appraise.export.columns import flag_values

    ev = two_cards
    rounded = rounded_frame(ev)

    def texts(shared: bool):
        json_columns.SHARED_FLAGS = shared
        try:
            return [(a.to_list(), b.to_list()) for a, b in employee_text_pairs(ev, 100, rounded=rounded)]
        finally:
            json_columns.SHARED_FLAGS = True

    assert texts(True) == texts(False)
    frame = pl.DataFrame({"a": [True, None, False, True], "b": [1, 0, None, 2]})
    flags = [("x", pl.col("a")), ("y", pl.col("b") != 0)]
    makes = [",".join, lambda ids: "|".join(reversed(ids))]
    both = flag_values(frame, flags, makes, pl.Utf8)
    assert [s.to_list() for s in both] == [flag_values(frame, flags, m, pl.Utf8).to_list() for m in makes]
    assert both[0].to_list() == ["x,y", "", "", "x,y"] and both[1].to_list() == ["y|x", "", "", "y|x"]
    assert [s.to_list() for s in flag_values(frame, [], makes, pl.Utf8)] == [[""] * 4, [""] * 4]


def test_decimal_strings_quoted_equal_json_text(two_cards):
    """json_number_text (quoting without a search for characters to escape) equals json_text on what
    money_strings and plain_strings give: polars' own text and Python's (too many digits, a value too large)."""
    from decimal import Decimal, localcontext

    from appraise.export.columns import money_strings, plain_strings
    from appraise.export.json_columns import json_number_text, json_text

    ev = two_cards
    values = [Decimal("0"), Decimal("-0.5"), Decimal("1234.5678901234"), Decimal("-99999999999999999.5"),
              Decimal("1E+20"), Decimal("0.0000000001"), None, Decimal("12.3400000000")]
    for dtype in (pl.Decimal(38, 10), pl.Decimal(38, 0), pl.Decimal(30, 2)):
        with localcontext() as ctx:
            ctx.prec = 60
            s = pl.Series("x", [None if v is None else v.quantize(Decimal(1).scaleb(-dtype.scale)) for v in values],
                          dtype=dtype)
        for made in (money_strings(s, ev.ruleset), plain_strings(s)):
            assert made.null_count() == 1
            assert json_number_text(made).to_list() == json_text(made).to_list()


def test_half_up_equals_polars_round_half_up_bit_for_bit(two_cards):
    """half_up (the divisor and zero as columns of constants) gives the very bits polars_round_half_up gives:
    quotients that a reciprocal would miss by one unit (19844 / 1e4), halves either side of zero, binary noise
    below a half, -0.0, NaN, infinities, nulls, huge and tiny values; and rounded_frame is the same either way."""
    import random

    import numpy as np

    from appraise.export import document
    from appraise.export.document import half_up
    from appraise.language.expr.compiler import polars_round_half_up

    rng = random.Random(17)
    values = [1.9844, -1.9844, 0.00005, -0.00005, 0.00015, 2.50005, -2.50005, 108.26499999999, 0.0, -0.0,
              float("nan"), float("inf"), -float("inf"), None, 1e300, -1e300, 5e-324, 1e15 + 0.5, 2.0 ** 53]
    values += [rng.uniform(-1e4, 1e4) for _ in range(3000)]
    values += [rng.randint(-10 ** 8, 10 ** 8) / 1e4 for _ in range(3000)]
    values += [(rng.randint(-10 ** 6, 10 ** 6) + 0.5) / 1e4 for _ in range(3000)]
    frame = pl.DataFrame({"v": pl.Series(values, dtype=pl.Float64)})
    for digits in (2, 4):
        got = half_up(frame, [("v", "r")], digits)["r"]
        want = frame.select(polars_round_half_up(pl.col("v"), digits).alias("r"))["r"]
        assert got.is_null().to_list() == want.is_null().to_list()
        bits = [s.fill_null(0.0).to_numpy().view(np.int64) for s in (got, want)]
        assert (bits[0] == bits[1]).all()
    assert half_up(frame.head(1), [("v", "r")], 4)["r"].to_list() == [1.9844]
    document.FAST_ROUND = False
    try:
        plain = rounded_frame(two_cards)
    finally:
        document.FAST_ROUND = True
    assert rounded_frame(two_cards).equals(plain)
