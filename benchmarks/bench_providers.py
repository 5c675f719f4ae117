"""Raw deals → per-employee period totals: push-down in duckdb vs loading the rows into Python.

    .venv/bin/python benchmarks/bench_providers.py [--rows 10000000] [--dir /tmp/appraise-bench]

Generates ``rows`` deal rows (employee, date, amount, margin; 5,000 employees
over 2026) as Parquet and CSV under ``--dir`` (reused when present), then
aggregates one quarter (2026-Q3: revenue = sum of amount, gross_profit = sum of
margin, won_deals = count) per employee three ways, each in a fresh
subprocess so its peak RSS is its own:

* ``duckdb provider``: appraise's ``duckdb`` provider (the query runs inside
  duckdb, streaming the file; only the 5,000 result rows reach Python;
  includes sha256 of the input file for the manifest);
* ``polars eager``: ``read_parquet`` / ``read_csv`` of the whole file, then
  filter and group in memory (what a provider that returns raw rows costs);
* ``polars lazy``: ``scan_*`` with the same query, for reference.

Prints wall time and peak resident memory (the child's own VmHWM) per path;
the time includes importing the libraries.  The duckdb sources are first written
into a cycle file (with the worked example's ruleset, whose metrics they provide)
and validated as ``appraise validate`` does; an invalid one is not measured.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from _valid import ROOT, require_valid

QUERY = ("SELECT employee, SUM(amount) AS revenue, SUM(margin) AS gross_profit, COUNT(*) AS won_deals "
         "FROM source WHERE date >= :period_start AND date < :period_after GROUP BY employee")


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    import polars as pl

    folder.mkdir(parents=True, exist_ok=True)
    parquet, csv = folder / f"deals-{rows}.parquet", folder / f"deals-{rows}.csv"
    if parquet.exists() and csv.exists():
        return parquet, csv
    i = pl.int_range(0, rows, dtype=pl.Int64, eager=True).alias("i")
    h = [pl.col("i").hash(seed) for seed in range(4)]  # deterministic pseudo-random, not compressible
    frame = pl.DataFrame(i).select(
        (pl.lit("E") + (h[0] % 5000).cast(pl.Utf8).str.zfill(5)).alias("employee"),
        (pl.date(2026, 1, 1) + pl.duration(days=h[1] % 365)).alias("date"),
        ((h[2] % 10_000_000).cast(pl.Float64) / 100 + 100).alias("amount"),
        ((h[3] % 3_000_000).cast(pl.Float64) / 100).alias("margin"),
    )
    frame.write_parquet(parquet)
    frame.write_csv(csv)
    return parquet, csv


def _child(path: str, fmt: str, how: str) -> None:
    """Runs in the subprocess: aggregate, then report time, peak RSS and a checksum of the result."""
    import resource

    start = time.perf_counter()
    if how == "duckdb":
        from appraise.hookspecs import ProvideRequest, SourceSpec
        from appraise.language.period import parse
        from appraise.plugins.duckdb_provider import DuckdbProvider

        spec = SourceSpec("duckdb", "metrics", Path(path), options={"sql": QUERY}, base_dir=Path(path).parent)
        result = DuckdbProvider().read(spec, ProvideRequest("metrics", parse("2026-Q3")))
        out = result.inputs.aggregated
    else:
        import polars as pl

        if how == "eager":
            frame = pl.read_parquet(path) if fmt == "parquet" else pl.read_csv(path, try_parse_dates=True)
            rows = frame.lazy()
        else:
            rows = pl.scan_parquet(path) if fmt == "parquet" else pl.scan_csv(path, try_parse_dates=True)
        out = (rows.filter(pl.col("date").is_between(pl.date(2026, 7, 1), pl.date(2026, 9, 30)))
               .group_by("employee").agg(pl.col("amount").sum().alias("revenue"),
                                         pl.col("margin").sum().alias("gross_profit"),
                                         pl.len().alias("won_deals")).collect())
    seconds = time.perf_counter() - start
    # VmHWM is this process's own high-water mark; ru_maxrss would carry over the parent's across fork+exec.
    status = Path("/proc/self/status").read_text() if Path("/proc/self/status").exists() else ""
    hwm = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    peak_kib = int(hwm[0]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "employees": out.height,
                      "revenue": round(float(out["revenue"].sum()), 2)}))


def validate_sources(folder: Path, files: list[Path]) -> None:
    """A cycle reading ``files`` with the duckdb provider and :data:`QUERY`, as the measured children do, under the
    worked example's ruleset (revenue, gross_profit, won_deals are its metrics): refused unless it validates."""
    shutil.copy(ROOT / "tests" / "fixtures" / "example" / "sales-team.yaml", folder / "sales-team.yaml")
    cycle = {"cycle": "2026-Q3", "ruleset": "sales-team.yaml",
             "context": {"price_war": False, "restricted_regions": []},
             "sources": [{"provider": "duckdb", "path": f.name, "sql": QUERY} for f in files],
             "output": "out"}
    (folder / "cycle-bench.yaml").write_text(yaml.safe_dump(cycle, sort_keys=False), encoding="utf-8")
    require_valid(folder / "cycle-bench.yaml")


def run(path: Path, fmt: str, how: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(path), fmt, how], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/appraise-bench"))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    t = time.perf_counter()
    # Generate in a child too, so this parent stays small while it runs the measured children.
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                    f"import bench_providers as b; from pathlib import Path; b.generate(Path({str(args.dir)!r}), "
                    f"{args.rows})"], check=True)
    parquet, csv = args.dir / f"deals-{args.rows}.parquet", args.dir / f"deals-{args.rows}.csv"
    print(f"data: {args.rows:,} deal rows; parquet {parquet.stat().st_size / 2**20:,.0f} MiB, "
          f"csv {csv.stat().st_size / 2**20:,.0f} MiB (ready in {time.perf_counter() - t:.1f} s)")
    validate_sources(args.dir, [parquet, csv])
    print(f"{'format':8} {'path':16} {'seconds':>8} {'peak RSS MiB':>13} {'employees':>10}  revenue check")
    for fmt, path in (("parquet", parquet), ("csv", csv)):
        for how, label in (("duckdb", "duckdb provider"), ("eager", "polars eager"), ("lazy", "polars lazy")):
            r = run(path, fmt, how)
            print(f"{fmt:8} {label:16} {r['seconds']:8.2f} {r['peak_mib']:13.0f} {r['employees']:10,}  "
                  f"{r['revenue']:,.2f}")


if __name__ == "__main__":
    main()
