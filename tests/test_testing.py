"""``appraise test``: the shipped ruleset tests pass, wrong expectations fail at their file:line:col,
invalid test files exit 2 with located errors, coverage, output formats, the Python helper."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main
from appraise.tools.testing import discover, run_paths

HERE = Path(__file__).parent
ROOT = HERE.parent
RULESETS = ROOT / "rulesets"

SMALL = """\
ruleset: {ruleset}
cycle: 2026-Q3
context: {{price_war: false, restricted_regions: []}}
defaults:
  role: sales_rep
  team: t1
  region: east
  hire_date: 2020-01-01
  target_bonus: 20000
  metrics: {{revenue: 1000000, quota: 1000000, billed: 1000000, collected: 950000, gross_profit: 300000,
            qualified_leads: 100, won_deals: 25, visits: 60, orders: 100, complaints: 1,
            customers_start: 100, customers_retained: 90, new_product_revenue: 150000}}
  feedback360: {{manager: [5], peer: [5, 5, 5], customer: [5, 5, 5]}}
  okrs:
    - objective: Win
      key_results:
        - {{name: Contracts, start: 0, target: 3, current: 3}}
tests:
  - name: on target
    given:
      - {{id: R1}}
    expect:
      R1:
        score: {score}
        grade: A
        bonus: {bonus}
        rules_fired: {rules}
"""


@pytest.fixture(autouse=True)
def _shipped_ruleset_by_absolute_path(monkeypatch):
    # these test files live in tmp_path and name the shipped ruleset by its absolute path, outside their
    # workspace: allowed on purpose here (tests/test_security_confinement.py checks the refusal)
    monkeypatch.setenv("APPRAISE_ALLOW_OUTSIDE_PATHS", "1")


def run(*args, cwd=None):
    result = CliRunner().invoke(main, ["test", *map(str, args)])
    return result.exit_code, result.output


def small(tmp_path, name="small.test.yaml", *, score="100", bonus='"22000"', rules="[]", extra=""):
    path = tmp_path / name
    path.write_text(SMALL.format(ruleset=(RULESETS / "sales-team.yaml").as_posix(), score=score, bonus=bonus,
                                 rules=rules) + extra, encoding="utf-8")
    return path


def where(path: Path, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """(line, col) of the n-th occurrence of ``needle`` in a file (1-based)."""
    seen = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        col = line.find(needle)
        if col >= 0:
            seen += 1
            if seen == occurrence:
                return n, col + 1
    raise AssertionError(f"{needle!r} not in {path}")


# ---------------------------------------------------------------- the shipped tests

@pytest.fixture(scope="module")
def shipped():
    """One run of the shipped tests through the CLI (``rulesets/tests/ --min-coverage 100``, ~2.5 s of CPU): its
    exit code, its output and the report ``run_paths`` gave the command, for the three tests that read them."""
    import appraise.tools.testing as testing

    reports = []

    def recording(paths):
        reports.append(real(paths))
        return reports[-1]

    real = testing.run_paths
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        mp.setenv("APPRAISE_ALLOW_OUTSIDE_PATHS", "1")
        mp.setattr(testing, "run_paths", recording)
        code, out = run("rulesets/tests/", "--min-coverage", "100")
    assert len(reports) == 1
    return code, out, reports[0]


def test_shipped_ruleset_tests_pass(shipped):
    # with --min-coverage 100: every shipped ruleset is fully covered
    code, out, _ = shipped
    assert code == 0, out
    last = out.rstrip("\n").splitlines()[-1]
    assert last.endswith(" passed, 0 failed") and last == f"{int(last.split()[0])} passed, 0 failed"
    assert int(last.split()[0]) >= 20


def test_every_shipped_ruleset_has_tests_with_full_coverage(shipped):
    report = shipped[2]
    tested = {Path(k).name for k in report.coverage}
    assert tested == {p.name for p in RULESETS.glob("*.yaml")}
    for name, cov in report.coverage.items():
        assert cov.percent == 100.0, (name, [str(i) for i in cov.uncovered])


def test_default_path_is_rulesets_tests(monkeypatch, shipped):
    # without PATH the command tests what rulesets/tests/ holds: the files it hands on are those, and the
    # report of running them (the module's one run of them) reads as a pass
    import appraise.tools.testing as testing

    monkeypatch.chdir(ROOT)
    given = []

    def recording(paths):
        given.append([p.resolve() for p in discover(paths)])
        return shipped[2]

    monkeypatch.setattr(testing, "run_paths", recording)
    code, out = run()
    assert given == [discover([RULESETS / "tests"])] and len(given[0]) >= 5
    assert code == 0, out
    assert out.rstrip().splitlines()[-1].endswith(" passed, 0 failed")


def test_discovery_in_folders(tmp_path):
    (tmp_path / "tests").mkdir()
    a = tmp_path / "tests" / "a.yaml"
    b = tmp_path / "x.test.yml"
    c = tmp_path / "ruleset.yaml"
    for p in (a, b, c):
        p.write_text("{}", encoding="utf-8")
    assert discover([tmp_path]) == sorted([a, b])
    assert discover([c]) == [c]  # named explicitly: always a test file


# ---------------------------------------------------------------- failing expectations

def test_wrong_expectation_fails_at_its_line_and_column(tmp_path):
    path = small(tmp_path, score="99.5", bonus='"21000"')
    code, out = run(path)
    assert code == 1
    lines = out.rstrip("\n").splitlines()
    line, col = where(path, "99.5")
    assert f"{path}:{line}:{col}: R1 score: expected 99.5 (±0.005), got 100" in out
    line, col = where(path, '"21000"')
    assert f"{path}:{line}:{col}: R1 bonus: expected 21000, got 22000" in out
    test_line, test_col = where(path, "name: on target")
    assert lines[0] == f"FAIL {path}:{test_line}:{test_col}: on target"
    assert lines[-1] == "0 passed, 1 failed"


def test_a_wrong_expectation_in_a_copy_of_the_shipped_tests(tmp_path):
    # the brief's "deliberately wrong expectation": one number changed in the real test file
    copy = tmp_path / "sales-team.yaml"
    text = (RULESETS / "tests" / "sales-team.yaml").read_text(encoding="utf-8")
    text = text.replace("ruleset: ../sales-team.yaml", f"ruleset: {(RULESETS / 'sales-team.yaml').as_posix()}")
    assert "      S1: {score: 112.5, grade: S, bonus: \"39000\"}" in text
    text = text.replace("      S1: {score: 112.5, grade: S, bonus: \"39000\"}",
                        "      S1: {score: 112.5, grade: S, bonus: \"39500\"}")
    copy.write_text(text, encoding="utf-8")
    code, out = run(copy)
    assert code == 1
    line, col = where(copy, '"39500"')
    assert f"{copy}:{line}:{col}: S1 bonus: expected 39500, got 39000" in out
    n = len(list(run_paths([RULESETS / "tests" / "sales-team.yaml"]).results))
    assert out.rstrip().splitlines()[-1] == f"{n - 1} passed, 1 failed"


def test_money_compares_as_exact_decimals(tmp_path):
    for bonus in ('"22000"', "22000", '"22000.00"'):
        code, out = run(small(tmp_path, bonus=bonus))
        assert code == 0, (bonus, out)
    code, out = run(small(tmp_path, bonus='"22000.01"'))
    assert code == 1


def test_tolerance(tmp_path):
    assert run(small(tmp_path, score="100.004"))[0] == 0
    assert run(small(tmp_path, score="100.006"))[0] == 1
    path = small(tmp_path, score="100.5")
    path.write_text(path.read_text().replace("        score: 100.5", "        score: 100.5\n        tolerance: 1"))
    assert run(path)[0] == 0


def test_includes_and_excludes(tmp_path):
    assert run(small(tmp_path, rules="{excludes: [price-war]}"))[0] == 0
    path = small(tmp_path, rules="{includes: [price-war], excludes: [new-hire-ramp]}")
    code, out = run(path)
    assert code == 1
    line, col = where(path, "price-war]")
    assert f"{path}:{line}:{col}: R1 rules_fired: expected to include 'price-war', got []" in out


def test_exact_list_order_matters(tmp_path):
    extra = """\
  - name: price war and restricted region
    context: {price_war: true, restricted_regions: [east]}
    given:
      - {id: R2}
    expect:
      R2: {rules_fired: [market-entry-blocked, price-war]}
"""
    path = small(tmp_path, extra=extra)
    code, out = run(path)
    assert code == 1
    assert "R2 rules_fired: expected [market-entry-blocked, price-war], got [price-war, market-entry-blocked]" in out


def test_not_appraised_employee_fails_when_expected_numbers(tmp_path):
    extra = """\
  - name: hired after the quarter
    given:
      - {id: late, hire_date: 2026-10-01}
      - {id: early}
    expect:
      late: {score: 100}
      early: {appraised: false}
"""
    path = small(tmp_path, extra=extra)
    code, out = run(path)
    assert code == 1
    assert "late appraised: was not appraised: not employed in the test's period" in out
    assert "early appraised: expected not to be appraised, but got score 100, grade A" in out


# ---------------------------------------------------------------- invalid test files: exit 2, located

@pytest.mark.parametrize("change, needle, message", [
    (("    given:\n      - {id: R1}", "    given:\n      - {id: R1, revenu: 5}"), "revenu: 5",
     "'revenu' is not an attribute the ruleset declares"),
    (("  metrics: {revenue:", "  metrics: {revenu:"), "revenu:",
     "'revenu' is not a metric the ruleset declares; did you mean 'revenue'?"),
    (("quota: 1000000, billed", "quota: 1000000, collection_rate: 0.9, billed"), "collection_rate",
     "'collection_rate' is derived"),
    (("    expect:\n      R1:", "    expect:\n      R2:"), "R2:", "'R2' is not an employee given in this test"),
    (("        rules_fired: []", "        rules_fired: [price_war]"), "price_war]",
     "'price_war' is not a rule of the ruleset; did you mean 'price-war'?"),
    (("        grade: A", "        grade: AA"), "AA", "'AA' is not a grade"),
    (("  - name: on target", "  - name: on target\n    colour: red"), "colour", "unknown key 'colour'"),
    (("cycle: 2026-Q3", "cycle: 2026-Q5"), "2026-Q5", "write 2026-07 (month)"),
    (("context: {price_war: false, restricted_regions: []}", "context: {restricted_regions: []}"), "name: on target",
     "does not set context.price_war"),
])
def test_invalid_test_file_exits_2_at_file_line_col(tmp_path, change, needle, message):
    path = small(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    code, out = run(path)
    assert code == 2, out
    line, col = where(path, needle)
    hits = [row for row in out.splitlines() if row.startswith(f"{path}:{line}:") and message in row]
    assert hits, out
    assert out.rstrip().splitlines()[-1] == "0 passed, 0 failed"


def test_monthly_rows_outside_the_period_are_refused(tmp_path):
    path = small(tmp_path)
    text = path.read_text().replace("      - {id: R1}", "      - id: R1\n        metrics:\n"
                                    "          - {month: 2026-06, revenue: 1}\n")
    path.write_text(text)
    code, out = run(path)
    assert code == 2
    line, col = where(path, "2026-06")
    assert f"{path}:{line}:{col}: error: month 2026-06 is not in the test's period 2026-Q3" in out


def test_invalid_ruleset_is_reported_with_its_own_locations(tmp_path):
    bad = tmp_path / "bad.yaml"
    shutil.copy(HERE / "broken" / "weights-99-99.yaml", bad)
    path = tmp_path / "t.test.yaml"
    path.write_text("ruleset: bad.yaml\ncycle: 2026-Q3\ntests:\n  - name: x\n    given: [{id: a}]\n"
                    "    expect: {a: {score: 1}}\n")
    code, out = run(path)
    assert code == 2
    assert "error: the ruleset" in out and "is not valid" in out
    assert "bad.yaml:22:9: error: the weights of the KPIs of dimension 'results' add up to 99.99" in out


def test_anchors_are_refused_in_test_files_too(tmp_path):
    path = small(tmp_path)
    path.write_text(path.read_text().replace("      - {id: R1}", "      - &r {id: R1}"))
    code, out = run(path)
    assert code == 2 and "anchor '&r' is not allowed" in out


def test_appraise_validate_checks_a_named_test_file_against_its_schema(tmp_path):
    path = small(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    path.write_text(path.read_text().replace("  - name: on target", "  - nam: on target"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "unknown key 'nam'" in result.output


# ---------------------------------------------------------------- coverage

def test_coverage_lists_uncovered_items_at_their_ruleset_line(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = small(tmp_path)
    code, out = run(path, "--coverage")
    assert code == 0
    ruleset = "rulesets/sales-team.yaml"
    text = (ROOT / ruleset).read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(text, 1) if "- id: new-hire-ramp" in row)
    assert f"  not covered: {ruleset}:{line}:5: rule new-hire-ramp" in out
    line = next(n for n, row in enumerate(text, 1) if "{grade: S, min: 110}" in row)
    assert f"  not covered: {ruleset}:{line}:5: grade S" in out
    assert f"coverage of {ruleset}: 3 of 13 items (23.1%)" in out   # tiers 1 and 2, grade A
    assert out.rstrip().splitlines()[-1] == "1 passed, 0 failed"


def test_min_coverage(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = small(tmp_path)
    code, out = run(path, "--min-coverage", "50")
    assert code == 1
    assert out.rstrip().splitlines()[-1] == "1 passed, 0 failed"
    assert run(path, "--min-coverage", "20")[0] == 0  # (the shipped tests at 100: test_shipped_ruleset_tests_pass)


# ---------------------------------------------------------------- formats

def test_junit(tmp_path):
    path = small(tmp_path, score="99")
    code, out = run(path, "--format", "junit")
    assert code == 1
    suites = ET.fromstring(out)
    assert suites.get("tests") == "1" and suites.get("failures") == "1"
    failure = suites.find(".//testcase/failure")
    assert "R1 score: expected 99" in failure.text


def test_json(tmp_path):
    path = small(tmp_path, score="99")
    code, out = run(path, "--format", "json")
    doc = json.loads(out)
    assert (doc["passed"], doc["failed"], doc["summary"]) == (0, 1, "0 passed, 1 failed")
    [failure] = doc["tests"][0]["failures"]
    assert (failure["employee"], failure["what"], failure["expected"], failure["actual"]) == ("R1", "score", 99, 100.0)
    assert failure["line"] == where(path, "score: 99")[0]
    assert doc["coverage"]


def test_github_annotations(tmp_path):
    path = small(tmp_path, score="99")
    code, out = run(path, "--format", "github")
    line, col = where(path, "99")
    first = out.splitlines()[0]
    assert first.startswith(f"::error file={path},line={line},col={col},title=appraise test%3A on target::")
    assert out.rstrip().splitlines()[-1] == "0 passed, 1 failed"


def test_verbose_lists_passing_tests(tmp_path):
    code, out = run(small(tmp_path), "-v")
    assert code == 0 and out.splitlines()[0].startswith("PASS ") and out.splitlines()[0].endswith(": on target")


def test_no_test_files_is_a_usage_error(tmp_path, monkeypatch):
    # issue 18: a repository without tests yet passes with a notice (the pre-commit hook runs `appraise test`);
    # a path named on the command line that holds no tests is still a usage error
    monkeypatch.chdir(tmp_path)
    code, out = run()
    assert code == 0 and "notice: no ruleset tests yet" in out and "0 passed, 0 failed" in out
    (tmp_path / "rulesets").mkdir()
    code, out = run("rulesets")
    assert code == 2 and "no test files found" in out


# ---------------------------------------------------------------- the helper for ruleset authors

def test_run_paths_is_the_pytest_helper(shipped):
    report = shipped[2]  # what run_paths returned to the command
    assert report.failed == 0 and not report.diagnostics
    assert report.passed == len(report.results) > 0
    assert report.summary() == f"{report.passed} passed, 0 failed"


def test_schema_command_also_writes_the_test_schema(tmp_path):
    result = CliRunner().invoke(main, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "ruleset-test.schema.json").read_text(encoding="utf-8"))
    assert written == json.loads((ROOT / "schemas" / "ruleset-test.schema.json").read_text(encoding="utf-8"))


def test_shipped_test_files_carry_the_editor_modeline():
    for path in (RULESETS / "tests").glob("*.yaml"):
        assert path.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=../../schemas/ruleset-test.schema.json"), path


def test_amounts_paid_or_carried_in_must_be_amounts(tmp_path):
    # '22,000' or 'abc' as what a quarter paid was read as nothing paid: the test then "failed" on a bonus that
    # paid the quarters again, without saying why; now the file is refused at the value (exit 2)
    annual = tmp_path / "annual.test.yaml"
    text = (RULESETS / "tests" / "sales-annual.yaml").read_text(encoding="utf-8")
    text = text.replace("ruleset: ../sales-annual.yaml", f"ruleset: {(RULESETS / 'sales-annual.yaml').as_posix()}")
    assert "paid: {2026-Q1: 22000, 2026-Q2: 22000" in text
    annual.write_text(text.replace("paid: {2026-Q1: 22000, 2026-Q2: 22000",
                                   'paid: {2026-Q1: "22,000", 2026-Q2: abc'), encoding="utf-8")
    incentive = tmp_path / "incentive.test.yaml"
    text = (RULESETS / "tests" / "sales-incentive.yaml").read_text(encoding="utf-8")
    text = text.replace("ruleset: ../sales-incentive.yaml",
                        f"ruleset: {(RULESETS / 'sales-incentive.yaml').as_posix()}")
    assert "      - {id: R1}\n" in text
    incentive.write_text(text.replace("      - {id: R1}\n", "      - {id: R1, draw_balance: '3000 CNY', "
                                      "paid_this_year: {2026-Q1: '1.000,50', 2026-Q2: 7700}}\n", 1), encoding="utf-8")
    for path, needle, message in [
            (annual, '"22,000"', "paid for 2026-Q1 is '22,000', which is not an amount"),
            (annual, "abc,", "paid for 2026-Q2 is 'abc', which is not an amount"),
            (incentive, "'3000 CNY'", "draw_balance is '3000 CNY', which is not an amount"),
            (incentive, "'1.000,50'", "paid_this_year for 2026-Q1 is '1.000,50', which is not an amount")]:
        code, out = run(path)
        assert code == 2, out
        line, col = where(path, needle)
        assert f"{path}:{line}:{col}: error: {message}" in out, out
        assert out.rstrip().splitlines()[-1] == "0 passed, 0 failed"
