"""Issue 17: the export files written from the engine's columns (results.json, results.csv, results.xlsx) equal,
byte for byte, the files written from the per-employee documents (the plain path), on the worked example, a
generated company and hostile values."""
from __future__ import annotations

import json
import math
import random
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path

import polars as pl
import pytest

from appraise.export.columns import csv_chunks, float_text, py_round, rounded_frame, summary
from appraise.export.document import document_head, results_document
from appraise.export.files import (
    _indented,
    _row,
    redact_document,
    results_csv,
    results_json_chunks,
    results_json_texts,
    score_columns,
    text_bytes,
)
from appraise.export.json_columns import (
    employee_text_chunks,
    employee_text_pairs,
    employee_texts,
    json_text,
    json_text_of_few,
)
from appraise.export.xlsx_columns import kpi_table, results_xlsx_columns
from appraise.language.overrides import Override
from appraise.pipeline import evaluate_cycle, evaluate_tables

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "fixtures" / "example"


def _evaluations(tmp_path_factory):
    """(label, evaluation) of the worked example's cycles and a generated company (two quarters)."""
    out = []
    for cycle in sorted(EXAMPLE.glob("cycle-*.yaml")):
        out.append((cycle.stem, evaluate_cycle(cycle)[1].evaluation))
    from appraise.tools.demo import make_company

    folder = tmp_path_factory.mktemp("company")
    for path in make_company(folder, employees=120, seed=5, quarters=("2026-Q2", "2026-Q3")):
        out.append((f"company-{path.stem}", evaluate_cycle(path)[1].evaluation))
    return out


@pytest.fixture(scope="module")
def evaluations(tmp_path_factory):
    found = _evaluations(tmp_path_factory)
    assert len(found) >= 3
    return found


def _same(a, b) -> bool:
    """Equal documents: the same types, keys in the same order, values equal (NaN as NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _check_fast_document(ev, doc) -> None:
    """The document's entries parsed from their text (json_columns.results_document, as a large company's document
    is made, a few entries parsed at a time) are the plain path's."""
    from appraise.export import json_columns

    was = json_columns.FAST_DOCUMENT_ROWS, json_columns.ENTRIES_PER_ARRAY
    json_columns.FAST_DOCUMENT_ROWS, json_columns.ENTRIES_PER_ARRAY = 0, 7
    try:
        assert _same(json_columns.results_document(ev), doc)
    finally:
        json_columns.FAST_DOCUMENT_ROWS, json_columns.ENTRIES_PER_ARRAY = was


def _check_same_files(ev):
    doc = results_document(ev)  # the plain path: each entry built from its row
    plain = "".join(results_json_chunks(doc))
    # several chunks, the last one short (each chunk costs a polars pipeline: 3 rows a chunk over a company of 120
    # took seconds without testing more than 4 chunks do)
    few = 3 if ev.frame.height <= 12 else ev.frame.height // 4 - 1
    _check_fast_document(ev, doc)
    assert "".join(results_json_texts(doc, employee_texts(ev), batch=7)) == plain
    assert "".join(results_json_texts(doc, employee_text_chunks(ev, rows_per_chunk=few), batch=2)) == plain
    assert employee_texts(ev).to_list() == [_indented(e, "    ") for e in doc["employees"]]
    assert employee_texts(ev, compact=True).to_list() == [json.dumps(e, ensure_ascii=False) for e in doc["employees"]]
    pairs = list(employee_text_pairs(ev, rows_per_chunk=few))  # what appraise run writes: results.json's, the store's
    assert [t for p in pairs for t in p[0].to_list()] == [_indented(e, "    ") for e in doc["employees"]]
    assert [t for p in pairs for t in p[1].to_list()] == [json.dumps(e, ensure_ascii=False) for e in doc["employees"]]
    # appraise run rounds the frame once for every file (rounded_frame): the same texts and tables as rounding each
    rounded = rounded_frame(ev)
    fast = list(employee_text_pairs(ev, rows_per_chunk=64, rounded=rounded))
    assert [t for p in fast for t in p[0].to_list()] == [t for p in pairs for t in p[0].to_list()]
    assert [t for p in fast for t in p[1].to_list()] == [t for p in pairs for t in p[1].to_list()]
    assert summary(ev, rounded).equals(summary(ev))
    for redact in (False, True):
        assert kpi_table(ev, redact=redact, rounded=rounded).equals(kpi_table(ev, redact=redact))
    for redact in (False, True):
        shown = redact_document(doc) if redact else doc
        table = summary(ev)
        if redact:
            table = table.with_columns(pl.col("id").alias("name"))
        got = b"".join(csv_chunks(table, redact=redact, rows_per_chunk=5))
        assert got == results_csv(shown, ev.ruleset, redact=redact)
    for redact in (False, True):  # results.xlsx holds the document's values (tests/xlsx_reference.py)
        from xlsx_reference import expected, read

        shown = redact_document(doc) if redact else doc
        table = summary(ev)
        if redact:
            table = table.with_columns(pl.col("id").alias("name"))
        got = read(results_xlsx_columns(document_head(ev), table, kpi_table(ev, redact=redact), ev.ruleset,
                                        created=datetime(2026, 9, 30), errors=3, redact=redact))
        for sheet, rows in expected(shown, ev.ruleset, redact=redact).items():
            assert got[sheet] == rows, sheet
    _same_xlsx_parts_either_deflate(ev, table)
    kpis, dims = score_columns(ev.ruleset)
    for e, row in zip(doc["employees"], summary(ev).iter_rows(named=True), strict=True):
        plain_row = _row(e, kpis, dims)
        lists = [e[k] for k in ("rules_fired", "outcomes", "missing", "focus_areas")]
        assert [row[k] for k in ("rules_fired", "outcomes", "missing", "focus_areas")] == lists
        mine = list(row.values())
        assert mine[:7] + mine[11:] == plain_row[:7] + plain_row[11:]


def _same_xlsx_parts_either_deflate(ev, table):
    """results.xlsx deflated by ISA-L with its CRC and its rows' shortcuts (the fast path) and by zlib (zipfile's
    own) with every cell made for itself: the same zip entries, in the same order, each of the same bytes once
    inflated: every sheet, cell, format and property the same."""
    import io
    import zipfile

    from appraise.export import xlsx_columns

    def made(fast: bool) -> bytes:
        xlsx_columns.FAST_DEFLATE = xlsx_columns.FEW_TEXTS = xlsx_columns.ROW_VIEWS = fast
        try:
            return results_xlsx_columns(document_head(ev), table, kpi_table(ev, redact=True), ev.ruleset,
                                        created=datetime(2026, 9, 30), errors=3, redact=True)
        finally:
            xlsx_columns.FAST_DEFLATE = xlsx_columns.FEW_TEXTS = xlsx_columns.ROW_VIEWS = True

    def parts(data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.testzip() is None  # every entry's CRC checks
            return [(i.filename, i.compress_type, z.read(i)) for i in z.infolist()]

    # the run's way: streamed into the file (written_by), its sha256 read back from the file
    import hashlib
    import tempfile

    from appraise.export.files import written_by

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results.xlsx"
        sha, size = written_by(path, xlsx_columns.write_results_xlsx, document_head(ev), table,
                               kpi_table(ev, redact=True), ev.ruleset, created=datetime(2026, 9, 30), errors=3,
                               redact=True)
        fast_data = path.read_bytes()
        assert [p.name for p in Path(folder).iterdir()] == ["results.xlsx"]  # no temporary file left
    assert (sha, size) == (hashlib.sha256(fast_data).hexdigest(), len(fast_data))
    fast, plain = parts(fast_data), parts(made(False))
    assert [p[:2] for p in fast] == [p[:2] for p in plain]
    assert [p[2] for p in fast] == [p[2] for p in plain]


def test_text_bytes_are_the_values_one_after_another():
    s = pl.Series(["ab", None, "ç", "", "d\n"] * 3)
    for part in (s, s.slice(2, 7), pl.concat([s, s], rechunk=False), s.filter(s.is_null()), s.head(0)):
        assert bytes(text_bytes(part)) == "".join(v for v in part.to_list() if v is not None).encode("utf-8")


def test_columnar_files_equal_the_document_files(evaluations):
    for label, ev in evaluations:
        try:
            _check_same_files(ev)
        except AssertionError as exc:  # which evaluation differs
            raise AssertionError(label) from exc


def test_hostile_names_and_numbers(tmp_path):
    """Names a spreadsheet would run or JSON must escape, KPI values Python writes in exponent form or that sit
    next to a rounding half, and two overridden employees (written by the plain path), through the API's tables."""
    names = ["=HYPERLINK(\"x\")", "a,b", 'quo"te', "line\nbreak", "tab\there", "back\\slash", "\x01ctl", "+1",
             "-2", "@x", " lead", "trail ", "郭婷", "emoji 🙂", "\u2028sep", "x\x00y", ""]
    employees = [{"id": f"E{i:02d}", "name": n, "team": "t", "region": "east", "hire_date": "2020-01-01"}
                 for i, n in enumerate(names)]
    values = [90, 1e-7, 2.675e-3, 1e17, 0.1 + 0.2, 100.125, 12345.5, 0, 3, 1.005, 99.995, 5e-5, 7, 8, 9, 10, 11]
    metrics = [{"employee": e["id"], "month": "2026-07", "revenue": float(v), "quota": 100.0}
               for e, v in zip(employees, values, strict=True)]
    overrides = [Override("E04", None, "A", "reviewed \"by hand\"", "HR", "2026-10-01"),
                 Override("E05", 85.0, None, "tab\there", "=HR", "2026-10-02")]
    ev = evaluate_tables(ROOT / "tests" / "fixtures" / "api" / "ruleset.yaml", period="2026-Q3",
                         employees=employees, metrics=metrics, overrides=overrides).evaluation
    assert ev.frame.filter(pl.col("override.applied"))["id"].to_list() == ["E04", "E05"]
    _check_same_files(ev)


def test_float_text_is_json_dumps():
    rng = random.Random(17)
    xs = [0.0, -0.0, 1e-4, 9.99e-5, 1e-5, 1e16, 1e15, 123456789012.3456, 0.1 + 0.2, float("nan"), float("inf"),
          -float("inf"), 1e300, -1e-300, 5e-324, 2.5, -3.25]
    xs += [rng.uniform(-1e6, 1e6) for _ in range(2000)] + [round(rng.uniform(-1e4, 1e4), 4) for _ in range(2000)]
    xs += [math.ldexp(rng.random(), rng.randint(-80, 80)) for _ in range(2000)]
    got = float_text(pl.Series(xs + [None], dtype=pl.Float64)).to_list()
    assert got == [json.dumps(x) for x in xs] + [None]


def test_py_round_is_round():
    rng = random.Random(3)
    xs = [2.675, 1.005, 0.125, 0.375, -2.675, 1e20, 1e-20, 99.995, 100.125, 0.5, 1.5, -0.5]
    xs += [rng.randint(-10 ** 6, 10 ** 6) / 1000 + 0.0005 for _ in range(3000)]  # next to a half at 2 decimals
    xs += [rng.uniform(-100, 100) for _ in range(3000)]
    for digits in (2, 4, 9):
        got = py_round(pl.Series(xs + [None], dtype=pl.Float64), digits).to_list()
        assert got == [round(x, digits) for x in xs] + [None], digits
    special = py_round(pl.Series([float("nan"), float("inf")]), 2).to_list()
    assert math.isnan(special[0]) and special[1] == float("inf")


def test_json_text_is_encode_basestring():
    texts = ['"', "\\", "\n", "\x00", "\x1f", "\x7f", "\u2028", "郭", "🙂", "plain", ""]
    assert json_text(pl.Series(texts + [None])).to_list() == [encode_basestring(t) for t in texts] + ["null"]
    assert json_text_of_few(pl.Series(texts * 3 + [None])).to_list() == [encode_basestring(t) for t in texts * 3] \
        + ["null"]


def test_api_table_is_built_without_the_document(evaluations):
    from appraise.api import TABLE_COLUMNS, Results

    _, ev = evaluations[-1]
    res = Results(ev)
    table = res.table
    assert res._document is None  # nothing built for the table
    doc = res.document
    assert table.columns == TABLE_COLUMNS
    assert table.to_dicts() == [{k: e[k] for k in TABLE_COLUMNS} for e in doc["employees"]]
    first = doc["employees"][0]
    assert res.employee(first["id"]) is first
    alone = Results(ev)  # one employee's entry without the whole document
    last = doc["employees"][-1]
    assert alone.employee(last["id"]) == last and alone._document is None
    with pytest.raises(StopIteration):
        alone.employee("nobody")

