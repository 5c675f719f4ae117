"""Export: results.json/csv/xlsx, errors.csv and the manifest — shape, escaping, determinism."""
from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.atomic import remove_leftovers, write_bytes
from appraise.core.evaluate import EmployeeError
from appraise.errors import Diagnostic
from appraise.export.files import (
    CSV_FIRST,
    errors_csv,
    manifest_json,
    results_csv,
    results_json,
    safe_text,
    score_columns,
)
from appraise.export.summary import bonus_total, grade_counts, money_total
from engine_inputs import previous_from, run_example

CREATED = datetime(2026, 9, 30)


@pytest.fixture(scope="module")
def q3_evaluated():
    _, q2 = run_example("Q2")
    return run_example("Q3", previous=previous_from(q2))


@pytest.fixture(scope="module")
def q3(q3_evaluated):
    ev, doc = q3_evaluated
    return ev.ruleset, doc


def _evil(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc["employees"][0]["name"] = '=HYPERLINK("http://x.example","click")'
    doc["employees"][1]["name"] = "+1+1"
    doc["employees"][2]["name"] = "@SUM(A1)"
    doc["employees"][3]["name"] = "\tTab"
    doc["employees"][4]["name"] = "-2"
    return doc


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_formula_like_text_is_escaped(text):
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Li Wei", "赵磊", "", "1+1", "a=b"])
def test_ordinary_text_is_kept(text):
    assert safe_text(text) == text


def test_results_json_is_the_document_with_a_newline(q3):
    _, doc = q3
    data = results_json(doc)
    assert data.endswith(b"}\n")
    assert json.loads(data) == doc
    assert "赵磊".encode() in data  # ensure_ascii=False


def test_csv_columns_and_rows(q3):
    rs, doc = q3
    text = results_csv(doc, rs).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    kpis, dims = score_columns(rs)
    assert list(rows[0]) == CSV_FIRST + [f"kpi.{k}.score" for k in kpis] + [f"dimension.{d}.score" for d in dims]
    assert "kpi.results.revenue.score" in rows[0] and "dimension.feedback.score" in rows[0]
    assert [r["id"] for r in rows] == [e["id"] for e in doc["employees"]]
    e001 = rows[0]
    assert e001["score"] == "108.27" and e001["grade"] == "A" and e001["bonus"] == "41100"
    assert e001["outcomes"] == "regional-expansion-priority"
    e005 = next(r for r in rows if r["id"] == "E005")
    assert e005["kpi.process.lead_conversion.score"] == ""  # missing data: empty, not 0
    assert e005["missing"] == "process.lead_conversion"


def test_csv_escapes_formula_like_names(q3):
    rs, doc = q3
    rows = list(csv.DictReader(io.StringIO(results_csv(_evil(doc), rs).decode("utf-8").lstrip("\ufeff"))))
    assert [r["name"] for r in rows] == ["'=HYPERLINK(\"http://x.example\",\"click\")", "'+1+1", "'@SUM(A1)",
                                        "'\tTab", "'-2"]
    assert all(not r["score"].startswith("'") for r in rows)


def test_grade_counts_list_every_grade_top_first(q3):
    rs, doc = q3
    assert grade_counts(doc["employees"], rs) == {"S": 1, "A": 1, "B": 2, "C": 0, "D": 1}
    # part of it (E001 A, E003 B in the SPEC's expected-q3.json); a grade the ruleset does not define follows
    team = [e for e in doc["employees"] if e["id"] in ("E001", "E003")] + [{"grade": "Z"}]
    assert grade_counts(team, rs) == {"S": 0, "A": 1, "B": 1, "C": 0, "D": 0, "Z": 1}


def test_money_totals_are_exact_and_know_no_amount_from_zero():
    assert money_total(["0.10", "0.20", None, "", 1]) == Decimal("1.30")  # 0.1 + 0.2 in floats is 0.30000000000000004
    assert money_total([None, ""]) is None
    assert bonus_total([{"bonus": None}, {}]) == 0
    assert str(bonus_total([{"bonus": "0.50"}, {"bonus": "-0.50"}])) == "0.00"


def test_errors_csv():
    diags = [Diagnostic("data/metrics.csv", 7, 3, "revenue is not a number: 'abc'", "revenue", hint="write digits"),
             Diagnostic("cycle.yaml", 9, 5, "no feedback source", severity="warning")]
    data = errors_csv(diags, [EmployeeError("E009", "missing", "revenue has no data and missing: error")],
                      ["a warning"])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0] == ["file", "line", "col", "employee", "stage", "severity", "message"]
    assert rows[1] == ["data/metrics.csv", "7", "3", "", "provide", "error",
                       "revenue is not a number: 'abc'; write digits (revenue)"]
    assert rows[2][5] == "warning"
    assert rows[3] == ["", "", "", "E009", "missing", "error", "revenue has no data and missing: error"]
    assert rows[4] == ["", "", "", "", "evaluate", "warning", "a warning"]
    assert errors_csv([], []).decode("utf-8").lstrip("\ufeff") == "file,line,col,employee,stage,severity,message\r\n"


def test_manifest_has_no_clock(tmp_path):
    from appraise.language.cycle import load_cycle
    from appraise.language.ruleset import load_ruleset
    from engine_inputs import EXAMPLE

    rs = load_ruleset(EXAMPLE / "sales-team.yaml")
    cycle = load_cycle(EXAMPLE / "cycle-q3.yaml")
    data = manifest_json(cycle=cycle, ruleset=rs, inputs={"data/employees.csv": "ab" * 32}, engine_version="0.1.0",
                         files={"results.json": ("cd" * 32, 10), "dashboards/E001.html": ("ef" * 32, 5)},
                         employees=5, errors=0)
    doc = json.loads(data)
    assert doc["ruleset"] == {"path": "sales-team.yaml", "id": "sales-team", "version": "2026.1", "sha256": rs.sha256}
    assert doc["engine"] == {"name": "appraise", "version": "0.1.0"}
    assert [f["path"] for f in doc["files"]] == ["dashboards/E001.html", "results.json"]
    assert "2026-" not in json.dumps({k: v for k, v in doc.items() if k not in ("cycle", "period")})


def test_atomic_write_and_leftovers(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    sha = write_bytes(target, b"hello")
    assert target.read_bytes() == b"hello" and len(sha) == 64
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.txt"]
    (target.parent / ".a.txt.appraise-tmp-x1").write_bytes(b"half")
    (tmp_path / "appraise-tmp-stage").mkdir()
    (tmp_path / "appraise-tmp-stage" / "p.html").write_text("x")
    removed = remove_leftovers(tmp_path)
    assert len(removed) == 2
    assert sorted(p.name for p in Path(tmp_path).rglob("*")) == ["a.txt", "sub"]


def test_chunks_written_in_pieces_are_the_chunks(tmp_path, monkeypatch):
    """write_chunks hashes and writes a large chunk a piece at a time (atomic.WRITE_PIECE): the file, its sha256 and
    size are those of the chunks joined, whatever the pieces (the plain way: one write of everything)."""
    import hashlib

    import pyarrow as pa

    from appraise import atomic

    arrow = memoryview(pa.py_buffer(bytes(range(256)) * 9))  # a view of an Arrow buffer (format "b"), as text_views
    chunks = [b"{", "\u8d75\u78ca", arrow, b"x" * 1000, arrow[5:700], b"", b"]\n"]
    whole = b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in chunks)
    for piece in (7, 256, 1 << 40):
        monkeypatch.setattr(atomic, "WRITE_PIECE", piece)
        target = tmp_path / f"{piece}.json"
        assert atomic.write_chunks(target, chunks) == (hashlib.sha256(whole).hexdigest(), len(whole))
        assert target.read_bytes() == whole


def test_written_bytes_handed_to_the_disk_early_are_the_file(tmp_path, monkeypatch):
    """write_chunks hands what it wrote to the disk every atomic.WRITEBACK_BYTES (sync_file_range, a hint): the
    ranges follow one another from the start, and the file, its sha256 and size are the chunks' (as without it)."""
    import hashlib

    from appraise import atomic

    chunks = [bytes([i]) * ((1 << 20) + 3 * i) for i in range(5)] + [b"tail"]
    whole = b"".join(chunks)
    handed: list[tuple[int, int]] = []
    real = atomic.start_writeback

    def spy(fd, offset=0, nbytes=0):
        handed.append((offset, nbytes))
        real(fd, offset, nbytes)  # the system's own call, on the file being written

    monkeypatch.setattr(atomic, "start_writeback", spy)
    monkeypatch.setattr(atomic, "WRITEBACK_BYTES", 2 << 20)
    target = tmp_path / "r.json"
    assert atomic.write_chunks(target, chunks) == (hashlib.sha256(whole).hexdigest(), len(whole))
    assert target.read_bytes() == whole
    # every 2 MiB or more written: from where the last one ended, never past what was written before the tail
    assert handed and handed[0][0] == 0 and all(n >= 2 << 20 for _, n in handed)
    assert all(a + n == b for (a, n), (b, _) in zip(handed, handed[1:]))
    assert handed[-1][0] + handed[-1][1] <= len(whole) - len(b"tail")


def _direct_chunks(seed: int) -> list[bytes]:
    """Chunks of odd sizes (some over 1 MiB, some a few bytes), each of its own bytes."""
    import random

    rng = random.Random(seed)
    return [rng.randbytes(rng.choice([1, 7, 4095, 4097, 70_000, (1 << 20) + rng.randrange(9000)]))
            for _ in range(40)]


def test_large_files_written_past_the_page_cache_are_the_chunks(tmp_path, monkeypatch):
    """Past atomic.DIRECT_FROM bytes write_chunks writes the rest straight to the disk (Linux O_DIRECT, from
    aligned buffers filled and written on a thread): whatever the sizes of the chunks and of the buffers, the file,
    its sha256 and size are the chunks joined (hashed here by hashlib at once), and it replaced the old file."""
    import hashlib
    import sys

    from appraise import atomic

    started: list[atomic._Direct | None] = []
    real = atomic._Direct.start

    def spy(fd, size):
        started.append(real(fd, size))
        return started[-1]

    monkeypatch.setattr(atomic._Direct, "start", spy)
    for seed, start, buffer in [(1, 1 << 20, 64 << 10), (2, (1 << 20) + 1, 8192), (3, 3 << 20, 1 << 20)]:
        monkeypatch.setattr(atomic, "DIRECT_FROM", start)
        monkeypatch.setattr(atomic, "DIRECT_BUFFER", buffer)
        chunks = _direct_chunks(seed)
        whole = b"".join(chunks)
        target = tmp_path / "results.json"
        target.write_bytes(b"the previous run's")
        assert atomic.write_chunks(target, chunks) == (hashlib.sha256(whole).hexdigest(), len(whole))
        assert target.read_bytes() == whole
        assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    if sys.platform.startswith("linux"):  # the test's folder is on a file system taking direct writes
        assert len(started) == 3 and all(d is not None and not d.refused for d in started)


def test_a_file_system_without_direct_writes_is_asked_once(tmp_path, monkeypatch):
    """Where direct writes cannot be had (the flag refused: tmpfs of older kernels, other systems), write_chunks asks
    once per file and writes the rest the usual way: the same bytes."""
    import hashlib

    from appraise import atomic

    monkeypatch.setattr(atomic, "DIRECT_FROM", 1 << 20)
    asked: list[int] = []
    monkeypatch.setattr(atomic._Direct, "start", lambda fd, size: asked.append(size))
    chunks = _direct_chunks(7)
    whole = b"".join(chunks)
    target = tmp_path / "results.json"
    assert atomic.write_chunks(target, chunks) == (hashlib.sha256(whole).hexdigest(), len(whole))
    assert target.read_bytes() == whole and len(asked) == 1


def test_direct_writes_refused_are_written_the_usual_way(tmp_path, monkeypatch):
    """A file system that takes the O_DIRECT flag but refuses the first direct write (EINVAL) gets the same bytes
    through the page cache; a write that fails otherwise (a full disk) fails the file, the old one kept."""
    import errno
    import hashlib
    import sys

    from appraise import atomic

    monkeypatch.setattr(atomic, "DIRECT_FROM", 1 << 20)
    monkeypatch.setattr(atomic, "DIRECT_BUFFER", 64 << 10)
    real = atomic._write_all
    calls: list[int] = []

    def refusing(fd, view):
        calls.append(len(view))
        if len(calls) == 1:
            raise OSError(errno.EINVAL, "Invalid argument")
        real(fd, view)

    monkeypatch.setattr(atomic, "_write_all", refusing)
    started: list[atomic._Direct | None] = []
    real_start = atomic._Direct.start
    monkeypatch.setattr(atomic._Direct, "start", lambda fd, size: started.append(real_start(fd, size)) or started[-1])
    chunks = _direct_chunks(4)
    whole = b"".join(chunks)
    target = tmp_path / "results.json"
    assert atomic.write_chunks(target, chunks) == (hashlib.sha256(whole).hexdigest(), len(whole))
    assert target.read_bytes() == whole and len(calls) > 2
    assert not sys.platform.startswith("linux") or all(d is not None and d.refused for d in started)

    def full(fd, view):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write_all", full)
    target.write_bytes(b"the previous run's")
    with pytest.raises(OSError, match="No space"):
        atomic.write_chunks(target, _direct_chunks(5))
    assert target.read_bytes() == b"the previous run's"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_a_failed_source_stops_the_direct_writer(tmp_path, monkeypatch):
    """Chunks that fail after the direct writes began: the error is the caller's, the old file stays, no
    temporary file or writing thread is left behind."""
    import threading

    from appraise import atomic

    monkeypatch.setattr(atomic, "DIRECT_FROM", 1 << 20)
    monkeypatch.setattr(atomic, "DIRECT_BUFFER", 64 << 10)

    def chunks():
        yield from _direct_chunks(6)
        raise RuntimeError("the text could not be made")

    target = tmp_path / "results.json"
    target.write_bytes(b"the previous run's")
    with pytest.raises(RuntimeError, match="could not be made"):
        atomic.write_chunks(target, chunks())
    assert target.read_bytes() == b"the previous run's"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    assert not [t for t in threading.enumerate() if t.name == "appraise-direct-write"]


@pytest.mark.parametrize("value", [
    {"a": 1, "b": [1.5, None, True, False, "x\n\"y\"", "赵磊"], "c": {}, "d": [], "e": {"f": {"g": [[], {}]}}},
    {"cycle": "2026-Q3", "employees": [], "errors": [{"x": 1e-07, "y": 1e16, "z": -0.0}], 3: "int key"},
    {"employees": [{"id": "E1", "n": float("nan"), "i": float("inf")}]},
    [1, 2], "text", 3, None, {},
])
def test_fast_json_is_exactly_json_dumps(value):
    from appraise.export.files import results_json_chunks

    assert "".join(results_json_chunks(value)).encode() == results_json(value)


def test_fast_json_on_the_example(q3):
    from appraise.export.files import results_json_chunks

    _, doc = q3
    assert "".join(results_json_chunks(doc)).encode() == results_json(doc)


def test_fast_json_refuses_what_json_refuses():
    from appraise.export.files import results_json_chunks

    with pytest.raises(TypeError):
        "".join(results_json_chunks({"employees": [{"bonus": Decimal("1")}]}))


# ---------------------------------------------------------------- one rounding rule

def _column_r4(values: list[float]) -> list[float]:
    import polars as pl

    from appraise.language.expr import polars_round_half_up

    frame = pl.DataFrame({"x": values}, schema={"x": pl.Float64})
    return frame.select(polars_round_half_up(pl.col("x"), 4))["x"].to_list()


def test_r4_rounds_like_the_columns_on_the_awkward_cases():
    from appraise.export.document import r4

    cases = [108.265 - 1e-12, 108.26499999999, 0.00005, -0.00005, 1.23455, 2.5e-5, 0.0, -0.0, 1e9 + 0.00005,
             0.1 + 0.2, 100 / 3, -100 / 3, 12.34565, 99.99995]
    cases += [-0.00001, -1e-9]  # round to zero: +0.0 on both sides, never -0.0 in results.json
    assert [repr(r4(x)) for x in cases] == [repr(v) for v in _column_r4(cases)]
    assert r4(108.26499999999) == 108.265 and r4(0.00005) == 0.0001 and r4(-0.00005) == -0.0001



@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False),
                          st.integers(-10 ** 9, 10 ** 9).map(lambda n: n / 10 ** 5),   # exact half-way cases
                          st.integers(-10 ** 7, 10 ** 7).map(lambda n: n / 3)), min_size=1, max_size=50))
def test_r4_and_the_column_rounding_agree(values):
    from appraise.export.document import r4

    assert [repr(r4(x)) for x in values] == [repr(v) for v in _column_r4(values)]


def test_results_json_numbers_carry_no_binary_noise(tmp_path):
    """Every rounded number reads as written: 55.5556, never 55.555600000000005 (one seeded company)."""
    from appraise.api import evaluate_cycle
    from appraise.tools.demo import make_company

    cycles = make_company(tmp_path, employees=200, seed=11)
    doc = evaluate_cycle(cycles[-1])
    noisy = []

    def walk(x, path):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{path}.{k}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{path}[{i}]")
        elif isinstance(x, float) and "e" not in repr(x) and len(repr(x).partition(".")[2]) > 4:
            noisy.append((path, x))

    walk(doc["employees"], "employees")
    assert len(doc["employees"]) > 150
    assert noisy == []
    assert "55.555600000000005" not in results_json(doc).decode()


def test_many_pages_are_made_durable_by_one_syncfs_and_each_file_otherwise(tmp_path, monkeypatch):
    """A renderer's pages are synced before they are renamed into place: on Linux by one ``syncfs`` of their file
    system (21,000 fsyncs cost ~28 s of a 10,000-person run), else, or when syncfs fails, one fsync per file."""
    from appraise import atomic

    pages = []
    for i in range(3):
        pages.append(tmp_path / f"p{i}.html")
        pages[-1].write_text(f"page {i}")
    calls = {"syncfs": 0, "fsync": 0}
    real_fsync = os.fsync

    def syncfs(fd):
        calls["syncfs"] += 1
        return 0

    def fsync(fd):
        calls["fsync"] += 1
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic, "_syncfs", lambda: syncfs)
    atomic.sync_files(pages)
    assert calls == {"syncfs": 1, "fsync": 0}
    monkeypatch.setattr(atomic, "_syncfs", lambda: (lambda fd: -1))  # syncfs failed: fall back to each file
    atomic.sync_files(pages)
    assert calls == {"syncfs": 1, "fsync": 3}
    monkeypatch.setattr(atomic, "_syncfs", lambda: None)  # not Linux
    atomic.sync_files(pages)
    assert calls["fsync"] == 6
    monkeypatch.undo()
    if sys.platform.startswith("linux"):
        assert atomic._syncfs() is not None  # glibc and musl have syncfs: the fast path is the one taken here


# ---------------------------------------------------------------- results.xlsx (issue 18): what an HR analyst opens

def _xlsx(ev, *, redact=False, locale=None, names=None, errors=0):
    """results.xlsx of an evaluation as ``appraise run`` writes it (names replaced where given, ids when redacted)."""
    import polars as pl

    from appraise.export.columns import summary
    from appraise.export.document import document_head
    from appraise.export.xlsx_columns import kpi_table, results_xlsx_columns

    table = summary(ev)
    if names:
        table = table.with_columns(pl.Series("name", [names.get(i, n) for i, n in
                                                      zip(table["id"].to_list(), table["name"].to_list())]))
    if redact:
        table = table.with_columns(pl.col("id").alias("name"))
    return results_xlsx_columns(document_head(ev), table, kpi_table(ev, redact=redact), ev.ruleset,
                                created=CREATED, errors=errors, redact=redact, locale=locale)


def test_xlsx_sheets_cells_and_formats(q3_evaluated):
    from xlsx_reference import expected, read

    ev, doc = q3_evaluated
    data = _xlsx(ev, errors=2)
    got = read(data)
    assert list(got) == ["Summary", "Teams", "Sales representative"]
    want = expected(doc, ev.ruleset)
    assert got["Teams"] == want["Teams"]
    assert got["Sales representative"] == want["Sales representative"]
    # by hand, from the SPEC's expected-q3.json: E001 108.27 A 41,100; E002 93.71 B 8,000; E003 98.98 B (A before
    # calibration) 30,900; E004 57.52 D 0 (east-1); E005 112.8 S 42,900 (east-2)
    teams = got["Teams"][2:]
    assert teams == [("east-1", 4, 89.62, 0, 1, 2, 0, 1, 80000),  # (108.27 + 93.71 + 98.98 + 57.52) / 4
                     ("east-2", 1, 112.8, 1, 0, 0, 0, 0, 42900)]
    sheet = got["Sales representative"]
    assert sheet[1][:7] == ("Employee ID", "Name", "Team", "Score", "Grade", "Grade before calibration", "Bonus")
    assert sheet[2][:7] == ("E001", "Li Wei", "east-1", 108.27, "A", "A", 41100)
    assert sheet[4][:7] == ("E003", "Wang Fang", "east-1", 98.98, "B", "A", 30900)
    col = {key: i for i, key in enumerate(sheet[0])}
    assert sheet[2][col["kpi.results.revenue.attainment"]] == 1.25
    assert sheet[1][col["kpi.results.revenue.attainment"]] == "Revenue attainment"
    assert sheet[2][col["focus_areas"]] == "Objectives and key results; 360° feedback"
    assert sheet[2][col["rules_fired"]] == "Price war - protect existing customers"
    assert sheet[6][col["missing"]] == "Lead conversion"  # E005: no lead data
    assert sheet[6][col["kpi.process.lead_conversion.score"]] is None
    summary = {r[0]: r[1:] for r in got["Summary"] if r[0]}
    assert summary["Sales team appraisal: 2026-Q3"] and summary["Employees appraised"][0] == 5
    assert summary["Errors"][0] == 2 and summary["Bonus total"][0] == 122900  # 41,100 + 8,000 + 30,900 + 0 + 42,900
    assert [summary[g] for g in "SABCD"] == [(1, 0.2), (1, 0.2), (2, 0.4), (0, 0.0), (1, 0.2)]

    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["Sales representative"]
    fmt = {key: ws.cell(3, i + 1).number_format for i, key in enumerate(sheet[0])}
    money = '"CN¥"#,##0;-"CN¥"#,##0'
    assert fmt["score"] == "0.00" and fmt["bonus"] == money
    assert fmt["dimension.results.score"] == "0.0" and fmt["kpi.results.revenue.score"] == "0.0"
    assert fmt["kpi.results.revenue.attainment"] == "0.0%" and fmt["kpi.results.revenue.weight"] == "0.0"
    assert fmt["kpi.results.revenue.actual"] == money and fmt["kpi.results.revenue.target"] == money
    assert fmt["kpi.results.collection_rate.actual"] == "0.0%"  # a ratio
    assert fmt["kpi.process.visits.actual"] == "#,##0"  # a count
    assert ws.row_dimensions[1].hidden and not ws.row_dimensions[2].hidden  # the keys are for programs
    assert ws.freeze_panes == "C3" and ws.auto_filter.ref == "A2:AY7"  # 7 + 5 dimensions + 7 KPIs x 5 + 4 lists
    assert ws["A2"].font.b and all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws.column_dimensions["A"].width >= len("Employee ID") and ws.column_dimensions["AY"].width >= 30
    assert book["Teams"].freeze_panes == "B3" and book["Teams"].auto_filter.ref == "A2:I4"
    assert book["Summary"]["B7"].number_format == money and book["Summary"]["C12"].number_format == "0.0%"
    assert book.properties.created == CREATED


def test_xlsx_in_chinese(q3_evaluated):
    from xlsx_reference import expected, read

    ev, doc = q3_evaluated
    data = _xlsx(ev, locale="zh-CN")
    got = read(data)
    assert list(got) == ["概览", "团队汇总", "销售代表"]
    want = expected(doc, ev.ruleset, locale="zh-CN")
    assert got["团队汇总"] == want["团队汇总"] and got["销售代表"] == want["销售代表"]
    sheet = got["销售代表"]
    assert sheet[1][:7] == ("员工编号", "姓名", "团队", "综合得分", "绩效等级", "校准前等级", "绩效奖金")
    col = {key: i for i, key in enumerate(sheet[0])}
    assert sheet[1][col["kpi.results.revenue.attainment"]] == "销售额达成率"
    assert sheet[2][col["focus_areas"]] == "OKR；360度反馈"
    assert got["概览"][0][0] == "销售团队绩效考核：2026-Q3"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["销售代表"].cell(3, col["bonus"] + 1).number_format == '"¥"#,##0;-"¥"#,##0'


def test_xlsx_redacted_has_no_pay_and_no_names(q3_evaluated):
    from appraise.export.files import redact_document
    from xlsx_reference import expected, read

    ev, doc = q3_evaluated
    data = _xlsx(ev, redact=True)
    got = read(data)
    want = expected(redact_document(doc), ev.ruleset, redact=True)
    assert got["Teams"] == want["Teams"] and got["Sales representative"] == want["Sales representative"]
    keys = got["Sales representative"][0]
    assert "bonus" not in keys and not [k for k in keys if k.endswith((".actual", ".target"))]
    assert [r[1] for r in got["Sales representative"][2:]] == ["E001", "E002", "E003", "E004", "E005"]
    assert "bonus_total" not in got["Teams"][0]
    assert not [r for r in got["Summary"] if r[0] in ("Bonus total", "Currency")]


def test_xlsx_text_cells_are_what_xlsxwriter_writes_and_never_formulas(q3_evaluated):
    """Names a spreadsheet would run, control characters, markup, spaces at the ends and text over Excel's limit: the
    fast writer's cells are xlsxwriter's own, and read back as text."""
    import zipfile

    import polars as pl
    import xlsxwriter

    from appraise.export.xlsx_columns import inline_texts

    texts = ['=HYPERLINK("http://x.example","click")', "+1+1", "@SUM(A1)", "\tTab", "-2", "  spaces at both ends  ",
             "ctrl\x01\x1fchars and _x0041_ literal", "a & b < c > d \"q\" '", "<r><t>bold?</t></r>",
             "赵磊 😀 " + "長" * 40000]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet()
    for r, t in enumerate(texts):
        ws.write_string(r, 0, safe_text(t))
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    import re

    theirs = re.findall(r'<c r="A\d+" t="inlineStr"><is>(.*?)</is></c>', xml)
    mine = inline_texts(pl.Series(texts)).to_list()
    # but markup: xlsxwriter takes a text starting with <r> for its own rich text; appraise keeps it text
    assert mine[:8] + mine[9:] == theirs[:8] + theirs[9:]
    assert mine[8] == "<t>&lt;r&gt;&lt;t&gt;bold?&lt;/t&gt;&lt;/r&gt;</t>"
    ev, _ = q3_evaluated
    ids = ["E001", "E002", "E003", "E004", "E005"]
    shown = texts[:4] + [texts[8]]
    got = openpyxl.load_workbook(io.BytesIO(_xlsx(ev, names=dict(zip(ids, shown)))))["Sales representative"]
    names = [c.value for c in got["B"][2:]]
    assert names == [safe_text(t) for t in shown]
    assert all(c.data_type != "f" for row in got.iter_rows() for c in row)


def test_xlsx_money_is_exact_or_text():
    """An amount is written as its own decimal text; one Excel could not show (over 15 significant digits) stays
    text, so no cell shows a rounded amount."""
    import polars as pl

    from appraise.export.xlsx_columns import _money_cell

    amounts = ["41100", "-500", "0.10", "123456789012345", "1234567890123456", "12345678901234567.5", None]
    cells = pl.DataFrame({"a": amounts}).select(_money_cell(pl.col("a"), 7)).to_series().to_list()
    assert cells[:4] == ['" s="7"><v>41100</v></c>', '" s="7"><v>-500</v></c>', '" s="7"><v>0.10</v></c>',
                         '" s="7"><v>123456789012345</v></c>']
    assert cells[4] == '" s="7" t="inlineStr"><is><t>1234567890123456</t></is></c>'  # 16 digits
    assert cells[5] == '" s="7" t="inlineStr"><is><t>12345678901234567.5</t></is></c>'
    assert cells[6] is None


def test_xlsx_sheets_continue_past_excel_row_limit(q3_evaluated, monkeypatch):
    import appraise.export.xlsx_columns as xlsx

    monkeypatch.setattr(xlsx, "XLSX_MAX_ROWS", 4)  # two header rows, two people per sheet
    ev, doc = q3_evaluated
    book = openpyxl.load_workbook(io.BytesIO(_xlsx(ev)))
    parts = ["Sales representative", "Sales representative (2)", "Sales representative (3)"]
    assert book.sheetnames == ["Summary", "Teams", *parts]
    ids = [r[0] for s in parts for r in book[s].iter_rows(min_row=3, values_only=True)]
    assert ids == [e["id"] for e in doc["employees"]]
    assert all(book[s]["A2"].value == "Employee ID" and book[s].row_dimensions[1].hidden for s in parts)


def test_xlsx_with_no_employees_has_headers_only(q3_evaluated):
    import polars as pl

    from appraise.export.columns import summary
    from appraise.export.document import document_head
    from appraise.export.xlsx_columns import kpi_table, results_xlsx_columns

    ev, _ = q3_evaluated
    table, kpis = summary(ev).clear(), kpi_table(ev).clear()
    data = results_xlsx_columns(document_head(ev), table, kpis, ev.ruleset, created=CREATED)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [len(list(book[s].iter_rows())) for s in ("Teams", "Sales representative")] == [2, 2]
    summary_rows = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary_rows["Employees appraised"] == 0 and summary_rows["Bonus total"] is None
    assert pl.DataFrame().height == 0


def test_xlsx_is_byte_identical_later(q3_evaluated):
    ev, _ = q3_evaluated
    first = _xlsx(ev)
    time.sleep(2.1)  # zip entries have 2-second resolution: a clock in the file would show
    assert _xlsx(ev) == first


def test_xlsx_one_sheet_per_scorecard():
    """A ruleset with two scorecards: each employee on their scorecard's sheet only, each sheet with its own KPIs."""
    import copy

    from engine_inputs import example_ruleset_data
    from xlsx_reference import expected, read

    data = example_ruleset_data()
    card = copy.deepcopy(data["scorecards"]["sales_rep"])
    card["label"] = {"en": "New representative", "zh-CN": "新销售代表"}
    card["applies_to"] = 'role == "sales_rep" and tenure_months < 12'
    del card["dimensions"]["strategy"]  # results 50 + process 15 + objectives 10 + feedback 15 + 10 more results
    card["dimensions"]["results"]["weight"] = 60
    data["scorecards"] = {"new_rep": card, **data["scorecards"]}  # the first that applies is used
    _, q2 = run_example("Q2", ruleset_data=copy.deepcopy(data))
    ev, doc = run_example("Q3", ruleset_data=data, previous=previous_from(q2))
    new = [e["id"] for e in doc["employees"] if e["scorecard"] == "new_rep"]
    assert new and len(new) < len(doc["employees"])
    got = read(_xlsx(ev))
    assert list(got) == ["Summary", "Teams", "New representative", "Sales representative"]
    for sheet, rows in expected(doc, ev.ruleset).items():
        assert got[sheet] == rows, sheet
    assert [r[0] for r in got["New representative"][2:]] == new
    assert "kpi.strategy.retention_rate.score" not in got["New representative"][0]
    assert "kpi.strategy.retention_rate.score" in got["Sales representative"][0]
