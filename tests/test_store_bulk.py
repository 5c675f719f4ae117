"""The store's bulk paths (issue 17) against the plain ones: results written from polars tables (the entries handed
to SQLite as UTF-8 bytes) hold what the document's rows hold, byte for byte; appraise run's tables hold each
employee's summary values beside their entry; the draw ledger's bulk insert and set-based comparison."""
from __future__ import annotations

import json
from types import SimpleNamespace

import polars as pl
import pytest
import sqlalchemy as sa

import appraise.store.database as database
from appraise.export.columns import STORED_COLUMNS, stored_frames
from appraise.store.database import Store
from appraise.store.draws import draws, writer
from appraise.store.migrations import write_transaction

RULESET = SimpleNamespace(id="rs", version="1", sha256="0" * 64, source="")

# what a bulk path could get wrong: text beyond ASCII (2-, 3- and 4-byte UTF-8), quotes and an escaped newline in the
# JSON, NULLs in every nullable column, a float in exponent form, an empty string
ENTRIES = [
    {"id": "E1", "name": "郭婷 \"Tina\"", "scorecard": "rep", "score": 104.48, "grade": "A", "grade_uncalibrated": "B",
     "bonus": "37500.50", "note": "Ann\nLee 😀"},
    {"id": "E2", "name": "Zoë", "scorecard": None, "score": None, "grade": None, "grade_uncalibrated": None},
    {"id": "E3", "name": "", "scorecard": "rep", "score": 1e-07, "grade": "D", "grade_uncalibrated": "D",
     "bonus": "0"},
]
COLUMNS = ("employee", "scorecard", "score", "grade", "grade_uncalibrated", "bonus")


def _stored(db: Store, run: int) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            f"SELECT {', '.join(COLUMNS)}, typeof(entry), hex(entry) FROM results WHERE run_id = {run} "
            "ORDER BY rowid"))]


def test_frames_store_the_bytes_the_documents_rows_store(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "INSERT_CHUNK", 2)  # batches that split the tables
    # the tables as appraise run gives them: the entries json.dumps(e, ensure_ascii=False), two chunks
    texts = [json.dumps(e, ensure_ascii=False) for e in ENTRIES]
    table = pl.DataFrame({"employee": [e["id"] for e in ENTRIES],
                          **{c: [e.get(c) for e in ENTRIES] for c in COLUMNS[1:]}, "entry": texts},
                         schema={"employee": pl.Utf8, "scorecard": pl.Utf8, "score": pl.Float64, "grade": pl.Utf8,
                                 "grade_uncalibrated": pl.Utf8, "bonus": pl.Utf8, "entry": pl.Utf8})
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as db:
        runs = []
        for how in ("document", "frames"):
            run = db.start_run(cycle="2031-Q1", kind="quarter", cycle_file="c.yaml", ruleset=RULESET, inputs={},
                               engine_version="test")
            frames = [table.slice(0, 1), table.slice(1)] if how == "frames" else None
            assert db.complete_run(run, "2031-Q1", {"employees": ENTRIES, "errors": []}, frames=frames) == 3
            runs.append(run)
        document, frames = (_stored(db, r) for r in runs)
        assert frames == document
        # and what that is, worked out here: text whose bytes are the UTF-8 of json.dumps(entry, ensure_ascii=False)
        assert [r[6:] for r in frames] == [("text", t.encode("utf-8").hex().upper()) for t in texts]
        assert [r[:6] for r in frames] == [(e["id"], *(e.get(c) for c in COLUMNS[1:])) for e in ENTRIES]
        assert db.current_run("2031-Q1", "rs")["unchanged"] is True  # the same results, compared by the database


def test_stored_frames_give_each_employees_summary_and_entry():
    """The tables appraise run hands the store: per employee, in the table's order, its summary values and its
    entry, whatever the chunks' sizes; entries that do not cover the table are refused."""
    table = pl.DataFrame({"id": ["a", "b", "c"], "scorecard": ["x", None, "y"], "score": [1.5, None, 2e-9],
                          "grade": ["A", None, "B"], "grade_uncalibrated": ["B", None, "B"],
                          "bonus": ["1", None, "2.50"], "name": ["n1", "n2", "n3"]})
    chunks = [pl.Series("e", ['{"id": "a"}', '{"id": "b"}'], dtype=pl.Utf8), pl.Series("e", ['{"id": "ç"}'])]
    frames = list(stored_frames(table, iter(chunks)))
    assert [f.columns for f in frames] == [[*STORED_COLUMNS, "entry"]] * 2
    assert [r for f in frames for r in f.iter_rows()] == [
        ("a", "x", 1.5, "A", "B", "1", '{"id": "a"}'), ("b", None, None, None, None, None, '{"id": "b"}'),
        ("c", "y", 2e-9, "B", "B", "2.50", '{"id": "ç"}')]
    with pytest.raises(ValueError, match="2 stored entries for 3 employees"):
        list(stored_frames(table, iter(chunks[:1])))


def test_draw_ledger_in_bulk_and_compared_with_the_replaced_run(tmp_path):
    ledger = [("E2", "0", "0", "100", "100"), ("E1", "50.5", "10", "0", "40.5"), ("E3", None, None, None, None)]
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as db:
        def store(rows, replaced):
            run = db.start_run(cycle="2031-Q1", kind="quarter", cycle_file="c.yaml", ruleset=RULESET, inputs={},
                               engine_version="test")
            with write_transaction(db.engine) as conn:
                same = writer(rows)(conn, run, replaced)
                stored = conn.execute(sa.select(draws).where(draws.c.run_id == run).order_by(sa.text("rowid"))).all()
            return run, same, [tuple(r) for r in stored]

        first, same, stored = store(ledger, None)
        # by employee id; E3 has no balance (closing None): not stored
        assert same is True
        assert stored == [(first, "E1", "50.5", "10", "0", "40.5"), (first, "E2", "0", "0", "100", "100")]
        assert store(list(reversed(ledger)), first)[1] is True            # the same ledger in another order
        assert store([ledger[0], ("E1", "50.5", "10", "0", "40.6")], first)[1] is False  # one closing balance
        assert store([ledger[0], ("E1", "50.5", None, "0", "40.5")], first)[1] is False  # NULL is not "10"
        assert store(ledger[:1], first)[1] is False                        # one employee fewer
        assert store([*ledger, ("E4", "0", "0", "0", "0")], first)[1] is False  # one more
