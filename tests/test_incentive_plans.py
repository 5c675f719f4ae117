"""Incentive plans (issue 20): components, marginal bands, draws and guarantees, statements — hand-worked.

Every expected amount is worked out by hand in the comment beside it from the README's "Incentive plans"
section; nothing is the engine's output pasted back.  The example ruleset's own cases are in
rulesets/tests/sales-incentive.yaml (run by tests/test_testing.py).
"""
from __future__ import annotations

import json
import sqlite3
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from appraise.errors import InvalidInput
from appraise.language.incentives import compile_components
from appraise.language.load import load
from appraise.language.validate.rulesets import validate_ruleset
from appraise.run import run_cycle

ROOT = Path(__file__).resolve().parent.parent

BANDS = {"measure": "revenue", "target": "quota", "share": 0.5,
         "bands": [{"from": 0, "to": 0.8, "rate": 0.5}, {"from": 0.8, "to": 1.0, "rate": 1},
                   {"from": 1.0, "rate": 1.5}]}


def _component(spec: dict):
    """What the component pays (its exact pairs as Fractions) on a measure and target (6-place decimals)."""
    from appraise.core.incentives import Scaled, pay_component
    from appraise.language.compile import BonusPlan

    [c] = compile_components({"c": spec}, lambda v: v)
    scaled = Scaled(BonusPlan("t", "", (), None, None, {}, None, Decimal(1), components=(c,)))

    def pay(actual, target, base=Fraction(1000), multiplier=Fraction(1)):
        micro = [None if v is None else int(Fraction(v) * 10 ** 6) for v in (actual, target)]
        out = pay_component(c, *micro, None if base is None else (base.numerator, base.denominator),
                            (multiplier.numerator, multiplier.denominator), scaled)
        return {k: [None if x is None else Fraction(*x) for x in v] if isinstance(v, list)
                else Fraction(*v) if isinstance(v, tuple) else v for k, v in out.items()}
    return pay


@pytest.mark.parametrize("actual, inside, amount", [
    # attainment exactly at the 80 % edge: the first band holds 0.8 (× 0.5 = 0.4), the second nothing → 400
    (80, [Fraction(8, 10), 0, 0], 400),
    # a hair below the edge: 0.79 × 0.5 = 0.395 → 395
    (79, [Fraction(79, 100), 0, 0], 395),
    # exactly at 100 %: 0.4 + 0.2 × 1 = 0.6 → 600; nothing of the accelerator yet
    (100, [Fraction(8, 10), Fraction(2, 10), 0], 600),
    # 120 %: 0.4 + 0.2 + 0.2 × 1.5 = 0.9 → 900
    (120, [Fraction(8, 10), Fraction(2, 10), Fraction(2, 10)], 900),
    # a third of quota (1 of 3): 1/3 × 0.5 × 1000 = 500/3, kept exact (never 166.666…7 in floats)
    (1, [Fraction(1, 3), 0, 0], Fraction(500, 3)),
])
def test_marginal_bands_pay_only_the_attainment_inside_each_band(actual, inside, amount):
    out = _component(BANDS)(actual, 100 if actual != 1 else 3)
    assert out["inside"] == inside
    assert out["amount"] == amount


def test_floors_tiers_caps_and_per_unit_by_hand():
    floored = _component({**BANDS, "floor": 0.5})
    assert floored(49, 100)["amount"] == 0                      # below the floor: nothing
    assert floored(50, 100)["amount"] == 250                    # at it: 0.5 × 0.5 × 1000, every band from 0
    capped = _component({**BANDS, "cap": 0.7})
    assert capped(120, 100)["amount"] == 700                    # 900 capped at 0.7 × 1000
    tiers = _component({"measure": "m", "target": 1, "share": 1, "tiers": [{"from": 1, "pay": 0.5},
                                                                           {"from": 1.2, "pay": 0.25}],
                        "multiplier": True})
    assert tiers(Fraction(12, 10), 1, multiplier=Fraction(12, 10))["amount"] == 900  # (0.5 + 0.25) × 1000 × 1.2
    assert tiers(Fraction(119, 100), 1)["amount"] == 500        # only the first tier at 1.19
    spiff = _component({"measure": "units", "per_unit": 200})
    assert spiff(7, 0, base=None)["amount"] == 1400             # 7 units × 200, no target needed
    assert _component(BANDS)(80, 0)["amount"] is None           # x / 0 is missing, never 0


def test_tiers_reached_count_from_the_first_and_below_the_first_nothing_is_paid():
    # tiers from 1 (pays 0.5) and 1.2 (adds 0.25) of a target of 1, base 1000, with the grade's multiplier:
    # 0.99 reaches none (0 paid), 1 exactly the first (500), 1.2 exactly both ((0.5 + 0.25) × 1000 = 750 raw,
    # × 1.2 = 900); each step is what a statement shows (bonus.c.<k>.tiers_reached, .raw, .multiplier)
    tiers = _component({"measure": "m", "target": 1, "share": 1, "tiers": [{"from": 1, "pay": 0.5},
                                                                           {"from": 1.2, "pay": 0.25}],
                        "multiplier": True})
    got = [(o["tiers_reached"], o["raw"], o["multiplier"], o["amount"]) for o in
           (tiers(Fraction(99, 100), 1), tiers(1, 1), tiers(Fraction(12, 10), 1, multiplier=Fraction(12, 10)))]
    assert got == [(0, 0, 1, 0), (1, 500, 1, 500), (2, 750, Fraction(6, 5), 900)]


def test_a_component_without_the_multiplier_is_not_scaled_by_the_grade():
    # BANDS has no 'multiplier: true': at 120 % it pays 900 (see above) whatever the grade's 1.5, and shows none
    out = _component(BANDS)(120, 100, multiplier=Fraction(3, 2))
    assert (out["multiplier"], out["raw"], out["amount"]) == (None, 900, 900)


def test_a_per_unit_component_with_a_target_and_a_floor_pays_nothing_below_the_floor():
    # 200 per unit, floor 0.5 of a target of 10 units: 4 units (attainment 0.4) are below it, 0 paid; 5 units
    # (0.5, at the floor) pay 5 × 200 = 1000; without a target there is no attainment and nothing to floor
    floored = _component({"measure": "units", "target": 10, "floor": 0.5, "per_unit": 200})
    got = [(o["attainment"], o["floored"], o["amount"]) for o in (floored(4, 10, base=None), floored(5, 10, base=None))]
    assert got == [(Fraction(2, 5), True, 0), (Fraction(1, 2), False, 1000)]
    plain = _component({"measure": "units", "per_unit": 200})(4, None, base=None)
    assert (plain["attainment"], plain["floored"], plain["amount"]) == (None, None, 800)


def test_a_negative_target_gives_the_attainment_actual_over_target():
    # actual −120 of a target of −100: attainment −120 / −100 = 1.2, as (120, 100) with a positive denominator;
    # the bands then pay 0.8 × 0.5 + 0.2 × 1 + 0.2 × 1.5 = 0.9 of 1000 = 900, as for 120 of 100.  With a floor
    # of 0.5, −40 of −100 (0.4) is below it: 0; −60 of −100 (0.6) pays 0.6 × 0.5 × 1000 = 300.
    out = _component(BANDS)(-120, -100)
    assert (out["attainment"], out["inside"], out["amount"]) == \
        (Fraction(6, 5), [Fraction(8, 10), Fraction(2, 10), Fraction(2, 10)], 900)
    floored = _component({**BANDS, "floor": 0.5})
    assert [(o["floored"], o["amount"]) for o in (floored(-40, -100), floored(-60, -100))] == [(True, 0), (False, 300)]


# ------------------------------------------------------------------ a draw recovered over three periods

RULESET = {
    "id": "draws", "version": "1",
    "attributes": {"target_bonus": "money"},
    "metrics": {"revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"}, "units": {"aggregate": "sum"}},
    "scorecards": {"rep": {"dimensions": {"results": {"weight": 100, "kpis": {
        "revenue": {"weight": 100, "target": "quota"}}}}}},
    "grades": [{"grade": "A", "min": 90}, {"grade": "B", "min": 0}],
    "bonus": {"target": "target_bonus", "components": {"spiff": {"measure": "units", "per_unit": 100}},
              "draw": {"pay": 0.5}},
}
UNITS = {1: 5, 2: 25, 3: 26, 4: 30}  # quarter -> units sold in its first month


def _write_case(folder: Path, units: dict[int, int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ruleset.yaml").write_text(yaml.safe_dump(RULESET, sort_keys=False), encoding="utf-8")
    (folder / "employees.csv").write_text("id,name,hire_date,target_bonus\nE1,Ann,2025-01-01,4000\n",
                                          encoding="utf-8")
    rows = ["employee,month,revenue,quota,units"]
    for q, u in units.items():
        rows += [f"E1,2026-{m:02d},100,100,{u if i == 0 else 0}" for i, m in enumerate(range(3 * q - 2, 3 * q + 1))]
    (folder / "metrics.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for q in range(1, 5):
        (folder / f"cycle-Q{q}.yaml").write_text(
            f"cycle: 2026-Q{q}\nruleset: ruleset.yaml\nsources:\n  - {{provider: csv, path: employees.csv, kind: "
            f"employees}}\n  - {{provider: csv, path: metrics.csv}}\nstore: sqlite:///out/appraise.db\n"
            f"output: out/2026-Q{q}\n", encoding="utf-8")


def _entry(folder: Path, q: int) -> dict:
    return json.loads((folder / f"out/2026-Q{q}/results.json").read_text(encoding="utf-8"))["employees"][0]


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """Four quarters of one rep into one store: Q1–Q3 without pages, Q4 with them."""
    folder = tmp_path_factory.mktemp("draws")
    _write_case(folder, UNITS)
    for q in range(1, 5):
        run_cycle(folder / f"cycle-Q{q}.yaml", render=q == 4)
    return folder


def test_a_draw_is_advanced_then_recovered_over_three_periods(year):
    # draw = 0.5 × 4000 = 2000 a quarter; earnings = units × 100.
    # Q1: earned 500 < 2000: paid 2000, advanced 1500, balance 1500.
    # Q2: earned 2500: recovered min(1500, 2500 − 2000) = 500, paid 2000, balance 1000.
    # Q3: earned 2600: recovered 600, paid 2000, balance 400.
    # Q4: earned 3000: recovered min(400, 1000) = 400, paid 2600, balance 0 — recovered over Q2, Q3 and Q4.
    want = {1: ("500", "2000", "0", "0", "1500", "1500", "2000"),
            2: ("2500", "2000", "1500", "500", "0", "1000", "4000"),
            3: ("2600", "2000", "1000", "600", "0", "400", "6000"),
            4: ("3000", "2600", "400", "400", "0", "0", "8600")}
    for q, (earned, paid, opening, recovered, advanced, balance, ytd) in want.items():
        e = _entry(year, q)
        assert (e["bonus_earned"], e["bonus"], e["bonus_draw"]["opening"], e["bonus_draw"]["recovered"],
                e["bonus_draw"]["advanced"], e["bonus_draw_balance"], e["bonus_ytd"]) == \
            (earned, paid, opening, recovered, advanced, balance, ytd), q
        assert e["bonus_draw"]["amount"] == "2000"
    # the balance is carried in the store's draw ledger (migration step 6), one row per run
    with sqlite3.connect(year / "out/appraise.db") as db:
        rows = db.execute("SELECT r.cycle, d.opening, d.recovered, d.advanced, d.closing FROM draws d "
                          "JOIN runs r ON r.id = d.run_id ORDER BY r.cycle").fetchall()
    assert rows == [("2026-Q1", "0", "0", "1500", "1500"), ("2026-Q2", "1500", "500", "0", "1000"),
                    ("2026-Q3", "1000", "600", "0", "400"), ("2026-Q4", "400", "400", "0", "0")]


def test_the_payout_statement_lists_components_draw_year_and_changes(year):
    page = (year / "out/2026-Q4/statements/E1.html").read_text(encoding="utf-8")
    for text in ("Payout statement: Ann", "Draw balance carried in", "Recovered from earnings",
                 "This is the first statement for this period.", "2026-Q1", "2026-Q3", 'id="ytd">CN¥8,600<'):
        assert text in page, text
    dashboard = (year / "out/2026-Q4/dashboards/E1.html").read_text(encoding="utf-8")
    assert "../statements/E1.html" in dashboard and "Draw balance carried forward" in dashboard
    # why the bonus changed, from the store's Q3 result: earned 2,600 → 3,000 (units 26 → 30 at 100); paid
    # 2,000 → 2,600, the draw's part of it (paid − earned) −600 → −400: +200
    assert ("Bonus CN¥2,600, up CN¥600 from CN¥2,000 in 2026-Q3: spiff: units 26 → 30, paying CN¥2,600 → "
            "CN¥3,000 (+CN¥400); the draw, advanced or recovered (+CN¥200).") in dashboard


def test_rerunning_a_period_is_shown_on_its_statement_and_makes_later_draws_stale(tmp_path):
    _write_case(tmp_path, {1: 5, 2: 25, 3: 26})
    for q in (1, 2, 3):
        run_cycle(tmp_path / f"cycle-Q{q}.yaml", render=False)
    _write_case(tmp_path, {1: 5, 2: 23, 3: 26})  # Q2 corrected: 23 units, not 25
    report = run_cycle(tmp_path / "cycle-Q2.yaml", render=True)
    # Q2 again: earned 2300, recovered min(1500, 300) = 300, paid 2000 as before, balance 1200 instead of 1000
    e = _entry(tmp_path, 2)
    assert (e["bonus"], e["bonus_draw_balance"]) == ("2000", "1200")
    ledger = (tmp_path / "out/2026-Q2/changes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert ledger == ["employee,field,before,after", "E1,bonus_earned,2500,2300", "E1,bonus_draw_balance,1000,1200"]
    page = (tmp_path / "out/2026-Q2/statements/E1.html").read_text(encoding="utf-8")
    assert "Changed since the last statement" in page and "CN¥1,000" in page and "CN¥1,200" in page
    # the same pay, other balances: Q3 read the replaced run's balance, so it is stale
    assert [(s["cycle"], [r["why"] for r in s["reasons"]]) for s in report.stale] == \
        [("2026-Q3", ["draw", "year_to_date"])]


def test_a_skipped_period_is_a_warning_and_the_balance_carries_from_the_one_before(tmp_path):
    _write_case(tmp_path, UNITS)
    run_cycle(tmp_path / "cycle-Q1.yaml", render=False)
    report = run_cycle(tmp_path / "cycle-Q3.yaml", render=False)
    assert any("no stored run of ruleset 'draws' for 2026-Q2" in w for w in report.engine_warnings)
    # Q3 opens with Q1's 1500: earned 2600, recovered 600, paid 2000, balance 900; this year: 2000 + 2000
    e = _entry(tmp_path, 3)
    assert (e["bonus_draw"]["opening"], e["bonus_draw_balance"], e["bonus_ytd"]) == ("1500", "900", "4000")


def test_explain_shows_each_step_of_the_plan(year):
    from appraise.core.evaluate import Evaluation
    from appraise.pipeline import load as load_cycle
    from appraise.pipeline import prepare
    from appraise.present.explain import explain, render_text

    cycle, ruleset = load_cycle(year / "cycle-Q3.yaml")
    ev: Evaluation = prepare(cycle, ruleset, store=cycle.store).evaluate()
    text = render_text(explain(ev, "E1"))
    assert "Component spiff (spiff) on units: 26 × 100 per unit" in text
    assert "Draw 2000: balance carried in 1000; recovered 600, advanced 0 → paid 2000 CNY; balance carried " \
           "forward 400" in text
    assert "Paid this year: 4000 earlier + 2000 now = 6000 CNY" in text
    zh = render_text(explain(ev, "E1", "zh-CN"))
    assert "预支 2000：期初余额 1000；收回 600，预支 0 → 实发 2000 CNY；结转余额 400" in zh


# ------------------------------------------------------------------ guarantee

def test_a_guarantee_covers_the_first_months_only(tmp_path):
    from appraise.pipeline import evaluate_tables

    data = dict(RULESET, bonus={**RULESET["bonus"], "guarantee": {"pay": 1, "months": 3}})
    path = tmp_path / "ruleset.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    people = [("N2", "2026-07-01"), ("N3", "2026-06-30")]  # at 2026-09-30: 2 whole months, and 3
    out = evaluate_tables(str(path), period="2026-Q3",
                          employees=[{"id": i, "name": i, "hire_date": h, "target_bonus": "4000"} for i, h in people],
                          aggregated=[{"employee": i, "revenue": 100.0, "quota": 100.0, "units": 10.0}
                                      for i, _ in people])
    got = {e["id"]: e for e in out.document["employees"]}
    # N2 (tenure 2 < 3): earned 1000, guaranteed 1.0 × 4000 = 4000, topped up 3000 (not recovered): above the
    # draw of 2000, nothing advanced.  N3 (tenure 3): no guarantee, 1000 earned, the draw pays 2000.
    assert got["N2"]["bonus_guarantee"] == {"amount": "4000", "topup": "3000"}
    assert (got["N2"]["bonus"], got["N2"]["bonus_draw_balance"]) == ("4000", "0")
    assert got["N3"]["bonus_guarantee"] is None
    assert (got["N3"]["bonus"], got["N3"]["bonus_draw_balance"]) == ("2000", "1000")


def test_a_guarantee_tops_up_only_what_is_below_it_and_only_while_it_lasts(tmp_path):
    # a guarantee without a draw (paid = earned + top-up), 2026-Q3 (last day 2026-09-30), target bonus 4000,
    # guarantee 1.0 × 4000 = 4000 while tenure < 3; the spiff pays units × 100.  (Mutants of the top-up lived:
    # no test had a guaranteed payee earning above the guarantee, nor read the top-up outside the guarantee.)
    from appraise.pipeline import evaluate_tables

    data = dict(RULESET, bonus={"target": "target_bonus", "components": RULESET["bonus"]["components"],
                                "guarantee": {"pay": 1, "months": 3}})
    path = tmp_path / "ruleset.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    people = [("ABOVE", "2026-08-01", 50.0),   # tenure 1: earned 5000 ≥ 4000: top-up max(0, 4000 − 5000) = 0
              ("BELOW", "2026-07-01", 10.0),   # tenure 2: earned 1000: top-up 3000, paid 4000
              ("AFTER", "2026-06-30", 10.0),   # tenure 3: no guarantee; earned 1000, top-up 0, paid 1000
              ("UNKNOWN", "2026-07-01", None),  # tenure 2, no units: earned unknown, nothing topped up or paid
              ("GONE", "2026-06-30", None)]    # tenure 3, no units: the same, outside the guarantee
    out = evaluate_tables(str(path), period="2026-Q3",
                          employees=[{"id": i, "name": i, "hire_date": h, "target_bonus": "4000"}
                                     for i, h, _ in people],
                          aggregated=[{"employee": i, "revenue": 100.0, "quota": 100.0, "units": u}
                                      for i, _, u in people])
    frame = out.evaluation.frame
    got = {r[0]: r[1:] for r in frame.select("id", "bonus.earned", "bonus.guarantee", "bonus.topup", "bonus",
                                             "bonus.ytd").iter_rows()}
    # (earned, guarantee, top-up, paid, year to date): nothing was paid earlier this year
    D = Decimal
    assert got == {"ABOVE": (D(5000), D(4000), D(0), D(5000), D(5000)),
                   "BELOW": (D(1000), D(4000), D(3000), D(4000), D(4000)),
                   "AFTER": (D(1000), None, D(0), D(1000), D(1000)),
                   "UNKNOWN": (None, D(4000), None, None, D(0)),
                   "GONE": (None, None, None, None, D(0))}
    entries = {e["id"]: e for e in out.document["employees"]}
    assert entries["ABOVE"]["bonus_guarantee"] == {"amount": "4000", "topup": "0"}
    assert (entries["ABOVE"]["bonus"], entries["AFTER"]["bonus"]) == ("5000", "1000")
    assert entries["AFTER"]["bonus_guarantee"] is None


# ------------------------------------------------------------------ validation

BAD = """\
id: bad
version: "1"
attributes: {target_bonus: money}
metrics:
  revenue: {aggregate: sum}
  quota: {aggregate: sum}
scorecards:
  rep:
    dimensions:
      results:
        weight: 100
        kpis:
          revenue: {weight: 100, target: quota}
grades: [{grade: A, min: 0}]
bonus:
  target: target_bonus
  cap: 1
  guarantee: {pay: 1.5, months: 3}
  components:
    gap:
      measure: revenue
      target: quota
      share: 0.5
      bands:
        - {from: 0, to: 0.8, rate: 0.5}
        - {from: 0.9, rate: 1}
    overlap:
      measure: revenue
      target: quota
      share: 0.5
      bands:
        - {from: 0, to: 1.0, rate: 0.5}
        - {from: 0.8, rate: 1}
    capped:
      measure: revenue
      target: quota
      share: 0.5
      cap: 0.2
      tiers: [{from: 0.5, pay: 0.3}]
    typo:
      measure: revenu
      per_unit: 0.01
"""


def test_bands_caps_and_measures_are_checked_at_their_line_in_two_languages(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    found = [d for d in validate_ruleset(load(path)) if d.severity == "error"]
    where = {(d.line, d.col): d.message for d in found}
    assert "from 0.8 to 0.9 is in no band" in where[(26, 18)]    # a gap
    assert "from 0.8 to 1 is in bands 1 and 2" in where[(33, 18)]  # an overlap
    # cap 0.2 below the 0.3 the only tier pays from attainment 0.5 on
    assert "below what it pays as soon as it pays at all (0.3 × its target, at attainment 0.5)" in where[(38, 12)]
    assert "'revenu', which is not a declared metric; did you mean 'revenue'" in where[(41, 16)]
    assert "the guarantee pays 1.5 × the target, above the bonus cap of 1" in where[(18, 20)]
    assert len(found) == 5
    # each in one language: English as written (no Chinese half any more), Chinese whole from the catalogue
    import re

    from appraise.i18n import translate

    cjk = re.compile(r"[\u3400-\u9fff]")
    assert not any(cjk.search(d.message) or cjk.search(d.hint) for d in found)
    zh = {(d.line, d.col): (translate(d.message, "zh-CN"), translate(d.hint, "zh-CN")) for d in found}
    assert zh[(26, 18)] == ("组件 'gap' 的费率档有空缺：达成率 0.8 到 0.9 不属于任何一档",
                            "请让此档从 0.8 开始，即第 1 档的终点（如确实不付薪，可加一档 rate: 0）")
    assert zh[(33, 18)] == ("组件 'overlap' 的费率档重叠：达成率 0.8 到 1 同时属于第 1 档和第 2 档",
                            "请让此档从 1 开始，即第 1 档的终点")
    assert zh[(38, 12)] == ("组件 'capped' 的上限（目标的 0.2 倍）低于它一开始付薪时的最低支付（目标的 0.3 倍，"
                            "达成率 0.5）：每笔支付都会被封顶", "请提高上限或降低门槛")
    assert zh[(41, 16)] == ("组件 'typo' 的度量 'revenu' 未在 metrics 中声明；是否想写 'revenue'？",
                            "请在 metrics 下声明：(revenu: {aggregate: sum})")
    assert zh[(18, 20)] == ("保底为目标的 1.5 倍，高于奖金上限（目标的 1 倍），永远无法挣回", "请让保底不高于上限")


def test_the_shipped_example_validates_and_its_tests_pass():
    from appraise.tools.testing import run_paths

    report = run_paths([ROOT / "rulesets/tests/sales-incentive.yaml"])
    assert not report.diagnostics and report.results and all(not r.failures for r in report.results)


# ------------------------------------------------------------------ store, diff, redaction

def test_a_version_5_store_is_upgraded_with_the_draw_ledger(tmp_path):
    from appraise.store.database import Store
    from appraise.store.migrations import LATEST, migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    assert migrate(engine, target=5) == (0, 5)
    assert "draws" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    with Store(url) as db:
        assert db.schema_version == LATEST == 6
        assert "draws" in sa.inspect(db.engine).get_table_names()


def test_diff_shows_what_each_component_costs(tmp_path):
    from appraise.tools.diff import diff_cycle, render

    _write_case(tmp_path, UNITS)
    new = dict(RULESET, bonus={**RULESET["bonus"], "components": {"spiff": {"measure": "units", "per_unit": 120}}})
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(new, sort_keys=False), encoding="utf-8")
    d = diff_cycle(tmp_path / "ruleset.yaml", tmp_path / "new.yaml", tmp_path / "cycle-Q3.yaml")
    # Q3: 26 units × 100 = 2600 → × 120 = 3120
    assert [c.to_dict() for c in d.components] == [{"component": "spiff", "old": "2600", "new": "3120",
                                                     "delta": "520", "changed": 1}]
    assert "| `spiff` | 2600 | 3120 | +520 | 1 |" in render(d, "markdown")
    assert "draw balances and earlier payouts of the year are not loaded" in render(d, "text")


def test_a_redacted_export_leaves_out_every_amount_of_the_plan(year):
    from appraise.export.files import redact_document

    doc = json.loads((year / "out/2026-Q4/results.json").read_text(encoding="utf-8"))
    kept = redact_document(doc)["employees"][0]
    assert not [k for k in kept if k.startswith("bonus")]


def test_a_plan_needs_attainment_and_tiers_or_components(tmp_path):
    path = tmp_path / "r.yaml"
    data = dict(RULESET, bonus={"target": "target_bonus"})
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    from appraise.language.ruleset import load_ruleset

    with pytest.raises(InvalidInput) as info:
        load_ruleset(path)
    assert "no 'attainment'" in str(info.value) and "no 'tiers'" in str(info.value)


# ------------------------------------------------------------------ generated plans, engine against reference

@pytest.mark.parametrize("seed", [30092])  # an incentive plan with a draw, run over two periods (30083 until the
# generator wrote random formulas: its draws then carried nothing)
def test_generated_plans_with_draws_agree_with_the_reference(seed, tmp_path):
    sys.path.insert(0, str(ROOT / "tests"))
    from generate import RandomChooser, write_case
    from reference import ReferenceStore, compare

    case = write_case(RandomChooser(seed), tmp_path / "case", employees=(30, 48))
    assert "plan-draw" in case.features and len(case.cycles) > 1, "the generator changed: pick other seeds"
    store = ReferenceStore()
    carried = 0
    for cycle in case.cycles:
        report = run_cycle(cycle, render=False)
        engine = json.loads((report.output / "results.json").read_text(encoding="utf-8"))
        assert compare(engine, store.run(cycle)) == [], cycle.name
        carried += sum(1 for e in engine["employees"]
                       if Decimal((e.get("bonus_draw") or {}).get("opening") or 0) != 0)
    assert carried, "no draw balance was carried: pick other seeds"


def test_measures_of_ten_to_the_22_and_beyond_are_judged_not_crashed():
    # found by the generated runs: the default decimal context (28 digits) made quantizing a measure of 10^22 or
    # more to 6 places raise InvalidOperation, a crash of a ruleset validate accepts. Worked by hand: 10^22 and
    # 10^25 are one significant digit at 6 places (carried: paid exactly); 1.2345678901234567e30 has 17; the
    # largest float has 17 too; their millionths are the value's digits followed by six zeros.
    from appraise.core.incentives import carried, micro

    assert carried(1e22) and micro(1e22) == 10 ** 28
    assert carried(1e25) and micro(1e25) == 10 ** 31
    assert not carried(1.2345678901234567e30)
    assert micro(1.2345678901234567e30) == 12345678901234567 * 10 ** 14 * 10 ** 6
    top = 1.7976931348623157e308
    assert not carried(top) and micro(top) == int(top) // 10 ** 292 * 10 ** 292 * 10 ** 6
    assert carried(7660319922473.36) and not carried(52164339999999.99)  # 15 and 16 digits (README)


def test_six_places_is_the_written_decimal_half_up_by_columns_and_by_hand():
    # incentives.six_places (the classic bonus' excess) against incentives.micro and hand-worked values: ties of
    # the 7th decimal as written go up whichever side of the tie their float lies (2.0000005 is a hair above,
    # 34.0000005 and 0.1234565 a hair below), -2.0000005 away from zero; a float sum's noise goes; 8,589,934,592
    # .000002 (above 2^33, where 10^6 x the float is not whole) and 1e20 take the slow path; missing, NaN and
    # infinity are missing.
    import polars as pl

    from appraise.core.incentives import micro, six_places

    values = [2.0000005, 34.0000005, 0.1234565, -2.0000005, 0.1 + 0.2, 33333.33 + 33333.33 + 33333.34, 1.0000004,
              8589934592.000002, 1e20, None, float("nan"), float("inf")]
    want = ["2.000001", "34.000001", "0.123457", "-2.000001", "0.3", "100000", "1", "8589934592.000002", "1e20",
            None, None, None]
    got = six_places(pl.Series("x", values))
    assert got.name == "x" and got.to_list() == [None if w is None else Decimal(w) for w in want]
    assert got.to_list()[:9] == [Decimal(micro(v)).scaleb(-6) for v in values[:9]]


def test_the_plan_cap_rounds_down_to_the_unit_when_half_up_would_pass_it(tmp_path):
    # the shipped plan with rounding 0.1: components at their caps (revenue 2.5 x 0.6 T, SPIFF 2 x 0.2 T, the margin
    # tiers 1.0 x 0.2 T x the grade's multiplier) earn at least 2.1 T, above the plan's cap of 2 T.
    # T = 10000.38: the cap 20000.76 half-up to 0.1 would be 20000.8, above the cap: 20000.7 is paid.
    # T = 10000.30: the cap 20000.60 is a multiple of 0.1: 20000.6.  (Mutants of the cap's units in _rounded lived.)
    from appraise.pipeline import evaluate_tables

    text = (ROOT / "rulesets" / "sales-incentive.yaml").read_text(encoding="utf-8")
    assert "\n  rounding: 1\n" in text
    plan = tmp_path / "plan.yaml"
    plan.write_text(text.replace("\n  rounding: 1\n", "\n  rounding: 0.1\n"), encoding="utf-8")
    reps = [{"id": e, "name": e, "role": "sales_rep", "target_bonus": t, "hire_date": "2020-01-01"}
            for e, t in (("R1", "10000.38"), ("R2", "10000.30"))]
    high = [{"employee": e, "revenue": 10_000_000.0, "quota": 1_000_000.0, "gross_profit": 4_000_000.0,
             "new_product_revenue": 5_000_000.0} for e in ("R1", "R2")]
    ev = evaluate_tables(plan, period="2026-Q3", employees=reps, aggregated=high).evaluation
    assert not ev.errors
    got = dict(zip(ev.frame["id"].to_list(), ev.frame["bonus"].to_list(), strict=True))
    assert got == {"R1": Decimal("20000.7"), "R2": Decimal("20000.6")}
