"""The provide stage against a raw read of the same source, per kind of source (issue 17).

    .venv/bin/python benchmarks/bench_provide.py [--employees 100000] [--million] [--kinds csv parquet ...]
                                                 [--folder /tmp/appraise-bench-provide] [--json FILE] [--repeat 3]

The company is :mod:`appraise.tools.demo`'s (as ``bench_run.py`` makes it: employees, 3 monthly metric rows each,
360 feedback from ~8 raters, OKRs, for 2026-Q3), generated once per size under ``--folder``; its CSVs are also
written as Parquet files (column types inferred) and as one SQLite database (typed columns, and a ``metrics_year``
table with all twelve months of 2026).  Each kind of source is a cycle file of its own, validated as ``appraise
validate`` does (an invalid one is not measured):

==================  ================================================  =============================================
kind                the cycle's sources                               raw read (the reference)
==================  ================================================  =============================================
``csv``             ``csv``/``feedback360``/``okr`` on the CSVs       ``pl.read_csv(infer_schema=False)`` of each
``parquet``         ``parquet`` (and ``okr``) on the Parquet files    ``pl.read_parquet`` of each
``duckdb``          ``duckdb`` on the Parquet files                   duckdb ``SELECT *`` of each, as Arrow, to polars
``sqlite``          ``sql`` with ``table:`` on the database           ADBC ``SELECT *`` of each table, to polars
``sqlite-plain``    the same, the Arrow path switched off             the same raw read
``sqlite-year``     ``sql`` ``table: metrics_year`` (12 months)       ADBC ``SELECT *`` of the tables read
``sqlite-agg``      ``sql`` ``table: metrics_year``, ``aggregate``    the same as ``sqlite-year``
==================  ================================================  =============================================

Every measurement runs in a fresh process (``appraise`` imported first, as the CLI does): the provide stage is
:func:`appraise.provide.stage.provide` on the loaded cycle (loading and validating the cycle are not timed);
the raw read reads every table the cycle reads.  Printed: wall and CPU seconds (user + sys of the process, all
threads), peak RSS (``ru_maxrss``), the RSS before reading (imports, the loaded cycle) and the data's size (polars'
``estimated_size`` of the raw frames); ×raw is provide / raw read, and "memory / data" is (peak − before) / data,
for the raw read itself and for the provide stage (a reader's own buffers already take more than the frames it
gives: what the stage adds is the second figure over the first).
A watchdog stops a process above ``--max-rss-gib``.  ``--million`` adds 1,000,000 employees (several GiB).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from _valid import ROOT, require_valid

KINDS = ("csv", "parquet", "duckdb", "sqlite", "sqlite-plain", "sqlite-year", "sqlite-agg")
TABLES = (("employees", "employees"), ("metrics", "metrics"), ("feedback", "feedback360"), ("okrs", "okr"))

# In a fresh process: argv = kind, cycle, mode (raw | provide); prints one JSON line
_CHILD = r"""
import json, resource, sys, time
import appraise  # before polars, as the CLI
kind, cycle_path, mode = sys.argv[1:4]
from pathlib import Path
from appraise.pipeline import load
cycle, ruleset = load(cycle_path)
data = Path(cycle_path).parent / "data"
def rss():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmRSS:")) / 1024
import polars as pl
if mode == "raw":
    import duckdb  # imported before the clock, as the provider's import is
    if kind.startswith("sqlite"):
        import adbc_driver_sqlite.dbapi
if mode == "provide" and kind == "sqlite-plain":
    from appraise.plugins import sql as sql_provider
    sql_provider.arrow_frame = lambda *a: None
before = rss()
t, c = time.perf_counter(), time.process_time()
size = 0
if mode == "raw":
    frames = []
    for source in cycle.sources:
        if kind == "csv":
            frames.append(pl.read_csv(source.path, infer_schema=False))
        elif kind == "parquet":
            frames.append(pl.read_parquet(source.path))
        elif kind == "duckdb":
            con = duckdb.connect()
            frames.append(pl.from_arrow(con.sql(f"SELECT * FROM read_parquet('{source.path}')").arrow()))
            con.close()
        else:
            with adbc_driver_sqlite.dbapi.connect(str(data / "company.db")) as conn, conn.cursor() as cur:
                cur.execute(f"SELECT * FROM {source.options['table']}")
                frames.append(pl.from_arrow(cur.fetch_arrow_table()))
    size = sum(f.estimated_size() for f in frames)
else:
    from appraise.provide.stage import Needs, provide
    out = provide(cycle, Needs.from_ruleset(ruleset))
    tables = [getattr(out.inputs, n) for n in ("employees", "metrics", "aggregated", "feedback", "okrs")]
    size = sum(t.estimated_size() for t in tables if t is not None)
wall, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"wall": wall, "cpu": cpu, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "before_mib": before, "data_mib": size / 2**20}))
"""

# Runs the child under a memory watchdog: argv = limit MiB, command...
_WATCH = r"""
import json, os, signal, subprocess, sys, time
limit = int(sys.argv[1]) * 1024
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
stopped = False
while p.poll() is None:
    try:
        with open(f"/proc/{p.pid}/status") as fh:
            now = next(int(l.split()[1]) for l in fh if l.startswith("VmRSS:"))
    except (OSError, StopIteration):
        now = 0
    if now > limit:
        stopped = True
        p.kill()
    time.sleep(0.1)
out, err = p.communicate()
print(json.dumps({"rc": p.returncode, "stopped": stopped, "stdout": out, "stderr": err}))
"""


def company(folder: Path, employees: int) -> Path:
    """The demo company and its Parquet and SQLite copies (made once, in child processes)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_run import company as make

    folder.mkdir(parents=True, exist_ok=True)
    cycle = make(folder, employees)
    data = cycle.parent / "data"
    if not (data / "company.db").exists():
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", _CONVERT, str(data)], check=True)
        print(f"wrote Parquet and SQLite copies in {time.perf_counter() - t:.0f} s", flush=True)
    return cycle


_CONVERT = r"""
import sqlite3, sys
from pathlib import Path
import polars as pl
data = Path(sys.argv[1])
files = {"employees": "employees.csv", "metrics": "metrics.csv", "feedback": "feedback.csv",
         "okrs": "okrs-2026-Q3.csv"}
db = sqlite3.connect(data / "company.db.part")
def put(name, frame):
    types = {pl.Int64: "INTEGER", pl.Float64: "REAL"}
    cols = ", ".join(f'"{c}" {types.get(frame.schema[c], "TEXT")}' for c in frame.columns)
    db.execute(f"CREATE TABLE {name} ({cols})")
    for chunk in frame.iter_slices(200_000):
        db.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * frame.width)})", chunk.iter_rows())
for name, file in files.items():
    text = {"leave_date": pl.Utf8, "hire_date": pl.Utf8} if name == "employees" else None
    frame = pl.read_csv(data / file, infer_schema_length=100_000, schema_overrides=text)
    frame.write_parquet(data / f"{name}.parquet")
    put(name, frame)
    if name == "metrics":  # the quarter's rows copied into the other three quarters: a year of monthly rows
        month = pl.col("month").str.slice(5, 2).cast(pl.Int32)
        year = pl.concat([frame.with_columns((pl.lit("2026-") + (month - 6 + 3 * q).cast(pl.Utf8).str.zfill(2))
                                             .alias("month")) for q in range(4)])
        put("metrics_year", year.sort("employee", "month"))
    del frame
db.commit()
db.close()
(data / "company.db.part").rename(data / "company.db")
"""


def cycles(cycle: Path) -> dict[str, Path]:
    """One cycle file per kind of source, beside the company's own (same period, ruleset and context)."""
    head = cycle.read_text(encoding="utf-8").split("sources:")[0]
    tail = "store: sqlite:///appraise.db\noutput: out/2026-Q3\n"
    out = {}
    for kind in KINDS:
        lines = []
        for table, k in TABLES:
            if kind == "csv":
                path = {"employees": "employees.csv", "metrics": "metrics.csv", "feedback": "feedback.csv",
                        "okrs": "okrs-2026-Q3.csv"}[table]
                provider = {"feedback360": "feedback360", "okr": "okr"}.get(k, "csv")
                lines.append(f"{{provider: {provider}, path: data/{path}, kind: {k}{_allow(cycle, path)}}}")
            elif kind in ("parquet", "duckdb"):
                provider = "okr" if (k == "okr" and kind == "parquet") else kind
                allow = _allow(cycle, f"{table}.parquet") if kind == "parquet" else ""
                lines.append(f"{{provider: {provider}, path: data/{table}.parquet, kind: {k}{allow}}}")
            else:
                name = "metrics_year" if (table == "metrics" and kind in ("sqlite-year", "sqlite-agg")) else table
                agg = ", aggregate: true" if (table == "metrics" and kind == "sqlite-agg") else ""
                lines.append(f"{{provider: sql, url: 'sqlite:///data/company.db', table: {name}, kind: {k}{agg}}}")
        path = cycle.parent / f"cycle-provide-{kind}.yaml"
        path.write_text(head + "sources:\n" + "".join(f"  - {line}\n" for line in lines) + tail, encoding="utf-8")
        out[kind] = path
    return out


def _allow(cycle: Path, name: str) -> str:
    """``max_bytes:`` for a file above the 256 MiB default limit (the 360 CSV from ~260,000 people on)."""
    size = (cycle.parent / "data" / name).stat().st_size
    return f", max_bytes: {size // 2**20 + 1} MiB" if size > 256 * 2**20 else ""


def measure(kind: str, cycle: Path, mode: str, max_rss_gib: float) -> dict:
    done = subprocess.run([sys.executable, "-c", _WATCH, str(int(max_rss_gib * 1024)), sys.executable, "-c", _CHILD,
                           kind, str(cycle), mode], capture_output=True, text=True, check=True)
    res = json.loads(done.stdout)
    if res["stopped"]:
        raise SystemExit(f"{kind} {mode}: stopped, its memory passed {max_rss_gib} GiB")
    if res["rc"] != 0:
        raise SystemExit(f"{kind} {mode} failed:\n{res['stderr']}")
    return json.loads(res["stdout"].strip().splitlines()[-1])


def markdown(rows: list[dict]) -> str:
    lines = ["| employees | source | raw read | provide | ×raw (wall) | ×raw (CPU) | raw peak RSS | provide peak RSS "
             "| data | raw read memory / data | provide memory / data |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        raw, pro = r["raw"], r["provide"]
        used, raw_used = pro["peak_mib"] - pro["before_mib"], raw["peak_mib"] - raw["before_mib"]
        lines.append(
            f"| {r['employees']:,} | {r['kind']} | {raw['wall']:.2f} s ({raw['cpu']:.2f} s CPU) | {pro['wall']:.2f} s "
            f"({pro['cpu']:.2f} s CPU) | {pro['wall'] / raw['wall']:.1f} | {pro['cpu'] / raw['cpu']:.1f} | "
            f"{raw['peak_mib']:,.0f} MiB | {pro['peak_mib']:,.0f} MiB | {raw['data_mib']:,.0f} MiB | "
            f"{raw_used / raw['data_mib']:.1f} | {used / raw['data_mib']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--employees", type=int, nargs="+", default=[100_000])
    ap.add_argument("--million", action="store_true", help="also 1,000,000 employees (several GiB, minutes)")
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    ap.add_argument("--max-rss-gib", type=float, default=10.0, help="stop a process whose memory passes this")
    ap.add_argument("--folder", type=Path, default=Path("/tmp/appraise-bench-provide"))
    ap.add_argument("--json", type=Path, help="also write every figure here")
    ap.add_argument("--repeat", type=int, default=1, help="measure each kind this many times (raw read and provide "
                    "alternating, a fresh process each) and keep each one's run of least CPU")
    args = ap.parse_args()
    sizes = args.employees + ([1_000_000] if args.million and 1_000_000 not in args.employees else [])
    rows = []
    for employees in sizes:
        cycle = company(args.folder / str(employees), employees)
        files = cycles(cycle)
        require_valid(*(files[k] for k in args.kinds))
        for kind in args.kinds:
            runs = [(measure(kind, files[kind], "raw", args.max_rss_gib),
                     measure(kind, files[kind], "provide", args.max_rss_gib)) for _ in range(args.repeat)]
            raw = min((r for r, _ in runs), key=lambda r: r["cpu"])  # the least CPU of each (the steadier figure)
            provided = min((p for _, p in runs), key=lambda p: p["cpu"])
            rows.append({"employees": employees, "kind": kind, "raw": raw, "provide": provided})
            print(markdown(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
