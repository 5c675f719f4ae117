"""Engine benchmark: one quarter for a synthetic company.

    .venv/bin/python benchmarks/bench_engine.py [--employees 1000000] [--repeat 3] [--shuffle]

Generates N employees (teams of ~8), three monthly rows each with 30 raw
metrics, 25 KPIs in 5 dimensions (5 of them derived ratios), a 360 dimension
(~8 raters each) and an OKR dimension (2 objectives × 2 key results), 5
reweighting rules, calibration by team and a bonus plan.  It prints

* the engine time (``appraise.core.evaluate.evaluate``: roll-up, derived metrics,
  rules, scores, redistribution, 360, OKR, grades, calibration, exact-decimal
  bonus, outcomes, lost points) — best of ``--repeat``;
* the time of a hand-written polars kernel computing the same weighted sums
  (metric roll-up, attainment, linear curves, 360 source means, OKR progress,
  dimension and total sums — no rules, calibration or bonus) and the ratio;
* peak memory of the process (ru_maxrss);
* the CPU time of both (all threads; on a shared machine steadier than wall time) and the load average.

The ruleset and a cycle file naming it (period 2026-Q3, the context the run uses, the
sources the generated tables stand for) are written to a temporary folder and
checked with the validator ``appraise validate`` uses; the engine then runs the
plan compiled from that validated file, and the benchmark refuses to measure
anything the validator rejects (``--keep DIR`` keeps the files, to run
``appraise validate DIR`` by hand).

Targets (issue #3): engine under 3 s and ratio ≤ 3 on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# appraise before polars, as the CLI does: it sets the allocator's decay (engine/__init__.py), which jemalloc reads
# when polars loads; the split keeps the import sorter from moving it after polars.
import appraise  # noqa: E402,F401

# isort: split
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
import yaml  # noqa: E402
from _valid import require_valid  # noqa: E402

from appraise.core.evaluate import evaluate  # noqa: E402
from appraise.language.compile import compile_ruleset  # noqa: E402
from appraise.language.load import load  # noqa: E402
from appraise.language.period import parse  # noqa: E402
from appraise.tables import Inputs  # noqa: E402

DIMS = ["results", "profit", "customers", "process", "growth"]
N_KPI = 5


def ruleset() -> dict:
    metrics = {}
    dims = {}
    for d in DIMS:
        kpis = {}
        for k in range(N_KPI):
            name = f"{d}_{k}"
            if k == N_KPI - 1:  # one derived ratio per dimension
                metrics[f"{name}_num"] = {"aggregate": "sum"}
                metrics[f"{name}_den"] = {"aggregate": "sum"}
                metrics[name] = {"formula": f"{name}_num / {name}_den"}
                kpis[name] = {"weight": 20, "target": 0.5, "curve": {"cap": 1.2}}
            else:
                metrics[name] = {"aggregate": "sum" if k % 2 == 0 else "mean"}
                kpis[name] = {"weight": 20, "target": 100 if k else "quota", "curve": {"floor": 0.5, "cap": 1.5}}
        dims[d] = {"weight": 14, "kpis": kpis}  # 5 × 14 + okr 10 + feedback 20 = 100
    metrics["quota"] = {"aggregate": "sum"}
    dims["okr"] = {"weight": 10, "okr": {}}
    dims["feedback"] = {"weight": 20,
                        "feedback360": {"scale": 5, "sources": {"manager": 40, "peer": 30, "customer": 30}}}
    return {
        "id": "bench", "version": "1",
        "attributes": {"team": "string", "region": "string", "target_bonus": "money"},
        "metrics": metrics,
        "scorecards": {"rep": {"dimensions": dims,
                               "adjustments": [{"id": "low", "when": "process_4 < 0.1", "points": -5}]}},
        "rules": [
            {"id": "war", "when": "context.price_war",
             "then": [{"set": {"customers.customers_0": 40}},
                      {"shift": {"from": "results", "to": "customers", "points": 4}}]},
            {"id": "blocked", "when": "region in context.blocked", "then": [{"drop": "growth.growth_1"}]},
            {"id": "ramp", "when": "tenure_months < 3", "then": [{"scale_target": {"results_0": 0.5}}]},
            {"id": "north", "when": 'region == "north"',
             "then": [{"shift": {"from": "profit", "to": "process", "points": 2}}]},
            {"id": "big", "when": "quota > 3000", "then": [{"set": {"profit.profit_0": 30}}]},
        ],
        "grades": [{"grade": "S", "min": 110}, {"grade": "A", "min": 95}, {"grade": "B", "min": 80},
                   {"grade": "C", "min": 60}, {"grade": "D", "min": 0}],
        "calibration": {"cohort": "team", "min_cohort": 5, "max_share": {"S": 0.1, "A": 0.3}},
        "bonus": {"target": "target_bonus", "attainment": "results_0",
                  "tiers": [{"from": 0.8, "pay": 0.4}, {"from": 1.0, "pay": 0.6}],
                  "excess": {"above": 1.0, "rate": 0.03}, "multiplier": {"S": 1.2, "A": 1.1, "B": 1, "C": 0.8, "D": 0},
                  "cap": 2.0, "rounding": 1},
        "outcomes": [{"id": "plan", "when": 'grade in ["C", "D"]', "plan": True}],
    }


PERIOD = "2026-Q3"
CONTEXT = {"price_war": True, "blocked": ["north"]}


def cycle() -> dict:
    """The cycle file the benchmark's run stands for: the generated tables are what these sources would provide."""
    return {"cycle": PERIOD, "ruleset": "bench.yaml", "context": CONTEXT,
            "sources": [{"provider": "csv", "path": "data/employees.csv", "kind": "employees"},
                        {"provider": "csv", "path": "data/metrics.csv"},
                        {"provider": "feedback360", "path": "data/feedback.csv"},
                        {"provider": "okr", "path": "data/okrs.csv"}],
            "store": "sqlite:///appraise.db", "output": "out/2026-Q3"}


def validated_plan(folder: Path):
    """The ruleset and its cycle written to ``folder`` as YAML, validated as ``appraise validate`` does (exits
    when either is refused), and the plan compiled from the validated ruleset file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.yaml").write_text(yaml.safe_dump(ruleset(), sort_keys=False, allow_unicode=True),
                                       encoding="utf-8")
    (folder / "cycle.yaml").write_text(yaml.safe_dump(cycle(), sort_keys=False), encoding="utf-8")
    require_valid(folder / "bench.yaml", folder / "cycle.yaml")
    doc = load(folder / "bench.yaml")
    return compile_ruleset(doc, str(folder / "bench.yaml"), (folder / "bench.yaml").read_bytes())


def generate(n: int, seed: int = 1, cents: bool = False) -> Inputs:
    rng = np.random.default_rng(seed)
    ids = np.array([f"E{i:07d}" for i in range(n)])
    employees = pl.DataFrame({
        "id": ids, "name": ids,
        "team": (np.arange(n) // 8).astype(str),
        "region": rng.choice(["north", "south", "east", "west"], n),
        "hire_date": rng.choice(["2019-03-01", "2026-08-01", "2022-05-17"], n),
        "target_bonus": rng.integers(10, 40, n).astype(str),
    }).with_columns(pl.col("target_bonus") + "000")
    rs = ruleset()
    raw = [m for m, spec in rs["metrics"].items() if "aggregate" in spec]
    months = ["2026-07", "2026-08", "2026-09"]
    cols = {"employee": np.repeat(ids, 3), "month": np.tile(months, n)}
    for m in raw:
        if m == "quota":
            cols[m] = np.full(3 * n, 1000.0)
        elif m.endswith("_den"):
            cols[m] = rng.uniform(50, 100, 3 * n)
        elif m.endswith("_num"):
            cols[m] = rng.uniform(10, 60, 3 * n)
        else:
            cols[m] = rng.uniform(20, 50, 3 * n) if m.endswith("_0") else rng.uniform(60, 140, 3 * n)
    if cents:  # as exports carry amounts: to the cent (the engine then sums whole cents, its fast exact path)
        cols.update({m: np.round(cols[m], 2) for m in raw})
    metrics = pl.DataFrame(cols)
    raters = 8
    rel = np.tile(np.array(["manager", "peer", "peer", "peer", "customer", "customer", "customer", "self"]), n)
    feedback = pl.DataFrame({"employee": np.repeat(ids, raters), "rater": np.tile([f"R{i}" for i in range(raters)], n),
                             "relation": rel, "rating": rng.integers(1, 6, raters * n).astype(float)})
    okrs = pl.DataFrame({
        "employee": np.repeat(ids, 4), "objective": np.tile(["o1", "o1", "o2", "o2"], n),
        "objective_index": np.tile([0, 0, 1, 1], n),
        "type": np.tile(["committed", "committed", "aspirational", "aspirational"], n),
        "key_result": np.tile(["a", "b", "c", "d"], n), "start": np.zeros(4 * n), "target": np.full(4 * n, 10.0),
        "current": rng.uniform(0, 12, 4 * n), "weight": np.ones(4 * n)})
    return Inputs(employees=employees, metrics=metrics, feedback=feedback, okrs=okrs)


def kernel(inputs: Inputs, rs: dict) -> pl.DataFrame:
    """Hand-written polars for the same weighted sums: roll-up, ratios, attainment, linear curves,
    360 source means (two-level, with anonymity thresholds), OKR progress, dimension and total sums.
    No rules, redistribution, calibration, bonus, outcomes or explanations."""
    metrics = rs["metrics"]
    dims = rs["scorecards"]["rep"]["dimensions"]
    aggs = [getattr(pl.col(m), spec["aggregate"])().alias(m) for m, spec in metrics.items() if "aggregate" in spec]
    df = inputs.metrics.lazy().group_by("employee").agg(aggs)
    df = df.with_columns([(pl.col(f"{m}_num") / pl.col(f"{m}_den")).alias(m)
                          for m, spec in metrics.items() if "formula" in spec])
    fb_spec = dims["feedback"]["feedback360"]
    src = (inputs.feedback.lazy().group_by("employee", "relation", "rater").agg(pl.col("rating").mean())
           .group_by("employee", "relation").agg(pl.col("rating").mean(), pl.len().alias("n"))
           .filter(pl.col("n") >= pl.when(pl.col("relation") == "manager").then(1).otherwise(3))
           .filter(pl.col("relation").is_in(list(fb_spec["sources"])))
           .with_columns(pl.col("relation").replace_strict(fb_spec["sources"], return_dtype=pl.Float64).alias("w"))
           .group_by("employee").agg(((pl.col("rating") / 5 * 100 * pl.col("w")).sum() / pl.col("w").sum())
                                     .alias("feedback")))
    kr = inputs.okrs.lazy().with_columns(((pl.col("current") - pl.col("start")) / (pl.col("target") - pl.col("start")))
                                         .clip(0, 1).alias("p"))
    okr = (kr.group_by("employee", "objective").agg(pl.col("type").first(),
                                                    ((pl.col("p") * pl.col("weight")).sum() / pl.col("weight").sum()))
           .with_columns(pl.when(pl.col("type") == "aspirational").then(pl.min_horizontal(pl.col("p") / 0.7, 1.0))
                         .otherwise(pl.col("p")))
           .group_by("employee").agg((pl.col("p").mean() * 100).alias("okr")))
    df = df.join(src, on="employee", how="left").join(okr, on="employee", how="left")
    total = [pl.col("feedback") * dims["feedback"]["weight"] / 100, pl.col("okr") * dims["okr"]["weight"] / 100]
    for spec in dims.values():
        if "kpis" not in spec:
            continue
        parts = []
        for k, kspec in spec["kpis"].items():
            target = pl.col("quota") if kspec["target"] == "quota" else pl.lit(float(kspec["target"]))
            a = pl.col(k) / target
            curve = kspec.get("curve", {})
            capped = pl.min_horizontal(a, pl.lit(curve.get("cap", 1.0)))
            s = pl.when(a < curve.get("floor", 0)).then(0.0).otherwise(capped * 100)
            parts.append(s * kspec["weight"] / 100)
        total.append(pl.sum_horizontal(parts) * spec["weight"] / 100)
    return df.with_columns(pl.sum_horizontal(total).alias("total")).collect()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shuffle", action="store_true",
                    help="shuffle every table's rows (exports usually come sorted by employee, which is faster)")
    ap.add_argument("--cents", action="store_true",
                    help="monthly values to the cent, as exports carry them (default: floats using every binary digit, "
                         "which the engine sums exactly the slower way)")
    ap.add_argument("--keep", type=Path, help="write the validated ruleset and cycle here (kept afterwards)")
    args = ap.parse_args()
    if args.keep:
        plan = validated_plan(args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="appraise-bench-engine-") as tmp:
            plan = validated_plan(Path(tmp))
    print(f"ruleset and cycle valid (appraise validate): {len(plan.metrics)} metrics")
    t0 = time.perf_counter()
    inputs = generate(args.employees, cents=args.cents)
    if args.shuffle:
        inputs = Inputs(**{name: getattr(inputs, name).sample(fraction=1.0, shuffle=True, seed=i)
                           for i, name in enumerate(("employees", "metrics", "feedback", "okrs"))})
    print(f"generated {args.employees:,} employees, {inputs.metrics.height:,} monthly rows, "
          f"{inputs.feedback.height:,} 360 ratings, {inputs.okrs.height:,} key results "
          f"({'shuffled' if args.shuffle else 'sorted by employee'}) in {time.perf_counter() - t0:.1f} s")
    data = ruleset()
    period = parse(PERIOD)
    context = CONTEXT
    times, cpu = [], []
    for _ in range(args.repeat):
        ev = None  # the previous result is freed first, as in a run of its own
        t, c = time.perf_counter(), time.process_time()
        ev = evaluate(plan, inputs, period, context)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    best = min(times)
    kbest, kcpu = float("inf"), float("inf")
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        kernel(inputs, data)
        kbest, kcpu = min(kbest, time.perf_counter() - t), min(kcpu, time.process_time() - c)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"engine: {best:.2f} s for {ev.frame.height:,} employees ({len(ev.errors)} errors), "
          f"{ev.frame.width} result columns; first run {times[0]:.2f} s (memory not yet mapped)")
    print(f"  CPU time (all threads; steadier than wall time on a busy machine): engine {min(cpu):.2f} s, "
          f"kernel {kcpu:.2f} s; load average {os.getloadavg()[0]:.1f}")
    print(f"  allocator: _RJEM_MALLOC_CONF={os.environ.get('_RJEM_MALLOC_CONF', '')}")
    print("  stages: " + ", ".join(f"{k} {v:.2f}" for k, v in ev.timings.items()))
    print(f"hand-written kernel (the same KPI, 360 and OKR weighted sums): {kbest:.2f} s; ratio {best / kbest:.2f}")
    print(f"peak memory (whole process, incl. generated data): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
