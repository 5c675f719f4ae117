"""Rows are coded by employee once per run when they come sorted by employee; whichever way they are
coded, every row gets its employee's code and rows of unknown employees drop."""
from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.core import rollup as engine

CODES = pl.DataFrame({"id": ["E1", "E2", "E3", "E4"]}).with_row_index("_eid")


def coded(employees: list[str]) -> list[tuple[str, int]]:
    table = pl.DataFrame({"employee": employees, "row": range(len(employees))},
                         schema={"employee": pl.Utf8, "row": pl.Int64})
    out = engine.coded(table, CODES).collect().sort("row")
    return list(zip(out["employee"], out["_eid"]))


def by_join(employees: list[str]) -> list[tuple[str, int]]:
    code = dict(zip(CODES["id"], CODES["_eid"]))
    return [(e, code[e]) for e in employees if e in code]


def test_runs_that_are_exactly_the_codes_are_numbered_without_a_lookup():
    rows = ["E1", "E1", "E2", "E3", "E3", "E3", "E4"]
    assert engine.codes_of_runs(pl.Series(rows), CODES)[0].to_list() == [0, 0, 1, 2, 2, 2, 3]
    assert coded(rows) == by_join(rows)


def test_sorted_rows_with_gaps_and_strangers():
    rows = ["E0", "E2", "E2", "E4", "E9"]  # E1 and E3 have no rows; E0 and E9 are not employees
    assert engine.codes_of_runs(pl.Series(rows), CODES)[0].to_list() == [None, 1, 1, 3, None]
    assert coded(rows) == by_join(rows)


def test_unsorted_or_null_keys_take_the_join():
    assert engine.codes_of_runs(pl.Series(["E2", "E1"]), CODES) is None
    assert engine.codes_of_runs(pl.Series(["E1", None]), CODES) is None
    assert coded(["E3", "E1", "E3", "E9"]) == by_join(["E3", "E1", "E3", "E9"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["E0", "E1", "E2", "E3", "E4", "E5"]), max_size=30), st.booleans())
def test_any_rows_code_like_a_join(rows, sort):
    rows = sorted(rows) if sort else rows
    assert coded(rows) == by_join(rows)


# ---------------------------------------------------------------- the metric roll-up by runs

def rollup(rows: list[tuple[str, str, float | None]], aggregate: str) -> dict[str, float | None]:
    from appraise.language.compile import compile_ruleset
    from appraise.language.period import parse
    from appraise.tables import Inputs

    rs = compile_ruleset({
        "id": "t", "version": "1", "metrics": {"x": {"aggregate": aggregate}},
        "scorecards": {"s": {"dimensions": {"d": {"weight": 100, "kpis": {"x": {"weight": 100, "target": 1}}}}}},
        "grades": [{"grade": "A", "min": 0}]})
    metrics = pl.DataFrame(rows, schema={"employee": pl.Utf8, "month": pl.Utf8, "x": pl.Float64}, orient="row")
    codes = CODES.select("_eid", "id")
    out = engine.aggregate_metrics(rs, Inputs(employees=None, metrics=metrics), parse("2026-Q3"), [], codes)
    ids = dict(zip(CODES["_eid"], CODES["id"]))
    return {ids[e]: v for e, v in zip(out["_eid"], out["m.x"])}


def by_hand(rows, aggregate: str) -> dict[str, float | None]:
    values: dict[str, list] = {}
    for emp, month, x in rows:
        if emp in CODES["id"].to_list() and month in ("2026-07", "2026-08", "2026-09"):
            values.setdefault(emp, []).append(x)
    out = {}
    for emp, xs in values.items():
        present = [x for x in xs if x is not None]
        if not present:
            out[emp] = None
        elif aggregate == "sum":
            out[emp] = sum(present)
        elif aggregate == "mean":
            out[emp] = sum(present) / len(present)
        else:
            out[emp] = {"min": min, "max": max}[aggregate](present)
    return out


def close(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        assert (a[k] is None) == (b[k] is None), k
        if a[k] is not None:
            assert abs(a[k] - b[k]) <= 1e-9 * max(1.0, abs(b[k])), k


def test_runs_roll_up_sums_with_gaps_strangers_nulls_and_other_months():
    rows = [("E0", "2026-07", 5.0), ("E1", "2026-07", 1.0), ("E1", "2026-08", None), ("E1", "2026-09", 2.0),
            ("E2", "2026-07", None), ("E2", "2026-08", None), ("E4", "2026-06", 100.0), ("E4", "2026-07", 3.0),
            ("E9", "2026-07", 7.0)]
    assert engine.codes_of_runs(pl.Series([r[0] for r in rows]), CODES) is not None  # the runs path
    assert rollup(rows, "sum") == {"E1": 3.0, "E2": None, "E4": 3.0}  # E2's nothing is missing, not 0
    close(rollup(rows, "mean"), by_hand(rows, "mean"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["E0", "E1", "E2", "E3", "E4"]),
                          st.sampled_from(["2026-06", "2026-07", "2026-08", "2026-09"]),
                          st.one_of(st.none(), st.integers(-50, 50).map(float))), max_size=25),
       st.sampled_from(["sum", "mean", "min", "max"]), st.booleans())
def test_any_metric_rows_roll_up_like_by_hand(rows, aggregate, sort):
    rows = sorted(rows, key=lambda r: r[0]) if sort else rows
    close(rollup(rows, aggregate), by_hand(rows, aggregate))


def test_runs_that_are_exactly_the_codes_roll_up_in_place():
    rows = [("E1", "2026-07", 1.0), ("E1", "2026-08", 4.0), ("E2", "2026-07", None), ("E3", "2026-09", -2.0),
            ("E4", "2026-07", 0.5), ("E4", "2026-08", 0.25)]
    assert engine.codes_of_runs(pl.Series([r[0] for r in rows]), CODES)[0].to_list() == [0, 0, 1, 2, 3, 3]
    for aggregate in ("sum", "mean", "min", "max"):
        close(rollup(rows, aggregate), by_hand(rows, aggregate))
    assert rollup(rows, "sum")["E2"] is None


# ---------------------------------------------------------------- OKRs by runs

def okr_rollup(rows: list[tuple]) -> tuple[dict, list]:
    from appraise.language.compile import compile_ruleset
    from appraise.tables import Inputs

    rs = compile_ruleset({
        "id": "t", "version": "1", "metrics": {"x": {"aggregate": "sum"}},
        "scorecards": {"s": {"dimensions": {"d": {"weight": 50, "kpis": {"x": {"weight": 100, "target": 1}}},
                                            "o": {"weight": 50, "okr": {}}}}},
        "grades": [{"grade": "A", "min": 0}]})
    okrs = pl.DataFrame(rows, orient="row", schema={
        "employee": pl.Utf8, "objective": pl.Utf8, "objective_index": pl.Int64, "type": pl.Utf8,
        "key_result": pl.Utf8, "start": pl.Float64, "target": pl.Float64, "current": pl.Float64,
        "weight": pl.Float64})
    scores, objectives = engine.okr_scores(rs, Inputs(employees=None, metrics=None, okrs=okrs), CODES)
    col = [c for c in scores.columns if c.startswith("okr@")][0]
    return (dict(zip(scores["_eid"], scores[col])),
            objectives.select("_eid", "objective_index", "objective", "type", "progress").rows())


KEY_RESULT = st.tuples(st.sampled_from(["E1", "E2", "E3", "E4", "E7"]), st.integers(0, 2),
                       st.sampled_from(["committed", "aspirational"]), st.integers(0, 10), st.integers(-5, 15),
                       st.sampled_from([0.5, 1.0, 2.0]))


@settings(max_examples=60, deadline=None)
@given(st.lists(KEY_RESULT, max_size=20), st.randoms(use_true_random=False))
def test_okr_runs_and_group_by_agree(krs, rnd):
    # one type per objective, as the okr provider guarantees
    kinds = {}
    rows = []
    for i, (emp, index, kind, target, current, weight) in enumerate(krs):
        kind = kinds.setdefault((emp, index), kind)
        rows.append((emp, f"o{index}", index, kind, f"k{i}", 0.0, float(target), float(current), weight))
    ordered = sorted(rows, key=lambda r: (r[0], r[2]))  # the runs path
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a, b = okr_rollup(ordered), okr_rollup(shuffled)
    assert a[0].keys() == b[0].keys()
    for k in a[0]:
        assert abs(a[0][k] - b[0][k]) < 1e-9
    assert [r[:4] for r in a[1]] == [r[:4] for r in b[1]]
    for x, y in zip(a[1], b[1]):
        assert abs(x[4] - y[4]) < 1e-9


def test_okr_runs_score_objectives_by_hand():
    rows = [("E1", "win", 0, "committed", "a", 0.0, 10.0, 5.0, 1.0),
            ("E1", "win", 0, "committed", "b", 0.0, 10.0, 10.0, 3.0),
            ("E1", "moon", 1, "aspirational", "c", 0.0, 10.0, 3.5, 1.0),
            ("E2", "flat", 0, "committed", "d", 5.0, 5.0, 9.0, 1.0),  # target == start: no progress to count
            ("E3", "down", 0, "committed", "e", 100.0, 50.0, 75.0, 1.0)]
    scores, objectives = okr_rollup(rows)
    # E1: win (0.5*1 + 1*3)/4 = 0.875; moon 0.35/0.7 = 0.5 → mean 68.75; E3: decreasing target, half way
    assert scores == {0: 68.75, 2: 50.0}
    assert [(o[0], o[2], o[3]) for o in objectives] == [(0, "win", "committed"), (0, "moon", "aspirational"),
                                                         (2, "down", "committed")]
