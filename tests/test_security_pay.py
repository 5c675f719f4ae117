"""Issue 16, rater anonymity and pay: each attack of the issue performed through the CLI; each test fails if
the attack works again.  SECURITY.md lists these tests beside the claims they prove.

Expectations are worked out from the data the tests write (target bonuses, ratings), never from the code's
own output: e.g. the hostile ruleset scores everyone target_bonus / 1000, so those numbers must not appear.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main
from engine_inputs import EXAMPLE


def cli(*args: str):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output
    return res


def write_csv(path: Path, rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------ appraise diff --redact

# Twelve reps, target bonuses 20,500 + 1,300 i (all distinct); revenue 100,000 + 5,000 i a month against a
# quota of 100,000.  The old ruleset is an ordinary one; the hostile one is the issue's: KPI revenue / revenue
# (= 1) against target 100000 / target_bonus, so attainment = target_bonus / 100000 and score = target_bonus /
# 1000; it also tries to lower privacy.min_group to 2.
TARGET_BONUS = [20500 + 1300 * i for i in range(12)]
OLD = """id: reps
version: "1"
currency: CNY
attributes: {target_bonus: money, note: string}
metrics:
  revenue: {unit: money, aggregate: sum}
  quota: {unit: money, aggregate: sum}
scorecards:
  rep:
    dimensions:
      results:
        weight: 100
        kpis:
          revenue: {weight: 100, target: quota, curve: {cap: 2}}
grades: [{grade: S, min: 150}, {grade: A, min: 110}, {grade: B, min: 0}]
bonus:
  target: target_bonus
  attainment: revenue
  tiers: [{from: 0.8, pay: 1}]
  rounding: 1
"""
HOSTILE = """id: reps
version: "2"
currency: CNY
attributes: {target_bonus: money}
privacy: {min_group: 2}
metrics:
  revenue: {unit: money, aggregate: sum}
  quota: {unit: money, aggregate: sum}
  one: {unit: ratio, formula: revenue / revenue}
scorecards:
  rep:
    dimensions:
      results:
        weight: 100
        kpis:
          one: {weight: 100, target: 100000 / target_bonus, curve: {cap: 100}}
GRADES
bonus:
  target: target_bonus
  attainment: one
  tiers: [{from: 0.8, pay: 1}]
  rounding: 1
"""
# one grade per thousand: every rep alone in a grade; or one threshold that only the largest target bonus passes
FINE = "grades: [" + ", ".join(f"{{grade: G{t}, min: {t}}}" for t in range(40, 19, -1)) + ", {grade: G0, min: 0}]"
ONE_ABOVE = "grades: [{grade: X, min: 34.5}, {grade: Y, min: 0}]"


@pytest.fixture()
def reps(tmp_path) -> Path:
    write_csv(tmp_path / "employees.csv", [["id", "name", "hire_date", "target_bonus", "note"]] + [
        [f"R{i + 1:02d}", f"Person {i + 1}", "2020-01-01", t, f"private note {i + 1}"]
        for i, t in enumerate(TARGET_BONUS)])
    write_csv(tmp_path / "metrics.csv", [["employee", "month", "revenue", "quota"]] + [
        [f"R{i + 1:02d}", m, 100000 + 5000 * i, 100000] for i in range(12) for m in ("2026-07", "2026-08", "2026-09")])
    (tmp_path / "cycle.yaml").write_text(
        "cycle: 2026-Q3\nruleset: old.yaml\nsources:\n"
        "  - {provider: csv, path: employees.csv, kind: employees}\n  - {provider: csv, path: metrics.csv}\n"
        "store: sqlite:///out/appraise.db\noutput: out/2026-Q3\n", encoding="utf-8")
    (tmp_path / "old.yaml").write_text(OLD, encoding="utf-8")
    return tmp_path


def diff(work: Path, new: str, *extra: str):
    (work / "new.yaml").write_text(new, encoding="utf-8")
    return cli("diff", work / "old.yaml", work / "new.yaml", "--cycle", work / "cycle.yaml", *extra)


def personal_strings() -> list[str]:
    """What would identify a rep or give away their pay: ids, names, target bonuses, and the hostile scores
    target_bonus / 1000 as any report would print them."""
    out = []
    for i, t in enumerate(TARGET_BONUS):
        out += [f"R{i + 1:02d}", f"Person {i + 1}", str(t), f"{t:,}", f"{t / 1000:.2f}", f"{t / 1000:g}"]
    return out


@pytest.mark.parametrize("grades", [FINE, ONE_ABOVE], ids=["one-grade-per-person", "one-person-above"])
def test_a_hostile_ruleset_gets_no_per_person_value_out_of_a_redacted_diff(reps, grades):
    hostile = HOSTILE.replace("GRADES", grades)
    plain = json.loads(diff(reps, hostile, "--format", "json").output)
    # the attack is real: unredacted, every new score is that person's target bonus / 1000
    assert {e["id"]: e["new_score"] for e in plain["employees"]} == \
        {f"R{i + 1:02d}": round(t / 1000, 2) for i, t in enumerate(TARGET_BONUS)}
    for fmt in ("json", "markdown", "text"):
        res = diff(reps, hostile, "--format", fmt, "--redact")
        assert res.exit_code == 0, res.output
        leaked = [s for s in personal_strings() if re.search(rf"(?<![\w.,]){re.escape(s)}(?![\w]|[.,]\d)", res.output)]
        assert not leaked, (fmt, leaked)
    view = json.loads(diff(reps, hostile, "--format", "json", "--redact").output)
    n, k = 12, 5
    assert view["min_group"] == k  # the new ruleset's privacy.min_group: 2 does not lower the old one's 5
    assert not {"employees", "movers"} & set(view)
    # every count shown describes 0 people or a group of at least k; hidden cells cannot be worked out from
    # the cells shown and the total (nor, when it is shown, from the number of grades changed)
    cells = [c for row in view["migration"]["counts"] for c in row]
    assert all(c is None or c == 0 or c >= k for c in cells)
    assert sum(c is None for c in cells) != 1
    hidden_total = n - sum(c for c in cells if c)
    assert hidden_total == 0 or hidden_total >= k
    assert view["grades_changed"] in (None, 0, n) or k <= view["grades_changed"] <= n - k
    assert view["bonus_delta"] is None or view["bonus_changed_for"] in (0, n) or view["bonus_changed_for"] >= k
    if grades == ONE_ABOVE:
        # 1 X (the largest target bonus) and 11 Y: neither count may show (the 1, or the 11 of 12)
        assert not [c for c in cells if c not in (None, 0)]


def test_a_redacted_diff_refuses_a_ruleset_that_singles_out_one_person(reps):
    hostile = HOSTILE.replace("GRADES", "grades: [{grade: X, min: 50}, {grade: Y, min: 0}]").replace(
        "grades:", "rules: []\ngrades:").replace(
        "          one: {weight: 100, target: 100000 / target_bonus, curve: {cap: 100}}\n",
        "          one: {weight: 100, target: 1, curve: {cap: 100}}\n"
        "    adjustments:\n      - {id: probe, when: 'id == \"R07\" and target_bonus > 28000', points: 60}\n")
    res = diff(reps, hostile, "--format", "markdown", "--redact")
    assert res.exit_code == 2
    line = next(i + 1 for i, text in enumerate(hostile.splitlines()) if "id == " in text)
    assert re.search(rf"new\.yaml:{line}:\d+: error: 'id == \"R07\" and target_bonus > 28000' reads the employee's id",
                     res.output), res.output
    assert "Grade migration" not in res.output and "grades changed" not in res.output.lower()


def test_a_redacted_diff_does_not_quote_data_cells(reps):
    # the new ruleset declares a text column as a number: every cell would be quoted in a data error on stderr
    hostile = OLD.replace("note: string", "note: number").replace('version: "1"', 'version: "2"')
    (reps / "old.yaml").write_text(OLD.replace("attributes: {target_bonus: money, note: string}",
                                               "attributes: {target_bonus: money}"), encoding="utf-8")
    plain = diff(reps, hostile)
    assert plain.exit_code == 2 and "private note 3" in plain.output  # the attack is real without --redact
    res = diff(reps, hostile, "--redact")
    assert res.exit_code == 2
    assert "private note" not in res.output
    assert re.search(r"employees\.csv:4:\d+: error: a data problem \(data-not-a-number\)", res.output), res.output


def test_min_raters_below_2_is_refused_and_2_is_a_warning(tmp_path):
    work = tmp_path / "ex"
    shutil.copytree(EXAMPLE, work)
    ruleset = work / "sales-team.yaml"
    line = next(i + 1 for i, t in enumerate(ruleset.read_text(encoding="utf-8").splitlines()) if "min_raters" in t)
    edit(ruleset, "min_raters: {manager: 1, peer: 3, customer: 3}", "min_raters: {manager: 1, peer: 2, customer: 1}")
    res = cli("validate", ruleset)
    assert res.exit_code == 1
    text = ruleset.read_text(encoding="utf-8").splitlines()[line - 1]
    peer, customer = text.index("peer: 2") + len("peer: ") + 1, text.index("customer: 1") + len("customer: ") + 1
    assert f"sales-team.yaml:{line}:{customer}: error: min_raters 1 for 'customer'" in res.output
    assert f"sales-team.yaml:{line}:{peer}: warning: min_raters 2 for 'peer'" in res.output
    # the hidden source cannot surface through a diff (or a run) either
    res = cli("diff", EXAMPLE / "sales-team.yaml", ruleset, "--cycle", EXAMPLE / "cycle-q3.yaml", "--redact")
    assert res.exit_code == 2 and "min_raters 1 for 'customer'" in res.output
    # one number for every relation: refused when it covers a relation other than manager and self
    edit(ruleset, "min_raters: {manager: 1, peer: 2, customer: 1}", "min_raters: 1")
    assert "min_raters 1 for 'peer', 'customer'" in cli("validate", ruleset).output


# ------------------------------------------------------------------ rater ids

@pytest.fixture()
def example(tmp_path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "ex")
    return tmp_path / "ex"


def test_rater_ids_appear_in_no_message_output_or_store(example):
    table = read_csv(example / "data/feedback.csv")
    raters = {r[1] for r in table[1:]}
    # E002's first Q3 peer row rated 7 (scale 1-5), and a duplicate of E003's first Q3 rating by the same rater
    i = next(i for i, r in enumerate(table) if r[0] == "E002" and r[2] == "peer" and r[5] == "2026-Q3")
    table[i][4] = "7"
    j = next(j for j, r in enumerate(table) if r[0] == "E003" and r[5] == "2026-Q3")
    table.append(list(table[j]))
    write_csv(example / "data/feedback.csv", table)
    cycle = example / "cycle-q3.yaml"

    def no_rater(text: str, where: str) -> None:
        named = [r for r in raters if re.search(rf"(?<![\w-]){re.escape(r)}(?![\w-])", text)]
        assert not named, f"rater ids {named} in {where}"

    failed = cli("run", cycle, "--no-render")  # on_error: fail: the messages go to stderr (CI logs)
    assert failed.exit_code == 1
    assert f"feedback.csv:{i + 1}:5: error: rating 7 for E002 is outside the scale 1–5" in failed.output
    assert f"feedback.csv:{len(table)}:2: error: rating (E003, " in failed.output
    assert "by the same rater appears twice" in failed.output
    no_rater(failed.output, "stderr")
    store = sqlite3.connect(example / "out/appraise.db")
    messages = [m for (m,) in store.execute("SELECT message FROM runs")]
    store.close()
    assert messages and all(m for m in messages)
    no_rater("\n".join(messages), "the store's run message")

    edit(cycle, "output:", "on_error: skip-employee\noutput:")  # the run goes on: errors.csv and results.json
    res = cli("run", cycle, "--no-render")
    assert res.exit_code == 0, res.output
    no_rater(res.output, "stdout and stderr")
    out = example / "out/2026-Q3"
    errors = read_csv(out / "errors.csv")
    assert {r[3] for r in errors[1:] if r[5] == "error"} == {"E002", "E003"}
    no_rater((out / "errors.csv").read_text(encoding="utf-8-sig"), "errors.csv")
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {e["employee"] for e in doc["errors"]} == {"E002", "E003"}
    no_rater(json.dumps(doc["errors"], ensure_ascii=False), "results.json errors")


def test_blank_360_rows_are_no_raters_in_pages_explain_or_store(tmp_path):
    """Two of E005's three Q3 customer raters with blank ratings must give exactly what leaving their rows
    out gives (1 customer rater, below min_raters 3: not shown) in every page, in explain and in the store.
    (tests/test_no_wrong_pay.py::test_blank_360_ratings_do_not_count_as_raters checks results.json.)"""
    runs = {}
    for mode in ("blank", "absent"):
        work = tmp_path / mode
        shutil.copytree(EXAMPLE, work)
        table = read_csv(work / "data/feedback.csv")
        customers = sorted({r[1] for r in table[1:] if r[0] == "E005" and r[2] == "customer" and r[5] == "2026-Q3"})
        assert len(customers) == 3
        kept = [table[0]]
        for r in table[1:]:
            if r[0] == "E005" and r[2] == "customer" and r[5] == "2026-Q3" and r[1] != customers[0]:
                if mode == "absent":
                    continue
                r[4] = ""
            kept.append(r)
        write_csv(work / "data/feedback.csv", kept)
        assert cli("run", work / "cycle-q3.yaml", "-q").exit_code == 0
        out = work / "out/2026-Q3"
        files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
                 if p.is_file() and p.name != "manifest.json"}  # the manifest holds the input's sha256
        explain = [cli("explain", work / "cycle-q3.yaml", "E005", "--format", f).output for f in ("text", "json")]
        store = sqlite3.connect(work / "out/appraise.db")
        stored = store.execute("SELECT employee, score, grade, bonus, entry FROM results ORDER BY employee").fetchall()
        store.close()
        runs[mode] = (files, explain, stored)
        e005 = json.loads(next(row[4] for row in stored if row[0] == "E005"))
        assert "customer" not in e005["dimensions"]["feedback"]["sources"]
    blank, absent = runs["blank"], runs["absent"]
    assert sorted(blank[0]) == sorted(absent[0]) and "dashboards/E005.html" in blank[0]
    assert [name for name in blank[0] if blank[0][name] != absent[0][name]] == []
    assert blank[1] == absent[1]
    assert blank[2] == absent[2]


# ------------------------------------------------------------------ redacted exports

def test_a_redacted_run_exports_nothing_pay_can_be_computed_from(example):
    """The excess part of pay is rate x (actual - above x target) of the bonus KPI, so a redacted export must
    hold no bonus amount and no KPI actual or target (worked example: E001's revenue is 1,350,000 against a
    target of 1,080,000, bonus 41,100)."""
    table = read_csv(example / "data/metrics.csv")
    head = table[0]
    revenue = {}
    quota = {}
    for r in table[1:]:
        if r[1] in ("2026-07", "2026-08", "2026-09"):
            revenue[r[0]] = revenue.get(r[0], 0) + Decimal(r[head.index("revenue")])
            quota[r[0]] = quota.get(r[0], 0) + Decimal(r[head.index("quota")])
    assert revenue["E001"] == 1350000
    res = cli("run", example / "cycle-q3.yaml", "--redact", "-q")
    assert res.exit_code == 0, res.output
    out = example / "out/2026-Q3"
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for e in doc["employees"]:
        assert not {"bonus", "bonus_detail", "bonus_gross", "bonus_paid"} & set(e)
        for path, kpi in e["kpis"].items():
            assert not {"actual", "target"} & set(kpi), (e["id"], path)
            assert {"attainment", "score", "weight"} <= set(kpi)
    texts = {"results.json": (out / "results.json").read_text(encoding="utf-8"),
             "results.csv": (out / "results.csv").read_text(encoding="utf-8-sig"),
             "errors.csv": (out / "errors.csv").read_text(encoding="utf-8-sig")}
    with zipfile.ZipFile(out / "results.xlsx") as z:
        texts["results.xlsx"] = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    amounts = set()
    for emp in revenue:  # quarterly revenue and target (the new-hire ramp halves E002's), in any spelling
        for v in (revenue[emp], quota[emp], quota[emp] / 2):
            amounts |= {f"{v:f}", f"{v:.1f}", f"{v:,f}"}
    amounts |= {"41100", "41,100", "122900", "122,900"}  # E001's bonus; the bonus total
    for name, text in texts.items():
        found = [a for a in amounts if re.search(rf"(?<![\d.,]){re.escape(a)}(?![\d])", text)]
        assert not found, (name, found)
    header = read_csv(out / "results.csv")[0]
    assert "bonus" not in header
    with zipfile.ZipFile(out / "results.xlsx") as z:
        shared = z.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in z.namelist() else ""
    assert ".actual" not in texts["results.xlsx"] + shared and ".target" not in texts["results.xlsx"] + shared
