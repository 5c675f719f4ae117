"""Issue 18, the employee's dashboard: what the core works out for each person (appraise.core.insights) — the
next grade and bonus tier within reach, why the bonus changed, the 360 ratings by competency with comments under
the anonymity thresholds — and that the dashboard, the plan and results.json name the same focus areas.

Every expectation is worked out by hand from the worked example's data files and ruleset (the numbers are in the
comments), never read back from the code under test."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from appraise.core.bonus import pay
from appraise.core.insights import bonus_change, feedback_detail, insights, reach
from appraise.language.period import parse
from appraise.store.database import Store, history
from engine_inputs import EXAMPLE, example_inputs, previous_from, run_example

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def example():
    ev2, q2 = run_example("Q2")
    ev3, q3 = run_example("Q3", previous=previous_from(q2))
    past = {e["id"]: [{"cycle": "2026-Q2", "score": e["score"], "grade": e["grade"], "bonus": e["bonus"],
                       "bonus_detail": e["bonus_detail"], "kpis": e["kpis"]}] for e in q2["employees"]}
    return ev3, insights(ev3, example_inputs("Q3").feedback, past)


# --------------------------------------------------------------------------- within reach


def test_next_grade_is_the_lowest_threshold_above_the_score(example):
    _, found = example
    # grades: S 110, A 95, B 80, C 60, D 0; Q3 scores: E001 108.27, E002 93.71, E003 98.98, E004 57.52, E005 112.8
    # calibration (cohort team, min_cohort 4, S 0.1, A 0.3 cumulative): team east-1 holds E001-E004 (4 people),
    # ranked E001 108.27, E003 98.98, E002 93.71, E004 57.52; S may be held by floor(4 × 0.1) = 0 of them, A or
    # above by floor(4 × 0.3) = 1; east-2 (E005 alone) is below min_cohort and not calibrated
    east = {"cohort": "east-1", "cohort_size": 4}
    assert found["E001"]["next_grade"] == {"grade": "S", "min": 110.0, "points": 1.73, "seats": {
        "seats_grade": "S", "seats_share": 0.1, "seats": 0, "place": 1, **east}}
    assert found["E002"]["next_grade"] == {"grade": "A", "min": 95.0, "points": 1.29, "seats": {
        "seats_grade": "A", "seats_share": 0.3, "seats": 1, "place": 3, **east}}
    # E003 scores in A's band but calibration moved them to B (A's one place went to E001): the next grade up
    # is A, not S; no points to go, a place to win
    assert found["E003"]["next_grade"] == {"grade": "A", "min": 95.0, "points": 0.0,
                                           "calibrated": {"band": "A", "held": "B"}, "seats": {
        "seats_grade": "A", "seats_share": 0.3, "seats": 1, "place": 2, **east}}
    assert found["E004"]["next_grade"] == {"grade": "C", "min": 60.0, "points": 2.48}  # C: no cap at or below it
    assert "next_grade" not in found["E005"]  # already in the top band


def test_calibration_places_are_ranked_among_everyone_and_ties_go_to_the_smaller_id(example):
    ev, _ = example
    # asked for E003 alone, its place is still counted among the whole cohort
    assert insights(ev, ids=["E003"])["E003"]["next_grade"]["seats"]["place"] == 2
    # E002 and E003 tied at 98.98 (E002 hired later, same team): the smaller id ranks first; E003 now 3rd
    frame = ev.frame.with_columns(pl.when(pl.col("id") == "E002").then(98.98).otherwise(pl.col("score"))
                                  .alias("score"))
    rows = {r["id"]: r for r in reach(ev.ruleset, frame).iter_rows(named=True)}
    assert (rows["E002"]["place"], rows["E003"]["place"], rows["E001"]["place"]) == (2, 3, 1)
    # no calibration in the ruleset: nothing about places, the score's band as before
    plain = dataclasses.replace(ev.ruleset, calibration=None)
    rows = {r["id"]: r for r in reach(plain, ev.frame).iter_rows(named=True)}
    assert rows["E002"]["seats"] is None and rows["E003"]["next_grade"] == "A"


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_dashboard_line_for_a_grade_calibration_moved_down(example, locale):
    from types import SimpleNamespace

    from appraise.plugins.html.views import _next_grade_text, context

    ev, found = example
    employee = {"score": 98.98, "grade": "B", "grade_uncalibrated": "A"}
    for min_group, ranked in ((5, False), (4, True)):  # the rank is shown only in a cohort of min_group or more
        rs = dataclasses.replace(ev.ruleset, min_group=min_group)
        ctx = context(SimpleNamespace(ruleset=rs, results={}), locale)
        text = _next_grade_text(ctx, employee, found["E003"]["next_grade"])
        if locale == "en":
            assert text == ("Your score 98.98 is in grade A's band, but calibration placed you at B: the next grade up "
                            "is A (from 95), which your score already reaches. Calibration lets at most 1 of the 4 "
                            "people in team east-1 hold A or above (30%), highest scores first."
                            + (" You rank 2 of 4." if ranked else "")
                            + " Grade A needs a rank of 1 or better: more points help only by passing someone "
                              "ranked above you.")
        else:
            assert text == ("你的得分 98.98 处于 A 级区间，但经校准定为 B 级："
                            "上一级为 A 级（95 分起），你的得分已达到。"
                            "按校准规则，团队 east-1 的 4 人中至多 1 人可获 A 级及以上（30%），按得分由高到低确定。"
                            + ("你目前排名第 2/4。" if ranked else "")
                            + "要获得 A 级，需排进前 1 名：只有超过排在你前面的人，多得的分数才有用。")
        assert "S" not in text.replace("Score", "")  # never the score band's next grade (S at 110)
    ctx = context(SimpleNamespace(ruleset=ev.ruleset, results={}), locale)
    closed = _next_grade_text(ctx, {"score": 108.27}, found["E001"]["next_grade"])
    assert ("(10% of 4 rounds down to 0), whatever the score." if locale == "en" else "向下取整为 0") in closed


def test_next_bonus_tier_in_the_kpis_unit_and_in_money(example):
    _, found = example
    # E002, a new hire: quota 750,000 halved by new-hire-ramp to 375,000; revenue 360,000 (96 %): the 100 % tier
    # (pay 0.6 of the target bonus 20,000 = 12,000, grade B multiplier 1.0) is 15,000 of revenue away; no excess
    # at exactly 100 % (paid only above it)
    tier = found["E002"]["next_tier"]
    assert (tier["kpi"], tier["from"], tier["tier"], tier["direction"]) == ("results.revenue", 1.0, 2, "higher")
    assert tier["actual"] == pytest.approx(360_000) and tier["needed"] == pytest.approx(375_000)
    assert tier["gap"] == pytest.approx(15_000)
    assert Decimal(tier["worth"]) == 12_000 and Decimal(tier["pays"]) == 12_000
    # E004: revenue 600,000 of 900,000 (66.7 %): the 80 % tier needs 720,000, pays 0.4 × 25,000 = 10,000 before
    # the multiplier, and grade D's multiplier is 0: the bonus would not change
    tier = found["E004"]["next_tier"]
    assert (tier["from"], tier["tier"], tier["grade"]) == (0.8, 1, "D")
    assert tier["needed"] == pytest.approx(720_000) and tier["gap"] == pytest.approx(120_000)
    assert Decimal(tier["worth"]) == 0 and Decimal(tier["pays"]) == 10_000
    for who in ("E001", "E003", "E005"):  # 125 %, 103 %, 124 %: every tier reached
        assert "next_tier" not in found[who]


def test_a_tier_reached_through_the_cap_is_worth_what_the_cap_leaves(example):
    ev, _ = example
    rs = ev.ruleset
    # E002 with a cap of 0.5 × 20,000 = 10,000: now 0.4 × 20,000 = 8,000; at the 100 % tier 20,000, capped at 10,000
    capped = dataclasses.replace(rs, bonus=dataclasses.replace(rs.bonus, cap=Decimal("0.5")))
    frame = pay(capped, ev.frame.drop([c for c in ev.frame.columns if c.startswith("bonus")]))
    row = reach(capped, frame).filter(pl.col("id") == "E002").row(0, named=True)
    assert row["tier_worth"] == Decimal(2_000)


def test_a_tier_of_a_plan_with_a_draw_or_a_guarantee_is_worth_what_it_would_add_to_the_pay(tmp_path):
    # target bonus 4,000; tiers from 0.8 (0.5 × 4,000) and 1.0 (another 0.5); revenue 90 of 100 (0.9) earns 2,000,
    # and the 1.0 tier would earn 4,000.  The tier's worth was paid again without the balance carried in and
    # without the guarantee (the bonus stage ran on a copy without them), so it was off by what those change.
    # R (draw 0.25 × 4,000 = 1,000, 500 carried in): now recovered min(500, 2,000 − 1,000) = 500, paid 1,500; at
    # the tier recovered min(500, 4,000 − 1,000) = 500, paid 3,500: worth 2,000 (not 4,000 − 1,500 = 2,500).
    # N (a new hire, tenure 1 < 3, guarantee 1.2 × 4,000 = 4,800): paid 4,800 now and max(4,800, 4,000) = 4,800 at
    # the tier: worth 0 (not 4,000 − 4,800 = −800).
    import yaml

    from appraise.pipeline import evaluate_tables

    rules = {"id": "t", "version": "1", "attributes": {"target_bonus": "money"},
             "metrics": {"revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"}},
             "scorecards": {"rep": {"dimensions": {"results": {"weight": 100, "kpis": {
                 "revenue": {"weight": 100, "target": "quota"}}}}}},
             "grades": [{"grade": "A", "min": 90}, {"grade": "B", "min": 0}],
             "bonus": {"target": "target_bonus", "attainment": "revenue",
                       "tiers": [{"from": 0.8, "pay": 0.5}, {"from": 1.0, "pay": 0.5}]}}
    worth = {}
    for who, hired, extra, draws in (("R", "2020-01-01", {"draw": {"pay": 0.25}},
                                      [{"employee": "R", "balance": "500", "period": None}]),
                                     ("N", "2026-08-01", {"guarantee": {"pay": 1.2, "months": 3}}, None)):
        path = tmp_path / f"{who}.yaml"
        path.write_text(yaml.safe_dump({**rules, "bonus": {**rules["bonus"], **extra}}), encoding="utf-8")
        ev = evaluate_tables(str(path), period="2026-Q3", draws=draws,
                             employees=[{"id": who, "name": who, "hire_date": hired, "target_bonus": "4000"}],
                             aggregated=[{"employee": who, "revenue": 90.0, "quota": 100.0}]).evaluation
        assert not ev.errors
        worth[who] = (ev.frame["bonus"].item(), reach(ev.ruleset, ev.frame)["tier_worth"].item())
    assert worth == {"R": (Decimal(1500), Decimal(2000)), "N": (Decimal(4800), Decimal(0))}


# --------------------------------------------------------------------------- why the bonus changed


def test_bonus_change_against_the_previous_quarter(example):
    _, found = example
    # E003: Q2 revenue 930,000 / 960,000 = 96.9 %, one tier (0.4 × 30,000 = 12,000); Q3 1,020,000 / 990,000 =
    # 103.0 %: both tiers (30,000, +18,000) and excess 0.03 × (1,020,000 − 990,000) = 900: 12,000 → 30,900
    change = found["E003"]["bonus_change"]
    assert (change["cycle"], change["previous"], change["now"], change["change"]) == ("2026-Q2", "12000", "30900",
                                                                                      "18900")
    assert [(e["kind"], e["amount"]) for e in change["effects"]] == [("tiers", "18000"), ("excess", "900")]
    assert change["effects"][0]["tiers"] == [1, 2]
    # E001: 37,500 → 41,100, all from the excess (Q2 0.03 × 150,000 = 4,500; Q3 0.03 × 270,000 = 8,100)
    assert [(e["kind"], e["amount"]) for e in found["E001"]["bonus_change"]["effects"]] == [("excess", "3600")]
    # E004: 0 both times; E002 was not appraised in Q2
    assert found["E004"]["bonus_change"]["change"] == "0" and found["E004"]["bonus_change"]["effects"] == []
    assert "bonus_change" not in found["E002"]


def test_bonus_change_is_split_into_target_tiers_multiplier_and_excess(example):
    ev, _ = example
    # before: target 30,000, both tiers (30,000), grade A ×1.2, excess 2,000 → 38,000
    # now: target 25,000, first tier only (0.4 × 25,000 = 10,000), grade C ×0.8, no excess → 8,000
    # target: (25,000 − 30,000) × 1.0 × 1.2 = −6,000; tiers: 25,000 × (0.4 − 1.0) × 1.2 = −18,000;
    # multiplier: 10,000 × (0.8 − 1.2) = −4,000; excess: −2,000; together −30,000 = 8,000 − 38,000
    before = {"cycle": "2026-Q2", "bonus": "38000", "score": 96.0, "grade": "A",
              "bonus_detail": {"target": "30000", "attainment": 1.05, "tiers_reached": 2, "tier_pay": "30000",
                               "multiplier": "1.2", "excess": "2000", "uncapped": "38000", "cap": "60000"}}
    now = {"bonus": Decimal(8000), "score": 97.5, "grade": "C", "target": Decimal(25000), "tier_pay": Decimal(10000),
           "multiplier": Decimal("0.8"), "excess": Decimal(0), "uncapped": Decimal(8000), "cap": Decimal(50000),
           "attainment": 0.9, "tiers": 1}
    change = bonus_change(ev.ruleset, now, before)
    assert change["change"] == "-30000" and change["score"] == [96.0, 97.5]
    assert [(e["kind"], e["amount"]) for e in change["effects"]] == [
        ("tiers", "-18000"), ("target", "-6000"), ("multiplier", "-4000"), ("excess", "-2000")]
    # the cap: excess 20,000 → 40,000 (+20,000), but the bonus is capped at 60,000 (−10,000): 50,000 → 60,000
    before = {"bonus": "50000", "bonus_detail": {"target": "30000", "tier_pay": "30000", "multiplier": "1",
                                                 "excess": "20000", "uncapped": "50000", "cap": "60000"}}
    now = {"bonus": Decimal(60000), "target": Decimal(30000), "tier_pay": Decimal(30000), "multiplier": Decimal(1),
           "excess": Decimal(40000), "uncapped": Decimal(70000), "cap": Decimal(60000)}
    assert [(e["kind"], e["amount"]) for e in bonus_change(ev.ruleset, now, before)["effects"]] == [
        ("excess", "20000"), ("cap", "-10000")]
    # a stored result without its steps: the amounts, no reasons
    assert bonus_change(ev.ruleset, now, {"bonus": "50000"})["effects"] == []
    assert bonus_change(ev.ruleset, now, {"bonus": None}) is None


def _plan_result(revenue, new_product, margin, *, paid, earned, uncapped=None, cap="20000"):
    """A stored result of rulesets/sales-incentive.yaml: each component's (attainment or actual, amount)."""
    parts = {"revenue": {"attainment": revenue[0], "actual": None, "amount": revenue[1]},
             "new_product": {"actual": new_product[0], "amount": new_product[1]},
             "margin": {"attainment": margin[0], "actual": None, "amount": margin[1]}}
    total = uncapped or str(sum(Decimal(p["amount"]) for p in parts.values()))
    return parts, {"bonus": paid, "bonus_earned": earned, "cycle": "2026-Q1",
                   "bonus_detail": {"target": "10000", "components": parts, "uncapped": total, "cap": cap}}


def _now(parts, stored):
    return {"bonus": Decimal(stored["bonus"]), "earned": Decimal(stored["bonus_earned"]), "components": parts,
            "uncapped": stored["bonus_detail"]["uncapped"], "cap": stored["bonus_detail"]["cap"]}


def test_an_incentive_plans_bonus_change_names_the_component_that_moved_most():
    from appraise.language.ruleset import load_ruleset

    rs = load_ruleset(ROOT / "rulesets" / "sales-incentive.yaml")
    # target incentive 10,000: revenue's target 6,000, new product's 2,000 (cap 4,000), margin's 2,000; total cap
    # 20,000; draw 0.3 × 10,000 = 3,000.  Q1: revenue at 100 % pays (0.4 + 0.2) × 6,000 = 3,600; new product
    # 100,000 × 2 % = 2,000; margin 105 % reaches tier 1: 0.5 × 2,000 × 1.0 (grade B) = 1,000 → 6,600 paid.
    _, q1 = _plan_result((1.0, "3600"), ("100000", "2000"), (1.05, "1000"), paid="6600", earned="6600")
    # Q2: revenue 120 % pays (0.4 + 0.2 + 1.5 × 0.2) × 6,000 = 5,400 (+1,800); new product 50,000 → 1,000
    # (−1,000); margin 120 % both tiers: 2,000 (+1,000); 8,400 paid: +1,800, all explained by the components
    parts, q2 = _plan_result((1.2, "5400"), ("50000", "1000"), (1.2, "2000"), paid="8400", earned="8400")
    change = bonus_change(rs, _now(parts, q2), q1)
    assert change["change"] == "1800"
    assert [(e["component"], e["amount"], e["paid"]) for e in change["effects"]] == [
        ("revenue", "1800", ["3600", "5400"]), ("new_product", "-1000", ["2000", "1000"]),  # ties: plan order
        ("margin", "1000", ["1000", "2000"])]
    assert change["effects"][0]["attainment"] == [1.0, 1.2] and change["effects"][1]["attainment"] is None
    # Q2 instead at half the quota: 0.5 × 0.5 × 6,000 = 1,500 (−2,100); 25,000 new → 500 (−1,500); margin 90 %: 0
    # (−1,000); earned 2,000 < the draw 3,000: 1,000 advanced, 3,000 paid: −3,600 = −4,600 + 1,000 of the draw
    parts, low = _plan_result((0.5, "1500"), ("25000", "500"), (0.9, "0"), paid="3000", earned="2000")
    change = bonus_change(rs, _now(parts, low), q1)
    assert change["change"] == "-3600"
    assert [(e.get("component", e["kind"]), e["amount"]) for e in change["effects"]] == [
        ("revenue", "-2100"), ("new_product", "-1500"), ("margin", "-1000"), ("draw", "1000")]
    # the total cap: Q1's 15,000 + 4,000 + 2,000 = 21,000 capped at 20,000; Q2 margin 1,000 less: 20,000 uncapped.
    # Paid the same, −1,000 from the margin and +1,000 that the cap no longer takes
    _, capped = _plan_result((2.5, "15000"), ("200000", "4000"), (1.2, "2000"), paid="20000", earned="20000")
    parts, under = _plan_result((2.5, "15000"), ("200000", "4000"), (1.05, "1000"), paid="20000", earned="20000")
    change = bonus_change(rs, _now(parts, under), capped)
    assert change["change"] == "0"
    assert [(e.get("component", e["kind"]), e["amount"]) for e in change["effects"]] == [("margin", "-1000"),
                                                                                         ("cap", "1000")]
    # a stored result of another plan (no component amounts): the amounts only
    assert bonus_change(rs, _now(parts, under), {"bonus": "20000"})["effects"] == []


@pytest.mark.parametrize("locale, want", [
    ("en", "Bonus CN¥8,400, up CN¥1,800 from CN¥6,600 in 2026-Q1: Revenue commission at 120.0% of target (was "
           "100.0%): CN¥3,600 → CN¥5,400 (+CN¥1,800); New product SPIFF: New product revenue CN¥100,000 → "
           "CN¥50,000, paying CN¥2,000 → CN¥1,000 (−CN¥1,000)."),
    ("zh-CN", "奖金 ¥8,400，比 2026-Q1（¥6,600）增加 ¥1,800：销售提成达成率 120.0%（上期 100.0%）：¥3,600 → ¥5,400"
              "（+¥1,800）；新品专项奖励：新品销售额 ¥100,000 → ¥50,000，计发 ¥2,000 → ¥1,000（−¥1,000）。")])
def test_the_dashboard_line_on_an_incentive_plans_bonus_change(locale, want):
    from types import SimpleNamespace

    from appraise.language.ruleset import load_ruleset
    from appraise.plugins.html.views import _bonus_change_text, context

    rs = load_ruleset(ROOT / "rulesets" / "sales-incentive.yaml")
    _, q1 = _plan_result((1.0, "3600"), ("100000", "2000"), (1.05, "1000"), paid="6600", earned="6600")
    parts, q2 = _plan_result((1.2, "5400"), ("50000", "1000"), (1.2, "2000"), paid="8400", earned="8400")
    ctx = context(SimpleNamespace(ruleset=rs, results={}), locale)
    assert _bonus_change_text(ctx, rs.scorecards[0], bonus_change(rs, _now(parts, q2), q1)) == want


# --------------------------------------------------------------------------- 360 by competency


def test_competency_by_relation_self_against_others(example):
    _, found = example
    # E001 collaboration in Q3: manager M01 5; peers P00 4, P01 5, P02 4 → 4.3333; customers C10 5, C11 4, C12 5
    # → 4.6667; self 4; others weighted 40/30/30: 2.0 + 1.3 + 1.4 = 4.7
    collab = found["E001"]["feedback"]["feedback"]["competencies"][0]
    assert collab["key"] == "collaboration"
    assert collab["sources"] == {"manager": 5.0, "peer": 4.3333, "customer": 4.6667, "self": 4.0}
    assert collab["others"] == pytest.approx(4.7) and collab["self"] == 4.0
    assert collab["raters"] == {"manager": 1, "peer": 3, "customer": 3, "self": 1}
    # E002: two peers (< 3): only the manager's cells; E004: two customers (< 3): none of theirs
    for row in found["E002"]["feedback"]["feedback"]["competencies"]:
        assert list(row["sources"]) == ["manager"]
    for row in found["E004"]["feedback"]["feedback"]["competencies"]:
        assert "customer" not in row["sources"]


def test_cells_comments_and_raters_follow_min_raters():
    from appraise.language.compile import compile_ruleset
    from engine_inputs import example_ruleset_data

    data = example_ruleset_data()
    rs = compile_ruleset(data)
    rows = []
    for rater in ("P1", "P2", "P3"):  # three peers rate collaboration; only P1 and P2 rate integrity
        rows.append(("X", rater, "peer", "collaboration", 4.0, "2026-Q3", None))
    rows += [("X", "P1", "peer", "integrity", 5.0, "2026-Q3", "Clear and kind."),
             ("X", "P2", "peer", "integrity", 3.0, "2026-Q3", "Needs focus."),
             ("X", "P3", "peer", "collaboration", None, "2026-Q3", "Clear and kind."),
             ("X", "P1", "peer", "collaboration", None, "2026-Q3", "Clear and kind."),  # P1 again: once
             ("X", "C1", "customer", "collaboration", 5.0, "2026-Q3", "Only two customers: never shown."),
             ("X", "C2", "customer", "collaboration", 5.0, "2026-Q3", None),
             ("X", "M1", "manager", "integrity", 2.0, "2026-Q2", "Last quarter: outside the cycle."),
             ("X", "M1", "manager", "integrity", 4.0, "2026-Q3", "   ")]
    # P3's collaboration row above repeats P3 with a blank rating: P3 still rated collaboration once (4.0)
    fb = pl.DataFrame(rows, schema={"employee": pl.Utf8, "rater": pl.Utf8, "relation": pl.Utf8,
                                    "competency": pl.Utf8, "rating": pl.Float64, "period": pl.Utf8,
                                    "comment": pl.Utf8}, orient="row")
    out = feedback_detail(rs, fb, parse("2026-Q3"), pl.DataFrame({"id": ["X"], "scorecard": ["sales_rep"]}))
    detail = out["X"]["feedback"]
    by_key = {c["key"]: c for c in detail["competencies"]}
    assert by_key["collaboration"]["sources"] == {"peer": 4.0}            # customers: 2 < 3
    assert by_key["integrity"]["sources"] == {"manager": 4.0}             # peers: 2 < 3; Q2's 2.0 left out
    # comments: peers have 3 raters (≥ 3), sorted by text, P1's repeated comment once, P3's and P1's identical
    # texts both kept (two raters said it); customers (2) and the blank manager comment are not shown
    assert detail["comments"] == [{"relation": "peer", "texts": ["Clear and kind.", "Clear and kind.",
                                                                 "Needs focus."]}]
    assert not re.search(r"\b(P1|P2|P3|C1|C2|M1)\b", json.dumps(out))


# --------------------------------------------------------------------------- the store and the whole run


def test_history_reads_stored_fields(tmp_path):
    from appraise.language.ruleset import load_ruleset

    url = f"sqlite:///{tmp_path / 'store.db'}"
    entry = {"id": "E1", "name": "E1", "scorecard": "sales_rep", "score": 90.0, "grade": "B",
             "grade_uncalibrated": "B", "bonus": "100", "kpis": {"results.revenue": {"attainment": 0.9}},
             "bonus_detail": {"tier_pay": "100"}, "dimensions": {}}
    with Store(url) as db:
        run = db.start_run(cycle="2026-Q2", kind="quarter", cycle_file="c.yaml",
                           ruleset=load_ruleset(EXAMPLE / "sales-team.yaml"), inputs={"x.csv": "0" * 64},
                           engine_version="test")
        db.complete_run(run, "2026-Q2", {"cycle": "2026-Q2", "employees": [entry], "errors": []})
    row = history(url, ["E1"], fields=("kpis", "bonus_detail", "bonus_gross"))["E1"][0]
    assert row["kpis"] == entry["kpis"] and row["bonus_detail"] == entry["bonus_detail"]
    assert row["bonus_gross"] is None and row["score"] == 90.0
    assert history(url, ["E1"], fields=("kpis",))["E1"][0]["kpis"] == entry["kpis"]  # one field alone
    assert "kpis" not in history(url, ["E1"])["E1"][0]


def test_dashboard_plan_and_results_agree_on_focus_areas(tmp_path):
    """The must-show: a real run (Q2 then Q3 through the store); for every employee the dashboard's areas to
    improve and the plan's focus are results.json's focus_areas, in the same order."""
    from appraise.run import run_cycle

    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    # a free-text comment column: E004's three peers (min_raters 3) are shown, its two customers and E002's two
    # peers are not (fewer than 3 raters)
    said = {("E004", "P20"): "Follow-ups after meetings go missing.", ("E004", "C30"): "Customer secret remark.",
            ("E002", "P40"): "Peer secret remark."}
    lines = (folder / "data/feedback.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",comment"]
    for line in lines[1:]:
        employee, rater, _, competency, _, period = line.split(",")
        first = competency == "collaboration" and period == "2026-Q3"
        rows.append(line + "," + (said.get((employee, rater), "") if first else ""))
    (folder / "data/feedback.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run_cycle(folder / "cycle-q2.yaml", jobs=1)
    run_cycle(folder / "cycle-q3.yaml", jobs=1)
    out = folder / "out" / "2026-Q3"
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    seen = 0
    for e in results["employees"]:
        dashboard = (out / "dashboards" / f"{e['id']}.html").read_text(encoding="utf-8")
        plan = (out / "plans" / f"{e['id']}.html").read_text(encoding="utf-8")
        focus = re.search(r'id="focus">(.*?)</section>', dashboard, re.S).group(1)
        assert re.findall(r'data-focus="([^"]+)"', focus) == e["focus_areas"], e["id"]
        assert re.findall(r'data-focus="([^"]+)"', plan) == e["focus_areas"], e["id"]
        seen += len(e["focus_areas"])
    assert seen == 2 + 3 + 2 + 3 + 1  # results: E001 objectives, feedback; E002 feedback, visits, revenue; ...
    # what the store gave the pages: last quarter's bonus steps (the reason) and attainments (the trend lines)
    e003 = (out / "dashboards" / "E003.html").read_text(encoding="utf-8")
    assert ("Bonus CN¥30,900, up CN¥18,900 from CN¥12,000 in 2026-Q2: Revenue at 103.0% of target (was 96.9%), "
            "2 of 2 bonus tiers instead of 1 (+CN¥18,000)") in e003
    assert e003.count('<svg class="spark"') == 6  # new product share was dropped by a rule for E003 (north)
    e002 = (out / "dashboards" / "E002.html").read_text(encoding="utf-8")
    assert ("Revenue CN¥15,000 higher, at CN¥375,000 (100% of target), reaches bonus tier 2 of 2: CN¥12,000 more."
            in e002)
    assert "Grade A starts at 95: 1.29 points to go." in e002
    assert "Your score 98.98 is in grade A&#39;s band, but calibration placed you at B: the next grade up is A" in e003
    # the comment column came through the feedback360 provider; it is on its own dashboard only, and the
    # comments of sources below min_raters are nowhere
    texts = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*")
             if p.suffix in (".html", ".json", ".csv")}
    assert [p for p, text in texts.items() if "Follow-ups after meetings go missing." in text] == [
        "dashboards/E004.html"]
    assert not [p for p, text in texts.items() if "secret remark" in text]
