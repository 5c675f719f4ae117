"""The store's rows written during the export (issue 17: ``Store.results_writer``, what ``appraise run --no-render``
uses with SQLite) against the plain path (``Store.complete_run`` after the export): the same rows, bytes and run
records; an aborted or failed writer leaves nothing behind and the store writable."""
from __future__ import annotations

import json
import sqlite3

import polars as pl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from appraise.cli import main
from appraise.store.database import Store, StoreError
from appraise.tools.demo import make_company
from test_store_bulk import COLUMNS, ENTRIES, RULESET

# the bulk path's hard cases (tests/test_store_bulk.py), as one table
TABLE = pl.DataFrame({"employee": [e["id"] for e in ENTRIES], **{c: [e.get(c) for e in ENTRIES] for c in COLUMNS[1:]},
                      "entry": [json.dumps(e, ensure_ascii=False) for e in ENTRIES]},
                     schema={"employee": pl.Utf8, "scorecard": pl.Utf8, "score": pl.Float64, "grade": pl.Utf8,
                             "grade_uncalibrated": pl.Utf8, "bonus": pl.Utf8, "entry": pl.Utf8})
RUN_FIELDS = ("status", "is_current", "employees", "errors", "replaced_run", "unchanged", "manifest_sha256")


def _rows(db: Store, run: int) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            f"SELECT {', '.join(COLUMNS)}, typeof(score), typeof(entry), hex(entry) FROM results WHERE run_id = {run} "
            "ORDER BY rowid"))]


def _start(db: Store) -> int:
    return db.start_run(cycle="2031-Q1", kind="quarter", cycle_file="c.yaml", ruleset=RULESET, inputs={},
                        engine_version="test")


def test_the_writer_stores_what_complete_run_stores(tmp_path):
    """Twice each way, the second run replacing the first: rows, their bytes and every field of the run the same."""
    reads = [{"cycle": "2031-Q0", "ruleset_id": "rs", "why": "previous", "read_run": None}]
    stored = {}
    for how in ("plain", "writer"):
        with Store(f"sqlite:///{tmp_path / f'{how}.db'}") as db:
            made = []
            for sha in ("a" * 64, "b" * 64):
                run = _start(db)
                doc = {"errors": [{"employee": "E9", "message": "x"}]}
                if how == "plain":
                    assert db.complete_run(run, "2031-Q1", doc, reads=reads, manifest_sha256=sha,
                                           frames=[TABLE.slice(0, 1), TABLE.slice(1)]) == 3
                else:
                    w = db.results_writer(run)
                    w.add(TABLE.slice(0, 2))
                    w.add(TABLE.slice(2))
                    assert w.complete("2031-Q1", doc, reads=reads, manifest_sha256=sha, expected=3) == 3
                    w.abort()  # after completing: nothing to roll back
                made.append(run)
            records = [{f: r[f] for f in RUN_FIELDS} for r in db.runs("2031-Q1")]
            with db.engine.connect() as conn:
                read_rows = conn.execute(sa.text("SELECT * FROM run_reads ORDER BY rowid")).all()
            stored[how] = ([_rows(db, r) for r in made], records, read_rows)
    assert stored["writer"] == stored["plain"]
    rows, records, _ = stored["writer"]
    # worked out here: the entries' UTF-8 bytes as text; the second run replaced the first with the same results
    assert [r[-1] for r in rows[1]] == [t.encode("utf-8").hex().upper() for t in TABLE["entry"]]
    assert [r[-2:-1] for r in rows[1]] == [("text",)] * 3 and [r[-3] for r in rows[1]] == ["real", "null", "real"]
    assert records[1]["replaced_run"] == 1 and records[1]["unchanged"] is True and records[1]["is_current"]
    assert records[0]["is_current"] is False and records[1]["employees"] == 3 and records[1]["errors"] == 1


def test_an_aborted_or_failed_writer_leaves_nothing(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as db:
        run = _start(db)
        w = db.results_writer(run)
        w.add(TABLE)
        w.abort()
        with pytest.raises(StoreError, match="closed before"):
            w.add(TABLE)
        run2 = _start(db)  # the write lock is free again
        w = db.results_writer(run2)
        w.add(TABLE.slice(0, 2))
        with pytest.raises(ValueError, match="2 stored results for 3 employees"):
            w.complete("2031-Q1", {"errors": []}, expected=3)
        w = db.results_writer(run2)
        w.add(TABLE.with_columns(pl.lit("E1").alias("employee")))  # the same employee thrice: refused by the key
        with pytest.raises(sqlite3.IntegrityError):  # (the driver's: the bulk insert is the driver's)
            w.complete("2031-Q1", {"errors": []})
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM results")).scalar() == 0
        assert [r["status"] for r in db.runs("2031-Q1")] == ["running", "running"]


def test_a_no_render_run_stores_its_entries_through_the_writer(tmp_path, monkeypatch):
    """``appraise run --no-render`` takes the writer, and what it stores is each results.json entry as
    ``json.dumps(entry, ensure_ascii=False)`` beside its summary fields (worked out here from results.json)."""
    used = []
    plain = Store.results_writer
    monkeypatch.setattr(Store, "results_writer", lambda self, run_id: used.append(run_id) or plain(self, run_id))
    make_company(tmp_path, employees=8, seed=11, quarters=("2026-Q3",))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    res = CliRunner().invoke(main, ["run", "-q", "--no-render", str(tmp_path / "cycle-2026-Q3.yaml"), "--store", url,
                                    "--output", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    entries = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["employees"]
    with Store(url) as db:
        (run,) = db.runs("2026-Q3")
        assert used == [run["id"]] and run["status"] == "complete" and run["is_current"] and run["employees"] == 8
        rows = _rows(db, run["id"])
    assert [r[:6] for r in rows] == [(e["id"], *(e.get(c) for c in COLUMNS[1:])) for e in entries]
    assert [r[-1] for r in rows] == [json.dumps(e, ensure_ascii=False).encode("utf-8").hex().upper() for e in entries]


def test_entries_handed_as_views_are_their_bytes(monkeypatch):
    """SQLite is handed views of the entries' bytes where polars keeps them (database.BYTE_VIEWS): the same bytes as
    the plain path's ``bytes``, in batches that split the table, for a table of two chunks, and with an entry of
    12 bytes or fewer (kept in its view by polars: the batch takes the plain path)."""
    from appraise.store import database

    monkeypatch.setattr(database, "INSERT_CHUNK", 2)
    two_chunks = pl.concat([TABLE, TABLE.with_columns(pl.col("employee") + "b")], rechunk=False)
    short = TABLE.with_columns(pl.Series("entry", ["{}", *TABLE["entry"].to_list()[1:]]))
    for frame in (TABLE, two_chunks, short):
        made = {}
        for views in (True, False):
            monkeypatch.setattr(database, "BYTE_VIEWS", views)
            made[views] = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                           for batch in database._frame_rows(7, [frame], text=False) for row in batch]
        assert made[True] == made[False]
        assert [r[-1] for r in made[True]] == [e.encode() for e in frame["entry"].to_list()]
    assert database._byte_views(TABLE["entry"]) is not None  # the views are taken here
    assert database._byte_views(short["entry"]) is None
