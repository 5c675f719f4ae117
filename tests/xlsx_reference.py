"""results.xlsx with its data rows written cell by cell through xlsxwriter, as appraise did before it spliced
them in itself (engine/export.py): the reference the fast rows must match part for part.  The workbook, its
Summary sheet and the tables' contents come from appraise; only the way rows reach the sheets differs."""
from __future__ import annotations

import io
from decimal import Decimal

from appraise.export.files import XLSX_MAX_ROWS, _cell, xlsx_tables, xlsx_workbook


def reference_xlsx(document, ruleset, *, created, errors: int = 0, redact: bool = False) -> bytes:
    buf = io.BytesIO()
    wb, bold, money_fmt = xlsx_workbook(buf, document, ruleset, created=created, errors=errors, redact=redact)
    (header, rows, money_col), (kheader, krows) = xlsx_tables(document, ruleset, redact=redact)
    _table(wb, "Employees", header, rows, bold, money_fmt, money_col)
    _table(wb, "KPIs", kheader, krows, bold, money_fmt, None)
    wb.close()
    return buf.getvalue()


def _table(wb, name, header, rows, bold, money_fmt, money_col):
    part, ws, r = 0, None, XLSX_MAX_ROWS
    for row in rows:
        if r >= XLSX_MAX_ROWS:
            part += 1
            ws = wb.add_worksheet(name if part == 1 else f"{name} ({part})")
            ws.freeze_panes(1, 2)
            for c, h in enumerate(header):
                ws.write_string(0, c, h, bold)
            r = 1
        for c, v in enumerate(row):
            if c == money_col and v is not None:
                ws.write_number(r, c, float(Decimal(v)), money_fmt)
            else:
                _cell(ws, r, c, v)
        r += 1
    if ws is None:
        ws = wb.add_worksheet(name)
        ws.freeze_panes(1, 2)
        for c, h in enumerate(header):
            ws.write_string(0, c, h, bold)
