"""The benchmarks measure what the product accepts (issue 17): their rulesets validate, an invalid one is refused,
and bench_run's table divides each stage by the engine's time.  No timings are asserted here."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_engine  # noqa: E402
import bench_run  # noqa: E402
from _valid import require_valid  # noqa: E402


def test_bench_engine_ruleset_and_cycle_validate(tmp_path):
    plan = bench_engine.validated_plan(tmp_path)
    dims = bench_engine.ruleset()["scorecards"]["rep"]["dimensions"]
    assert sum(d["weight"] for d in dims.values()) == 100  # 5 × 14 + 10 + 20
    assert plan.id == "bench"


def test_an_invalid_ruleset_is_refused(tmp_path):
    data = bench_engine.ruleset()
    data["scorecards"]["rep"]["dimensions"]["results"]["weight"] = 16  # the old ruleset: weights add up to 102
    (tmp_path / "bench.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(SystemExit, match="not valid"):
        require_valid(tmp_path / "bench.yaml")


def test_stage_times_and_table():
    stderr = "validate  x\nstages: validate 0.50 s, provide 3.00 s, evaluate 1.25 s, export 2.00 s, store 0.25 s\n"
    stages = bench_run.stage_times(stderr)
    assert stages == {"validate": 0.5, "provide": 3.0, "evaluate": 1.25, "export": 2.0, "store": 0.25}
    run = {"wall": 7.5, "peak_mib": 1536, "stages": stages, "load": [1.0, 1.0, 1.0], "user": 6.0, "sys": 0.5}
    table = bench_run.markdown([{"employees": 1000, "engine": {"engine": 0.5}, "no-render": run}])
    lines = table.splitlines()
    assert lines[0].startswith("| employees | engine (core) | validate | provide | evaluate | store | export |")
    # 3.00 / 0.5 = 6; the five stages add up to 7.0 s = 14 × the engine; 6.0 + 0.5 s CPU; 1536 MiB = 1.50 GiB
    assert lines[2] == ("| 1,000 | 0.50 s | 0.50 s ×1.0 | 3.00 s ×6.0 | 1.25 s ×2.5 | 0.25 s ×0.5 | 2.00 s ×4.0 "
                        "| 7.0 s ×14 | 7.5 s | 6.5 s | 1.50 GiB | 1.0 |")
