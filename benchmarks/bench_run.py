"""``appraise run`` end to end on a generated company: time and peak memory, with and without rendering.

    .venv/bin/python benchmarks/bench_run.py [--employees 100000] [--folder /tmp/appraise-bench-run]

Generates (once, seeded; :mod:`appraise.tools.demo`) a company with ``--employees``
sales reps for 2026-Q3 — employees, 3 monthly metric rows each, ~25 360
ratings each, OKRs — then runs ``appraise run`` as a subprocess:

1. ``--no-render`` into a fresh store (validate, provide, evaluate, store,
   export: results.json/csv/xlsx, errors.csv, manifest);
2. the same again (a re-run: replaces the current results, keeps history);
3. with rendering (every dashboard, plan, team page and the index).

Each run is measured from a fresh intermediate process so
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is that run's peak (the largest
process: appraise itself or a render worker).  The stage times are the ones
``appraise run`` prints on stderr.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_MEASURE = r"""
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
import json
print(json.dumps({"rc": p.returncode, "wall": wall, "maxrss_kib": ru.ru_maxrss, "user": ru.ru_utime,
                  "sys": ru.ru_stime, "stderr": p.stderr, "stdout": p.stdout}))
"""


def measure(args: list[str]) -> dict:
    """Run ``args`` in a fresh intermediate process; its wall time, CPU times and peak RSS."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *args], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout)
    if res["rc"] != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{res['stderr']}")
    return res


def stage_times(stderr: str) -> str:
    """The closing ``stages:`` line ``appraise run`` prints on stderr."""
    found = re.findall(r"^stages: (.*)$", stderr, re.M)
    return found[-1] if found else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--folder", type=Path, default=Path("/tmp/appraise-bench-run"))
    ap.add_argument("--skip-render", action="store_true")
    args = ap.parse_args()

    folder = args.folder / str(args.employees)
    cycle = folder / "cycle-2026-Q3.yaml"
    if not cycle.exists():
        sys.path.insert(0, str(ROOT))
        from appraise.tools.demo import make_company

        t = time.perf_counter()
        make_company(folder, employees=args.employees, seed=11, quarters=("2026-Q3",))
        print(f"generated {args.employees} employees in {time.perf_counter() - t:.1f} s")
    for leftover in ("out", "appraise.db"):
        p = folder / leftover
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    sizes = {p.name: p.stat().st_size for p in (folder / "data").iterdir()}
    print("inputs: " + ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in sorted(sizes.items())))

    appraise = str(Path(sys.executable).with_name("appraise"))
    runs = [("no render, new store", ["--no-render"]), ("no render, re-run", ["--no-render"])]
    if not args.skip_render:
        runs.append(("with rendering", []))
    print(f"{'run':<22} {'wall s':>8} {'user s':>8} {'sys s':>7} {'peak RSS MiB':>13}")
    for label, extra in runs:
        res = measure([appraise, "run", str(cycle), *extra])
        print(f"{label:<22} {res['wall']:>8.1f} {res['user']:>8.1f} {res['sys']:>7.1f} "
              f"{res['maxrss_kib'] / 1024:>13.0f}")
        print("    " + res["stdout"].strip().splitlines()[0])
        print("    stages: " + stage_times(res["stderr"]))
    out = folder / "out/2026-Q3"
    files = sum(1 for p in out.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    db = (folder / "appraise.db").stat().st_size
    print(f"outputs: {files} files, {size / 2**20:.0f} MiB; store {db / 2**20:.0f} MiB after "
          f"{len(runs)} runs")


if __name__ == "__main__":
    main()
