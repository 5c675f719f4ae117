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
