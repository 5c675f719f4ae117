"""The provide stage at scale (issue 17): each fast path gives exactly what the plain path gives.

- SQL results as Arrow batches (ADBC, :mod:`appraise.plugins._sql_arrow`) against the plain path's Python rows:
  the same frame and the same digest; the cases the Arrow path must refuse (SQLite cells of another type than their
  column's, met in a later batch or in a text column) go the plain way.
- ``aggregate: true``'s first/last from one GROUP BY joined back, against values worked out by hand.
- Rows of other months left out by the file readers (CSV, Parquet, xlsx) against reading every row: the same
  tables and the same messages, also with broken rows in other months and a file with no row of the period.
- Repeated keys found by hashing first, against comparing the keys; text trimmed once (``TEXT_CLEAN``) against
  trimming again.
"""
from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal

import appraise
from appraise.errors import InvalidInput
from appraise.hookspecs import ProvideRequest, SourceSpec
from appraise.language.cycle import load_cycle
from appraise.language.period import parse
from appraise.plugins import _sql_arrow, _tabular
from appraise.plugins import sql as sql_provider
from appraise.provide import checks, stage
from appraise.provide.stage import Needs, provide
from engine_inputs import EXAMPLE

Q3 = parse("2026-Q3")

# ------------------------------------------------------------------ SQL through Arrow


def _read(db: Path, sql: str, arrow: bool, monkeypatch, kind: str = "metrics"):
    """(frame, digest) of the sql provider reading ``sql`` from ``db``, by the Arrow path or the plain one."""
    source = SourceSpec("sql", kind, None, options={"url": f"sqlite:///{db}", "sql": sql}, base_dir=db.parent)
    request = ProvideRequest(kind=kind, period=Q3, metrics={"revenue": "sum"})
    taken = []
    with monkeypatch.context() as m:
        if arrow:
            real = _sql_arrow.arrow_frame
            m.setattr(sql_provider, "arrow_frame", lambda *a: taken.append(real(*a)) or taken[-1])
        else:
            m.setattr(sql_provider, "arrow_frame", lambda *a: None)
        m.setattr(_sql_arrow, "BATCH_ROWS", 2)  # several batches even for a few rows
        try:
            out = sql_provider.SqlProvider().read(source, request)
        except InvalidInput as exc:
            return [str(d) for d in exc.diagnostics], (taken[-1] is not None if taken else None)
        except Exception as exc:  # a blob in a text column fails in polars, on either path (the stage says so)
            return [f"{type(exc).__name__}: {exc}"], (taken[-1] is not None if taken else None)
    table = next(t for t in ("metrics", "aggregated", "employees", "feedback") if getattr(out.inputs, t) is not None)
    return (getattr(out.inputs, table), *out.inputs.sources.values()), (taken[-1] is not None if taken else None)


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sql") / "data.db"
    con = sqlite3.connect(db)
    con.execute('CREATE TABLE clean (employee TEXT, month TEXT, revenue REAL, won INTEGER, "odd ""name""" TEXT, '
                "blank TEXT)")
    con.executemany("INSERT INTO clean VALUES (?, ?, ?, ?, ?, NULL)",
                    [(f"E{i % 3}", f"2026-0{7 + i % 3}", 1.5 * i, i, f" x{i} ") for i in range(7)])
    con.execute("CREATE TABLE mixed (a, b, c, d)")  # no affinity: every cell keeps its own type
    con.executemany("INSERT INTO mixed VALUES (?, ?, ?, ?)",
                    [(1, "t", "t", 1.5), (2, "t", "t", 2.0), (3, "t", "t", 3), (4.5, 7, b"\x00b", 4.5),
                     (5, "t", "t", "x")])
    con.commit()
    con.close()
    return db


@pytest.mark.parametrize("sql", [
    "SELECT * FROM clean",
    "SELECT employee, month, revenue FROM clean WHERE month >= :period_first_month AND month <= :period_last_month",
    "SELECT employee, :period AS period, won * 2 AS twice FROM clean ORDER BY won DESC",
    "SELECT employee, month, revenue FROM clean WHERE 0",  # no rows: the plain path
], ids=["table", "parameters", "expressions", "empty"])
def test_sqlite_through_arrow_is_the_plain_path(sql, database, monkeypatch):
    (fast, fast_sha), taken = _read(database, sql, True, monkeypatch)
    (plain, plain_sha), _ = _read(database, sql, False, monkeypatch)
    assert_frame_equal(fast, plain)
    assert fast_sha == plain_sha
    assert taken is ("WHERE 0" not in sql)  # the Arrow path was taken wherever there were rows


@pytest.mark.parametrize("column", ["a", "b", "c", "d"])
def test_sqlite_cells_of_another_type_take_the_plain_path(column, database, monkeypatch):
    """a: an integer column with a real in a later batch; b: text with a number; c: text with a blob;
    d: reals with a text: the driver would refuse or respell them, so the plain path reads them."""
    sql = f"SELECT {column} AS employee, 'x' AS month FROM mixed"
    fast, taken = _read(database, sql, True, monkeypatch)
    plain, _ = _read(database, sql, False, monkeypatch)
    assert taken is False
    if isinstance(plain, list):
        assert fast == plain
    else:
        assert_frame_equal(fast[0], plain[0])


def test_a_query_the_database_refuses_says_so_as_before(database, monkeypatch):
    fast, _ = _read(database, "SELECT nope FROM clean", True, monkeypatch)
    plain, _ = _read(database, "SELECT nope FROM clean", False, monkeypatch)
    assert fast == plain and "no such column: nope" in fast[0]


# ------------------------------------------------------------------ aggregate: true, first and last


def test_first_and_last_from_one_group_by(tmp_path):
    """Worked by hand: first = the value of the earliest month having one, last = of the latest; a row without an
    employee stays a row (the stage reports it); sums over the period's months only."""
    from appraise.hookspecs import Origin
    from appraise.plugins._query import aggregate_query

    db = tmp_path / "a.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE m (employee TEXT, month TEXT, revenue REAL, start REAL, kept REAL)")
    con.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?)", [
        ("E1", "2026-06", 100, 1, 1),      # before the period: not read
        ("E1", "2026-07", 1, None, 10),
        ("E1", "2026-08", 2, 20, None),
        ("E1", "2026-09", 3, 30, None),
        ("E2", "2026-09", 5, None, None),  # nothing first or last
        (None, "2026-08", 7, 70, 70),      # no employee
    ])
    sql, values, diags = aggregate_query("SELECT * FROM m", ["employee", "month", "revenue", "start", "kept"],
                                         {"revenue": "sum", "start": "first", "kept": "last"},
                                         lambda n: '"' + n + '"', None, Origin("x"))
    assert not diags and values == ["revenue", "start", "kept"]
    rows = con.execute(sql, {"period_first_month": "2026-07", "period_last_month": "2026-09"}).fetchall()
    assert rows == [(None, 7.0, None, None), ("E1", 6.0, 20.0, 10.0), ("E2", 5.0, None, None)]


# ------------------------------------------------------------------ file sources: other months left out


def _year_company(tmp_path: Path, fmt: str, broken: bool) -> Path:
    """The example company with Q1 and Q4 copies of its Q3 metric rows as ``fmt``; ``broken`` adds broken rows
    (a text for a number, an unknown employee, no employee, a padded employee, a bad month, other spellings of
    months) in other months."""
    folder = tmp_path / f"{fmt}-{broken}"
    shutil.copytree(EXAMPLE, folder)
    path = folder / "data" / "metrics.csv"
    header, *body = path.read_text(encoding="utf-8-sig").splitlines()
    width = len(header.split(","))
    extra = []
    for line in body:
        emp, month, *values = line.split(",")
        if month[5:] in ("07", "08", "09"):
            extra += [",".join([emp, f"2026-{int(month[5:]) + shift:02d}", *values]) for shift in (-6, 3)]
    if broken:
        bad = [["E002", "2026-01", "x"], ["NOBODY", "2026-03", "1"], ["", "2026-02", "1"],
               [" E003 ", "2026-02", "1"], ["E003", "2026-99", "1"], ["E001", "2026/10", "1"],
               ["E001", " 2026-11", "1"]]
        extra += [",".join([e, m] + [v] * (width - 2)) for e, m, v in bad]
    path.write_text("\n".join([header, *body, *extra]) + "\n", encoding="utf-8")
    if fmt != "csv":
        frame = pl.read_csv(path, infer_schema=False)
        target = folder / "data" / f"metrics.{fmt}"
        if fmt == "parquet":
            frame.write_parquet(target)
        else:
            frame.write_excel(target)
        cycle = folder / "cycle-q3.yaml"
        provider = {"parquet": "parquet", "xlsx": "excel"}[fmt]
        cycle.write_text(cycle.read_text(encoding="utf-8").replace(
            "{provider: csv, path: data/metrics.csv}", f"{{provider: {provider}, path: data/metrics.{fmt}}}"),
            encoding="utf-8")
    return folder


def _provided(folder: Path):
    rs = appraise.load_ruleset(folder / "sales-team.yaml")
    try:
        return provide(load_cycle(folder / "cycle-q3.yaml"), Needs.from_ruleset(rs))
    except InvalidInput as exc:
        return [str(d) for d in exc.diagnostics]


def _same(fast, slow) -> None:
    if isinstance(slow, list):
        assert fast == slow
        return
    assert not isinstance(fast, list)
    assert fast.diagnostics == slow.diagnostics and fast.skipped == slow.skipped
    assert fast.inputs.sources == slow.inputs.sources
    for table in ("employees", "metrics", "aggregated", "feedback", "okrs"):
        a, b = getattr(fast.inputs, table), getattr(slow.inputs, table)
        assert (a is None) == (b is None)
        if a is not None:
            assert_frame_equal(a, b)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_rows_of_other_months_left_out_by_the_reader_change_nothing(fmt, tmp_path, monkeypatch):
    real = _tabular._other_months_expr
    for broken in (True, False):
        folder = _year_company(tmp_path, fmt, broken)
        left_out: list[bool] = []

        def spy(*a, left_out=left_out):
            expr = real(*a)
            left_out.append(expr is not None)
            return expr

        monkeypatch.setattr(_tabular, "_other_months_expr", spy)
        fast = _provided(folder)
        monkeypatch.setattr(_tabular, "_other_months_expr", lambda *a: None)
        slow = _provided(folder)
        assert True in left_out  # the metrics file's rows of other months were left out
        # the bad month and the empty employee stop the run, whatever their month
        assert isinstance(fast, list) is broken, fast
        _same(fast, slow)


def test_a_file_of_other_months_only_is_read_whole(tmp_path):
    """Every row of another month: nothing is left out, so the stage sees the rows (no 'no data rows' error)."""
    path = tmp_path / "m.csv"
    path.write_text("employee,month,revenue\nE1,2026-01,1\nE2,2026-02,2\n", encoding="utf-8")
    sheet = _tabular.read_csv(SourceSpec("csv", "metrics", path, base_dir=tmp_path), period=Q3)
    assert sheet.frame["_row"].to_list() == [1, 2]
    path.write_text("employee,month,revenue\nE1,2026-01,1\nE2,2026-08,2\nE3,2026-8,3\n", encoding="utf-8")
    sheet = _tabular.read_csv(SourceSpec("csv", "metrics", path, base_dir=tmp_path), period=Q3)
    assert sheet.frame["_row"].to_list() == [2, 3]  # record numbers kept; '2026-8' is left to the stage


# ------------------------------------------------------------------ repeats, trimming once


def test_repeated_keys_by_hash_are_repeated_keys():
    rng = random.Random(17)
    for _ in range(200):
        n = rng.randint(0, 12)
        frame = pl.DataFrame({"a": [rng.choice(["x", "y", None]) for _ in range(n)],
                              "b": [rng.choice([1, 2, None]) for _ in range(n)]},
                             schema={"a": pl.Utf8, "b": pl.Int64})
        keys = rng.choice([["a"], ["a", "b"]])
        want = n > 1 and bool(frame.select(pl.struct(keys).is_duplicated().any()).item())
        assert checks.repeats(frame, keys) is want


def test_unknown_employees_by_runs_are_the_unknown_employees():
    from appraise.hookspecs import Origin
    from appraise.provide.parts import Known, Part, Report

    rng = random.Random(9)
    known = Known(pl.Series(["E1", "E2", "E3"]))
    for _ in range(200):
        n = rng.randint(0, 10)
        frame = pl.DataFrame({"employee": [rng.choice(["E1", "E2", "E3", "X", None]) for _ in range(n)],
                              "_row": list(range(1, n + 1))}, schema={"employee": pl.Utf8, "_row": pl.Int64})
        report = Report()
        checks.unknown_employees(Part(frame, Origin("f.csv"), None), frame, known, report, "row")  # type: ignore[arg-type]
        first = frame.filter(pl.col("employee") == "X")["_row"].to_list()
        assert [(d.line, e) for d, e in report.items] == ([(first[0], "X")] if first else [])


def test_columns_without_whitespace_are_left_as_trimming_leaves_them():
    """_strip looks for the characters str.strip_chars() trims (every Unicode White_Space character) before
    trimming: a column without one is what trimming would make of it."""
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace() and chr(c) not in "\x1c\x1d\x1e\x1f"]
    assert sorted(_tabular.WHITESPACE) == sorted(spaces)  # Python's str.isspace adds only the four separators
    rng = random.Random(5)
    alphabet = ["a", "中", "\x1c", "-", *spaces]
    for _ in range(300):
        cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(1, 4))]
        frame = pl.DataFrame({"t": cells, "_row": list(range(1, len(cells) + 1))})
        trimmed = frame.with_columns(pl.col("t").str.strip_chars().replace("", None))
        want = trimmed.filter(pl.col("t").is_not_null())
        assert_frame_equal(_tabular._strip(frame), want)


def test_text_trimmed_by_the_reader_is_not_trimmed_again(tmp_path, monkeypatch):
    folder = tmp_path / "c"
    shutil.copytree(EXAMPLE, folder)
    for name in ("employees.csv", "metrics.csv", "feedback.csv"):
        p = folder / "data" / name
        lines = p.read_text(encoding="utf-8-sig").splitlines()
        p.write_text("\n".join([lines[0]] + [" " + ", ".join(line.split(",")) + "\t" for line in lines[1:]])
                     + "\n", encoding="utf-8")
    fast = _provided(folder)
    monkeypatch.setattr(stage, "TEXT_CLEAN", "_not_set_by_anyone")  # the stage looks for what to trim
    looked = _provided(folder)
    monkeypatch.setattr(checks, "untrimmed", lambda frame, columns: list(columns))  # and trims every column
    slow = _provided(folder)
    assert not isinstance(fast, list), fast
    _same(fast, slow)
    _same(looked, slow)


def test_postgresql_urls_go_the_plain_way_without_a_server():
    # no server at this port: the Arrow path gives up (None) and leaves the message to the plain path
    url = sa.make_url("postgresql://nobody@127.0.0.1:1/none")
    assert _sql_arrow.arrow_frame(url, "SELECT 1", {}) is None
