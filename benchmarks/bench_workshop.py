"""Workshop benchmark: server time to re-score a whole company after one slider move.

    .venv/bin/python benchmarks/bench_workshop.py [--employees 10000] [--moves 200] [--http]

Builds a synthetic company with :mod:`appraise.tools.demo` (the sales-team ruleset:
five dimensions, seven KPIs, 360 and OKR dimensions, three reweighting rules,
calibration by team, an exact-decimal bonus plan), opens a workshop on it and
moves random sliders.  It prints the median and p95 of

* ``full engine``: :func:`appraise.core.evaluate.evaluate` of the new plan on the
  already-loaded tables (what a naive re-score would cost);
* ``re-score``: :meth:`Workshop.move` — proportional rescaling, a new frozen
  plan, and the fast re-score (weights, rules, redistribution, totals, grades,
  calibration, bonus) of everyone;
* ``move + impact``: the above plus the summary the page shows (grade
  distribution, bonus cost, grade changes, mean scores by team / region /
  tenure, the people who change grade) — the server work of one slider move;
* with ``--http``: the whole ``POST /api/weights`` round trip on loopback
  (uvicorn in this process, one keep-alive client).

Target (issue #8): under 100 ms for 10,000 employees.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def company(folder: Path, employees: int) -> Path:
    from appraise.tools.demo import make_company

    shutil.copy(ROOT / "rulesets" / "sales-team.yaml", folder / "sales-team.yaml")
    (cycle,) = make_company(folder, employees=employees, quarters=("2026-Q3",), ruleset=folder / "sales-team.yaml")
    return cycle


def moves(workshop, n: int, seed: int = 1):
    rng = random.Random(seed)
    movable = [g for g in workshop.groups if not g.fixed]
    for _ in range(n):
        g = rng.choice(movable)
        yield rng.choice(g.items), rng.randint(5, 60)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--http", action="store_true", help="also time POST /api/weights over loopback")
    args = parser.parse_args(argv)

    from _valid import require_valid

    from appraise.core.evaluate import evaluate
    from appraise.tools.workshop import weightset
    from appraise.tools.workshop.session import Workshop

    with tempfile.TemporaryDirectory() as tmp:
        cycle = company(Path(tmp), args.employees)
        require_valid(cycle)  # the workshop measures only a cycle appraise validate accepts
        t0 = time.perf_counter()
        workshop = Workshop.from_cycle(cycle)
        opened = time.perf_counter() - t0
        print(f"{workshop.rescorer.height:,} employees scored; workshop opened in {opened:.2f} s "
              f"(providers, baseline evaluation, self-check: fast path {'on' if workshop.fast else 'OFF'})")

        for key, value in moves(workshop, 5, seed=99):  # warm-up
            workshop.move(key, value)
            workshop.impact()

        full = []
        for key, value in moves(workshop, min(args.moves, 30), seed=2):
            workshop.weights = weightset.move(workshop.weights, workshop.group_of[key], key, Decimal(value))
            plan = workshop.plan()
            t = time.perf_counter()
            evaluate(plan, workshop.inputs, workshop.period, workshop.context)
            full.append(time.perf_counter() - t)

        rescore, total = [], []
        for key, value in moves(workshop, args.moves, seed=3):
            t = time.perf_counter()
            workshop.move(key, value)
            t1 = time.perf_counter()
            workshop.impact()
            t2 = time.perf_counter()
            rescore.append(t1 - t)
            total.append(t2 - t)

        rows = [("full engine (evaluate)", full), ("re-score (Workshop.move)", rescore),
                ("move + impact summary", total)]
        if args.http:
            rows.append(("POST /api/weights (loopback)", http_round_trips(workshop, args.moves)))
        print(f"{'':34} {'median':>9} {'p95':>9}   n")
        for label, samples in rows:
            med, p95 = percentiles(samples)
            print(f"{label:34} {med:7.1f}ms {p95:7.1f}ms   {len(samples)}")


def http_round_trips(workshop, n: int) -> list[float]:
    import threading

    import httpx
    import uvicorn

    from appraise.tools.workshop.app import Tokens, create_app, listen_socket

    tokens = Tokens()
    sock = listen_socket(0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(workshop, tokens), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    samples = []
    try:
        with httpx.Client(base_url=base, params={"token": tokens.facilitator}) as client:
            for key, value in moves(workshop, 5, seed=98):
                client.post("/api/weights", json={"key": key, "value": value})
            for key, value in moves(workshop, n, seed=4):
                t = time.perf_counter()
                r = client.post("/api/weights", json={"key": key, "value": value})
                samples.append(time.perf_counter() - t)
                r.raise_for_status()
    finally:
        server.should_exit = True
        thread.join(10)
    return samples


if __name__ == "__main__":
    main()
