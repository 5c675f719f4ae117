"""The reference evaluator (tests/reference/) against the SPEC's worked example and hand-computed cases of
the v1.1 settled questions and v2; the engine against the reference on the worked example and the v1 cases.

Every expected number below is worked out by hand in the comment beside it, from SPEC.md alone.
"""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from reference import ReferenceStore, compare, evaluate_cycle
from reference.expr import Expr

EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "spec" / "example"
if not EXAMPLE.is_dir():  # a checkout elsewhere: the fixture copy of the example
    EXAMPLE = Path(__file__).parent / "fixtures" / "example"


def by_id(doc: dict) -> dict:
    return {e["id"]: e for e in doc["employees"]}


def approx(x, places=4):
    return pytest.approx(x, abs=0.5 * 10 ** -places)


# ============================================================================ the worked example

def test_reference_reproduces_the_worked_example_q2_then_q3():
    store = ReferenceStore()
    q2 = store.run(EXAMPLE / "cycle-q2.yaml")
    q3 = store.run(EXAMPLE / "cycle-q3.yaml")  # after Q2 in one store: previous.grade comes from Q2
    expected_q2 = json.loads((EXAMPLE / "expected-q2.json").read_text(encoding="utf-8"))
    expected_q3 = json.loads((EXAMPLE / "expected-q3.json").read_text(encoding="utf-8"))
    assert compare(expected_q2, q2, partial=True) == []
    assert compare(expected_q3, q3, partial=True) == []
    assert by_id(q3)["E001"]["outcomes"] == ["regional-expansion-priority"]


def test_engine_agrees_with_the_reference_on_the_worked_example():
    from appraise.api import evaluate_cycle as engine

    store = ReferenceStore()
    ref_q2 = store.run(EXAMPLE / "cycle-q2.yaml")
    ref_q3 = store.run(EXAMPLE / "cycle-q3.yaml")
    eng_q2 = engine(EXAMPLE / "cycle-q2.yaml")
    eng_q3 = engine(EXAMPLE / "cycle-q3.yaml", previous=eng_q2)
    assert compare(eng_q2, ref_q2) == []
    assert compare(eng_q3, ref_q3) == []


def test_compare_names_employee_and_key_path():
    store = ReferenceStore()
    ref = store.run(EXAMPLE / "cycle-q2.yaml")
    other = json.loads(json.dumps(ref))
    e = by_id(other)["E001"]
    e["bonus"] = "1"
    e["kpis"]["results.revenue"]["score"] += 0.001
    e["missing"] = ["x"]
    diffs = compare(other, ref)
    assert any(d.startswith("E001: bonus:") for d in diffs)
    assert any(d.startswith("E001: kpis.results.revenue.score:") for d in diffs)
    assert any(d.startswith("E001: missing:") for d in diffs)
    assert len(diffs) == 3


# ============================================================================ expressions

@pytest.mark.parametrize("text, env, want", [
    ("a > 1", {"a": None}, None),                   # a comparison reading a missing value is unknown
    ("not a > 1", {"a": None}, None),               # not unknown is unknown
    ("a > 1 or b > 1", {"a": None, "b": 5}, True),  # true or unknown is true
    ("a > 1 and b > 1", {"a": None, "b": 0}, False),  # false and unknown is false
    ("a in ['x']", {"a": None}, None),              # v2: x in [...] with a missing x is unknown
    ("a / 0 > 1", {"a": 5}, None),                  # x / 0 is missing
    ("0.1 + 0.2 == 0.3", {}, True),                 # numbers are exact as written
    ("round(a, 1)", {"a": Fraction(25, 100)}, Fraction(3, 10)),  # half-up
    ("1 < a <= 3", {"a": Fraction(3)}, True),
    ("max(a, b)", {"a": Fraction(1), "b": None}, None),
    # README "Numbers compare as written": equal within a relative 10^-12.  99,999.99999999 is 10^-13 below
    # 100,000 relative: equal, so not below; 99,999.9999 is 10^-9 below: below
    ("a == 100000 and a >= 100000 and not a < 100000", {"a": Fraction(9999999999999, 10 ** 8)}, True),
    ("a < 100000 and a != 100000", {"a": Fraction(999999999, 10 ** 4)}, True),
    ("a in [1, 100000]", {"a": Fraction(9999999999999, 10 ** 8)}, True),
])
def test_three_valued_expressions(text, env, want):
    env = {k: Fraction(v) if isinstance(v, int) else v for k, v in env.items()}
    assert Expr(text).evaluate(env.__getitem__, {}, None) == want


@pytest.mark.parametrize("text", ["a ** 2", "__import__('os')", "a.b", "open('x')", "a if b else c", "a[0]"])
def test_expressions_outside_the_subset_are_refused(text):
    with pytest.raises(ValueError):
        Expr(text)


# ============================================================================ hand cases: helpers

def ruleset(**parts) -> dict:
    doc = {"id": "t", "version": "1", "metrics": {}, "scorecards": {},
           "grades": [{"grade": "A", "min": 90}, {"grade": "B", "min": 0}]}
    doc.update(parts)
    return doc


def write_cycle(folder: Path, name: str, rules: dict | str, *, period="2026-Q3", employees: str,
                metrics: str | None = None, feedback: str | None = None, context=None, overrides=None,
                ruleset_file: str | None = None) -> Path:
    """A cycle file (JSON is YAML) with its ruleset and CSV sources in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(rules, dict):
        ruleset_file = ruleset_file or f"{name}-ruleset.yaml"
        (folder / ruleset_file).write_text(json.dumps(rules, indent=1), encoding="utf-8")
    else:
        ruleset_file = rules
    (folder / f"{name}-employees.csv").write_text(employees, encoding="utf-8")
    sources = [{"provider": "csv", "path": f"{name}-employees.csv", "kind": "employees"}]
    if metrics is not None:
        (folder / f"{name}-metrics.csv").write_text(metrics, encoding="utf-8")
        sources.append({"provider": "csv", "path": f"{name}-metrics.csv"})
    if feedback is not None:
        (folder / f"{name}-feedback.csv").write_text(feedback, encoding="utf-8")
        sources.append({"provider": "feedback360", "path": f"{name}-feedback.csv"})
    cycle = {"cycle": period, "ruleset": ruleset_file, "context": context or {}, "sources": sources,
             "store": f"sqlite:///{name}.db", "output": f"out/{name}"}
    if overrides is not None:
        (folder / f"{name}-overrides.yaml").write_text(json.dumps(overrides), encoding="utf-8")
        cycle["overrides"] = f"{name}-overrides.yaml"
    path = folder / f"{name}.yaml"
    path.write_text(json.dumps(cycle, indent=1), encoding="utf-8")
    return path


def engine_diffs(cycle: Path, reference_doc: dict) -> list[str]:
    from appraise.api import evaluate_cycle as engine
    return compare(engine(cycle), reference_doc)


def one_kpi_card(dimension="d", kpi="sales", **kpi_spec) -> dict:
    return {"dimensions": {dimension: {"weight": 100, "kpis": {kpi: {"weight": 100, "target": 100, **kpi_spec}}}}}


# ============================================================================ v1.1 hand cases

THREE_VALUED = ruleset(
    attributes={"segment": "string"},
    metrics={"sales": {"aggregate": "sum"}, "calls": {"aggregate": "sum"}, "conv": {"formula": "sales / calls"}},
    scorecards={"s": {**one_kpi_card(curve={"cap": 2}),
                      "adjustments": [{"id": "a1", "when": "calls > 0 and conv > 1", "points": 7}]}},
    rules=[{"id": "r1", "when": "conv > 1", "then": [{"scale_target": {"sales": 2}}]},
           {"id": "r2", "when": "not conv > 1", "then": [{"scale_target": {"sales": 0.5}}]},
           {"id": "r3", "when": 'conv > 1 or segment == "x"', "then": [{"scale_target": {"sales": 1.5}}]}],
    outcomes=[{"id": "o1", "when": "previous.score > 50"}, {"id": "o2", "when": "not previous.score > 50"},
              {"id": "o3", "when": "previous.score > 50 or score >= 0"}])


def three_valued_cycle(tmp_path):
    return write_cycle(tmp_path, "tv", THREE_VALUED, employees="id,name,hire_date,segment\nE1,A,2020-01-01,x\n",
                       metrics="employee,month,sales,calls\nE1,2026-07,40,0\nE1,2026-08,40,0\nE1,2026-09,40,0\n")


def test_three_valued_logic_in_rules_adjustments_and_outcomes(tmp_path):
    e = by_id(evaluate_cycle(three_valued_cycle(tmp_path)))["E1"]
    # conv = 120 / 0 is missing: r1 (unknown) and r2 (not unknown) do not fire; r3 = unknown or true fires.
    assert e["rules_fired"] == ["r3"]
    # target 100 * 1.5 = 150; attainment 120 / 150 = 0.8; score 80.
    assert e["kpis"]["d.sales"]["target"] == approx(150)
    assert e["kpis"]["d.sales"]["attainment"] == approx(0.8)
    assert e["score"] == 80.0 and e["grade"] == "B"
    assert e["adjustments"] == []            # calls > 0 is false: false and unknown is false
    assert e["outcomes"] == ["o3"]           # no previous: o1, o2 unknown; o3 = unknown or true


MISSING = ruleset(
    metrics={m: {"aggregate": "sum"} for m in "abcde"},
    scorecards={"s": {"dimensions": {
        "res": {"weight": 60, "kpis": {"k1": {"metric": "a", "weight": 50, "target": 10},
                                       "k2": {"metric": "b", "weight": 30, "target": 0},
                                       "k3": {"metric": "c", "weight": 20, "target": 10}}},
        "proc": {"weight": 40, "kpis": {"p1": {"metric": "d", "weight": 50, "target": 10},
                                        "p2": {"metric": "e", "weight": 50, "target": 10}}}}}})
MISSING_DATA = "employee,month,a,b,c,d,e\nE1,2026-07,10,5,5,,\nE9,2026-07,1,1,1,1,1\n"  # E9: d, e exist


def missing_cycle(tmp_path):
    return write_cycle(tmp_path, "mr", MISSING, employees="id,name\nE1,A\nE9,Z\n", metrics=MISSING_DATA)


def missing_zero_cycle(tmp_path):
    return write_cycle(tmp_path, "mz", {**MISSING, "missing": "zero"}, employees="id,name\nE1,A\nE9,Z\n",
                       metrics=MISSING_DATA)


def missing_error_cycle(tmp_path):
    rules = json.loads(json.dumps({**MISSING, "missing": "error"}))
    rules["scorecards"]["s"]["dimensions"]["res"]["kpis"]["k2"]["target"] = 10
    return write_cycle(tmp_path, "me", rules, employees="id,name\nE1,A\nE2,B\nE9,Z\n",
                       metrics=MISSING_DATA + "E2,2026-07,10,5,10,10,10\n")


def test_missing_kpis_and_dimensions_are_redistributed_and_listed(tmp_path):
    e = by_id(evaluate_cycle(missing_cycle(tmp_path)))["E1"]
    # k2: 5 / target 0 is missing; proc has no data at all and is listed alone.
    assert e["missing"] == ["res.k2", "proc"]
    # res: k1 100 at 50/70, k3 50 at 20/70 -> weights 71.4286 / 28.5714, score (5000 + 1000) / 70 = 85.7143
    assert e["kpis"]["res.k1"]["weight"] == approx(71.4286)
    assert e["kpis"]["res.k2"]["weight"] == 0.0 and e["kpis"]["res.k2"]["score"] is None
    assert e["kpis"]["res.k2"]["actual"] == 5.0 and e["kpis"]["res.k2"]["attainment"] is None
    assert e["dimensions"]["res"] == {"weight": 100.0, "score": approx(85.7143)}
    assert e["dimensions"]["proc"] == {"weight": 0.0, "score": None}
    assert e["score"] == 85.71                       # 600 / 7 = 85.714...
    assert e["lost_points"] == {"k3": approx(14.2857)}  # 1.0 * 0.285714 * (100 - 50) = 100 / 7
    assert e["focus_areas"] == ["k3"]


def test_missing_zero_scores_missing_items_0_and_still_lists_them(tmp_path):
    e = by_id(evaluate_cycle(missing_zero_cycle(tmp_path)))["E1"]
    assert e["missing"] == ["res.k2", "proc"]
    # res = (50 * 100 + 30 * 0 + 20 * 50) / 100 = 60; proc = 0; total = 0.6 * 60 + 0.4 * 0 = 36
    assert e["dimensions"]["res"]["score"] == approx(60) and e["dimensions"]["proc"]["score"] == approx(0)
    assert e["dimensions"]["proc"]["weight"] == approx(40)
    assert e["score"] == 36.0
    # lost: p1 = p2 = 0.4 * 0.5 * 100 = 20; k2 = 0.6 * 0.3 * 100 = 18; k3 = 0.6 * 0.2 * 50 = 6
    assert e["lost_points"] == {"p1": approx(20), "p2": approx(20), "k2": approx(18), "k3": approx(6)}
    assert e["focus_areas"] == ["p1", "p2", "k2"]


def test_missing_error_sends_the_employee_to_errors(tmp_path):
    doc = evaluate_cycle(missing_error_cycle(tmp_path))
    assert [x["employee"] for x in doc["errors"]] == ["E1"]   # E1 has no d, e
    # E2: res = (50 * 100 + 30 * 50 + 20 * 100) / 100 = 85, proc 100; total 0.6 * 85 + 0.4 * 100 = 91
    assert by_id(doc)["E2"]["score"] == 91.0 and list(by_id(doc)) == ["E2", "E9"]


CURVES = ruleset(
    metrics={"defects": {"aggregate": "sum", "direction": "lower"},
             "returns": {"aggregate": "sum", "direction": "lower"}, "growth": {"aggregate": "sum"}},
    scorecards={"s": {"dimensions": {"d": {"weight": 100, "kpis": {
        "defects": {"weight": 40, "target": 0, "curve": {"cap": 1.5}},
        "returns": {"weight": 30, "target": 5,
                    "curve": {"bands": [{"from": 0.5, "score": 50}, {"from": 1.0, "score": 100},
                                        {"from": 1.2, "score": 120}]}},
        "growth": {"weight": 30, "target": 200, "curve": {"points": [[0.5, 0], [1.0, 100], [1.5, 130]]}}}}}}})


def curves_cycle(tmp_path):
    return write_cycle(tmp_path, "cv", CURVES, employees="id,name\nE1,A\nE2,B\nE9,Z\n",
                       metrics="employee,month,defects,returns,growth\nE1,2026-07,4,0,250\nE2,2026-08,0,10,0\n")


def test_lower_is_better_target_0_bands_and_points(tmp_path):
    e = by_id(evaluate_cycle(curves_cycle(tmp_path)))
    k1 = e["E1"]["kpis"]
    assert k1["d.defects"]["attainment"] == 0.0 and k1["d.defects"]["score"] == 0.0  # a = 0 / 4
    assert k1["d.returns"]["attainment"] == approx(1.2)   # actual 0 -> a = the last band's from
    assert k1["d.returns"]["score"] == approx(120)
    assert k1["d.growth"]["score"] == approx(115)         # a = 1.25: 100 + 30 * 0.25 / 0.5
    assert e["E1"]["score"] == 70.5                       # (0 + 30 * 120 + 30 * 115) / 100
    k2 = e["E2"]["kpis"]
    assert k2["d.defects"]["attainment"] == approx(1.5)   # actual 0 and target 0 -> a = cap
    assert k2["d.defects"]["score"] == approx(150)
    assert k2["d.returns"]["score"] == approx(50)         # a = 5 / 10 = 0.5 reaches the first band
    assert k2["d.growth"]["score"] == 0.0                 # a = 0, below the first point
    assert e["E2"]["score"] == 75.0                       # (40 * 150 + 30 * 50 + 0) / 100
    # E9 has no rows at all: no dimension can be scored, so E9 is in the errors, not the results
    assert "E9" not in e and [x["employee"] for x in evaluate_cycle(curves_cycle(tmp_path))["errors"]] == ["E9"]


BONUS = ruleset(
    grades=[{"grade": "A", "min": 100}, {"grade": "B", "min": 0}],
    attributes={"tb": "money"},
    metrics={"rev": {"aggregate": "sum"}, "quota": {"aggregate": "sum"}, "visits": {"aggregate": "sum"}},
    scorecards={"s": {"dimensions": {
        "d": {"weight": 50, "kpis": {"rev": {"weight": 100, "target": "quota", "curve": {"cap": 2}}}},
        "act": {"weight": 50, "kpis": {"visits": {"weight": 100, "target": 10}}}}}},
    bonus={"target": "tb", "attainment": "rev", "tiers": [{"from": 0.5, "pay": 0.5}, {"from": 1.0, "pay": 0.7}],
           "excess": {"above": 1.2, "rate": 0.1}, "multiplier": {"A": 1.1}, "cap": 1.5, "rounding": 1})


def bonus_cycle(tmp_path):
    return write_cycle(
        tmp_path, "bn", BONUS,
        employees="id,name,tb\nE1,A,1001\nE2,B,1000\nE3,C,\nE4,D,1000\nE5,E,1000\nE6,F,1000\n",
        metrics="employee,month,rev,quota,visits\nE1,2026-07,2000,100,10\nE2,2026-07,90,100,10\n"
                "E3,2026-07,100,100,10\nE4,2026-07,,100,10\nE5,2026-07,130,100,10\nE6,2026-07,110,100,10\n")


def test_bonus_cap_rounding_default_multiplier_excess_and_null(tmp_path):
    e = by_id(evaluate_cycle(bonus_cycle(tmp_path)))
    # E1: a = 20 (score 200; total (200 + 100) / 2 = 150, A); tiers 1.2 * 1001 * 1.1 = 1321.32, excess
    # 0.1 * (2000 - 1.2 * 100) = 188 -> 1509.32, capped at 1.5 * 1001 = 1501.5; half-up would give 1502 > cap,
    # so it is rounded down: 1501.
    assert e["E1"]["grade"] == "A" and e["E1"]["bonus"] == "1501"
    # E2: a = 0.9, total 95 -> B, a grade missing from multiplier pays x1: 0.5 * 1000 = 500.
    assert e["E2"]["grade"] == "B" and e["E2"]["bonus"] == "500"
    assert e["E3"]["bonus"] is None          # no target bonus: null, never 0
    assert e["E4"]["bonus"] is None          # the attainment KPI has no actual
    assert e["E4"]["missing"] == ["d"] and e["E4"]["score"] == 100.0  # act alone: 100
    # E5: a = 1.3 > above 1.2: 1.2 * 1000 * 1.1 = 1320 + 0.1 * (130 - 120) = 1321 (with above 1.0 it would be 1323)
    assert e["E5"]["bonus"] == "1321"
    assert e["E6"]["bonus"] == "1320"        # a = 1.1 <= 1.2: no excess


FEEDBACK = ruleset(
    attributes={"role": "string"},
    metrics={"x": {"aggregate": "sum"}},
    scorecards={
        "rep": {"applies_to": 'role == "rep"', "dimensions": {"fb": {"weight": 100, "feedback360": {
            "scale": 5, "sources": {"manager": 50, "peer": 50}}}}},
        "lead": {"applies_to": 'role == "lead"', "dimensions": {"fb": {"weight": 100, "feedback360": {
            "scale": 5, "sources": {"manager": 50, "self": 50}}}}}})
FEEDBACK_ROWS = """employee,rater,relation,competency,rating,period
E1,M1,manager,c1,4,2026-Q3
E1,M1,manager,c2,5,2026-Q3
E1,P1,peer,c1,4,2026-Q3
E1,P1,peer,c2,,2026-Q3
E1,P2,peer,c1,5,2026-Q3
E1,P3,peer,c1,,2026-Q3
E1,P3,peer,c2,,2026-Q3
E1,E1,self,c1,3,2026-Q3
E1,M1,manager,c1,1,2026-Q2
E2,M1,manager,c1,3,2026-Q3
E2,P1,peer,c1,4,2026-Q3
E2,P2,peer,c1,4,2026-Q3
E2,P3,peer,c1,5,2026-Q3
E3,M1,manager,c1,4,2026-Q3
E3,E3,self,c1,2,2026-Q3
"""


def feedback_cycle(tmp_path):
    return write_cycle(tmp_path, "fb", FEEDBACK, employees="id,name,role\nE1,A,rep\nE2,B,rep\nE3,C,lead\n",
                       feedback=FEEDBACK_ROWS, metrics="employee,month,x\nE1,2026-07,1\n")


def test_360_blank_ratings_self_threshold_and_sources(tmp_path):
    e = by_id(evaluate_cycle(feedback_cycle(tmp_path)))
    # E1: manager (4 + 5) / 2 = 4.5 -> 90 (the Q2 row is another cycle's). Peers: P1 rated once (4), P2 5, P3 only
    # blank cells -> not a rater: 2 peers < 3, hidden and redistributed. Self 3 -> 60, shown but not scored.
    fb = e["E1"]["dimensions"]["fb"]
    assert fb["sources"] == {"manager": approx(90)} and fb["raters"] == {"manager": 1}
    assert fb["self"] == approx(60) and fb["score"] == approx(90)
    assert e["E1"]["missing"] == []
    # E2: manager 3 -> 60; peers 4, 4, 5 -> 13/3 -> 86.6667; (50 * 60 + 50 * 86.6667) / 100 = 73.3333
    assert e["E2"]["dimensions"]["fb"]["score"] == approx(73.3333) and e["E2"]["score"] == 73.33
    # E3 (lead scorecard, self listed): one self rater suffices; manager 80, self 40 -> 60.
    assert e["E3"]["scorecard"] == "lead"
    assert e["E3"]["dimensions"]["fb"]["sources"] == {"manager": approx(80), "self": approx(40)}
    assert e["E3"]["score"] == 60.0


SET_AND_CALIBRATION = ruleset(
    grades=[{"grade": "A", "min": 70}, {"grade": "B", "min": 0}],
    attributes={"team": "string", "tb": "money"},
    metrics={m: {"aggregate": "sum"} for m in ("ma", "mb", "mc")},
    scorecards={"s": {"dimensions": {
        "A": {"weight": 50, "kpis": {"ma": {"weight": 100, "target": 100}}},
        "B": {"weight": 30, "kpis": {"mb": {"weight": 100, "target": 100}}},
        "C": {"weight": 20, "kpis": {"mc": {"weight": 100, "target": 100}}}}}},
    rules=[{"id": "two-sets", "then": [{"set": {"A": 60, "B": 30}}]}],
    calibration={"cohort": "team", "min_cohort": 2, "max_share": {"A": 0.5}},
    bonus={"target": "tb", "attainment": "ma", "tiers": [{"from": 0, "pay": 0.1}], "multiplier": {"A": 2, "B": 1}},
    outcomes=[{"id": "calibrated-b", "when": 'grade == "B"'}])


def set_cycle(tmp_path):
    rows = "".join(f"{i},2026-07,100,{50 if i != 'E1' else 49.999},0\n" for i in ("E1", "E2", "E3", "E10"))
    return write_cycle(tmp_path, "sc", SET_AND_CALIBRATION,
                       employees="id,name,team,tb\nE1,A,t,1000\nE2,B,t,1000\nE3,C,t,1000\nE10,D,t,1000\n",
                       metrics="employee,month,ma,mb,mc\n" + rows)


def test_set_with_two_paths_in_order_and_calibration_ties(tmp_path):
    e = by_id(evaluate_cycle(set_cycle(tmp_path)))
    # set A=60: B 30 * 40/50 = 24, C 20 * 40/50 = 16; then set B=30: A 60 * 70/76 = 55.2632, C 16 * 70/76 = 14.7368
    w = {d: e["E2"]["dimensions"][d]["weight"] for d in "ABC"}
    assert w == {"A": approx(55.2632), "B": approx(30), "C": approx(14.7368)}
    # total = 1050/19 + 30 * 0.5 = 1335/19 = 70.263 -> 70.26 (E1: 70.2629, also 70.26)
    assert {i: x["score"] for i, x in e.items()} == {"E1": 70.26, "E2": 70.26, "E3": 70.26, "E10": 70.26}
    # team of 4, A capped at floor(4 * 0.5) = 2: ties on the reported score, then id as text, larger first:
    # "E3" > "E2" > "E10" > "E1" -> E3 and E2 move down to B.
    assert {i: x["grade"] for i, x in e.items()} == {"E1": "A", "E2": "B", "E3": "B", "E10": "A"}
    assert all(x["grade_uncalibrated"] == "A" for x in e.values())
    # outcomes and the multiplier use the calibrated grade: 0.1 * 1000 * 2 = 200 (A), * 1 = 100 (B)
    assert {i: x["bonus"] for i, x in e.items()} == {"E1": "200", "E2": "100", "E3": "100", "E10": "200"}
    assert e["E2"]["outcomes"] == ["calibrated-b"] and e["E1"]["outcomes"] == []


# ============================================================================ v2 hand cases

def v2_reps_ruleset(rid: str, role: str) -> dict:
    return ruleset(
        id=rid, proration="days",
        attributes={"role": "string", "tb": "money"},
        metrics={"sales": {"aggregate": "sum"}},
        scorecards={"s": {"applies_to": f'role == "{role}"',
                          **one_kpi_card(target="1000 * employed_share")}},
        bonus={"target": "tb", "target_period": "year", "attainment": "sales", "tiers": [{"from": 0, "pay": 1}],
               "rounding": 0.01},
        outcomes=[{"id": "was-a", "when": 'previous.grade == "A"'}])


def test_v2_proration_target_period_coverage_and_previous_per_ruleset(tmp_path):
    reps, mgrs = v2_reps_ruleset("reps", "rep"), v2_reps_ruleset("mgrs", "mgr")
    (tmp_path / "reps.yaml").write_text(json.dumps(reps), encoding="utf-8")
    (tmp_path / "mgrs.yaml").write_text(json.dumps(mgrs), encoding="utf-8")
    # Q2: E2 is a manager (mgrs gives an A); nobody is a rep, so the Q2 reps run has no E2.
    q2_emp = "id,name,role,hire_date,tb\nE2,B,mgr,2020-01-01,12000\n"
    q2_metrics = "employee,month,sales\nE2,2026-04,400\nE2,2026-05,400\nE2,2026-06,400\n"
    store = ReferenceStore()
    for rid in ("reps", "mgrs"):
        store.run(write_cycle(tmp_path, f"q2-{rid}", f"{rid}.yaml", period="2026-Q2", employees=q2_emp,
                              metrics=q2_metrics))
    assert by_id(store.current[("2026-Q2", "mgrs")])["E2"]["grade"] == "A"
    q3_emp = ("id,name,role,hire_date,leave_date,tb\nE1,A,rep,2026-08-01,,12000\nE2,B,rep,2020-01-01,2026-09-15,"
              "12000\nE3,C,mgr,2020-01-01,,12000\nE4,D,rep,2026-10-01,,12000\n")
    q3_metrics = ("employee,month,sales\nE1,2026-07,500\nE1,2026-08,300\nE1,2026-09,310\n"
                  "E2,2026-07,400\nE2,2026-08,400\nE2,2026-09,100\nE3,2026-07,1000\n")
    doc = store.run(write_cycle(tmp_path, "q3-reps", "reps.yaml", employees=q3_emp, metrics=q3_metrics))
    e = by_id(doc)
    assert set(e) == {"E1", "E2"}              # E3 is not covered (a manager), E4 is hired after the period
    assert doc["not_covered"] == ["E3"]
    # Q3 has 92 days. E1 employed 2026-08-01..09-30 = 61 days; July lies wholly before the hire: its row is
    # dropped with a warning. sales 300 + 310 = 610; target 1000 * 61/92 = 663.0435; a = 610 * 92 / 61000 = 0.92
    assert e["E1"]["employed_share"] == approx(61 / 92) and e["E1"]["kpis"]["d.sales"]["actual"] == 610.0
    assert e["E1"]["kpis"]["d.sales"]["target"] == approx(663.0435) and e["E1"]["score"] == 92.0
    assert sum("E1" in w and "2026-07" in w for w in doc["warnings"]) == 1   # one warning per dropped row
    # bonus target 12000 a year -> 12000 * 3/12 = 3000 for the quarter, * 61/92 = 1989.1304 -> 1989.13
    assert e["E1"]["bonus"] == "1989.13"
    # E2 left 2026-09-15: 31 + 31 + 15 = 77 days; 3000 * 77/92 = 2510.8696 -> 2510.87; a = 900 * 92/77000 > 1
    assert e["E2"]["employed_share"] == approx(77 / 92) and e["E2"]["bonus"] == "2510.87"
    assert e["E2"]["score"] == 100.0
    # previous is this ruleset's Q2 result: E2 had none under reps (its A was under mgrs).
    assert e["E2"]["outcomes"] == []
    mg = by_id(store.run(write_cycle(tmp_path, "q3-mgrs", "mgrs.yaml", employees=q3_emp, metrics=q3_metrics)))
    assert set(mg) == {"E3"}
    assert store.current[("2026-Q3", "reps")] is doc   # running mgrs did not touch the reps run


QUARTERLY = ruleset(
    id="q", grades=[{"grade": "A", "min": 100}, {"grade": "B", "min": 0}],
    attributes={"tb": "money"}, metrics={"sales": {"aggregate": "sum"}},
    scorecards={"s": one_kpi_card(curve={"cap": 2})},
    bonus={"target": "tb", "target_period": "year", "attainment": "sales",
           "tiers": [{"from": 0.5, "pay": 0.5}, {"from": 1.0, "pay": 0.5}]})


def annual(rid: str, clawback: bool) -> dict:
    return ruleset(
        id=rid, grades=[{"grade": "A", "min": 100}, {"grade": "B", "min": 0}],
        attributes={"tb": "money"}, metrics={"sales": {"aggregate": "sum"}},
        scorecards={"s": {"dimensions": {
            "year_results": {"weight": 60, "periods": {"ruleset": "q", "every": "quarter",
                                                       "weights": {"Q1": 20, "Q2": 20, "Q3": 30, "Q4": 30}}},
            "own": {"weight": 40, "kpis": {"sales": {"weight": 100, "target": 400}}}}}},
        bonus={"target": "tb", "target_period": "year", "attainment": "sales",
               "tiers": [{"from": 0.5, "pay": 0.5}, {"from": 1.0, "pay": 0.5}], "multiplier": {"A": 1.5},
               "net_of": {"ruleset": "q", "every": "quarter", **({"clawback": True} if clawback else {})}},
        outcomes=[{"id": "top", "when": 'grade == "A"'}])


ANNUAL_METRICS = ("employee,month,sales\nE1,2026-01,100\nE1,2026-04,120\nE1,2026-07,90\n"
                  "E2,2026-01,80\nE2,2026-07,150\n")
EMPLOYEES = "id,name,hire_date,tb\nE1,A,2020-01-01,4000\nE2,B,2020-01-01,4000\n"


def run_year(tmp_path) -> ReferenceStore:
    (tmp_path / "q.yaml").write_text(json.dumps(QUARTERLY), encoding="utf-8")
    store = ReferenceStore()
    store.run(write_cycle(tmp_path, "q1", "q.yaml", period="2026-Q1", employees=EMPLOYEES, metrics=ANNUAL_METRICS))
    store.run(write_cycle(tmp_path, "q2", "q.yaml", period="2026-Q2", employees=EMPLOYEES.rsplit("E2", 1)[0],
                          metrics=ANNUAL_METRICS))   # E2 is not in Q2's employee table
    store.run(write_cycle(tmp_path, "q3", "q.yaml", period="2026-Q3", employees=EMPLOYEES, metrics=ANNUAL_METRICS,
                          overrides=[{"id": "E1", "score": 95, "reason": "recount", "by": "HR",
                                      "date": "2026-10-05"}]))
    return store


def test_v2_quarters_with_an_override_and_net_bonuses(tmp_path):
    store = run_year(tmp_path)
    q1, q3 = by_id(store.current[("2026-Q1", "q")]), by_id(store.current[("2026-Q3", "q")])
    # quarter target 4000 * 3/12 = 1000: a >= 1 pays 1000, a >= 0.5 pays 500
    assert (q1["E1"]["bonus"], q1["E2"]["bonus"]) == ("1000", "500")
    # Q3: E1 scored 90 (B), overridden to 95: grade stays B, so only the score is recorded
    assert q3["E1"]["score"] == 95.0 and q3["E1"]["grade"] == "B"
    assert q3["E1"]["override"] == {"score": [90.0, 95.0], "reason": "recount", "by": "HR", "date": "2026-10-05"}
    assert (q3["E1"]["bonus"], q3["E2"]["bonus"]) == ("500", "1000")


def test_v2_periods_dimension_net_of_and_overrides(tmp_path):
    store = run_year(tmp_path)
    for rid, claw in (("y", False), ("y2", True)):
        (tmp_path / f"{rid}.yaml").write_text(json.dumps(annual(rid, claw)), encoding="utf-8")
    doc = store.run(write_cycle(tmp_path, "year", "y.yaml", period="2026", employees=EMPLOYEES,
                                metrics=ANNUAL_METRICS,
                                overrides=[{"id": "E2", "score": 101, "reason": "key account", "by": "VP",
                                            "date": "2027-01-10"}]))
    e = by_id(doc)
    assert any("2026-Q4" in w for w in doc["warnings"])   # no stored run at all for Q4
    # E1: Q1 100 (w20), Q2 120 (w20), Q3 95 (w30, the stored overridden score), Q4 missing:
    # (2000 + 2400 + 2850) / 70 = 103.5714; own: 310 / 400 -> 77.5; total 0.6 * 103.5714 + 0.4 * 77.5 = 93.14
    y1 = e["E1"]["dimensions"]["year_results"]
    assert y1["periods"] == {"2026-Q1": 100.0, "2026-Q2": 120.0, "2026-Q3": 95.0, "2026-Q4": None}
    assert y1["score"] == approx(103.5714) and y1["weight"] == approx(60)
    assert e["E1"]["missing"] == ["year_results.2026-Q4"]
    assert e["E1"]["score"] == 93.14 and e["E1"]["grade"] == "B"
    # lost points: year_results 0.6 * 0 (above 100); the KPI sales 0.4 * 1.0 * 22.5 = 9
    assert e["E1"]["lost_points"] == {"sales": approx(9)}
    # E1 bonus: a = 0.775 -> 0.5 * 4000 = 2000 gross; paid 1000 + 1000 + 500 = 2500; floored at 0
    assert (e["E1"]["bonus_gross"], e["E1"]["bonus_paid"], e["E1"]["bonus"]) == ("2000", "2500", "0")
    # E2: Q1 80 (w20), Q2 none, Q3 150 (w30): (1600 + 4500) / 50 = 122; own 230/400 -> 57.5;
    # total 0.6 * 122 + 0.4 * 57.5 = 96.2 (B), overridden to 101 -> A
    assert e["E2"]["missing"] == ["year_results.2026-Q2", "year_results.2026-Q4"]
    assert e["E2"]["override"] == {"score": [96.2, 101.0], "grade": ["B", "A"], "reason": "key account",
                                   "by": "VP", "date": "2027-01-10"}
    assert (e["E2"]["score"], e["E2"]["grade"], e["E2"]["grade_uncalibrated"]) == (101.0, "A", "B")
    assert e["E2"]["outcomes"] == ["top"]
    # multiplier of the overridden A: 0.5 * 4000 * 1.5 = 3000; paid Q1 500 + Q3 1000 = 1500 -> 1500 due
    assert (e["E2"]["bonus_gross"], e["E2"]["bonus_paid"], e["E2"]["bonus"]) == ("3000", "1500", "1500")
    claw = by_id(store.run(write_cycle(tmp_path, "year2", "y2.yaml", period="2026", employees=EMPLOYEES,
                                       metrics=ANNUAL_METRICS)))
    assert claw["E1"]["bonus"] == "-500"                 # clawback: 2000 - 2500
    assert claw["E2"]["bonus"] == "500"                  # no override here: B, 2000 - 1500


def test_v2_a_sub_period_weighing_0_is_not_read(tmp_path):
    # Differential seeds 10178 and 10206 (make fuzz): weights {..., '07': 0, ...}. README: a sub-period the
    # weights do not name weighs 0 and is not read; one named with weight 0 weighs 0 the same way, so it is
    # neither in `periods` nor ever `missing` (as a KPI of weight 0 is out of the appraisal).
    store = run_year(tmp_path)
    rules = annual("y0", False)
    rules["scorecards"]["s"]["dimensions"]["year_results"]["periods"]["weights"] = {"Q1": 20, "Q2": 0, "Q3": 80,
                                                                                   "Q4": 0}
    (tmp_path / "y0.yaml").write_text(json.dumps(rules), encoding="utf-8")
    doc = store.run(write_cycle(tmp_path, "year0", "y0.yaml", period="2026", employees=EMPLOYEES,
                                metrics=ANNUAL_METRICS))
    e = by_id(doc)
    assert not any("2026-Q4" in w for w in doc["warnings"])   # Q4 is not read: its absent run is no warning
    # E1: Q1 100 (w20), Q3 95 (w80, the stored overridden score): (2000 + 7600) / 100 = 96;
    # own 310 / 400 -> 77.5; total 0.6 * 96 + 0.4 * 77.5 = 88.6
    y1 = e["E1"]["dimensions"]["year_results"]
    assert y1["periods"] == {"2026-Q1": 100.0, "2026-Q3": 95.0} and y1["score"] == approx(96)
    assert e["E1"]["missing"] == [] and e["E1"]["score"] == 88.6
    # E2: not in Q2 (weight 0, so not missing); Q1 80 (w20), Q3 150 (w80): (1600 + 12000) / 100 = 136;
    # own 230 / 400 -> 57.5; total 0.6 * 136 + 0.4 * 57.5 = 104.6 -> A
    y2 = e["E2"]["dimensions"]["year_results"]
    assert y2["periods"] == {"2026-Q1": 80.0, "2026-Q3": 150.0} and y2["score"] == approx(136)
    assert e["E2"]["missing"] == [] and (e["E2"]["score"], e["E2"]["grade"]) == (104.6, "A")


def test_v2_override_of_someone_not_appraised_is_an_error(tmp_path):
    from reference import ReferenceInputError
    with pytest.raises(ReferenceInputError):
        evaluate_cycle(write_cycle(tmp_path, "ov", QUARTERLY, employees=EMPLOYEES, metrics=ANNUAL_METRICS,
                                   overrides=[{"id": "E9", "grade": "A", "reason": "x", "by": "y",
                                               "date": "2026-10-01"}]))


def test_a_sum_a_hair_above_its_target_scores_full_marks(tmp_path):
    # differential case-11096: complaints 2 + 3 + 2.3e-308 over a quarter, lower is better, target 5.  Exactly the
    # sum is 5 + 2.3e-308 and the attainment 5 / (5 + 2.3e-308) = 1 - 4.6e-309...; the curve compares it taken to
    # 12 decimals (README), 1: the band from 1 gives 100, no points lost, no focus area (the reference had lost
    # ~4.6e-307 points and listed complaints; the engine's float sum is 5.0).  The outcome 'complaints <= 5' holds:
    # 4.6e-309 relative is within 10^-12.
    rules = ruleset(metrics={"complaints": {"aggregate": "sum", "direction": "lower"}},
                    scorecards={"s": one_kpi_card(kpi="complaints", target=5, curve={
                        "bands": [{"from": 0, "score": 50}, {"from": 1, "score": 100}]})},
                    outcomes=[{"id": "calm", "when": "complaints <= 5"}])
    cycle = write_cycle(tmp_path, "hair", rules, employees="id,name\nE1,A\n",
                        metrics="employee,month,complaints\nE1,2026-07,2\nE1,2026-08,3\nE1,2026-09,2.3e-308\n")
    doc = evaluate_cycle(cycle)
    e = by_id(doc)["E1"]
    assert e["kpis"]["d.complaints"]["attainment"] == 1.0 and e["kpis"]["d.complaints"]["score"] == 100.0
    assert (e["score"], e["lost_points"], e["focus_areas"], e["outcomes"]) == (100.0, {}, [], ["calm"])
    assert engine_diffs(cycle, doc) == []


def test_a_score_on_a_half_is_rounded_up_from_the_exact_attainment(tmp_path):
    # differential case-701083: orders 69 of 140 = 0.4928571428571...; d1 = 0.58 x 100 + 0.42 x 49.2857142857...
    # = 58 + 20.7 = 78.7, d2 = 0 (visits 0 of 10), total 0.65 x 78.7 = 51.155 -> 51.16.  (With the attainment cut to
    # 12 decimals, 0.492857142857, the total would be 51.1549999999961 -> 51.15: the reference said so.)
    rules = ruleset(metrics={m: {"aggregate": "sum"} for m in ("rev", "orders", "visits")},
                    scorecards={"s": {"dimensions": {
                        "d1": {"weight": 65, "kpis": {"rev": {"weight": 58, "target": 100},
                                                      "orders": {"weight": 42, "target": 140}}},
                        "d2": {"weight": 35, "kpis": {"visits": {"weight": 100, "target": 10}}}}}})
    cycle = write_cycle(tmp_path, "half", rules, employees="id,name\nE1,A\n",
                        metrics="employee,month,rev,orders,visits\nE1,2026-07,100,69,0\n")
    doc = evaluate_cycle(cycle)
    assert by_id(doc)["E1"]["score"] == 51.16
    assert engine_diffs(cycle, doc) == []


def test_a_curve_point_reached_exactly_loses_no_points_and_is_no_focus_area(tmp_path):
    # differential case-810317: nps is the mean of 75, 51 and 2 = 128/3 against a target of 50, attainment
    # 128/150 = 0.85333...; between the points (0.7, 77) and (0.9, 107) the score is 77 + 30 x (128/150 - 0.7) / 0.2
    # = 77 + 30 x 23/30 = 100 exactly, so the KPI loses nothing and is nobody's focus area.  (Worked out from the
    # attainment cut to 12 decimals, 0.853333333333, the score was 99.99999999995 and the 3e-11 points "lost" made
    # nps a focus area with 0.0 points lost.)
    rules = ruleset(metrics={"nps": {"aggregate": "mean"}, "rev": {"aggregate": "sum"}},
                    scorecards={"s": {"dimensions": {"d": {"weight": 100, "kpis": {
                        "nps": {"weight": 60, "target": 50,
                                "curve": {"points": [[0, 66], [0.7, 77], [0.9, 107], [1, 114]]}},
                        "rev": {"weight": 40, "target": 100}}}}}})
    cycle = write_cycle(tmp_path, "point", rules, employees="id,name\nE1,A\n",
                        metrics="employee,month,nps,rev\nE1,2026-07,75,50\nE1,2026-08,51,\nE1,2026-09,2,\n")
    doc = evaluate_cycle(cycle)
    e = by_id(doc)["E1"]
    assert e["kpis"]["d.nps"]["score"] == 100.0 and e["focus_areas"] == ["rev"]  # rev: 50 of 100, 20 points lost
    from appraise.api import evaluate_cycle as engine
    mine = by_id(engine(cycle))["E1"]
    assert mine["focus_areas"] == ["rev"] and mine["lost_points"] == {"rev": 20.0}
    assert engine_diffs(cycle, doc) == []


def test_an_attainment_at_the_last_point_to_12_decimals_scores_the_last_points_score(tmp_path):
    # 99.99999999999 of 100 is 0.9999999999999, which is 1 to 12 decimals: the curve's last point, x = 1, is
    # reached and scores its 100 exactly (no point lost, no focus area); interpolating the last segment with the
    # attainment itself would give 77 + 23 x 0.2999999999999 / 0.3 = 99.99999999999233, a focus area of 0.0 points
    rules = ruleset(metrics={"nps": {"aggregate": "sum"}},
                    scorecards={"s": {"dimensions": {"d": {"weight": 100, "kpis": {
                        "nps": {"weight": 100, "target": 100, "curve": {"points": [[0, 0], [0.7, 77], [1, 100]]}}}}}}})
    cycle = write_cycle(tmp_path, "last", rules, employees="id,name\nE1,A\n",
                        metrics="employee,month,nps\nE1,2026-07,99.99999999999\n")
    doc = evaluate_cycle(cycle)
    assert (by_id(doc)["E1"]["kpis"]["d.nps"]["score"], by_id(doc)["E1"]["focus_areas"]) == (100.0, [])
    from appraise.api import evaluate_cycle as engine
    mine = by_id(engine(cycle))["E1"]
    assert (mine["score"], mine["lost_points"], mine["focus_areas"]) == (100.0, {}, [])
    assert engine_diffs(cycle, doc) == []


def test_a_total_a_hair_below_a_half_is_rounded_as_the_half_after_six_decimals(tmp_path):
    # differential case 840061: hours are 6, 14 and 2.3e-308, a mean of 20/3 and a hair; lower is better, so the
    # attainment is 8 / (20/3 + 7.7e-309) = 1.2 less ~1.4e-309 and the score 120 less a hair, weighed 49: 58.8;
    # speed 10.5 of 100 scores 10.5, weighed 51: 5.355; the total is 64.155 less ~7e-310.  README "Rounding
    # half-up": the total x 100 is taken to 6 decimals first (6415.5), then half-up: 64.16, as 64.155 would be.
    # (The reference rounded the exact value, 64.15; the engine's floats cannot tell such a hair from noise.)
    rules = ruleset(metrics={"hours": {"aggregate": "mean", "direction": "lower"}, "speed": {"aggregate": "sum"}},
                    scorecards={"s": {"dimensions": {"d": {"weight": 100, "kpis": {
                        "hours": {"weight": 49, "target": 8, "curve": {"floor": 0, "cap": 2}},
                        "speed": {"weight": 51, "target": 100, "curve": {"floor": 0}}}}}}})
    cycle = write_cycle(tmp_path, "hair", rules, employees="id,name\nE1,A\n",
                        metrics="employee,month,hours,speed\nE1,2026-07,6,10.5\nE1,2026-08,14,\n"
                                "E1,2026-09,2.3e-308,\n")
    doc = evaluate_cycle(cycle)
    assert by_id(doc)["E1"]["score"] == 64.16
    assert engine_diffs(cycle, doc) == []


def test_a_sum_a_hair_below_the_limit_whose_float_is_the_limit_is_refused_by_both(tmp_path):
    # differential case 2030139: 0.9999999999999999 + 999,999,999,999,999 is 10^15 - 10^-16 exactly, but the float
    # nearest it is 10^15 (floats there are 0.125 apart): the engine cannot compute with it exactly and refuses the
    # employee at the limit of a cell (README); the reference, which judged the exact value, now judges its float
    # too.  E2's 41 + 1 = 42 deals of a target of 40 score 105.
    rules = ruleset(metrics={"deals": {"aggregate": "sum"}},
                    scorecards={"s": {"dimensions": {"d": {"weight": 100, "kpis": {"deals": {
                        "weight": 100, "target": 40, "curve": {"cap": 2}}}}}}})
    cycle = write_cycle(tmp_path, "limit", rules, employees="id,name\nE1,A\nE2,B\n",
                        metrics="employee,month,deals\nE1,2026-07,0.9999999999999999\nE1,2026-08,999999999999999\n"
                                "E2,2026-07,41\nE2,2026-08,1\n")
    doc = evaluate_cycle(cycle)
    assert [e["employee"] for e in doc["errors"]] == ["E1"] and [e["score"] for e in doc["employees"]] == [105.0]
    assert engine_diffs(cycle, doc) == []


def test_a_float_summed_mean_is_rounded_as_written(tmp_path):
    # differential case-900218: worst_margin's column holds 999,999,999,999,999 (E2), so no decimal places fit it
    # (0.204 needs 3, and 10^15 x 10^3 is past 2^53) and it is summed as floats; E1's mean (0.204 + 0.255) / 2 is
    # 0.2295, x 100 = 22.95, round(.., 1) half-up = 23.0, attainment 23 / 25 = 0.92.  (The reference took the float
    # 0.22949999999999998 as exact and said 22.9.)
    rules = ruleset(metrics={"worst_margin": {"aggregate": "mean"},
                             "margin_pct": {"formula": "round(worst_margin * 100, 1)"}},
                    scorecards={"s": one_kpi_card(kpi="margin_pct", target=25)})
    cycle = write_cycle(tmp_path, "fm", rules, employees="id,name\nE1,A\nE2,B\n",
                        metrics="employee,month,worst_margin\nE1,2026-08,0.204\nE1,2026-09,0.255\n"
                                "E2,2026-08,999999999999999\n")
    doc = evaluate_cycle(cycle)
    k = by_id(doc)["E1"]["kpis"]["d.margin_pct"]
    assert (k["actual"], k["attainment"]) == (23.0, 0.92)
    assert engine_diffs(cycle, doc) == []


def test_the_excess_reads_the_actual_at_6_decimals(tmp_path):
    # differential case-700155: the excess of a mean.  rev = (100 + 100 + 101) / 3 = 100.333...; attainment
    # 1.00333 > 1 reaches the tier: 0.5 x 1.01 = 0.505; excess 0.3 x (100.333333 - 1 x 100) = 0.0999999 (README:
    # the actual at 6 decimals, as a plan's measures), total 0.6049999 -> 0.60.  Exactly it would be 0.605 -> 0.61.
    rules = ruleset(attributes={"tb": "money"}, metrics={"rev": {"aggregate": "mean"}},
                    scorecards={"s": one_kpi_card(kpi="rev", target=100)},
                    bonus={"target": "tb", "attainment": "rev", "tiers": [{"from": 1, "pay": 0.5}],
                           "excess": {"above": 1, "rate": 0.3}, "rounding": 0.01})
    cycle = write_cycle(tmp_path, "ex", rules, employees="id,name,tb\nE1,A,1.01\n",
                        metrics="employee,month,rev\nE1,2026-07,100\nE1,2026-08,100\nE1,2026-09,101\n")
    doc = evaluate_cycle(cycle)
    assert by_id(doc)["E1"]["bonus"] == "0.60"
    assert engine_diffs(cycle, doc) == []



@pytest.mark.parametrize("body", ["employee,month,sales\n", "employee,month,sales\n\n", "employee,month,sales\n,,\n"])
def test_a_metrics_file_with_a_header_alone_is_refused_by_both(tmp_path, body):
    # Found while checking the generator's edges (2 Dec, wgen): a header and no data rows (or only blank ones) is an
    # error at the file (README, the provide stage: "empty files" are among the problems every provider's tables are
    # checked for, each a file:line:col; a header alone is not a table); the reference read it as a file of no
    # values and scored E1's sales as missing (d.sales dropped: no score at all, nothing said about the file).
    from appraise.api import evaluate_cycle as engine
    from appraise.errors import InvalidInput
    from reference import ReferenceInputError

    cycle = write_cycle(tmp_path, "hdr", ruleset(metrics={"sales": {"aggregate": "sum"}},
                                                 scorecards={"s": one_kpi_card()}),
                        employees="id,name\nE1,A\n", metrics=body)
    with pytest.raises(ReferenceInputError, match="header but no data rows"):
        evaluate_cycle(cycle)
    with pytest.raises(InvalidInput, match="header but no data rows"):
        engine(cycle)


def test_an_override_score_of_more_places_is_reported_and_graded_half_up(tmp_path):
    # Differential cases 2009538 and 2009562 (2 Dec, wgen; overrides at a grade's minimum less half a cent): an
    # override score of 70.245 was reported as 70.25 yet graded from 70.245 (C, not B); 49.995 was reported 49.99
    # (its float lies below the half) and graded D.  SPEC: a score override "replaces the reported score", and
    # grades use the reported score (2 decimals, half-up on the number as written).  By hand, grades A 85.5,
    # B 70.25, C 50, D 0; every actual 40 of 100 scores 40 (D): E1 70.245 -> 70.25, B; E2 85.499999 -> 85.5, A;
    # E3 49.995 -> 50.0, C; each override records the grade it changed.
    rules = ruleset(metrics={"sales": {"aggregate": "sum"}}, scorecards={"s": one_kpi_card()},
                    grades=[{"grade": "A", "min": 85.5}, {"grade": "B", "min": 70.25}, {"grade": "C", "min": 50},
                            {"grade": "D", "min": 0}])
    who = {"reason": "Calibration committee", "by": "HR", "date": "2026-10-05"}
    cycle = write_cycle(tmp_path, "ov", rules, employees="id,name\nE1,A\nE2,B\nE3,C\n",
                        metrics="employee,month,sales\nE1,2026-07,40\nE2,2026-07,40\nE3,2026-07,40\n",
                        overrides=[{"id": "E1", "score": 70.245, **who}, {"id": "E2", "score": 85.499999, **who},
                                   {"id": "E3", "score": 49.995, **who}])
    doc = evaluate_cycle(cycle)
    got = {e["id"]: (e["score"], e["grade"], e["override"]["score"], e["override"]["grade"])
           for e in doc["employees"]}
    assert got == {"E1": (70.25, "B", [40.0, 70.25], ["D", "B"]), "E2": (85.5, "A", [40.0, 85.5], ["D", "A"]),
                   "E3": (50.0, "C", [40.0, 50.0], ["D", "C"])}
    assert engine_diffs(cycle, doc) == []

# ============================================================================ the engine on the v1 cases

V1_CASES = {"missing": missing_cycle, "missing_zero": missing_zero_cycle, "missing_error": missing_error_cycle,
            "three_valued": three_valued_cycle, "curves": curves_cycle, "bonus": bonus_cycle,
            "feedback": feedback_cycle, "set_and_calibration": set_cycle}


@pytest.mark.parametrize("case", sorted(V1_CASES))
def test_engine_agrees_with_the_reference_on_the_hand_cases(case, tmp_path):
    cycle = V1_CASES[case](tmp_path)
    assert engine_diffs(cycle, evaluate_cycle(cycle)) == []


# ============================================================================ dated key results, 360 waves

OKR_ONLY = ruleset(metrics={"sales": {"aggregate": "sum", "optional": True}},
                   scorecards={"s": {"dimensions": {"goals": {"weight": 100, "okr": {}}}}})


def test_dated_key_results_outside_the_period_or_the_employment_are_not_read(tmp_path):
    # README "employed_share": a key result may be dated with `month:` (on it or on its objective); rows of
    # months outside the cycle are not read, nor rows of months wholly outside the employment.
    okrs = {"E1": [{"objective": "O1", "key_results": [
                       {"name": "k1", "start": 0, "target": 10, "current": 5, "month": "2026-08"},    # 0.5
                       {"name": "k2", "start": 0, "target": 10, "current": 10, "month": "2026-04"}]},  # Q2: not read
                   {"objective": "O2", "month": "2026-10", "key_results": [                            # Q4: not read
                       {"name": "k3", "start": 0, "target": 10, "current": 0}]}],
            "E2": [{"objective": "O3", "key_results": [
                       {"name": "k4", "start": 0, "target": 10, "current": 10, "month": "2026-07"},  # before the hire
                       {"name": "k5", "start": 0, "target": 10, "current": 2, "month": "2026-09"},   # 0.2
                       {"name": "k6", "start": 0, "target": 4, "current": 3}]}]}                     # 0.75, undated
    cycle = write_cycle(tmp_path, "dated", OKR_ONLY,
                        employees="id,name,hire_date\nE1,A,2020-01-01\nE2,B,2026-08-10\n")
    (tmp_path / "dated-okrs.yaml").write_text(json.dumps(okrs), encoding="utf-8")
    doc = json.loads(cycle.read_text(encoding="utf-8"))
    doc["sources"].append({"provider": "okr", "path": "dated-okrs.yaml"})
    cycle.write_text(json.dumps(doc), encoding="utf-8")
    ref = evaluate_cycle(cycle)
    # E1: O1 alone (k1: 5/10 = 0.5; O2's only key result is of October) -> 50
    # E2 hired 10 August: July lies wholly outside the employment; (0.2 + 0.75) / 2 = 0.475 -> 47.5
    assert {e["id"]: e["score"] for e in ref["employees"]} == {"E1": 50.0, "E2": 47.5}
    assert engine_diffs(cycle, ref) == []


FEEDBACK_ONLY = ruleset(metrics={"sales": {"aggregate": "sum", "optional": True}},
                        scorecards={"s": {"dimensions": {"views": {"weight": 100, "feedback360": {
    "scale": 5, "sources": {"manager": 100}}}}}})


def test_a_rater_of_several_waves_is_the_mean_of_all_their_ratings_and_a_repeat_is_refused(tmp_path):
    # SPEC: a rater's value is the mean of their ratings; an annual cycle reads every quarter's ratings.
    rows = ("employee,rater,relation,competency,rating,period\n"
            "E1,M1,manager,care,4,2026-Q1\nE1,M1,manager,care,2,2026-Q3\nE1,M1,manager,care,5,2025-Q4\n")
    cycle = write_cycle(tmp_path, "waves", FEEDBACK_ONLY, period="2026",
                        employees="id,name,hire_date\nE1,A,2020-01-01\n", feedback=rows)
    ref = evaluate_cycle(cycle)
    # (4 + 2) / 2 = 3 of 5 -> 60 (2025-Q4 is another year's)
    assert [(e["id"], e["score"]) for e in ref["employees"]] == [("E1", 60.0)]
    assert engine_diffs(cycle, ref) == []
    # the same rater, competency and period twice: which one counts is not for anyone to guess (README)
    from appraise.errors import AppraiseError
    from reference import ReferenceInputError

    again = write_cycle(tmp_path, "twice", FEEDBACK_ONLY, period="2026",
                        employees="id,name,hire_date\nE1,A,2020-01-01\n",
                        feedback=rows + "E1,M1,manager,care,3,2026-Q3\n")
    with pytest.raises(ReferenceInputError):
        evaluate_cycle(again)
    from appraise.api import evaluate_cycle as engine
    with pytest.raises(AppraiseError):
        engine(again)


def test_a_thousands_point_in_a_semicolon_file_is_refused_by_both(tmp_path):
    # README "Messy exports": in a ';'-separated CSV 2.675 may be 2675 or 2.675 (refused, never guessed); 0.125 and
    # 0.875 are decimals. Differential seeds 2210085, 2210242 (the generator's odd floats in a ';' file).
    from appraise.api import evaluate_cycle as engine
    from appraise.errors import AppraiseError
    from reference import ReferenceInputError

    rules = ruleset(metrics={"sales": {"aggregate": "sum"}}, scorecards={"s": one_kpi_card()})
    people = "id;name;hire_date\nE1;A;2020-01-01\n"
    ok = write_cycle(tmp_path, "dec", rules, employees=people,
                     metrics="employee;month;sales\nE1;2026-07;0.125\nE1;2026-08;0.875\nE1;2026-09;99\n")
    # 0.125 + 0.875 + 99 = 100 of a target of 100 -> 100
    ref = evaluate_cycle(ok)
    assert [e["score"] for e in ref["employees"]] == [100.0]
    assert engine_diffs(ok, ref) == []
    bad = write_cycle(tmp_path, "dots", rules, employees=people,
                      metrics="employee;month;sales\nE1;2026-07;2.675\n")
    with pytest.raises(ReferenceInputError):
        evaluate_cycle(bad)
    with pytest.raises(AppraiseError):
        engine(bad)


def test_round_in_a_formula_takes_the_value_to_6_decimals_first(tmp_path):
    # README "Rounding half-up": round() in expressions works on the value x 10^digits first taken to 6 decimals.
    # Differential case 2290202: a mean x 100 of -9.44999998333 rounded to 1 place. By hand, x = 0.0944999999:
    # round(x * 100, 1): 94.4999999 -> 94.500000 at 6 decimals -> 95 half-up -> 9.5 (exactly, it would be 9.4);
    # the KPI on it, target 10: attainment 0.95 -> score 95.
    rules = ruleset(metrics={"x": {"aggregate": "sum"}, "pct": {"formula": "round(x * 100, 1)"}},
                    scorecards={"s": one_kpi_card(kpi="pct", target=10)})
    cycle = write_cycle(tmp_path, "round", rules, employees="id,name,hire_date\nE1,A,2020-01-01\n",
                        metrics="employee,month,x\nE1,2026-07,0.0944999999\n")
    ref = evaluate_cycle(cycle)
    assert ref["employees"][0]["kpis"]["d.pct"]["actual"] == approx(9.5)
    assert ref["employees"][0]["score"] == 95.0
    assert engine_diffs(cycle, ref) == []
