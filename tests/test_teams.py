"""Team roll-ups and split credit (issue 20; README "Team roll-up and split credit"), worked by hand.

Every expected number below is computed in the comments from the data written here, not taken from the engine:
direct reports against the whole subtree, a manager's own value, a report without a value (the roll-up is missing,
never smaller), reports outside the period, a hierarchy that goes round in a circle and a manager nobody has
(errors at their rows, in English and Chinese), shares that add up to 1 exactly or not, and a three-way split of
an amount that does not divide evenly (whole cents; the parts add up to the whole).
"""
from __future__ import annotations

import random
import re
import textwrap
from decimal import Decimal
from fractions import Fraction

import pytest

from appraise.api import evaluate_cycle_results
from appraise.errors import InvalidInput
from appraise.language.load import load
from appraise.language.validate import validate_ruleset
from appraise.present.explain import explain, render_text
from appraise.provide.credits import parse_share, split_amount

RULESET = """\
id: teams
version: "1"
attributes: {role: string, manager: string}
metrics:
  revenue: {unit: money, aggregate: sum}
  team: {unit: money, rollup: {of: revenue}}                                # direct reports
  org: {unit: money, rollup: {of: revenue, scope: subtree}}                 # everyone below
  org_self: {unit: money, rollup: {of: revenue, scope: subtree, include_self: true}}
  best: {unit: money, rollup: {of: revenue, aggregate: max}}
  average: {unit: money, rollup: {of: revenue, aggregate: mean}}
  share_of_team: {unit: ratio, formula: revenue / org_self}                 # a formula may read a roll-up
scorecards:
  all:
    dimensions:
      results: {weight: 100, kpis: {revenue: {weight: 100, target: 1}}}
grades: [{grade: A, min: 0}]
"""

# C is the top; M1 reports to C; R1, R2 and M2 to M1; R3 to M2; L left before the quarter (reports to M2)
EMPLOYEES = """\
id,name,role,manager,hire_date,leave_date
C,Chief,head,,2015-01-01,
M1,Mia,manager,C,2016-01-01,
M2,Max,manager,M1,2017-01-01,
R1,Rae,rep,M1,2018-01-01,
R2,Rob,rep,M1,2018-01-01,
R3,Ria,rep,M2,2018-01-01,
L,Lee,rep,M2,2018-01-01,2026-03-31
"""

METRICS = """\
employee,month,revenue
C,2026-07,1
M1,2026-07,10
M2,2026-08,50
R1,2026-07,0.1
R2,2026-08,0.2
R3,2026-09,300.30
L,2026-03,999
"""


def _case(tmp_path, employees=EMPLOYEES, metrics=METRICS, ruleset=RULESET, extra_sources="", on_error=None):
    (tmp_path / "rs.yaml").write_text(ruleset, encoding="utf-8")
    (tmp_path / "employees.csv").write_text(employees, encoding="utf-8")
    (tmp_path / "metrics.csv").write_text(metrics, encoding="utf-8")
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text(textwrap.dedent("""\
        cycle: 2026-Q3
        ruleset: rs.yaml
        sources:
          - {provider: csv, path: employees.csv, kind: employees}
          - {provider: csv, path: metrics.csv}
        """) + extra_sources + "store: sqlite:///out/a.db\noutput: out/q3\n"
                     + (f"on_error: {on_error}\n" if on_error else ""), encoding="utf-8")
    return cycle


def _values(results, *metrics):
    frame = results.evaluation.frame
    return {row["id"]: tuple(row[f"m.{m}"] for m in metrics) for row in frame.iter_rows(named=True)}


def test_direct_reports_against_the_whole_subtree_by_hand(tmp_path):
    got = _values(evaluate_cycle_results(_case(tmp_path)), "team", "org", "org_self", "best", "average",
                  "share_of_team")
    # M1: direct R1 + R2 + M2 = 0.1 + 0.2 + 50 = 50.3; subtree adds R3: 350.6 (L left in March: not in it);
    #     with M1's own 10: 360.6; best of the direct reports 50; their mean 50.3 / 3
    assert got["M1"][:5] == (50.3, 350.6, 360.6, 50.0, 50.3 / 3)
    # exact: 0.1 + 0.2 is 0.30000000000000004 in floats; the roll-up adds the decimals as written
    assert 0.1 + 0.2 != 0.3 and got["M1"][1] == 350.6
    # C: direct M1 = 10; subtree M1 + M2 + R1 + R2 + R3 = 360.6; with C's 1: 361.6; share 1 / 361.6
    assert got["C"] == (10.0, 360.6, 361.6, 10.0, 10.0, 1 / 361.6)
    # M2: direct R3 only (L is not in the period's population): 300.3 = its subtree
    assert got["M2"][:3] == (300.3, 300.3, 350.3)
    # a rep without reports has no team value (missing, never 0); with include_self, their own
    assert got["R1"][:3] == (None, None, 0.1)
    assert "L" not in got  # not appraised in the quarter


def test_one_odd_value_in_another_team_leaves_this_teams_sum_as_written(tmp_path):
    # R3 (M2's report) has 0.30000000000000004, which no number of decimal places below 2^53 units fits; the
    # other teams' values are decimals of two places and their sums stay the decimals a person adds up
    metrics = ("employee,month,revenue\nC,2026-07,1\nM1,2026-07,10\nM2,2026-08,0\nR1,2026-07,82.72\n"
               "R2,2026-08,334.33\nR3,2026-09,0.30000000000000004\n")
    got = _values(evaluate_cycle_results(_case(tmp_path, metrics=metrics)), "team", "org", "average")
    # M1's direct team: 82.72 + 334.33 + 0 = 417.05 as written; the exact sum of the three floats is nearer
    # 417.04999999999995, which the team would get if R3's odd value made every team's sum a float sum
    assert float(Fraction(82.72) + Fraction(334.33)) == 417.04999999999995
    assert got["M1"][0] == 417.05
    assert got["M1"][2] == float(Fraction("417.05") / 3)  # the mean of the same three, as written
    # a team holding the odd value is the float nearest the exact sum of its floats
    assert got["M2"][:2] == (0.30000000000000004, 0.30000000000000004)
    odd = Fraction(0.30000000000000004)
    assert got["M1"][1] == float(Fraction(82.72) + Fraction(334.33) + odd)  # R1, R2, M2 and R3
    assert got["C"][:2] == (10.0, float(10 + Fraction(82.72) + Fraction(334.33) + odd))


def test_a_report_without_a_value_makes_the_rollup_missing_not_smaller(tmp_path):
    metrics = METRICS.replace("R2,2026-08,0.2\n", "R2,2026-08,\n")  # R2's only row is blank: no revenue
    results = evaluate_cycle_results(_case(tmp_path, metrics=metrics))
    got = _values(results, "team", "org", "org_self")
    # M1's direct team and subtree, and C's subtree, hold R2: missing
    assert got["M1"] == (None, None, None) and got["C"][1:] == (None, None)
    assert got["C"][0] == 10.0 and got["M2"] == (300.3, 300.3, 350.3)  # teams without R2 are untouched
    x = explain(results.evaluation, "M1")
    team = next(r for r in x["team_rollups"] if r["metric"] == "team")
    assert [(p["id"], p["counted"]) for p in team["reports"]] == [("M2", True), ("R1", True), ("R2", False)]
    text = render_text(x)
    assert "team = sum of revenue over the direct reports: missing — no value for R2" in text


def test_someone_skipped_for_bad_data_makes_their_managers_rollup_missing(tmp_path):
    metrics = METRICS.replace("R3,2026-09,300.30", "R3,2026-09,three hundred")
    results = evaluate_cycle_results(_case(tmp_path, metrics=metrics, on_error="skip-employee"))
    assert results.skipped == {"R3"}
    got = _values(results, "team", "org")
    # R3 is still in M2's team: the team's revenue is unknown, not R3-less
    assert got["M2"] == (None, None) and got["M1"] == (50.3, None)


def test_a_cycle_and_an_unknown_manager_are_errors_at_their_rows(tmp_path):
    employees = (EMPLOYEES.replace("C,Chief,head,,", "C,Chief,head,R3,")      # C → R3 → M2 → M1 → C
                 .replace("R1,Rae,rep,M1,", "R1,Rae,rep,M9,")                 # nobody has the id M9
                 .replace("L,Lee,rep,M2,", "L,Lee,rep,X0,"))                  # a leaver's stale cell: no error
    with pytest.raises(InvalidInput) as caught:
        evaluate_cycle_results(_case(tmp_path, employees=employees))
    found = [(d.line, d.col, d.code) for d in caught.value.diagnostics if d.severity == "error"]
    # rows of C (line 2), M1 (3), M2 (4) and R3 (7) are on the circle; R1's manager (line 5) is unknown
    assert found == [(2, 4, "data-manager-cycle"), (3, 4, "data-manager-cycle"), (4, 4, "data-manager-cycle"),
                     (5, 4, "data-manager-unknown"), (7, 4, "data-manager-cycle")]
    messages = {d.line: d.message for d in caught.value.diagnostics}
    assert "goes round in a circle: C → R3 → M2 → M1 → C" in messages[2]
    assert "R1's 'manager' is 'M9', who is not in the employee table" in messages[5]
    from appraise.i18n import translate  # English as written; Chinese from the catalogue, whole

    assert translate(messages[2], "zh-CN") == "“manager”列形成循环：C → R3 → M2 → M1 → C；无法计算团队汇总"
    assert translate(messages[5], "zh-CN").startswith("R1 的“manager”为“M9”，此人不在员工表中；"
                                                      "团队汇总需要每位上级都在表中")


def test_rollups_are_checked_where_they_are_written(tmp_path):
    bad = RULESET.replace("rollup: {of: revenue}}", "rollup: {of: revenu}}") \
        .replace("attributes: {role: string, manager: string}", "attributes: {role: string, manager: number}") \
        .replace("share_of_team: {unit: ratio, formula: revenue / org_self}",
                 "loop: {unit: money, rollup: {of: twice}}\n  twice: {unit: money, formula: loop * 2}")
    (tmp_path / "rs.yaml").write_text(bad, encoding="utf-8")
    found = [(d.line, d.col, d.message.split(" / ")[0]) for d in validate_ruleset(load(tmp_path / "rs.yaml"))
             if d.severity == "error"]
    assert (3, 37, "'manager' holds managers' ids, which a team roll-up reads, so it must be declared string, "
            "not number") in found
    assert (6, 36, "the roll-up 'team' reads 'revenu', which is not a declared metric; did you mean "
            "'revenue'?") in found
    assert any(line == 11 and m.startswith("the roll-up reads itself: loop → twice → loop") for line, _, m in found)


# ------------------------------------------------------------------------------------------------ split credit

def test_a_three_way_split_in_whole_cents_adds_up_to_the_whole():
    third = Fraction(1, 3)
    # 100.00 = 10000 cents; a third is 3333.33…: 3333 each, 1 cent left, to the first listed (remainders tie)
    assert split_amount(Decimal("100.00"), [third] * 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    # 100.01 × 0.5 / 0.25 / 0.25 = 5000.5 / 2500.25 / 2500.25 cents: the left-over cent to the 0.5 remainder
    assert split_amount(Decimal("100.01"), [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]) == \
        [Decimal("50.01"), Decimal("25.00"), Decimal("25.00")]
    # 0.05 × 0.4 / 0.3 / 0.3 = 2 / 1.5 / 1.5 cents: the cent to the earlier of the tied remainders
    assert split_amount(Decimal("0.05"), [Fraction(2, 5), Fraction(3, 10), Fraction(3, 10)]) == \
        [Decimal("0.02"), Decimal("0.02"), Decimal("0.01")]
    # an amount with tenths of a cent is split in its own unit: 1000005 / 3 = 333335 each
    assert split_amount(Decimal("1000.005"), [third] * 3) == [Decimal("333.335")] * 3
    # a refund: −10000 / 3 rounds down to −3334 each (−10002), 2 left: the first two get one back
    assert split_amount(Decimal("-100.00"), [third] * 3) == [Decimal("-33.33"), Decimal("-33.33"), Decimal("-33.34")]
    rng = random.Random(20)
    for _ in range(300):  # whatever the amount and the shares, the parts add up to the amount exactly
        cuts = sorted(rng.sample(range(1, 1000), rng.randint(0, 4)))
        shares = [Fraction(b - a, 1000) for a, b in zip([0, *cuts], [*cuts, 1000])]
        amount = Decimal(rng.randint(-10 ** 9, 10 ** 9)).scaleb(-rng.choice([0, 2, 3]))
        parts = split_amount(amount, shares)
        assert sum(parts) == amount and all(abs(p - amount * Decimal(s.numerator) / s.denominator)
                                            < Decimal("0.01") for p, s in zip(parts, shares))
    assert parse_share("1/3") == third and parse_share("0.25") == Fraction(1, 4) and parse_share("a") is None


DEALS = """\
deal,month,revenue
D1,2026-07,100.00
D2,2026-08,0.05
D3,2026-09,100.01
D4,2026-05,999
"""
CREDITS = """\
deal,employee,share
D1,R1,1/3
D1,R2,1/3
D1,R3,1/3
D2,R1,0.4
D2,R2,0.3
D2,R3,0.3
D3,R1,0.5
D3,R2,0.25
D3,R3,0.25
D9,R3,0.2
"""
SPLIT_SOURCES = ("  - {provider: csv, path: deals.csv, kind: deals}\n"
                 "  - {provider: csv, path: credits.csv, kind: credits}\n")


def _split_case(tmp_path, deals=DEALS, credits=CREDITS):
    (tmp_path / "deals.csv").write_text(deals, encoding="utf-8")
    (tmp_path / "credits.csv").write_text(credits, encoding="utf-8")
    metrics = "employee,month,revenue\nC,2026-07,1\nM1,2026-07,10\nM2,2026-08,50\n"
    return _case(tmp_path, metrics=metrics, extra_sources=SPLIT_SOURCES)


def test_split_credit_credits_each_seller_their_part_by_hand(tmp_path):
    results = evaluate_cycle_results(_split_case(tmp_path))
    got = _values(results, "revenue", "team")
    # D1 thirds: 33.34 / 33.33 / 33.33; D2: 0.02 / 0.02 / 0.01; D3: 50.01 / 25.00 / 25.00 (D4 is May's: not read,
    # D9 is no deal of the quarter: its credit is not read)
    # (each month's credited value is exact; the engine adds a person's months in floating point, as for any
    # monthly rows: 33.33 + 0.01 + 25.00 is 58.339999999999996, which attainment takes to 12 decimals)
    assert got["R1"][0] == 83.37 and got["R2"][0] == 58.35 and got["R3"][0] == pytest.approx(58.34, rel=1e-15)
    assert Decimal("83.37") + Decimal("58.35") + Decimal("58.34") == Decimal("100.00") + Decimal("0.05") + \
        Decimal("100.01")  # every cent of the quarter's deals is credited once
    # the roll-ups read credited revenue like any other: M1's direct team R1 + R2 + M2
    assert got["M1"][1] == 191.72 and got["M2"][1] == 58.34  # M2's team: R3's 58.34 as written, not the float
    x = explain(results.evaluation, "R1")
    assert [tuple(c.values()) for c in x["split_credit"]] == [
        ("D1", "2026-07", "revenue", "100.00", "1/3", "33.34"), ("D2", "2026-08", "revenue", "0.05", "0.4", "0.02"),
        ("D3", "2026-09", "revenue", "100.01", "0.5", "50.01")]
    assert list(x["split_credit"][0]) == ["deal", "month", "metric", "amount", "share", "credited"]
    assert "  D1 2026-07 revenue: 100.00 × 1/3 = 33.34" in render_text(x)
    assert "D1 2026-07 revenue：100.00 × 1/3 = 33.34" in render_text(explain(results.evaluation, "R1", "zh-CN"))


def test_shares_that_do_not_add_up_to_one_stop_the_run_naming_the_deal_and_rows(tmp_path):
    credits = CREDITS.replace("D3,R3,0.25", "D3,R3,0.2").replace("D2,R1,0.4", "D2,R1,0.4.1")
    deals = DEALS + "D5,2026-09,10\n"
    with pytest.raises(InvalidInput) as caught:
        evaluate_cycle_results(_split_case(tmp_path, deals=deals, credits=credits))
    found = {(d.file.rsplit("/", 1)[-1], d.line, d.col): d.message for d in caught.value.diagnostics}
    assert found[("credits.csv", 8, 3)] == \
        "the shares of deal 'D3' add up to 0.95 (0.5 + 0.25 + 0.2, rows 8, 9, 10), not 1"
    assert "'0.4.1'" in found[("credits.csv", 5, 3)]
    assert found[("deals.csv", 6, 1)].startswith("no one is credited with deal 'D5' (2026-09)")


def test_a_credited_metric_given_again_by_another_source_is_a_conflict(tmp_path):
    cycle = _split_case(tmp_path)
    (tmp_path / "metrics.csv").write_text("employee,month,revenue\nR1,2026-07,5\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        evaluate_cycle_results(cycle)
    assert any("'revenue' for R1 2026-07 is also given by" in d.message for d in caught.value.diagnostics)


def test_each_seller_sees_their_part_of_each_deal_on_their_dashboard(tmp_path):
    from appraise.run import run_cycle

    run_cycle(_split_case(tmp_path))
    pages = tmp_path / "out" / "q3" / "dashboards"
    table = (pages / "R2.html").read_text(encoding="utf-8").split('id="split-credit"', 1)[1].split("</table>")[0]
    cells = re.findall(r'<tr><th scope="row">(D\d)</th><td>([\d-]+)</td>((?:<td class="num">[^<]*</td>)+)</tr>',
                       table)
    # R2's parts (one metric: named in the heading, no column): D1 a third of 100.00, D2 0.3 of 0.05, D3 a quarter
    assert [(d, m, re.findall(r'num">([^<]*)<', rest)) for d, m, rest in cells] == [
        ("D1", "2026-07", ["CN¥100", "1/3", "CN¥33.33"]), ("D2", "2026-08", ["CN¥0.05", "0.3", "CN¥0.02"]),
        ("D3", "2026-09", ["CN¥100.01", "0.25", "CN¥25"])]
    assert 'id="split-credit"' not in (pages / "M1.html").read_text(encoding="utf-8")  # credited with no deal
