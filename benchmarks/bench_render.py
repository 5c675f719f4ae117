"""Pages per second of the render stage over synthetic employees.

    .venv/bin/python benchmarks/bench_render.py [--employees 10000] [--workers 2]

Builds a results document of N employees (the worked example's five people,
re-identified and jittered, in teams of ten), then times ``render_all``:
a dashboard and a plan per employee, a team overview per team, and the index.
Goal: at least 200 pages/s on 2 cores.
"""
from __future__ import annotations

import argparse
import copy
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def synthetic_results(n: int, seed: int = 7) -> tuple[dict, object, dict]:
    """(results document, ruleset, history) with ``n`` employees."""
    from appraise.language.ruleset import load_ruleset
    from engine_inputs import EXAMPLE, previous_from, run_example

    _, q2 = run_example("Q2")
    _, q3 = run_example("Q3", previous=previous_from(q2))
    rng = random.Random(seed)
    people, history = [], {}
    for i in range(n):
        e = copy.deepcopy(q3["employees"][i % 5])
        e["id"] = f"S{i:06d}"
        e["name"] = f"Person {i}"
        e["calibration"]["cohort"] = f"team-{i // 10:04d}"
        e["calibration"]["cohort_size"] = 10
        for k in e["kpis"].values():
            if k.get("attainment") is not None:
                k["attainment"] = round(k["attainment"] * rng.uniform(0.7, 1.3), 4)
        e["score"] = round(e["score"] * rng.uniform(0.8, 1.2), 2)
        people.append(e)
        history[e["id"]] = [{"cycle": "2026-Q2", "score": round(e["score"] * 0.95, 2), "grade": e["grade"],
                             "bonus": e["bonus"]}]
    doc = dict(q3, employees=people)
    return doc, load_ruleset(EXAMPLE / "sales-team.yaml"), history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from _valid import require_valid

    from appraise.plugins.html import HtmlRenderer
    from appraise.present.render import RenderRequest, normalize_history
    from engine_inputs import EXAMPLE

    require_valid(EXAMPLE / "sales-team.yaml", EXAMPLE / "cycle-q3.yaml")  # what the pages are rendered from
    doc, ruleset, history = synthetic_results(args.employees)
    info = {e["id"]: {"locale": "zh-CN" if i % 2 else "en"} for i, e in enumerate(doc["employees"])}
    request = RenderRequest(doc, ruleset, info, normalize_history(history), "en")
    out = Path(tempfile.mkdtemp(prefix="bench-render-"))
    try:
        start = time.perf_counter()
        pages = HtmlRenderer(workers=args.workers).render(request, out)
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in out.rglob("*.html"))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"{len(pages)} pages for {args.employees} employees in {elapsed:.1f} s with {args.workers} worker(s): "
          f"{len(pages) / elapsed:.0f} pages/s, {size / len(pages) / 1024:.0f} KiB per page")


if __name__ == "__main__":
    main()
