"""The cell checks every table of the provide stage shares: required columns, empty files, text, numbers,
months, dates, unknown employees, empty keys and repeated rows.

Each check reports what it finds to a :class:`~appraise.provide.parts.Report` at the cell's ``file:line:col``
and returns what is usable; nothing is zeroed or dropped silently.
"""
from __future__ import annotations

import difflib
import math
import re
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from appraise.errors import Diagnostic
from appraise.provide.parts import Known, Part, Report
from appraise.tables import LARGEST, untrimmed

SMALLEST = 2.2250738585072014e-308  # the smallest normal float: below it, arithmetic silently loses digits or makes 0

F64 = pl.Float64
EXCEL_EPOCH = date(1899, 12, 30)


def with_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with a ``_row`` column (the source line of each row; null when the provider gives none)."""
    if "_row" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("_row"))
    return frame


def require(part: Part, columns, report: Report, what: str, taken=()) -> bool:
    """Whether the source has every column of ``columns``; each missing one is fatal, with a likely rename (never
    of a column that means something else already: ``taken``, as leave_date for a missing hire_date)."""
    missing = [c for c in columns if c not in part.frame.columns]
    for c in missing:
        have = [x for x in part.frame.columns if x != "_row"]
        close = difflib.get_close_matches(c, [x for x in have if x not in taken], n=1)
        hint = (f"is '{close[0]}' meant? rename it with columns: {{{close[0]}: {c}}}" if close
                else f"add the column, or map yours with columns: {{<your column>: {c}}}")
        report.fatal(Diagnostic(part.origin.file, *part.origin.at,  # the header row, or the query
                                f"{what} has no column '{c}'; its columns: {', '.join(have) or 'none'}"
                                + (f" (query: {' '.join(part.origin.query.split())[:160]})"
                                   if part.origin.query else ""), c, hint=hint, code="data-missing-column"))
    return not missing


def empty(part: Part, report: Report, what: str) -> bool:
    """Whether the source has no data rows (fatal: a header alone is not a table)."""
    if part.frame.height:
        return False
    report.fatal(part.origin.diag(None, None, f"{what} has a header but no data rows", code="data-empty")
                 if part.origin.query else
                 Diagnostic(part.origin.file, 1, 1, f"{what} has a header but no data rows", code="data-empty"))
    return True


def text_of(frame: pl.DataFrame, column: str, clean: bool = False) -> pl.Expr:
    """A column as text: whole floats without ``.0``, dates ISO, everything else as polars prints it; text
    trimmed, empty text null (already so when ``clean``: see :data:`appraise.tables.TEXT_CLEAN`)."""
    dtype = frame.schema[column]
    c = pl.col(column)
    if dtype == pl.Utf8:
        return c if clean else c.str.strip_chars().replace("", None)
    if dtype.is_float():
        return (pl.when(c.is_finite() & (c == c.round(0)) & (c.abs() < 1e15))
                .then(c.cast(pl.Int64, strict=False).cast(pl.Utf8)).otherwise(c.cast(pl.Utf8)))
    if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
        return (pl.when(c.dt.time() == pl.time(0)).then(c.dt.strftime("%Y-%m-%d"))
                .otherwise(c.dt.strftime("%Y-%m-%d %H:%M:%S")))
    if dtype == pl.Date:
        return c.dt.strftime("%Y-%m-%d")
    if dtype == pl.Null:
        return c.cast(pl.Utf8)
    if dtype.is_decimal():
        return c.cast(pl.Utf8)
    return c.cast(pl.Utf8)


# Ids are compared after Unicode NFC normalisation: 'José' typed with a combining accent (NFD, as macOS
# file names and some exports write it) is the same person as the precomposed 'José'.
ID_COLUMNS = ("id", "employee", "rater")


def as_text(frame: pl.DataFrame, columns, clean: bool = False, ascii: bool = False) -> pl.DataFrame:
    """``columns`` as text (:func:`text_of`); the id columns NFC-normalised.  Text columns of a ``clean`` frame
    are left as they are unless NFC changes them; ``ascii``: every text cell is ASCII (the source says so), which
    NFC leaves as it is."""
    exprs = []
    trimmed: set[str] = set()
    if not clean:  # a text column without whitespace or empty cells is as trimming would leave it
        texts = [c for c in columns if frame.schema[c] == pl.Utf8]
        trimmed = set(texts) - set(untrimmed(frame, texts))
    for c in columns:
        composed = c in ID_COLUMNS and not (ascii and frame.schema[c] == pl.Utf8) and _maybe_composed(frame, c)
        as_is = clean or c in trimmed
        if as_is and frame.schema[c] == pl.Utf8 and not composed:
            continue
        text = text_of(frame, c, as_is)
        exprs.append((text.str.normalize("NFC") if composed else text).alias(c))
    return frame.with_columns(exprs) if exprs else frame


def _maybe_composed(frame: pl.DataFrame, column: str) -> bool:
    """Whether NFC could change the column's text: not when every value is ASCII (NFC leaves ASCII as it is)."""
    dtype = frame.schema[column]
    if dtype.is_numeric() or dtype in (pl.Null, pl.Boolean, pl.Date) or isinstance(dtype, pl.Datetime):
        return False
    if dtype != pl.Utf8:
        return True
    return bool(frame.select((pl.col(column).str.len_bytes() != pl.col(column).str.len_chars()).any()).item())


def numbers(part: Part, frame: pl.DataFrame, columns, report: Report, what: str,
             employee_col: str = "employee") -> pl.DataFrame:
    """Cast ``columns`` to Float64; non-numbers, NaN and infinity are errors at their cell."""
    casts = []
    for c in columns:
        dtype = frame.schema[c]
        if dtype == pl.Utf8:
            casts.append((pl.col(c) if part.clean else pl.col(c).str.strip_chars()).cast(F64, strict=False).alias(c))
        elif dtype == pl.Float32:  # its shortest text (0.1, as shown), not the float32's binary 0.10000000149011612
            casts.append(pl.col(c).cast(pl.Utf8).cast(F64, strict=False).alias(c))
        elif dtype.is_numeric() or dtype == pl.Null or dtype.is_decimal():
            casts.append(pl.col(c).cast(F64, strict=False).alias(c))
        else:
            casts.append(pl.lit(None, dtype=F64).alias(c))
    cast = frame.with_columns(casts)
    # a column the provider parsed and found to hold plain numbers only has nothing to flag (its part says which)
    looked = [c for c in columns if not (c in part.plain and frame.schema[c] == F64)]
    wrong = _wrong(frame, cast, looked) if frame.height else set()
    flagged = [c for c in columns if c in wrong]
    second_header = _second_header(frame, cast, columns) if len(flagged) >= 2 else None
    for c in flagged:
        bad = frame.with_columns(cast[c].alias("_num"), _zeroed(frame, cast, c).alias("_zeroed")).filter(
            pl.col("_zeroed") | (pl.col(c).is_not_null() & pl.col("_num").is_null()) | pl.col("_num").is_nan()
            | pl.col("_num").is_infinite() | (pl.col("_num").abs() >= LARGEST)
            | ((pl.col("_num") != 0) & (pl.col("_num").abs() < SMALLEST)))
        for row in bad.select(employee_col, "_row", c, "_num").head(200).iter_rows():
            emp, line, raw, num = row
            if num is None:
                msg = f"{what} '{c}' is '{raw}', which is not a number"
                hint = number_hint(str(raw)) or "write plain numbers: 1234.5 (no thousands separators, units or %)"
                if line == second_header:
                    hint = (f"row {part.origin.line(line)} looks like a second header row (every number column holds "
                            "text): delete the row, the header is the one above it")
            elif math.isfinite(num) and abs(num) < 1:
                msg = f"{what} '{c}' is {raw}, too close to 0 to compute with (below 2.2e-308 in size)"
                hint = "check the cell: an exponent may be wrong (write 0 for none)"
            elif math.isfinite(num):
                msg = f"{what} '{c}' is {raw}, too large to compute exactly (the limit is 10^15)"
                hint = "check the cell: a unit or an exponent may be wrong"
            else:
                msg = f"{what} '{c}' is {raw} ({'not a number' if math.isnan(num) else 'infinite'})"
                hint = "leave the cell empty if the value is unknown"
            if emp is not None:
                msg += f" (employee {emp})"
            report.employee(emp, part.origin.diag(line, c, msg, hint=hint, code="data-not-a-number"))
    return cast


def _second_header(frame: pl.DataFrame, cast: pl.DataFrame, columns) -> int | None:
    """The ``_row`` of the table's first row when it holds text in every number column it fills, two at least (none
    a number, a placeholder or anything :func:`number_hint` explains): a second header row (labels in another
    language under the header, a header repeated by a copy and paste), else None."""
    if not frame.height or "_row" not in frame.columns:
        return None
    labels = 0
    for c in columns:
        raw, num = frame[c][0], cast[c][0]
        if raw is None or frame.schema[c] != pl.Utf8:
            continue  # (an empty cell, or a column of numbers only: one the file does not have, filled in)
        if num is not None or not isinstance(raw, str) or number_hint(raw) or not any(ch.isalpha() for ch in raw):
            return None
        labels += 1
    return frame["_row"][0] if labels >= 2 else None


_EXCEL_ERROR = re.compile(r"^#(N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|FIELD!|BLOCKED!|UNKNOWN!|"
                          r"GETTING_DATA)$", re.IGNORECASE)
_PLACEHOLDERS = frozenset({"n/a", "na", "n.a.", "-", "--", "—", "–", "null", "none", "nil", "?", "unknown", "tbd",
                           "无", "空", "不适用", "暂无"})
_PLAIN = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_CURRENCY = re.compile(r"[¥￥$€£]|元|RMB|CNY|USD|EUR|HKD", re.IGNORECASE)
_GROUPED_SPACE = re.compile(r"^[+-]?[0-9]{1,3}(?:[ \u00a0\u202f\u2009'’_][0-9]{3})+(?:[.,][0-9]+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+),[0-9]+$")
_THOUSANDS_COMMA = re.compile(r"^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")


def _ascii_digits(text: str) -> str:
    """``text`` with full-width and other scripts' digits and signs as ASCII ('１２３' -> '123', '－５' -> '-5')."""
    import unicodedata

    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch.isdigit():
            out.append(str(unicodedata.digit(ch, 0)))
        else:
            folded = unicodedata.normalize("NFKC", ch)
            out.append({"\u2212": "-", "\u2013": "-"}.get(folded, folded))
    return "".join(out)


def number_hint(raw: str, thousands: bool = False) -> str | None:
    """What to do about a cell that is not a number, when its text shows why (an Excel error, a placeholder,
    full-width digits, a percent, currency, brackets for a minus, a decimal comma, grouped digits); None when it
    does not.  ``thousands``: the column reads 1,234.50 (employee amounts), so that needs no word."""
    text = raw.strip()
    quoted = f"'{text}'"
    if _EXCEL_ERROR.match(text):
        return (f"{quoted} is an Excel error value: fix the formula in the workbook, or leave the cell empty if the "
                "value is unknown (it then counts as missing)")
    if text.lower() in _PLACEHOLDERS:
        return (f"{quoted} is a placeholder, not a number: leave the cell empty if the value is unknown (it then "
                "counts as missing), or write the value")
    ascii_ = _ascii_digits(text)
    if ascii_ != text and (_PLAIN.match(ascii_) or _THOUSANDS_COMMA.match(ascii_)):
        fixed = ascii_.replace(",", "")
        return f"{quoted} is written with full-width or other non-ASCII characters: type it with ASCII digits: {fixed}"
    if text.endswith(("%", "％")):
        return (f"{quoted} is a percentage: write the number without '%', in the unit the ruleset expects "
                "(0.855 for a share, 85.5 for points)")
    bare = re.sub(r"\s+", "", _CURRENCY.sub("", text))
    if _CURRENCY.search(text) and (_PLAIN.match(bare) or _THOUSANDS_COMMA.match(bare)):
        return f"{quoted} has a currency sign or unit: write the amount alone: {bare.replace(',', '')}"
    m = re.match(r"^\(\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*\)$", text)
    if m and (_PLAIN.match(m[1]) or _THOUSANDS_COMMA.match(m[1])):
        return f"{quoted} is a negative amount in brackets: write it with a minus sign: -{m[1].replace(',', '')}"
    if re.match(r"^[+-]?[0-9]{1,3}(?:\.[0-9]{3}){2,}$", text):  # '1.234.567': only thousands points
        return f"{quoted} has a thousands separator: write it without: {text.replace('.', '')}"
    if _THOUSANDS_COMMA.match(text) and not thousands:
        return f"{quoted} has a thousands separator: write it without: {text.replace(',', '')}"
    if _DECIMAL_COMMA.match(text):
        fixed = text.replace(".", "").replace(",", ".")
        return (f"{quoted} has a decimal comma: write a decimal point: {fixed} (save the file with decimal points, "
                "or in a locale that writes them)")
    if _GROUPED_SPACE.match(text):
        fixed = re.sub(r"[ \u00a0\u202f\u2009'’_]", "", text).replace(",", ".")
        return f"{quoted} has spaces or other marks between its digits: write it without: {fixed}"
    return None


def _wrong(frame: pl.DataFrame, cast: pl.DataFrame, columns) -> set[str]:
    """The ``columns`` where the filter of :func:`numbers` finds a row, all looked at in one pass: a cell that was
    not null but cast to null (a cast never makes null a value, so the null counts differ exactly then; a column
    knows its count), NaN, infinite, too large or too small."""
    if not columns:
        return set()
    marks = cast.select([(pl.col(c).is_nan() | pl.col(c).is_infinite() | (pl.col(c).abs() >= LARGEST)
                          | ((pl.col(c) != 0) & (pl.col(c).abs() < SMALLEST))).any().alias(c)
                         for c in columns]).row(0)
    return {c for c, mark in zip(columns, marks, strict=True)
            if mark or cast[c].null_count() != frame[c].null_count() or _zeroed_any(frame, cast, c)}


_NOT_ZERO = r"^\s*[+-]?[0-9.]*[1-9][0-9.]*[eE]"  # a mantissa that is not 0, then an exponent


def _zeroed_any(frame: pl.DataFrame, cast: pl.DataFrame, column: str) -> bool:
    """Whether :func:`_zeroed` finds a cell, looking at the cells cast to 0 only."""
    if frame.schema[column] != pl.Utf8:
        return False
    zeros = frame[column].filter((cast[column] == 0).fill_null(False))
    return bool(zeros.len()) and bool(zeros.str.contains(_NOT_ZERO).any())


def _zeroed(frame: pl.DataFrame, cast: pl.DataFrame, column: str) -> pl.Series:
    """Which cells of a text ``column`` are not 0 but were cast to 0 ('1e-400': below the smallest float); looked for
    in the cells cast to 0 only (a column knows whether it has any)."""
    if frame.schema[column] != pl.Utf8 or not cast.select((pl.col(column) == 0).any()).item():
        return pl.Series([False] * frame.height, dtype=pl.Boolean)
    return (cast[column] == 0).fill_null(False) & frame[column].str.contains(_NOT_ZERO).fill_null(False)


_MONTH_RE = (r"^(\d{4})(?:[-/.]|年)\s*(\d{1,2})(?:月)?(?:(?:[-/.]\d{1,2})|(?:\d{1,2}日))?"
             r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def month_expr(frame: pl.DataFrame, column: str = "month") -> pl.Expr:
    """``YYYY-MM`` from ``2026-07``, ``2026-07-01``, ``2026/7``, ``2026年7月``, ``202607``, dates, Excel serials."""
    dtype = frame.schema[column]
    c = pl.col(column)
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return c.dt.strftime("%Y-%m")
    text = text_of(frame, column)
    parts = text.str.extract_groups(_MONTH_RE)
    year = parts.struct.field("1")
    month = parts.struct.field("2").cast(pl.Int32, strict=False)
    compact = text.str.extract_groups(r"^(\d{4})(\d{2})$")
    serial = text.str.extract(r"^(\d{5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    from_serial = (pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)).dt.strftime("%Y-%m")
    good = month.is_between(1, 12)
    cmonth = compact.struct.field("2").cast(pl.Int32, strict=False)
    return (pl.when(good).then(year + pl.lit("-") + month.cast(pl.Utf8).str.zfill(2))
            .when(cmonth.is_between(1, 12)).then(compact.struct.field("1") + pl.lit("-") + compact.struct.field("2"))
            .when(serial.is_between(20000, 80000)).then(from_serial)
            .otherwise(None))


def month_column(frame: pl.DataFrame, column: str = "month") -> pl.Series:
    """:func:`month_expr` of every row; for text, worked out once per distinct value (months are few, rows
    many) and mapped back."""
    if frame.schema[column] != pl.Utf8:
        return frame.select(month_expr(frame, column).alias(column))[column]
    distinct = frame.select(pl.col(column).unique().drop_nulls())
    months = distinct.select(pl.col(column), month_expr(distinct, column).alias("_month"))
    return frame[column].replace_strict(months[column], months["_month"], default=None, return_dtype=pl.Utf8)


def date_text(value: Any) -> str | None:
    """A date cell as ``YYYY-MM-DD`` (text in the usual spellings, Excel serials), else raises ValueError."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    m = re.match(r"^(\d{4})(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})日?(?:[ T]00:00(?::00(?:\.0+)?)?)?$", text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    m = re.match(r"^(\d{5})(?:\.0+)?$", text)
    if m and 20000 <= int(m[1]) <= 80000:
        return (EXCEL_EPOCH + timedelta(days=int(m[1]))).isoformat()
    raise ValueError(text)


def unknown_employees(part: Part, frame: pl.DataFrame, known, report: Report,
                       what: str) -> None:
    """One diagnostic per unknown employee and source, at its first row."""
    if known is None:
        return
    ids = known.ids if isinstance(known, Known) else pl.Series(sorted(known), dtype=pl.Utf8)
    # every row's employee is the one starting its run of equal neighbours: when those are all known, all are (rows
    # come grouped by employee, so the runs are about as many as the employees)
    starts = frame.select(pl.col("employee").filter(pl.col("employee").ne_missing(pl.col("employee").shift(1))
                                                    .fill_null(True)))
    if isinstance(known, Known) and starts.schema["employee"] == pl.Utf8:
        if not known.unknown(starts["employee"]).any():  # (the ids sorted once, searched: no hash set per table)
            return
    elif not starts.select((pl.col("employee").is_not_null() & ~pl.col("employee").is_in(ids.implode())).any()).item():
        return
    bad = (frame.filter(pl.col("employee").is_not_null() & ~pl.col("employee").is_in(ids.implode()))
           .group_by("employee", maintain_order=True).agg(pl.col("_row").first(), pl.len().alias("_n")))
    for emp, line, n in bad.head(500).iter_rows():
        more = f" ({n} rows; this is the first)" if n > 1 else ""
        report.employee(emp, part.origin.diag(
            line, "employee", f"{what} for employee '{emp}', who is not in the employees table{more}",
            hint="add the employee to the employees source, or fix the id", code="data-unknown-employee"))


def null_keys(part: Part, frame: pl.DataFrame, keys, report: Report, what: str) -> pl.DataFrame:
    """The rows having every key; each row lacking one is reported at its line."""
    if not any(frame[k].null_count() for k in keys):
        return frame  # (a column knows its nulls: no filter, no copy)
    for k in keys:
        for emp, line in frame.filter(pl.col(k).is_null()).select(
                pl.col("employee") if "employee" in frame.columns else pl.lit(None), "_row").head(200).iter_rows():
            msg = f"{what} has no '{k}'"
            if k == "month":
                msg = f"{what}: month is empty or not a month"
            report.employee(emp, part.origin.diag(line, k, msg, hint="months look like 2026-07" if k == "month"
                                                  else "every row needs one", code=f"data-{k}"))
    return frame.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in keys]))


def repeats(frame: pl.DataFrame, keys) -> bool:
    """Whether some row repeats another's ``keys`` (nulls equal to nulls).

    Rows whose key hashes all differ are all different (equal keys hash alike), and hashing the key columns
    is several times cheaper than comparing them; only when two hashes meet are the keys compared."""
    if frame.height < 2:
        return False
    if distinct_count(frame.select(keys).hash_rows(seed=0)) == frame.height:
        return False
    return bool(frame.select(pl.struct(keys).is_duplicated().any()).item())


def distinct_count(values: pl.Series) -> int:
    """``values.n_unique()``, counted on the values sorted on one thread (the same count; for millions of row hashes
    about half the CPU of polars' hash table, which is shared among its threads)."""
    return values.sort(multithreaded=False).n_unique()


def duplicates(part: Part, frame: pl.DataFrame, keys, report: Report, what: str, column: str,
                unnamed: str | None = None) -> bool:
    """Rows repeating ``keys``, each at its line; the value of column ``unnamed`` (the rater) is not shown.
    Whether there were any."""
    if not repeats(frame, keys):
        return False  # no key repeats: nothing to say (the search below would find nothing)
    dup = frame.with_columns(pl.col("_row").min().over(keys).alias("_first"),
                             pl.len().over(keys).alias("_n")).filter(
        (pl.col("_n") > 1) & (pl.col("_row") != pl.col("_first")))
    for row in dup.select(*keys, "_row", "_first").iter_rows(named=True):
        key = ", ".join(str(row[k]) for k in keys if k != unnamed)
        by = f" by the same {unnamed}" if unnamed else ""
        report.employee(row.get("employee"), part.origin.diag(
            row["_row"], column, f"{what} ({key}){by} appears twice; first at line "
            f"{part.origin.line(row['_first'])}", hint="keep one row per " + " and ".join(keys),
            code="data-duplicate"))
    return True
