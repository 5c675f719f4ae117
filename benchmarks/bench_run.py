"""``appraise run`` end to end on generated companies, stage by stage, against the engine on the same data.

    .venv/bin/python benchmarks/bench_run.py [--employees 10000 100000] [--million] [--render-up-to 10000]
                                             [--bench-engine] [--folder /tmp/appraise-bench-run]

For each size, a company of that many sales reps for 2026-Q3 is generated once (seeded;
:mod:`appraise.tools.demo`: employees, 3 monthly metric rows each, 360 feedback from ~8 raters on 3
competencies, OKRs) under ``--folder/<size>`` and reused afterwards.  Then:

1. ``appraise validate`` on the cycle (and its ruleset): an invalid cycle is not measured;
2. ``appraise run --no-render`` into a fresh store: the per-stage times ``appraise run`` prints on stderr
   (validate, provide, evaluate, export, manifest, store), wall time and peak RSS;
3. with rendering (the same plus render), for sizes up to ``--render-up-to``;
4. the engine's own time on the same data: in a fresh process, the cycle's tables are provided and
   :func:`appraise.core.evaluate.evaluate` (the columnar core, no results document) runs ``--repeat`` times;
   the best is the reference every stage is divided by;
5. with ``--bench-engine``, ``benchmarks/bench_engine.py`` at the same size (its synthetic quarter, 25 KPIs) in
   the same session, for the README's engine figures side by side.

Each ``appraise`` process is started from a fresh intermediate process, so
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is that run's peak (the largest process: appraise or a render worker).
The intermediate process also watches the run's resident memory and stops it above ``--max-rss-gib`` (the
machine is shared).  Data files above the 256 MiB default limit (the 360 CSV from ~260,000 people on) are
allowed by setting ``APPRAISE_MAX_DATA_BYTES`` for the run, and the output says so.

``--million`` adds 1,000,000 employees (~10 GB of inputs to generate the first time, several GiB of memory).
The last lines are a Markdown table for the README: each stage's seconds and its ratio to the engine's time
(× the engine's best time), the sum of the stages, the run's wall and CPU (user + sys) time, its peak RSS and
the 1-minute load average when it ended (on a shared machine CPU time is the steadier figure);
``--json FILE`` keeps every figure and ``--table FILE...`` prints the table again from such files.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _valid import ROOT

DEFAULT_LIMIT = 256 * 2**20
STAGES = ("validate", "provide", "evaluate", "store", "export", "manifest", "render")

# Runs in a fresh intermediate process: the command's wall time, CPU times and peak RSS (RUSAGE_CHILDREN is then
# this command's alone), its resident memory watched every 0.2 s and the process group stopped above the limit.
_MEASURE = r"""
import json, os, resource, signal, subprocess, sys, time
limit_kib = int(sys.argv[1]) * 1024  # argv[1] is MiB
def rss_kib(pid):
    total = 0
    for task in [pid] + children(pid):
        try:
            with open(f"/proc/{task}/status") as fh:
                total += next(int(l.split()[1]) for l in fh if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total
def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            found = [int(c) for c in fh.read().split()]
    except OSError:
        return []
    return found + [g for c in found for g in children(c)]
t = time.perf_counter()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
watch_peak, stopped = 0, False
import threading
out, err, stage = {}, [], ["start"]
STAGES = ("validate", "provide", "evaluate", "export", "render", "manifest", "store")
def read_err():  # line by line: the stage appraise run is in (it names each as it starts)
    for line in p.stderr:
        err.append(line)
        word = line.split(" ", 1)[0].strip()
        if word in STAGES:
            stage[0] = word
reader = threading.Thread(target=lambda: out.update(stdout=p.stdout.read()))
errors = threading.Thread(target=read_err)
reader.start()
errors.start()
by_stage = {}
while reader.is_alive() or errors.is_alive():
    reader.join(0.2)
    now = rss_kib(p.pid)
    watch_peak = max(watch_peak, now)
    by_stage[stage[0]] = max(by_stage.get(stage[0], 0), now)
    if now > limit_kib and not stopped:
        stopped = True
        os.killpg(p.pid, signal.SIGKILL)
p.wait()
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": p.returncode, "wall": wall, "maxrss_kib": ru.ru_maxrss, "watched_kib": watch_peak,
                  "watched_by_stage_kib": by_stage,
                  "user": ru.ru_utime, "sys": ru.ru_stime, "stopped": stopped, "load": os.getloadavg(),
                  "stderr": "".join(err), "stdout": out.get("stdout", "")}))
"""

# Runs in a fresh process: the engine alone on the cycle's own tables (provided as appraise run provides them).
_ENGINE = r"""
import json, resource, sys, time
import appraise  # before polars, as the CLI: the allocator setting
from appraise.core.evaluate import evaluate
from appraise.pipeline import load, prepare
t = time.perf_counter()
cycle, ruleset = load(sys.argv[1])
prepared = prepare(cycle, ruleset)
provided = time.perf_counter() - t
times, cpu, stages = [], [], {}
for _ in range(int(sys.argv[2])):
    ev = None  # the previous result freed first, as in a run of its own
    t, c = time.perf_counter(), time.process_time()
    ev = evaluate(prepared.ruleset, prepared.inputs, cycle.period, dict(cycle.context))
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
    if times[-1] == min(times):
        stages = dict(ev.timings)
ev = None
# the Python API on the same tables, its table made (what a notebook user reads): issue 17 asks <= 1.5x the engine
api, api_cpu = [], []
for _ in range(int(sys.argv[2])):
    res = None
    t, c = time.perf_counter(), time.process_time()
    res = appraise.evaluate(prepared.ruleset, period=cycle.period, context=dict(cycle.context),
                            employees=prepared.inputs.employees, metrics=prepared.inputs.metrics,
                            aggregated=prepared.inputs.aggregated, feedback=prepared.inputs.feedback,
                            okrs=prepared.inputs.okrs)
    height = res.table.height
    api.append(time.perf_counter() - t)
    api_cpu.append(time.process_time() - c)
print(json.dumps({"engine": min(times), "engine_cpu": min(cpu), "first": times[0], "load_and_provide": provided,
                  "api": min(api), "api_cpu": min(api_cpu),
                  "stages": stages, "employees": height,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(args: list[str], max_rss_gib: float, env: dict[str, str] | None = None) -> dict:
    """Run ``args`` in a fresh intermediate process; its wall time, CPU times, peak RSS and the load average."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(int(max_rss_gib * 1024)), *args], capture_output=True,
                         text=True, check=True, env=env)
    res = json.loads(out.stdout)
    if res["stopped"]:
        raise SystemExit(f"{' '.join(args)} stopped: its resident memory passed {max_rss_gib} GiB")
    if res["rc"] != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{res['stderr']}")
    return res


def stage_times(stderr: str, line: str = "stages") -> dict[str, float]:
    """The closing ``stages: validate 0.51 s, provide 7.40 s, ...`` line ``appraise run`` prints on stderr (or,
    with ``line="cpu"``, the ``cpu:`` line of the CPU seconds per stage, when this version prints one)."""
    found = re.findall(rf"^{line}: (.*)$", stderr, re.M)
    if not found:
        if line != "stages":
            return {}
        raise SystemExit("appraise run printed no 'stages:' line on stderr")
    return {name: float(value) for name, value in re.findall(r"(\w+) ([\d.]+) s", found[-1])}


def company(folder: Path, employees: int) -> Path:
    """The generated company for ``employees`` (made once, in a child process so this one stays small)."""
    cycle = folder / "cycle-2026-Q3.yaml"
    if not cycle.exists():
        t = time.perf_counter()
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                        "from appraise.tools.demo import make_company; "
                        "make_company(Path(sys.argv[1]), employees=int(sys.argv[2]), seed=11, quarters=('2026-Q3',))",
                        str(folder), str(employees)], check=True)
        print(f"generated {employees:,} employees in {time.perf_counter() - t:.0f} s", flush=True)
    return cycle


def clean(folder: Path) -> None:
    for leftover in ("out", "appraise.db"):
        p = folder / leftover
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def bench_engine(employees: int, repeat: int) -> dict:
    """benchmarks/bench_engine.py at this size: its engine and hand-written kernel times (best of ``repeat``)."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_engine.py"), "--employees",
                           str(employees), "--repeat", str(repeat)], capture_output=True, text=True, check=True)
    engine = re.search(r"^engine: ([\d.]+) s", done.stdout, re.M)
    kernel = re.search(r"kernel .*: ([\d.]+) s; ratio ([\d.]+)", done.stdout)
    peak = re.search(r"peak memory .*: ([\d,]+) MiB", done.stdout)
    if not (engine and kernel and peak):
        raise SystemExit(f"bench_engine.py printed no figures:\n{done.stdout}\n{done.stderr}")
    return {"engine": float(engine[1]), "kernel": float(kernel[1]), "ratio": float(kernel[2]),
            "peak_mib": int(peak[1].replace(",", ""))}


def one_size(employees: int, args: argparse.Namespace) -> dict:
    cycle = company(args.folder / str(employees), employees)
    folder = cycle.parent
    appraise = str(Path(sys.executable).with_name("appraise"))
    checked = subprocess.run([appraise, "validate", str(cycle)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise SystemExit(f"refused to measure: appraise validate rejects {cycle}:\n{checked.stdout}{checked.stderr}")
    sizes = {p.name: p.stat().st_size for p in (folder / "data").iterdir()}
    env = dict(os.environ)
    note = ""
    if max(sizes.values()) > DEFAULT_LIMIT and "APPRAISE_MAX_DATA_BYTES" not in env:
        env["APPRAISE_MAX_DATA_BYTES"] = str(2 * max(sizes.values()))
        note = f"APPRAISE_MAX_DATA_BYTES={env['APPRAISE_MAX_DATA_BYTES']} (a data file is over the 256 MiB default)"
    print(f"\n== {employees:,} employees: inputs " + ", ".join(f"{k} {v / 2**20:.1f} MiB"
                                                              for k, v in sorted(sizes.items())), flush=True)
    if note:
        print("   " + note)
    result: dict = {"employees": employees, "inputs_mib": sum(sizes.values()) / 2**20, "note": note}
    runs = [("no-render", ["--no-render"])]
    if employees <= args.render_up_to:
        runs.append(("render", []))
    for label, extra in runs:
        clean(folder)
        res = measure([appraise, "run", str(cycle), *extra], args.max_rss_gib, env)
        stages = stage_times(res["stderr"])
        result[label] = {"wall": res["wall"], "peak_mib": res["maxrss_kib"] / 1024, "stages": stages,
                         "cpu": stage_times(res["stderr"], "cpu"),
                         "watched_mib": res["watched_kib"] / 1024,
                         "watched_by_stage_mib": {k: v / 1024 for k, v in res.get("watched_by_stage_kib", {}).items()},
                         "load": res["load"], "user": res["user"], "sys": res["sys"]}
        print(f"   appraise run {' '.join(extra) or '(with pages)'}: wall {res['wall']:.1f} s, "
              f"user {res['user']:.1f} s, sys {res['sys']:.1f} s, peak RSS {res['maxrss_kib'] / 1024:,.0f} MiB, "
              f"load {res['load'][0]:.1f}",
              flush=True)
        print("     " + (res["stdout"].strip().splitlines() or [""])[0])
        print("     stages: " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()), flush=True)
        if result[label]["cpu"]:
            print("     CPU:    " + ", ".join(f"{k} {v:.2f}" for k, v in result[label]["cpu"].items()), flush=True)
        print("     resident memory at its highest in each stage (sampled every 0.2 s): " + ", ".join(
            f"{k} {v / 1024:.2f} GiB" for k, v in result[label]["watched_by_stage_mib"].items()), flush=True)
    clean(folder)
    done = measure([sys.executable, "-c", _ENGINE, str(cycle), str(args.repeat)], args.max_rss_gib, env)
    engine = json.loads(done["stdout"].strip().splitlines()[-1])
    result["engine"] = engine
    print(f"   engine alone on the same tables: best {engine['engine']:.2f} s of {args.repeat}, CPU "
          f"{engine['engine_cpu']:.2f} s (first "
          f"{engine['first']:.2f} s); load + provide in process {engine['load_and_provide']:.2f} s", flush=True)
    print(f"   appraise.evaluate (the Python API) on the same tables, its .table made: best {engine['api']:.2f} s "
          f"(x{engine['api'] / engine['engine']:.2f}), CPU {engine['api_cpu']:.2f} s "
          f"(x{engine['api_cpu'] / engine['engine_cpu']:.2f})", flush=True)
    if args.bench_engine:
        result["bench_engine"] = bench_engine(employees, args.repeat)
        b = result["bench_engine"]
        print(f"   bench_engine.py: engine {b['engine']:.2f} s, hand-written kernel {b['kernel']:.2f} s "
              f"(ratio {b['ratio']:.2f}), peak {b['peak_mib']:,} MiB", flush=True)
    result["load_after"] = os.getloadavg()
    return result


def markdown(results: list[dict]) -> str:
    """The README's table: seconds per stage and, after ×, the stage's time over the engine's own."""
    shown = [s for s in STAGES if any(s in r[run]["stages"] for r in results for run in ("no-render", "render")
                                      if run in r)]
    head = ["employees", "engine (core)", *shown, "stages, no pages", "wall, no pages", "CPU, no pages",
            "peak RSS, no pages", "load avg"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in results:
        engine = r["engine"]["engine"]
        plain = r["no-render"]
        row = [f"{r['employees']:,}", f"{engine:.2f} s"]
        for s in shown:
            run = plain if s in plain["stages"] else r.get("render", plain)
            v = run["stages"].get(s)
            row.append("–" if v is None else f"{v:.2f} s ×{v / engine:.1f}")
        total = sum(v for k, v in plain["stages"].items() if k != "render")
        row += [f"{total:.1f} s ×{total / engine:.0f}", f"{plain['wall']:.1f} s",
                f"{plain['user'] + plain['sys']:.1f} s", f"{plain['peak_mib'] / 1024:.2f} GiB",
                f"{plain['load'][0]:.1f}"]
        lines.append("| " + " | ".join(row) + " |")
    if all(r["no-render"].get("cpu") and "engine_cpu" in r["engine"] for r in results):
        cpu_shown = [s for s in shown if any(s in r["no-render"]["cpu"] for r in results)]
        head = ["employees", "engine (core), CPU", *cpu_shown, "stages, no pages, CPU"]
        lines += ["", "CPU seconds (the process, all its threads) per stage, and × the engine's CPU seconds:", "",
                  "| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
        for r in results:
            engine, cpu = r["engine"]["engine_cpu"], r["no-render"]["cpu"]
            row = [f"{r['employees']:,}", f"{engine:.2f} s"]
            row += ["–" if cpu.get(s) is None else f"{cpu[s]:.2f} s ×{cpu[s] / engine:.1f}" for s in cpu_shown]
            total = sum(cpu.values())
            row.append(f"{total:.1f} s ×{total / engine:.0f}")
            lines.append("| " + " | ".join(row) + " |")
    if all(r["no-render"].get("watched_by_stage_mib") for r in results):
        mem_shown = [s for s in ("provide", "evaluate", "export", "manifest", "store")
                     if any(s in r["no-render"]["watched_by_stage_mib"] for r in results)]
        lines += ["", "Resident memory at its highest in each stage (sampled every 0.2 s; no pages), and the engine's "
                  "own peak with the provided tables:", "",
                  "| employees | " + " | ".join(mem_shown) + " | engine alone |", "|" + "---:|" * (len(mem_shown) + 2)]
        for r in results:
            by = r["no-render"]["watched_by_stage_mib"]
            lines.append(f"| {r['employees']:,} | " + " | ".join(
                "–" if by.get(s) is None else f"{by[s] / 1024:.2f} GiB" for s in mem_shown)
                + f" | {r['engine']['peak_kib'] / 2**20:.2f} GiB |")
    if any("bench_engine" in r for r in results):
        lines += ["", "| employees | bench_engine.py engine | hand-written kernel | ratio | peak RSS |",
                  "|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['employees']:,} | {b['engine']:.2f} s | {b['kernel']:.2f} s | {b['ratio']:.2f} | "
                  f"{b['peak_mib'] / 1024:.2f} GiB |" for r in results if (b := r.get("bench_engine"))]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--employees", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--million", action="store_true", help="also 1,000,000 employees (several GiB, minutes)")
    ap.add_argument("--render-up-to", type=int, default=10_000,
                    help="also run with pages for sizes up to this (0: never); pages take ~1 ms each")
    ap.add_argument("--repeat", type=int, default=3, help="engine runs; the best is the reference")
    ap.add_argument("--bench-engine", action="store_true", help="also bench_engine.py at each size")
    ap.add_argument("--max-rss-gib", type=float, default=12.0, help="stop a run whose memory passes this")
    ap.add_argument("--folder", type=Path, default=Path("/tmp/appraise-bench-run"))
    ap.add_argument("--json", type=Path, help="also write every figure here")
    ap.add_argument("--table", type=Path, nargs="+", help="only print the table of figures saved with --json")
    args = ap.parse_args()
    if args.table:
        print(markdown([r for f in args.table for r in json.loads(f.read_text(encoding="utf-8"))]))
        return
    sizes = list(args.employees) + ([1_000_000] if args.million and 1_000_000 not in args.employees else [])
    # appraise's bytecode, as an installed wheel has it (with PYTHONDONTWRITEBYTECODE set, an editable install
    # would compile its sources again in every process measured)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", str(ROOT / "engine"), str(ROOT / "plugins")],
                   check=True)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    results = []
    for n in sizes:
        results.append(one_size(n, args))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print("\n" + markdown(results))


if __name__ == "__main__":
    main()
