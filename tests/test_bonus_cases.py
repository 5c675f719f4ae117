"""Hand-computed cases for the bonus, curves, grades and calibration, through the public API.

Every expected number is worked out by hand in the comment beside it from the SPEC (Bonus; Grades and
calibration; Scorecards, dimensions, KPIs; Settled questions v1.1) and the README's "Semantics the SPEC
leaves open".  Nothing here is the engine's own output pasted back.  Rulesets are written to a YAML
file and go through `appraise.api.evaluate`, which validates them first, so every case is a ruleset an
HR editor could ship.
"""
from __future__ import annotations

import copy

import pytest
import yaml

from appraise import api

PERIOD = "2026-Q3"

# One dimension, two KPIs of weight 50 with the default linear curve (floor 0, cap 1.0), so
#   score = 50 × min(revenue / quota, 1) + 50 × min(calls / 100, 1).
# With revenue at quota (50 points) the calls choose the grade: 80 calls → 90 (A), 20 → 60 (B), 0 → 50 (C).
BASE = {
    "id": "cases", "version": "1",
    "attributes": {"team": "string", "target_bonus": "money"},
    "metrics": {"revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"}, "calls": {"aggregate": "sum"}},
    "scorecards": {"rep": {"dimensions": {"results": {"weight": 100, "kpis": {
        "revenue": {"weight": 50, "target": "quota"},
        "calls": {"weight": 50, "target": 100}}}}}},
    "grades": [{"grade": "A", "min": 90}, {"grade": "B", "min": 60}, {"grade": "C", "min": 0}],
}


def ruleset(**over) -> dict:
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(over))
    return data


def person(eid: str, revenue=None, quota=100_000.0, calls=None, target_bonus="10000", team="t1",
           **metrics) -> tuple[dict, dict]:
    """An employee row and their one metric row (July): None leaves a metric without a value.
    (``appraise`` also takes a list of metric rows in place of the one row.)"""
    row = {"employee": eid, "month": "2026-07", "revenue": revenue, "quota": quota, "calls": calls, **metrics}
    return {"id": eid, "name": eid, "team": team, "target_bonus": target_bonus}, row


def appraise(tmp_path, data: dict, people: list[tuple[dict, dict]], **kw) -> dict[str, dict]:
    """Each employee's results.json entry, by id."""
    return {e["id"]: e for e in evaluated(tmp_path, data, people, **kw).document["employees"]}


def evaluated(tmp_path, data: dict, people: list[tuple[dict, dict]], period_id: str = PERIOD, **kw) -> api.Results:
    path = tmp_path / "ruleset.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    metrics = [row for _, m in people for row in (m if isinstance(m, list) else [m])]
    columns = sorted({k for m in metrics for k in m} - {"employee", "month"})
    import polars as pl

    frame = pl.DataFrame(metrics, schema={"employee": pl.Utf8, "month": pl.Utf8, **{c: pl.Float64 for c in columns}})
    res = api.evaluate(path, period=period_id, employees=[e for e, _ in people], metrics=frame, **kw)
    assert not res.errors, res.errors
    return res


# ---------------------------------------------------------------- bonus: the multiplier of a grade not listed

def test_a_grade_missing_from_multiplier_pays_its_tiers_times_one(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue",
                          "tiers": [{"from": 1.0, "pay": 0.5}], "multiplier": {"A": 1.5, "C": 0.5}})
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=80),    # 50 + 40 = 90 → A
                                    person("E2", revenue=100_000, calls=20),    # 50 + 10 = 60 → B (not listed)
                                    person("E3", revenue=100_000, calls=0)])    # 50 +  0 = 50 → C
    assert [res[e]["grade"] for e in ("E1", "E2", "E3")] == ["A", "B", "C"]
    # tier pay 0.5 × 10,000 = 5,000 for all three (attainment 1.0 reaches 'from: 1.0')
    assert res["E1"]["bonus"] == "7500"          # 5,000 × 1.5
    assert res["E2"]["bonus"] == "5000"          # 5,000 × 1 (B is not in 'multiplier')
    assert res["E2"]["bonus_detail"]["multiplier"] == "1"
    assert res["E3"]["bonus"] == "2500"          # 5,000 × 0.5


def test_without_multiplier_every_grade_pays_its_tiers_times_one(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 1.0, "pay": 0.5}]})
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=80), person("E2", revenue=100_000, calls=0)])
    assert {e: (r["grade"], r["bonus"]) for e, r in res.items()} == {"E1": ("A", "5000"), "E2": ("C", "5000")}


def test_the_multiplier_applies_to_tier_pay_only_not_to_the_excess(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue",
                          "tiers": [{"from": 1.0, "pay": 0.5}], "excess": {"above": 1.0, "rate": 0.01},
                          "multiplier": {"A": 2, "B": 1, "C": 0}})
    res = appraise(tmp_path, data, [person("E1", revenue=150_000, calls=80),    # 50 + 40 = 90 → A
                                    person("E2", revenue=150_000, calls=0)])    # 50 +  0 = 50 → C
    # tiers: 0.5 × 10,000 = 5,000; excess: 0.01 × (150,000 − 1.0 × 100,000) = 500
    assert res["E1"]["bonus"] == "10500"         # 5,000 × 2 + 500
    assert res["E2"]["bonus"] == "500"           # 5,000 × 0 + 500


# ---------------------------------------------------------------- bonus: rounding never lifts the amount over the cap

def test_rounding_never_lifts_the_amount_over_a_cap_that_is_not_a_multiple_of_the_unit(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.5, "pay": 0.98}],
                          "cap": 1.0, "rounding": 100})
    res = appraise(tmp_path, data, [
        # 0.98 × 1,080 = 1,058.40 ≤ cap 1,080; half-up to 100 would be 1,100 > 1,080 → rounded down: 1,000
        person("E1", revenue=100_000, calls=0, target_bonus="1080"),
        # 0.98 × 1,180 = 1,156.40 ≤ cap 1,180; half-up to 100 is 1,200 > 1,180 → 1,100
        person("E2", revenue=100_000, calls=0, target_bonus="1180"),
        # 0.98 × 1,250 = 1,225 ≤ cap 1,250; half-up to 100 is 1,200 (below the cap, kept)
        person("E3", revenue=100_000, calls=0, target_bonus="1250"),
        # 0.98 × 1,320 = 1,293.60 ≤ cap 1,320; half-up to 100 is 1,300 ≤ 1,320: rounding up under the cap stays
        person("E4", revenue=100_000, calls=0, target_bonus="1320")])
    assert {e: r["bonus"] for e, r in res.items()} == {"E1": "1000", "E2": "1100", "E3": "1200", "E4": "1300"}


def test_a_capped_amount_is_rounded_down_to_the_unit(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.5, "pay": 2.0}],
                          "cap": 1.5, "rounding": 100})
    res = appraise(tmp_path, data, [
        # tiers 2.0 × 1,050 = 2,100 > cap 1.5 × 1,050 = 1,575 → 1,575; half-up to 100 = 1,600 > 1,575 → 1,500
        person("E1", revenue=100_000, calls=0, target_bonus="1050"),
        # cap 1.5 × 1,000 = 1,500, a multiple of 100: 1,500
        person("E2", revenue=100_000, calls=0, target_bonus="1000")])
    assert res["E1"]["bonus"] == "1500" and res["E1"]["bonus_detail"]["cap"] == "1575"
    assert res["E1"]["bonus_detail"]["uncapped"] == "2100"
    assert res["E2"]["bonus"] == "1500"


def test_rounding_is_half_up_to_the_unit_once_at_the_end(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue",
                          "tiers": [{"from": 0.5, "pay": 0.0125}, {"from": 0.9, "pay": 0.0001}], "rounding": 10})
    res = appraise(tmp_path, data, [
        person("E1", revenue=80_000, calls=0),   # 0.0125 × 10,000 = 125 → 12.5 units → half-up 13 → 130
        person("E2", revenue=80_000, calls=0, target_bonus="9920"),   # 0.0125 × 9,920 = 124 → 12.4 → 120
        # both tiers: (0.0125 + 0.0001) × 10,000 = 126 → 12.6 → 130 (rounded once, not 130 + 0)
        person("E3", revenue=95_000, calls=0)])
    assert {e: r["bonus"] for e, r in res.items()} == {"E1": "130", "E2": "120", "E3": "130"}
    assert [res[e]["bonus_detail"]["tiers_reached"] for e in ("E1", "E2", "E3")] == [1, 1, 2]


def test_a_rounding_unit_of_a_cent_keeps_cents(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.5, "pay": 0.333}],
                          "cap": 0.3335, "rounding": 0.01})
    # 0.333 × 1,234.57 = 411.111810 → 411.11 (cap 0.3335 × 1,234.57 = 411.729095, not reached)
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=0, target_bonus="1234.57")])
    assert res["E1"]["bonus"] == "411.11"


def test_a_rounding_unit_written_as_1_0_still_pays_whole_units(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.5, "pay": 0.5}],
                          "rounding": 1.0})
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=0)])    # 0.5 × 10,000 = 5,000
    assert res["E1"]["bonus"] == "5000"


def test_the_target_bonus_is_used_exactly_as_written(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.5, "pay": 1}],
                          "rounding": 0.01})
    # 1 × 99,999,999,999,999.99 (16 significant digits, below the 10^15 limit): a binary float holds
    # 99,999,999,999,999.98 at best, exact decimals keep the cent
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=0, target_bonus="99999999999999.99")])
    assert res["E1"]["bonus"] == "99999999999999.99"


# ---------------------------------------------------------------- bonus: null, never 0

def test_no_actual_for_the_attainment_kpi_gives_a_null_bonus_not_zero(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 1.0, "pay": 0.5}]})
    res = appraise(tmp_path, data, [
        person("E1", revenue=None, calls=100),    # revenue missing: scored on calls alone (100), no bonus
        person("E2", revenue=10_000, calls=100),  # attainment 0.1: below every tier, so a real 0
        person("E3", revenue=100_000, calls=100, target_bonus="")])  # no target bonus: null
    assert res["E1"]["missing"] == ["results.revenue"] and res["E1"]["score"] == 100.0
    assert res["E1"]["bonus"] is None
    assert res["E2"]["bonus"] == "0"
    assert res["E3"]["score"] == 100.0 and res["E3"]["bonus"] is None


def test_no_actual_for_the_attainment_kpi_gives_a_null_bonus_under_missing_zero(tmp_path):
    data = ruleset(missing="zero", bonus={"target": "target_bonus", "attainment": "revenue",
                                          "tiers": [{"from": 0.0, "pay": 0.5}]})
    # 'missing: zero' scores the KPI 0 (score 0 × 50 + 50 = 50) but there is still no attainment to pay on;
    # a tier 'from: 0' would pay anyone with an attainment (0.5 × 10,000 = 5,000), not the one without
    res = appraise(tmp_path, data, [person("E1", revenue=None, calls=100), person("E2", revenue=0.0, calls=100)])
    assert res["E1"]["score"] == 50.0 and res["E1"]["bonus"] is None
    assert res["E2"]["score"] == 50.0 and res["E2"]["bonus"] == "5000"


def test_a_scorecard_without_the_attainment_kpi_gives_a_null_bonus(tmp_path):
    data = ruleset(attributes={"team": "string", "target_bonus": "money", "role": "string"},
                   bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.0, "pay": 0.5}]})
    data["scorecards"] = {"support": {"applies_to": 'role == "support"', "dimensions": {"results": {
        "weight": 100, "kpis": {"calls": {"weight": 100, "target": 100}}}}}, **data["scorecards"]}
    people = [person("E1", revenue=100_000, calls=100), person("E2", revenue=100_000, calls=100)]
    people[0][0]["role"], people[1][0]["role"] = "support", "rep"
    res = appraise(tmp_path, data, people)
    # E1's scorecard has no 'revenue' KPI: no attainment, no bonus (a tier 'from: 0' pays anyone who has one)
    assert (res["E1"]["scorecard"], res["E1"]["bonus"]) == ("support", None)
    assert (res["E2"]["scorecard"], res["E2"]["bonus"]) == ("rep", "5000")     # 0.5 × 10,000


def test_a_quota_of_zero_leaves_no_attainment_and_a_null_bonus(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.0, "pay": 0.5}]})
    res = appraise(tmp_path, data, [person("E1", revenue=50_000, quota=0.0, calls=100)])  # 50,000 / 0 is missing
    assert res["E1"]["kpis"]["results.revenue"]["attainment"] is None and res["E1"]["bonus"] is None


# ---------------------------------------------------------------- bonus: the excess baseline is above × KPI target

def test_excess_is_paid_on_the_actual_above_above_times_the_kpi_target(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 1.0, "pay": 0.5}],
                          "excess": {"above": 1.2, "rate": 0.1}})
    res = appraise(tmp_path, data, [
        person("E1", revenue=150_000, calls=0),   # a = 1.5 > 1.2: 0.1 × (150,000 − 120,000) = 3,000; + 5,000
        person("E2", revenue=110_000, calls=0),   # a = 1.1 ≤ 1.2: no excess; 5,000
        person("E3", revenue=120_000, calls=0),   # a = 1.2, not above 1.2: no excess; 5,000
        # a = 2.6: 0.1 × (130,000 − 1.2 × 50,000) = 7,000; + 5,000
        person("E4", revenue=130_000, quota=50_000.0, calls=0)])
    assert {e: r["bonus"] for e, r in res.items()} == {"E1": "8000", "E2": "5000", "E3": "5000", "E4": "12000"}
    assert res["E1"]["bonus_detail"]["excess"] == "3000" and res["E2"]["bonus_detail"]["excess"] == "0"


def test_excess_above_less_than_one_pays_before_the_first_tier(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 1.0, "pay": 0.5}],
                          "excess": {"above": 0.8, "rate": 0.05}})
    res = appraise(tmp_path, data, [
        person("E1", revenue=90_000, calls=0),    # a = 0.9 > 0.8: 0.05 × (90,000 − 80,000) = 500; no tier
        person("E2", revenue=70_000, calls=0)])   # a = 0.7: nothing
    assert res["E1"]["bonus"] == "500" and res["E2"]["bonus"] == "0"


def test_excess_baseline_uses_the_kpi_target_after_scale_target(tmp_path):
    data = ruleset(attributes={"team": "string", "target_bonus": "money", "region": "string"},
                   rules=[{"id": "half", "when": 'region == "new"', "then": [{"scale_target": {"revenue": 0.5}}]}],
                   bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 1.0, "pay": 0.5}],
                          "excess": {"above": 1.2, "rate": 0.1}})
    e, m = person("E1", revenue=90_000, calls=0)
    e["region"] = "new"
    # target 0.5 × 100,000 = 50,000; a = 1.8 > 1.2: 0.1 × (90,000 − 1.2 × 50,000) = 3,000; tier 5,000 → 8,000
    res = appraise(tmp_path, data, [(e, m)])
    assert res["E1"]["rules_fired"] == ["half"] and res["E1"]["bonus"] == "8000"


def test_excess_reads_actual_and_baseline_as_written_not_their_binary_noise(tmp_path):
    """Sums of monthly amounts and above × target are a hair off in binary; the excess is worked on the
    amounts as written (here each case lands on a half cent, where the hair would round the other way)."""
    assert 7_700_000.01 + 7_700_000.14 < 15_400_000.15 and 14_000_000 * 1.1 > 15_400_000      # the premises
    assert 3_500_000.01 + 3_500_000.44 < 7_000_000.45 and 2_000_000.07 + 2_000_000.37 > 4_000_000.44
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 2.0, "pay": 1}],
                          "excess": {"above": 1.1, "rate": 0.1}, "rounding": 0.01})
    e1, july = person("E1", revenue=7_700_000.01, quota=7_000_000.0, calls=0)
    e2, july2 = person("E2", revenue=3_500_000.01, quota=3_000_000.0, calls=0)
    e3, july3 = person("E3", revenue=4_400_000.534, quota=2_000_000.07, calls=0)
    people = [(e1, [july, dict(july, month="2026-08", revenue=7_700_000.14)]),
              (e2, [july2, dict(july2, month="2026-08", revenue=3_500_000.44, quota=3_000_000.0)]),
              (e3, [july3, dict(july3, month="2026-08", revenue=None, quota=2_000_000.37)])]
    res = appraise(tmp_path, data, people)
    # no tier (from 2.0); excess 0.1 × (actual − 1.1 × quota), to the cent, half-up:
    # E1: quota 14,000,000; 0.1 × (15,400,000.15 − 15,400,000.00) = 0.015 → 0.02
    # E2: quota 6,000,000; 0.1 × (7,000,000.45 − 6,600,000.00) = 40,000.045 → 40,000.05
    # E3: quota 4,000,000.44; 0.1 × (4,400,000.534 − 4,400,000.484) = 0.005 → 0.01
    assert {e: r["bonus"] for e, r in res.items()} == {"E1": "0.02", "E2": "40000.05", "E3": "0.01"}


def test_excess_of_a_kpi_measured_in_thousandths_is_exact(tmp_path):
    data = ruleset(metrics={"revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"},
                            "calls": {"aggregate": "sum"}, "tonnes": {"aggregate": "sum"}},
                   bonus={"target": "target_bonus", "attainment": "tonnes", "tiers": [{"from": 2.0, "pay": 1}],
                          "excess": {"above": 1.0, "rate": 100}, "rounding": 0.01})
    data["scorecards"]["rep"]["dimensions"]["results"]["kpis"]["tonnes"] = {"weight": 0, "target": 100}
    # a = 1.23456 > 1: 100 × (123.456 − 1.0 × 100) = 2,345.60
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=0, tonnes=123.456)])
    assert res["E1"]["bonus"] == "2345.60"


def test_excess_baseline_of_a_target_in_thousandths_is_exact(tmp_path):
    data = ruleset(metrics={"revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"},
                            "calls": {"aggregate": "sum"}, "tonnes": {"aggregate": "sum"},
                            "plan": {"aggregate": "sum"}},
                   bonus={"target": "target_bonus", "attainment": "tonnes", "tiers": [{"from": 2.0, "pay": 1}],
                          "excess": {"above": 1.0, "rate": 100}, "rounding": 0.01})
    data["scorecards"]["rep"]["dimensions"]["results"]["kpis"]["tonnes"] = {"weight": 0, "target": "plan"}
    # a = 150 / 99.995 > 1: 100 × (150 − 1.0 × 99.995) = 5,000.50
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=0, tonnes=150.0, plan=99.995)])
    assert res["E1"]["bonus"] == "5000.50"


def test_an_amount_below_zero_is_floored_at_zero(tmp_path):
    """For a lower-is-better attainment KPI, rate × (actual − above × target) is below zero whenever the
    attainment is above 'above' (actual < target); the README: amounts below zero are floored at 0."""
    data = ruleset(metrics={"revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"},
                            "calls": {"aggregate": "sum"}, "cost": {"aggregate": "sum", "direction": "lower"}},
                   bonus={"target": "target_bonus", "attainment": "cost", "tiers": [{"from": 1.0, "pay": 0.01}],
                          "excess": {"above": 1.0, "rate": 1}, "rounding": 0.01})
    data["scorecards"]["rep"]["dimensions"]["results"]["kpis"]["cost"] = {"weight": 0, "target": 1000}
    res = appraise(tmp_path, data, [
        # a = 1,000 / 500 = 2: tier 0.01 × 10,000 = 100; excess 1 × (500 − 1,000) = −500 → −400 → 0
        person("E1", revenue=100_000, calls=0, cost=500.0),
        # a = 1,000 / 950 > 1: 100 + 1 × (950 − 1,000) = 50
        person("E2", revenue=100_000, calls=0, cost=950.0),
        # a = 1,000 / 900.4 > 1: tier 0.01 × 100 = 1; 1 + 1 × (900.4 − 1,000) = −98.6 → 0
        person("E3", revenue=100_000, calls=0, cost=900.4, target_bonus="100"),
        # a = 1,000 / 999.4 > 1: 1 + 1 × (999.4 − 1,000) = 0.40, a small amount, not floored
        person("E4", revenue=100_000, calls=0, cost=999.4, target_bonus="100")])
    assert {e: r["bonus"] for e, r in res.items()} == {"E1": "0.00", "E2": "50.00", "E3": "0.00", "E4": "0.40"}


# ---------------------------------------------------------------- curves

def curve_case(tmp_path, curve: dict, attainments: list[float], direction="higher", target=100.0) -> list:
    """Scores of the KPI 'calls' (curve under test) at the given attainments (calls = a × target)."""
    data = ruleset()
    data["metrics"]["calls"]["direction"] = direction
    data["scorecards"]["rep"]["dimensions"]["results"]["kpis"]["calls"] = {"weight": 50, "target": target,
                                                                           "curve": curve}
    people = [person(f"E{i}", revenue=100_000, calls=a * target) for i, a in enumerate(attainments)]
    res = appraise(tmp_path, data, people)
    return [res[f"E{i}"]["kpis"]["results.calls"]["score"] for i in range(len(attainments))]


def test_linear_curve_edges(tmp_path):
    # floor 0.8, cap 1.2: below the floor 0; at the floor 80; in between a × 100; cap 120 beyond 1.2
    scores = curve_case(tmp_path, {"floor": 0.8, "cap": 1.2}, [0.79, 0.8, 1.0, 1.2, 1.5])
    assert scores == pytest.approx([0.0, 80.0, 100.0, 120.0, 120.0])


def test_bands_curve_edges(tmp_path):
    # the score of the highest band with a ≥ from; 0 below the first
    scores = curve_case(tmp_path, {"bands": [{"from": 0.8, "score": 60}, {"from": 1.0, "score": 100},
                                             {"from": 1.2, "score": 110}]},
                        [0.0, 0.79, 0.8, 0.99, 1.0, 1.19, 1.2, 3.0])
    assert scores == [0.0, 0.0, 60.0, 60.0, 100.0, 100.0, 110.0, 110.0]


def test_points_curve_edges(tmp_path):
    # straight lines between (0.5, 20), (1.0, 100), (1.5, 130); the end scores held beyond them
    scores = curve_case(tmp_path, {"points": [[0.5, 20], [1.0, 100], [1.5, 130]]},
                        [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0])
    # 0.75: 20 + (100 − 20) × 0.25 / 0.5 = 60; 1.25: 100 + 30 × 0.25 / 0.5 = 115
    assert scores == pytest.approx([20.0, 20.0, 20.0, 60.0, 100.0, 115.0, 130.0, 130.0])


@pytest.mark.parametrize("curve", [{"floor": 0.5, "cap": 1.2}, {"bands": [{"from": 0, "score": 10}]},
                                   {"points": [[0, 10], [1, 100]]}])
def test_a_kpi_without_an_actual_is_missing_whatever_its_curve(tmp_path, curve):
    data = ruleset()
    data["scorecards"]["rep"]["dimensions"]["results"]["kpis"]["calls"]["curve"] = curve
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=None)])
    # calls drops out (not scored 0, not the curve's lowest score): revenue takes its weight, 100 × 1 = 100
    assert res["E1"]["kpis"]["results.calls"]["score"] is None and res["E1"]["missing"] == ["results.calls"]
    assert res["E1"]["score"] == 100.0


@pytest.mark.parametrize("curve, a_at_zero, score_at_zero", [
    ({"floor": 0, "cap": 1.3}, 1.3, 130.0),                                            # the cap
    ({"bands": [{"from": 0.8, "score": 60}, {"from": 0.9, "score": 80}, {"from": 1.1, "score": 105}]},
     1.1, 105.0),                                                                       # the last 'from'
    ({"points": [[0.5, 0], [1.0, 100], [1.4, 120]]}, 1.4, 120.0),                      # the last point
])
def test_lower_is_better_actual_zero_takes_the_top_of_the_curve(tmp_path, curve, a_at_zero, score_at_zero):
    data = ruleset()
    data["metrics"]["calls"]["direction"] = "lower"
    kpis = data["scorecards"]["rep"]["dimensions"]["results"]["kpis"]
    kpis["calls"] = {"weight": 50, "target": 10, "curve": curve}
    res = appraise(tmp_path, data, [person("E0", revenue=100_000, calls=0.0),
                                    person("E1", revenue=100_000, calls=12.5)])   # a = 10 / 12.5 = 0.8
    k0, k1 = res["E0"]["kpis"]["results.calls"], res["E1"]["kpis"]["results.calls"]
    assert k0["attainment"] == pytest.approx(a_at_zero) and k0["score"] == pytest.approx(score_at_zero)
    assert k1["attainment"] == pytest.approx(0.8)


def test_lower_is_better_with_a_target_of_zero_follows_the_formula(tmp_path):
    """v1.1: a = 0 / actual (a real 0, not missing); only an actual of 0 gives a = cap."""
    data = ruleset()
    data["metrics"]["calls"]["direction"] = "lower"
    data["scorecards"]["rep"]["dimensions"]["results"]["kpis"]["calls"] = {"weight": 50, "target": 0,
                                                                           "curve": {"floor": 0, "cap": 1.2}}
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=3.0),    # a = 0 / 3 = 0 → score 0
                                    person("E2", revenue=100_000, calls=0.0)])   # a = cap 1.2 → 120
    k1, k2 = res["E1"]["kpis"]["results.calls"], res["E2"]["kpis"]["results.calls"]
    assert (k1["attainment"], k1["score"], res["E1"]["missing"]) == (0.0, 0.0, [])
    assert res["E1"]["score"] == 50.0            # 50 × 1 + 50 × 0
    assert k2["attainment"] == pytest.approx(1.2) and k2["score"] == pytest.approx(120.0)
    assert res["E2"]["score"] == 110.0           # 50 × 1 + 50 × 1.2


def test_lower_is_better_without_an_actual_or_without_a_target_is_missing_even_at_zero(tmp_path):
    data = ruleset()
    data["metrics"]["calls"]["direction"] = "lower"
    data["metrics"]["ceiling"] = {"aggregate": "sum"}
    data["scorecards"]["rep"]["dimensions"]["results"]["kpis"]["calls"] = {"weight": 50, "target": "ceiling"}
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=None, ceiling=10.0),  # no actual
                                    person("E2", revenue=100_000, calls=0.0, ceiling=None),   # 0, but no target
                                    person("E3", revenue=100_000, calls=0.0, ceiling=10.0)])  # 0: a = cap 1.0
    for e in ("E1", "E2"):   # missing, not the cap: revenue alone, 100
        assert res[e]["kpis"]["results.calls"]["attainment"] is None and res[e]["missing"] == ["results.calls"]
        assert res[e]["score"] == 100.0
    assert res["E3"]["kpis"]["results.calls"]["attainment"] == 1.0 and res["E3"]["missing"] == []


def test_a_target_of_one(tmp_path):
    # attainment = actual / 1; the bands give 60 from 0.8 and 100 from 1.0
    scores = curve_case(tmp_path, {"bands": [{"from": 0.8, "score": 60}, {"from": 1.0, "score": 100}]},
                        [0.5, 0.8, 1.0], target=1.0)
    assert scores == [0.0, 60.0, 100.0]


# ---------------------------------------------------------------- grades

def test_grades_use_the_reported_two_decimal_score_and_include_their_minimum(tmp_path):
    res = appraise(tmp_path, ruleset(), [
        person("E1", revenue=80_000, calls=100),   # 50 × 0.8 + 50 = 90.00 exactly → A (≥ 90)
        person("E2", revenue=79_990, calls=100),   # 39.995 + 50 = 89.995 → reported 90.00 → A
        person("E3", revenue=79_980, calls=100),   # 39.99 + 50 = 89.99 → B
        person("E4", revenue=20_000, calls=0)])    # 10 → C (the last grade, min 0)
    assert [(res[e]["score"], res[e]["grade"]) for e in ("E1", "E2", "E3", "E4")] == \
        [(90.0, "A"), (90.0, "A"), (89.99, "B"), (10.0, "C")]


# ---------------------------------------------------------------- calibration

def calibrated(tmp_path, calibration: dict, people: list, grades=None) -> dict[str, tuple]:
    data = ruleset(calibration=calibration)
    if grades:
        data["grades"] = grades
    res = appraise(tmp_path, data, people)
    return {e: (r["grade_uncalibrated"], r["grade"]) for e, r in res.items()}


def test_calibration_ties_are_decided_on_the_reported_score_then_the_larger_id_as_text(tmp_path):
    data = ruleset(calibration={"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.4}})
    data["scorecards"]["rep"]["dimensions"]["results"]["kpis"] = {"revenue": {"weight": 100, "target": "quota"}}
    # score = revenue / 1,000 (quota 100,000): '10' 95.00; '9' 90.004 → reported 90.00; '11' 89.996 → 90.00;
    # '12' 50 and '13' 40 (C, below B's 60).  Three A's (≥ 90), allowed floor(5 × 0.4) = 2: one moves down.
    # '9' and '11' tie at 90.00 (the unrounded 90.004 > 89.996 does not count); the larger id as text is '9'
    # ('9' > '11'), so '9' moves to B, although both its unrounded score and its number are the better ones.
    people = [person("10", revenue=95_000), person("9", revenue=90_004), person("11", revenue=89_996),
              person("12", revenue=50_000), person("13", revenue=40_000)]
    res = appraise(tmp_path, data, people)
    assert {e: r["score"] for e, r in res.items()} == {"10": 95.0, "9": 90.0, "11": 90.0, "12": 50.0, "13": 40.0}
    assert {e: (r["grade_uncalibrated"], r["grade"]) for e, r in res.items()} == {
        "10": ("A", "A"), "9": ("A", "B"), "11": ("A", "A"), "12": ("C", "C"), "13": ("C", "C")}


def test_calibration_shares_are_cumulative_and_excess_moves_one_grade_at_a_time(tmp_path):
    grades = [{"grade": "A", "min": 90}, {"grade": "B", "min": 70}, {"grade": "C", "min": 0}]
    # scores 50 × revenue/quota + 50 × calls/100: E1 98, E2 95, E3 92, E4 85, E5 80 → A A A B B
    people = [person("E1", revenue=96_000, calls=100), person("E2", revenue=90_000, calls=100),
              person("E3", revenue=84_000, calls=100), person("E4", revenue=70_000, calls=100),
              person("E5", revenue=60_000, calls=100)]
    got = calibrated(tmp_path, {"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.2, "B": 0.6}}, people, grades)
    # A allowed floor(5 × 0.2) = 1: E2, E3 move to B.  A-or-B allowed floor(5 × 0.6) = 3: now 5 → the two lowest
    # (E5, then E4) move to C.
    assert got == {"E1": ("A", "A"), "E2": ("A", "B"), "E3": ("A", "B"), "E4": ("B", "C"), "E5": ("B", "C")}


def test_calibration_allowed_count_is_the_floor_of_n_times_share(tmp_path):
    # 7 in the cohort, A: 0.4 → floor(2.8) = 2 A's (rounding would give 3); all seven score ≥ 90
    people = [person(f"E{i}", revenue=100_000 - 1_000 * i, calls=100) for i in range(1, 8)]  # 99.5, 99, ... 96.5
    got = calibrated(tmp_path, {"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.4}}, people)
    assert [got[f"E{i}"][1] for i in range(1, 8)] == ["A", "A", "B", "B", "B", "B", "B"]


def test_a_cohort_of_exactly_min_cohort_is_calibrated_and_one_smaller_is_not(tmp_path):
    people = [person(f"E{i}", revenue=100_000, calls=100, team="big" if i <= 5 else "small") for i in range(1, 10)]
    got = calibrated(tmp_path, {"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.2}}, people)
    # all score 100 (A); 'big' has 5 = min_cohort: floor(5 × 0.2) = 1 A, the tie broken by the larger id
    # (E5, E4, E3, E2 move); 'small' has 4 < 5: not calibrated
    assert [got[f"E{i}"][1] for i in range(1, 10)] == ["A", "B", "B", "B", "B", "A", "A", "A", "A"]


def test_employees_without_a_cohort_are_not_calibrated(tmp_path):
    people = [person(f"E{i}", revenue=100_000, calls=100, team="" if i == 6 else "t1") for i in range(1, 7)]
    got = calibrated(tmp_path, {"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.2}}, people)
    # t1 has E1..E5 (E6's team is blank): one A (E1); E6 keeps A
    assert [got[f"E{i}"][1] for i in range(1, 7)] == ["A", "B", "B", "B", "B", "A"]


def test_a_cohort_is_read_like_any_text_attribute_without_surrounding_blanks(tmp_path):
    people = [person(f"E{i}", revenue=100_000, calls=100, team="t1 " if i % 2 else "t1") for i in range(1, 6)]
    got = calibrated(tmp_path, {"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.2}}, people)
    # 't1 ' and 't1' are one cohort of 5 (the condition team == "t1" holds for both): one A, E1
    assert [got[f"E{i}"][1] for i in range(1, 6)] == ["A", "B", "B", "B", "B"]


def test_employees_without_a_cohort_value_are_not_calibrated_however_many(tmp_path):
    people = [person(f"E{i}", revenue=100_000, calls=100, team=None) for i in range(1, 7)]
    res = appraise(tmp_path, ruleset(calibration={"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.2}}), people)
    # six employees with no team are not a cohort of six: all keep A
    assert {r["grade"] for r in res.values()} == {"A"}
    assert res["E1"]["calibration"] == {"cohort": None, "cohort_size": None, "applied": False}


def test_calibration_reports_the_cohort_and_whether_it_applied(tmp_path):
    people = [person(f"E{i}", revenue=100_000, calls=100, team="big" if i <= 5 else "small") for i in range(1, 10)]
    res = appraise(tmp_path, ruleset(calibration={"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.2}}),
                   people)
    assert res["E1"]["calibration"] == {"cohort": "big", "cohort_size": 5, "applied": True}
    assert res["E9"]["calibration"] == {"cohort": "small", "cohort_size": 4, "applied": False}


def test_without_calibration_no_one_is_marked_calibrated(tmp_path):
    res = evaluated(tmp_path, ruleset(), [person(f"E{i}", revenue=100_000, calls=100) for i in range(1, 6)])
    assert res.frame["calibrated"].to_list() == [False] * 5 and "calibration" not in res.document["employees"][0]


def test_a_share_on_the_lowest_grade_moves_no_one_below_it(tmp_path):
    grades = [{"grade": "A", "min": 90}, {"grade": "B", "min": 70}, {"grade": "C", "min": 0}]
    people = [person(f"E{i}", revenue=100_000, calls=100) for i in range(1, 6)]       # all 100 → A
    got = calibrated(tmp_path, {"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.2, "C": 0.6}}, people, grades)
    # A: floor(5 × 0.2) = 1 → E2..E5 move to B (ties: larger ids first).  C or above: floor(5 × 0.6) = 3 of 5,
    # which no move can reach: the two lowest (E5, E4) move down one grade to C, the last grade, and stay there
    assert [got[f"E{i}"][1] for i in range(1, 6)] == ["A", "B", "B", "C", "C"]


def test_the_bonus_multiplier_uses_the_calibrated_grade(tmp_path):
    data = ruleset(calibration={"cohort": "team", "min_cohort": 5, "max_share": {"A": 0.2}},
                   bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 1.0, "pay": 0.5}],
                          "multiplier": {"A": 2, "B": 1, "C": 0}})
    res = appraise(tmp_path, data, [person(f"E{i}", revenue=100_000, calls=100) for i in range(1, 6)])
    # all score 100 → A; one A allowed (E1; ties: larger ids move): E1 5,000 × 2, the others 5,000 × 1
    assert [res[f"E{i}"]["bonus"] for i in range(1, 6)] == ["10000", "5000", "5000", "5000", "5000"]


def test_the_validator_counts_a_grade_missing_from_multiplier_as_one():
    from appraise.language.load import loads
    from appraise.language.validate import validate_ruleset

    # A (the best grade) × 0.8, B not listed → × 1, C × 0: B pays more than A, so raising an actual that lifts
    # an employee from B to A lowers the bonus (tiers 0.5 × 10,000: B 5,000, A 4,000)
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 1.0, "pay": 0.5}],
                          "multiplier": {"A": 0.8, "C": 0}})
    found = validate_ruleset(loads(yaml.safe_dump(data, sort_keys=False), "ruleset.yaml"))
    assert any(d.path.startswith("bonus.multiplier") and d.severity == "error" for d in found)
    # the bottom grade left out pays × 1, more than B's 0.5: refused at the mapping, naming both grades
    data["bonus"]["multiplier"] = {"A": 1.2, "B": 0.5}
    found = [d for d in validate_ruleset(loads(yaml.safe_dump(data, sort_keys=False), "ruleset.yaml"))
             if d.severity == "error"]
    assert [(d.path, "grade C" in d.message and "grade B" in d.message) for d in found] == [("bonus.multiplier", True)]
    # the top grade left out (× 1) above B × 0.9 and C × 0: accepted
    data["bonus"]["multiplier"] = {"B": 0.9, "C": 0}
    assert not [d for d in validate_ruleset(loads(yaml.safe_dump(data, sort_keys=False), "ruleset.yaml"))
                if d.severity == "error"]


# ---------------------------------------------------------------- v2: a target for a year, netting what was paid

def test_a_yearly_target_in_a_quarter_is_a_quarter_of_it_capped_and_rounded_exactly(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "target_period": "year", "attainment": "revenue",
                          "tiers": [{"from": 0.5, "pay": 0.2}, {"from": 1.0, "pay": 0.3}],
                          "excess": {"above": 1.0, "rate": 0.01}, "cap": 0.5, "rounding": 100})
    res = appraise(tmp_path, data, [
        # cycle target 40,600 × 3/12 = 10,150.  a = 1.5: tiers (0.2 + 0.3) × 10,150 = 5,075; excess
        # 0.01 × (150,000 − 100,000) = 500 → 5,575; cap 0.5 × 10,150 = 5,075 → 5,075; half-up to 100 is
        # 5,100 > the cap → rounded down: 5,000
        person("E1", revenue=150_000, calls=0, target_bonus="40600"),
        # a = 0.8: 0.2 × 10,150 = 2,030 → 2,000
        person("E2", revenue=80_000, calls=0, target_bonus="40600"),
        # cycle target 40,602 / 4 = 10,150.5; 0.2 × 10,150.5 = 2,030.1 → 2,000
        person("E3", revenue=80_000, calls=0, target_bonus="40602")])
    assert {e: r["bonus"] for e, r in res.items()} == {"E1": "5000", "E2": "2000", "E3": "2000"}
    d1 = res["E1"]["bonus_detail"]
    assert (d1["target_cycle"], d1["tier_pay"], d1["uncapped"], d1["cap"]) == ("10150", "5075", "5575", "5075")
    assert res["E3"]["bonus_detail"]["target_cycle"] == "10150.5"


def test_net_of_pays_the_gross_less_what_the_quarters_paid_floored_at_zero(tmp_path):
    data = ruleset(bonus={"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 0.5, "pay": 0.5}],
                          "rounding": 0.01, "net_of": {"ruleset": "quarterly", "every": "quarter"}})
    people = [person(f"E{i}", revenue=100_000, calls=0) for i in (1, 2, 3)]   # gross 0.5 × 10,000 = 5,000.00
    paid = [{"employee": "E1", "ruleset": "quarterly", "period": "2026-Q3", "bonus": "3000"},
            {"employee": "E1", "ruleset": "quarterly", "period": "2026-Q4", "bonus": "1999.50"},
            {"employee": "E2", "ruleset": "quarterly", "period": "2026-Q3", "bonus": "6000"},
            {"employee": "E3", "ruleset": "other", "period": "2026-Q3", "bonus": "100"}]
    res = {e["id"]: e for e in evaluated(tmp_path, data, people, paid=paid, period_id="2026-H2").document["employees"]}
    # E1: 5,000 − (3,000 + 1,999.50) = 0.50 (a small amount, not floored); E2: 5,000 − 6,000 < 0 → 0;
    # E3: nothing paid by 'quarterly' (the other ruleset's payment does not count) → 5,000
    assert {e: (r["bonus_gross"], r["bonus_paid"], r["bonus"]) for e, r in res.items()} == {
        "E1": ("5000.00", "4999.50", "0.50"), "E2": ("5000.00", "6000.00", "0.00"),
        "E3": ("5000.00", "0.00", "5000.00")}


# ---------------------------------------------------------------- missing: zero counts only what is weighed

def test_missing_zero_scores_0_every_item_with_weight_and_leaves_unweighed_ones_unscored(tmp_path):
    data = ruleset(missing="zero")
    data["metrics"].update({"cost": {"aggregate": "sum"}, "tonnes": {"aggregate": "sum"},
                            "visits": {"aggregate": "sum"}})
    data["scorecards"]["rep"]["dimensions"] = {
        "results": {"weight": 99, "kpis": {"revenue": {"weight": 99, "target": "quota"},
                                           "calls": {"weight": 1, "target": 100},
                                           "cost": {"weight": 0, "target": 10}}},
        "extra": {"weight": 1, "kpis": {"tonnes": {"weight": 100, "target": 10}}},
        "idle": {"weight": 0, "kpis": {"visits": {"weight": 100, "target": 10}}}}
    res = appraise(tmp_path, data, [person("E1", revenue=100_000, calls=None, cost=None, tonnes=None,
                                           visits=None)])   # only revenue has an actual
    k = {p: v["score"] for p, v in res["E1"]["kpis"].items()}
    # weighed items without an actual score 0 (calls weighs 1, tonnes 100 in a dimension weighing 1);
    # items weighing 0 (cost, and visits in a dimension weighing 0) are not scored at all
    assert k == {"results.revenue": 100.0, "results.calls": 0.0, "results.cost": None, "extra.tonnes": 0.0,
                 "idle.visits": None}
    # results (99 × 100 + 1 × 0) / 100 = 99; extra 0; total (99 × 99 + 1 × 0) / 100 = 98.01
    assert res["E1"]["score"] == 98.01
    assert res["E1"]["missing"] == ["results.calls", "extra"]
