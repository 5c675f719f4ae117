"""Where the time of ``appraise run`` goes, stage by stage.

    .venv/bin/python benchmarks/profile_run.py CYCLE [--render] [--top 8] [--save DIR]
    .venv/bin/python benchmarks/profile_run.py CYCLE --py-spy [--rate 50]

Runs the cycle once (into a fresh ``out/`` and store next to it: both are removed first) and prints, for every
stage ``appraise run`` times (validate, provide, evaluate, export, render, manifest, store), its time and the
functions it spent it in:

* default, cProfile: one profiler per stage (switched by ``run_cycle``'s progress callback, so no stage's calls
  are counted in another's), each stage's top functions by own time ("self") and the project's functions by
  cumulative time ("cum"); cProfile slows pure-Python code more than native code (polars, sqlite, zlib), so
  read the shares, not the seconds;
* ``--py-spy``: a sampling profile of ``appraise run`` in its own process (``pip install py-spy``), little
  overhead; every sample goes to the stage whose function is on its stack and to the innermost frame
  (``self``) and to the innermost project frame (``project``) — time in polars, sqlite or zlib shows as the
  project function that called it.

Use the generated companies of ``bench_run.py`` (e.g. ``/tmp/appraise-bench-run/100000/cycle-2026-Q3.yaml``).
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _valid import ROOT, require_valid

# A py-spy sample belongs to the stage whose ``p.stage(...)`` call in appraise/run.py last precedes the line of
# ``_run`` (or ``_run_cycle``) on its stack, read from the source, so the attribution follows run.py as it changes;
# samples inside the engine's ``evaluate`` are told apart from the rest of the evaluate stage.
RUN_PY = ROOT / "engine" / "run.py"
ENGINE_CORE = ("evaluate", "core/evaluate.py")


def stage_lines(source: str) -> tuple[list[tuple[int, str]], int]:
    """``[(line, stage)]`` of run.py's ``p.stage("name"...)`` calls, and the line where ``_run_cycle`` calls
    ``_run`` (what ``_run_cycle`` does after that line, freeing what the run built, is timed by no stage)."""
    marks, call = [], 0
    for no, text in enumerate(source.splitlines(), 1):
        m = re.search(r"\bp\.stage\(\"(\w+)\"", text)
        if m:
            marks.append((no, m[1]))
        if re.search(r"=\s*_run\(", text):
            call = no
    return marks, call


PROJECT = (str(ROOT / "engine"), str(ROOT / "plugins"), "/appraise/", "engine/", "plugins/")


def clean(cycle: Path) -> None:
    for leftover in ("out", "appraise.db"):
        p = cycle.parent / leftover
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def short(path: str) -> str:
    if not path.startswith("/"):
        return path  # py-spy's names are already short
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1]
    for folder, shown in ((ROOT / "engine", "appraise"), (ROOT / "plugins", "appraise/plugins")):
        if path.startswith(str(folder) + "/"):
            return shown + path[len(str(folder)):]
    return re.sub(r"^.*/lib/python3\.\d+/", "", path)


def with_cprofile(cycle: Path, render: bool, top: int, save: Path | None) -> None:
    import appraise  # noqa: F401  before polars, as the CLI
    from appraise.run import run_cycle

    profiles: dict[str, cProfile.Profile] = {}
    current: list = []

    def progress(line: str) -> None:
        if current:
            current[0].disable()
            current.clear()
        name = line.split()[0]
        prof = profiles.setdefault(name, cProfile.Profile())
        current.append(prof)
        prof.enable()

    start = time.perf_counter()
    report = run_cycle(cycle, render=render, progress=progress)
    if current:
        current[0].disable()
    total = time.perf_counter() - start
    print(f"{report.employees:,} employees; {total:.1f} s in run_cycle under cProfile; stages: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in report.timings.items()))
    for name, prof in profiles.items():
        stats = pstats.Stats(prof)
        if save:
            save.mkdir(parents=True, exist_ok=True)
            stats.dump_stats(save / f"{name}.prof")
        entries = stats.stats  # type: ignore[attr-defined]  # {(file, line, func): (cc, nc, tt, ct, callers)}
        own = sorted(entries.items(), key=lambda kv: -kv[1][2])[:top]
        mine = sorted(((k, v) for k, v in entries.items() if k[0].startswith(PROJECT[:2])),
                      key=lambda kv: -kv[1][3])[:top]
        print(f"\n## {name}: {report.timings.get(name, 0):.2f} s")
        print("  self:  " + "; ".join(f"{fmt(k)} {v[2]:.2f} s ({v[1]:,} calls)" for k, v in own))
        print("  cum:   " + "; ".join(f"{fmt(k)} {v[3]:.2f} s" for k, v in mine))


def fmt(key: tuple) -> str:
    file, line, func = key
    return f"{func} ({short(file)}:{line})" if file != "~" else func


def with_py_spy(cycle: Path, render: bool, top: int, rate: int) -> None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise SystemExit("py-spy is not installed (pip install py-spy)")
    raw = cycle.parent / "py-spy.txt"
    appraise = str(Path(sys.executable).with_name("appraise"))
    cmd = [spy, "record", "--idle", "-r", str(rate), "-f", "raw", "-o", str(raw), "--", appraise, "run", str(cycle)]
    done = subprocess.run(cmd + ([] if render else ["--no-render"]), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    stages = re.findall(r"^stages: (.*)$", done.stderr, re.M)
    print("stages (appraise run's own timing, under py-spy): " + (stages[-1] if stages else "?"))
    summarise_raw(raw.read_text(encoding="utf-8"), rate, top)


def summarise_raw(text: str, rate: int, top: int) -> None:
    """py-spy's raw (collapsed) stacks: samples per stage, innermost frame and innermost project frame."""
    by_stage: collections.Counter = collections.Counter()
    leaf: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    proj: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    marks, call = stage_lines(RUN_PY.read_text(encoding="utf-8"))
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        n = int(count)
        # a stack that does not start at the program's <module> is another thread's: results.xlsx (made on a
        # thread of its own beside results.json), a thread waiting for work, or Python called back by polars
        stage = "start-up" if frames[0].startswith("<module>") else other_thread(frames)
        for frame in frames:
            m = re.match(r"(.*?) \((.*?):(\d+)\)$", frame)
            if not m or not mine(frame):
                continue
            func, file, no = m[1], m[2], int(m[3])
            if file.endswith("run.py") and not file.endswith("commands/run.py") and func in ("_run", "_run_cycle"):
                if func == "_run_cycle" and call and no >= call:  # _run returned (else its frame follows)
                    stage = "after the stages"
                else:
                    stage = next((name for at, name in reversed(marks) if at <= no), "validate")
            elif func == ENGINE_CORE[0] and file.endswith(ENGINE_CORE[1]) and stage == "evaluate":
                stage = "evaluate: engine core"
        by_stage[stage] += n
        leaf[stage][frame_name(frames[-1])] += n
        inner = next((f for f in reversed(frames) if mine(f)), frames[-1])
        proj[stage][frame_name(inner)] += n
    total = sum(by_stage.values())
    print(f"{total:,} samples at {rate}/s = {total / rate:.1f} s (Python threads; with --idle, waits included)")
    for stage, n in sorted(by_stage.items(), key=lambda kv: -kv[1]):
        print(f"\n## {stage}: {n / rate:.1f} s ({100 * n / total:.0f}%)")
        print("  self:    " + "; ".join(f"{k} {v / rate:.1f} s" for k, v in leaf[stage].most_common(top)))
        print("  project: " + "; ".join(f"{k} {v / rate:.1f} s" for k, v in proj[stage].most_common(top)))


WAITS = ("_worker (", "wait (", "_wait_for_tstate_lock (", "get (", "join (")


def other_thread(frames: list[str]) -> str:
    """What a thread other than the main one was doing in a sample."""
    if any("xlsx_columns.py" in f or "(engine/export/xlsx" in f for f in frames):
        return "export: results.xlsx, on its own thread(s)"
    if any(f.startswith("ahead.<locals>") for f in frames):
        return "export: results.json's text, made ahead on its own thread"
    if frames[-1].startswith(WAITS):
        return "other threads, waiting (idle)"
    return "Python callbacks on other threads (polars UDFs)"


def mine(frame: str) -> bool:
    """A py-spy frame in appraise's own code (py-spy names files relative to the working folder or absolute)."""
    file = frame.rpartition(" (")[2]
    return file.startswith(("engine/", "plugins/", str(ROOT / "engine"), str(ROOT / "plugins")))


def frame_name(frame: str) -> str:
    m = re.match(r"(.*?) \((.*?):(\d+)\)$", frame)
    return f"{m[1]} ({short(m[2])})" if m else frame


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cycle", type=Path)
    ap.add_argument("--render", action="store_true", help="also the pages (default: --no-render)")
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--py-spy", action="store_true", help="sample with py-spy instead of cProfile")
    ap.add_argument("--rate", type=int, default=50, help="py-spy samples per second")
    ap.add_argument("--save", type=Path, help="cProfile: write each stage's stats to DIR/<stage>.prof")
    ap.add_argument("--raw", type=Path, help="only summarise an existing py-spy raw file")
    args = ap.parse_args()
    if args.raw:
        summarise_raw(args.raw.read_text(encoding="utf-8"), args.rate, args.top)
        return
    require_valid(args.cycle)
    clean(args.cycle)
    if args.py_spy:
        with_py_spy(args.cycle, args.render, args.top, args.rate)
    else:
        with_cprofile(args.cycle, args.render, args.top, args.save)
    clean(args.cycle)


if __name__ == "__main__":
    main()
