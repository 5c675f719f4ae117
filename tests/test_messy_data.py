"""Real, messy exports never change pay silently: each defect is read as a person reads it, or refused at its cell.

The number spellings, employee amounts, ';' files and full-width ids that fit the corpus' shape are in
tests/provider_errors/ (number-spellings, employee-amounts-the-engine-cannot-read, semicolon-thousands-points,
full-width-id).  Here: what needs bytes (line ends, encodings), workbooks made in the test, typed Parquet columns
and duckdb.  README "Messy exports" lists every defect and what appraise does with it.  Expectations are worked out
by hand from the files written here.
"""
from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from appraise.errors import InvalidInput
from appraise.hookspecs import Origin, ProvideRequest, SourceSpec
from appraise.i18n import say, translate
from appraise.language.period import parse as parse_period
from appraise.plugins import _tabular
from appraise.provide import checks
from appraise.provide.parts import Part, Report

Q3 = parse_period("2026-Q3")
ROWS = "employee,month,revenue\nE001,2026-07,450000\n赵磊,2026-07,x\n"


def _spec(tmp_path: Path, name: str, data: bytes, provider: str = "csv", kind: str = "metrics", **options):
    path = tmp_path / name
    path.write_bytes(data)
    return SourceSpec(provider, kind, path, options=options, base_dir=tmp_path)


def _cells(sheet) -> list[tuple]:
    return sheet.frame.select("employee", "month", "revenue", "_row").rows()


WANT = [("E001", "2026-07", "450000", 1), ("赵磊", "2026-07", "x", 2)]


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: t.encode("utf-8-sig"),                               # Excel's "CSV UTF-8"
    lambda t: t.replace(",", "\t").encode("utf-16"),               # Excel's "Unicode text": UTF-16 with BOM, tabs
    lambda t: t.encode("gbk"),                                     # Chinese Excel's "CSV"
    lambda t: t.encode("gb18030"),
    lambda t: t.replace("\n", "\r\n").encode("utf-8"),             # Windows line ends
    lambda t: t.replace("\n", "\r").encode("utf-8"),               # lone CR: Excel for Mac's "CSV (Macintosh)"
    lambda t: t.replace("\n", "\r").replace(",", "\t").encode("utf-16"),
    lambda t: (t + "\n\n").encode("utf-8"),                        # trailing empty lines
    lambda t: t.replace(",", ";").encode("utf-8"),                 # Europe's separator
    lambda t: t.replace("450000", '"450000"').replace("E001", " E001\u00a0").encode("utf-8"),  # quoted, padded
], ids=["utf8", "bom", "utf16", "gbk", "gb18030", "crlf", "cr", "utf16-cr", "trailing-blank", "semicolon", "quoted"])
def test_encodings_and_line_ends_read_the_same_cells(tmp_path, encode):
    sheet = _tabular.read_csv(_spec(tmp_path, "m.csv", encode(ROWS)))
    assert _cells(sheet) == WANT
    assert sheet.origin().line(2) == 3  # the second data record is the file's third line, whatever ends it


def test_a_lone_cr_file_names_the_line_of_a_bad_cell(tmp_path):
    # it used to fail as a whole: "cannot parse CSV: provided new_columns does not match ..." (one row of 7 fields)
    spec = _spec(tmp_path, "m.csv", ROWS.replace("\n", "\r").encode("utf-8"))
    sheet = _tabular.read_csv(spec, numbers=["revenue"])
    part = Part(sheet.frame, sheet.origin(), spec, clean=True)
    report = Report()
    checks.numbers(part, sheet.frame, ["revenue"], report, "value of")
    [(diag, who)] = report.items
    assert (diag.line, diag.col, who) == (3, 3, "赵磊")


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("cell", ["1e-400", "12.5E-0330"])
def test_a_number_a_float_makes_0_is_refused_on_every_read_path(tmp_path, monkeypatch, stream, cell):
    # polars' own number parse (the fast path) and the streamed read of a big file (slices of 7 bytes here, so the
    # exponent straddles two of them) made it 0.0, which nothing after could tell from a written 0
    if stream:
        monkeypatch.setattr(_tabular, "STREAM_BYTES", 1)
        monkeypatch.setattr(_tabular, "_STREAM_SLICE", 7)
        monkeypatch.setattr(_tabular, "_STREAM_HEAD", 24)
    spec = _spec(tmp_path, "m.csv", f"employee,month,a\nE1,2026-07,0\nE2,2026-07,{cell}\n".encode())
    sheet = _tabular.read_csv(spec, numbers=["a"])
    part = Part(sheet.frame, sheet.origin(), spec, clean=True, ascii=sheet.ascii, plain=sheet.plain)
    report = Report()
    cast = checks.numbers(part, sheet.frame, ["a"], report, "value of")
    assert cast["a"].to_list()[0] == 0  # a written 0 is 0
    [(diag, who)] = report.items
    assert (diag.line, diag.col, who) == (3, 3, "E2")
    assert diag.message == f"value of 'a' is {cell}, too close to 0 to compute with (below 2.2e-308 in size)" \
        " (employee E2)"


def test_utf16_without_a_bom_is_named_and_read_when_said(tmp_path):
    data = ROWS.replace(",", "\t").encode("utf-16-le")
    with pytest.raises(InvalidInput) as info:
        _tabular.read_csv(_spec(tmp_path, "m.csv", data))
    [diag] = info.value.diagnostics
    assert diag.message.startswith("file looks like UTF-16 text without a byte-order mark")
    assert "encoding: utf-16" in diag.hint
    assert _cells(_tabular.read_csv(_spec(tmp_path, "m2.csv", data, encoding="utf-16"))) == WANT


# ------------------------------------------------------------------ xlsx
def _book(tmp_path: Path, build, patch=None, **options):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "m"
    ws.append(["employee", "month", "revenue"])
    build(book, ws)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if patch is not None:  # what Excel writes and openpyxl cannot (cached formula values, error cells)
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                body = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    body = patch(body)
                dst.writestr(item, body)
        data = out.getvalue()
    return _spec(tmp_path, "m.xlsx", data, provider="excel", **options)


def _read_xlsx(spec) -> list[tuple]:
    return _tabular.read_xlsx(spec).frame.select("employee", "month", "revenue", "_row").rows()


def _refused(spec) -> list[tuple]:
    with pytest.raises(InvalidInput) as info:
        _tabular.read_xlsx(spec)
    return [(Path(d.file).name, d.line, d.col, d.message) for d in info.value.diagnostics]


def test_a_formula_without_a_saved_value_is_refused_not_read_as_empty(tmp_path):
    def build(book, ws):
        ws.append(["E001", "2026-07", 2])
        ws.append(["E003", "2026-07", "=C2*2"])  # openpyxl saves no value: Excel would show 4

    assert _refused(_book(tmp_path, build)) == [(
        "m.xlsx[m]", 3, 3, "cell C3 holds a formula (=C2*2) but no saved value: the workbook was written by a program "
        "and never calculated, so the value Excel would show is not in the file")]
    # saved by Excel: the value is there, and read
    saved = _book(tmp_path, build, lambda xml: xml.replace(b"<f>C2*2</f><v />", b"<f>C2*2</f><v>4</v>"))
    assert _read_xlsx(saved) == [("E001", "2026-07", "2", 2), ("E003", "2026-07", "4", 3)]
    # a formula whose saved value is empty text (=IF(..., "", ...)) is an empty cell
    empty = _book(tmp_path, build, lambda xml: xml.replace(b'<c r="C3"><f>C2*2</f><v />',
                                                           b'<c r="C3" t="str"><f>C2*2</f><v></v>'))
    assert _read_xlsx(empty) == [("E001", "2026-07", "2", 2), ("E003", "2026-07", None, 3)]


def test_merged_cells_in_the_table_are_refused(tmp_path):
    def build(book, ws):  # E001 shown for rows 2 and 3; row 3's cell is empty in the file
        ws.append(["E001", "2026-07", 1])
        ws.append([None, "2026-08", 2])
        ws.merge_cells("A2:A3")

    [(file, line, col, message)] = _refused(_book(tmp_path, build))
    assert (file, line, col) == ("m.xlsx[m]", 2, 1)
    assert message == ("cells A2:A3 are merged: Excel shows the value of A2 across them, but the other cells are "
                       "empty and would be read as missing")


def test_a_hidden_first_sheet_is_not_read_unless_named(tmp_path):
    def build(book, ws):
        ws.append(["E001", "2026-07", 5])
        ws.sheet_state = "hidden"
        shown = book.create_sheet("shown")
        shown.append(["employee", "month", "revenue"])
        shown.append(["E001", "2026-07", 9])

    with pytest.raises(InvalidInput) as info:
        _tabular.read_xlsx(_book(tmp_path, build))
    [diag] = info.value.diagnostics
    assert diag.message.endswith("/m.xlsx: the workbook's first sheet, 'm', is hidden in Excel; appraise does not "
                                 "guess which sheet is meant")
    assert diag.hint == "name the sheet to read on this source in the cycle file, e.g. sheet: shown"
    assert _read_xlsx(_book(tmp_path, build, sheet="m")) == [("E001", "2026-07", "5", 2)]


def test_cells_read_as_the_workbook_holds_them(tmp_path):
    def build(book, ws):
        ws.append(["E001", "2026-07", 0.855])             # shown as 85.5%: its value is 0.855
        ws["C2"].number_format = "0.0%"
        ws.append(["E001", "2026-08", "450000"])          # a number stored as text
        ws.append([None, None, None])                     # an empty row in the middle: left out, rows keep numbers
        ws.append(["E001", "2026-09", date(2026, 7, 1)])  # a date where a number belongs: its text, refused later
        ws.append(["E003", "2026-07", True])              # a boolean: 'true', refused later
        ws.append(["E003", "2026-08", "X"])               # patched below into Excel's #DIV/0! error cell
        ws.append(["E003", "2026-09", 7])
        ws.row_dimensions[8].hidden = True                # hidden rows are data (Excel's SUM counts them too)

    error = (b'<c r="C7" t="inlineStr"><is><t>X</t></is></c>', b'<c r="C7" t="e"><v>#DIV/0!</v></c>')
    spec = _book(tmp_path, build, lambda xml: xml.replace(*error) if error[0] in xml else b"not patched")
    assert _read_xlsx(spec) == [("E001", "2026-07", "0.855", 2), ("E001", "2026-08", "450000", 3),
                                ("E001", "2026-09", "2026-07-01", 5), ("E003", "2026-07", "true", 6),
                                ("E003", "2026-08", "#DIV/0!", 7), ("E003", "2026-09", "7", 8)]


# ------------------------------------------------------------------ typed columns
def test_float32_is_read_as_shown_not_as_its_binary_value():
    frame = pl.DataFrame({"employee": ["E001", "E003", "E004"], "revenue": [0.1, 1234.56, 450000.12],
                          "_row": [1, 2, 3]}, schema={"employee": pl.Utf8, "revenue": pl.Float32, "_row": pl.Int64})
    part = Part(frame, Origin("m.parquet"), SourceSpec("parquet", "metrics", None))
    report = Report()
    cast = checks.numbers(part, frame, ["revenue"], report, "value of")
    # float32 holds 0.10000000149011612, 1234.56005859375 and 450000.125; a reader (and the writer) saw these:
    assert cast["revenue"].to_list() == [0.1, 1234.56, 450000.12]
    assert report.items == []


def test_duckdb_keeps_an_employees_file_as_written(tmp_path):
    from appraise.plugins.duckdb_provider import DuckdbProvider

    spec = _spec(tmp_path, "e.csv", b"id,team,target_bonus\n007,1.10,30000\n012,1.20,25000.50\n", provider="duckdb",
                 kind="employees")
    request = ProvideRequest(kind="employees", period=Q3, attributes={"target_bonus": "money"})
    frame = DuckdbProvider().read(spec, request).inputs.employees
    # duckdb's guess made the teams the numbers 1.1 and 1.2 (so '1.10' and '1.1' would be one team)
    assert frame.select("id", "team", "target_bonus").rows() == [("007", "1.10", "30000"), ("012", "1.20", "25000.50")]


def test_duckdb_refuses_a_thousands_point_in_a_semicolon_file(tmp_path):
    from appraise.plugins.duckdb_provider import DuckdbProvider

    spec = _spec(tmp_path, "m.csv", b"employee;month;revenue\nE001;2026-07;12\nE003;2026-07;450.000\n",
                 provider="duckdb")
    request = ProvideRequest(kind="metrics", period=Q3, metrics={"revenue": "sum"})
    with pytest.raises(InvalidInput) as info:  # duckdb typed the column DOUBLE and read 450.0
        DuckdbProvider().read(spec, request)
    [diag] = info.value.diagnostics
    assert (diag.line, diag.col) == (3, 3)
    assert diag.message.startswith("'revenue' is '450.000' in a file separated by ';'")


# ------------------------------------------------------------------ both languages
def test_the_new_messages_are_said_in_chinese():
    assert say("excel.merged_cells", "zh-CN", range="A2:A3", first="A2") == (
        "单元格 A2:A3 已合并：Excel 在整个区域显示 A2 的值，但其余单元格实际为空，会被当作缺失值读取")
    assert say("excel.hidden_first_sheet.hint", "zh-CN", option="sheet: shown") == (
        "请在周期文件的此数据源中注明要读取的工作表，例如 sheet: shown")
    assert translate(checks.number_hint("¥1,200"), "zh-CN") == "'¥1,200' 带有货币符号或单位：请只写金额：1200"
    assert translate(checks.number_hint("85,5"), "zh-CN") == (
        "'85,5' 使用了小数逗号：请改用小数点：85.5（请以小数点格式保存文件，或在使用小数点的区域设置下保存）")
    assert translate("'target_bonus' of employee E003 is 1e400, too large to compute exactly (the limit is 10^15)",
                     "zh-CN") == "员工 E003 的 'target_bonus' 为 1e400，太大，无法精确计算（上限为 10^15）"
