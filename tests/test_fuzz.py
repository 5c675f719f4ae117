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
