"""Issue 17: what ``appraise run`` writes from the engine's columns equals what the per-employee documents give
(the plain path): the store's rows, the recalculation ledger, the grade counts and bonus total of the report,
results.json as bytes, and the money texts made from polars' decimals."""
from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from appraise.export.columns import (
    flag_values,
    ledger_table,
    money_strings,
    plain_strings,
    stored_frames,
    summary,
)
from appraise.export.document import _plain, money, results_document
from appraise.export.files import (
    CHANGE_FIELDS,
    changes,
    changes_csv,
    changes_frame,
    changes_table,
    ledger_texts,
    results_json_chunks,
    results_json_texts,
)
from appraise.export.json_columns import employee_text_chunks
from appraise.export.summary import bonus_total, column_bonus_total, column_grade_counts, grade_counts
from appraise.pipeline import evaluate_cycle, load, prepare
from appraise.store.database import Store, _result_rows

ROOT = Path(__file__).resolve().parents[1]


def _netting_year():
    """The periods fixture's year (``bonus.net_of``: the plain path writes its entries) with sub-period scores
    and what the quarters paid given as tables, so no store is needed."""
    cycle, ruleset = load(ROOT / "tests" / "fixtures" / "periods" / "cycle-2026.yaml")
    prepared = prepare(cycle, ruleset)
    ids = prepared.inputs.employees["id"].to_list()
    quarters = [f"2026-Q{q}" for q in range(1, 5)]
    rows = [(e, "reps", q, 70.0 + 9 * i + n) for i, e in enumerate(ids) for n, q in enumerate(quarters[: 4 - i % 2])]
    prepared.inputs.subperiods = pl.DataFrame(rows, schema=["employee", "ruleset", "period", "score"], orient="row")
    prepared.inputs.paid = pl.DataFrame([(e, "reps", q, str(1000 + 250 * i)) for i, e in enumerate(ids)
                                         for q in quarters[:3]],
                                        schema=["employee", "ruleset", "period", "bonus"], orient="row")
    return prepared.evaluate()


@pytest.fixture(scope="module")
def evaluations():
    example = ROOT / "tests" / "fixtures" / "example"
    out = [evaluate_cycle(c)[1].evaluation for c in sorted(example.glob("cycle-*.yaml"))]
    out.append(_netting_year())
    assert out[-1].ruleset.bonus.net_of is not None and out[-1].frame["bonus.paid"].is_not_null().any()
    return out


def test_stored_rows_are_the_documents_rows(evaluations):
    for ev in evaluations:
        doc = results_document(ev)
        entries = list(employee_text_chunks(ev, rows_per_chunk=2, compact=True))
        got = [row for frame in stored_frames(summary(ev), iter(entries)) for row in frame.iter_rows()]
        assert got == [r[1:] for r in _result_rows(7, doc["employees"])]
        with pytest.raises(ValueError, match="stored entries for"):  # entries for fewer people than the table
            list(stored_frames(summary(ev), entries[:-1]))


def test_ledger_from_columns_is_the_ledger_from_documents(evaluations, tmp_path):
    """Against a run before that differs in every field the ledger compares (and lacks one employee, has one
    more), stored and read back as appraise run reads it (Store.run_table)."""
    fields = ("score", "grade", "bonus", "bonus_gross", "bonus_paid", "outcomes")
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as db:
        for n, ev in enumerate(evaluations):
            doc = results_document(ev)
            before = [{"id": e["id"], **{f: e.get(f) for f in fields}} for e in doc["employees"]]
            before[0]["score"] = before[0]["score"] + 0.004  # the same at 2 decimals: no row
            before[-1]["score"] = before[-1]["score"] + 1
            before[1]["grade"], before[1]["outcomes"] = "Z", ["gone", "too"]
            before[-1]["bonus"], before[-1]["bonus_gross"], before[-1]["bonus_paid"] = "1", "2", None
            before = before[:-2] + before[-1:] + [{"id": "ZZ-left", **dict.fromkeys(fields)}]
            expected = changes(before, doc["employees"])
            assert len(expected) >= 5
            run = db.start_run(cycle=f"2030-Q{n + 1}", kind="quarter", cycle_file="c.yaml", ruleset=ev.ruleset,
                               inputs={}, engine_version="test")
            db.complete_run(run, f"2030-Q{n + 1}", {"employees": before, "errors": []})
            stored = ledger_texts(db.run_table(run, CHANGE_FIELDS), json_fields=("bonus_gross", "bonus_paid",
                                                                                 "outcomes"))
            assert changes_table(stored, ledger_texts(ledger_table(summary(ev), ev))) == expected
            frame = changes_frame(stored, ledger_texts(ledger_table(summary(ev), ev)))  # what appraise run writes
            for redact in (False, True):
                assert changes_csv(frame, redact=redact) == changes_csv(expected, redact=redact)
            assert changes(before, ledger_table(summary(ev), ev).iter_rows(named=True)) == expected


def test_report_totals_and_results_json_bytes(evaluations):
    for ev in evaluations:
        doc = results_document(ev)
        table = summary(ev)
        assert column_grade_counts(table["grade"], ev.ruleset) == grade_counts(doc["employees"], ev.ruleset)
        assert column_bonus_total(table["bonus"]) == bonus_total(doc["employees"])
        head = {k: v for k, v in doc.items() if k != "employees"}
        outline = {**head, "employees": []}
        outline = {k: outline[k] for k in doc}  # the document's key order
        got = b"".join(results_json_texts(outline, employee_text_chunks(ev, rows_per_chunk=2), encoded=True))
        assert got == "".join(results_json_chunks(doc)).encode("utf-8")


def test_money_and_plain_texts_from_polars_decimals():
    rng = random.Random(17)
    values = [Decimal(v) for v in ("14000", "-1.5", "0", "-0.0000000001", "0.5", "-0.5", "2.5", "0.005", "-0.015",
                                   "100", "100.10", "999999999999999.5", "1000000000000000", "12345678901234567890.5")]
    values += [Decimal(rng.randint(-10 ** 12, 10 ** 12)) / Decimal(10) ** rng.randint(0, 10) for _ in range(400)]
    for scale in (0, 2, 10):
        s = pl.Series([*values, None], dtype=pl.Decimal(38, scale))
        exact = s.to_list()
        for unit in ("1", "0.01", "5", "0.05", "0.0001", "100"):
            rs = SimpleNamespace(bonus=SimpleNamespace(rounding=Decimal(unit)))
            assert money_strings(s, rs).to_list() == [money(v, rs) for v in exact], (scale, unit)
        assert plain_strings(s).to_list() == [_plain(v) for v in exact], scale
    odd = ["1.5", None, "", "x", "1.5", "-3.25"]
    assert column_bonus_total(pl.Series(odd)) == bonus_total({"bonus": v} for v in odd) == Decimal("-0.25")


def test_flag_values_are_the_true_flags_in_order():
    """More flags than one integer's bits (63), nulls as false, and every combination made once."""
    rng = random.Random(5)
    cols = {f"f{j}": [rng.choice([True, False, False, None]) for _ in range(300)] for j in range(70)}
    frame = pl.DataFrame(cols, schema=dict.fromkeys(cols, pl.Boolean))
    made = []

    def make(ids):
        made.append(tuple(ids))
        return list(ids)

    got = flag_values(frame, [(f"id{j}", pl.col(f"f{j}")) for j in range(70)], make, pl.List(pl.Utf8)).to_list()
    assert got == [[f"id{j}" for j in range(70) if cols[f"f{j}"][r]] for r in range(300)]
    assert len(made) == len(set(made))
    assert flag_values(frame, [], make, pl.List(pl.Utf8)).to_list() == [[]] * 300


def test_entry_spool_gives_the_chunks_back_in_order_from_memory_or_disk(tmp_path):
    """What the store stage reads is what the export made, whether it waited in memory or on disk."""
    from appraise.run import EntrySpool

    chunks = [pl.Series(["a", "bb"]), pl.Series(["ccc"]), pl.Series(["dddd", "é"]), pl.Series([], dtype=pl.Utf8)]
    for n, limit in enumerate((0, 3, 10 ** 9)):
        folder = tmp_path / f"spool{n}"
        spool = EntrySpool(lambda f=folder: f.mkdir() or f, limit)
        for c in chunks:
            spool.add(c)
        assert folder.exists() == (limit < 10 ** 9)
        assert [c.to_list() for c in spool] == [c.to_list() for c in chunks]
        assert list(spool) == []
        spool.close()
        assert not folder.exists()


def test_a_run_whose_entries_wait_on_disk_stores_the_documents_entries(tmp_path, monkeypatch):
    """appraise run with every stored entry spooled to disk (as a large company's are): the store holds each
    employee's results.json entry, as json.dumps writes it, and no spool folder is left beside the output."""
    import shutil

    import appraise.run as run

    monkeypatch.setattr(run, "SPOOL_BYTES", 0)
    work = tmp_path / "example"
    shutil.copytree(ROOT / "tests" / "fixtures" / "example", work)
    store = f"sqlite:///{tmp_path / 'store.db'}"
    report = run.run_cycle(work / "cycle-q2.yaml", output=tmp_path / "out", store=store, render=False)
    doc = evaluate_cycle(work / "cycle-q2.yaml")[1].document
    with Store(store) as db:
        assert db.run_results(report.run_id) == doc["employees"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["example", "out", "store.db"]


def test_ahead_gives_every_item_in_order_and_hands_errors_over():
    from appraise.export.files import ahead

    assert list(ahead(iter(range(50)), depth=1)) == list(range(50))

    def failing():
        yield 1
        raise KeyError("made on the thread")

    got = []
    with pytest.raises(KeyError, match="made on the thread"):
        for x in ahead(failing()):
            got.append(x)
    assert got == [1]
    made = []

    def counted():
        for i in range(1000):
            made.append(i)
            yield i

    first = ahead(counted(), depth=2)
    assert next(first) == 0
    first.close()  # the caller stops: the thread stops too, a few items ahead at most
    assert len(made) <= 5


def test_ahead_lets_its_thread_go_when_the_caller_stops_after_all_is_made():
    # the caller stops (an error of its own: a full disk while writing) once the thread has made every item
    # and waits, the queue full, to say it is done: closing must not hang (results.xlsx's copy of this
    # helper waited for room without looking whether anyone still read)
    import threading

    from appraise.export.files import ahead

    made = threading.Event()

    def three():
        yield from range(3)
        made.set()

    rows = ahead(three(), depth=2)
    assert next(rows) == 0
    assert made.wait(5)  # the thread has made them all; its "done" waits for room
    closing = threading.Thread(target=rows.close, daemon=True)
    closing.start()
    closing.join(10)
    assert not closing.is_alive()


def test_changes_csv_from_a_table_is_what_csv_writer_writes():
    """changes.csv from a polars table (appraise run's) against csv.writer on the same rows as tuples, on values
    that need quoting, escaping, a formula guard or Python's own writer (NUL), with and without --redact."""
    from appraise.export import files

    hostile = ["", "plain", "a,b", 'say "hi"', "line\nbreak", "cr\rx", "crlf\r\n", "nul\x00here", "=SUM(A1)", "+1",
               "-2", "@x", "\tTab", "\rCR", " lead", "trail ", "赵磊 😀", '"', ",", "-", "'quoted"]
    rows = [(f"E{i:03d}" if i % 5 else hostile[i % len(hostile)], field, hostile[i % len(hostile)],
             hostile[(i * 7 + 3) % len(hostile)])
            for i, field in enumerate(["score", "grade", "bonus", "bonus_paid", "outcomes", "appraised"] * 9)]
    frame = pl.DataFrame(rows, schema=["id", "field", "before", "after"], orient="row")
    for redact in (False, True):
        files.CHANGES_BY_POLARS = False
        try:
            plain = files.changes_csv(frame, redact=redact)
        finally:
            files.CHANGES_BY_POLARS = True
        assert files.changes_csv(frame, redact=redact) == plain == files.changes_csv(rows, redact=redact)
    assert files.changes_csv(frame.clear()) == files.changes_csv([])  # the header only
