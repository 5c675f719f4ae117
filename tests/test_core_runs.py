"""The columnar core's in-place fast paths give the bits of the plain ones (issue 17).

* 360: :func:`rollup.rater_runs` (surveys sorted by key and rater, reduced run by run) against
  :func:`rollup.mean_of_means` (a group-by per key and rater), bit for bit, and a refusal whenever the order
  does not prove that each run is one rater of one key;
* metrics: a metric taking its first or last month, rolled up by runs when each employee's months come in
  order, against the group-by (the same rows shuffled) and against the months picked by hand.
"""
from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.core import rollup

SCHEMA = {"_k": pl.UInt64, "rater": pl.Utf8, "rating": pl.Float64}


def frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def by_group(rows: pl.DataFrame) -> pl.DataFrame:
    return rollup.mean_of_means(rows, ["_k"], rollup.places(rows["rating"])).sort("_k")


# keys as the engine makes them: employee * 256 + relation
SURVEY = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.sampled_from(["a", "b", "c", "Zed", "ä"]),
                            st.lists(st.integers(1, 50), min_size=1, max_size=4)), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None)
@given(SURVEY, st.sampled_from([1.0, 10.0, 100.0]))
def test_sorted_surveys_roll_up_by_runs_to_the_group_bys_bits(survey, divisor):
    # each (key, rater) once, its ratings together; unequal numbers of ratings take the common multiple's path
    seen = {}
    for emp, rel, rater, ratings in survey:
        seen.setdefault((emp * 256 + rel, rater), ratings)
    rows = frame([(k, rater, r / divisor) for (k, rater), ratings in sorted(seen.items()) for r in ratings])
    fast = rollup.rater_runs(rows, rollup.places(rows["rating"]))
    assert fast is not None
    plain = by_group(rows)
    assert fast.sort("_k").equals(plain), (fast, plain)  # values bit for bit, rater counts, dtypes


def test_by_hand():
    # key 1: rater a (4, 5) → 4.5, rater b (1) → 1: 2.75 over 2 raters; key 256: one rater, 3.3
    rows = frame([(1, "a", 4.0), (1, "a", 5.0), (1, "b", 1.0), (256, "x", 3.3)])
    got = rollup.rater_runs(rows, rollup.places(rows["rating"]))
    assert got.sort("_k").rows() == [(1, 2.75, 2), (256, 3.3, 1)]


@pytest.mark.parametrize("rows", [
    [(1, "a", 4.0), (1, "b", 5.0), (1, "a", 1.0)],  # rater a twice in key 1, apart
    [(1, "b", 4.0), (1, "a", 5.0)],  # raters not in order: no proof they are distinct
    [(1, "a", 4.0), (2, "a", 5.0), (1, "b", 1.0)],  # key 1 in two blocks
    [(1, "a", None), (1, "b", 5.0)],  # a rater without a value counts: the group-by's business
    [(1, "a", -0.0), (1, "a", -0.0), (1, "b", -0.0)],  # -0.0 sums by how many it is with in a group-by
])
def test_rows_out_of_order_go_to_the_group_by(rows):
    table = frame(rows)
    assert rollup.rater_runs(table, rollup.places(table["rating"])) is None
    got = rollup.source_values(table.lazy(), True, rollup.places(table["rating"])).sort("_k")
    assert got.select("_k", "value", "raters").equals(by_group(table))


def test_source_values_takes_the_runs_when_sorted(monkeypatch):
    rng = random.Random(7)
    rows = frame([(e * 256 + rel, f"R{r}", float(rng.randint(1, 5)))
                  for e in range(30) for rel in range(3) for r in range(rng.randint(1, 5))
                  for _ in range(3)])
    plain = by_group(rows)
    called = []
    monkeypatch.setattr(rollup, "mean_of_means", lambda *a: called.append(a))
    assert rollup.source_values(rows.lazy(), True, rollup.places(rows["rating"])).sort("_k").equals(plain)
    assert not called


# ---------------------------------------------------------------- first and last month by runs

CODES = pl.DataFrame({"id": ["E1", "E2", "E3", "E4"]}).with_row_index("_eid")
MONTHS = ("2026-07", "2026-08", "2026-09")


def rolled(rows, aggregate: str) -> pl.DataFrame:
    from appraise.language.compile import compile_ruleset
    from appraise.language.period import parse
    from appraise.tables import Inputs

    rs = compile_ruleset({
        "id": "t", "version": "1", "metrics": {"x": {"aggregate": aggregate}, "y": {"aggregate": "sum"}},
        "scorecards": {"s": {"dimensions": {"d": {"weight": 100, "kpis": {"x": {"weight": 100, "target": 1}}}}}},
        "grades": [{"grade": "A", "min": 0}]})
    metrics = pl.DataFrame(rows, schema={"employee": pl.Utf8, "month": pl.Utf8, "x": pl.Float64, "y": pl.Float64},
                           orient="row")
    out = rollup.aggregate_metrics(rs, Inputs(employees=None, metrics=metrics), parse("2026-Q3"), [],
                                   CODES.select("_eid", "id"))
    return out.sort("_eid").select("_eid", "m.x", "m.y")


def by_hand(rows, aggregate: str) -> dict[int, float | None]:
    code = dict(zip(CODES["id"], CODES["_eid"]))
    values: dict[int, list] = {}
    for emp, month, x, _ in sorted(rows, key=lambda r: r[1]):
        if emp in code and month in MONTHS:
            values.setdefault(code[emp], []).append(x)
    present = {e: [x for x in xs if x is not None] for e, xs in values.items()}
    return {e: (xs[0] if aggregate == "first" else xs[-1]) if xs else None for e, xs in present.items()}


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from(["E0", "E1", "E2", "E3", "E4"]),
                                 st.sampled_from(("2026-06",) + MONTHS)),
                       st.tuples(st.one_of(st.none(), st.integers(-50, 50).map(float)), st.integers(0, 9).map(float)),
                       min_size=1, max_size=15),
       st.sampled_from(["first", "last"]), st.randoms(use_true_random=False))
def test_first_and_last_by_runs_match_the_group_by_and_the_hand(cells, aggregate, rnd):
    rows = [(e, m, x, y) for (e, m), (x, y) in sorted(cells.items())]  # by employee, then month: the runs
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    fast = rolled(rows, aggregate)
    assert fast.equals(rolled(shuffled, aggregate))
    assert dict(zip(fast["_eid"], fast["m.x"])) == by_hand(rows, aggregate)


def test_runs_take_first_and_last_only_with_months_in_order():
    ordered = pl.DataFrame({"employee": ["E1", "E1", "E2"], "month": ["2026-07", "2026-08", "2026-07"],
                            "x": [1.0, 2.0, 3.0]})
    metric = type("M", (), {"name": "x", "aggregate": "last"})()
    assert rollup.aggregate_runs(ordered, CODES.select("_eid", "id"), [metric], {}) is not None
    backwards = ordered.with_columns(pl.Series("month", ["2026-08", "2026-07", "2026-07"]))
    assert rollup.aggregate_runs(backwards, CODES.select("_eid", "id"), [metric], {}) is None
    assert rolled([("E1", "2026-08", 2.0, 0.0), ("E1", "2026-07", 1.0, 0.0)], "last")["m.x"].to_list() == [2.0]


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from(["E0", "E1", "E2", "E3", "E4"]), st.sampled_from(MONTHS)),
                       st.tuples(st.one_of(st.none(), st.integers(-10**6, 10**6).map(lambda c: c / 100)),
                                 st.one_of(st.none(), st.integers(-9, 9).map(float), st.just(-0.0))),
                       min_size=1, max_size=15),
       st.sampled_from(["sum", "mean", "min", "max"]), st.randoms(use_true_random=False))
def test_sums_by_runs_are_the_group_bys_bits(cells, aggregate, rnd):
    # decimal values (cents), missing months, -0.0: numpy's run sums against the hashed group-by's
    rows = [(e, m, x, y) for (e, m), (x, y) in sorted(cells.items())]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a, b = rolled(rows, aggregate), rolled(shuffled, aggregate)
    assert a.equals(b)  # (a lone -0.0 once summed to -0.0 in the group-by and to 0.0 by runs)


@pytest.mark.parametrize("order", [1, -1])
def test_negative_zeros_sum_to_zero(order):
    # as Python's sum([-0.0]) (0 + -0.0): 0.0, whichever path (sorted: runs; else the group-by)
    got = rolled([("E1", "2026-07", 1.0, -0.0), ("E1", "2026-08", 2.0, -0.0), ("E2", "2026-07", 1.0, -0.0)]
                 [::order], "sum")["m.y"].to_list()
    assert got == [0.0, 0.0] and all(math.copysign(1.0, v) == 1.0 for v in got)


# ---------------------------------------------------------------- unfinite numbers found from each column's extremes

ODD = st.one_of(st.none(), st.floats(-10.0, 10.0), st.sampled_from(
    [float("nan"), float("inf"), -float("inf"), 1e27, -1e27, 1e15, -1e15, 5e-324, -5e-324, 2.2e-308, 0.0, -0.0]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(ODD, ODD), max_size=6))
def test_the_extremes_answer_as_the_cells_do(cells):
    from appraise.core import scoring
    from appraise.tables import LARGEST

    f = pl.DataFrame(cells, schema={"total": pl.Float64, "m.x": pl.Float64}, orient="row")
    # a metric value that is NaN or infinite (a formula's inf - inf) goes to the errors too (differential case 2381166)
    by_cell = any(v is not None and (math.isnan(v) or math.isinf(v) or abs(v) >= 1e27) for v, _ in cells) or any(
        v is not None and (math.isnan(v) or v != 0 and abs(v) < 2.2250738585072014e-308 or abs(v) >= LARGEST)
        for _, v in cells)
    assert scoring._any_unfinite(f, ["total"], ["m.x"], few=-1) == by_cell  # the columns' extremes
    assert scoring._any_unfinite(f, ["total"], ["m.x"], few=6) == by_cell  # the cells, in Python


def as_written(x: float) -> Fraction:
    """The decimal a cell holding ``x`` was written as: the shortest text that reads back as ``x``."""
    return Fraction(repr(x))


def summed_by_hand(rows, aggregate: str) -> dict[int, float | None]:
    """README "The largest numbers an incentive plan pays on" / core/rollup.per_employee_sums, worked out
    independently: each employee's cells added as the decimals they are written as when every one of them has at
    most 18 places and fewer than 2^53 units at the most places any of them has; else the floats added exactly
    (math.fsum).  A mean divides that sum by the employee's count of values."""
    code = dict(zip(CODES["id"], CODES["_eid"]))
    values: dict[int, list] = {}
    for emp, month, x, _ in rows:
        if emp in code and month in MONTHS:
            values.setdefault(code[emp], []).append(x)
    out: dict[int, float | None] = {}
    for e, cells in values.items():
        xs = [x for x in cells if x is not None]
        if not xs:
            out[e] = None
            continue
        places = max(max(0, -Decimal(repr(x)).as_tuple().exponent) for x in xs)
        n = len(xs) if aggregate == "mean" else 1
        if places <= 18 and all(abs(as_written(x)) * 10 ** places < 2 ** 53 for x in xs):
            out[e] = float(sum(as_written(x) for x in xs) / n) + 0.0
        else:
            out[e] = math.fsum(xs) / n + 0.0
    return out


CELLS = st.one_of(
    st.none(),
    st.integers(-10 ** 8, 10 ** 8).map(lambda u: u / 100),  # cents
    st.integers(-10 ** 6, 10 ** 6).map(lambda u: u / 1000),
    st.sampled_from([0.1 + 0.2, 1 / 3, 2e-3 / 3, 123456789012.345, 184029.07, 1e-9, 0.1234567, 33.33, 0.01]))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from(["E0", "E1", "E2", "E3", "E4"]),
                                 st.sampled_from(("2026-06",) + MONTHS)),
                       st.tuples(CELLS, st.integers(0, 9).map(float)), min_size=1, max_size=15),
       st.sampled_from(["sum", "mean"]))
def test_each_employee_is_summed_as_written_whatever_the_others_cells(cells, aggregate):
    # One employee's odd cell (0.30000000000000004) used to make the whole column a float sum, so another's
    # 184,029.07 + 123,456,789,012.345 came out as the float sum 123456973041.41501 (not a 15-digit decimal: a plan
    # could not pay on it).  Now each employee's cells are added at the places that fit that employee's own.
    rows = [(e, m, x, y) for (e, m), (x, y) in sorted(cells.items())]
    got = rolled(rows, aggregate)
    assert dict(zip(got["_eid"], got["m.x"])) == summed_by_hand(rows, aggregate)
