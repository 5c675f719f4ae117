"""Export: the results document as the files HR opens — JSON, CSV, Excel, the errors report, the manifest.

Each function returns the file's bytes (the caller writes them atomically,
:mod:`appraise.atomic`), and each is deterministic: the same document gives
the same bytes.  Text that a spreadsheet would take for a formula (starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with
``'`` in CSV and Excel (OWASP "CSV injection"), so an employee named
``=HYPERLINK(...)`` stays text.  Numbers we format ourselves are never
prefixed.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from appraise.export.summary import bonus_total, grade_counts

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_FIRST = ["id", "name", "scorecard", "score", "grade", "grade_uncalibrated", "bonus", "rules_fired", "outcomes",
             "missing", "focus_areas"]
ERROR_COLUMNS = ["file", "line", "col", "employee", "stage", "severity", "message"]
XLSX_MAX_ROWS = 1_048_576


def safe_text(value: Any) -> str:
    """Text a spreadsheet shows as typed and never evaluates (``'`` before formula-like text)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def results_json(document: Mapping[str, Any]) -> bytes:
    """``results.json``: exactly the results document, 2-space indented, UTF-8, newline at the end."""
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def results_json_chunks(document: Mapping[str, Any]) -> Iterable[str]:
    """:func:`results_json`'s exact text in chunks (one per employee), for writing a large document.

    ``json.dumps(..., indent=2)`` runs CPython's pure-Python encoder (the C one
    cannot indent before 3.13): 22 s for 100,000 employees.  :func:`_indented`
    produces the same text nearly three times faster; a test compares the two.
    """
    if not isinstance(document, dict) or not document:
        yield results_json(document).decode("utf-8")
        return
    yield "{"
    first = True
    for key, value in document.items():
        yield ("\n  " if first else ",\n  ") + _key(key) + ": "
        first = False
        if isinstance(value, (list, tuple)) and value:
            for i, item in enumerate(value):
                yield ("[\n    " if i == 0 else ",\n    ") + _indented(item, "    ")
            yield "\n  ]"
        else:
            yield _indented(value, "  ")
    yield "\n}\n"


def results_json_texts(document: Mapping[str, Any], employees: Sequence[str] | Iterable[Any],
                       batch: int = 2000) -> Iterable[str]:
    """:func:`results_json_chunks`'s text for ``document`` whose ``employees`` entries are given as text
    (``employees``: each entry as :func:`_indented` writes it at 4 spaces, e.g.
    :func:`appraise.export.json_columns.employee_texts`, or an iterator of such sequences, e.g.
    :func:`appraise.export.json_columns.employee_text_chunks`); ``document``'s own ``employees`` is not read."""
    if not hasattr(employees, "__len__"):  # chunks: each written as it comes
        chunks = iter(employees)
    else:
        chunks = iter([employees])
    yield "{"
    first = True
    for key, value in document.items():
        yield ("\n  " if first else ",\n  ") + _key(key) + ": "
        first = False
        if key != "employees":
            if isinstance(value, (list, tuple)) and value:
                for i, item in enumerate(value):
                    yield ("[\n    " if i == 0 else ",\n    ") + _indented(item, "    ")
                yield "\n  ]"
            else:
                yield _indented(value, "  ")
            continue
        written = 0
        for chunk in chunks:
            for start in range(0, len(chunk), batch):
                part = chunk[start:start + batch]
                texts = part.to_list() if hasattr(part, "to_list") else list(part)
                yield ("[\n    " if written == 0 else ",\n    ") + ",\n    ".join(texts)
                written += len(texts)
        yield "\n  ]" if written else "[]"
    yield "\n}\n"


_encode_str = json.encoder.encode_basestring  # the C function json.dumps(ensure_ascii=False) uses
_float_repr = float.__repr__
_int_repr = int.__repr__


def _key(key) -> str:
    if isinstance(key, str):
        return _encode_str(key)
    return json.dumps({key: 0})[1:].rsplit(":", 1)[0]  # json's own rules for int, float, bool, None keys


def _finite(x: float) -> str:
    return _float_repr(x) if x == x and x not in (_INF, -_INF) else json.dumps(x)


_INF = float("inf")
# Exact types only (a subclass such as bool or an IntEnum takes the general path).
_SCALAR: dict[type, Callable[[Any], str]] = {
    str: _encode_str, float: _finite, int: _int_repr, type(None): lambda _: "null",
    bool: lambda b: "true" if b else "false"}


def _indented(o, ind: str) -> str:
    """``json.dumps(o, ensure_ascii=False, indent=2)`` nested at indentation ``ind``."""
    scalar = _SCALAR.get(type(o))
    if scalar is not None:
        return scalar(o)
    inner = ind + "  "
    sep = ",\n" + inner
    if type(o) is dict:
        if not o:
            return "{}"
        return "{\n" + inner + sep.join(
            (_encode_str(k) if type(k) is str else _key(k)) + ": "
            + (_SCALAR[type(v)](v) if type(v) in _SCALAR else _indented(v, inner))
            for k, v in o.items()) + "\n" + ind + "}"
    if type(o) in (list, tuple):
        if not o:
            return "[]"
        return "[\n" + inner + sep.join(
            _SCALAR[type(v)](v) if type(v) in _SCALAR else _indented(v, inner) for v in o) + "\n" + ind + "]"
    if isinstance(o, (dict, list, tuple, str, int, float)):  # subclasses: json's own encoder decides
        return json.dumps(o, ensure_ascii=False, indent=2).replace("\n", "\n" + ind)
    return json.dumps(o, ensure_ascii=False, indent=2)  # raises TypeError as json.dumps does


def score_columns(ruleset) -> tuple[list[str], list[str]]:
    """The KPI paths and dimension keys of every scorecard, in ruleset order, each once."""
    kpis: dict[str, None] = {}
    dims: dict[str, None] = {}
    for card in ruleset.scorecards:
        for d in card.dimensions:
            dims.setdefault(d.key)
            for k in d.kpis:
                kpis.setdefault(k.path)
    return list(kpis), list(dims)


def _row(e: Mapping[str, Any], kpis: Sequence[str], dims: Sequence[str]) -> list[Any]:
    """One employee's CSV row, values typed (str for text, numbers as numbers, None for empty)."""
    kpi_scores = e.get("kpis") or {}
    dim_scores = e.get("dimensions") or {}
    return ([e.get("id"), e.get("name"), e.get("scorecard"), e.get("score"), e.get("grade"),
             e.get("grade_uncalibrated"), e.get("bonus")]
            + [";".join(e.get(k) or []) for k in ("rules_fired", "outcomes", "missing", "focus_areas")]
            + [(kpi_scores.get(p) or {}).get("score") for p in kpis]
            + [(dim_scores.get(d) or {}).get("score") for d in dims])


_NUMERIC = {"score", "bonus"}


# What a redacted export (appraise run --redact, for readers outside HR) leaves out of each employee: every
# amount of pay, and what pay is computed from.  The excess part of a bonus is rate x (actual - above x target)
# of the attainment KPI, so a KPI's actual and target give it away without any bonus field; they are left out
# of every KPI (any KPI may drive the bonus, and actuals such as revenue are pay-like themselves), while its
# attainment, score and weight stay: the reader sees how the score was made, not the money.
REDACTED = ("bonus", "bonus_detail", "bonus_gross", "bonus_paid",
            "bonus_earned", "bonus_guarantee", "bonus_draw", "bonus_draw_balance", "bonus_ytd")  # incentive plans
REDACTED_KPI_FIELDS = ("actual", "target")
REDACTED_MESSAGE = "(left out of a redacted export: it may quote the data; see the full run in HR)"


def redact_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """The results for readers outside HR: each name replaced by the id, no bonus amounts, no KPI actuals or
    targets (from which the excess part of a bonus can be computed), no error message (they quote cells), an
    override without its reason and approver."""
    out = dict(document)
    out["employees"] = [_redacted_employee(e) for e in document.get("employees", [])]
    if document.get("errors"):
        out["errors"] = [{**e, "message": REDACTED_MESSAGE} if isinstance(e, Mapping) and "message" in e else e
                         for e in document["errors"]]
    out["redacted"] = True
    return out


def _redacted_employee(e: Mapping[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in e.items() if k not in REDACTED}
    if isinstance(e.get("kpis"), Mapping):
        kept["kpis"] = {path: ({f: v for f, v in kpi.items() if f not in REDACTED_KPI_FIELDS}
                               if isinstance(kpi, Mapping) else kpi) for path, kpi in e["kpis"].items()}
    if e.get("override"):
        kept["override"] = {k: v for k, v in e["override"].items() if k not in ("reason", "by")}
    kept["name"] = e.get("id")
    return kept


def _without_bonus(header: list[str], redact: bool) -> list[int]:
    """Indexes of the columns kept (``--redact`` leaves the bonus column out)."""
    return [i for i, h in enumerate(header) if not (redact and h == "bonus")]


def results_csv(document: Mapping[str, Any], ruleset, *, redact: bool = False) -> bytes:
    """``results.csv``: one row per employee (UTF-8 with a byte-order mark, so Excel reads CJK names).

    Columns: id, name, scorecard, score, grade, grade_uncalibrated, bonus,
    rules_fired, outcomes, missing, focus_areas (lists joined with ``;``), then
    ``kpi.<dimension.kpi>.score`` and ``dimension.<key>.score`` of every
    scorecard; empty where a value is missing or does not apply.
    """
    kpis, dims = score_columns(ruleset)
    header = CSV_FIRST + [f"kpi.{p}.score" for p in kpis] + [f"dimension.{d}.score" for d in dims]
    keep = _without_bonus(header, redact)
    header = [header[i] for i in keep]
    numeric = [c in _NUMERIC or c.endswith(".score") for c in header]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for e in document.get("employees", []):
        row = _row(e, kpis, dims)
        writer.writerow([("" if v is None else (v if isinstance(v, str) else _number(v))) if num else safe_text(v)
                         for v, num in zip((row[i] for i in keep), numeric)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _diag_rows(diagnostics: Iterable, employee_errors: Iterable, warnings: Iterable[str],
               validation: Iterable = (), employee_of: Mapping | None = None,
               redact: bool = False) -> list[list[Any]]:
    rows: list[list[Any]] = []
    employee_of = employee_of or {}
    for stage, diags in (("validate", validation), ("provide", diagnostics)):
        for d in diags:
            message = d.message + (f"; {d.hint}" if getattr(d, "hint", "") else "") + (
                f" ({d.path})" if getattr(d, "path", "") else "")
            if redact and stage == "provide":  # a data message quotes its cell; the location stays
                message = f"{getattr(d, 'code', '') or 'data'} {REDACTED_MESSAGE}"
            rows.append([d.file, d.line, d.col, employee_of.get(d) or getattr(d, "employee", "") or "", stage,
                         d.severity, message])
    for e in employee_errors:
        get = e.get if isinstance(e, Mapping) else (lambda k, _e=e: getattr(_e, k, None))
        rows.append(["", "", "", get("employee"), get("stage"), "error",
                     REDACTED_MESSAGE if redact else get("message")])
    for w in warnings:
        rows.append(["", "", "", "", "evaluate", "warning", w])
    return rows


def errors_csv(diagnostics: Iterable, employee_errors: Iterable, warnings: Iterable[str] = (),
               validation: Iterable = (), employee_of: Mapping | None = None, redact: bool = False) -> bytes:
    """``errors.csv``: the cycle file's validation warnings, every diagnostic of the providers and every
    employee the engine could not appraise.

    Columns: file, line, col, employee, stage (``validate``, ``provide`` or the
    engine's stage), severity (``error`` or ``warning``), message.  Only the
    header when all went well.  ``redact`` (appraise run --redact) keeps every
    row and its location but not the messages of data and employee errors,
    which may quote the cell.
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(ERROR_COLUMNS)
    for row in _diag_rows(diagnostics, employee_errors, warnings, validation, employee_of, redact):
        writer.writerow([safe_text(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


CHANGE_COLUMNS = ("employee", "field", "before", "after")
CHANGE_FIELDS = ("score", "grade", "bonus", "bonus_gross", "bonus_paid", "outcomes",
                 "bonus_earned", "bonus_draw_balance", "bonus_ytd")  # the last three: incentive plans only


def changes(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str, str]]:
    """The recalculation ledger: what re-running a period changed against the run it replaces, as
    (employee, field, before, after) rows in employee order.  Fields: ``appraised`` (``true``/``false``:
    someone appraised by one run only), ``score`` (2 decimals), ``grade``, ``bonus`` (and ``bonus_gross``,
    ``bonus_paid`` when netting; ``bonus_earned``, ``bonus_draw_balance``, ``bonus_ytd`` of an incentive plan) as
    decimal strings, ``outcomes`` (ids joined with ``;``); an empty cell is no value."""
    old = {e["id"]: e for e in before}
    new = {e["id"]: e for e in after}

    def shown(field: str, value) -> str:
        if value is None:
            return ""
        if field == "score":
            return f"{float(value):.2f}"
        if isinstance(value, list):
            return ";".join(map(str, value))
        return str(value)

    rows = []
    for emp in sorted(set(old) | set(new)):
        a, b = old.get(emp), new.get(emp)
        if a is None or b is None:
            rows.append((emp, "appraised", "false" if a is None else "true", "false" if b is None else "true"))
            continue
        for field in CHANGE_FIELDS:
            if field not in a and field not in b:
                continue
            x, y = shown(field, a.get(field)), shown(field, b.get(field))
            if x != y:
                rows.append((emp, field, x, y))
    return rows


def changes_csv(rows: Iterable[tuple[str, str, str, str]], *, redact: bool = False) -> bytes:
    """``changes.csv``: the ledger of :func:`changes` (UTF-8 with a BOM, like the other CSV files); ``redact``
    leaves out the bonus amounts."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CHANGE_COLUMNS)
    for row in rows:
        if redact and row[1].startswith("bonus"):
            continue
        writer.writerow([safe_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def results_xlsx(document: Mapping[str, Any], ruleset, *, created: datetime, errors: int = 0,
                 redact: bool = False) -> bytes:
    """``results.xlsx``: a Summary sheet (employees per grade, bonus total) and an Employees sheet.

    The Employees sheet has one row per employee with the CSV's columns
    (scores and bonus as numbers); a ``KPIs`` sheet gives each KPI's actual,
    target, attainment, score and effective weight per employee.  Sheets that
    would pass Excel's row limit continue on ``Employees (2)``…  Document
    properties are fixed (``created`` is given, normally the period's last
    day), so the same document gives a byte-identical file.
    """
    buf = io.BytesIO()
    wb, bold, money_fmt = xlsx_workbook(buf, document, ruleset, created=created, errors=errors, redact=redact)
    employees = document.get("employees", [])
    (header, rows, money_col), (kheader, krows) = xlsx_tables(document, ruleset, redact=redact)
    # the money cells are spliced in below: the format's index registers it for them (styles.xml)
    money_xf = 0 if redact else money_fmt._get_xf_index()
    parts = _table(wb, "Employees", header, rows, len(employees), bold, money_col=money_col)
    parts += _table(wb, "KPIs", kheader, krows, len(employees), bold, money_col=None)
    wb.close()
    return _splice_rows(buf.getvalue(), parts, money_xf)


def xlsx_workbook(buf, document: Mapping[str, Any], ruleset, *, created: datetime, errors: int, redact: bool):
    """The workbook with its properties, formats and Summary sheet: (workbook, bold, money format)."""
    import xlsxwriter

    # constant_memory streams rows to temp files (in_memory would hold every cell); xlsxwriter dates the
    # zip entries 1980-01-31 either way, so the bytes do not depend on when the file was made.
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": f"{ruleset.id} {document.get('cycle')}", "author": "appraise",
                       "comments": "generated by appraise run", "created": created})
    bold = wb.add_format({"bold": True})
    money_fmt = wb.add_format({"num_format": "#,##0.##"})
    summary = wb.add_worksheet("Summary")
    summary.set_column(0, 0, 24)
    summary.set_column(1, 1, 18)
    rows: list[tuple[str, Any]] = [
        ("Cycle", document.get("cycle")),
        ("Ruleset", f"{ruleset.id} {ruleset.version or ''}".strip()),
        ("Employees", len(document.get("employees", []))),
        ("Errors", errors),
        ("Bonus total", bonus_total(document.get("employees", []))),
        ("Currency", document.get("currency") or ""),
    ]
    if redact:
        rows = [(label, value) for label, value in rows if label not in ("Bonus total", "Currency")]
    r = 0
    for label, value in rows:
        summary.write_string(r, 0, label, bold)
        _cell(summary, r, 1, value, money_fmt)
        r += 1
    r += 1
    summary.write_string(r, 0, "Grade", bold)
    summary.write_string(r, 1, "Employees", bold)
    for grade, n in grade_counts(document.get("employees", []), ruleset).items():
        r += 1
        summary.write_string(r, 0, safe_text(grade))
        summary.write_number(r, 1, n)
    return wb, bold, money_fmt


def xlsx_tables(document: Mapping[str, Any], ruleset, *, redact: bool):
    """The Employees sheet (header, rows, money column) and the KPIs sheet (header, rows); rows lazily."""
    kpis, dims = score_columns(ruleset)
    employees = document.get("employees", [])
    header = CSV_FIRST + [f"kpi.{p}.score" for p in kpis] + [f"dimension.{d}.score" for d in dims]
    keep = _without_bonus(header, redact)
    rows = ([row[i] for i in keep] for row in (_row(e, kpis, dims) for e in employees))
    fields = tuple(f for f in ("actual", "target", "attainment", "score", "weight")
                   if not (redact and f in REDACTED_KPI_FIELDS))
    kheader = ["id", "name"] + [f"{p}.{f}" for p in kpis for f in fields]

    def kpi_row(e):
        given = e.get("kpis") or {}
        return [e.get("id"), e.get("name")] + [v for p in kpis for v in _fields(given.get(p), fields)]

    return ([header[i] for i in keep], rows, None if redact else 6), (kheader, map(kpi_row, employees))


def _fields(item: Mapping[str, Any] | None, fields: Sequence[str]) -> list[Any]:
    return [item.get(f) for f in fields] if item else [None] * len(fields)


def _cell(ws, r: int, c: int, value: Any, money_fmt=None) -> None:
    if value is None:
        return
    if isinstance(value, Decimal):
        ws.write_number(r, c, float(value), money_fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value)
    else:
        ws.write_string(r, c, safe_text(value))


def _table(wb, name: str, header: list[str], rows: Iterable[Any], count: int, bold,
           money_col: int | None) -> list[tuple[str, int, Iterable[Any], int | None, int]]:
    """Sheets for ``count`` rows (a new one each time Excel's row limit is reached), each with its header.

    The rows are not written here: xlsxwriter spends ~4 µs of Python on every cell, 23 s for 100,000
    employees.  :func:`_splice_rows` writes them into the finished file instead, as the same XML.
    Returns (sheet part, columns, rows, money column, number of rows) per sheet."""
    import itertools

    per_sheet = XLSX_MAX_ROWS - 1
    rows = iter(rows)
    out: list[tuple[str, int, Iterable[Any], int | None, int]] = []
    for part in range(max(1, -(-count // per_sheet))):
        ws = wb.add_worksheet(name if part == 0 else f"{name} ({part + 1})")
        ws.freeze_panes(1, 2)
        for c, h in enumerate(header):
            ws.write_string(0, c, h, bold)
        chunk = itertools.islice(rows, per_sheet)
        out.append((f"xl/worksheets/sheet{len(wb.worksheets())}.xml", len(header), chunk, money_col,
                    min(per_sheet, count - part * per_sheet)))
    return out


def _sheet_rows(rows: Iterable[list[Any]], first: int, money_col: int | None, money_xf: int) -> Iterator[str]:
    """XML rows exactly as xlsxwriter writes them in constant_memory mode (numbers ``%.16G``, inline
    strings through xlsxwriter's own escaping, booleans ``t="b"``, nothing for ``None``);
    ``tests/test_export.py`` compares the two part by part."""
    from xlsxwriter.utility import xl_col_to_name

    letters: list[str] = []
    r = first
    for row in rows:
        if len(letters) < len(row):
            letters = [xl_col_to_name(c) for c in range(len(row))]
        n = str(r + 1)
        cells = [f'<row r="{n}">']
        add = cells.append
        for c, v in enumerate(row):
            if v is None:
                continue
            kind = type(v)
            if kind is float and c != money_col:  # most cells: the fast path
                if v - v:  # nan or ±inf
                    raise ValueError(f"{v} cannot be written to a spreadsheet cell")
                add(f'<c r="{letters[c]}{n}"><v>{v:.16G}</v></c>')
            elif c == money_col:
                add(f'<c r="{letters[c]}{n}" s="{money_xf}"><v>{_cell_number(Decimal(v)):.16G}</v></c>')
            elif kind is bool:
                add(f'<c r="{letters[c]}{n}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                add(f'<c r="{letters[c]}{n}"><v>{_cell_number(v):.16G}</v></c>')
            else:
                add(f'<c r="{letters[c]}{n}" t="inlineStr"><is>{_inline_text(v)}</is></c>')
        add("</row>")
        yield "".join(cells)
        r += 1


def _inline_text(v: Any) -> str:
    """The ``<t>`` element of an inline string cell holding ``v`` as xlsxwriter writes it (safe_text, Excel's
    length limit, control characters escaped, leading or trailing space preserved)."""
    from xlsxwriter.utility import _utf16_len, _utf16_truncate
    from xlsxwriter.xmlwriter import XMLwriter

    text = safe_text(v)
    if len(text) > 16383 and _utf16_len(text) > 32767:  # Excel's limit per cell
        text = _utf16_truncate(text, 32767)
    if _ESCAPED.search(text):
        text = XMLwriter._escape_control_characters(text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{space}>{text}</t>"


# what xlsxwriter's _escape_control_characters rewrites: control characters and literal _xHHHH_
_ESCAPED = re.compile(r"[\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_")


def _cell_number(value) -> float:
    x = float(value)
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"{value} cannot be written to a spreadsheet cell")
    return x


def _splice_rows(xlsx: bytes, parts, money_xf: int, rendered: bool = False) -> bytes:
    """Write each data sheet's rows into ``xlsx`` (made by xlsxwriter with header rows only): every zip
    entry is copied with its own date and compression, the sheets get their rows (streamed, a thousand
    at a time) and their dimension.  ``rendered``: the parts' rows are their ``<row>`` XML already
    (:mod:`appraise.export.xlsx_columns`)."""
    import itertools
    import zipfile

    from xlsxwriter.utility import xl_col_to_name

    sheets = {name: (width, rows, money_col, count) for name, width, rows, money_col, count in parts}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zin, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename not in sheets:
                zout.writestr(info, data)
                continue
            width, rows, money_col, count = sheets[info.filename]
            head, found, tail = data.decode("utf-8").partition("</sheetData>")
            if not found:  # the header row is always there
                raise ValueError(f"{info.filename}: no sheetData to write rows into")
            if count:
                head = re.sub(r'<dimension ref="[^"]*"/>',
                              f'<dimension ref="A1:{xl_col_to_name(width - 1)}{count + 1}"/>', head, count=1)
            # level 1: a third faster than xlsxwriter's 6 on 100,000 people, the file ~30% larger
            setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", 1)
            lines = rows if rendered else _sheet_rows(rows, 1, money_col, money_xf)
            written = 0
            with zout.open(info, "w", force_zip64=True) as fh:
                fh.write(head.encode("utf-8"))
                while batch := list(itertools.islice(lines, 1000)):
                    fh.write("".join(batch).encode("utf-8"))
                    written += len(batch)
                fh.write((found + tail).encode("utf-8"))
            if written != count:
                raise ValueError(f"{info.filename}: {written} rows written where {count} were expected")
    return out.getvalue()


def manifest_json(*, cycle, ruleset, inputs: Mapping[str, str], engine_version: str,
                  files: Mapping[str, tuple[str, int]], employees: int, errors: int, redacted: bool = False) -> bytes:
    """``manifest.json``: what produced the outputs and each output's sha256 — no timestamps, no run ids.

    ``files`` maps a path relative to the output folder to ``(sha256, size)``.
    """
    import os

    try:
        ruleset_path = os.path.relpath(ruleset.source, cycle.path.parent) if ruleset.source else None
    except ValueError:  # another drive (Windows)
        ruleset_path = str(ruleset.source)
    doc = {
        "cycle": cycle.period.id,
        "period": {"kind": cycle.period.kind, "months": list(cycle.period.months)},
        "context": dict(cycle.context),
        "ruleset": {"path": None if ruleset_path is None else ruleset_path.replace(os.sep, "/"), "id": ruleset.id,
                    "version": ruleset.version, "sha256": ruleset.sha256},
        "inputs": [{"source": label, "sha256": sha} for label, sha in sorted(inputs.items())],
        "engine": {"name": "appraise", "version": engine_version},
        "employees": employees,
        "errors": errors,
        "files": [{"path": p, "sha256": sha, "bytes": size} for p, (sha, size) in sorted(files.items())],
    }
    if redacted:
        doc["redacted"] = True
    return (json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
