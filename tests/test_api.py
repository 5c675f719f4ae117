"""The Python API the README documents: ``import appraise; appraise.evaluate(...)``."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_appraise_evaluate_can_be_called_again_in_the_same_process():
    """Issue 17: the first call imported a submodule named ``evaluate``, which replaced the function on the
    package, so the second call failed with "'module' object is not callable".  Run in a fresh interpreter:
    the test suite has imported every module already, which would hide the bug."""
    script = textwrap.dedent(f"""
        import appraise
        employees = [{{"id": "E1", "name": "A", "team": "t", "region": "east", "hire_date": "2020-01-01"}}]
        metrics = [{{"employee": "E1", "month": "2026-07", "revenue": 90, "quota": 100}}]
        rules = appraise.load_ruleset({str(ROOT / "tests" / "fixtures" / "api" / "ruleset.yaml")!r})
        first = appraise.evaluate(rules, period="2026-Q3", employees=employees, metrics=metrics)
        second = appraise.evaluate(rules, period="2026-Q3", employees=employees, metrics=metrics)
        assert callable(appraise.evaluate)
        print(first.table["score"][0], second.table["score"][0])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split()
    # one KPI, revenue/quota = 90 %, linear score = attainment × 100, weight 100 %: 90
    assert float(first) == float(second) == 90.0
