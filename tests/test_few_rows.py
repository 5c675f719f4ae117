"""The paths a few employees take (64 or fewer) against those of every larger population: calibration on Python
lists (appraise.core.calibration._calibrated_few) against its polars queries, and the scoring query run without
polars' optimiser against the optimised one: the same columns, types included."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import appraise.core.evaluate as evaluation
from appraise.core.calibration import calibrate
from appraise.language.compile import Calibration, Grade
from engine_inputs import run_example, two_scorecards_data

GRADES = ["S", "A", "B", "C"]
rows = st.lists(st.tuples(st.sampled_from([None, "t1", "t2", "T1", "é", ""]),  # cohort (text; "" is a cohort)
                          st.sampled_from([None, 0.0, -0.0, 12.5, 80.0, 99.99, 100.0, 100.0, 131.2]),  # score
                          st.sampled_from([None, "S", "A", "B", "C", "X"])),  # grade before calibration
                max_size=14)
shares = st.lists(st.tuples(st.sampled_from(GRADES + ["Z"]),
                            st.sampled_from([Decimal("0.1"), Decimal("0.25"), Decimal("0.333"), Decimal("0.5"),
                                             Decimal("1"), Decimal("0")])), max_size=3)


@settings(max_examples=50, deadline=None)
@given(rows, shares, st.integers(1, 5), st.randoms(use_true_random=False), st.booleans())
def test_a_few_rows_calibrate_as_the_columns_do(cells, max_share, min_cohort, rnd, by_eid):
    codes = list(range(len(cells)))
    rnd.shuffle(codes)  # several scorecards' rows come concatenated, not in code order
    f = pl.DataFrame({"id": [f"E{c:03d}" for c in codes], "attr.team": [c[0] for c in cells],
                      "score": [c[1] for c in cells], "grade_uncalibrated": [c[2] for c in cells]},
                     schema={"id": pl.Utf8, "attr.team": pl.Utf8, "score": pl.Float64, "grade_uncalibrated": pl.Utf8})
    if by_eid:
        f = f.with_columns(pl.Series("_eid", codes, dtype=pl.UInt32))
    ruleset = SimpleNamespace(grades=[Grade(g, 0, {}) for g in GRADES],
                              calibration=Calibration("team", min_cohort, tuple(max_share)))
    columns = calibrate(ruleset, f, few=-1)
    assert_frame_equal(calibrate(ruleset, f, few=64), columns)


def test_the_scoring_query_gives_the_same_frame_with_and_without_the_optimiser(monkeypatch):
    # two scorecards on the worked example's 5 employees (KPI, OKR and 360 dimensions, rules, adjustments)
    monkeypatch.setattr(evaluation, "FEW_ROWS", -1)
    optimised, _ = run_example("Q3", two_scorecards_data())
    monkeypatch.setattr(evaluation, "FEW_ROWS", 64)
    plain, _ = run_example("Q3", two_scorecards_data())
    assert_frame_equal(plain.frame, optimised.frame)
