"""results.xlsx from the engine's columns: the Employees and KPIs sheets' rows as XML made by polars.

:func:`appraise.export.files.results_xlsx` writes the sheets' rows from per-employee documents, cell by cell
in Python (:func:`appraise.export.files._sheet_rows`, the same XML xlsxwriter writes).  :func:`results_xlsx_columns`
writes the same file from :func:`appraise.export.columns.summary` and :func:`kpi_table`: each column's cells are
made at once (numbers ``%.16G`` by Python, a column at a time; text through the same escaping by polars), each
row joined by polars; the few texts Python must decide (control characters, beyond Excel's length limit) are
written by the plain path's own function.  ``tests/test_export_columns.py``
compares the files' sheets byte for byte.
"""
from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from appraise.core.evaluate import Evaluation
from appraise.export.columns import LISTS, _by_unique, safe_text_expr, score_columns
from appraise.export.files import (
    REDACTED_KPI_FIELDS,
    XLSX_MAX_ROWS,
    _cell_number,
    _inline_text,
    _splice_rows,
    _table,
    xlsx_workbook,
)

KPI_FIELDS = ("actual", "target", "attainment", "score", "weight")


def _pl():
    import polars as pl

    return pl


def kpi_table(ev: Evaluation, *, redact: bool = False):
    """The KPIs sheet's columns: id, name (the id when redacted), then ``<kpi>.<field>`` of every KPI of the
    ruleset (actual and target left out when redacted), None where the employee's scorecard has no such KPI:
    the document's values."""
    pl = _pl()
    from appraise.export.document import _rounded
    from appraise.language.expr.compiler import polars_round_half_up

    rs = ev.ruleset
    kpis, _ = score_columns(rs)
    fields = [f for f in KPI_FIELDS if not (redact and f in REDACTED_KPI_FIELDS)]
    frame = ev.frame.with_row_index("_row")
    floats = [c for c, t in frame.schema.items() if t == pl.Float64 and _rounded(c)]
    frame = frame.with_columns([polars_round_half_up(pl.col(c), 4).alias(c) for c in floats])
    parts = []
    for card in rs.scorecards:
        rows = frame.filter(pl.col("scorecard") == card.key)
        if rows.height == 0:
            continue
        mine: dict[str, Any] = {}
        for d in card.dimensions:
            for k in d.kpis:
                kw, ruled = pl.col(f"w.{k.path}"), pl.col(f"wr.{k.path}")
                shown = (kw.is_not_null() & (kw != 0)) | (ruled == 0).fill_null(False)
                mine[f"{k.path}.actual"] = pl.col(f"k.{k.path}.actual")
                mine[f"{k.path}.target"] = pl.col(f"k.{k.path}.target")
                mine[f"{k.path}.attainment"] = pl.col(f"k.{k.path}.attainment")
                mine[f"{k.path}.score"] = pl.when(shown).then(pl.col(f"k.{k.path}.score")).otherwise(None)
                mine[f"{k.path}.weight"] = kw
        parts.append(rows.select("_row", *[mine.get(f"{p}.{f}", pl.lit(None, pl.Float64)).cast(pl.Float64)
                                           .alias(f"{p}.{f}") for p in kpis for f in fields]))
    head = frame.select("_row", "id", pl.col("id" if redact else "name").alias("name"))
    out = head.join(pl.concat(parts), on="_row", how="left") if parts else head
    columns = ["id", "name"] + [f"{p}.{f}" for p in kpis for f in fields]
    return out.sort("_row").select([c if c in out.columns else pl.lit(None, pl.Float64).alias(c) for c in columns])


def g16(s):
    """Each value of a Float64 series as ``f"{v:.16G}"`` (xlsxwriter's number cells), None as None.  Python
    formats them: 16 significant digits show the binary value's error (86.46 is ``86.45999999999999``), which
    no polars conversion writes.  A NaN or an infinity raises ValueError, as the plain path does."""
    pl = _pl()
    finite = s.is_finite().fill_null(True)
    if not finite.all():
        bad = s.filter(~finite)[0]
        raise ValueError(f"{bad} cannot be written to a spreadsheet cell")
    return pl.Series([None if v is None else f"{v:.16G}" for v in s.to_list()], dtype=pl.Utf8)


def inline_texts(s):
    """:func:`appraise.export.files._inline_text` of each value of a text series (None as None)."""
    pl = _pl()
    safe = pl.select(safe_text_expr(pl.lit(s.cast(pl.Utf8)))).to_series()
    odd = (safe.str.contains(r"[\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_") | (safe.str.len_chars() > 16383))
    space = safe.str.contains(r"^\s|\s$")
    esc = safe.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True) \
        .str.replace_all(">", "&gt;", literal=True)
    out = pl.select(pl.when(pl.lit(space)).then(pl.lit('<t xml:space="preserve">')).otherwise(pl.lit("<t>"))
                    + pl.lit(esc) + pl.lit("</t>")).to_series()
    if odd.any():
        idx = odd.arg_true()
        out = out.scatter(idx, pl.Series([_inline_text(v) for v in s.gather(idx).to_list()], dtype=pl.Utf8))
    return pl.Series(s.name, out).zip_with(s.is_not_null(), pl.Series([None] * len(s), dtype=pl.Utf8))


def sheet_lines(table, money_col: int | None, money_xf: int, chunk: int = 20_000) -> Iterator[str]:
    """Each row's ``<row>`` XML, numbered from 2 in each sheet of Excel's row limit, as
    :func:`appraise.export.files._sheet_rows` writes it."""
    pl = _pl()
    from xlsxwriter.utility import xl_col_to_name

    per_sheet = XLSX_MAX_ROWS - 1
    letters = [xl_col_to_name(j) for j in range(table.width)]
    for start in range(0, table.height, chunk):
        part = table.slice(start, chunk)
        n = pl.Series("n", ((pl.int_range(start, start + part.height, eager=True) % per_sheet) + 2)).cast(pl.Utf8)
        cells = []
        for j, c in enumerate(part.columns):
            s = part[c]
            ref = pl.lit(f'<c r="{letters[j]}') + pl.lit(n)
            if j == money_col:
                v = _by_unique(s, lambda x: f"{_cell_number(Decimal(x)):.16G}")
                cells.append(ref + pl.lit(f'" s="{money_xf}"><v>') + pl.lit(v) + pl.lit("</v></c>"))
            elif s.dtype == pl.Float64:
                cells.append(ref + pl.lit('"><v>') + pl.lit(g16(s)) + pl.lit("</v></c>"))
            elif s.dtype in (pl.Utf8, pl.Null):
                cells.append(ref + pl.lit('" t="inlineStr"><is>') + pl.lit(inline_texts(s)) + pl.lit("</is></c>"))
            else:
                raise TypeError(f"column {c} of type {s.dtype} has no cell writer")
        rows = pl.select(pl.lit('<row r="') + pl.lit(n) + pl.lit('">')
                         + pl.concat_str(cells, separator="", ignore_nulls=True) + pl.lit("</row>")).to_series()
        yield from rows.to_list()


def results_xlsx_columns(head: Mapping[str, Any], table, kpis, ruleset, *, created: datetime, errors: int = 0,
                         redact: bool = False) -> bytes:
    """:func:`appraise.export.files.results_xlsx`'s exact file from the columns: ``head`` the document's keys
    but the employees (cycle, currency), ``table`` :func:`appraise.export.columns.summary` (the names already
    the ids when redacted), ``kpis`` :func:`kpi_table`."""
    pl = _pl()
    lite = {"cycle": head.get("cycle"), "currency": head.get("currency"),
            "employees": [{"grade": g, "bonus": b} for g, b in zip(table["grade"].to_list(),
                                                                    table["bonus"].to_list())]}
    buf = io.BytesIO()
    wb, bold, money_fmt = xlsx_workbook(buf, lite, ruleset, created=created, errors=errors, redact=redact)
    columns = [c for c in table.columns if not (redact and c == "bonus")]
    sheet = table.select(pl.col(c).list.join(";") if c in LISTS else pl.col(c) for c in columns)
    money_col = None if redact else columns.index("bonus")
    money_xf = 0 if redact else money_fmt._get_xf_index()
    parts = _table(wb, "Employees", columns, sheet_lines(sheet, money_col, money_xf), table.height, bold,
                   money_col=money_col)
    parts += _table(wb, "KPIs", kpis.columns, sheet_lines(kpis, None, money_xf), table.height, bold,
                    money_col=None)
    wb.close()
    return _splice_rows(buf.getvalue(), parts, money_xf, rendered=True)
