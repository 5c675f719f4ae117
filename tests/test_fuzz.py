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

@budget(300, 1.0)
@given(st.lists(S.garbage(), min_size=1, max_size=25))
def test_garbage_expressions_fail_cleanly_and_quickly(texts):
    for text in texts:
        T.expression(text)


@budget(300, 1.0)
@given(st.lists(S.expressions(), min_size=1, max_size=25))
def test_valid_grammar_expressions_parse_and_check_cleanly(texts):
    for text in texts:
        T.expression(text)


@budget(200, 0.5)
@given(st.lists(S.expressions(), min_size=1, max_size=6), S.frames())
def test_evaluate_and_to_polars_agree_on_random_expressions_and_data(texts, frame):
    for text in texts:
        T.expression(text, frame)


def test_missing_as_written_joined_by_and_or_is_missing_not_a_crash():
    # found by the test above: 'null in []' and an unset context value are literals of no type, and polars'
    # '&' refused two of them; each way of writing a missing operand, against the row interpreter
    import polars as pl

    frame = pl.DataFrame({"x": [None, 0.0, 2.0], "y": [1.0, None, 3.0], "z": [None, None, None],
                          "s": [None, "a", "b"], "previous.score": [None, 1.0, 2.0],
                          "previous.bonus": [None, None, 5.0], "previous.grade": [None, "A", "B"]})
    for text in ("not (null in [] and (context.absent) and (0 == x))", "null and null", "null or null",
                 "context.absent or context.absent", "(null in []) or x > 1", "not (null and context.absent)",
                 "null in [] and context.absent or y > 2"):
        assert T.expression(text, frame) == "compared", text


@budget(80, 0.3)
@given(st.lists(S.mixed(), min_size=1, max_size=10), S.frames(max_rows=4))
def test_expressions_mixing_types_are_refused_by_check_or_run_both_ways(texts, frame):
    for text in texts:
        T.expression(text, frame)


# ------------------------------------------------------------------ YAML

@budget(300, 1.0)
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

many_people = st.lists(st.tuples(P.amounts(0, 3_000_000), P.amounts(0, 300), st.one_of(st.none(), P.amounts(0, 1)),
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
    from appraise.core.evaluate import evaluate
    from appraise.export.document import results_document
    from appraise.language.compile import compile_ruleset

    T.COUNTS["engine runs"] += 2
    a = results_document(evaluate(compile_ruleset(rs), P.inputs(rows), P.PERIOD, context))
    b = results_document(evaluate(compile_ruleset(rs), P.inputs(rows), P.PERIOD, context))
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert Decimal(0) <= sum((Decimal(e["bonus"]) for e in a["employees"] if e["bonus"] is not None), Decimal(0))


# ------------------------------------------------------------------ regressions: one per bug the fuzzers found

import warnings  # noqa: E402

import polars as pl  # noqa: E402

from appraise.errors import InvalidInput  # noqa: E402
from appraise.language.expr import ExpressionError, check, context_problems, evaluate, parse, to_polars  # noqa: E402
from appraise.language.load import loads  # noqa: E402


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "".join("  " * i + "k:\n" for i in range(100)) + "  " * 100
                                  + "v\n", "- " * 100 + "x\n"])
def test_regression_deep_yaml_is_refused_not_a_recursion_error(text):
    with pytest.raises(InvalidInput) as exc:
        loads(text, "deep.yaml")
    assert exc.value.diagnostics[0].code == "yaml-depth" and exc.value.diagnostics[0].line >= 1


def test_regression_a_lone_surrogate_in_yaml_text_is_an_error():
    with pytest.raises(InvalidInput, match="surrogate"):
        loads("a: \ud800\n", "s.yaml")


@pytest.mark.parametrize("text", ["x and y", "not x", "-(x > 1)", "(x > 1) + 1", "s in [1, 2]", "x in ['a']",
                                  "x in [1, 'a']", "[1] == x", "x in null", "x in previous.score",
                                  "(x > 1) == 'a'"])
def test_regression_type_check_refuses_what_polars_cannot_run(text):
    assert check(parse(text), S.SCOPE) and check(parse(text), S.SCOPE, want_bool=True)


@pytest.mark.parametrize("text", ["0 == 0 / p", "0.5 > 1 / p", "-(-(abs(0))) != 0 / p", "min(p, 1) > 0",
                                  "0 < max(p, 1)", "s in []", "not null", "-null < p", "abs(null) == p"])
@pytest.mark.parametrize("p", [[None, None], [0.0, -0.0], [0.0, 2.0]])
def test_regression_to_polars_gives_a_full_column_when_a_column_is_all_null_or_zero(text, p):
    frame = pl.DataFrame({"p": p, "s": [None, "a"]}, schema={"p": pl.Float64, "s": pl.Utf8})
    got = frame.with_columns(to_polars(parse(text), pl.col, {}).alias("r"))["r"].to_list()
    want = [evaluate(parse(text), {"p": v, "s": s}) for v, s in zip(p, [None, "a"])]
    assert got == want


def test_regression_scalar_interpreter_uses_floats_and_three_valued_chains():
    assert evaluate(parse("*".join(["999999999999999"] * 25) + "/7"), {}) == float("inf")  # no OverflowError
    assert evaluate(parse("1 > 2 < x"), {"x": None}) is False                           # false wins over missing
    assert evaluate(parse("round(1e15 * 1e15)"), {}) == 1e30                            # no decimal.InvalidOperation


def test_regression_huge_integer_literals_are_refused_not_overflowing():
    with pytest.raises(ExpressionError, match="out of range"):
        parse("1" * 310)


def test_regression_context_values_of_the_wrong_type_are_caught_before_polars():
    assert context_problems(parse("x in context.flag"), {"flag": True})
    assert context_problems(parse("context.label + 1 > 0"), {"label": "north"})
    assert not context_problems(parse("region in context.regions"), {"regions": ["north"]})


def test_regression_python_syntax_warnings_stay_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ExpressionError):
            parse("1if x")


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["attributes"].update(team=[1]), None),
    (lambda d: d["grades"][0].update(grade=[1, [2]]), None),
    (lambda d: d["rules"][0].update(then=5), None),
    (lambda d: d["scorecards"]["sales_rep"]["dimensions"]["results"].update(weight=float("nan")),
     "not a usable number"),
])
def test_regression_malformed_rulesets_give_diagnostics_not_exceptions(edit, message):
    import yaml

    from appraise.language.validate import validate_ruleset

    data = _example_ruleset()
    edit(data)
    diags = validate_ruleset(loads(yaml.safe_dump(data, allow_unicode=True), "r.yaml"))
    assert any(d.severity == "error" for d in diags)
    if message:
        assert any(message in d.message for d in diags)


@pytest.mark.parametrize("text", ["x in [-'']", "(not(0not in[-''])and(context.A))", "x in [not 1]", "x in [-True]"])
def test_regression_signs_in_lists_only_on_number_literals(text):
    """Found by the fuzzer in CI: a minus on a text literal inside a list crashed the type check."""
    from appraise.language.expr import ExpressionError, parse

    with pytest.raises(ExpressionError, match="list items must be plain numbers or text"):
        parse(text)


def test_regression_division_by_a_constant_is_exact_division_not_a_reciprocal():
    """polars turns 'x / c' into 'x * (1 / c)': 0 / 5e-324 became NaN and 19844 / 1e4 came out 1.9844000000000002."""
    frame = pl.DataFrame({"x": [0.0, 1.0, 19844.0, -3.0, None]}, schema={"x": pl.Float64})
    for text in ("x / 5e-324", "x / 3", "x / 10000", "x / (1 + 2)", "x / -7"):
        got = frame.select(to_polars(parse(text), pl.col, {}).alias("r"))["r"].to_list()
        assert got == [evaluate(parse(text), {"x": v}) for v in frame["x"]], text
