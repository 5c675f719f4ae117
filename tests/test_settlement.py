"""A year of pay settled by an HR analyst, and the mistakes made on the way: the annual review run before the last
quarters, ``net_of`` naming a ruleset id the store does not hold, and what ``explain`` then shows.

The company is ``tests/fixtures/periods/`` (see ``tests/test_periods.py``): E1's year is worth a gross bonus of
4 × 30,000 × 1.0 × 1.25 = 150,000 when the year scores an A; each quarter of E1 scored 100 or more paid
30,000 × 1.0 × 1.25 = 37,500 (Q1 and Q2: revenue 100k and 110k a month against 100k).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "periods"


@pytest.fixture
def company(tmp_path, monkeypatch) -> Path:
    work = tmp_path / "company"
    shutil.copytree(FIXTURE, work)
    monkeypatch.chdir(work)
    return work


def cli(*args, code=0) -> str:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == code, res.output + str(res.exception)
    return res.output


def year_of(company: Path, who: str) -> dict:
    doc = json.loads((company / "out/2026-annual/results.json").read_text(encoding="utf-8"))
    return next(e for e in doc["employees"] if e["id"] == who)


def test_the_annual_run_before_the_last_quarters_says_what_it_did_not_deduct(company):
    """Run after Q1 and Q2 only, the year nets what was paid so far and says, on the terminal, that Q3 and Q4 were
    not deducted (it used to say nothing: the whole rest of the year's bonus paid with no word)."""
    cli("run", "cycle-2026-Q1.yaml", "--no-render")
    cli("run", "cycle-2026-Q2.yaml", "--no-render")
    out = cli("run", "cycle-2026.yaml", "--no-render")
    e1 = year_of(company, "E1")
    # the quarters read: (20 x 100 + 20 x 110) / 40 = 105; the year 105 -> A; gross 150000, paid 2 x 37500
    assert (e1["bonus_gross"], e1["bonus_paid"], e1["bonus"]) == ("150000", "75000", "75000")
    for q in ("2026-Q3", "2026-Q4"):
        assert (f"warning: no stored results of ruleset 'reps' for {q}: bonus.net_of deducts nothing for it, so the "
                "bonus due now includes what that period pays (run that period first, then this one again)") in out
        # the quarters' dimension says so too (it was only in errors.csv)
        assert f"warning: no stored results of ruleset 'reps' for {q}: every employee's quarters.{q} is missing" in out
    # and the two of E2's rows after she left (data/metrics.csv), as before
    assert out.count("warning: no stored results") == 4 and "warnings:    6" in out
    zh = cli("--lang", "zh-CN", "run", "cycle-2026.yaml", "--no-render")
    assert ("警告：结果库中没有规则集 'reps' 在 2026-Q3 的结果：bonus.net_of 不为该期间扣除"
            "任何已发奖金，因此本期应发奖金包含了该期间将发放的奖金"
            "（请先运行该期间，再重新运行本期间）") in zh
    assert "警告：结果库中没有规则集 'reps' 在 2026-Q4 的结果：每位员工的 quarters.2026-Q4 均缺失" in zh
    # after the last quarters, nothing to warn of
    cli("run", "cycle-2026-Q3.yaml", "--no-render")
    cli("run", "cycle-2026-Q4.yaml", "--no-render")
    out = cli("run", "cycle-2026.yaml", "--no-render")
    assert "no stored" not in out and "warnings:    2" in out
    # 150000 - (37500 + 37500 + 12000 + 37500), as in tests/test_periods.py
    assert year_of(company, "E1")["bonus"] == "25500"


def test_net_of_naming_a_ruleset_the_store_does_not_hold_is_said_with_the_id_meant(company):
    """``net_of: {ruleset: rep}`` (for ``reps``): nothing is deducted, and the run says so once, naming the ids the
    store holds and the one probably meant (it used to pay the whole gross bonus again without a word)."""
    annual = company / "annual.yaml"
    annual.write_text(annual.read_text(encoding="utf-8").replace("net_of: {ruleset: reps,", "net_of: {ruleset: rep,"),
                      encoding="utf-8")
    for q in (1, 2, 3, 4):
        cli("run", f"cycle-2026-Q{q}.yaml", "--no-render")
    out = cli("run", "cycle-2026.yaml", "--no-render")
    e1 = year_of(company, "E1")
    assert (e1["bonus_gross"], e1["bonus_paid"], e1["bonus"]) == ("150000", "0", "150000")
    assert ("warning: the store holds no run of ruleset 'rep', which bonus.net_of nets: nothing is deducted and the "
            "bonus due now is the whole gross bonus; check the ruleset id (the store holds runs of reps); did you "
            "mean 'reps'?") in out
    assert out.count("warning: the store") == 1 and "warnings:    3" in out  # once, not once a quarter
    zh = cli("--lang", "zh-CN", "run", "cycle-2026.yaml", "--no-render")
    assert ("警告：结果库中没有规则集 'rep' 的任何运行（bonus.net_of 扣减它已发的奖金）："
            "不扣减任何金额，本期应发奖金即全部应计奖金；请检查规则集编号"
            "（结果库中有这些规则集的运行：annual、reps）；是否想写 'reps'？") in zh
    # --strict refuses it before anything is paid
    cli("run", "cycle-2026.yaml", "--no-render", "--strict", code=1)


def test_a_periods_dimension_naming_a_ruleset_the_store_does_not_hold_is_one_warning(company):
    annual = company / "annual.yaml"
    text = annual.read_text(encoding="utf-8")
    annual.write_text(text.replace("periods: {ruleset: reps,", "periods: {ruleset: rpes,"), encoding="utf-8")
    for q in (1, 2, 3, 4):
        cli("run", f"cycle-2026-Q{q}.yaml", "--no-render")
    out = cli("run", "cycle-2026.yaml", "--no-render")
    assert ("warning: the store holds no run of ruleset 'rpes', which dimension 'quarters' reads: every employee's "
            "quarters is missing; check the ruleset id (the store holds runs of reps); did you mean 'reps'?") in out
    assert out.count("warning: the store") == 1 and "no stored" not in out
    # the dimension is missing (redistributed): the year's revenue alone, 105 for E1
    assert year_of(company, "E1")["dimensions"]["quarters"]["score"] is None


def test_an_override_for_someone_not_appraised_says_why_in_english_and_chinese(company):
    """E2 left on 2026-07-20 (data/employees.csv), so 2026-Q4 does not appraise her; E9 is no one.  Each override
    fails the run at its line with its own reason (both were "not in the employee table, or not employed during the
    period", and in Chinese half English)."""
    (company / "overrides.yaml").write_text(
        "- {id: E1, score: 101, reason: Q4 deals booked late, by: Li Na, date: 2027-01-08}\n"
        "- {id: E2, grade: A, reason: Calibration committee, by: HR committee, date: 2027-01-09}\n"
        "- {id: E9, grade: A, reason: Calibration committee, by: HR committee, date: 2027-01-09}\n", encoding="utf-8")
    cycle = company / "cycle-2026-Q4.yaml"
    cycle.write_text(cycle.read_text(encoding="utf-8") + "overrides: overrides.yaml\n", encoding="utf-8")
    out = cli("run", cycle, "--no-render", code=1)
    assert ("overrides.yaml:2:8: error: override for E2, whom this cycle does not appraise: they left on 2026-07-20, "
            "before 2026-Q4 began; remove the override, or fix the id (id)") in out
    assert ("overrides.yaml:3:8: error: override for E9, whom this cycle does not appraise: they are not in the "
            "employee table; remove the override, or fix the id (id)") in out
    zh = cli("--lang", "zh-CN", "run", cycle, "--no-render", code=1)
    assert ("overrides.yaml:2:8: 错误: E2 的人工调整无效：本周期不考核此人，"
            "此人已于 2026-07-20 离职，早于 2026-Q4 开始; 请删除该人工调整，或改正编号 (id)") in zh
    assert ("overrides.yaml:3:8: 错误: E9 的人工调整无效：本周期不考核此人，员工表中没有此人; "
            "请删除该人工调整，或改正编号 (id)") in zh
    assert not (company / "out/2026-Q4").exists()


def test_a_leave_date_before_the_hire_date_is_an_error_not_a_negative_share(company):
    """E3 hired 2026-05-01 and 'left' 2026-03-31 (2027 was meant): the year used to appraise her with employed_share
    (2026-03-31 − 2026-05-01 + 1) / 365 = −30/365 = −0.0822 and a null bonus, without an error.  Now it is her
    error at her row of the employee file, as any other bad cell of it: the run stops (on_error: fail, the
    default), or leaves her out (skip-employee); her metric rows are not also each a warning."""
    staff = company / "data/employees.csv"
    staff.write_text(staff.read_text(encoding="utf-8").replace("E3,Wang Fang,rep,east,2020-01-01,,",
                                                                "E3,Wang Fang,rep,east,2026-05-01,2026-03-31,"),
                     encoding="utf-8")
    line = next(n for n, row in enumerate(staff.read_text(encoding="utf-8").splitlines(), 1) if row.startswith("E3,"))
    col = staff.read_text(encoding="utf-8").splitlines()[0].split(",").index("leave_date") + 1
    out = cli("run", "cycle-2026.yaml", "--no-render", code=1)
    assert (f"data/employees.csv:{line}:{col}: error: leave_date '2026-03-31' is before the hire_date (2026-05-01); "
            "correct one of the two dates") in out
    assert "metric row of E3" not in out and not (company / "out/2026-annual/results.json").exists()
    zh = cli("--lang", "zh-CN", "run", "cycle-2026.yaml", "--no-render", code=1)
    assert (f"data/employees.csv:{line}:{col}: 错误: leave_date '2026-03-31' 早于 hire_date（入职日期 2026-05-01）；"
            "请改正这两个日期之一") in zh
    cycle = company / "cycle-2026.yaml"
    cycle.write_text(cycle.read_text(encoding="utf-8") + "on_error: skip-employee\n", encoding="utf-8")
    out = cli("run", "cycle-2026.yaml", "--no-render")
    doc = json.loads((company / "out/2026-annual/results.json").read_text(encoding="utf-8"))
    assert "E3" not in {e["id"] for e in doc["employees"]} and "E1" in {e["id"] for e in doc["employees"]}
    # a quarter between the two dates does not appraise her, as before (her rows there are warnings)
    out = cli("run", "cycle-2026-Q2.yaml", "--no-render")
    assert "E3: employees" not in out and "is before the hire_date" not in out and "errors:      0" in out


def test_explain_shows_each_quarter_the_year_settled_against_also_those_not_stored(company):
    """After Q1 and Q2 only, explain lists all four quarters of the settlement: two paid, two nothing stored (they
    were left out, so the lines did not add up to the year's sub-periods)."""
    cli("run", "cycle-2026-Q1.yaml", "--no-render")
    cli("run", "cycle-2026-Q2.yaml", "--no-render")
    cli("run", "cycle-2026.yaml", "--no-render")
    text = cli("explain", "cycle-2026.yaml", "E1")
    assert ("  gross bonus (rounded half-up to 1): 150000 CNY\n"
            "  already paid by reps for 2026-Q1: 37500 CNY\n"
            "  already paid by reps for 2026-Q2: 37500 CNY\n"
            "  already paid by reps for 2026-Q3: nothing stored for this person → counted as 0\n"
            "  already paid by reps for 2026-Q4: nothing stored for this person → counted as 0\n"
            "  due now: 150000 − 75000 = 75000 CNY (floored at 0; no clawback)\n") in text
    zh = cli("explain", "cycle-2026.yaml", "E1", "--locale", "zh-CN")
    assert "  reps 已发放 2026-Q3：结果库中没有此人的结果 → 按 0 计\n" in zh
    doc = json.loads(cli("explain", "cycle-2026.yaml", "E1", "--format", "json"))
    net = doc["bonus"]["net_of"]
    assert (net["paid"], net["not_stored"]) == ([{"period": "2026-Q1", "bonus": "37500"},
                                                 {"period": "2026-Q2", "bonus": "37500"}], ["2026-Q3", "2026-Q4"])


def test_a_corrected_quarter_lists_what_is_stale_in_chinese_whole(company):
    """E1's May revenue corrected (110,000 → 80,000) after the year was run: re-running Q2 lists the year as stale
    in Chinese with the dimension it read named in Chinese ("dimension quarters" was left in English, and
    "读取了reps" ran the words together)."""
    for q in (1, 2, 3, 4):
        cli("run", f"cycle-2026-Q{q}.yaml", "--no-render")
    cli("run", "cycle-2026.yaml", "--no-render")
    metrics = company / "data/metrics.csv"
    metrics.write_text(metrics.read_text(encoding="utf-8").replace("E1,2026-05,110000,", "E1,2026-05,80000,"),
                       encoding="utf-8")
    zh = cli("--lang", "zh-CN", "run", "cycle-2026-Q2.yaml", "--no-render")
    assert ("    2026（annual，运行 5）读取了 reps 的 2026-Q2（net_of、维度 quarters）：运行 2，此后已被运行 6 取代；"
            "reps 的 2026-Q3（net_of、维度 quarters），它本身也已过期；") in zh
    assert "dimension" not in zh
    en = cli("history", "E1", "--cycle", "cycle-2026.yaml")
    assert ("2026 (annual, run 5) read 2026-Q2 of reps (net_of, dimension quarters): run 2, since replaced by "
            "run 6") in en


def test_re_running_a_quarter_under_a_changed_ruleset_says_so(company):
    """The rules changed mid-year (version 2: an A pays 1.5, not 1.25) and someone re-runs Q2, whose bonuses were paid
    under version 1: the summary says the period is now scored by other rules and that the year will net the new
    bonuses (it said only "replacing run 1")."""
    cli("run", "cycle-2026-Q2.yaml", "--no-render")
    out = cli("run", "cycle-2026-Q2.yaml", "--no-render")
    assert "replacing run 1" in out and "ruleset:" not in out  # the same rules: nothing to say
    rules = company / "reps.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace('version: "1"', 'version: "2"')
                     .replace("multiplier: {A: 1.25,", "multiplier: {A: 1.5,"), encoding="utf-8")
    out = cli("run", "cycle-2026-Q2.yaml", "--no-render")
    assert ("  ruleset:     changed since run 2 (reps 1 → 2): this period is now scored by the new rules, and later "
            "runs read these results (net_of deducts these bonuses, not run 2's)\n") in out
    # E1's Q2 (110k a month against 100k: an A) now pays 30000 x 1.5 = 45000, not 37500
    doc = json.loads((company / "out/2026-Q2/results.json").read_text(encoding="utf-8"))
    assert next(e for e in doc["employees"] if e["id"] == "E1")["bonus"] == "45000"
    rules.write_text(rules.read_text(encoding="utf-8").replace('version: "2"', 'version: "3"'), encoding="utf-8")
    zh = cli("--lang", "zh-CN", "run", "cycle-2026-Q2.yaml", "--no-render")
    assert ("  规则集：    自运行 3 以来已更改（reps 2 → 3）：本期间现按新规则计算，之后的运行读取的是这些结果"
            "（net_of 扣减的是这些奖金，而不是运行 3 的奖金）\n") in zh


def test_explain_of_someone_the_run_could_not_appraise_speaks_chinese(company):
    """explain of an employee error said the engine's English under --lang zh-CN and --locale zh-CN (E3's hire date
    left blank, which the year's proration by days needs: the engine's error, not a bad cell of the file)."""
    staff = company / "data/employees.csv"
    staff.write_text(staff.read_text(encoding="utf-8").replace("E3,Wang Fang,rep,east,2020-01-01,,",
                                                                "E3,Wang Fang,rep,east,,,"),
                     encoding="utf-8")
    said = "E3 (2026): hire_date 为空，但规则集按在职天数折算奖金；请填写该员工的入职日期（YYYY-MM-DD）"
    assert said in cli("--lang", "zh-CN", "explain", "cycle-2026.yaml", "E3", code=1)
    assert said in cli("explain", "cycle-2026.yaml", "E3", "--locale", "zh-CN", code=1)
    assert ("E3 (2026): hire_date is empty, but the ruleset prorates the bonus by days employed; give the employee's "
            "hire date (YYYY-MM-DD)") in cli("explain", "cycle-2026.yaml", "E3", code=1)


def test_history_in_a_folder_without_a_store_says_where_to_look(company):
    """`appraise history E1` run where no cycle writes its store read the folder's default store and said only that
    it held nothing for E1."""
    cli("run", "cycle-2026-Q1.yaml", "--no-render")
    out = cli("history", "E1", code=1)
    assert out.startswith("no results stored for 'E1' in sqlite:///") and out.endswith(
        "/appraise.db; that is the default store of this folder: give --cycle CYCLE.yaml to read the store a cycle "
        "writes to, or --store URL\n")
    assert "请用 --cycle CYCLE.yaml 读取周期文件所用的结果库" in cli("--lang", "zh-CN", "history", "E1", code=1)
    assert "2026-Q1" in cli("history", "E1", "--cycle", "cycle-2026-Q1.yaml")


def test_a_quarter_without_a_bonus_is_said_in_the_summary_and_the_years_settlement(company):
    """E1's target bonus left blank when Q1 was run: her Q1 bonus is null (SPEC: never 0). The run's summary gave only
    the total (75,000 for E2 and E3); it now says one person has no bonus. The year, run with the target restored,
    nets nothing for her Q1, and explain says so (it printed "— CNY")."""
    staff = company / "data/employees.csv"
    full = staff.read_text(encoding="utf-8")
    staff.write_text(full.replace("E1,Li Wei,rep,east,2020-01-01,,30000", "E1,Li Wei,rep,east,2020-01-01,,"),
                     encoding="utf-8")
    out = cli("run", "cycle-2026-Q1.yaml", "--no-render")
    assert ("  bonus total: 75,000 CNY; 1 without a bonus (null: no target bonus or no attainment; see results.csv)\n"
            in out)
    assert "；另有 1 人无奖金（空值：缺少目标奖金或达成率；见 results.csv）" in \
        cli("--lang", "zh-CN", "run", "cycle-2026-Q1.yaml", "--no-render")
    staff.write_text(full, encoding="utf-8")
    for q in (2, 3, 4):
        cli("run", f"cycle-2026-Q{q}.yaml", "--no-render")
    out = cli("run", "cycle-2026.yaml", "--no-render")
    assert "without a bonus" not in out
    # 150000 - (0 + 37500 + 12000 + 37500) = 63000
    assert (year_of(company, "E1")["bonus_paid"], year_of(company, "E1")["bonus"]) == ("87000", "63000")
    text = cli("explain", "cycle-2026.yaml", "E1")
    assert ("  already paid by reps for 2026-Q1: no bonus (null) → counted as 0\n"
            "  already paid by reps for 2026-Q2: 37500 CNY\n") in text


def test_the_year_reading_quarters_of_two_ruleset_versions_says_so(company):
    """The weights changed between Q2 and Q3 (reps version 2): the year reads each quarter as it was scored, and now
    says that it read two versions, and which quarters each (it said nothing; only `history` showed the versions)."""
    cli("run", "cycle-2026-Q1.yaml", "--no-render")
    cli("run", "cycle-2026-Q2.yaml", "--no-render")
    out = cli("run", "cycle-2026.yaml", "--no-render")
    assert "read:" not in out  # one version so far
    rules = company / "reps.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace('version: "1"', 'version: "2"')
                     .replace("multiplier: {A: 1.25,", "multiplier: {A: 1.5,"), encoding="utf-8")
    cli("run", "cycle-2026-Q3.yaml", "--no-render")
    cli("run", "cycle-2026-Q4.yaml", "--no-render")
    out = cli("run", "cycle-2026.yaml", "--no-render")
    assert ("  read:        reps in more than one version: 1 (2026-Q1, 2026-Q2), 2 (2026-Q3, 2026-Q4); each period "
            "as it was scored\n") in out
    zh = cli("--lang", "zh-CN", "run", "cycle-2026.yaml", "--no-render")
    assert ("  读取：      reps 的多个版本：1（2026-Q1、2026-Q2），2（2026-Q3、2026-Q4）；"
            "各期间按其当时的计算结果读取\n") in zh
    # Q4 (120k a month against 100k: an A) paid under version 2: 30000 x 1.5 = 45000; Q3 (90 %: B) 12000;
    # Q1 and Q2 37500 each under version 1: the year nets 132000 of its 150000
    assert (year_of(company, "E1")["bonus_paid"], year_of(company, "E1")["bonus"]) == ("132000", "18000")


def test_a_leave_date_column_named_otherwise_stops_the_run(company):
    """'Leave Date' for leave_date: E2, who left on 2026-07-20, was read as employed all of Q3 and paid the whole
    37,500 (prorated she is paid 8,152: tests/test_periods.py test 4), without a word. Now nothing is written."""
    staff = company / "data/employees.csv"
    staff.write_text(staff.read_text(encoding="utf-8").replace(",leave_date,", ",Leave Date,", 1), encoding="utf-8")
    out = cli("run", "cycle-2026-Q3.yaml", "--no-render", code=1)
    assert out.endswith("data/employees.csv:1:1: error: the employees table has a column 'Leave Date' but no "
                        "'leave_date'; the dates of employment are read from 'leave_date' only; rename it with "
                        "columns: {Leave Date: leave_date} (leave_date)\n1 error; nothing was written\n")
    zh = cli("--lang", "zh-CN", "run", "cycle-2026-Q3.yaml", "--no-render", code=1)
    assert ("员工表有 'Leave Date' 列，但没有 'leave_date' 列；入职和离职日期只从 'leave_date' 列读取; "
            "请用 columns: {Leave Date: leave_date} 重命名 (leave_date)") in zh
    assert not (company / "out/2026-Q3").exists()


def test_no_hire_date_column_for_a_prorating_ruleset_stops_the_run_at_the_header(company):
    """'hire date' (a space) for hire_date, with a ruleset that prorates by days: every employee was an error
    ('hire_date is empty') and the run stored an empty Q1 in place of the one before, which the year then netted as
    nothing paid. Now it stops at the header with the column meant (never leave_date, which means something else)."""
    cli("run", "cycle-2026-Q1.yaml", "--no-render")
    staff = company / "data/employees.csv"
    staff.write_text(staff.read_text(encoding="utf-8").replace(",hire_date,", ",hire date,", 1), encoding="utf-8")
    out = cli("run", "cycle-2026-Q1.yaml", "--no-render", code=1)
    assert "data/employees.csv:1:1: error: the employees table has a column 'hire date' but no 'hire_date'" in out
    # renamed to something else altogether: the column the ruleset needs is missing, said once at the header
    staff.write_text(staff.read_text(encoding="utf-8").replace(",hire date,", ",joined,", 1), encoding="utf-8")
    out = cli("run", "cycle-2026-Q1.yaml", "--no-render", code=1)
    assert out.endswith("data/employees.csv:1:1: error: the employees table has no column 'hire_date'; its columns: "
                        "id, name, role, team, joined, leave_date, target_bonus; add the column, or map yours with "
                        "columns: {<your column>: hire_date} (hire_date)\n1 error; nothing was written\n")
    doc = json.loads((company / "out/2026-Q1/results.json").read_text(encoding="utf-8"))
    assert len(doc["employees"]) == 3  # the stored Q1 and its folder are the first run's


def test_explain_of_a_stale_period_says_it_is_not_what_was_stored_and_paid(company):
    """Q2 corrected after the year was paid: explain works the year out from the store as it is now, so its numbers
    are not those the stored (stale) run paid; it now says so, with what was stored and the command to re-run."""
    for q in (1, 2, 3, 4):
        cli("run", f"cycle-2026-Q{q}.yaml", "--no-render")
    cli("run", "cycle-2026.yaml", "--no-render")
    assert "note:" not in cli("explain", "cycle-2026.yaml", "E1")  # nothing stale yet
    metrics = company / "data/metrics.csv"
    metrics.write_text(metrics.read_text(encoding="utf-8").replace("E1,2026-05,110000,", "E1,2026-05,80000,"),
                       encoding="utf-8")
    cli("run", "cycle-2026-Q2.yaml", "--no-render")
    out = cli("explain", "cycle-2026.yaml", "E1")
    # stored by run 5 (tests/test_periods.py test 2): 105, A, 25500
    assert ("note: the stored result of this period is stale; it is worked out here from the store as it is now, "
            "which may differ from what was stored and paid (stored for E1: score 105.00, grade A, bonus 25500):\n"
            "  2026 (annual, run 5) read 2026-Q2 of reps (net_of, dimension quarters): run 2, since replaced by run 6"
            ) in out
    zh = cli("--lang", "zh-CN", "explain", "cycle-2026.yaml", "E1")
    assert "注意：本期间已存的结果已过期" in zh and "（E1 的已存结果：得分 105.00，等级 A，奖金 25500）：" in zh
    doc = json.loads(cli("explain", "cycle-2026.yaml", "E1", "--format", "json"))
    assert (doc["stale"]["run"], doc["stale"]["stored"], doc["stale"]["rerun"]) == (
        5, {"score": 105.0, "grade": "A", "bonus": "25500"}, "appraise run cycle-2026.yaml")
