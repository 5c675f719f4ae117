"""Benchmarks measure only what the product accepts: every ruleset and cycle a benchmark builds or reads is
checked here with the validator ``appraise validate`` uses, and a benchmark refuses to measure an invalid one."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def require_valid(*paths: str | Path) -> None:
    """Validate rulesets and cycle files (with the installed providers' source options) as ``appraise validate``
    does; exits with its report when any has an error.  Warnings are shown and do not stop the benchmark."""
    from appraise.language.validate import validate_files
    from appraise.plugins import provider_schemas
    from appraise.present.report import render

    outcome = validate_files(paths, provider_schemas, data_files=False)  # (the data is made in memory)
    if not outcome.checked:
        raise SystemExit(f"benchmark: nothing to validate in {', '.join(map(str, paths))}")
    if outcome.diagnostics:
        print(render("text", outcome.diagnostics, outcome.checked, outcome.skipped), end="", file=sys.stderr)
    if outcome.failed_files:
        raise SystemExit("benchmark refused: what it would measure is not valid (appraise validate rejects "
                         + ", ".join(outcome.failed_files) + ")")
