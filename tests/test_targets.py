"""Targets from the annual plan (issue 21): each allocation key worked by hand, the re-plan of the remaining
months, located errors for bad plan files and data, the files a cycle reads, explain, diff and the pages.

Every expected amount below is worked out in the comment beside it, not read from the code's output."""
from __future__ import annotations

import csv
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main
from appraise.errors import InvalidInput
from appraise.tools.targets.compute import run

FIXTURE = Path(__file__).parent / "fixtures" / "targets"
HEAD = "id,name,hire_date,leave_date"


def plan(folder: Path, body: str, employees: str, actuals: str | None = None, name: str = "plan.yaml") -> Path:
    """A plan folder: employees.csv (and actuals.csv: employee, month, revenue), and a plan with ``body``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "employees.csv").write_text(employees.strip() + "\n", encoding="utf-8")
    sources = "sources:\n  - {provider: csv, path: employees.csv, kind: employees}\n"
    if actuals is not None:
        (folder / "actuals.csv").write_text("employee,month,revenue\n" + actuals.strip() + "\n", encoding="utf-8")
        sources += "  - {provider: csv, path: actuals.csv}\nactuals: revenue\n"
    path = folder / name
    path.write_text("plan: p\nyear: 2026\n" + sources + body.strip() + "\n", encoding="utf-8")
    return path


def months(t, emp: str) -> dict[str, int]:
    return {m[5:]: int(v) for m, v in t.people[emp].months.items()}


def year(t, emp: str) -> Fraction:
    return sum(t.people[emp].months.values(), Fraction(0))


def monthly(*values: int) -> dict[str, int]:
    return {f"{m:02d}": v for m, v in enumerate(values, start=1)}


# ---------------------------------------------------------------- each key, by hand

def test_equal_shares_and_largest_remainder(tmp_path):
    t = run(plan(tmp_path, "total: 1000\nlevels: [{unit: person, key: equal}]",
                 f"{HEAD}\nE1,A,2020-01-01,\nE2,B,2020-01-01,\nE3,C,2020-01-01,"))
    # 1000 / 3 = 333.33 each: the one unit left goes to the first id of three equal remainders
    assert [year(t, e) for e in ("E1", "E2", "E3")] == [334, 333, 333]
    # 334 / 12 = 27.83: 12 × 27 = 324, ten units left, equal remainders, so January..October get 28
    assert months(t, "E1") == monthly(*[28] * 10, 27, 27)
    # 333 / 12 = 27.75: 324 + nine units: January..September
    assert months(t, "E2") == monthly(*[28] * 9, 27, 27, 27)


def test_quarterly_rows_are_dated_at_the_quarters_first_month(tmp_path):
    t = run(plan(tmp_path, "total: 1000\ngranularity: quarter\nlevels: [{unit: person, key: equal}]",
                 f"{HEAD}\nE1,A,2020-01-01,\nE2,B,2020-01-01,\nE3,C,2020-01-01,"))
    # E1's months (above): 28 from January to October, 27 in November and December
    assert [(m, int(v)) for e, m, v in t.rows() if e == "E1"] == [("2026-01", 84), ("2026-04", 84), ("2026-07", 84),
                                                                  ("2026-10", 82)]


def test_by_a_column_stated_for_units_and_read_from_the_employee_table(tmp_path):
    employees = f"{HEAD},region,territory\nN1,A,2020-01-01,,north,3\nN2,B,2020-01-01,,north,1\nS1,C,2020-01-01,,south,2"
    body = """
total: 1000000
levels:
  - {unit: region, key: {column: market_capacity}}
  - {unit: person, key: {column: territory}}
units:
  north: {market_capacity: 600}
  south: {market_capacity: 400}
"""
    t = run(plan(tmp_path, body, employees))
    # regions 600 : 400 of 1,000,000; north's people by territory 3 : 1 of 600,000
    assert t.year("north") == 600000 and t.year("south") == 400000
    assert (year(t, "N1"), year(t, "N2"), year(t, "S1")) == (450000, 150000, 400000)
    # no stated value: a unit's column is its people's column added up: north 3 + 1 = 4, south 2 (of 900,000)
    t = run(plan(tmp_path / "b", body.replace("1000000", "900000").replace("market_capacity}", "territory}")
                 .split("units:")[0], employees))
    assert t.year("north") == 600000 and t.year("south") == 300000


def test_by_last_year_scaled_to_months_worked_with_a_mean_for_new_people(tmp_path):
    employees = f"{HEAD}\nE1,A,2020-01-01,\nE2,B,2025-07-01,\nE3,C,2026-03-01,"
    actuals = "\n".join([f"E1,2025-{m:02d},20000" for m in range(1, 13)]
                        + [f"E2,2025-{m:02d},10000" for m in range(7, 13)])
    t = run(plan(tmp_path, "total: 1020000\nlevels: [{unit: person, key: last_year}]", employees, actuals))
    # E1 240,000 over 12 months; E2 60,000 over the 6 months worked → 120,000 a year; E3 has none: the mean
    # 180,000, for the 10 of 12 months from March → 150,000.  240 : 120 : 150 of 1,020,000
    assert (year(t, "E1"), year(t, "E2"), year(t, "E3")) == (480000, 240000, 300000)
    assert months(t, "E3") == {f"{m:02d}": 30000 for m in range(3, 13)}
    assert t.people["E2"].last_year == 120000 and t.people["E3"].last_year is None


def test_by_headcount_counts_each_person_for_the_months_they_work(tmp_path):
    employees = (f"{HEAD},team\nA1,a,2020-01-01,,A\nA2,b,2020-01-01,,A\nB1,c,2020-01-01,,B\n"
                 "B2,d,2026-07-01,,B")
    t = run(plan(tmp_path, "total: 700000\nlevels: [{unit: team, key: headcount}, {unit: person, key: equal}]",
                 employees))
    # A: 2 people; B: 1 + B2 from July (6 of 12 months) = 1.5 → 4/7 and 3/7 of 700,000
    assert t.year("A") == 400000 and t.year("B") == 300000
    # within B, equal keys scaled the same way: 1 : 0.5
    assert (year(t, "B1"), year(t, "B2")) == (200000, 100000)
    # 100,000 over July..December: 16,666.67 each; 6 × 16,666 = 99,996, four units to July..October
    assert months(t, "B2") == {"07": 16667, "08": 16667, "09": 16667, "10": 16667, "11": 16666, "12": 16666}


def test_a_ramp_for_new_hires(tmp_path):
    employees = f"{HEAD}\nE4,A,2018-07-01,\nE5,B,2026-04-15,"
    t = run(plan(tmp_path, "total: 1625000\nlevels: [{unit: person, key: equal, ramp: [0.25, 0.5, 0.75]}]",
                 employees))
    # E5 carries 0.25, 0.5, 0.75 of a month in April, May, June, then full months: 7.5 of 12 = 0.625
    assert (year(t, "E4"), year(t, "E5")) == (1000000, 625000)
    # 625,000 × (0.25, 0.5, 0.75, 1 × 6) / 7.5 = 20,833.33, 41,666.67, 62,500, 83,333.33 × 6; floors sum to
    # 624,997: the three units go to May (.67), then April and July (.33, the earliest of the ties)
    assert months(t, "E5") == {"04": 20834, "05": 41667, "06": 62500, "07": 83334, "08": 83333, "09": 83333,
                               "10": 83333, "11": 83333, "12": 83333}


def test_seasonality_from_last_year_and_as_written(tmp_path):
    employees = f"{HEAD}\nP1,A,2020-01-01,\nP2,B,2020-01-01,"
    actuals = "\n".join(f"{e},2025-{m:02d},{1000 if m <= 6 else 2000}" for e in ("P1", "P2") for m in range(1, 13))
    t = run(plan(tmp_path, "total: 360000\nlevels: [{unit: person, key: equal}]\nseasonality: last_year",
                 employees, actuals))
    # the company's months last year: 1 for January..June, 2 for July..December (18 in all): 180,000 each
    assert months(t, "P1") == monthly(*[10000] * 6, *[20000] * 6)
    weights = ", ".join(f'"{m:02d}": {10 if m <= 4 else 7.5}' for m in range(1, 13))  # 40 + 60 = 100
    t = run(plan(tmp_path / "w", f"total: 240000\nlevels: [{{unit: person, key: equal}}]\n"
                 f"seasonality: {{weights: {{{weights}}}}}", employees))
    assert months(t, "P1") == monthly(*[12000] * 4, *[9000] * 8)


def test_fixed_amounts_with_a_reason_and_written_shares(tmp_path):
    employees = (f"{HEAD},region,team\nN1,a,2020-01-01,,north,t1\nN2,b,2020-01-01,,north,t1\n"
                 "N3,c,2020-01-01,,north,t2\nS1,d,2020-01-01,,south,t3")
    body = """
total: 1200000
levels:
  - {unit: region, key: equal}
  - {unit: team, key: {shares: {t1: 70, t2: 30, t3: 100}}}
  - {unit: person, key: equal}
fixed:
  - {unit: north, amount: 500000, reason: "a new market entry"}
  - {unit: N1, amount: 100000, reason: "half the year on a project"}
"""
    t = run(plan(tmp_path, body, employees))
    # north is fixed at 500,000: south takes the rest, 700,000, whatever the key says
    assert t.year("north") == 500000 and t.year("south") == 700000
    # north's teams 70 : 30 of 500,000; in t1, N1 is fixed at 100,000 and N2 takes what is left
    assert t.year("north/t1") == 350000 and t.year("north/t2") == 150000
    assert (year(t, "N1"), year(t, "N2"), year(t, "N3")) == (100000, 250000, 150000)
    assert t.steps["north"].fixed == "a new market entry"


def test_a_manager_tree_with_direct_reports_beside_teams(tmp_path):
    employees = (f"{HEAD},role,manager\nH,Head,2010-01-01,,head,\nM1,m1,2015-01-01,,manager,H\n"
                 "M2,m2,2015-01-01,,manager,H\nR1,r1,2020-01-01,,rep,M1\nR2,r2,2020-01-01,,rep,M1\n"
                 "R3,r3,2020-01-01,,rep,M2\nR4,r4,2020-01-01,,rep,H")
    body = """
total: 800000
people: role == "rep"
levels: [{manager: manager, key: headcount}, {unit: person, key: equal}]
"""
    t = run(plan(tmp_path, body, employees))
    # H's units: M1's team (2 people), M2's team (1), and H's own direct report R4 in H/direct (1): 2 : 1 : 1
    assert t.year("H") == 800000
    assert (t.year("H/M1"), t.year("H/M2"), t.year("H/direct")) == (400000, 200000, 200000)
    assert t.people["R4"].path == "H/direct/R4" and year(t, "R1") == 200000


COACHED = (f"{HEAD},role,manager\nH,Head,2010-01-01,,head,\nM,Mia,2015-01-01,,rep,H\nR1,r1,2020-01-01,,rep,M\n"
           "R2,r2,2020-01-01,,rep,M\nR3,r3,2020-01-01,,rep,H")


def _coached(folder: Path, mode: str | None, lang: str = "en"):
    option = f", player_coach: {mode}" if mode else ""
    return run(plan(folder, f"""
total: 1001
people: role == "rep"
levels: [{{manager: manager, key: headcount{option}}}, {{unit: person, key: equal}}]
""", COACHED), lang)


def test_a_player_coachs_own_target_within_their_teams(tmp_path):
    from appraise.tools.targets.explain import explain, explain_json

    t = _coached(tmp_path, "within")
    # M carries a target and manages R1 and R2, who do: within, M's own target is a part of M's team, H/M (M, R1,
    # R2: headcount 3), beside R3 in H/direct (1).  1001 × 3/4 = 750.75 and 250.25: 750 + 250, the unit left to
    # the larger remainder (.75): 751 and 250.  H/M's 751 in thirds is 250.33 each: 250 × 3 and the unit left to
    # the first id of three equal remainders, M: 251, 250, 250
    assert (t.year("H"), t.year("H/M"), t.year("H/direct")) == (1001, 751, 250)
    assert t.people["M"].path == "H/M/M"
    assert [year(t, e) for e in ("M", "R1", "R2", "R3")] == [251, 250, 250, 250]
    assert t.coach("M") == {"mode": "within", "team": "H/M", "own": 251, "team_target": 751, "total": 751}
    assert t.coach("R1") is None
    assert "  player-coach: their own CN¥251 is part of their team H/M's CN¥751" in explain(t, "M")
    assert "  教练型经理：个人目标 ¥251 计入其团队 H/M 的 ¥751" in explain(t, "M", "zh-CN")
    assert explain_json(t, "M")["player_coach"] == {"mode": "within", "team": "H/M", "own": "251",
                                                    "team_target": "751", "total": "751"}
    from appraise.tools.targets.page import render  # the managers' page says it under the name, in both languages

    assert "Mia<br><small class=\"coach\">player-coach: their own CN¥251 is part of their team H/M&#39;s CN¥751" \
        in render(t, "en")
    assert "教练型经理：个人目标 ¥251 计入其团队 H/M 的 ¥751" in render(t, "zh-CN")


def test_a_player_coachs_own_target_on_top_of_their_teams(tmp_path):
    from appraise.tools.targets.explain import explain

    t = _coached(tmp_path, "on_top")
    # on top: M's team H/M is R1 and R2 (headcount 2); M's own target sits beside it in H/direct with R3 (2).
    # 1001 / 2 = 500.5 each: the unit left goes to the first id of equal remainders, "M" before "direct": H/M 501,
    # H/direct 500.  H/M: 250.5 each, R1 251, R2 250; H/direct: M 250, R3 250.  M answers for 250 + 501 = 751
    assert (t.year("H"), t.year("H/M"), t.year("H/direct")) == (1001, 501, 500)
    assert t.people["M"].path == "H/direct/M"
    assert [year(t, e) for e in ("M", "R1", "R2", "R3")] == [250, 251, 250, 250]
    assert t.coach("M") == {"mode": "on_top", "team": "H/M", "own": 250, "team_target": 501, "total": 751}
    assert "  player-coach: their own CN¥250 is on top of their team H/M's CN¥501: CN¥751 together" in explain(t, "M")
    # 250 over 12 equal months: 20 each and 10 units left, January to October
    assert months(t, "M") == monthly(*[21] * 10, 20, 20)


@pytest.mark.parametrize("lang, want", [
    ("en", "employees.csv:3:6: error: M carries a target and manages people who do; say on the manager level whether "
           "such a player-coach's own target is part of their team's (player_coach: within) or on top of it "
           "(player_coach: on_top), or leave them out with people:"),
    ("zh-CN", "employees.csv:3:6: error: M 本人承担目标，同时管理承担目标的员工；"
              "请在经理层级写明这类“教练型经理”的个人目标是计入团队目标（player_coach: within）"
              "还是在团队目标之外（player_coach: on_top），或用 people: 排除此人")])
def test_a_player_coach_needs_the_plan_to_say_where_their_target_goes(tmp_path, lang, want):
    with pytest.raises(InvalidInput) as e:
        _coached(tmp_path, None, lang)
    assert want in str(e.value)
    path = plan(tmp_path, "total: 1000\npeople: role == \"rep\"\nlevels: [{unit: role, key: equal, player_coach: "
                          "within}, {unit: person, key: equal}]", COACHED)
    with pytest.raises(InvalidInput) as e:
        run(path, lang)
    # levels is on line 7 (plan, year, sources × 2, total, people); "player_coach" starts at column 35
    assert "plan.yaml:7:35: error: player_coach " in str(e.value)


def test_a_manager_whose_only_report_left_last_year_is_planned_beside_the_empty_team(tmp_path):
    # L left in 2025 but still names M: M's team unit H/M exists (last year's actuals count where people are
    # now) and holds nobody; M, who carries a target, is planned among H's direct reports with R3 (before, M's
    # own target and the empty unit shared a path, and M was said to work in no month): 1000 / 2 each
    employees = (f"{HEAD},role,manager\nH,Head,2010-01-01,,head,\nM,Mia,2015-01-01,,rep,H\n"
                 "L,l,2020-01-01,2025-06-30,rep,M\nR3,r3,2020-01-01,,rep,H")
    t = run(plan(tmp_path, "total: 1000\npeople: role == \"rep\"\nlevels: [{manager: manager, key: headcount}, "
                           "{unit: person, key: equal}]", employees))
    assert (t.people["M"].path, year(t, "M"), year(t, "R3"), t.year("H/M")) == ("H/direct/M", 500, 500, 0)
    assert t.coach("M") is None


def test_last_years_actuals_from_the_results_store(tmp_path):
    from appraise.language.ruleset import load_ruleset
    from appraise.store.database import Store

    ruleset = load_ruleset(Path(__file__).parent / "fixtures" / "example" / "sales-team.yaml")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store(url) as db:
        for quarter, actual in (("2025-Q1", 30000.0), ("2025-Q2", 60000.0)):
            run_id = db.start_run(cycle=quarter, kind="quarter", cycle_file="c.yaml", ruleset=ruleset, inputs={},
                                  engine_version="test")
            entries = [{"id": e, "name": e, "scorecard": "s", "score": 90.0, "grade": "B", "bonus": "0",
                        "grade_uncalibrated": "B", "dimensions": {},
                        "kpis": {"results.revenue": {"actual": actual * k}}} for e, k in (("E1", 1), ("E2", 2))]
            db.complete_run(run_id, quarter, {"cycle": quarter, "employees": entries, "errors": []})
    body = f"""
total: 180000
actuals: {{store: "{url}", ruleset: sales-team, kpi: revenue}}
levels: [{{unit: person, key: last_year}}]
seasonality: last_year
"""
    t = run(plan(tmp_path, body, f"{HEAD}\nE1,A,2020-01-01,\nE2,B,2020-01-01,"))
    # quarters spread evenly over their months: E1 10,000 a month in Q1 and 20,000 in Q2, E2 twice that;
    # nothing stored for the second half.  E1 : E2 = 1 : 2 of 180,000; the months follow the company's
    # 30 : 30 : 30 : 60 : 60 : 60 and the second half has no weight: E1's 60,000 is 6,666.67 × 3 and
    # 13,333.33 × 3; the floors leave three units, which go to the larger remainders (.67): January..March
    assert (year(t, "E1"), year(t, "E2")) == (60000, 120000)
    assert months(t, "E1") == {"01": 6667, "02": 6667, "03": 6667, "04": 13333, "05": 13333, "06": 13333,
                               "07": 0, "08": 0, "09": 0, "10": 0, "11": 0, "12": 0}


# ---------------------------------------------------------------- exact at every level (the shipped example)

@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("targets") / "targets"
    shutil.copytree(FIXTURE, folder)
    result = CliRunner().invoke(main, ["targets", str(folder / "plan-2026.yaml"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    return folder, folder / "out" / "targets-2026"


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_level_of_the_written_files_adds_up_exactly(example):
    folder, out = example
    units = _read(out / "units.csv")
    people = _read(out / "targets.csv")
    total = {}
    for r in units:
        total[(r["unit"], r["month"])] = int(r["quota"])
    months = sorted({r["month"] for r in units})
    paths = {r["unit"] for r in units}
    # every unit's month is the sum of its parts' months (units one level down, or people), and the company's
    # year is the plan's total
    for path in paths:
        parts = [p for p in paths if p.rpartition("/")[0] == path and p != path] if path != "sales-2026" else \
            [p for p in paths if "/" not in p and p != "sales-2026"]
        if not parts:
            continue
        for m in months:
            assert total.get((path, m), 0) == sum(total.get((p, m), 0) for p in parts), (path, m)
    assert sum(v for (u, _), v in total.items() if u == "sales-2026") == 5400000
    unit_of = {"N001": "north/north-1", "N002": "north/north-1", "N003": "north/north-2", "N004": "north/north-2",
               "S001": "south/south-1", "S002": "south/south-1", "S003": "south/south-2", "S004": "south/south-2"}
    for team in set(unit_of.values()):
        for m in months:
            assert total.get((team, m), 0) == sum(int(r["quota"]) for r in people
                                                  if unit_of[r["employee"]] == team and r["month"] == m)
    assert all(int(r["quota"]) % 100 == 0 and int(r["quota"]) >= 0 for r in people)  # unit: 100
    # the managers carry no target; the leaver none after June; the new hire none before April
    assert {r["employee"] for r in people} == set(unit_of)
    assert max(r["month"] for r in people if r["employee"] == "S002") == "2026-06"
    assert min(r["month"] for r in people if r["employee"] == "S004") == "2026-04"
    # region keys are the stated capacities: 2,600,000 : 2,800,000 of 5,400,000; N003 is fixed at 1,000,000
    assert sum(int(r["quota"]) for r in people if r["employee"] == "N003") == 1000000
    assert sum(v for (u, _), v in total.items() if u == "north") == 2600000


def test_the_shipped_replan_keeps_the_first_half(example):
    folder, out = example
    result = CliRunner().invoke(main, ["targets", str(folder / "plan-2026-h2.yaml"), "-q"])
    assert result.exit_code == 0, result.output
    first = {(r["employee"], r["month"]): r["quota"] for r in _read(out / "targets.csv")}
    rows = _read(folder / "out" / "targets-2026-h2" / "targets.csv")
    second = {(r["employee"], r["month"]): r["quota"] for r in rows}
    assert {k: v for k, v in second.items() if k[1] <= "2026-06"} == {k: v for k, v in first.items()
                                                                        if k[1] <= "2026-06"}
    assert sum(int(v) for v in second.values()) == 5200000
    # N003 stays fixed at 1,000,000 for the year, its closed months counting toward it
    assert sum(int(v) for (e, _), v in second.items() if e == "N003") == 1000000


def test_a_cycle_reads_the_rows_as_a_metric_source(example, tmp_path):
    from appraise.language.cycle import Cycle
    from appraise.language.period import parse
    from appraise.provide.stage import Needs, provide

    folder, out = example
    from appraise.hookspecs import SourceSpec

    sources = (SourceSpec("csv", "employees", folder / "employees.csv", base_dir=folder),
               SourceSpec("csv", "metrics", out / "targets.csv", index=1, base_dir=folder))
    cycle = Cycle(path=folder / "c.yaml", period=parse("2026-Q3"), ruleset_path=folder / "r.yaml", context={},
                  sources=sources, store="", output=tmp_path)
    got = provide(cycle, Needs(metrics={"quota": "sum"}))
    frame = got.inputs.metrics
    rows = _read(out / "targets.csv")
    expected = {(r["employee"], r["month"]): float(r["quota"]) for r in rows if "2026-07" <= r["month"] <= "2026-09"}
    assert {(e, m): q for e, m, q in frame.select("employee", "month", "quota").iter_rows()} == expected
    assert not [d for d in got.diagnostics if d.severity == "error"]


def test_same_plan_same_bytes(example, tmp_path):
    folder, out = example
    result = CliRunner().invoke(main, ["targets", str(folder / "plan-2026.yaml"), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    for name in ("targets.csv", "units.csv", "targets.xlsx", "index.html", "index.zh-CN.html", "warnings.csv"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_the_workbook_and_the_pages(example):
    import openpyxl

    folder, out = example
    wb = openpyxl.load_workbook(out / "targets.xlsx", read_only=True)
    assert wb.sheetnames == ["Summary", "Battle map", "People", "Fixed", "Checks"]
    rows = list(wb["Battle map"].iter_rows(values_only=True))
    assert rows[1][0] == "sales-2026" and rows[1][-1] == 5400000
    people = list(wb["People"].iter_rows(values_only=True))
    assert sum(r[4] for r in people[1:]) == 5400000
    assert list(wb["Fixed"].iter_rows(values_only=True))[1][2].startswith("takes over the Acme account")
    for name, lang, words in (("index.html", "en", "Battle map"), ("index.zh-CN.html", "zh-CN", "作战地图")):
        html = (out / name).read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html and words in html
        assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained
        assert "takes over the Acme account" in html  # the fixed amount's reason
        assert "south-2" in html and "capacity" in html or "容量" in html  # the capacity warning
    assert 'href="index.zh-CN.html"' in (out / "index.html").read_text(encoding="utf-8")
    warnings = _read(out / "warnings.csv")
    assert any("south-2" in w["message"] and "capacity" in w["message"] for w in warnings)
    assert any(w["message"].startswith("S001 Zhao Lei: target") for w in warnings)  # 26.4 % over last year


def test_explain_gives_the_chain_from_the_company_to_the_month(example):
    folder, _ = example
    result = CliRunner().invoke(main, ["targets", str(folder / "plan-2026.yaml"), "--explain", "S004",
                                       "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("S004 周婷: target for 2026")
    assert lines[1] == "Company sales-2026: CN¥5,400,000"
    assert "Region south: 51.85% of CN¥5,400,000 by column market_capacity (2,800,000 of 5,400,000)" in lines[2]
    assert any("Team south-2:" in ln for ln in lines) and any("Person S004:" in ln for ln in lines)
    assert any("no actuals last year" in ln for ln in lines)
    assert any(ln.strip().startswith("2026-04") and "availability 25.00%" in ln for ln in lines)
    result = CliRunner().invoke(main, ["targets", str(folder / "plan-2026.yaml"), "--explain", "S004",
                                       "--format", "json"])
    data = json.loads(result.output)
    assert [s["path"] for s in data["chain"]] == ["south", "south/south-2", "south/south-2/S004"]
    assert sum(int(v["target"]) for v in data["months"].values()) == int(data["target"])
    zh = CliRunner().invoke(main, ["targets", str(folder / "plan-2026.yaml"), "--explain", "N004", "--lang",
                                   "zh-CN"])
    assert "团队 north-2：按上年实际" in zh.output and "折算为 12 个月" in zh.output


def test_diff_of_two_plan_versions(example, tmp_path):
    folder, _ = example
    new = folder / "plan-2026-b.yaml"
    new.write_text((folder / "plan-2026.yaml").read_text(encoding="utf-8")
                   .replace("south: {market_capacity: 2800000}", "south: {market_capacity: 2400000}")
                   .replace("total: 5400000", "total: 5000000"), encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(folder / "plan-2026.yaml"), str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    units = {u["unit"]: u for u in data["units"]}
    # the regions' capacities 2,600,000 : 2,400,000 of 5,000,000: north keeps 2,600,000, south loses 400,000
    assert units["north"]["change"] == "0" and units["south"]["change"] == "-400000"
    assert sum(int(p["change"]) for p in data["people"]) == -400000
    assert all(int(p["change"]) <= 0 for p in data["people"] if p["employee"].startswith("S"))
    text = CliRunner().invoke(main, ["targets", str(new), "--diff", str(folder / "plan-2026.yaml"), "--lang", "en"])
    assert "Company total: CN¥5,400,000 → CN¥5,000,000 (-CN¥400,000)" in text.output


# ---------------------------------------------------------------- a re-plan of the remaining months

def test_replan_keeps_closed_months_and_reallocates_the_rest(tmp_path):
    employees = f"{HEAD}\nE1,A,2020-01-01,\nE2,B,2020-01-01,\nE3,C,2026-08-01,"
    v1 = plan(tmp_path, "total: 1450000\nlevels: [{unit: person, key: equal}]\noutput: v1", employees,
              name="plan-v1.yaml")
    assert CliRunner().invoke(main, ["targets", str(v1), "-q"]).exit_code == 0
    # v1: weights 1 : 1 : 5/12 (E3 from August) of 1,450,000 → 600,000, 600,000, 250,000; 50,000 a month
    body = """
total: 1500000
levels: [{unit: person, key: equal}]
closed_through: 2026-06
previous: v1/targets.csv
fixed:
  - {unit: E1, amount: 700000, reason: "the market grew"}
output: v2
"""
    v2 = plan(tmp_path, body, employees, name="plan-v2.yaml")
    result = CliRunner().invoke(main, ["targets", str(v2), "--lang", "en"])
    assert result.exit_code == 0, result.output
    t = run(v2)
    # January..June stay as v1 set them (300,000 each for E1 and E2, 600,000 in all); 900,000 is allocated
    # again over July..December: E1 is fixed at 700,000 for the year, of which 300,000 are closed → 400,000
    # more; E2 and E3 share 500,000 equally by the months they work: E2 6, E3 5 (from August) → 6 : 5
    assert {m: int(v) for m, v in t.people["E1"].closed.items()} == {f"2026-{m:02d}": 50000 for m in range(1, 7)}
    assert year(t, "E1") == 700000
    # 400,000 / 6 = 66,666.67: four units to July..October
    assert months(t, "E1") == {**{f"{m:02d}": 50000 for m in range(1, 7)},
                               **{f"{m:02d}": 66667 for m in (7, 8, 9, 10)}, "11": 66666, "12": 66666}
    # 500,000 × 6/11 = 272,727.27 (E2) and × 5/11 = 227,272.73 (E3): E3's remainder is the larger
    assert year(t, "E2") == 300000 + 272727 and year(t, "E3") == 227273
    assert min(t.people["E3"].months) == "2026-08"
    assert sum(year(t, e) for e in ("E1", "E2", "E3")) == 1500000
    rows = _read(tmp_path / "v2" / "targets.csv")
    old = {(r["employee"], r["month"]): r["quota"] for r in _read(tmp_path / "v1" / "targets.csv")}
    assert {(r["employee"], r["month"]): r["quota"] for r in rows if r["month"] <= "2026-06"} == \
        {k: v for k, v in old.items() if k[1] <= "2026-06"}
    assert "months through 2026-06 kept (CN¥600,000); CN¥900,000 allocated again" in result.output


# ---------------------------------------------------------------- located errors

def errors(path: Path, lang: str = "en") -> list[str]:
    with pytest.raises(InvalidInput) as exc:
        run(path, lang)
    return [str(d) for d in exc.value.diagnostics if d.severity == "error"]


EMP = f"{HEAD},team\nE1,A,2020-01-01,,t1\nE2,B,2020-01-01,,t2"


def test_an_unknown_key_is_located_with_a_suggestion(tmp_path):
    path = plan(tmp_path, "total: 1000\nlevles: [{unit: person, key: equal}]", EMP)
    found = errors(path)
    [unknown] = [e for e in found if "levles" in e]
    assert unknown.split(": error: ")[0].endswith("plan.yaml:6:1")  # line 6: plan, year, sources (2), total
    assert "unknown key 'levles'; did you mean 'levels'?" in unknown


def test_shares_not_summing_to_100(tmp_path):
    path = plan(tmp_path, "total: 1000\nlevels:\n  - {unit: team, key: {shares: {t1: 60, t2: 30}}}\n"
                "  - {unit: person, key: equal}", EMP)
    [e] = errors(path)
    assert ":7:24: error: the shares of p add up to 90, not 100: t1 60 + t2 30" in e  # at 'shares' (p: the plan)
    weights = ", ".join(f'"{m:02d}": 8' for m in range(1, 13))  # 96
    path = plan(tmp_path / "w", f"total: 1000\nlevels: [{{unit: person, key: equal}}]\n"
                f"seasonality: {{weights: {{{weights}}}}}", EMP)
    [e] = errors(path)
    assert ":7:15: error: the shares of the months add up to 96, not 100" in e  # at 'weights'


def test_a_person_in_no_unit_is_located_at_the_cell(tmp_path):
    path = plan(tmp_path, "total: 1000\nlevels: [{unit: team, key: equal}, {unit: person, key: equal}]",
                f"{HEAD},team\nE1,A,2020-01-01,,t1\nE2,B,2020-01-01,,")
    [e] = errors(path)
    assert "employees.csv:3:5: error: E2 is in no unit: their 'team' is blank" in e
    [zh] = errors(path, "zh-CN")
    assert "E2 不属于任何单元：其“team”为空" in zh


def test_a_circle_in_the_manager_column(tmp_path):
    employees = f"{HEAD},manager\nA,a,2020-01-01,,B\nB,b,2020-01-01,,C\nC,c,2020-01-01,,A\nD,d,2020-01-01,,"
    path = plan(tmp_path, "total: 1000\npeople: id == \"A\"\nlevels: [{manager: manager, key: equal}, "
                "{unit: person, key: equal}]", employees)
    [e] = errors(path)
    assert "employees.csv:4:5: error: the 'manager' column goes round in a circle: A → B → C → A" in e


def test_more_located_plan_errors(tmp_path):
    path = plan(tmp_path, "total: 1050\nunit: 100\nlevels: [{unit: person, key: last_year}]\n"
                "fixed:\n  - {unit: E3, amount: 100, reason: x}", EMP)
    found = errors(path)
    assert any(":5:8: error: total 1050 is not a whole multiple of the unit 100" in e for e in found)
    assert any(":7:30: error: this needs last year's actuals" in e for e in found)  # at key: last_year
    path = plan(tmp_path / "b", "total: 1000\nlevels: [{unit: team, key: equal}, {unit: person, key: equal}]\n"
                "fixed:\n  - {unit: tt1, amount: 100, reason: x}", EMP)
    [e] = errors(path)
    assert ":8:12: error: 'tt1' is no unit or person of the plan; did you mean 't1'?" in e
    path = plan(tmp_path / "c", "total: 1000\nlevels: [{unit: teams, key: equal}, {unit: person, key: equal}]", EMP)
    [e] = errors(path)
    assert ":6:17: error: the employee table has no column 'teams'; did you mean 'team'?" in e


def test_previous_rows_outside_the_workspace_are_not_read(tmp_path):
    (tmp_path / "outside.csv").write_text("employee,month,quota\nE1,2026-01,100\n", encoding="utf-8")
    path = plan(tmp_path / "ws", "total: 1000\nlevels: [{unit: person, key: equal}]\nclosed_through: 2026-03\n"
                "previous: ../outside.csv", EMP)
    [e] = errors(path)
    assert ":8:11: error: '../outside.csv' leads outside the plan's workspace" in e  # at previous:


def test_strict_refuses_to_write_when_a_check_warns(example, tmp_path):
    folder, _ = example
    result = CliRunner().invoke(main, ["targets", str(folder / "plan-2026.yaml"), "--strict", "--out",
                                       str(tmp_path / "strict")])
    assert result.exit_code == 1 and "exceeds its stated capacity" in result.output
    assert not (tmp_path / "strict").exists()
