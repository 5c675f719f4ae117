"""The store's writing (issue 17, 2 December): SQLite's results inserted many rows a statement against one
statement per row: the same rows, bytes, row ids and pages."""
from __future__ import annotations

import json
import sqlite3

import polars as pl
import pytest

from appraise.store import database
from appraise.store.database import Columns, Store, bulk_insert
from test_store_bulk import COLUMNS, ENTRIES, RULESET

# the bulk path's hard cases, seven times over (21 rows: batches and statements that do not divide them)
MANY = [{**e, "id": f"{e['id']}-{i}"} for i in range(7) for e in ENTRIES]
TABLE = pl.DataFrame({"employee": [e["id"] for e in MANY], **{c: [e.get(c) for e in MANY] for c in COLUMNS[1:]},
                      "entry": [json.dumps(e, ensure_ascii=False) for e in MANY]},
                     schema={"employee": pl.Utf8, "scorecard": pl.Utf8, "score": pl.Float64, "grade": pl.Utf8,
                             "grade_uncalibrated": pl.Utf8, "bonus": pl.Utf8, "entry": pl.Utf8})


def _stored(path) -> tuple[list[tuple], int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT rowid, run_id, employee, scorecard, score, typeof(score), grade, "
                            "grade_uncalibrated, bonus, typeof(entry), hex(entry) FROM results "
                            "ORDER BY rowid").fetchall()
        return rows, conn.execute("PRAGMA page_count").fetchone()[0]


def test_rows_inserted_many_a_statement_are_those_of_one_a_statement(tmp_path, monkeypatch):
    """Frames (entries as bytes, CAST to text) and the document's rows, in batches of 4 and statements of 1 (the
    plain way), 3 and 100 rows: the same rows, row ids, types, bytes and page count; what the text is, worked out
    here."""
    monkeypatch.setattr(database, "INSERT_CHUNK", 4)
    seen = {}
    for per in (1, 3, 100):
        monkeypatch.setattr(database, "ROWS_PER_STATEMENT", per)
        path = tmp_path / f"{per}.db"
        with Store(f"sqlite:///{path}") as db:
            for how in ("frames", "document"):
                run = db.start_run(cycle="2031-Q1", kind="quarter", cycle_file="c.yaml", ruleset=RULESET, inputs={},
                                   engine_version="test")
                frames = [TABLE.slice(0, 10), TABLE.slice(10)] if how == "frames" else None
                assert db.complete_run(run, "2031-Q1", {"employees": MANY, "errors": []}, frames=frames) == 21
        seen[per] = _stored(path)
    assert seen[3] == seen[1] and seen[100] == seen[1]
    rows = seen[1][0]
    assert [r[0] for r in rows] == list(range(1, 43)) and [r[1] for r in rows] == [1] * 21 + [2] * 21
    texts = [json.dumps(e, ensure_ascii=False).encode("utf-8").hex().upper() for e in MANY]
    assert [r[9:] for r in rows] == [("text", t) for t in texts * 2]
    assert [(r[2], r[3], r[4], r[6], r[7], r[8]) for r in rows] == [
        (e["id"], *(e.get(c) for c in COLUMNS[1:])) for e in MANY] * 2


def test_statements_stay_within_the_parameter_limit_and_rows_must_be_whole(tmp_path, monkeypatch):
    """A limit of 20 parameters: 2 rows of 8 a statement (and the rest alone), all of them stored; a row without
    all its values is refused, as the driver refuses it, and Columns of unequal lengths too."""
    monkeypatch.setattr(database, "INSERT_CHUNK", 5)
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute("CREATE TABLE t (a, b, c, d, e, f, g, h)")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 20)
    traced: list[str] = []
    conn.set_trace_callback(traced.append)

    class Raw:  # what bulk_insert reads of a SQLAlchemy connection
        class dialect:
            name = "sqlite"

        class connection:
            driver_connection = conn

    rows = [tuple(range(i, i + 8)) for i in range(7)]
    assert bulk_insert(Raw, sa_table("t"), "abcdefgh", database.batched(rows)) == 7
    assert conn.execute("SELECT * FROM t ORDER BY rowid").fetchall() == rows
    assert max(s.count("), (") + 1 for s in traced if s.startswith("INSERT")) == 2
    with pytest.raises(ValueError):
        bulk_insert(Raw, sa_table("t"), "abcdefgh", [[(1, 2, 3)]])
    with pytest.raises(ValueError):
        bulk_insert(Raw, sa_table("t"), "ab", [Columns([[1, 2], [3]])])
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (7,)


def sa_table(name: str):
    import sqlalchemy as sa

    return sa.Table(name, sa.MetaData(), sa.Column("a"))
