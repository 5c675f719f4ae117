"""Minimal reproductions of crashes the generated cases (tests/test_generated_runs.py) found, run through
the CLI: each must now complete, or stop with a located error."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from click.testing import CliRunner

from appraise.cli import main

CYCLE = """\
cycle: 2026-Q3
ruleset: ruleset.yaml
sources:
  - {provider: csv, path: employees.csv, kind: employees}
  - {provider: csv, path: metrics.csv}
store: sqlite:///out/appraise.db
output: out/2026-Q3
"""


def write(folder: Path, **files: str) -> Path:
    for name, text in files.items():
        (folder / name.replace("_csv", ".csv").replace("_yaml", ".yaml")).write_text(textwrap.dedent(text),
                                                                                     encoding="utf-8")
    return folder / "cycle.yaml"


def run(cycle: Path):
    res = CliRunner().invoke(main, ["run", "-q", "--no-render", str(cycle)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res


def test_bonus_attainment_kpi_only_in_a_scorecard_nobody_has_this_cycle(tmp_path):
    # 'revenue' (the bonus attainment) is a KPI of scorecard 'other' only, which nobody of this cycle
    # gets: evaluate built no column for it and the bonus stage failed (ColumnNotFoundError)
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {role: string, target_bonus: money}
        metrics:
          revenue: {aggregate: sum}
          visits: {aggregate: sum}
        scorecards:
          rep:
            applies_to: role == "rep"
            dimensions:
              results: {weight: 100, kpis: {visits: {weight: 100, target: 10}}}
          other:
            dimensions:
              results: {weight: 100, kpis: {revenue: {weight: 100, target: 100}}}
        grades: [{grade: A, min: 0}]
        bonus: {target: target_bonus, attainment: revenue, tiers: [{from: 1, pay: 1}]}
        """, employees_csv="id,name,role,target_bonus\nE1,A,rep,100\n",
        metrics_csv="employee,month,revenue,visits\nE1,2026-07,100,10\n")
    res = run(cycle)
    assert res.exit_code == 0, res.output
    [e] = json.loads((tmp_path / "out/2026-Q3/results.json").read_text(encoding="utf-8"))["employees"]
    # scorecard 'rep' has no revenue KPI: no attainment, so no bonus (README: null, never a silent 0)
    assert (e["scorecard"], e["score"], e["bonus"]) == ("rep", 100.0, None)


def test_a_cycle_that_appraises_nobody(tmp_path):
    # everyone was hired after the period: evaluate looked at the first code of an empty table (IndexError)
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        metrics:
          visits: {aggregate: sum}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {visits: {weight: 100, target: 10}}}
        grades: [{grade: A, min: 0}]
        """, employees_csv="id,name,hire_date\nE1,A,2026-10-01\n",
        metrics_csv="employee,month,visits\nE1,2026-07,10\n")
    res = CliRunner().invoke(main, ["run", "-q", str(cycle)])  # pages rendered too
    assert res.exit_code == 0, res.output
    assert "2026-Q3: 0 employees appraised" in res.output
    assert json.loads((tmp_path / "out/2026-Q3/results.json").read_text(encoding="utf-8"))["employees"] == []


def test_360_competencies_and_no_feedback_source_at_all(tmp_path):
    # with no feedback360 source the dimension is missing (a warning); the empty stand-in table had no
    # competency column, so the run stopped with an error naming no file ("add it to the feedback file")
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        metrics:
          visits: {aggregate: sum}
        scorecards:
          rep:
            dimensions:
              results: {weight: 50, kpis: {visits: {weight: 100, target: 10}}}
              feedback:
                weight: 50
                feedback360: {scale: 5, sources: {manager: 100}, competencies: [teamwork]}
        grades: [{grade: A, min: 0}]
        """, employees_csv="id,name\nE1,A\n", metrics_csv="employee,month,visits\nE1,2026-07,5\n")
    res = run(cycle)
    assert res.exit_code == 0, res.output
    assert "no source has kind feedback360" in res.output
    [e] = json.loads((tmp_path / "out/2026-Q3/results.json").read_text(encoding="utf-8"))["employees"]
    assert (e["missing"], e["score"]) == (["feedback"], 50.0)  # visits 5 of 10; feedback's weight redistributed
