"""results.xlsx's and results.csv's shortcuts of session 11 write the bytes of their plain paths: a number column
of one value in every row written as a literal cell (results.xlsx), a text or list column of few distinct values
made into fields once per value (results.csv); on values chosen to break them: 0.0 beside -0.0, a constant with a
null, formula starts, quotes, commas, line ends and NUL characters in few-valued columns, braces."""
from __future__ import annotations

import csv
import io
import json
import random

import polars as pl

from appraise.export import columns as cc
from appraise.export import xlsx_columns as xc
from appraise.export.files import safe_text
from appraise.export.xlsx_columns import Column


def _xlsx_rows(rows, cols, fast: bool) -> str:
    from xlsxwriter.utility import xl_col_to_name

    styles: dict[str, int] = {}
    for i, c in enumerate(cols):
        styles.setdefault(c.fmt, 3 + i)
    letters = [xl_col_to_name(j) for j in range(len(cols))]
    before = xc.FEW_TEXTS
    xc.FEW_TEXTS = fast
    try:
        return b"".join(bytes(v) for views, _ in xc._row_lines(rows, cols, styles, letters, chunk=70)
                        for v in views).decode("utf-8")
    finally:
        xc.FEW_TEXTS = before


def test_constant_number_columns_are_the_plain_cells():
    n = 150
    frame = pl.DataFrame({
        "id": [f"{{E{i}}}" for i in range(n)],  # braces: the row's template is a pl.format string
        "w": [50.0] * n, "t": [0.95] * n, "big": [1e16] * n, "z": [0.0] * n,
        "zz": [0.0, -0.0] * (n // 2),  # equal, but their texts differ: not one value
        "nz": [-0.0] * n,  # -0.0 everywhere: left to the plain path
        "gap": [50.0] * (n - 1) + [None],  # one missing: not one value in every row
        "k": pl.Series([7] * n, dtype=pl.Int64), "s": [1.5, 2.0, 3.25] * (n // 3),
    })
    fmts = {"id": "text", "w": "weight", "t": "pct", "big": "int", "z": "int", "zz": "int", "nz": "num",
            "gap": "weight", "k": "int", "s": "score1"}
    cols = [Column(c, c, c, fmts[c]) for c in frame.columns]
    assert xc._constant_texts(frame, frame.columns[1:], xc._number_shapes(frame, frame.columns[1:9])) == {
        "w": "50", "t": "0.95", "big": "1e+16", "z": "0", "k": "7"}
    fast, plain = _xlsx_rows(frame, cols, True), _xlsx_rows(frame, cols, False)
    assert fast == plain
    # the cells worked out by hand: xlsxwriter's texts of these doubles
    assert '<row r="3"><c r="A3" t="inlineStr"><is><t>{E0}</t></is></c><c r="B3" s="4"><v>50</v></c>' in fast
    assert '<c r="C3" s="5"><v>0.95</v></c><c r="D3" s="6"><v>1e+16</v></c><c r="E3" s="6"><v>0</v></c>' in fast
    assert '<c r="F4" s="6"><v>-0</v></c><c r="G4" s="9"><v>-0</v></c>' in fast
    assert f'<c r="H{n + 2}"/><c r="I{n + 2}" s="6"><v>7</v></c>' in fast and fast.count("<row ") == n


def _csv_reference(table) -> bytes:
    """results.csv as csv.writer writes the table's rows (independent of csv_chunks)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(table.columns)
    for row in table.iter_rows(named=True):
        out = []
        for c, v in row.items():
            if c in cc.LISTS:
                out.append(safe_text(None if v is None else ";".join(v)))
            elif c in cc.NUMERIC_FIRST or c.endswith(".score"):
                out.append("" if v is None else v if isinstance(v, str) else json.dumps(v))
            else:
                out.append(safe_text(v))
        w.writerow(out)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def test_csv_fields_of_few_values_are_the_plain_fields():
    rnd = random.Random(7)
    n = 300
    odd = ["=1+1", 'say "hi"', "a,b", "two\nlines", "cr\r", "nul\x00here", "", None, "plain", "赵磊", "{x}", "-3"]
    lists = [None, [], ["a"], ["b", "=c"], ["a,b", 'q"'], ["nul\x00"], ["x"]]
    table = pl.DataFrame({
        "id": [f"E{i}" for i in range(n - 1)] + ["E\x00last"],  # all distinct, one NUL
        "name": [rnd.choice(odd) for _ in range(n)],  # few, every odd kind
        "scorecard": ["sales"] * n,
        "score": [rnd.choice([81.5, 90.0, None, 1e-05]) for _ in range(n)],
        "grade": [rnd.choice(["A", "B", "+C"]) for _ in range(n)],
        "grade_uncalibrated": [rnd.choice(["A", None]) for _ in range(n)],
        "bonus": [rnd.choice(["100", "0.50", None]) for _ in range(n)],
        "rules_fired": [rnd.choice(lists) for _ in range(n)],
        "outcomes": [rnd.choice(lists[:3]) for _ in range(n)],
        "missing": [[] for _ in range(n)],
        "focus_areas": [[f"k{i}"] for i in range(n)],  # many distinct lists
        "kpi.a.score": [rnd.choice([50.0, 0.5, None]) for _ in range(n)],
    }, schema_overrides={c: pl.List(pl.Utf8) for c in cc.LISTS})
    # the row with a NUL (written by csv.writer itself) has quoted fields of few-valued columns too
    table = table.with_columns(pl.when(pl.int_range(n) == n - 1).then(pl.lit('say "hi"')).otherwise("name")
                               .alias("name"),
                               pl.when(pl.int_range(n) == n - 1).then(pl.lit(["a,b", 'q"'])).otherwise("rules_fired")
                               .alias("rules_fired"))
    want = _csv_reference(table)
    assert cc._few_fields(table, "name") is not None and cc._few_fields(table, "rules_fired") is not None
    assert cc._few_fields(table, "id") is None and cc._few_fields(table, "focus_areas") is None
    for rows_per_chunk in (300, 110):
        assert b"".join(cc.csv_chunks(table, rows_per_chunk=rows_per_chunk)) == want
        cc.FEW_FIELDS = False
        try:
            assert b"".join(cc.csv_chunks(table, rows_per_chunk=rows_per_chunk)) == want
        finally:
            cc.FEW_FIELDS = True
