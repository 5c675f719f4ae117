"""Validator benchmark: how long ``appraise validate`` takes.

    .venv/bin/python benchmarks/bench_validate.py [--runs 20]

Prints

* the whole-process time of ``appraise validate`` on the example ruleset
  (interpreter start, imports, load, schema, semantics, report) — the number
  CI and pre-commit users feel; target < 0.3 s;
* the in-process time of load + validate for the example ruleset and for the
  worst case the validator accepts: 16 reweighting rules (14 added to the example's 2) touching the same
  weights, so every one of the 65,535 combinations is applied.

For a second opinion on the first number: ``hyperfine -w 3 '.venv/bin/appraise
validate tests/fixtures/example/sales-team.yaml'``.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appraise.language.load import loads  # noqa: E402
from appraise.language.validate import validate_ruleset  # noqa: E402

EXAMPLE = ROOT / "tests" / "fixtures" / "example" / "sales-team.yaml"


def whole_process(runs: int) -> list[float]:
    exe = Path(sys.executable).with_name("appraise")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "appraise"]
    times = []
    for _ in range(runs + 2):
        start = time.perf_counter()
        subprocess.run([*cmd, "validate", str(EXAMPLE)], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times[2:]  # the first runs warm the disk cache


def in_process(text: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        found = validate_ruleset(loads(text, "bench.yaml"))
        times.append(time.perf_counter() - start)
        assert found == [], found
    return times


def worst_case() -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    rules = "".join(f"  - id: r{i}\n    when: context.f{i}\n    then:\n      - shift: {{from: process, to: results, "
                    f"points: 0.5}}\n" for i in range(14))
    return text.replace("rules:\n", "rules:\n" + rules, 1)


def show(name: str, times: list[float]) -> None:
    print(f"{name:<48} median {statistics.median(times) * 1000:7.1f} ms   min {min(times) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    show("appraise validate <example> (whole process)", whole_process(args.runs))
    show("load + validate example ruleset (in process)", in_process(EXAMPLE.read_text(encoding="utf-8"), args.runs))
    show("16 interacting rules, 65,535 combinations", in_process(worst_case(), max(3, args.runs // 5)))


if __name__ == "__main__":
    main()
