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
