"""Fuzzing (issue #9), bounded: the expression language, the YAML loader, mutated rulesets, engine properties.

``make test`` runs each test with a small fixed budget (~30 s in all);
``make fuzz`` runs the same tests with ``APPRAISE_FUZZ_EXAMPLES`` examples each
and writes how many inputs every target saw to ``APPRAISE_FUZZ_REPORT``.
Each example carries a batch of inputs, so inputs ≫ examples.
Invariants: see ``tests/fuzz/targets.py``.
"""
from __future__ import annotations

import json
import os
from decimal import Decimal
from math import floor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz import strategies as S
from fuzz import targets as T

SCALE = int(os.environ.get("APPRAISE_FUZZ_EXAMPLES", "0"))


def budget(default: int, share: float = 1.0) -> settings:
    """``default`` examples in ``make test``; ``share`` × APPRAISE_FUZZ_EXAMPLES under ``make fuzz``."""
    n = max(1, int(SCALE * share)) if SCALE else default
    return settings(max_examples=n, deadline=None, database=None if SCALE else settings.default.database,
                    suppress_health_check=list(HealthCheck), print_blob=True)


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    where = os.environ.get("APPRAISE_FUZZ_REPORT")
    if where:
        counts = dict(sorted(T.COUNTS.items()))
        counts["total inputs"] = sum(v for k, v in T.COUNTS.items() if k in ("expressions", "yaml documents",
                                                                             "rulesets", "engine runs"))
        with open(where, "w", encoding="utf-8") as fh:
            json.dump(counts, fh, indent=2)
            fh.write("\n")


# ------------------------------------------------------------------ expressions

@budget(150, 1.0)
@given(st.lists(S.garbage(), min_size=1, max_size=25))
def test_garbage_expressions_fail_cleanly_and_quickly(texts):
    for text in texts:
        T.expression(text)


@budget(150, 1.0)
@given(st.lists(S.expressions(), min_size=1, max_size=25))
def test_valid_grammar_expressions_parse_and_check_cleanly(texts):
    for text in texts:
        T.expression(text)


@budget(120, 0.5)
@given(st.lists(S.expressions(), min_size=1, max_size=6), S.frames())
def test_evaluate_and_to_polars_agree_on_random_expressions_and_data(texts, frame):
    for text in texts:
        T.expression(text, frame)


@budget(80, 0.3)
@given(st.lists(S.mixed(), min_size=1, max_size=10), S.frames(max_rows=4))
def test_expressions_mixing_types_are_refused_by_check_or_run_both_ways(texts, frame):
    for text in texts:
        T.expression(text, frame)


# ------------------------------------------------------------------ YAML

@budget(150, 1.0)
@given(st.lists(S.yaml_documents(), min_size=1, max_size=10))
def test_hostile_yaml_bytes_load_or_fail_with_located_diagnostics(docs):
    for raw in docs:
        T.yaml_document(raw)


@budget(60, 0.3)
@given(st.lists(st.text(st.characters(blacklist_categories=()), max_size=80), min_size=1, max_size=20))
def test_yaml_text_with_surrogates_and_controls_never_crashes(texts):
    for text in texts:
        T.yaml_text(text)


def _example_ruleset() -> dict:
    from engine_inputs import example_ruleset_data

    return example_ruleset_data()


@budget(40, 0.02)
@given(S.mutated_rulesets(_example_ruleset()))
def test_mutated_rulesets_are_refused_with_diagnostics_or_compile(data):
    T.ruleset(data)


# ------------------------------------------------------------------ engine properties (fixed budget)

import test_properties as P  # noqa: E402  (its strategies: generated valid rulesets and people)

many_people = st.lists(st.tuples(st.floats(0, 3_000_000, allow_nan=False), st.floats(0, 300, allow_nan=False),
                                 st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
                                 st.sampled_from(["north", "south"]), st.sampled_from(["t1", "t2"]),
                                 st.integers(1, 99)), min_size=1, max_size=14)


@budget(25, 0.005)
@given(P.rulesets(), many_people, P.contexts, st.sampled_from([{"A": 0.5}, {"A": 0.2, "B": 0.5}, {"B": 0.34}]),
       st.integers(1, 6))
def test_calibration_quotas_hold_in_every_cohort(rs, rows, context, shares, min_cohort):
    rs = {**rs, "calibration": {"cohort": "team", "min_cohort": min_cohort, "max_share": shares}}
    T.COUNTS["engine runs"] += 1
    res = P.results(rs, rows, context)
    order = [g["grade"] for g in rs["grades"]]
    teams: dict[str, list[str]] = {}
    for i, row in enumerate(rows):
        teams.setdefault(row[4], []).append(f"E{i:03d}")
    for team, ids in teams.items():
        n = len(ids)
        if n < min_cohort:
            continue
        for grade, share in shares.items():
            at_or_above = [i for i in ids if order.index(res[i]["grade"]) <= order.index(grade)]
            assert len(at_or_above) <= floor(n * share), (team, grade, share, n, [res[i]["grade"] for i in ids])
        for i in ids:  # calibration only moves down
            assert order.index(res[i]["grade"]) >= order.index(res[i]["grade_uncalibrated"])


@budget(15, 0.003)
@given(P.rulesets(), P.people, P.contexts)
def test_two_runs_of_the_same_inputs_give_the_same_document(rs, rows, context):
    from appraise.compile import compile_ruleset
    from appraise.evaluate import evaluate
    from appraise.results import results_document

    T.COUNTS["engine runs"] += 2
    a = results_document(evaluate(compile_ruleset(rs), P.inputs(rows), P.PERIOD, context))
    b = results_document(evaluate(compile_ruleset(rs), P.inputs(rows), P.PERIOD, context))
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert Decimal(0) <= sum((Decimal(e["bonus"]) for e in a["employees"] if e["bonus"] is not None), Decimal(0))
