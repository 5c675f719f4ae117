"""The spec's worked example written out in every format the built-in providers read.

Each ``write_<format>(folder)`` copies the example ruleset into ``folder``,
writes the example data there in that format and returns the path of a Q3
cycle file reading it.  The data is the same; only the container differs.
"""
from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import polars as pl
import yaml

EXAMPLE = Path(__file__).parent / "fixtures" / "example"
DATA = EXAMPLE / "data"
HEADER = "# yaml-language-server: $schema=../../schemas/cycle.schema.json\n"


def frames() -> dict[str, pl.DataFrame]:
    """The example tables with natural column types (dates as dates, numbers as numbers)."""
    employees = pl.read_csv(DATA / "employees.csv", infer_schema=False).with_columns(
        pl.col("hire_date").str.to_date(), pl.col("target_bonus").cast(pl.Int64))
    metrics = pl.read_csv(DATA / "metrics.csv")
    feedback = pl.read_csv(DATA / "feedback.csv")
    rows = []
    okrs = yaml.safe_load((DATA / "okrs-2026-Q3.yaml").read_text(encoding="utf-8"))
    for emp, objectives in okrs.items():
        for obj in objectives:
            for kr in obj["key_results"]:
                rows.append({"employee": emp, "objective": obj["objective"],
                             "type": obj.get("type", "committed"), "key_result": kr["name"],
                             "start": float(kr["start"]), "target": float(kr["target"]),
                             "current": float(kr["current"]), "weight": float(kr.get("weight", 1))})
    return {"employees": employees, "metrics": metrics, "feedback": feedback, "okrs": pl.DataFrame(rows)}


def _cycle(folder: Path, sources: list[dict], name: str = "cycle.yaml", extra: dict | None = None) -> Path:
    shutil.copy(EXAMPLE / "sales-team.yaml", folder / "sales-team.yaml")
    body = {"cycle": "2026-Q3", "ruleset": "sales-team.yaml",
            "context": {"price_war": True, "restricted_regions": ["north"]},
            "sources": sources, "store": "sqlite:///out/appraise.db", "output": "out/2026-Q3", **(extra or {})}
    path = folder / name
    path.write_text(HEADER + yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_csv(folder: Path) -> Path:
    data = folder / "data"
    shutil.copytree(DATA, data, dirs_exist_ok=True)
    return _cycle(folder, [
        {"provider": "csv", "path": "data/employees.csv", "kind": "employees"},
        {"provider": "csv", "path": "data/metrics.csv"},
        {"provider": "feedback360", "path": "data/feedback.csv"},
        {"provider": "okr", "path": "data/okrs-2026-Q3.yaml"},
    ])


def write_xlsx(folder: Path) -> Path:
    """One workbook, a sheet per table; months and hire dates are real Excel dates."""
    from openpyxl import Workbook

    f = frames()
    book = Workbook()
    book.remove(book.active)
    for sheet, frame in (("员工", f["employees"]), ("metrics", f["metrics"].with_columns(
            pl.concat_str(pl.col("month"), pl.lit("-01")).str.to_date().alias("month"))),
            ("feedback", f["feedback"]), ("okrs", f["okrs"])):
        ws = book.create_sheet(sheet)
        ws.append(frame.columns)
        for row in frame.iter_rows():
            ws.append(list(row))
    book.save(folder / "appraisal.xlsx")
    return _cycle(folder, [
        {"provider": "excel", "path": "appraisal.xlsx", "sheet": "员工", "kind": "employees"},
        {"provider": "excel", "path": "appraisal.xlsx", "sheet": "metrics"},
        {"provider": "feedback360", "path": "appraisal.xlsx", "sheet": "feedback"},
        {"provider": "excel", "path": "appraisal.xlsx", "sheet": "okrs", "kind": "okr"},
    ])


def write_parquet(folder: Path) -> Path:
    f = frames()
    for name, frame in f.items():
        frame.write_parquet(folder / f"{name}.parquet")
    return _cycle(folder, [
        {"provider": "parquet", "path": "employees.parquet", "kind": "employees"},
        {"provider": "parquet", "path": "metrics.parquet"},
        {"provider": "parquet", "path": "feedback.parquet", "kind": "feedback360"},
        {"provider": "parquet", "path": "okrs.parquet", "kind": "okr"},
    ])


def load_sql(url: str) -> None:
    """Create and fill the example tables in a database (months as DATE, money as NUMERIC)."""
    import sqlalchemy as sa

    f = frames()
    engine = sa.create_engine(url)
    md = sa.MetaData()
    emp = sa.Table("employees", md, *(sa.Column(c, sa.Date if c == "hire_date" else
                                                sa.Numeric(12, 0) if c == "target_bonus" else sa.Text)
                                      for c in f["employees"].columns))
    met = sa.Table("monthly_sales", md, sa.Column("employee", sa.Text), sa.Column("month", sa.Date),
                   *(sa.Column(c, sa.Float) for c in f["metrics"].columns[2:]))
    fb = sa.Table("feedback", md, *(sa.Column(c, sa.Integer if c == "rating" else sa.Text)
                                    for c in f["feedback"].columns))
    okr = sa.Table("okrs", md, *(sa.Column(c, sa.Float if c in ("start", "target", "current", "weight") else sa.Text)
                                 for c in f["okrs"].columns))
    md.drop_all(engine)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(emp.insert(), f["employees"].to_dicts())
        conn.execute(met.insert(), [dict(r, month=date(int(r["month"][:4]), int(r["month"][5:]), 1))
                                    for r in f["metrics"].to_dicts()])
        conn.execute(fb.insert(), f["feedback"].to_dicts())
        conn.execute(okr.insert(), f["okrs"].to_dicts())
    engine.dispose()


def write_sql(folder: Path, url: str, name: str = "cycle.yaml", aggregate: bool = False) -> Path:
    """A cycle reading the tables of ``url`` (already loaded with :func:`load_sql`)."""
    (folder / "queries").mkdir(exist_ok=True)
    (folder / "queries" / "metrics.sql").write_text(
        "-- monthly rows of the cycle's period\n"
        "SELECT * FROM monthly_sales\n"
        "WHERE month >= :period_start AND month < :period_after\n", encoding="utf-8")
    metrics = ({"provider": "sql", "url": url, "table": "monthly_sales", "aggregate": True, "date": "month"}
               if aggregate else {"provider": "sql", "url": url, "query": "queries/metrics.sql"})
    return _cycle(folder, [
        {"provider": "sql", "url": url, "table": "employees", "kind": "employees"},
        metrics,
        {"provider": "sql", "url": url, "sql": "SELECT * FROM feedback WHERE period = :period", "kind": "feedback360"},
        {"provider": "sql", "url": url, "table": "okrs", "kind": "okr"},
    ], name=name)


def write_sqlite(folder: Path) -> Path:
    load_sql(f"sqlite:///{folder / 'appraise-data.db'}")
    return write_sql(folder, "sqlite:///appraise-data.db")


def write_duckdb(folder: Path, aggregate: bool = False) -> Path:
    """CSV and Parquet files queried by duckdb (the files are never loaded into Python)."""
    f = frames()
    f["metrics"].write_parquet(folder / "metrics.parquet")
    shutil.copytree(DATA, folder / "data", dirs_exist_ok=True)
    metrics = ({"provider": "duckdb", "path": "metrics.parquet", "aggregate": True} if aggregate else
               {"provider": "duckdb", "path": "metrics.parquet",
                "sql": "SELECT * FROM source WHERE month BETWEEN :period_first_month AND :period_last_month"})
    return _cycle(folder, [
        {"provider": "duckdb", "path": "data/employees.csv", "kind": "employees"},
        metrics,
        {"provider": "duckdb", "path": "data/feedback.csv", "kind": "feedback360"},
        {"provider": "okr", "path": "data/okrs-2026-Q3.yaml"},
    ])


def sqlite_rows(db: Path, sql: str) -> list:
    with sqlite3.connect(db) as con:
        return con.execute(sql).fetchall()


# ---------------------------------------------------------------- tests

import pytest  # noqa: E402

from appraise.language.cycle import load_cycle  # noqa: E402
from appraise.language.ruleset import load_ruleset  # noqa: E402
from appraise.provide.stage import Needs, provide  # noqa: E402


@pytest.fixture(autouse=True)
def _only_builtin_plugins(monkeypatch):
    """Isolate from third-party plugins installed in the environment."""
    from appraise.plugins import reset_plugin_manager

    monkeypatch.setenv("APPRAISE_PLUGINS", "")
    reset_plugin_manager()
    yield
    reset_plugin_manager()


def provided(cycle_path: Path):
    cycle = load_cycle(cycle_path)
    return provide(cycle, Needs.from_ruleset(load_ruleset(cycle.ruleset_path)))


SORT = {"employees": ["id"], "metrics": ["employee", "month"], "aggregated": ["employee"],
        "feedback": ["employee", "rater", "competency"], "okrs": ["employee", "objective_index", "key_result"]}


def canonical(inputs) -> dict[str, pl.DataFrame]:
    """The Inputs tables with rows sorted and columns in name order (what may legitimately differ)."""
    out = {}
    for table, keys in SORT.items():
        frame = getattr(inputs, table)
        if frame is None:
            out[table] = None
            continue
        if table == "feedback" and "period" in frame.columns:
            frame = frame.drop("period")  # a query may filter periods itself and not return the column
        out[table] = frame.select(sorted(frame.columns)).sort(keys)
    return out


def assert_same(a: dict, b: dict, label: str) -> None:
    for table in SORT:
        if a[table] is None or b[table] is None:
            assert a[table] is None and b[table] is None, f"{label}: {table} present in only one"
            continue
        assert a[table].schema == b[table].schema, f"{label}: {table} schema {b[table].schema}"
        assert a[table].equals(b[table]), f"{label}: {table} differs:\n{a[table]}\n{b[table]}"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    import os

    from appraise.plugins import reset_plugin_manager

    os.environ["APPRAISE_PLUGINS"] = ""
    reset_plugin_manager()
    try:
        return canonical(provided(write_csv(tmp_path_factory.mktemp("csv"))).inputs)
    finally:
        os.environ.pop("APPRAISE_PLUGINS", None)
        reset_plugin_manager()


def test_csv_reads_the_example(reference):
    assert reference["employees"]["id"].to_list() == ["E001", "E002", "E003", "E004", "E005"]
    assert reference["employees"].schema["target_bonus"] == pl.Utf8
    assert reference["employees"].filter(pl.col("id") == "E005")["name"].item() == "赵磊"
    m = reference["metrics"]
    assert m["month"].unique().sort().to_list() == ["2026-07", "2026-08", "2026-09"]  # Q2 rows are Q2's
    assert all(m.schema[c] == pl.Float64 for c in m.columns if c not in ("employee", "month"))
    assert reference["okrs"].height == 8 and reference["aggregated"] is None
    assert reference["feedback"].height == 96  # the Q3 rows only


@pytest.mark.parametrize("writer", [write_xlsx, write_parquet, write_sqlite, write_duckdb],
                         ids=["xlsx", "parquet", "sqlite", "duckdb"])
def test_every_format_gives_identical_inputs(writer, tmp_path, reference):
    result = provided(writer(tmp_path))
    assert result.diagnostics == [] and not result.skipped
    assert_same(reference, canonical(result.inputs), writer.__name__)
    assert result.inputs.sources and all(len(v) == 64 for v in result.inputs.sources.values())


@pytest.mark.postgres
def test_postgresql_gives_identical_inputs(tmp_path, reference):
    from pg import bindir, postgres_server

    if bindir() is None:
        pytest.skip("PostgreSQL binaries absent: apt-get install -y postgresql-15")
    from appraise.plugins import _sql_arrow
    from appraise.plugins import sql as sql_provider
    from appraise.provide import stage

    taken = []
    with postgres_server() as url:
        load_sql(url)
        with pytest.MonkeyPatch.context() as m:  # which sources came as Arrow batches (ADBC)
            m.setattr(sql_provider, "arrow_frame", lambda *a: taken.append(_sql_arrow.arrow_frame(*a)) or taken[-1])
            m.setattr(stage, "READ_THREADS", 1)  # one source after another: ``taken`` in the cycle's order
            result = provided(write_sql(tmp_path, url))
        assert_same(reference, canonical(result.inputs), "postgresql")
        with pytest.MonkeyPatch.context() as m:  # the plain path (Python rows) gives the same tables and digests
            m.setattr(sql_provider, "arrow_frame", lambda *a: None)
            plain = provided(write_sql(tmp_path, url))
        assert_same(canonical(plain.inputs), canonical(result.inputs), "postgresql, plain path")
        assert plain.inputs.sources == result.inputs.sources
        # text, integers, float8 and dates came as Arrow; the employees' NUMERIC target_bonus took the plain path
        assert [f is not None for f in taken] == [False, True, True, True]
        pushed = provided(write_sql(tmp_path, url, name="agg.yaml", aggregate=True))
    assert_same_aggregate(reference, pushed.inputs)
    assert all("postgres@127.0.0.1" in label for label in result.inputs.sources)
    assert not any(":" + "secret" in label for label in result.inputs.sources)


def expected_aggregate(reference) -> pl.DataFrame:
    """What the engine's own aggregation gives from the monthly rows (first/last: first/last non-null)."""
    needs = Needs.from_ruleset(load_ruleset(EXAMPLE / "sales-team.yaml"))
    fn = {"sum": lambda c: c.sum(), "mean": lambda c: c.mean(), "min": lambda c: c.min(),
          "max": lambda c: c.max(), "first": lambda c: c.drop_nulls().first(),
          "last": lambda c: c.drop_nulls().last()}
    m = reference["metrics"].sort("employee", "month")
    return m.group_by("employee").agg([fn[a](pl.col(n)).alias(n) for n, a in needs.metrics.items()]).sort("employee")


def assert_same_aggregate(reference, inputs) -> None:
    assert inputs.metrics is None
    got = inputs.aggregated.select("employee", *[c for c in expected_aggregate(reference).columns if c != "employee"])
    assert got.sort("employee").equals(expected_aggregate(reference)), got


def test_sqlite_push_down_aggregation(tmp_path, reference):
    load_sql(f"sqlite:///{tmp_path / 'appraise-data.db'}")
    # SQLite has no DATE type: months are stored as 'YYYY-MM-DD' text, which compares the same way
    result = provided(write_sql(tmp_path, "sqlite:///appraise-data.db", aggregate=True))
    assert_same_aggregate(reference, result.inputs)
    assert_same({**reference, "metrics": None, "aggregated": None},
                {**canonical(result.inputs), "metrics": None, "aggregated": None}, "sqlite-aggregate")


def test_duckdb_push_down_aggregation(tmp_path, reference):
    result = provided(write_duckdb(tmp_path, aggregate=True))
    assert_same_aggregate(reference, result.inputs)


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_csv('{secret}')",                     # another file
    "SELECT * FROM source UNION ALL SELECT * FROM read_csv('{secret}')",
    "SELECT * FROM glob('{folder}/*')",                        # listing folders
    "COPY (SELECT * FROM source) TO '{folder}/copy.csv'",      # writing
    "ATTACH '{folder}/other.db'",
])
def test_duckdb_queries_read_their_source_and_nothing_else(tmp_path, query):
    from appraise.errors import InvalidInput

    cycle = write_duckdb(tmp_path)
    secret = tmp_path / "secret.csv"
    secret.write_text("employee,month,revenue\nE001,2026-07,1\n", encoding="utf-8")
    data = yaml.safe_load(cycle.read_text(encoding="utf-8"))
    data["sources"][1]["sql"] = query.format(secret=secret, folder=tmp_path)
    cycle.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        provided(cycle)
    messages = [d.message for d in exc.value.diagnostics]
    assert any("duckdb refused the query" in m and "disabled by configuration" in m for m in messages), messages
    assert not (tmp_path / "copy.csv").exists() and not (tmp_path / "other.db").exists()


def test_duckdb_glob_sources_still_read_every_matching_file(tmp_path, reference):
    cycle = write_duckdb(tmp_path)
    whole = pl.read_parquet(tmp_path / "metrics.parquet")
    parts = tmp_path / "parts"
    parts.mkdir()
    half = whole.height // 2
    whole.head(half).write_parquet(parts / "a.parquet")
    whole.tail(whole.height - half).write_parquet(parts / "b.parquet")
    data = yaml.safe_load(cycle.read_text(encoding="utf-8"))
    data["sources"][1]["path"] = "parts/*.parquet"
    cycle.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (tmp_path / "one").mkdir()
    one = provided(write_duckdb(tmp_path / "one")).inputs
    assert canonical(provided(cycle).inputs)["metrics"].equals(canonical(one)["metrics"])


def test_values_read_through_var_in_a_url_never_reach_messages(tmp_path, monkeypatch):
    import socket

    from appraise.errors import InvalidInput

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("APPRAISE_TEST_HOST", "127.0.0.1")
    monkeypatch.setenv("APPRAISE_TEST_DB", "payroll_secret_db")
    monkeypatch.setenv("APPRAISE_TEST_PW", "hunter2-secret")
    cycle = write_sql(tmp_path, f"postgresql://hr:${{APPRAISE_TEST_PW}}@${{APPRAISE_TEST_HOST}}:{port}/${{APPRAISE_TEST_DB}}")
    with pytest.raises(InvalidInput) as exc:
        provided(cycle)
    text = "\n".join(str(d) for d in exc.value.diagnostics)
    assert "${APPRAISE_TEST_HOST}" in text  # the url as the cycle file writes it
    for secret in ("127.0.0.1", "payroll_secret_db", "hunter2-secret"):
        assert secret not in text, text


def test_sql_query_returning_period_totals_goes_to_aggregated(tmp_path):
    load_sql(f"sqlite:///{tmp_path / 'd.db'}")
    cycle = write_sql(tmp_path, "sqlite:///d.db")
    (tmp_path / "queries" / "metrics.sql").write_text(
        "SELECT employee, SUM(revenue) AS revenue, SUM(quota) AS quota FROM monthly_sales\n"
        "WHERE month >= :period_start AND month < :period_after GROUP BY employee", encoding="utf-8")
    rs = load_ruleset(load_cycle(cycle).ruleset_path)
    needs = Needs.from_ruleset(rs)  # the query gives two metrics: the others may be absent here
    needs = dataclasses.replace(needs, optional=frozenset(needs.metrics) - {"revenue", "quota"})
    agg = provide(load_cycle(cycle), needs).inputs.aggregated
    assert agg.columns == ["employee", "revenue", "quota"]
    assert agg.filter(pl.col("employee") == "E001").row(0) == ("E001", 1350000.0, 1080000.0)


def test_long_layout_gbk_and_renamed_columns(tmp_path, reference):
    """A Chinese Excel export: GBK, Chinese headers renamed with columns:, long layout, 2026/7 months."""
    cycle = write_csv(tmp_path)
    long = reference["metrics"].unpivot(index=["employee", "month"], variable_name="指标", value_name="数值")
    long = long.rename({"employee": "工号", "month": "月份"}).with_columns(
        pl.col("月份").str.replace("-0", "/"))
    (tmp_path / "data" / "metrics-gbk.csv").write_bytes(long.write_csv().encode("gbk"))
    text = cycle.read_text(encoding="utf-8").replace(
        "path: data/metrics.csv", "path: data/metrics-gbk.csv\n  layout: long\n"
        "  columns: {工号: employee, 月份: month, 指标: metric, 数值: value}")
    cycle.write_text(text, encoding="utf-8")
    got = canonical(provided(cycle).inputs)
    assert_same(reference, got, "gbk-long")


def test_bom_semicolons_and_month_spellings(tmp_path, reference):
    cycle = write_csv(tmp_path)
    metrics = reference["metrics"].with_columns(
        pl.when(pl.col("employee") == "E001").then(pl.col("month") + "-01")
        .when(pl.col("employee") == "E002").then(pl.col("month").str.replace("-", "年") + "月")
        .otherwise(pl.col("month")).alias("month"))
    body = metrics.write_csv(separator=";")
    (tmp_path / "data" / "metrics.csv").write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    assert_same(reference, canonical(provided(cycle).inputs), "bom")


def test_unknown_provider_and_option_are_cycle_errors(tmp_path):
    from appraise.errors import InvalidInput

    cycle = write_csv(tmp_path)
    cycle.write_text(cycle.read_text().replace("provider: feedback360", "provider: feedbak360")
                     .replace("kind: employees", "kind: employees\n  sheeet: x"), encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_cycle(cycle)
    text = str(info.value)
    assert "feedbak360" in text and "feedback360" in text and "sheeet" in text
    assert "cycle.yaml:" in text


def test_sources_hashes_are_of_the_files(tmp_path):
    import hashlib

    result = provided(write_csv(tmp_path))
    want = hashlib.sha256((tmp_path / "data" / "metrics.csv").read_bytes()).hexdigest()
    assert result.inputs.sources["data/metrics.csv"] == want
    assert set(result.inputs.sources) == {"data/employees.csv", "data/metrics.csv", "data/feedback.csv",
                                          "data/okrs-2026-Q3.yaml"}


# ---------------------------------------------------------------- same results.json whatever the source

def _results(cycle_path: Path) -> dict:
    from appraise.api import evaluate_cycle

    doc = evaluate_cycle(cycle_path)
    # Input checksums and paths name the files read: those differ by format on purpose.
    return {k: v for k, v in doc.items() if k not in ("inputs", "sources", "manifest", "cycle_file")}


@pytest.fixture(scope="module")
def reference_results(tmp_path_factory):
    import os

    from appraise.plugins import reset_plugin_manager

    os.environ["APPRAISE_PLUGINS"] = ""
    reset_plugin_manager()
    try:
        return _results(write_csv(tmp_path_factory.mktemp("csv-results")))
    finally:
        os.environ.pop("APPRAISE_PLUGINS", None)
        reset_plugin_manager()


WRITERS = {
    "xlsx": write_xlsx, "parquet": write_parquet, "sqlite": write_sqlite, "duckdb": write_duckdb,
    "duckdb-aggregate": lambda folder: write_duckdb(folder, aggregate=True),
    "sqlite-aggregate": lambda folder: (load_sql(f"sqlite:///{folder / 'appraise-data.db'}"),
                                        write_sql(folder, "sqlite:///appraise-data.db", aggregate=True))[1],
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_every_format_gives_identical_results(name, tmp_path, reference_results):
    assert reference_results["employees"], "the example scores employees"
    assert _results(WRITERS[name](tmp_path)) == reference_results


@pytest.mark.postgres
def test_postgresql_gives_identical_results(tmp_path, reference_results):
    from pg import bindir, postgres_server

    if bindir() is None:
        pytest.skip("PostgreSQL binaries absent: apt-get install -y postgresql-15")
    with postgres_server() as url:
        load_sql(url)
        assert _results(write_sql(tmp_path, url)) == reference_results
        assert _results(write_sql(tmp_path, url, name="agg.yaml", aggregate=True)) == reference_results


def test_annual_cycle_reads_quarterly_360_rounds_without_calling_them_duplicates(tmp_path):
    """The example's raters rate the same competencies in Q2 and Q3: in a 2026 cycle both rounds count."""
    import shutil

    from appraise.api import evaluate_cycle_results

    work = tmp_path / "example"
    shutil.copytree(Path(__file__).parent / "fixtures" / "example", work)
    text = (work / "cycle-q3.yaml").read_text(encoding="utf-8").replace("cycle: 2026-Q3", "cycle: 2026")
    (work / "cycle-2026.yaml").write_text(text, encoding="utf-8")
    res = evaluate_cycle_results(work / "cycle-2026.yaml")
    assert not [d for d in res.diagnostics if d.severity == "error"]
    raters = {e["id"]: e["dimensions"]["feedback"].get("raters") for e in res.document["employees"]}
    assert raters["E001"]["manager"] == 1  # one manager, two rounds: still one rater


# ---------------------------------------------------------------- excel: a title above the table

def _titled_xlsx(folder: Path, title_rows: list[list] | None = None, merge: bool = True) -> Path:
    """The example's metrics in an xlsx whose table starts below a title (merged across its columns) and a blank
    row: the header is on row 3; returns the workbook's path."""
    from openpyxl import Workbook

    f = frames()["metrics"]
    book = Workbook()
    ws = book.active
    ws.title = "销售数据"
    for row in title_rows or [["2026年第三季度销售数据"]]:
        ws.append(row)
    if merge:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=f.width)
    ws.append([])
    ws.append(f.columns)
    for row in f.iter_rows():
        ws.append(list(row))
    book.save(folder / "metrics.xlsx")
    return folder / "metrics.xlsx"


def _with_metrics_source(folder: Path, **options) -> Path:
    cycle = write_csv(folder)
    text = cycle.read_text(encoding="utf-8")
    entry = yaml.safe_dump([{"provider": "excel", "path": "metrics.xlsx", **options}], allow_unicode=True)
    assert "- provider: csv\n  path: data/metrics.csv\n" in text
    cycle.write_text(text.replace("- provider: csv\n  path: data/metrics.csv\n", entry), encoding="utf-8")
    return cycle


@pytest.mark.parametrize("options", [{"header_row": 3}, {"skip_rows": 1}, {"skip_rows": 2}])
def test_excel_header_row_and_skip_rows_read_the_table_below_a_title(tmp_path, reference, options):
    _titled_xlsx(tmp_path)
    result = provided(_with_metrics_source(tmp_path, **options))
    assert result.diagnostics == []
    assert_same(reference, canonical(result.inputs), str(options))


def test_excel_rows_in_messages_stay_the_sheets_rows_below_a_title(tmp_path):
    from appraise.hookspecs import SourceSpec
    from appraise.plugins._tabular import read_xlsx

    _titled_xlsx(tmp_path)
    sheet = read_xlsx(SourceSpec("excel", "metrics", tmp_path / "metrics.xlsx", options={"header_row": 3}))
    assert sheet.file == "metrics.xlsx[销售数据]" or sheet.file.endswith("metrics.xlsx[销售数据]")
    assert sheet.frame["_row"][:2].to_list() == [4, 5]  # the header on row 3, the data from row 4
    assert sheet.origin().at == (3, 1)


@pytest.mark.parametrize("lang, message, hint", [
    ("en", "row 1 looks like a title above the table ('2026年第三季度销售数据', one cell merged across A1:O1), not "
           "its header: the table's columns start on row 3",
     "say where the header is on this source in the cycle file: header_row: 3 (or skip_rows: 2)"),
    ("zh-CN", "第 1 行看起来是表格上方的标题（“2026年第三季度销售数据”，A1:O1 为合并单元格），"
              "不是表头：表格的列从第 3 行开始",
     "请在周期文件的此数据源中注明表头所在行：header_row: 3（或 skip_rows: 2）"),
])
def test_excel_a_merged_title_row_is_named_with_the_option_to_set(tmp_path, monkeypatch, lang, message, hint):
    from appraise.errors import InvalidInput

    monkeypatch.setenv("APPRAISE_LANG", lang)
    _titled_xlsx(tmp_path)  # 15 columns: A..O
    with pytest.raises(InvalidInput) as info:
        provided(_with_metrics_source(tmp_path))
    [d] = [d for d in info.value.diagnostics if d.code == "data-title-row"]
    assert (d.file.endswith("metrics.xlsx[销售数据]"), d.line, d.col) == (True, 1, 1)
    assert (d.message, d.hint) == (message, hint)


def test_excel_a_title_with_a_note_beside_it_gets_the_header_row_in_its_hint(tmp_path, monkeypatch):
    from appraise.errors import InvalidInput

    monkeypatch.setenv("APPRAISE_LANG", "en")
    _titled_xlsx(tmp_path, [["Q3 sales", "exported 2026-10-02"]], merge=False)
    with pytest.raises(InvalidInput) as info:
        provided(_with_metrics_source(tmp_path))
    [d] = [d for d in info.value.diagnostics if d.file.endswith("[销售数据]")]
    # row 1 (two cells) is taken for the header; row 3, the real header, has a value in column C
    assert (d.line, d.col, d.message) == (3, 3, "value in a column without a header")
    assert d.hint == ("row 1 is taken as the header and names 2 columns; if it is a title or a note above the table, "
                      "say where the header is on this source in the cycle file: header_row: 3")


def test_excel_header_options_that_cannot_be_right(tmp_path, monkeypatch):
    from appraise.errors import InvalidInput

    monkeypatch.setenv("APPRAISE_LANG", "en")
    _titled_xlsx(tmp_path)
    for options, expected in [
        ({"header_row": 2}, ("data-header", 2, "header_row: 2, but row 2 of the sheet is empty")),
        ({"header_row": 99}, ("data-empty", 30, "header_row: 99, but the sheet has only 30 rows")),  # 3 + 27 rows
        ({"header_row": 4}, ("data-missing-column", 4, "the metrics table has no column 'employee'")),
    ]:
        with pytest.raises(InvalidInput) as info:
            provided(_with_metrics_source(tmp_path, **options))
        d = next(d for d in info.value.diagnostics if d.file.endswith("[销售数据]"))
        assert (d.code, d.line, d.message[:len(expected[2])]) == expected, options
    with pytest.raises(InvalidInput) as info:
        load_cycle(_with_metrics_source(tmp_path, header_row=3, skip_rows=2))
    [d] = info.value.diagnostics
    assert d.message == "has both 'header_row' and 'skip_rows' for provider 'excel'; they say the same thing: keep one"
