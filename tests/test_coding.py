"""Rows are coded by employee once per run when they come sorted by employee; whichever way they are
coded, every row gets its employee's code and rows of unknown employees drop."""
from __future__ import annotations

import importlib

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

engine = importlib.import_module("appraise.evaluate")  # the package exports a function of that name

CODES = pl.DataFrame({"id": ["E1", "E2", "E3", "E4"]}).with_row_index("_eid")


def coded(employees: list[str]) -> list[tuple[str, int]]:
    table = pl.DataFrame({"employee": employees, "row": range(len(employees))},
                         schema={"employee": pl.Utf8, "row": pl.Int64})
    out = engine._coded(table, CODES).collect().sort("row")
    return list(zip(out["employee"], out["_eid"]))


def by_join(employees: list[str]) -> list[tuple[str, int]]:
    code = dict(zip(CODES["id"], CODES["_eid"]))
    return [(e, code[e]) for e in employees if e in code]


def test_runs_that_are_exactly_the_codes_are_numbered_without_a_lookup():
    rows = ["E1", "E1", "E2", "E3", "E3", "E3", "E4"]
    assert engine._codes_of_sorted(pl.Series(rows), CODES).to_list() == [0, 0, 1, 2, 2, 2, 3]
    assert coded(rows) == by_join(rows)


def test_sorted_rows_with_gaps_and_strangers():
    rows = ["E0", "E2", "E2", "E4", "E9"]  # E1 and E3 have no rows; E0 and E9 are not employees
    assert engine._codes_of_sorted(pl.Series(rows), CODES).to_list() == [None, 1, 1, 3, None]
    assert coded(rows) == by_join(rows)


def test_unsorted_or_null_keys_take_the_join():
    assert engine._codes_of_sorted(pl.Series(["E2", "E1"]), CODES) is None
    assert engine._codes_of_sorted(pl.Series(["E1", None]), CODES) is None
    assert coded(["E3", "E1", "E3", "E9"]) == by_join(["E3", "E1", "E3", "E9"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["E0", "E1", "E2", "E3", "E4", "E5"]), max_size=30), st.booleans())
def test_any_rows_code_like_a_join(rows, sort):
    rows = sorted(rows) if sort else rows
    assert coded(rows) == by_join(rows)
