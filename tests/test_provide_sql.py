"""The ``sql`` provider (issue 17): binary cells, and the period pushed down into ``table:`` reads.

- A blob (SQLite ``BLOB``, PostgreSQL ``bytea``, duckdb ``BLOB``) that is UTF-8 text is read as that text, giving
  what the same text in a text column gives; one that is not is refused at its table, column and row, in English
  and in Chinese, with what to do.  It used to crash the digest ("datatype binary cannot be written to CSV").
- ``table:`` metrics from SQLite leave the rows surely of other months in the database, keeping each row's number
  in the whole table: the provided tables and every message (row numbers, values) are those of reading every row.
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import appraise
from appraise.commands import localized
from appraise.errors import InvalidInput
from appraise.hookspecs import ProvideRequest, SourceSpec
from appraise.language.cycle import load_cycle
from appraise.language.period import parse
from appraise.plugins import duckdb_provider
from appraise.plugins import sql as sql_provider
from appraise.provide.stage import Needs, provide
from engine_inputs import EXAMPLE

Q3 = parse("2026-Q3")
PEOPLE = [("E1", "Li Wei"), ("E2", "张敏"), ("E3", None)]

# ------------------------------------------------------------------ binary cells


def _employees(db: Path, name_type: str, names) -> None:
    con = sqlite3.connect(db)
    con.execute(f"CREATE TABLE e (id text, name {name_type})")
    con.executemany("INSERT INTO e VALUES (?, ?)", [(i, n) for (i, _), n in zip(PEOPLE, names, strict=True)])
    con.commit()
    con.close()


def _read_employees(db: Path):
    source = SourceSpec("sql", "employees", None, options={"url": f"sqlite:///{db}", "table": "e"},
                        base_dir=db.parent)
    return sql_provider.SqlProvider().read(source, ProvideRequest(kind="employees", period=Q3))


def test_a_blob_of_utf8_text_is_read_as_that_text(tmp_path):
    text, blob = tmp_path / "text" / "d.db", tmp_path / "blob" / "d.db"
    text.parent.mkdir()
    blob.parent.mkdir()
    _employees(text, "text", [n for _, n in PEOPLE])
    _employees(blob, "blob", [n.encode("utf-8") if n is not None else None for _, n in PEOPLE])
    got, want = _read_employees(blob), _read_employees(text)
    assert got.inputs.employees["name"].to_list() == ["Li Wei", "张敏", None]
    assert_frame_equal(got.inputs.employees, want.inputs.employees)
    assert list(got.inputs.sources.values()) == list(want.inputs.sources.values())  # the same digest


def test_a_text_column_holding_a_blob_reads_it_as_text(tmp_path):
    db = tmp_path / "d.db"
    _employees(db, "text", ["Li Wei", "张敏".encode(), None])  # SQLite keeps the blob a blob in a text column
    assert _read_employees(db).inputs.employees["name"].to_list() == ["Li Wei", "张敏", None]


@pytest.mark.parametrize("locale, words", [
    ("en", ["column 'name' of table e holds binary data (a blob) that is not UTF-8 text",
            "row 2 of the result of the query: SELECT * FROM e", "store the column as UTF-8 text",
            "sql: SELECT id FROM e"]),
    ("zh-CN", ["表 e 的列 'name' 含有不是 UTF-8 文本的二进制数据", "查询结果的第 2 行：SELECT * FROM e",
               "请把该列存为 UTF-8 文本，或读取时不含该列：sql: SELECT id FROM e"]),
])
def test_a_blob_that_is_not_text_is_refused_where_it_is(tmp_path, locale, words):
    db = tmp_path / "d.db"
    _employees(db, "blob", [b"Li Wei", b"\xff\xfe\x00", None])
    with pytest.raises(InvalidInput) as info:
        _read_employees(db)
    (diag,) = localized(info.value.diagnostics, locale)  # as the command line shows it
    shown = f"{diag}"
    assert all(w in shown for w in words), shown
    assert diag.path == "name" and diag.code == "data-binary"


def test_a_run_reading_blobs_does_not_crash(tmp_path):
    """The whole provide stage: blob names read as text; a blob that is not text is an error, not a crash."""
    folder = tmp_path / "run"
    shutil.copytree(EXAMPLE, folder)
    rows = pl.read_csv(folder / "data" / "employees.csv", infer_schema=False)
    con = sqlite3.connect(folder / "data" / "e.db")
    con.execute("CREATE TABLE e (" + ", ".join(f'"{c}" {"blob" if c == "name" else "text"}' for c in rows.columns)
                + ")")
    con.executemany(f"INSERT INTO e VALUES ({', '.join('?' * rows.width)})",
                    [tuple(v.encode() if c == "name" and v is not None else v for c, v in zip(rows.columns, r,
                                                                                            strict=True))
                     for r in rows.iter_rows()])
    con.commit()
    cycle = folder / "cycle-q3.yaml"
    cycle.write_text(cycle.read_text(encoding="utf-8").replace(
        "{provider: csv, path: data/employees.csv, kind: employees}",
        "{provider: sql, url: 'sqlite:///data/e.db', table: e, kind: employees}"), encoding="utf-8")
    needs = Needs.from_ruleset(appraise.load_ruleset(folder / "sales-team.yaml"))
    out = provide(load_cycle(cycle), needs)
    assert out.inputs.employees["name"].to_list() == rows["name"].to_list()
    con.execute("UPDATE e SET name = x'c3' WHERE id = 'E002'")  # a lone lead byte: not UTF-8
    con.commit()
    con.close()
    with pytest.raises(InvalidInput) as info:
        provide(load_cycle(cycle), needs)
    assert any("column 'name' of table e holds binary data" in d.message and "row 2 of the result" in d.message
               for d in info.value.diagnostics)


def test_duckdb_blobs_are_read_as_text_too(tmp_path):
    path = tmp_path / "e.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM (VALUES ('E1', 'Li Wei'::BLOB), ('E2', '\\xE5\\xBC\\xA0'::BLOB)) t(id, name)) "
                f"TO '{path}' (FORMAT parquet)")
    con.close()
    source = SourceSpec("duckdb", "employees", path, options={}, base_dir=tmp_path)
    out = duckdb_provider.DuckdbProvider().read(source, ProvideRequest(kind="employees", period=Q3))
    assert out.inputs.employees["name"].to_list() == ["Li Wei", "张"]


# ------------------------------------------------------------------ the period pushed down into table: reads


def _year_database(folder: Path, db: str = "m.db", delete: bool = False, fatal: bool = True) -> int:
    """The example's metric rows for 2026-Q3 and copies in Q1 and Q4 (a year's table), with broken rows in other
    months (never reported) and in the period (reported at their row); ``fatal``: also rows no employee can be
    skipped for (no employee, a month that is not one); returns the table's row count."""
    frame = pl.read_csv(folder / "data" / "metrics.csv")
    q3 = frame.filter(pl.col("month").str.slice(5, 2).is_in(["07", "08", "09"]))
    month = pl.col("month").str.slice(5, 2).cast(pl.Int32)
    shifted = [q3.with_columns((pl.lit("2026-") + (month + s).cast(pl.Utf8).str.zfill(2)).alias("month"))
               for s in (-6, 3)]
    year = pl.concat([shifted[0], q3, shifted[1]])  # other months first: the period's rows are not rows 1, 2...
    rows = [list(r) for r in year.iter_rows()]
    width = year.width
    other = [["E002", "2026-01", "x"], ["NOBODY", "2026-03", 1], [None, "2026-02", 1], ["E001", "2026-99", 1],
             ["E001", "2026/10", 1], ["E001", " 2026-11", 1], [" E003 ", "2026-02", 1], [7, "2026-02", 1]]
    period = [["NOBODY", "2026-08", 1], ["E002", "2026-09", "lots"]]
    if not fatal:
        other = [o for o in other if o[0] is not None and o[1] != "2026-99"]
    rows[5:5] = [[e, m] + [v] * (width - 2) for e, m, v in other[:4]]
    rows += [[e, m] + [v] * (width - 2) for e, m, v in other[4:] + period]
    con = sqlite3.connect(folder / "data" / db)
    con.execute("CREATE TABLE metrics_year (employee TEXT, month TEXT, "
                + ", ".join(f'"{c}" REAL' for c in year.columns[2:]) + ")")
    con.executemany(f"INSERT INTO metrics_year VALUES ({', '.join('?' * width)})", rows)
    if delete:  # rowids no longer 1..n: no push-down
        con.execute("DELETE FROM metrics_year WHERE rowid = 1")
    con.commit()
    con.close()
    return len(rows) - delete


def _provided(cycle: Path):
    rs = appraise.load_ruleset(cycle.parent / "sales-team.yaml")
    try:
        return provide(load_cycle(cycle), Needs.from_ruleset(rs))
    except InvalidInput as exc:
        return [str(d) for d in exc.diagnostics]


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    folder = tmp_path_factory.mktemp("year")
    shutil.copytree(EXAMPLE, folder, dirs_exist_ok=True)
    count = _year_database(folder)
    _year_database(folder, "skip.db", fatal=False)
    text = (folder / "cycle-q3.yaml").read_text(encoding="utf-8")
    for name, on_error in (("m", ""), ("skip", "on_error: skip-employee\n")):
        (folder / f"cycle-{name}.yaml").write_text(on_error + text.replace(
            "{provider: csv, path: data/metrics.csv}",
            f"{{provider: sql, url: 'sqlite:///data/{name}.db', table: metrics_year}}"), encoding="utf-8")
    return folder, count


def _both(cycle: Path, monkeypatch):
    """(pushed down, every row read, whether the push-down was taken)"""
    real = sql_provider._period_rows
    taken = []
    monkeypatch.setattr(sql_provider, "_period_rows", lambda *a: taken.append(real(*a)) or taken[-1])
    fast = _provided(cycle)
    monkeypatch.setattr(sql_provider, "_period_rows", lambda *a: None)
    return fast, _provided(cycle), any(t is not None for t in taken)


def test_the_period_pushed_down_keeps_every_message_and_row_number(year, monkeypatch):
    folder, count = year
    fast, slow, pushed = _both(folder / "cycle-m.yaml", monkeypatch)
    assert pushed
    assert fast == slow
    # worked out from the table: the two broken rows of the period are its last two rows, 2026-99 (not a month,
    # reported whatever its period) its 9th (after 5 rows of other months and 3 other broken rows)
    assert any(f"row {count - 1} of the result of the query: SELECT * FROM metrics_year" in d
               and "employee 'NOBODY', who is not in the employees table" in d for d in fast), fast
    assert any(f"row {count} of the result of the query" in d and "'lots'" in d for d in fast), fast
    assert any("month '2026-99' of employee E001 is not a month (row 9 of the result" in d for d in fast), fast
    assert not any("'x'" in d for d in fast)  # a broken value of another month: never reported


def test_the_period_pushed_down_provides_the_same_tables(year, monkeypatch):
    folder, _ = year
    fast, slow, pushed = _both(folder / "cycle-skip.yaml", monkeypatch)
    assert pushed and not isinstance(fast, list) and not isinstance(slow, list)
    assert fast.diagnostics == slow.diagnostics and fast.skipped == slow.skipped and fast.skipped
    for table in ("employees", "metrics", "aggregated", "feedback", "okrs"):
        a, b = getattr(fast.inputs, table), getattr(slow.inputs, table)
        assert (a is None) == (b is None)
        if a is not None:
            assert_frame_equal(a, b)
    lines = (folder / "data" / "metrics.csv").read_text(encoding="utf-8").splitlines()[1:]
    kept = [x for x in lines if x.split(",")[1] in ("2026-07", "2026-08", "2026-09") and not x.startswith("E002,")]
    # the period's rows but E002's (a broken row: skipped), and NOBODY's (no one's, so no one skipped for it)
    assert fast.inputs.metrics.height == len(kept) + 1
    (label,) = [k for k in fast.inputs.sources if "metrics_year" in k]
    assert fast.inputs.sources[label] != slow.inputs.sources[label]  # the digest is of the rows read (README)


def test_no_push_down_when_row_numbers_could_not_be_kept(tmp_path, monkeypatch):
    shutil.copytree(EXAMPLE, tmp_path, dirs_exist_ok=True)
    _year_database(tmp_path, delete=True)
    cycle = tmp_path / "cycle-q3.yaml"
    cycle.write_text(cycle.read_text(encoding="utf-8").replace(
        "{provider: csv, path: data/metrics.csv}",
        "{provider: sql, url: 'sqlite:///data/m.db', table: metrics_year}"), encoding="utf-8")
    fast, slow, pushed = _both(cycle, monkeypatch)
    assert not pushed and fast == slow
