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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from appraise.export.summary import bonus_total, grade_counts  # noqa: F401  (run.py imports them from here)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_FIRST = ["id", "name", "scorecard", "score", "grade", "grade_uncalibrated", "bonus", "rules_fired", "outcomes",
             "missing", "focus_areas"]
ERROR_COLUMNS = ["file", "line", "col", "employee", "stage", "severity", "message"]


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
                       batch: int = 2000, *, encoded: bool = False) -> Iterable[Any]:
    """:func:`results_json_chunks`'s text for ``document`` whose ``employees`` entries are given as text
    (``employees``: each entry as :func:`_indented` writes it at 4 spaces, e.g.
    :func:`appraise.export.json_columns.employee_texts`, or an iterator of such sequences, e.g.
    :func:`appraise.export.json_columns.employee_text_chunks`); ``document``'s own ``employees`` is not read.

    ``encoded``: the same text as UTF-8 bytes, a polars series of entries joined and encoded by polars a whole
    chunk at a time (no Python string per employee)."""
    if not hasattr(employees, "__len__"):  # chunks: each written as it comes
        chunks = iter(employees)
    else:
        chunks = iter([employees])
    for text in _json_outline(document, chunks, batch, encoded):
        yield text.encode("utf-8") if encoded and isinstance(text, str) else text


def _json_outline(document: Mapping[str, Any], chunks: Iterator[Any], batch: int, encoded: bool) -> Iterator[Any]:
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
            if encoded and hasattr(chunk, "str") and len(chunk):  # a polars String series
                # every entry after its separator, as views of polars' buffers (no join, no copy into Python)
                pieces = text_views(chunk, b",\n    ")
                if written == 0:
                    yield "["
                    pieces[0] = pieces[0][1:]
                yield from pieces
                written += len(chunk)
                continue
            for start in range(0, len(chunk), batch):
                part = chunk[start:start + batch]
                texts = part.to_list() if hasattr(part, "to_list") else list(part)
                yield ("[\n    " if written == 0 else ",\n    ") + ",\n    ".join(texts)
                written += len(texts)
        yield "\n  ]" if written else "[]"
    yield "\n}\n"


def text_bytes(s) -> memoryview:
    """The UTF-8 bytes of every value of the String series ``s`` one after the other (nulls add nothing): a view of
    the one buffer Arrow keeps them in, where joining them (``str.join``), turning the text into bytes and handing
    them to Python would copy them three times (330 MB of results.json at 100,000 people)."""
    import polars as pl

    arr = s.to_arrow(compat_level=pl.CompatLevel.oldest())  # large_string: offsets into one data buffer
    if hasattr(arr, "combine_chunks"):  # a ChunkedArray
        arr = arr.combine_chunks()
    if len(arr) == 0:
        return memoryview(b"")
    _, offsets, data = arr.buffers()
    if data is None:  # no value has a byte
        return memoryview(b"")
    at = memoryview(offsets).cast("q" if arr.type == "large_string" else "i")  # int64 / int32 offsets
    start, end = at[arr.offset], at[arr.offset + len(arr)]
    return memoryview(data)[start:end]


def text_views(s, sep: bytes = b"") -> list[memoryview]:
    """``sep`` before every value of the String series ``s``, the values one after the other (nulls add nothing), as
    a few views of the buffers polars holds the text in, wherever the bytes lie so there: each value longer than 12
    bytes (polars keeps shorter ones in its views), the values of a run back to back in one buffer, each right
    after ``sep`` (a value sliced off its separator, e.g. by ``str.slice``).  Laid out otherwise, the text is made
    as :func:`text_bytes` of ``sep + value`` (one copy).  Every byte is checked, so the result is the same either
    way; the views spare copying results.json's 330 MB twice at 100,000 people."""
    import numpy as np
    import polars as pl

    if len(s) == 0:
        return [memoryview(b"")]
    whole = s.to_arrow(compat_level=pl.CompatLevel.newest())  # string_view: (length, prefix, buffer, offset)
    out: list[memoryview] = []
    for arr in whole.chunks if hasattr(whole, "chunks") else [whole]:  # a ChunkedArray, or one array
        views = _laid_out(arr, sep, np) if len(arr) else []
        if views is None:
            return [text_bytes(pl.select(pl.lit(sep.decode("utf-8")) + s).to_series() if sep else s)]
        out.extend(views)
    return out or [memoryview(b"")]


MAX_RUNS = 256  # more runs than this (values gathered from all over the buffers): one copy is cheaper


def _laid_out(arr, sep: bytes, np) -> list[memoryview] | None:
    """:func:`text_views` of one Arrow string_view array when its bytes lie as it needs, else None."""
    from appraise.tables import string_view_layout

    laid = string_view_layout(arr)
    if laid is None:
        return None
    lens, idx, off, bufs = laid
    n, k = len(arr), len(sep)
    lens, off = lens.astype(np.int64), off.astype(np.int64)
    start = off - k
    # a new run where a value is not right after the one before (and its separator) in the same buffer
    breaks = np.flatnonzero((idx[1:] != idx[:-1]) | (start[1:] != off[:-1] + lens[:-1])) + 1
    if len(breaks) >= MAX_RUNS:
        return None
    data = [np.frombuffer(b, dtype=np.uint8) if b is not None else None for b in bufs]
    for b in np.unique(idx).tolist():
        if b >= len(data) or data[b] is None:
            return None
        mine = idx == b
        first, end = start[mine], off[mine] + lens[mine]
        if int(first.min()) < 0 or int(end.max()) > len(data[b]):
            return None
        for j, byte in enumerate(sep):  # the separator before each value
            if not bool((data[b][first + j] == byte).all()):
                return None
    views = []
    bounds = [0, *breaks.tolist(), n]
    for lo, hi in zip(bounds[:-1], bounds[1:]):  # a run: back to back in one buffer
        b = int(idx[lo])
        views.append(memoryview(bufs[b])[int(start[lo]):int(off[hi - 1] + lens[hi - 1])])
    return views


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


def ledger_texts(frame, json_fields: Sequence[str] = ()):
    """A table of results (polars: ``id``, ``score`` and other fields of :data:`CHANGE_FIELDS`; lists of ids as
    list columns, ``json_fields`` as each value's JSON text, e.g. :meth:`appraise.store.database.Store.run_table`)
    with each field but the score as the ledger of :func:`changes` shows it: text, ``""`` for no value, lists
    joined with ``;``.  JSON texts are decoded once per distinct text."""
    import polars as pl

    def shown(value) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return ";".join(map(str, value))
        return str(value)

    out = [pl.col("id").cast(pl.Utf8), (pl.col("score").cast(pl.Float64) if "score" in frame.columns
                                         else pl.lit(None, pl.Float64).alias("score"))]
    for f in CHANGE_FIELDS[1:]:
        if f not in frame.columns:
            out.append(pl.lit("").alias(f))
        elif f in json_fields:
            col = frame[f]
            uniq = col.drop_nulls().unique()
            mapped = pl.Series([shown(json.loads(v)) for v in uniq.to_list()], dtype=pl.Utf8)
            out.append(pl.lit(col.replace_strict(uniq, mapped, default="", return_dtype=pl.Utf8)).alias(f))
        elif isinstance(frame.schema[f], pl.List):
            out.append(pl.col(f).list.eval(pl.element().cast(pl.Utf8)).list.join(";").fill_null("").alias(f))
        else:
            out.append(pl.col(f).cast(pl.Utf8).fill_null("").alias(f))
    return frame.select(out)


def changes_table(before, after) -> list[tuple[str, str, str, str]]:
    """:func:`changes` of two tables of :func:`ledger_texts` (the run replaced, this run), compared by polars:
    the same rows in the same order.  Scores are compared as numbers first; only those that differ are written
    with Python's ``:.2f`` and compared as the ledger shows them."""
    return list(changes_frame(before, after).iter_rows())


def changes_frame(before, after):
    """:func:`changes_table`'s rows as a polars table (``id``, ``field``, ``before``, ``after``, all text), for
    :func:`changes_csv` to write without a Python tuple per row (a re-run that changes everyone's score, grade and
    bonus has three rows a person)."""
    import polars as pl

    fields = CHANGE_FIELDS[1:]
    j = before.with_columns(pl.lit(True).alias("~a")).join(
        after.with_columns(pl.lit(True).alias("~b")), on="id", how="full", coalesce=True, suffix="~new")
    one_sided = j.filter(pl.col("~a").is_null() | pl.col("~b").is_null()).select(
        "id", pl.lit(-1).alias("~n"), pl.lit("appraised").alias("field"),
        pl.when(pl.col("~a").is_null()).then(pl.lit("false")).otherwise(pl.lit("true")).alias("before"),
        pl.when(pl.col("~b").is_null()).then(pl.lit("false")).otherwise(pl.lit("true")).alias("after"))
    both = j.filter(pl.col("~a") & pl.col("~b"))
    parts = [one_sided]
    for n, f in enumerate(fields, start=1):
        parts.append(both.filter(pl.col(f) != pl.col(f + "~new")).select(
            "id", pl.lit(n).alias("~n"), pl.lit(f).alias("field"), pl.col(f).alias("before"),
            pl.col(f + "~new").alias("after")))
    a, b = pl.col("score"), pl.col("score~new")
    doubt = both.filter(~((a.is_null() & b.is_null()) | (a == b).fill_null(False))).select("id", "score",
                                                                                          "score~new")
    if doubt.height:
        def two(v) -> str:
            return "" if v is None else f"{float(v):.2f}"

        scores = [(i, two(x), two(y)) for i, x, y in doubt.iter_rows()]
        parts.append(pl.DataFrame([(i, 0, "score", x, y) for i, x, y in scores if x != y],
                                  schema={"id": pl.Utf8, "~n": pl.Int32, "field": pl.Utf8, "before": pl.Utf8,
                                          "after": pl.Utf8}, orient="row"))
    rows = pl.concat([p.cast({"~n": pl.Int32}) for p in parts]).sort("id", "~n")
    return rows.select("id", "field", "before", "after")


def changes_csv(rows: Any, *, redact: bool = False) -> bytes:
    """``changes.csv``: the ledger of :func:`changes` (UTF-8 with a BOM, like the other CSV files); ``redact``
    leaves out the bonus amounts.  ``rows``: tuples, or a polars table of four text columns in that order (e.g.
    :func:`changes_frame`), written by polars (:func:`_changes_lines`) to the same bytes."""
    if hasattr(rows, "columns") and hasattr(rows, "height") and CHANGES_BY_POLARS:
        import polars as pl

        frame = rows.select(pl.col(c).alias(name) for c, name in zip(rows.columns, CHANGE_COLUMNS, strict=True))
        if redact:
            frame = frame.filter(~pl.col("field").fill_null("").str.starts_with("bonus"))
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\r\n").writerow(CHANGE_COLUMNS)
        return ("\ufeff" + buf.getvalue()).encode("utf-8") + bytes(_changes_lines(frame))
    if hasattr(rows, "iter_rows"):
        rows = rows.iter_rows()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CHANGE_COLUMNS)
    for row in rows:
        if redact and row[1].startswith("bonus"):
            continue
        writer.writerow([safe_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


CHANGES_BY_POLARS = True  # tests switch it off to compare with csv.writer


def _changes_lines(frame) -> memoryview:
    """The lines :func:`changes_csv` writes for the rows of ``frame`` (text columns), as ``csv.writer`` writes
    :func:`safe_text` of each value: a field holding ``,``, ``"``, CR or LF quoted, its quotes doubled; rows with a NUL
    written by ``csv.writer`` itself."""
    import polars as pl

    if frame.height == 0:
        return memoryview(b"")
    starts = "".join("\\" + c if c in "-\\]^" else c for c in FORMULA_START)
    fields = []
    for c in frame.columns:
        e = pl.col(c).cast(pl.Utf8).fill_null("")
        e = pl.when(e.str.contains(f"^[{starts}]")).then(pl.lit("'") + e).otherwise(e)  # safe_text
        fields.append(pl.when(e.str.contains(r'[,"\r\n]')).then(
            pl.lit('"') + e.str.replace_all('"', '""', literal=True) + pl.lit('"')).otherwise(e))
    lines = frame.select(pl.format(",".join("{}" for _ in frame.columns) + "\r\n", *fields)).to_series()
    nul = frame.select(pl.any_horizontal(pl.col(c).cast(pl.Utf8).str.contains("\x00", literal=True).fill_null(False)
                                         for c in frame.columns)).to_series()
    if nul.any():
        idx = nul.arg_true()
        fixed = []
        for row in frame[idx].iter_rows():
            b = io.StringIO(newline="")
            csv.writer(b, lineterminator="\r\n").writerow([safe_text(v) for v in row])
            fixed.append(b.getvalue())
        lines = lines.scatter(idx, pl.Series(fixed, dtype=pl.Utf8))
    return text_bytes(lines)


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


def written_by(path, write: Callable[..., None], *args, **kwargs) -> tuple[str, int]:
    """``write(fh, *args, **kwargs)`` into the file ``path`` as :mod:`appraise.atomic` writes files (a temporary file
    in the same folder, flushed and fsync'ed, renamed over ``path``; the folder is not synced: appraise run syncs its
    staging folder as a whole), for a writer that seeks back (zipfile writes each entry's sizes into its header once
    they are known) and without holding the file's bytes: results.xlsx is ~370 MB at 1,000,000 people.  Returns
    (sha256, size), the sha256 of the file as written (read back through a memory map)."""
    import hashlib
    import mmap
    import os
    from pathlib import Path

    from appraise.atomic import replacing

    with replacing(Path(path), how="w+b") as fh:
        write(fh, *args, **kwargs)
        fh.flush()
        size = os.fstat(fh.fileno()).st_size
        if size:
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
                sha = hashlib.sha256(m).hexdigest()
        else:
            sha = hashlib.sha256(b"").hexdigest()
    return sha, size


def ahead(items: Iterable, depth: int = 2) -> Iterator:
    """``items`` in order, each made on a thread of its own while the caller uses the ones before it (up to
    ``depth`` waiting): making results.json's text or results.xlsx's rows (polars) and hashing, compressing and
    writing them (hashlib, ISA-L, the file system) all let go of the interpreter lock, so two cores share them.
    An error while making an item is raised here; when the caller stops early (an error of its own, a full disk),
    the thread stops after the item it is making, also when it has made them all and waits to say so."""
    import queue
    import threading

    waiting: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((True, end))
        except BaseException as exc:  # handed to the caller
            put((False, exc))

    thread = threading.Thread(target=make, name="appraise-ahead", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = waiting.get()
            if not ok:
                raise item
            if item is end:
                return
            yield item
    finally:
        stop.set()
        thread.join()
