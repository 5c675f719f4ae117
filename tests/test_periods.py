"""Issue 15, "periods that add up": the six failures of the issue followed through the CLI, each number worked by
hand; the in-place upgrade of a store written by the release before; the new syntax's validation.

The company is ``tests/fixtures/periods/`` (three reps and their team lead):

* ``reps.yaml`` (id ``reps``): one KPI, revenue against quota, ``score = min(revenue / quota, 1.5) × 100``;
  grades A ≥ 100, B ≥ 80, C; bonus = target × (0.4 from attainment 0.8, + 0.6 from 1.0) × multiplier
  (A 1.25, B 1.0, C 0), cap 2 × target, whole yuan.  ``target_bonus`` 30,000 is a *quarter's* target
  (``target_period: quarter``) and the target follows the days employed (``proration: days``).  Outcome
  ``repeat-a``: grade A now and in the previous period.
* ``managers.yaml`` (id ``managers``): team revenue against team quota; 40,000 × 1.0 from attainment 1.0.
* ``annual.yaml`` (id ``annual``): 80 % the quarters' reported scores of ``reps`` (Q1 20, Q2 20, Q3 30,
  Q4 30), 20 % the year's revenue against the year's quota; the bonus of ``reps.yaml`` on the year's
  attainment with a year's target (4 quarters), prorated, net of what the ``reps`` quarters paid.
* Monthly revenue against a monthly quota of 100,000: E1 100k in Q1, 110k in Q2, 90k in Q3, 120k in Q4;
  E2 100k every month, leaves on 2026-07-20 (its August and September rows are in the file all the same);
  E3 100k every month.  M1 leads the team: team revenue 300k against 300k each month of Q3.
"""
from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import textwrap
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from appraise.cli import main
from appraise.store.database import Store
from appraise.store.migrations import LATEST

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "periods"


@pytest.fixture
def company(tmp_path, monkeypatch) -> Path:
    work = tmp_path / "company"
    shutil.copytree(FIXTURE, work)
    monkeypatch.chdir(work)  # re-run commands are printed relative to the working folder
    return work


def cli(*args, code=0):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == code, res.output + str(res.exception)
    return res.output


def run(cycle, *more, code=0):
    return cli("run", cycle, "--no-render", *more, code=code)


def results(folder) -> dict[str, dict]:
    doc = json.loads((Path(folder) / "results.json").read_text(encoding="utf-8"))
    return {e["id"]: e for e in doc["employees"]}


def csv_rows(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


# ---------------------------------------------------------------------------------------------- failure 1

def test_1_two_rulesets_in_one_period_keep_their_own_history(company):
    """The managers' run of 2026-Q3 no longer replaces the reps' 2026-Q3, the reps are not its errors, and the
    reps' Q4 reads their own Q3 as `previous`."""
    run("cycle-2026-Q2.yaml")
    run("cycle-2026-Q3.yaml")
    out = run("cycle-managers-2026-Q3.yaml")
    # M1: 900k / 900k = 1.0 -> score 100, A; bonus 1.0 x 40000 = 40000 (hundreds)
    assert "2026-Q3: 1 employee appraised (managers 1); 3 not covered by its scorecards" in out
    assert "errors:      0" in out
    doc = json.loads((company / "out/2026-Q3-managers/results.json").read_text(encoding="utf-8"))
    assert [(e["id"], e["score"], e["grade"], e["bonus"]) for e in doc["employees"]] == [("M1", 100.0, "A", "40000")]
    assert doc["errors"] == [] and doc["not_covered"] == 3   # E1, E2, E3: counted, not errors, not listed
    assert csv_rows(company / "out/2026-Q3-managers/errors.csv")[1:] == []
    out = run("cycle-2026-Q4.yaml")
    assert "2026-Q4: 2 employees appraised (reps 1); 1 not covered" in out  # E2 left in July; M1 is a manager
    q4 = results(company / "out/2026-Q4")
    # E3: A in Q3 (100k / 100k) and A in Q4: repeat-a; E1: B in Q3 (90k / 100k = 0.9 -> 90), A in Q4: no
    assert q4["E3"]["outcomes"] == ["repeat-a"] and q4["E1"]["outcomes"] == []
    history = cli("history", "E1", "--cycle", "cycle-2026-Q4.yaml").splitlines()
    assert [line.split()[:4] + line.split()[4:6] for line in history[1:]] == [
        ["2026-Q2", "110.00", "A", "37500", "reps", "1"],   # 110k / 100k -> 110; 30000 x 1.0 x 1.25
        ["2026-Q3", "90.00", "B", "12000", "reps", "1"],    # 0.9 -> 90, B; tier 0.4 x 30000 x 1.0
        ["2026-Q4", "120.00", "A", "37500", "reps", "1"]]   # 1.2 -> 120, A; no excess in this plan
    assert cli("history", "M1", "--cycle", "cycle-2026-Q4.yaml").splitlines()[1].split() == [
        "2026-Q3", "100.00", "A", "40000", "managers", "1"]
    with Store(f"sqlite:///{company / 'out/appraise.db'}") as db:
        current = sorted(r["ruleset_id"] for r in db.runs("2026-Q3") if r["is_current"])
        assert current == ["managers", "reps"]


# ---------------------------------------------------------------------------------------------- failure 2

def test_2_the_year_reads_the_quarters_and_pays_what_they_did_not(company):
    for q in (1, 2, 3, 4):
        run(f"cycle-2026-Q{q}.yaml")
    out = run("cycle-2026.yaml")
    year = results(company / "out/2026-annual")
    e1 = year["E1"]
    # quarters: (20 x 100 + 20 x 110 + 30 x 90 + 30 x 120) / 100 = (2000 + 2200 + 2700 + 3600) / 100 = 105
    assert e1["dimensions"]["quarters"] == {"weight": 80.0, "score": 105.0, "periods": {
        "2026-Q1": 100.0, "2026-Q2": 110.0, "2026-Q3": 90.0, "2026-Q4": 120.0}}
    # the year's revenue 3 x (100 + 110 + 90 + 120)k = 1,260,000 / 1,200,000 = 1.05 -> 105 (not the 12 monthly
    # rows re-added on top of the quarters); 0.8 x 105 + 0.2 x 105 = 105 -> A
    assert e1["kpis"]["year.revenue"]["actual"] == 1260000 and (e1["score"], e1["grade"]) == (105.0, "A")
    # gross: a year's target 4 x 30000 = 120000 x 1.0 x 1.25 = 150000; the quarters paid 37500 + 37500 + 12000
    # + 37500 = 124500; due now 150000 - 124500 = 25500 (the old engine paid the full 150000 on top)
    assert (e1["bonus_gross"], e1["bonus_paid"], e1["bonus"]) == ("150000", "124500", "25500")
    assert e1["bonus_detail"]["paid"] == {"2026-Q1": "37500", "2026-Q2": "37500", "2026-Q3": "12000",
                                          "2026-Q4": "37500"}
    # E3: every quarter 100 and the year 1.2M / 1.2M -> 100, A; gross 150000, paid 4 x 37500: nothing due
    assert (year["E3"]["bonus_gross"], year["E3"]["bonus_paid"], year["E3"]["bonus"]) == ("150000", "150000", "0")
    # E2 left on 2026-07-20: no Q4 result, so Q4's weight is shared: (20 x 100 + 20 x 100 + 30 x 100) / 70 = 100;
    # year revenue Jan-Jul 700k / 700k -> 100 (August and September rows are outside the employment) -> A.
    # Employed 2026-01-01..07-20 = 201 of 365 days: gross 120000 x 201/365 x 1.0 x 1.25 = 30150000 / 365
    # = 82602.74 -> 82603; paid 37500 + 37500 + 8152 (Q3, see test 4) = 83152 -> -549, floored at 0
    e2 = year["E2"]
    assert e2["missing"] == ["quarters.2026-Q4"] and e2["dimensions"]["quarters"]["periods"]["2026-Q4"] is None
    assert e2["employed_share"] == 0.5507  # 201 / 365 = 0.55068...
    assert (e2["bonus_gross"], e2["bonus_paid"], e2["bonus"]) == ("82603", "83152", "0")
    # 25500 + 0 + 0
    assert "bonus total: 25,500 CNY" in out
    # history by end date, the year after the quarter that ends with it
    assert [line.split()[0] for line in cli("history", "E1", "--cycle", "cycle-2026.yaml").splitlines()[1:]] == \
        ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026"]
    text = cli("explain", "cycle-2026.yaml", "E1")
    assert "2026-Q3: score 90; weight 30 → effective 30" in text
    assert "due now: 150000 − 124500 = 25500 CNY" in text


# ---------------------------------------------------------------------------------------------- failure 3

def test_3_a_month_of_a_quarterly_target_pays_a_third(company):
    run("cycle-2026-07.yaml")
    july = results(company / "out/2026-07")
    # the month's target: 30000 x 1 month / 3 months = 10000
    # E1: July 90k / 100k = 0.9 -> 90, B: 0.4 x 10000 x 1.0 = 4000 (not 12000)
    assert (july["E1"]["grade"], july["E1"]["bonus"], july["E1"]["bonus_detail"]["target_cycle"]) == \
        ("B", "4000", "10000")
    # E3: 1.0 -> A: 1.0 x 10000 x 1.25 = 12500 (not 37500)
    assert july["E3"]["bonus"] == "12500"
    # E2 is employed 20 of July's 31 days: 30000 x 1/3 x 20/31 x 1.25 = 750000 / 93 = 8064.52 -> 8065
    assert (july["E2"]["employed_share"], july["E2"]["bonus"]) == (0.6452, "8065")


# ---------------------------------------------------------------------------------------------- failure 4

def test_4_a_leavers_later_months_are_not_used_and_the_quarter_is_prorated(company):
    out = run("cycle-2026-Q3.yaml")
    assert "warnings:    2" in out
    e2 = results(company / "out/2026-Q3")["E2"]
    # only July counts: revenue 100k against quota 100k (not 300k / 300k) -> 1.0 -> 100, A
    assert e2["kpis"]["results.revenue"]["actual"] == 100000 and e2["kpis"]["results.revenue"]["target"] == 100000
    # employed 2026-07-01..07-20 = 20 of Q3's 92 days: 30000 x 20/92 x 1.0 x 1.25 = 750000 / 92 = 8152.17 -> 8152
    # (the old engine paid the full quarter: 37500)
    assert (e2["employed_share"], e2["bonus"], e2["bonus_detail"]["target_cycle"]) == \
        (0.2174, "8152", "6521.7391304348")
    rows = csv_rows(company / "out/2026-Q3/errors.csv")
    # metrics.csv: the header, E1's 12 months (lines 2-13), E2's January..September (lines 14-22)
    assert [(r[0], r[1], r[3], r[5]) for r in rows[1:]] == [("data/metrics.csv", "21", "E2", "warning"),
                                                            ("data/metrics.csv", "22", "E2", "warning")]
    assert "E2 for 2026-08 is not used: E2 left on 2026-07-20" in rows[1][6]


# ---------------------------------------------------------------------------------------------- failure 5

def test_5_a_corrected_quarter_is_a_ledger_and_what_read_it_is_stale(company):
    run("cycle-2026-Q2.yaml")
    run("cycle-2026-Q3.yaml")
    metrics = company / "data/metrics.csv"
    # the correction: E3's Q2 revenue was 88k a month, not 100k
    metrics.write_text(metrics.read_text().replace("E3,2026-04,100000", "E3,2026-04,88000")
                       .replace("E3,2026-05,100000", "E3,2026-05,88000")
                       .replace("E3,2026-06,100000", "E3,2026-06,88000"))
    out = run("cycle-2026-Q2.yaml")
    # E3's Q2: 264k / 300k = 0.88 -> 88, B: 0.4 x 30000 x 1.0 = 12000 instead of 1.0 x 30000 x 1.25 = 37500;
    # the 25500 difference is on record
    assert csv_rows(company / "out/2026-Q2/changes.csv") == [
        ["employee", "field", "before", "after"],
        ["E3", "score", "100.00", "88.00"], ["E3", "grade", "A", "B"], ["E3", "bonus", "37500", "12000"]]
    assert "store:       run 3, now current for 2026-Q2 (reps), replacing run 1" in out
    assert "changes:     1 person changed against run 1 (see out/2026-Q2/changes.csv)" in out
    # Q3 read Q2 as `previous` (E3's repeat-a): stale, with the command that re-runs it
    assert ("2026-Q3 (reps, run 2) read 2026-Q2 of reps (previous): run 1, since replaced by run 3 "
            "→ appraise run cycle-2026-Q3.yaml") in out
    history = cli("history", "E3", "--cycle", "cycle-2026-Q3.yaml")
    assert "2026-Q3    100.00  A             37500  reps 1  (stale)" in history
    assert "→ appraise run cycle-2026-Q3.yaml" in history
    with Store(f"sqlite:///{company / 'out/appraise.db'}") as db:  # both Q2 runs are kept
        assert [(r["id"], r["is_current"]) for r in db.runs("2026-Q2")] == [(1, False), (3, True)]
    out = run("cycle-2026-Q3.yaml")  # re-run: E3 is no longer A twice in a row
    assert csv_rows(company / "out/2026-Q3/changes.csv")[1:] == [["E3", "outcomes", "repeat-a", ""]]
    assert "stale" not in out
    assert "(stale)" not in cli("history", "E3", "--cycle", "cycle-2026-Q3.yaml")


# ---------------------------------------------------------------------------------------------- failure 6

def test_6_an_override_with_reason_and_approver(company):
    (company / "overrides.yaml").write_text(
        "- {id: E1, score: 101, reason: Q3 deals booked late by finance (FIN-1182), by: Li Na, date: 2026-10-08}\n",
        encoding="utf-8")
    cycle = company / "cycle-2026-Q3.yaml"
    cycle.write_text(cycle.read_text() + "overrides: overrides.yaml\n")
    cli("run", cycle)  # with pages
    e1 = results(company / "out/2026-Q3")["E1"]
    # E1's Q3: 90 -> B; overridden to 101 after calibration: the grade follows the score (A, >= 100), and the
    # bonus multiplier uses it: tier 0.4 (attainment 0.9) x 30000 x 1.25 = 15000 (12000 with B)
    assert (e1["score"], e1["grade"], e1["grade_uncalibrated"], e1["bonus"]) == (101.0, "A", "B", "15000")
    assert e1["override"] == {"score": [90.0, 101.0], "grade": ["B", "A"], "by": "Li Na", "date": "2026-10-08",
                              "reason": "Q3 deals booked late by finance (FIN-1182)"}
    with Store(f"sqlite:///{company / 'out/appraise.db'}") as db:  # stored with the run, as overridden
        stored = {e["id"]: e for e in db.current_results("2026-Q3", "reps")}
        assert (stored["E1"]["score"], stored["E1"]["grade"], stored["E1"]["override"]["by"]) == (101.0, "A", "Li Na")
    assert "Override by Li Na on 2026-10-08: score 90.00 → 101.00; grade B → A — Q3 deals booked late" in \
        cli("explain", cycle, "E1")
    for page in ("dashboards/E1.html", "plans/E1.html"):
        assert "Reason: Q3 deals booked late by finance (FIN-1182)" in \
            (company / "out/2026-Q3" / page).read_text(encoding="utf-8")
    # an override for someone this cycle does not appraise fails the run before anything is written
    with open(company / "overrides.yaml", "a", encoding="utf-8") as fh:
        fh.write("- {id: M1, grade: A, reason: Team lead of the year, by: HR committee, date: 2026-10-09}\n")
    out = run(cycle, "--output", company / "elsewhere", code=1)
    assert "overrides.yaml:2:8: error: override for M1, whom this cycle does not appraise: no scorecard of " \
           "this ruleset applies to them" in out
    assert not (company / "elsewhere").exists()
    with Store(f"sqlite:///{company / 'out/appraise.db'}") as db:
        assert [(r["status"], r["is_current"]) for r in db.runs("2026-Q3")] == [("complete", True), ("failed", False)]


# ---------------------------------------------------------------------------------------------- the upgrade

def test_a_store_of_the_release_before_upgrades_in_place(tmp_path, monkeypatch):
    """tests/fixtures/store-v3/appraise.db was written by the release before issue 15 (schema 3): the worked
    example's Q2 then Q3.  Re-running Q3 into it upgrades it in place and reads its Q2 as `previous`."""
    from engine_inputs import EXAMPLE, compare

    work = tmp_path / "example"
    shutil.copytree(EXAMPLE, work)
    (work / "out").mkdir()
    shutil.copy(HERE / "fixtures/store-v3/appraise.db", work / "out/appraise.db")
    with sqlite3.connect(work / "out/appraise.db") as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (3,)
    monkeypatch.chdir(work)
    out = run("cycle-q3.yaml")
    got = json.loads((work / "out/2026-Q3/results.json").read_text(encoding="utf-8"))
    assert compare(got, json.loads((work / "expected-q3.json").read_text(encoding="utf-8"))) == []  # Q2 read
    assert "replacing run 2" in out and "0 people changed against run 2" in out
    url = f"sqlite:///{work / 'out/appraise.db'}"
    assert [line.split()[0] for line in cli("history", "E001", "--store", url).splitlines()[1:]] == \
        ["2026-Q2", "2026-Q3"]
    with Store(url) as db:
        assert db.schema_version == LATEST
        assert [(r["id"], r["is_current"], r["unchanged"]) for r in db.runs("2026-Q3")] == \
            [(2, False, None), (3, True, True)]
        # another ruleset's run of the same period is now a current run of its own
        other = SimpleNamespace(id="sales-manager", version="1", sha256="0" * 64, source="")
        rid = db.start_run(cycle="2026-Q3", kind="quarter", cycle_file="m.yaml", ruleset=other, inputs={},
                           engine_version="test")
        db.complete_run(rid, "2026-Q3", {"employees": [], "errors": []})
        assert sorted((r["ruleset_id"], r["id"]) for r in db.runs("2026-Q3") if r["is_current"]) == \
            [("sales-manager", 4), ("sales-team", 3)]


# ---------------------------------------------------------------------------------------------- validation

def test_the_new_syntax_is_validated_at_its_line_and_column(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (FIXTURE / "annual.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "annual.yaml"
    bad.write_text(text.replace("weights: {Q1: 20, Q2: 20, Q3: 30, Q4: 30}",
                                "weights: {Q1: 20, Q2: 20, Q3: 30, 07: 29}")
                   .replace("net_of: {ruleset: reps, every: quarter}", "net_of: {ruleset: reps, every: week}"),
                   encoding="utf-8")
    out = cli("validate", "annual.yaml", code=1)
    lines = bad.read_text().splitlines()
    n = next(n for n, t in enumerate(lines, 1) if "periods:" in t)
    weights, key = lines[n - 1].index("weights") + 1, lines[n - 1].index("07") + 1
    assert f"annual.yaml:{n}:{weights}: error: the weights of the sub-periods of dimension 'quarters' add up to " \
           "99, not 100" in out
    assert f"annual.yaml:{n}:{key}: error: '07' is not a quarter of a year: with every: quarter the weights are " \
           "keyed Q1, Q2, Q3, Q4" in out
    n = next(n for n, t in enumerate(lines, 1) if "net_of:" in t)
    assert f"annual.yaml:{n}:{lines[n - 1].index('week') + 1}: error: 'week' is not one of month, quarter, half " \
           "(bonus.net_of.every)" in out
    # a quarterly cycle cannot read quarters; the overrides file is checked against the ruleset, field by field
    shutil.copy(FIXTURE / "annual.yaml", tmp_path / "ok.yaml")
    (tmp_path / "overrides.yaml").write_text("- {id: E1, grade: S, by: '', date: 2026-13-01}\n", encoding="utf-8")
    (tmp_path / "cycle.yaml").write_text("cycle: 2026-Q3\nruleset: ok.yaml\nsources:\n"
                                         "  - {provider: csv, path: e.csv, kind: employees}\n"
                                         "overrides: overrides.yaml\n", encoding="utf-8")
    out = cli("validate", "--no-data", "cycle.yaml", code=1)  # (no e.csv: the data is not what is checked here)
    assert "cycle.yaml:1:8: error: the ruleset (ok.yaml) reads quarters of ruleset 'reps' in dimension 'quarters', " \
           "but 2026-Q3 is a quarter, not made of quarters" in out
    assert "overrides.yaml:1:3: error: the override of E1 needs 'reason': why the result is overridden" in out
    assert "overrides.yaml:1:19: error: 'S' is not a grade of the ruleset; the grades are A, B, C" in out
    assert "overrides.yaml:1:26: error: the override of E1 needs 'by': who approved it" in out
    assert "overrides.yaml:1:36: error: the override of E1 needs the 'date' it was approved, as YYYY-MM-DD " \
           "(not '2026-13-01')" in out
    assert out.splitlines()[-1] == "6 errors in 2 of 2 files"


# ---------------------------------------------------------------------------------------------- policies

def test_missing_sub_periods_under_zero_and_error_and_netting_with_clawback(tmp_path):
    """In process (no store): the annual ruleset with `missing: zero`, then `error`, and `clawback: true`."""
    from appraise.api import evaluate
    from appraise.language.ruleset import load_ruleset

    text = (FIXTURE / "annual.yaml").read_text(encoding="utf-8")
    employees = [{"id": "A", "name": "A", "role": "rep", "target_bonus": "30000", "hire_date": "2020-01-01"},
                 {"id": "B", "name": "B", "role": "rep", "target_bonus": None, "hire_date": "2020-01-01"}]
    metrics = [{"employee": e, "revenue": 1200000.0, "quota": 1200000.0} for e in ("A", "B")]
    sub = [{"employee": e, "ruleset": "reps", "period": p, "score": 100.0}
           for e in ("A", "B") for p in ("2026-Q1", "2026-Q2", "2026-Q3")]  # no Q4 for anyone
    paid = [{"employee": "A", "ruleset": "reps", "period": "2026-Q1", "bonus": "160000"},
            {"employee": "B", "ruleset": "reps", "period": "2026-Q1", "bonus": "5000"}]

    def year(policy: str, clawback: bool = False):
        path = tmp_path / f"{policy}-{clawback}.yaml"
        flag = "true" if clawback else "false"
        path.write_text(text.replace('version: "1"', f'version: "1"\nmissing: {policy}')
                        .replace("every: quarter}\n", f"every: quarter, clawback: {flag}}}\n"),
                        encoding="utf-8")
        res = evaluate(load_ruleset(path), period="2026", employees=employees, aggregated=metrics,
                       subperiods=sub, paid=paid)
        return res, {e["id"]: e for e in res.document["employees"]}

    res, got = year("zero", clawback=True)
    # Q4 missing scores 0: (20 x 100 + 20 x 100 + 30 x 100 + 30 x 0) / 100 = 70, still listed
    assert got["A"]["dimensions"]["quarters"]["score"] == 70 and got["A"]["missing"] == ["quarters.2026-Q4"]
    # no stored run of reps for 2026-Q4 at all: one warning for the run
    assert any("2026-Q4" in w and "'reps'" in w for w in res.document["warnings"])
    # 0.8 x 70 + 0.2 x 100 = 76 -> C: multiplier 0; gross 0; paid 160000: due -160000 with clawback
    assert (got["A"]["grade"], got["A"]["bonus_gross"], got["A"]["bonus_paid"], got["A"]["bonus"]) == \
        ("C", "0", "160000", "-160000")
    # B has no target bonus: the gross is null, so is what is due; what was paid is still given
    assert (got["B"]["bonus_gross"], got["B"]["bonus_paid"], got["B"]["bonus"]) == (None, "5000", None)
    res, got = year("error")
    assert got == {} and [(e.employee, "quarters.2026-Q4" in e.message) for e in res.errors] == \
        [("A", True), ("B", True)]


def test_an_unquoted_id_of_digits_is_the_id_as_written(tmp_path):
    # YAML reads `id: 00016` as the number 16; employee ids are text, so an override names the id as the file writes
    # it (zero-padded ids are common in HR systems): 00016 and 0042 stay so, 7 is '7', a quoted id is its text
    from appraise.language.overrides import load_overrides

    f = tmp_path / "overrides.yaml"
    f.write_text(textwrap.dedent("""\
        - {id: 00016, score: 80, reason: calibration, by: hr, date: '2026-09-30'}
        - id: 0042   # a comment
          grade: A
          reason: calibration
          by: hr
          date: '2026-09-30'
        - {id: 7, grade: B, reason: r, by: hr, date: '2026-09-30'}
        - {id: "0099", grade: B, reason: r, by: hr, date: '2026-09-30'}
        """), encoding="utf-8")
    overrides, _ = load_overrides(f, ["A", "B"])
    assert [o.id for o in overrides] == ["00016", "0042", "7", "0099"]


def test_an_amount_paid_or_carried_in_that_is_not_an_amount_is_an_error_not_nothing_paid(tmp_path):
    # Read leniently, '22,000' or 'abc' counted as nothing paid, and the year's bonus paid again what the quarters
    # had paid; a draw balance of 'abc' stopped the run with polars' cast error.  A program handing tables of its
    # own (the API; the store writes only amounts) now gets an error for that employee, the others paid as before.
    from appraise.api import evaluate
    from appraise.pipeline import evaluate_tables

    employees = [{"id": e, "name": e, "role": "rep", "target_bonus": "30000", "hire_date": "2020-01-01"}
                 for e in ("A", "C")]
    metrics = [{"employee": e, "revenue": 1200000.0, "quota": 1200000.0} for e in ("A", "C")]
    sub = [{"employee": e, "ruleset": "reps", "period": p, "score": 100.0}
           for e in ("A", "C") for p in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")]
    paid = [{"employee": "A", "ruleset": "reps", "period": "2026-Q1", "bonus": "22,000"},
            {"employee": "C", "ruleset": "reps", "period": "2026-Q1", "bonus": "30000"},
            {"employee": "C", "ruleset": "reps", "period": "2026-Q2", "bonus": "37500"},
            {"employee": "C", "ruleset": "reps", "period": "2026-Q3", "bonus": None}]  # no bonus then: 0 paid
    res = evaluate(FIXTURE / "annual.yaml", period="2026", employees=employees, aggregated=metrics,
                   subperiods=sub, paid=paid)
    got = {e["id"]: e for e in res.document["employees"]}
    assert [(e.employee, "'22,000'" in e.message and "2026-Q1" in e.message) for e in res.errors] == [("A", True)]
    # C: quarters 100 and the year's revenue on quota: 0.8 x 100 + 0.2 x 100 = 100 -> A (x 1.25); attainment 1.0
    # fills both tiers (0.4 + 0.6); a year's target is 4 x 30000: 120000 x 1.0 x 1.25 = 150000 gross, of which
    # 30000 + 37500 = 67500 was paid: 82500 due
    assert list(got) == ["C"]
    assert (got["C"]["bonus_gross"], got["C"]["bonus_paid"], got["C"]["bonus"]) == ("150000", "67500", "82500")
    # every quarter's scores were given: nothing is said to be missing of them (only Q4 has nothing paid)
    assert not [w for w in res.document["warnings"] if "no stored results" in w and "is missing" in w]
    # nothing paid given at all: nothing is netted, the whole gross is due
    none = evaluate(FIXTURE / "annual.yaml", period="2026", employees=employees, aggregated=metrics, subperiods=sub)
    assert [(e["bonus_gross"], e["bonus_paid"], e["bonus"]) for e in none.document["employees"]] == \
        [("150000", "0", "150000")] * 2

    # an incentive plan's draw balance carried in, and what the year paid so far
    plan = Path(__file__).parents[1] / "rulesets" / "sales-incentive.yaml"
    reps = [{"id": e, "name": e, "role": "sales_rep", "target_bonus": "10000", "hire_date": "2020-01-01"}
            for e in ("R1", "R2", "R3")]
    on_target = [{"employee": e, "revenue": 1000000.0, "quota": 1000000.0, "gross_profit": 300000.0,
                  "new_product_revenue": 150000.0} for e in ("R1", "R2", "R3")]
    out = evaluate_tables(plan, period="2026-Q3", employees=reps, aggregated=on_target,
                          draws=[{"employee": "R1", "period": None, "balance": "abc"},
                                 {"employee": "R3", "period": None, "balance": "0"}],
                          year_paid=[{"employee": "R2", "period": "2026-Q1", "bonus": "7,700"}])
    ev = out.evaluation
    assert sorted((e.employee, e.message.split(" is ")[1].split(",")[0]) for e in ev.errors) == \
        [("R1", "'abc'"), ("R2", "'7")]
    # R3 as the shipped tests' first case: 3600 + 3000 + 1100 = 7700, the draw (3000) below it
    assert ev.frame["id"].to_list() == ["R3"] and ev.frame["bonus"].to_list() == [Decimal("7700")]
