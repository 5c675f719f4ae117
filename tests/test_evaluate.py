"""The columnar core against the worked example and against each SPEC rule on small cases."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
import pytest

from appraise.core.evaluate import evaluate
from appraise.export.document import results_document
from appraise.language.compile import compile_ruleset
from appraise.language.period import parse
from appraise.tables import Inputs
from engine_inputs import EXAMPLE, compare, previous_from, run_example


def test_example_q2_matches_expected():
    _, doc = run_example("Q2")
    assert compare(doc, json.loads((EXAMPLE / "expected-q2.json").read_text())) == []


def test_example_q3_after_q2_matches_expected():
    _, q2 = run_example("Q2")
    _, q3 = run_example("Q3", previous=previous_from(q2))
    assert compare(q3, json.loads((EXAMPLE / "expected-q3.json").read_text())) == []


def test_q3_without_history_does_not_grant_priority():
    _, q3 = run_example("Q3")
    assert all("regional-expansion-priority" not in e["outcomes"] for e in q3["employees"])


# ---------------------------------------------------------------- small synthetic cases

def ruleset(**over) -> dict:
    base = {
        "id": "t", "version": "1",
        "attributes": {"team": "string", "target_bonus": "money"},
        "metrics": {
            "revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"},
            "calls": {"aggregate": "sum"}, "complaints": {"aggregate": "sum"}, "orders": {"aggregate": "sum"},
            "complaint_rate": {"formula": "complaints / orders", "direction": "lower"},
        },
        "scorecards": {"rep": {"dimensions": {
            "results": {"weight": 60, "kpis": {"revenue": {"weight": 100, "target": "quota"}}},
            "activity": {"weight": 40, "kpis": {"calls": {"weight": 50, "target": 100},
                                                "complaint_rate": {"weight": 50, "target": 0.1}}},
        }}},
        "grades": [{"grade": "A", "min": 90}, {"grade": "B", "min": 70}, {"grade": "C", "min": 0}],
    }
    base.update(over)
    return base


def frame(rows: list[dict]) -> pl.DataFrame:
    df = pl.DataFrame(rows)
    return df.with_columns([pl.col(c).cast(pl.Float64) for c in df.columns if c not in ("employee", "month")])


def employees(n: int, **cols) -> pl.DataFrame:
    data = {"id": [f"E{i:03d}" for i in range(1, n + 1)], "name": [f"P{i}" for i in range(1, n + 1)],
            "team": ["t1"] * n, "target_bonus": ["10000"] * n}
    data.update(cols)
    return pl.DataFrame(data).with_columns(pl.all().cast(pl.Utf8))


def run(rs: dict, emp, metrics, period="2026-Q3", context=None, **kw):
    ev = evaluate(compile_ruleset(rs), Inputs(employees=emp, metrics=metrics, **kw), parse(period), context or {})
    return ev, {e["id"]: e for e in results_document(ev)["employees"]}


def month_rows(emp_id, **vals):
    return [{"employee": emp_id, "month": f"2026-0{m}", **{k: v / 3 for k, v in vals.items()}} for m in (7, 8, 9)]


def test_lower_is_better_and_zero_actual_gets_the_cap():
    m = frame(month_rows("E001", revenue=100, quota=100, calls=100, complaints=0, orders=30)
              + month_rows("E002", revenue=100, quota=100, calls=100, complaints=6, orders=30))
    _, res = run(ruleset(), employees(2), m)
    assert res["E001"]["kpis"]["activity.complaint_rate"]["attainment"] == 1.0  # cap of the default linear curve
    assert res["E002"]["kpis"]["activity.complaint_rate"]["attainment"] == pytest.approx(0.5)
    assert res["E002"]["kpis"]["activity.complaint_rate"]["score"] == pytest.approx(50.0)


def test_bands_and_points_curves():
    rs = ruleset()
    kpis = rs["scorecards"]["rep"]["dimensions"]["activity"]["kpis"]
    kpis["calls"]["curve"] = {"bands": [{"from": 0.8, "score": 60}, {"from": 1.0, "score": 100}]}
    rs["scorecards"]["rep"]["dimensions"]["results"]["kpis"]["revenue"]["curve"] = {
        "points": [[0.5, 0], [1.0, 100], [1.5, 130]]}
    rows = []
    for i, (rev, calls) in enumerate([(75, 79), (125, 80), (200, 99), (40, 120)], start=1):
        rows += month_rows(f"E00{i}", revenue=rev, quota=100, calls=calls, complaints=1, orders=10)
    _, res = run(rs, employees(4), frame(rows))
    assert [res[f"E00{i}"]["kpis"]["activity.calls"]["score"] for i in range(1, 5)] == [0.0, 60.0, 60.0, 100.0]
    assert [res[f"E00{i}"]["kpis"]["results.revenue"]["score"] for i in range(1, 5)] == \
        pytest.approx([50.0, 115.0, 130.0, 0.0])


def test_missing_kpi_redistributes_and_is_listed():
    rows = month_rows("E001", revenue=100, quota=100, calls=50, complaints=0, orders=0)  # 0/0 → missing
    ev, res = run(ruleset(), employees(1), frame(rows))
    e = res["E001"]
    assert e["missing"] == ["activity.complaint_rate"]
    assert e["kpis"]["activity.complaint_rate"]["weight"] == 0.0
    assert e["kpis"]["activity.complaint_rate"]["score"] is None
    assert e["kpis"]["activity.calls"]["weight"] == 100.0
    assert e["score"] == pytest.approx(0.6 * 100 + 0.4 * 50)


def test_missing_zero_policy_scores_zero_and_still_lists():
    rows = month_rows("E001", revenue=100, quota=100, calls=50, complaints=0, orders=0)
    _, res = run(ruleset(missing="zero"), employees(1), frame(rows))
    e = res["E001"]
    assert e["missing"] == ["activity.complaint_rate"]
    assert e["score"] == pytest.approx(0.6 * 100 + 0.4 * (0.5 * 50 + 0.5 * 0))


def test_missing_error_policy_moves_employee_to_errors():
    rows = month_rows("E001", revenue=100, quota=100, calls=50, complaints=0, orders=0) + \
        month_rows("E002", revenue=100, quota=100, calls=50, complaints=1, orders=10)
    ev, res = run(ruleset(missing="error"), employees(2), frame(rows))
    assert set(res) == {"E002"}
    assert [(e.employee, e.stage) for e in ev.errors] == [("E001", "missing")]


def test_employment_window_and_tenure():
    emp = employees(3, hire_date=["2020-01-01", "2026-10-01", "2024-01-15"],
                    leave_date=[None, None, "2026-06-30"])
    rows = sum((month_rows(f"E00{i}", revenue=100, quota=100, calls=100, complaints=1, orders=10)
                for i in (1, 2, 3)), [])
    _, res = run(ruleset(), emp, frame(rows))
    assert set(res) == {"E001"}  # E002 hired after the period, E003 left before it
    assert res["E001"]["tenure_months"] == 80


def test_no_scorecard_applies_is_not_covered_not_a_zero():
    rs = ruleset(attributes={"team": "string", "target_bonus": "money", "role": "string"})
    rs["scorecards"]["rep"]["applies_to"] = 'role == "rep"'
    emp = employees(2, role=["rep", "intern"])
    rows = month_rows("E001", revenue=1, quota=1, calls=1, complaints=1, orders=1) + \
        month_rows("E002", revenue=1, quota=1, calls=1, complaints=1, orders=1)
    ev, res = run(rs, emp, frame(rows))
    assert set(res) == {"E001"}
    # SPEC v2: someone no scorecard applies to is not covered by this ruleset (another one appraises them):
    # counted, neither a result nor an error
    assert ev.not_covered == ["E002"] and ev.errors == []


def test_calibration_moves_lowest_and_breaks_ties_by_larger_id():
    rs = ruleset(calibration={"cohort": "team", "min_cohort": 4, "max_share": {"A": 0.5}})
    rows = []
    for i, rev in enumerate([100, 95, 95, 95, 60], start=1):  # four A's (≥90) in a cohort of 5 → allowed 2
        rows += month_rows(f"E00{i}", revenue=rev, quota=100, calls=100, complaints=1, orders=10)
    _, res = run(rs, employees(5), frame(rows))
    grades = {k: (v["grade_uncalibrated"], v["grade"]) for k, v in res.items()}
    assert grades["E001"] == ("A", "A")
    assert grades["E002"] == ("A", "A")  # tie at 97: the larger ids move first
    assert grades["E003"] == ("A", "B") and grades["E004"] == ("A", "B")


def test_calibration_skips_small_cohorts():
    rs = ruleset(calibration={"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.1}})
    rows = sum((month_rows(f"E00{i}", revenue=100, quota=100, calls=100, complaints=1, orders=10)
                for i in range(1, 5)), [])
    _, res = run(rs, employees(4), frame(rows))
    assert all(v["grade"] == "A" for v in res.values())


def test_bonus_tiers_multiplier_excess_cap_and_rounding():
    rs = ruleset(bonus={"target": "target_bonus", "attainment": "revenue",
                        "tiers": [{"from": 0.8, "pay": 0.4}, {"from": 1.0, "pay": 0.6}],
                        "excess": {"above": 1.0, "rate": 0.05}, "multiplier": {"A": 1.5, "B": 1.0, "C": 0},
                        "cap": 2.0, "rounding": 100})
    rows = month_rows("E001", revenue=90000, quota=100000, calls=100, complaints=1, orders=10) + \
        month_rows("E002", revenue=110050, quota=100000, calls=100, complaints=1, orders=10) + \
        month_rows("E003", revenue=900000, quota=100000, calls=100, complaints=1, orders=10)
    _, res = run(rs, employees(3, target_bonus=["10000", "10000", "10000"]), frame(rows))
    # E001: attainment 0.9, grade B(score 0.6*90+40*... ) → tier 1 only, multiplier by grade
    e1 = res["E001"]
    assert e1["grade"] == "A" and e1["bonus"] == str(int(Decimal("4000") * Decimal("1.5")))
    # E002: 1.1005 → both tiers × 1.5 = 15000, excess 0.05 × 10050 = 502.5 → 15502.5 → half-up to 100 = 15500
    assert res["E002"]["bonus"] == "15500"
    # E003: far above → capped at 2 × 10000
    assert res["E003"]["bonus"] == "20000"
    assert res["E003"]["bonus_detail"]["uncapped"] != res["E003"]["bonus_detail"]["cap"]


def test_rules_set_shift_drop_scale_target_in_file_order():
    rs = ruleset(attributes={"team": "string", "target_bonus": "money", "region": "string"},
                 rules=[{"id": "r1", "when": "context.war",
                         "then": [{"set": {"activity.calls": 80}},
                                  {"shift": {"from": "results", "to": "activity", "points": 10}}]},
                        {"id": "r2", "when": "region in context.blocked",
                         "then": [{"drop": "activity.complaint_rate"}]},
                        {"id": "r3", "when": "tenure_months < 3", "then": [{"scale_target": {"revenue": 0.5}}]}])
    emp = employees(2, region=["north", "east"], hire_date=["2026-08-01", "2020-01-01"])
    rows = month_rows("E001", revenue=50, quota=100, calls=100, complaints=1, orders=10) + \
        month_rows("E002", revenue=50, quota=100, calls=100, complaints=1, orders=10)
    _, res = run(rs, emp, frame(rows), context={"war": True, "blocked": ["north"]})
    e1, e2 = res["E001"], res["E002"]
    assert e1["rules_fired"] == ["r1", "r2", "r3"] and e2["rules_fired"] == ["r1"]
    assert e1["dimensions"]["results"]["weight"] == 50.0 and e1["dimensions"]["activity"]["weight"] == 50.0
    assert e1["kpis"]["activity.calls"]["weight"] == 100.0 and e1["kpis"]["activity.complaint_rate"]["weight"] == 0.0
    assert e2["kpis"]["activity.calls"]["weight"] == 80.0 and e2["kpis"]["activity.complaint_rate"]["weight"] == 20.0
    assert e1["kpis"]["results.revenue"]["target"] == pytest.approx(50.0)
    assert e1["kpis"]["results.revenue"]["attainment"] == pytest.approx(1.0)


def test_adjustments_and_floor_at_zero():
    rs = ruleset()
    rs["scorecards"]["rep"]["adjustments"] = [{"id": "bad", "when": "complaint_rate > 0.05", "points": -500}]
    rows = month_rows("E001", revenue=100, quota=100, calls=100, complaints=5, orders=10)
    _, res = run(rs, employees(1), frame(rows))
    assert res["E001"]["adjustments"] == [{"id": "bad", "points": -500}]
    assert res["E001"]["score"] == 0.0 and res["E001"]["grade"] == "C"


def test_okr_progress_decreasing_and_aspirational():
    from engine_inputs import okr_frame

    rs = ruleset()
    rs["scorecards"]["rep"]["dimensions"] = {
        "results": {"weight": 50, "kpis": {"revenue": {"weight": 100, "target": "quota"}}},
        "okr": {"weight": 50, "okr": {}}}
    okrs = okr_frame({"E001": [
        {"objective": "shorter cycle", "key_results": [{"name": "days", "start": 60, "target": 40, "current": 50}]},
        {"objective": "moonshot", "type": "aspirational",
         "key_results": [{"name": "a", "start": 0, "target": 10, "current": 7, "weight": 3},
                         {"name": "b", "start": 0, "target": 10, "current": 20}]}]})
    rows = month_rows("E001", revenue=100, quota=100, calls=0, complaints=0, orders=1)
    _, res = run(rs, employees(1), frame(rows), okrs=okrs)
    # committed 0.5; aspirational (3*0.7 + 1*1)/4 = 0.775 → min(0.775/0.7, 1) = 1 → mean 0.75
    assert res["E001"]["dimensions"]["okr"]["score"] == pytest.approx(75.0)


def test_key_result_progress_is_clamped_to_0_1_and_unknown_without_a_distinct_target():
    # SPEC "OKRs": (current − start) / (target − start) clamped to [0, 1]; works for decreasing targets;
    # target == start measures nothing (null: the key result counts in no mean; the providers refuse it)
    from appraise.core.rollup import key_result_progress

    rows = pl.DataFrame({"start": [0.0, 0.0, 60.0, 5.0, 0.0, 0.0], "target": [10.0, 10.0, 40.0, 5.0, None, 10.0],
                         "current": [15.0, -5.0, 50.0, 7.0, 5.0, None]})
    got = rows.select(key_result_progress(pl.col("start"), pl.col("target"), pl.col("current")))
    # 15 of 10: 1.5 → 1; −5: −0.5 → 0; 60 → 40 at 50: −10 / −20 = 0.5; 5 → 5: null; no target, no current: null
    assert got.to_series().to_list() == [1.0, 0.0, 0.5, None, None, None]


def test_360_anonymity_and_self_not_scored():
    rs = ruleset()
    rs["scorecards"]["rep"]["dimensions"] = {
        "results": {"weight": 50, "kpis": {"revenue": {"weight": 100, "target": "quota"}}},
        "fb": {"weight": 50, "feedback360": {"scale": 5, "sources": {"manager": 50, "peer": 50}}}}
    fb = pl.DataFrame({"employee": ["E001"] * 5, "rater": ["M", "P1", "P2", "E001", "X"],
                       "relation": ["manager", "peer", "peer", "self", "customer"],
                       "rating": [4.0, 5.0, 5.0, 1.0, 1.0]})
    rows = month_rows("E001", revenue=100, quota=100, calls=0, complaints=0, orders=1)
    _, res = run(rs, employees(1), frame(rows), feedback=fb)
    d = res["E001"]["dimensions"]["fb"]
    # peers (2 < 3) hidden; customer not listed; self beside
    assert d["sources"] == {"manager": 80.0} and d["self"] == 20.0
    assert d["score"] == 80.0


def test_shuffled_input_gives_identical_results():
    _, a = run_example("Q3")
    from engine_inputs import example_inputs, example_ruleset_data

    inp = example_inputs("Q3")
    shuffled = Inputs(employees=inp.employees.sample(fraction=1.0, shuffle=True, seed=7),
                      metrics=inp.metrics.sample(fraction=1.0, shuffle=True, seed=3),
                      feedback=inp.feedback.sample(fraction=1.0, shuffle=True, seed=5),
                      okrs=inp.okrs.sample(fraction=1.0, shuffle=True, seed=9))
    ev = evaluate(compile_ruleset(example_ruleset_data()), shuffled, parse("2026-Q3"),
                  {"price_war": True, "restricted_regions": ["north"]})
    assert json.dumps(results_document(ev), sort_keys=True) == json.dumps(a, sort_keys=True)


def test_missing_context_field_is_a_clear_error():
    from appraise.errors import AppraiseError

    with pytest.raises(AppraiseError, match="context.price_war"):
        run_example("Q3", context={"restricted_regions": []})


def test_unreadable_employee_values_are_all_reported_and_the_employee_left_out():
    rs = ruleset()
    emp = employees(3, hire_date=["2020-01-01", "01/02/2020", " "], target_bonus=["10,000", "ten", ""])
    rows = [r for e in ("E001", "E002", "E003")
            for r in month_rows(e, revenue=100, quota=100, calls=0, complaints=0, orders=1)]
    ev, res = run(rs, emp, frame(rows))
    problems = sorted((e.employee, e.message) for e in ev.errors)
    assert problems == [("E002", "hire_date '01/02/2020' is not a date; write YYYY-MM-DD"),
                        ("E002", "target_bonus 'ten' is not a number (declared money)")]
    assert sorted(res) == ["E001", "E003"]  # blanks are absent values, not errors
    assert ev.frame.filter(pl.col("id") == "E001")["attr.target_bonus"].item() == 10000.0


def test_commas_are_read_only_as_thousands_separators_and_a_bonus_target_is_never_negative():
    rs = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.5, "pay": 1}]})
    written = ["20,000.50", "12.375,00", "1,2,3", "-5000", "1,234,567", "12375"]
    emp = employees(len(written), target_bonus=written)
    rows = [r for i in range(len(written)) for r in month_rows(f"E00{i + 1}", revenue=100, quota=100, calls=0,
                                                               complaints=0, orders=1)]
    ev, res = run(rs, emp, frame(rows))
    assert sorted((e.employee, e.message) for e in ev.errors) == [
        ("E002", "target_bonus '12.375,00' is not a number (declared money)"),
        ("E003", "target_bonus '1,2,3' is not a number (declared money)"),
        ("E004", "target_bonus '-5000' is below zero; a bonus target is 0 or more")]
    assert {i: e["bonus"] for i, e in res.items()} == {"E001": "20001", "E005": "1234567", "E006": "12375"}
    assert res["E001"]["bonus_detail"]["target"] == "20000.5"          # as written, not at the bonus unit


# ---------------------------------------------------------------- hitting a threshold exactly (binary floats)

def test_an_actual_that_equals_its_target_reaches_every_threshold_at_one():
    """Monthly cents and an expression target make actual and target binary-noisy
    (99,999.99 vs 99,999.98999999999; quota * 1.1 = 110,000.00000000001): attainment is still
    exactly 1, so a floor of 1, a band from 1 and a bonus tier from 1 are all reached."""
    rs = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 1.0, "pay": 1.0}]})
    dims = rs["scorecards"]["rep"]["dimensions"]
    dims["results"]["kpis"] = {"revenue": {"weight": 50, "target": "quota", "curve": {"floor": 1.0, "cap": 1.5}},
                               "calls": {"weight": 50, "target": "quota * 1.1",
                                         "curve": {"bands": [{"from": 1.0, "score": 100}]}}}
    rows = [{"employee": "E001", "month": f"2026-0{m}", "revenue": r, "quota": 33333.33, "calls": 110000 / 3,
             "complaints": 1, "orders": 10} for m, r in ((7, 30000.0), (8, 30000.0), (9, 39999.99))]
    m = frame(rows)
    assert m["revenue"].sum() != m["quota"].sum()          # the premise: binary sums differ in the last digit
    _, res = run(rs, employees(1), m)
    e = res["E001"]
    assert e["kpis"]["results.revenue"]["attainment"] == 1.0 and e["kpis"]["results.revenue"]["score"] == 100.0
    assert e["kpis"]["results.calls"]["score"] == 100.0
    assert e["bonus"] == "10000" and e["bonus_detail"]["tiers_reached"] == 1


def test_a_tier_from_0_8_is_reached_at_an_attainment_of_0_8():
    rs = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.8, "pay": 0.4}],
                        "rounding": 0.01})
    m = frame([{"employee": "E001", "month": "2026-07", "revenue": 2.4, "quota": 3.0, "calls": 100,
                "complaints": 1, "orders": 10}])
    assert 2.4 / 3.0 < 0.8                                   # the premise
    _, res = run(rs, employees(1, target_bonus=["3333.33"]), m)
    assert res["E001"]["bonus_detail"]["tiers_reached"] == 1
    assert res["E001"]["bonus"] == str((Decimal("0.4") * Decimal("3333.33")).quantize(Decimal("0.01"), ROUND_HALF_UP))


def test_rule_conditions_compare_numbers_as_written():
    """'revenue >= 100000' holds for 33,333.33 + 33,333.33 + 33,333.34 whatever the binary sum, and
    'quota * 1.1 == 110000' for a quota of 100,000 (binary: 110,000.00000000001); numbers that really
    differ still differ (99,999.99 is not >= 100,000)."""
    rs = ruleset(rules=[
        {"id": "big", "when": "revenue >= 100000", "then": [{"scale_target": {"calls": 2}}]},
        {"id": "exact", "when": "quota * 1.1 == 110000", "then": [{"scale_target": {"complaint_rate": 2}}]},
        {"id": "never", "when": "quota * 1.1 > 110000", "then": [{"scale_target": {"revenue": 2}}]},
    ])
    rows = []
    for emp, months in (("E001", (33333.33, 33333.33, 33333.34)), ("E002", (33333.33, 33333.33, 33333.33))):
        rows += [{"employee": emp, "month": f"2026-0{m}", "revenue": r, "quota": q, "calls": 100,
                  "complaints": 1, "orders": 10} for m, r, q in zip((7, 8, 9), months, (33333.33, 33333.33, 33333.34))]
    assert 100000 * 1.1 != 110000                           # the premise
    _, res = run(rs, employees(2), frame(rows))
    assert res["E001"]["rules_fired"] == ["big", "exact"]
    assert res["E002"]["rules_fired"] == ["exact"]


def test_two_scorecards_sharing_kpi_names_score_each_employee_as_their_own_card_alone():
    """A second scorecard with the same dimension and KPI names (different weights) for region north: every
    employee's result equals a run of the ruleset with only their scorecard."""
    import copy

    from engine_inputs import two_scorecards_data

    data = two_scorecards_data()  # (no calibration: cohorts would mix both cards)
    (_, north), (key, card) = data["scorecards"].items()
    _, both = run_example("Q3", ruleset_data=data)
    alone = {}
    for name, c in (("north", north), (key, card)):
        single = dict(copy.deepcopy(data), scorecards={name: {k: v for k, v in c.items() if k != "applies_to"}})
        alone[name] = {e["id"]: e for e in run_example("Q3", ruleset_data=single)[1]["employees"]}
    assert {e["scorecard"] for e in both["employees"]} == {"north", key}
    for e in both["employees"]:
        assert e == alone[e["scorecard"]][e["id"]], e["id"]
