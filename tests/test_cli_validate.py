"""``appraise validate`` and ``appraise schema`` end to end, on real files."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main

HERE = Path(__file__).parent
ROOT = HERE.parent
EXAMPLE = HERE / "fixtures" / "example"
BROKEN = HERE / "broken"


def run(*args):
    result = CliRunner().invoke(main, list(map(str, args)))
    return result.exit_code, result.output


def test_valid_rulesets_exit_0():
    code, out = run("validate", ROOT / "rulesets")
    assert code == 0, out
    # sales-team, sales-manager, sales-annual, process-review, sales-incentive
    assert out.strip().splitlines()[-1] == "5 files valid"


def test_the_example_folder_exits_0():
    code, out = run("validate", EXAMPLE)
    assert code == 0, out
    assert out.strip() == "3 files valid"


def test_invalid_file_exits_1_with_every_error_and_a_summary():
    code, out = run("validate", BROKEN / "several-errors.yaml", ROOT / "rulesets")
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 6
    assert lines[0].startswith(f"{os.path.relpath(BROKEN / 'several-errors.yaml')}:11:11: error: 'no' is not one of")
    assert lines[0].endswith("(attributes.region)")
    assert lines[-1] == "5 errors in 1 of 6 files"  # the broken file and the five shipped rulesets


def test_usage_errors_exit_2():
    assert run("validate")[0] == 2
    code, out = run("validate", "does/not/exist.yaml")
    assert code == 2 and "no such file or folder: does/not/exist.yaml" in out
    assert run("validate", "--format", "xml", ROOT / "rulesets")[0] == 2


def test_json_format():
    code, out = run("validate", "--format", "json", BROKEN / "weights-99-99.yaml")
    assert code == 1
    data = json.loads(out)
    assert data["valid"] is False
    [d] = data["diagnostics"]
    assert (d["line"], d["col"], d["path"]) == (22, 9, "scorecards.rep.dimensions.results.kpis")
    assert "99.99" in d["message"] and d["hint"]


def test_github_format():
    code, out = run("validate", "--format", "github", BROKEN / "weights-99-99.yaml")
    first = out.splitlines()[0]
    assert first.startswith("::error file=") and ",line=22,col=9," in first
    assert "add up to 99.99" in first


def test_sarif_format():
    code, out = run("validate", "--format", "sarif", BROKEN / "several-errors.yaml")
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    assert len(results) == 5
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 11, "startColumn": 11}
    rules = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} <= rules


def test_junit_format():
    code, out = run("validate", "--format", "junit", BROKEN / "several-errors.yaml", ROOT / "rulesets")
    suites = ET.fromstring(out)
    # rulesets/tests/*.yaml (ruleset test cases) are listed as skipped
    cases = [c for c in suites.findall(".//testcase") if c.find("skipped") is None]
    assert len(cases) == 6  # the broken file and the five shipped rulesets
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 1 and failed[0].get("name").endswith("several-errors.yaml")
    assert "5 problems" == failed[0].find("failure").get("message")


def test_schema_command_writes_both_schemas(tmp_path):
    code, out = run("schema", "--out", tmp_path / "s")
    assert code == 0, out
    for name in ("ruleset", "cycle"):
        written = json.loads((tmp_path / "s" / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert written == json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


def test_written_schema_validates_the_example_with_an_off_the_shelf_tool(tmp_path):
    """Editors and check-jsonschema see the same schema appraise uses."""
    import yaml
    from jsonschema import Draft7Validator

    schema = json.loads((ROOT / "schemas" / "ruleset.schema.json").read_text(encoding="utf-8"))
    data = yaml.safe_load((EXAMPLE / "sales-team.yaml").read_text(encoding="utf-8"))
    assert list(Draft7Validator(schema).iter_errors(data)) == []


def test_real_process_is_fast_and_never_imports_polars():
    code = ("import sys\nfrom appraise.cli import main\n"
            "try:\n    main(['validate', sys.argv[1]])\nexcept SystemExit as e:\n    rc = e.code\n"
            "print('RC', rc, 'polars' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code, str(EXAMPLE)], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "RC 0 False", done.stdout + done.stderr


@pytest.mark.parametrize("path", ["rulesets", "tests/fixtures/example"])
def test_appraise_validate_as_a_command(path):
    exe = Path(sys.executable).with_name("appraise")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "appraise"]
    done = subprocess.run([*cmd, "validate", path], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


# ---------------------------------------------------------------- what people type: '%' and a Chinese keyboard

def _at(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """(line, col) of ``needle``'s character ``offset`` in ``text`` (the needle occurs once)."""
    assert text.count(needle) == 1, needle
    i = text.index(needle) + offset
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def _validated(tmp_path, monkeypatch, edits, name="sales-team.yaml", lang="en"):
    """The example's ruleset with ``edits`` (old, new) applied, validated: ({path: diagnostic}, the text)."""
    text = (EXAMPLE / name).read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("APPRAISE_LANG", lang)
    code, out = run("validate", "--format", "json", tmp_path / name)
    assert code == 1, out
    return {d["path"]: d for d in json.loads(out)["diagnostics"]}, text


def test_a_percent_sign_gets_the_number_that_fits_its_place(tmp_path, monkeypatch):
    found, text = _validated(tmp_path, monkeypatch, [
        ("{weight: 30, target: 0.95", "{weight: 30%, target: 0.95"),
        ("max_share: {S: 0.1", "max_share: {S: 10%"),
        ("{from: 0.8, pay: 0.4}", "{from: 80%, pay: 40%}"),
        ("{S: 1.2, A: 1.1", "{S: 120%, A: 1.1"),
        ("{grade: A, min: 95}", "{grade: A, min: 95%}"),
        ("points: -5", "points: -5%"),
        ("to: strategy, points: 5}", "to: strategy, points: 5%}"),
        ("{strategy.retention_rate: 70}", "{strategy.retention_rate: 70%}"),
        ("curve: {floor: 0.5, cap: 1.5}", "curve: {floor: 50%, cap: 1.5}"),
    ])
    hints = {path: d["hint"] for path, d in found.items()}
    assert hints == {
        "scorecards.sales_rep.dimensions.results.kpis.collection_rate.weight":
            "weights are points (the weights side by side add up to 100): write 30, not 30%",
        "calibration.max_share.S": "a share is a fraction: write 0.1 for 10%",
        "bonus.tiers[0].from": "attainment is a fraction of the target (1.0 = 100%): write 0.8 for 80%",
        "bonus.tiers[0].pay": "a share is a fraction: write 0.4 for 40%",
        "bonus.multiplier.S": "a factor is a plain number (1.0 = 100%): write 1.2 for 120%",
        "grades[1].min": "scores are points (100 = the target met): write 95, not 95%",
        "scorecards.sales_rep.adjustments[0].points": "an adjustment is points added to the score: write -5, not -5%",
        "rules[0].then[1].shift.points": "points of weight are points, not a share: write 5, not 5%",
        "rules[0].then[0].set.strategy.retention_rate":
            "weights are points (the weights side by side add up to 100): write 70, not 70%",
        "scorecards.sales_rep.dimensions.results.kpis.revenue.curve.floor":
            "attainment is a fraction of the target (1.0 = 100%): write 0.5 for 50%",
    }
    d = found["bonus.multiplier.S"]
    assert (d["line"], d["col"]) == _at(text, "{S: 120%", 4)


def test_a_percent_in_an_expression_or_target_is_worded_for_what_it_is_compared_with(tmp_path, monkeypatch):
    found, text = _validated(tmp_path, monkeypatch, [
        ("when: complaint_rate > 0.05", "when: complaint_rate > 5%"),
        ("{weight: 30, target: 0.95", "{weight: 30, target: 95%"),
        ("{weight: 50, target: quota,", "{weight: 50, target: 80%,"),
        ('when: grade in ["S", "A"] and previous', 'when: score >= 95 % and previous'),
    ])
    adj = found["scorecards.sales_rep.adjustments[0].when"]
    assert (adj["line"], adj["col"]) == _at(text, "> 5%", 2)  # at the number, not at the end of the line
    assert adj["message"].endswith("'5%' is not a number: rule files have no '%' sign")
    assert adj["hint"] == "'complaint_rate' is a ratio, a fraction: write 0.05 for 5%: complaint_rate > 0.05"
    ratio = found["scorecards.sales_rep.dimensions.results.kpis.collection_rate.target"]
    assert ratio["hint"] == "'collection_rate' is a ratio, a fraction: write 0.95 for 95%"
    money = found["scorecards.sales_rep.dimensions.results.kpis.revenue.target"]
    assert money["hint"] == ("a target is in its KPI's unit (money), so 'revenue' cannot be 80%; for 80% of another "
                             "figure write an expression such as quota * 0.8")
    score = found["outcomes[1].when"]
    assert score["hint"] == ("scores are points (100 = the target met): write 95, not 95%: "
                             'score >= 95 and previous.grade in ["S", "A"]')
    assert not any("ends too early" in d["message"] for d in found.values())


def test_full_width_punctuation_in_values_and_expressions(tmp_path, monkeypatch):
    found, text = _validated(tmp_path, monkeypatch, [
        ('when: grade in ["C", "D"]', 'when: grade in [“C”, “D”]'),
        ("currency: CNY", "currency: CNY，"),
    ])
    expr = found["outcomes[0].when"]
    assert (expr["line"], expr["col"]) == _at(text, "[“C”", 1)
    assert expr["hint"] == 'write: grade in ["C", "D"]'
    cur = found["currency"]
    assert (cur["line"], cur["col"]) == _at(text, "CNY，", 3)
    assert cur["hint"] == ("it has the full-width comma '，' (typed with a Chinese keyboard) where ',' is meant; "
                           "write: CNY")


def test_percent_and_full_width_messages_in_chinese(tmp_path, monkeypatch):
    found, _ = _validated(tmp_path, monkeypatch, [
        ("{weight: 30, target: 0.95", "{weight: 30%, target: 0.95"),
        ("when: complaint_rate > 0.05", "when: complaint_rate ＞ 0.05"),
    ], lang="zh-CN")
    weight = found["scorecards.sales_rep.dimensions.results.kpis.collection_rate.weight"]
    assert weight["hint"] == "权重以分值表示（同级权重合计 100）：请写 30，不要写 30%"
    expr = found["scorecards.sales_rep.adjustments[0].when"]
    assert expr["message"].endswith("表达式中有全角大于号“＞”（中文输入法），应为半角的“>”")
    assert expr["hint"] == "请切换到英文输入法，改为：complaint_rate > 0.05"


def test_percent_signs_in_test_files_and_cycles(tmp_path, monkeypatch):
    import shutil

    monkeypatch.setenv("APPRAISE_LANG", "en")
    shutil.copytree(EXAMPLE, tmp_path / "ex")
    tests = tmp_path / "ex" / "sales-team.test.yaml"
    tests.write_text("ruleset: sales-team.yaml\ncycle: 2026-Q3\ntests:\n  - name: t\n    given:\n"
                     "      - {id: R1, role: sales_rep, metrics: {visits: 60%}}\n"
                     "    expect:\n      R1: {score: 100%, kpis: {results.revenue: {attainment: 95%, weight: 50%}}}\n",
                     encoding="utf-8")
    code, out = run("validate", "--format", "json", tests)
    hints = {d["path"]: d["hint"] for d in json.loads(out)["diagnostics"]}
    assert hints == {
        "tests[0].given[0].metrics.visits": "write it in its metric's unit: 0.6 for 60% if it is a ratio, 60 if it "
                                            "is in percent",
        "tests[0].expect.R1.score": "scores are points (100 = the target met): write 100, not 100%",
        "tests[0].expect.R1.kpis.results.revenue.attainment":
            "attainment is a fraction of the target (1.0 = 100%): write 0.95 for 95%",
        "tests[0].expect.R1.kpis.results.revenue.weight":
            "weights are points (the weights side by side add up to 100): write 50, not 50%",
    }
    rs = tmp_path / "ex" / "sales-team.yaml"
    rs.write_text(rs.read_text(encoding="utf-8").replace("when: context.price_war", "when: context.growth > 0.05"),
                  encoding="utf-8")
    cycle = tmp_path / "ex" / "cycle-q3.yaml"
    cycle.write_text(cycle.read_text(encoding="utf-8").replace("price_war: true", "growth: 5%"), encoding="utf-8")
    code, out = run("validate", "--format", "json", cycle)
    [d] = json.loads(out)["diagnostics"]
    assert d["path"] == "context.growth"
    assert d["hint"] == "write the number without '%': 0.05 for a share of 5%, 5 for points"
    (tmp_path / "ex" / "overrides.yaml").write_text(
        '- {id: E004, score: 72%, reason: "booked late", by: Li Na, date: 2026-10-08}\n', encoding="utf-8")
    cycle.write_text(cycle.read_text(encoding="utf-8").replace("growth: 5%", "growth: 0.05")
                     + "overrides: overrides.yaml\n", encoding="utf-8")
    code, out = run("validate", "--format", "json", cycle)
    [d] = json.loads(out)["diagnostics"]
    assert (d["path"], d["hint"]) == ("[0].score", "scores are points (100 = the target met): write 72, not 72%")
