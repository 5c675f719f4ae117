"""``appraise diff``: the example cycle under the example ruleset and a variant (price-war removed, 15 points
moved from results to 360), Kendall's tau-b against a brute-force count, and the CLI formats."""
from __future__ import annotations

import json
import math
import os
from decimal import Decimal
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.api import evaluate_cycle
from appraise.cli import main
from appraise.tools.diff import diff_cycle, kendall_tau_b, parse_threshold, render

HERE = Path(__file__).parent
EXAMPLE = HERE / "fixtures" / "example"
OLD = EXAMPLE / "sales-team.yaml"
NEW = HERE / "fixtures" / "diff" / "sales-team-variant.yaml"
CYCLE = EXAMPLE / "cycle-q3.yaml"


@pytest.fixture(scope="module")
def d():
    return diff_cycle(OLD, NEW, CYCLE)


def test_old_side_is_what_the_engine_gives_for_the_cycle(d):
    # the diff evaluates through the real engine: its "old" numbers are evaluate_cycle's (no previous)
    doc = evaluate_cycle(CYCLE)
    for e in doc["employees"]:
        change = next(c for c in d.employees if c.id == e["id"])
        assert (change.old_score, change.old_grade, change.old_bonus) == (e["score"], e["grade"], Decimal(e["bonus"]))


def test_bonus_delta_is_the_sum_of_employee_deltas_in_exact_decimals(d):
    assert d.bonus_delta == sum((e.bonus_delta for e in d.employees), Decimal(0))
    assert d.bonus_delta == d.total_new - d.total_old
    assert d.total_old == Decimal("122900") and d.bonus_delta == Decimal("-2800")
    assert all(isinstance(e.bonus_delta, Decimal) for e in d.employees)


def test_migration_matrix_counts_every_employee_once(d):
    assert sum(d.migration.values()) == len(d.both) == len(d.employees) == 5
    assert d.migration[("S", "A")] == 1           # E005 loses the S when results weigh less
    assert d.grades_changed == 1
    e005 = next(e for e in d.employees if e.id == "E005")
    assert (e005.old_grade, e005.new_grade, e005.bonus_delta) == ("S", "A", Decimal("-2800"))


# The variant's scores, worked out by hand from the dimension and KPI scores of fixtures/example/expected-q3.json
# (scores do not depend on weights): without price-war, strategy weighs its two KPIs 50/50 again (E003 keeps
# retention only: market-entry-blocked), and the weights are results 35, process 15, strategy 10, objectives 10,
# 360 feedback 30.  E001: 115.4211*.35 + 116.25*.15 + (133.3333+106.8376)/2*.10 + 79.7619*.10 + 91.3333*.30 = 105.22;
# E002 (no objectives: the other 90 points scaled to 100): (95.8903*35 + 89.8148*15 + (92.5926+110)/2*10 + 80*30)/90
# = 90.18; E003: 103.4352*.35 + 105.8333*.15 + 108.6957*.10 + 83.3333*.10 + 79.5*.30 = 95.13; E004: 74.7018*.35
# + 54.7222*.15 + (26.6667+87.7193)/2*.10 + 20*.10 + 55.2381*.30 - 5 (complaints) = 53.64; E005: 117.2722*.35
# + 120*.15 + (150+109.2896)/2*.10 + 100*.10 + 92*.30 = 109.61.
OLD_SCORES = {"E001": 108.27, "E002": 93.71, "E003": 98.98, "E004": 57.52, "E005": 112.80}  # expected-q3.json
NEW_SCORES = {"E001": 105.22, "E002": 90.18, "E003": 95.13, "E004": 53.64, "E005": 109.61}


def test_tau_and_movers(d):
    assert {e.id: (e.old_score, e.new_score) for e in d.both} == {
        k: (pytest.approx(OLD_SCORES[k], abs=0.01), pytest.approx(NEW_SCORES[k], abs=0.01)) for k in OLD_SCORES}
    # both rankings are E005 > E001 > E003 > E002 > E004: all 10 pairs concordant, no ties, so tau-b is 1
    assert d.tau == pytest.approx(1.0)
    # every score fell: E001 -3.05, E002 -3.53, E003 -3.85, E004 -3.88, E005 -3.19; biggest fall first
    assert {e.id: e.score_delta for e in d.both} == {
        "E001": pytest.approx(-3.05), "E002": pytest.approx(-3.53), "E003": pytest.approx(-3.85),
        "E004": pytest.approx(-3.88), "E005": pytest.approx(-3.19)}
    assert [m.id for m in d.movers()] == ["E004", "E003", "E002", "E005", "E001"]
    assert [m.id for m in d.movers(limit=2)] == ["E004", "E003"]


def test_removed_rule_lost_everyone_it_fired_for(d):
    [rule] = d.rules
    assert (rule.id, rule.status, rule.old_count, rule.new_count) == ("price-war", "removed", 5, 0)
    assert rule.lost == ["E001", "E002", "E003", "E004", "E005"] and rule.gained == []


def test_note_says_previous_is_not_loaded(d):
    assert any("previous" in n and "regional-expansion-priority" in n for n in d.notes)


def test_same_ruleset_changes_nothing():
    same = diff_cycle(OLD, OLD, CYCLE)
    assert same.bonus_delta == 0 and same.grades_changed == 0 and same.rules == [] and same.movers() == []
    assert same.tau == pytest.approx(1.0)
    # everyone keeps the grade of expected-q3.json: E005 S, E001 A, E002 and E003 B, E004 D
    assert same.migration == {("S", "S"): 1, ("A", "A"): 1, ("B", "B"): 2, ("D", "D"): 1}


def test_markdown_has_tables_for_a_pull_request_comment(d):
    md = render(d, "markdown")
    assert "| old \\ new | S | A | B | C | D | total |" in md
    assert "| Total bonus (CNY) | 122,900 | 120,100 | -2,800 |" in md
    assert "| `price-war` | removed | 5 → 0 | – | 5: E001, E002, E003, E004, E005 |" in md
    assert "S → **A**" in md
    assert md.rstrip().splitlines()[-1].startswith("> Note: previous-period results are not loaded")


def test_readme_shows_the_current_markdown(d):
    # the README section pastes this exact output; keep them in step
    readme = (HERE.parent / "README.md").read_text(encoding="utf-8")
    old_cwd = os.getcwd()
    os.chdir(HERE.parent)
    try:
        md = render(diff_cycle("tests/fixtures/example/sales-team.yaml", "tests/fixtures/diff/sales-team-variant.yaml",
                               "tests/fixtures/example/cycle-q3.yaml"), "markdown")
    finally:
        os.chdir(old_cwd)
    assert md.strip() in readme


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_cli_formats(fmt):
    result = CliRunner().invoke(main, ["diff", str(OLD), str(NEW), "--cycle", str(CYCLE), "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        doc = json.loads(result.output)
        assert doc["bonus"] == {"old": "122900", "new": "120100", "delta": "-2800"}
        assert sum(map(sum, doc["migration"]["counts"])) == doc["employees_compared"] == 5
        assert doc["rules"][0]["lost"] == ["E001", "E002", "E003", "E004", "E005"]
        assert Decimal(doc["bonus"]["delta"]) == sum(Decimal(e["bonus_delta"]) for e in doc["employees"])
    elif fmt == "text":
        assert "price-war (removed): fired 5 -> 0" in result.output


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_redacted_diff_names_nobody_and_pays_nobody(d, fmt):
    result = CliRunner().invoke(main, ["diff", str(OLD), str(NEW), "--cycle", str(CYCLE), "--format", fmt,
                                       "--redact"])
    assert result.exit_code == 0, result.output
    out = result.output
    names = [e.name for e in d.employees]
    assert names and not [n for n in names if n in out]
    assert not [e.id for e in d.employees if e.id in out]  # aggregates only (issue 16): no ids either
    for e in d.employees:  # no one's own amounts or scores
        for amount in (e.old_bonus, e.new_bonus):
            if amount:
                assert f"{amount:,f}" not in out and f'"{amount:f}"' not in out
        for score in (e.old_score, e.new_score):
            assert f"{score:.2f}" not in out and f"{score}" not in out
    # only E005's bonus changed (-2,800): a group of one, below privacy.min_group (5), so the cost change is
    # hidden; the one grade change (S -> A) is hidden too; the rule fired for all 5, then none: shown
    assert "2,800" not in out and "2800" not in out
    if fmt == "json":
        doc = json.loads(out)
        assert doc["redacted"] is True and doc["min_group"] == 5 and doc["employees_compared"] == 5
        assert doc["bonus_delta"] is None and doc["grades_changed"] is None
        assert "employees" not in doc and "movers" not in doc
        assert doc["rules"] == [{"id": "price-war", "status": "removed", "old_count": 5, "new_count": 0}]
        # every non-empty cell is 1 or 2 people: all hidden; the empty ones are shown as 0
        assert [c for row in doc["migration"]["counts"] for c in row if c is not None] == [0] * 21
    else:
        assert "redacted" in out.lower()
        assert ("5 → 0" if fmt == "markdown" else "fired 5 -> 0") in out
    # unredacted, the same format does show a person's amount (and, in markdown, names)
    plain = CliRunner().invoke(main, ["diff", str(OLD), str(NEW), "--cycle", str(CYCLE), "--format", fmt]).output
    mover = d.movers()[0]
    assert f"{mover.new_bonus:,f}" in plain or f'"{mover.new_bonus:f}"' in plain
    if fmt == "markdown":
        assert mover.name in plain


def test_cli_invalid_ruleset_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((HERE / "broken" / "weights-99-99.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(OLD), str(bad), "--cycle", str(CYCLE)])
    assert result.exit_code == 2
    assert "add up to 99.99" in result.output


def brute_tau_b(x, y):
    nc = nd = tx = ty = 0
    for i, j in combinations(range(len(x)), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            tx += 1
        elif dy == 0:
            ty += 1
        elif dx * dy > 0:
            nc += 1
        else:
            nd += 1
    denominator = math.sqrt((nc + nd + tx) * (nc + nd + ty))
    return None if denominator == 0 else (nc - nd) / denominator


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=40))
def test_tau_b_matches_brute_force_with_ties(pairs):
    x, y = [p[0] for p in pairs], [p[1] for p in pairs]
    want, got = brute_tau_b(x, y), kendall_tau_b(x, y)
    if want is None or len(pairs) < 2:
        assert got is None
    else:
        assert got == pytest.approx(want, abs=1e-12)
        assert -1 <= got <= 1


def test_tau_b_known_values():
    assert kendall_tau_b([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert kendall_tau_b([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    assert kendall_tau_b([1, 1, 1], [1, 2, 3]) is None
    # scipy.stats.kendalltau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) = -0.47140452079103173
    assert kendall_tau_b([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) == pytest.approx(-0.47140452079103173)


# ---------------------------------------------------------------- the diff step of docs/ci-example.yml

def test_ci_example_diff_step_runs_on_a_real_pull_request_history(tmp_path):
    """The shell of the workflow's diff step, run in a git repo where a branch changes the ruleset."""
    import shutil
    import subprocess
    import sys

    import yaml

    workflow = yaml.safe_load((HERE.parent / "docs" / "ci-example.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["diff"]
    assert job["environment"] == "appraise-diff"  # real data only once a reviewer approves (issue 16)
    step = next(s for s in job["steps"] if s.get("id") == "diff")
    repo = tmp_path / "hr"
    (repo / "rulesets").mkdir(parents=True)
    (repo / "cycles").mkdir()
    shutil.copytree(EXAMPLE / "data", repo / "data")
    shutil.copy(OLD, repo / "rulesets" / "sales-team.yaml")
    cycle = (EXAMPLE / "cycle-q3.yaml").read_text(encoding="utf-8")
    cycle = cycle.replace("ruleset: sales-team.yaml", "ruleset: ../rulesets/sales-team.yaml")
    cycle = cycle.replace("path: data/", "path: ../data/")
    (repo / "cycles" / "2026-Q3.yaml").write_text(cycle, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e",
               HOME=str(tmp_path), GIT_CONFIG_NOSYSTEM="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")

    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    base = git("rev-parse", "HEAD").strip()
    shutil.copy(NEW, repo / "rulesets" / "sales-team.yaml")
    git("commit", "-q", "-am", "drop price war, 360 weighs more")
    output = tmp_path / "github_output"
    env.update(BASE=base, CYCLE=job["env"]["CYCLE"], RUNNER_TEMP=str(tmp_path), GITHUB_OUTPUT=str(output))
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    md = (repo / "diff.md").read_text(encoding="utf-8")
    assert "| Employees compared | 5 |" in md and "Redacted for readers outside HR" in md
    assert "`price-war` | removed | 5 → 0 |" in md
    assert output.read_text() == "changed=true\n"
    # a pull request that also changes the cycle file gets no diff on real data
    (repo / "cycles" / "2026-Q3.yaml").write_text(cycle.replace("price_war: true", "price_war: false"),
                                                 encoding="utf-8")
    git("commit", "-q", "-am", "and the cycle")
    output.write_text("")
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "changes files outside `rulesets/`" in (repo / "diff.md").read_text(encoding="utf-8")
    assert "Employees compared" not in (repo / "diff.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- guardrails (--fail-on)
# The example's numbers, from the README table above: the old total is 122,900 and the new 120,100, so the cost
# changes by -2,800 = -2800/122900 = -2.2783 %; 1 of 5 people changes grade (20 %); every score falls by about the
# same, so the ranking is the same (tau-b = 1).  Swapped (variant -> example) the cost rises by 2800/120100 =
# +2.3314 %.

def checks_of(d, *texts):
    return {c.threshold.text: c.failed for c in d.check([parse_threshold(t) for t in texts])}


def test_cost_guardrails_in_exact_decimals(d):
    assert checks_of(d, "cost:+0%", "cost:-2.27%", "cost:-2.28%", "cost:2.27%", "cost:2.28%", "cost:-2799",
                     "cost:-2800", "cost:+1") == {
        "cost:+0%": False,        # the cost falls: a guardrail on rises holds
        "cost:-2.27%": True, "cost:-2.28%": False, "cost:2.27%": True, "cost:2.28%": False,
        "cost:-2799": True, "cost:-2800": False,  # exactly at the limit is not beyond it
        "cost:+1": False}
    [c] = d.check([parse_threshold("cost:5%")])
    assert c.value == Fraction(-2800 * 100, 122900)


def test_grade_and_rank_guardrails(d):
    assert checks_of(d, "grade-changes:19.99%", "grade-changes:20%", "grade-changes:0", "grade-changes:1",
                     "rank-corr:1", "rank-corr:0.9") == {
        "grade-changes:19.99%": True, "grade-changes:20%": False, "grade-changes:0": True,
        "grade-changes:1": False, "rank-corr:1": False, "rank-corr:0.9": False}


@pytest.mark.parametrize("text, why", [
    ("costs:5%", "is not a guardrail"), ("cost", "is not a guardrail"), ("cost:abc", "is not a number"),
    ("rank-corr:1.5", "from -1 to 1"), ("rank-corr:90%", "from -1 to 1"), ("grade-changes:-3", "without a sign"),
    ("grade-changes:2.5", "whole number"), ("cost:NaN", "is not a number"),
])
def test_a_guardrail_that_cannot_be_read_is_a_usage_error(text, why):
    with pytest.raises(ValueError, match=why):
        parse_threshold(text)


ENGLISH = {"APPRAISE_LANG": "en", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}


def test_cli_fails_naming_the_guardrail_and_shows_every_check():
    # swapped: the cost rises by 2,800 of 120,100 = +2.33 %
    args = ["diff", str(NEW), str(OLD), "--cycle", str(CYCLE), "--fail-on", "cost:+2%,rank-corr:0.9",
            "--fail-on", "grade-changes:25%"]
    result = CliRunner().invoke(main, args, env=ENGLISH)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        "appraise diff: 1 of 3 guardrails failed:",
        "  FAILED  cost:+2%: the bonus cost changes by +2.33% (+2,800 CNY); more than the +2% allowed"]
    assert "  ok      grade-changes:25%: 1 of 5 people change grade (20.00%); within the limit (25%)" in result.stdout
    assert "  ok      rank-corr:0.9: Kendall's τ-b of the scores is 1.0000; at least 0.9 as required" in result.stdout
    result = CliRunner().invoke(main, args[:5] + ["--fail-on", "cost:+3%", "--format", "json"], env=ENGLISH)
    assert result.exit_code == 0
    [check] = json.loads(result.stdout)["checks"]
    assert check["failed"] is False and check["value"] == pytest.approx(280000 / 120100)
    result = CliRunner().invoke(main, args[:5] + ["--fail-on", "cost:+x"], env=ENGLISH)
    assert result.exit_code == 2 and "'cost:+x': 'x' is not a number" in result.stderr


def test_redacted_guardrails_keep_their_verdict_and_hide_small_groups_numbers():
    # only E005's bonus and grade change: groups of one, so the numbers stay hidden; the verdicts do not
    result = CliRunner().invoke(main, ["--lang", "zh-CN", "diff", str(OLD), str(NEW), "--cycle", str(CYCLE),
                                       "--redact", "--format", "markdown", "--fail-on", "cost:-1%,rank-corr:0.9"],
                                env=ENGLISH)
    assert result.exit_code == 1
    assert "- ❌ cost:-1%：数值不予显示（少于 5 人，privacy.min_group）；超过允许的 -1%" in result.stdout
    assert "- ✅ rank-corr:0.9：得分的 Kendall τ-b 为 1.00；不低于要求的 0.9" in result.stdout
    assert "2,800" not in result.output and "2.28" not in result.output
    assert result.stderr.splitlines()[0] == "appraise diff：2 项护栏中有 1 项未通过："


@pytest.mark.parametrize("old_optional", [True, False])
def test_a_metric_the_data_lack_and_the_ruleset_declares_optional_is_read_as_the_run_reads_it(tmp_path, old_optional):
    # a raw metric no source has, declared `optional: true`: `appraise run` warns and goes on. diff merged the two
    # rulesets' needs without their optional metrics and refused the cycle ("no source has a column for
    # 'referrals'"), even with one ruleset against itself. A metric optional in the new ruleset but required in
    # the old one is still required (the old ruleset's run would refuse the data).
    import shutil

    shutil.copytree(EXAMPLE, tmp_path / "ex", ignore=shutil.ignore_patterns("out", "*.db"))
    ruleset = tmp_path / "ex" / "sales-team.yaml"
    text = ruleset.read_text(encoding="utf-8")
    anchor = "metrics:\n"
    new_text = text.replace(anchor, anchor + "  referrals: {unit: count, aggregate: sum, optional: true}\n", 1)
    old_text = new_text if old_optional else text.replace(anchor, anchor + "  referrals: {unit: count, aggregate: "
                                                                           "sum}\n", 1)
    (tmp_path / "ex" / "old.yaml").write_text(old_text, encoding="utf-8")
    ruleset.write_text(new_text, encoding="utf-8")
    cycle = tmp_path / "ex" / "cycle-q3.yaml"
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "ex" / "old.yaml"), str(ruleset), "--cycle", str(cycle),
                                       "--format", "json"])
    if not old_optional:
        assert result.exit_code == 2 and "referrals" in result.output
        return
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    # the example's Q3 scores (expected-q3.json), unchanged on both sides
    assert {e["id"]: (e["old_score"], e["new_score"]) for e in doc["employees"]} == \
        {k: (v, v) for k, v in OLD_SCORES.items()}
