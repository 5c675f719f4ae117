"""The 360 roll-up picks a strategy (one group-by when each rater rated once, rater by rater
otherwise); whichever it picks, the numbers are SPEC's: a rater's value is the mean of their
ratings, a source's value the mean over its raters, and every rater counts once."""
from __future__ import annotations

import random
from collections import defaultdict
from statistics import mean

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.core import rollup as engine


def reference(rows: list[tuple[int, str, float | None]]) -> dict[int, tuple[float | None, int]]:
    """Per key: (mean over raters of each rater's mean rating, number of raters), by hand."""
    by_key: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for k, rater, rating in rows:
        by_key[k][rater].append(rating)
    out = {}
    for k, raters in by_key.items():
        rater_means = [mean(v) for v in ([x for x in rs if x is not None] for rs in raters.values()) if v]
        out[k] = (mean(rater_means) if rater_means else None, len(raters))
    return out


def rolled(rows, repeated: bool = False) -> dict[int, tuple[float | None, int]]:
    frame = pl.DataFrame(rows, schema={"_k": pl.UInt64, "rater": pl.Utf8, "rating": pl.Float64}, orient="row")
    got = engine.source_values(frame.lazy(), repeated)
    return {k: (v, n) for k, v, n in got.select("_k", "value", "raters").iter_rows()}


def same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k][1] == b[k][1], k
        assert (a[k][0] is None) == (b[k][0] is None), k
        if a[k][0] is not None:
            assert a[k][0] == pytest.approx(b[k][0], abs=1e-12), k


def survey(employees: int, raters: int, competencies: int, seed: int):
    rng = random.Random(seed)
    return [(e, f"R{r}", float(rng.randint(1, 5)))
            for e in range(employees) for r in range(raters) for _ in range(competencies)]


def test_one_rating_per_rater_takes_the_single_group_by():
    rows = survey(50, 6, 1, 1)
    same(rolled(rows), reference(rows))


@pytest.mark.parametrize("repeated", [True, False])
def test_several_ratings_per_rater(repeated):
    rows = survey(50, 6, 4, 2)  # competencies: each rater rates 4 times
    same(rolled(rows, repeated), reference(rows))


def test_several_ratings_per_rater_hidden_past_the_peek():
    # the first rows look like one rating per rater, later keys repeat raters: the proof by
    # distinct hashes must catch them and recompute those keys rater by rater
    rows = survey(40, 5, 1, 3) + [(e, "R0", 1.0) for e in range(20, 40)] + [(e, "R9", 5.0) for e in range(30, 40)]
    got = rolled(rows)
    same(got, reference(rows))
    assert got[25][1] == 5  # a repeated rater still counts once
    assert got[35][1] == 6


def test_null_ratings_count_the_rater_but_not_the_value():
    rows = [(1, "A", None), (1, "B", 4.0), (1, "C", 2.0), (2, "A", None), (2, "A", None), (3, "A", None)]
    same(rolled(rows), reference(rows))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from(["a", "b", "c", "d"]),
                          st.one_of(st.none(), st.integers(1, 5).map(float))), min_size=1, max_size=60),
       st.booleans())
def test_any_survey_rolls_up_like_the_reference(rows, repeated):
    same(rolled(rows, repeated), reference(rows))


def test_the_engine_peeks_and_still_gets_competency_surveys_right(monkeypatch):
    # through evaluate: ratings per competency, with the peek too short to see a repeat
    from test_evaluate import employees, frame, month_rows, ruleset, run

    monkeypatch.setattr(engine, "_PEEK", 2)
    rs = ruleset()
    rs["scorecards"]["rep"]["dimensions"] = {
        "results": {"weight": 50, "kpis": {"revenue": {"weight": 100, "target": "quota"}}},
        "fb": {"weight": 50, "feedback360": {"scale": 5, "sources": {"manager": 100}}}}
    fb = pl.DataFrame({"employee": ["E001"] * 4, "rater": ["M", "N", "M", "M"], "relation": ["manager"] * 4,
                       "competency": ["a", "a", "b", "c"], "rating": [5.0, 1.0, 3.0, 4.0]})
    rows = month_rows("E001", revenue=100, quota=100, calls=0, complaints=0, orders=1)
    _, res = run(rs, employees(1), frame(rows), feedback=fb)
    # M: mean(5, 3, 4) = 4, N: 1 → source value 2.5 of 5 = 50
    assert res["E001"]["dimensions"]["fb"]["sources"]["manager"] == 50.0


# ---------------------------------------------------------------- rows grouped by employee, not in id order

# As the generated 1,000,000-person company has them: each employee's rows together, in the order S999999 then
# S1000000 (not the text order of the ids, by which the codes are numbered).  Each run is still coded once and the
# rows keep their order, so the in-place paths (rater runs, metric runs) take them; their results are the plain
# paths' (the group-bys') to the bit.
IDS = ["S8", "S9", "S10", "S11"]  # code order (text): S10, S11, S8, S9
CODES = pl.DataFrame({"id": sorted(IDS)}).with_row_index("_eid").select("id", "_eid")


def test_grouped_rows_keep_their_order_and_are_coded_once_per_run():
    employees = ["S8", "S8", "S9", "S9", "S10", "S10", "S10", "S11", "S11", "S7", "S7"]  # S7 is nobody
    table = pl.DataFrame({"employee": employees, "row": range(len(employees))})
    got = engine.coded(table, CODES).collect()
    code = dict(CODES.iter_rows())
    assert got["row"].to_list() == list(range(9))  # the rows' order, the stranger's dropped
    assert got["_eid"].to_list() == [code[e] for e in employees[:9]]
    runs = engine.codes_of_runs(table["employee"], CODES)
    assert runs is not None and runs.grouped
    split = engine.codes_of_runs(pl.Series(["S8", "S8", "S8", "S9", "S9", "S8"]), CODES)  # S8 twice: not grouped
    assert split is not None and not split.grouped


def _survey_frame(rng: random.Random) -> pl.DataFrame:
    rows = []
    for e in IDS:  # file order, not code order
        for rel in ("manager", "peer", "self"):
            for r in range(rng.randint(1, 4)):
                for _ in range(3):  # competencies
                    rows.append((e, f"R{r}", rel, float(rng.randint(1, 5))))
    return pl.DataFrame(rows, schema={"employee": pl.Utf8, "rater": pl.Utf8, "relation": pl.Utf8,
                                      "rating": pl.Float64}, orient="row")


@pytest.mark.parametrize("seed", [1, 2])
def test_grouped_surveys_take_the_rater_runs_with_the_group_bys_bits(seed, monkeypatch):
    fb = _survey_frame(random.Random(seed))
    keyed = engine.coded(fb, CODES).select(
        (pl.col("_eid").cast(pl.UInt64) * 256 + pl.col("relation").cast(pl.Enum(["manager", "peer", "self"]))
         .to_physical().cast(pl.UInt64)).alias("_k"), "rater", "rating").collect()
    k = engine.places(keyed["rating"])
    plain = engine.mean_of_means(keyed.sample(fraction=1.0, shuffle=True, seed=seed), ["_k"], k).sort("_k")
    called = []
    monkeypatch.setattr(engine, "mean_of_means", lambda *a: called.append(a))
    fast = engine.source_values(keyed.lazy(), True, k)
    assert not called  # the runs' path
    assert fast.sort("_k").equals(plain)


@pytest.mark.parametrize("aggregate", ["sum", "mean", "min", "max", "first", "last"])
def test_grouped_metric_rows_roll_up_by_runs_in_code_order(aggregate):
    from appraise.language.compile import compile_ruleset
    from appraise.language.period import parse
    from appraise.tables import Inputs

    rs = compile_ruleset({
        "id": "t", "version": "1", "metrics": {"x": {"aggregate": aggregate}},
        "scorecards": {"s": {"dimensions": {"d": {"weight": 100, "kpis": {"x": {"weight": 100, "target": 1}}}}}},
        "grades": [{"grade": "A", "min": 0}]})
    rng = random.Random(5)
    rows = [(e, m, rng.choice([None, 1.25, -3.5, 10.0, 0.1])) for e in IDS for m in ("2026-07", "2026-08", "2026-09")]
    metrics = pl.DataFrame(rows, schema={"employee": pl.Utf8, "month": pl.Utf8, "x": pl.Float64}, orient="row")
    metric = rs.raw_metrics[0]
    assert engine.aggregate_runs(metrics, CODES, [metric], {"x": engine.places(metrics["x"])}
                                 if aggregate in ("sum", "mean") else {}) is not None  # the runs' path
    got = engine.aggregate_metrics(rs, Inputs(employees=None, metrics=metrics), parse("2026-Q3"), [], CODES)
    assert got["_eid"].to_list() == [0, 1, 2, 3]  # code order
    shuffled = metrics.sample(fraction=1.0, shuffle=True, seed=3)  # the group-by's path
    assert engine.codes_of_runs(shuffled["employee"], CODES) is None or \
        not engine.codes_of_runs(shuffled["employee"], CODES).grouped
    plain = engine.aggregate_metrics(rs, Inputs(employees=None, metrics=shuffled), parse("2026-Q3"), [], CODES)
    assert got.select(plain.columns).equals(plain.sort("_eid"))  # (the paths order the columns differently)


# ---------------------------------------------------------------- places, a block at a time

def plain_places(values: pl.Series):
    """:func:`rollup.places` as it was written over the whole column at once (the reference)."""
    import math

    import numpy as np

    v = values.drop_nulls().to_numpy()
    if not v.size:
        return engine.Places(0, False)
    size = np.abs(v)
    top = float(size.max())
    if not math.isfinite(top):
        return None
    for k in range(19):
        unit = 10.0 ** k
        if top * unit >= 2 ** 53:
            break
        whole = (np.round(v * unit) / unit == v) if unit != 1.0 else (np.round(v) == v)
        if bool(whole.all()):
            return engine.Places(k, float(size.sum()) * unit >= 2 ** 52)
    if top == 0:
        return engine.Places(0, False)
    _, low = np.frexp(np.min(size, where=size > 0, initial=np.inf))
    _, high = np.frexp(top)
    shift = 53 - int(low)
    return engine.Binary(shift, int(high) + shift) if int(high) + shift + v.size.bit_length() <= 126 else None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6).map(lambda c: c / 100), st.integers(-9, 9).map(float),
                          st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([float("nan"), float("inf"), 1e14,
                                                                                  0.1, -0.0, 2.5e-3])),
                max_size=40))
def test_places_by_blocks_is_the_whole_columns(values):
    engine_block = engine._BLOCK
    try:
        engine._BLOCK = 3  # blocks of three: every column of more crosses block boundaries
        got = engine.places(pl.Series(values, dtype=pl.Float64))
    finally:
        engine._BLOCK = engine_block
    want = plain_places(pl.Series(values, dtype=pl.Float64))
    assert got == want


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(-2**60, 2**60), st.integers(-10**6, 10**6)),
                          st.one_of(st.none(), st.integers(0, 7))), min_size=1, max_size=12),
       st.sampled_from([1, 3, 10, 100, 10**17]), st.booleans())
def test_exact_quotients_are_the_fractions_nearest_float(cells, factor, counted):
    from fractions import Fraction

    num = pl.Series("s", [a for a, _ in cells], dtype=pl.Int128)
    count = pl.Series("n", [c for _, c in cells], dtype=pl.UInt32) if counted else None
    got = engine.exact_quotient(num, factor, count).to_list()
    want = [None if a is None or (counted and not c) else float(Fraction(a, (c if counted else 1) * factor))
            for a, c in cells]
    assert got == want


ODD_RATINGS = [3.3333333333333335, 2.6666666666666665, 0.30000000000000004]  # no decimal places below 2^53 fit


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from("abc"),
                          st.one_of(st.integers(10, 50).map(lambda c: c / 10),
                                    st.integers(100, 500).map(lambda c: c / 100), st.sampled_from(ODD_RATINGS))),
                min_size=1, max_size=30), st.booleans())
def test_one_keys_odd_rating_leaves_the_other_keys_means_as_written(rows, repeated):
    from decimal import Decimal
    from fractions import Fraction

    # the mean over raters of each rater's mean, worked out exactly: a key whose ratings are all decimals of at
    # most 2 places (as written: 4.1 is 41/10, not the float's 4.0999999999999996447...) averages those decimals;
    # a key holding an odd rating averages the floats themselves; either way the float nearest the exact mean
    by_key: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for k, rater, rating in rows:
        by_key[k][rater].append(rating)
    want = {}
    for k, raters in by_key.items():
        odd = any(x in ODD_RATINGS for xs in raters.values() for x in xs)
        exact = [[Fraction(x) if odd else Fraction(Decimal(repr(x))) for x in xs] for xs in raters.values()]
        means = [sum(xs) / len(xs) for xs in exact]
        want[k] = (float(sum(means) / len(means)), len(raters))
    frame = pl.DataFrame(rows, schema={"_k": pl.UInt64, "rater": pl.Utf8, "rating": pl.Float64}, orient="row")
    got = engine.source_values(frame.lazy(), repeated, engine.places(frame["rating"]))  # as feedback_scores calls it
    assert {k: (v, n) for k, v, n in got.select("_k", "value", "raters").iter_rows()} == want
