"""Reading tabular files (CSV, xlsx, Parquet) into frames with their locations.

Shared by the file-based built-in providers.  Every reader returns a
:class:`Sheet`: a polars frame with the source's own column names (stripped),
a ``_row`` column with the row's line number in the file (1-based, the header
being line 1), and the column numbers — so any later check can say
``file:line:col``.  Values are not interpreted here (CSV and xlsx cells arrive
as text); :mod:`appraise.provide.stage` casts them and reports what does not fit.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from appraise.display import shown
from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import Origin, Provided

ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16")
# Data files are read whole into memory (about twice their size at the peak); a file beyond the limit is
# refused before it is read, so a hostile or mistaken file cannot exhaust memory.  A source whose file is
# known to be big says so in the cycle file (max_bytes: 2 GiB); APPRAISE_MAX_DATA_BYTES sets the default.
MAX_DATA_BYTES = 256 << 20
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30}
SIZE_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?\s*([KMG]i?B|B)?\s*$"


def max_data_bytes(source=None) -> int:
    """The size limit of one data file (bytes): the source's ``max_bytes:``, else APPRAISE_MAX_DATA_BYTES,
    else 256 MiB."""
    import os

    given = (getattr(source, "options", None) or {}).get("max_bytes")
    if given is not None:
        return parse_size(given)
    value = os.environ.get("APPRAISE_MAX_DATA_BYTES", "").strip()
    return int(value) if value.isdigit() else MAX_DATA_BYTES


def parse_size(value) -> int:
    """Bytes of ``2147483648``, ``"2 GiB"``, ``"500 MB"`` (the schema has checked the spelling)."""
    if isinstance(value, int):
        return value
    m = re.match(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$", str(value))
    if m is None or m[2].lower() not in _UNITS:
        raise ValueError(f"not a size: {value!r}")
    from decimal import Decimal

    return int(Decimal(m[1]) * _UNITS[m[2].lower()])


def _too_large(source, name: str, size: int, what: str = "file") -> InvalidInput:
    limit = max_data_bytes(source)
    need = -(-size // (1 << 20))
    return InvalidInput([source.diag(
        f"{name}: {what} is {size:,} bytes; this source may read at most {limit:,} bytes into memory / "
        f"{name}：{'文件' if what == 'file' else '解压后'}大小为 {size:,} 字节，"
        f"超过此数据源可读入内存的上限 {limit:,} 字节",
        key="path", hint=f"if the file is meant to be this big, allow it on this source in the cycle file: "
        f"max_bytes: {need} MiB (or set APPRAISE_MAX_DATA_BYTES for every source); for very big files the duckdb "
        f"provider aggregates without loading them / 若文件确应如此之大，请在周期文件的此数据源上设置 "
        f"max_bytes: {need} MiB（或用环境变量 APPRAISE_MAX_DATA_BYTES 设置所有数据源的上限）；"
        "极大的文件可改用 duckdb 数据源，它无需整体读入即可汇总", code="source-too-large")])
TABULAR_OPTIONS = {
    "encoding": {"enum": ["auto", *ENCODINGS], "default": "auto",
                 "description": "text encoding of a CSV file; auto detects UTF-8 (with or without BOM), "
                 "UTF-16 and GBK/GB18030 (Chinese Excel exports)"},
    "delimiter": {"type": "string", "minLength": 1, "maxLength": 1,
                  "description": "CSV field separator; default: detected from the header (, ; tab |)"},
    "sheet": {"type": "string", "description": "xlsx: the worksheet's name (default: the first sheet)"},
    "ignore": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
               "description": "columns of the file to leave out (after renaming)"},
    "max_bytes": {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": SIZE_PATTERN}],
                  "description": "the largest this source's file may be (bytes, or e.g. '2 GiB', '500 MB'); "
                  "bigger files are refused before they are read.  Default: APPRAISE_MAX_DATA_BYTES, else 256 MiB"},
}


@dataclass
class Sheet:
    """A file's rows: ``frame`` (source column names, plus ``_row``), column numbers, line mapping."""

    file: str
    frame: Any
    columns: dict[str, int]
    sha256: str
    lines: Callable[[int], int] | None = None

    def origin(self) -> Origin:
        return Origin(self.file, dict(self.columns), self.lines)


def fail(file: str, message: str, *, line: int = 1, col: int = 1, hint: str = "", code: str = "source",
         path: str = "") -> InvalidInput:
    return InvalidInput([Diagnostic(file, line, col, message, path, hint=hint, code=code)])


def read_bytes(source) -> tuple[bytes, str, str]:
    """(content, sha256, shown name) of a source's file; a readable error when it is not there."""
    if source.path is None:
        raise InvalidInput([source.diag(f"provider '{source.provider}' needs 'path:' (the data file)",
                                        key="path", code="source-path")])
    name = shown(source.path)
    try:
        size = source.path.stat().st_size
        if size > max_data_bytes(source):
            raise _too_large(source, name, size)
        raw = source.path.read_bytes()
    except OSError as exc:
        raise InvalidInput([source.diag(f"cannot read {name}: {exc.strerror}", key="path",
                                        hint="paths are relative to the cycle file's folder",
                                        code="source-missing")]) from None
    return raw, hashlib.sha256(raw).hexdigest(), name


def decode(raw: bytes, name: str, encoding: str = "auto") -> str:
    """Text of a CSV file: UTF-8 (BOM or not), UTF-16 with BOM, else GBK/GB18030."""
    return _decode(raw, name, encoding)[0]


def _decode(raw: bytes, name: str, encoding: str | None = "auto") -> tuple[str, bool]:
    """:func:`decode`, and whether the text's UTF-8 bytes are ``raw`` itself (UTF-8 without a BOM)."""
    if encoding not in ("auto", None):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            line, col = _byte_position(raw, exc.start)
            raise fail(name, f"file is not valid {encoding}", line=line, col=col,
                       hint="set 'encoding:' to the encoding the file was saved in, or leave it out to detect it",
                       code="data-encoding") from None
        same = text[:1] != "\ufeff" and str(encoding).lower().replace("_", "-") in ("utf-8", "utf8")
        return text.lstrip("\ufeff"), same
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        bom = True
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), False
    else:
        bom = False
    try:
        return raw.decode("utf-8"), not bom
    except UnicodeDecodeError as first:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            line, col = _byte_position(raw, first.start)
            raise fail(name, "file is neither UTF-8 nor GBK text", line=line, col=col,
                       hint="save it as 'CSV UTF-8', or name its encoding with 'encoding:'",
                       code="data-encoding") from None
        _plausible_gbk(text, name)
        return text, False


def _plausible_gbk(text: str, name: str) -> None:
    """Refuse a guess of GBK that reads like mojibake.

    Almost any bytes decode as GB18030, so Latin-1 ('Müller') or Shift-JIS ('田中') files would come out
    as rare Chinese characters.  A guessed GBK file must use only GB2312 characters (the 7,445 common ones
    of Chinese Excel exports); a file that really uses rarer ones names its encoding ('encoding: gbk').
    """
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            continue
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            before = text[:i]
            line = before.count("\n") + 1
            col = i - (before.rfind("\n") + 1) + 1
            raise fail(name, f"file is not UTF-8, and read as GBK it has an unusual character ('{ch}'); it is "
                       "probably another encoding (Latin-1, Shift-JIS...)", line=line, col=col,
                       hint="save it as 'CSV UTF-8'; if it really is GBK, say so with 'encoding: gbk'",
                       code="data-encoding") from None


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def _sniff(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def read_csv(source, options: Mapping[str, Any] | None = None) -> Sheet:
    """A CSV file as text columns, with line numbers that survive quoted newlines and blank lines."""
    import polars as pl

    options = dict(source.options if options is None else options)
    raw, sha, name = read_bytes(source)
    encoding = options.get("encoding", "auto")
    text, same = _decode(raw, name, encoding)
    if not text.strip():
        raise fail(name, "file is empty; expected a header row and data rows", code="data-empty")
    first = text.find("\n")
    sep = options.get("delimiter") or _sniff(text if first < 0 else text[:first])
    header = [h.strip() for h in next(csv.reader(_lines(text), delimiter=sep))]
    _check_header(header, name)
    lines = _LineMap(text, sep)
    # polars reads the bytes themselves when they are the UTF-8 text (no BOM): no second copy of the file
    data = raw if same else text.encode("utf-8")
    try:
        frame = pl.read_csv(data, separator=sep, infer_schema=False, has_header=True, new_columns=header)
    except Exception as exc:  # polars' own parse errors: find the offending line ourselves
        _check_shape(text, sep, header, name, lines)  # short rows are reported first, as on the plain path
        for record, fields in enumerate(csv.reader(_lines(text), delimiter=sep)):
            if len(fields) > len(header):
                raise fail(name, f"row has {len(fields)} fields but the header has {len(header)}",
                           line=lines(record), col=len(header) + 1,
                           hint="check for an unquoted separator (quote values that contain one)",
                           code="data-shape") from None
        raise fail(name, f"cannot parse CSV: {str(exc).splitlines()[0]}", code="data-shape") from None
    one_line = _one_line_per_record(text, sep)
    if not (one_line and _no_short_rows(text, sep, len(header))):
        _check_shape(text, sep, header, name, lines)
    if one_line:
        lines.plain()  # record n is line n + 1: the text need not be kept for messages
    del data, text
    # _row counts data records (polars keeps a blank line as a row of nulls, like csv.reader).
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))
    return Sheet(name, _strip(frame), {h: i + 1 for i, h in enumerate(header)}, sha, lines)


def _lines(text: str):
    """The lines ``io.StringIO(text, newline="")`` yields (ended by \\n, \\r or \\r\\n, kept), lazily: csv.reader
    takes them without a second, four-bytes-a-character copy of the file."""
    for m in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text):
        yield m.group()


def _one_line_per_record(text: str, sep: str) -> bool:
    """No quote and no lone carriage return: csv.reader's records are the text's lines, one for one."""
    if '"' in text or sep in ("\n", "\r"):
        return False
    return "\r" not in text or text.count("\r") == text.count("\r\n")


def _no_short_rows(text: str, sep: str, width: int) -> bool:
    """True when no record can have fewer fields than the header, decided without parsing the text.

    Only for text polars has parsed (so no record has *more* fields than the header) that has one line per
    record (:func:`_one_line_per_record`, the caller's to check) and no blank line: then every line is one
    record of (separators + 1) fields, and the separators adding up to (lines x (width - 1)) means every line
    has exactly width - 1.  Anything else is left to :func:`_check_shape`, the plain record-by-record check."""
    if text.startswith(("\n", "\r\n")) or "\n\n" in text or "\n\r\n" in text:
        return False
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return text.count(sep) == lines * (width - 1)


def _check_shape(text: str, sep: str, header: list[str], name: str, lines) -> None:
    """Rows with fewer fields than the header are errors (polars would fill them with nulls silently)."""
    problems = []
    for record, fields in enumerate(csv.reader(_lines(text), delimiter=sep)):
        if record == 0 or not fields or fields == [""] or len(fields) >= len(header):
            continue
        problems.append(Diagnostic(name, lines(record), 1, f"row has {len(fields)} field"
                                   f"{'' if len(fields) == 1 else 's'} but the header has {len(header)}",
                                   hint="a value or a separator is missing; every row needs one value per column "
                                   "(leave it empty between separators: a,,c)", code="data-shape"))
        if len(problems) >= 50:
            break
    if problems:
        raise InvalidInput(problems)


class _LineMap:
    """Record number -> line number, computed only when a message needs one (quoted newlines span lines)."""

    def __init__(self, text: str, sep: str):
        self._text: str | None = text
        self._sep = sep
        self._starts: list[int] | None = None

    def __call__(self, record: int) -> int:
        if self._starts is None:
            starts: list[int] = []
            line = 1
            reader = csv.reader(_lines(self._text or ""), delimiter=self._sep)
            for _ in reader:
                starts.append(line)
                line = reader.line_num + 1
            self._starts = starts
            self._text = None
        return self._starts[record] if 0 <= record < len(self._starts) else record + 1

    def plain(self) -> None:
        """Every record is one line (see :func:`_one_line_per_record`): record n is line n + 1."""
        self._text, self._starts = None, []


def _check_header(header: list[str], name: str) -> None:
    seen: dict[str, int] = {}
    for i, h in enumerate(header, start=1):
        if not h:
            raise fail(name, f"column {i} has no name in the header row", col=i, code="data-header")
        if h in seen:
            raise fail(name, f"column '{h}' appears twice in the header (columns {seen[h]} and {i})", col=i,
                       code="data-header")
        if h == "_row":
            raise fail(name, "'_row' is reserved; rename that column", col=i, code="data-header")
        seen[h] = i


def _strip(frame):
    """Trim text cells and drop rows that are entirely empty (blank lines, trailing Excel rows)."""
    import polars as pl

    texts = [c for c, t in frame.schema.items() if t == pl.Utf8]
    if texts:
        frame = frame.with_columns([pl.col(c).str.strip_chars().replace("", None) for c in texts])
    data = [c for c in frame.columns if c != "_row"]
    if data:
        frame = frame.filter(~pl.all_horizontal([pl.col(c).is_null() for c in data]))
    return frame


def cell_text(value: Any) -> str | None:
    """An xlsx cell as text: dates as ISO, whole floats without ``.0``, numbers exactly as Python prints them."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_xlsx(source, options: Mapping[str, Any] | None = None) -> Sheet:
    """An xlsx worksheet as text columns; ``_row`` is the spreadsheet row number."""
    import polars as pl
    from openpyxl import load_workbook

    options = dict(source.options if options is None else options)
    raw, sha, name = read_bytes(source)
    _unzipped_size(source, raw, name)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:
        raise fail(name, f"cannot open as an xlsx workbook: {exc}", code="data-format",
                   hint="save it from Excel as .xlsx (not .xls or .csv)") from None
    sheet_name = options.get("sheet")
    if sheet_name is not None and sheet_name not in book.sheetnames:
        raise InvalidInput([source.diag(f"{name} has no sheet '{sheet_name}'; its sheets: "
                                        f"{', '.join(book.sheetnames)}", key="sheet", code="source-sheet")])
    ws = book[sheet_name] if sheet_name is not None else book.worksheets[0]
    where = f"{name}[{ws.title}]"
    header: list[str] | None = None
    header_line = 1
    rows: list[list[Any]] = []
    lines: list[int] = []
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [cell_text(v) for v in row]
        if header is None:
            if any(c not in (None, "") for c in cells):
                while cells and cells[-1] in (None, ""):
                    cells.pop()
                header = [(c or "").strip() for c in cells]
                header_line = number
            continue
        cells = (cells + [None] * len(header))[:len(header)] if len(cells) < len(header) else cells
        extra = [c for c in cells[len(header):] if c not in (None, "")]
        if extra:
            raise fail(where, "value in a column without a header", line=number,
                       col=len(header) + 1 + next(i for i, c in enumerate(cells[len(header):]) if c not in (None, "")),
                       code="data-shape")
        rows.append(cells[:len(header)])
        lines.append(number)
    book.close()
    if header is None:
        raise fail(where, "sheet is empty; expected a header row and data rows", code="data-empty")
    _check_header(header, where)
    frame = pl.DataFrame({h: [r[i] for r in rows] for i, h in enumerate(header)},
                         schema={h: pl.Utf8 for h in header})
    frame = frame.with_columns(pl.Series("_row", lines, dtype=pl.Int64))
    sheet = Sheet(where, _strip(frame), {h: i + 1 for i, h in enumerate(header)}, sha)
    sheet.header_line = header_line  # type: ignore[attr-defined]
    return sheet


def _unzipped_size(source, raw: bytes, name: str) -> None:
    """An xlsx is a zip: refuse one that unpacks beyond the data size limit (a zip bomb) before opening it."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return  # openpyxl says what is wrong with it
    if size > max_data_bytes(source):
        raise _too_large(source, name, size, "unpacked workbook")


def read_parquet(source, options: Mapping[str, Any] | None = None) -> Sheet:
    """A Parquet file with its own column types; ``_row`` is the 1-based record number."""
    import polars as pl

    raw, sha, name = read_bytes(source)
    try:
        frame = pl.read_parquet(io.BytesIO(raw))
    except Exception as exc:
        raise fail(name, f"cannot read as Parquet: {str(exc).splitlines()[0]}", code="data-format") from None
    if frame.width == 0:
        raise fail(name, "file has no columns", code="data-empty")
    if "_row" in frame.columns:
        raise fail(name, "'_row' is reserved; rename that column", col=frame.columns.index("_row") + 1,
                   code="data-header")
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))
    return Sheet(name, _strip(frame), {h: i + 1 for i, h in enumerate(frame.columns) if h != "_row"}, sha)


def read_any(source, options: Mapping[str, Any] | None = None) -> Sheet:
    """CSV, TSV, xlsx or Parquet by the file's extension."""
    suffix = (source.path.suffix.lower() if source.path is not None else "")
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(source, options)
    if suffix in (".parquet", ".pq"):
        return read_parquet(source, options)
    return read_csv(source, options)


def rename(sheet: Sheet, source, canonical: tuple[str, ...] = ()) -> Sheet:
    """Apply the source's ``columns:`` renaming and ``ignore:``; keeps column numbers under the new names."""
    frame = sheet.frame
    mapping = dict(source.columns)
    diags = []
    for old, new in mapping.items():
        if old not in frame.columns:
            diags.append(source.diag(f"columns: renames '{old}', but {sheet.file} has no such column; its "
                                     f"columns: {', '.join(c for c in frame.columns if c != '_row')}",
                                     key=f"columns.{old}", code="source-columns"))
        elif new in frame.columns and new not in mapping:
            diags.append(source.diag(f"columns: renames '{old}' to '{new}', but {sheet.file} already has a "
                                     f"column '{new}'", key=f"columns.{old}", code="source-columns"))
    if diags:
        raise InvalidInput(diags)
    frame = frame.rename(mapping)
    columns = {mapping.get(k, k): v for k, v in sheet.columns.items()}
    ignore = [c for c in source.options.get("ignore", ()) if c in frame.columns]
    frame = frame.drop(ignore)
    for c in ignore:
        columns.pop(c, None)
    return Sheet(sheet.file, frame, columns, sheet.sha256, sheet.lines)


def provided(table: str, sheet: Sheet, source) -> Provided:
    """A one-table :class:`Provided` from a sheet, labelled with the source's path."""
    return Provided.single(table, sheet.frame, sheet.origin(), label=source.label, sha256=sheet.sha256)


KIND_TABLE = {"employees": "employees", "metrics": "metrics", "feedback360": "feedback", "okr": "okrs",
              "deals": "deals", "credits": "credits"}


class TabularProvider:
    """A provider reading one file per source with ``reader`` (CSV, xlsx, Parquet).

    Any kind: the file holds the canonical columns of that kind's table
    (``appraise.tables``), possibly under other names mapped with ``columns:``.
    Metrics come wide (``employee, month, <metric>...``) or long
    (``employee, month, metric, value``); ``layout:`` says which, else the
    column names do.
    """

    name = ""
    kinds = frozenset({"employees", "metrics", "feedback360", "okr", "deals", "credits"})
    default_kind = "metrics"
    extra_options: dict = {}
    options_schema: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        props = {"ignore": TABULAR_OPTIONS["ignore"], "max_bytes": TABULAR_OPTIONS["max_bytes"],
                 **cls.extra_options}
        if "metrics" in cls.kinds:
            props["layout"] = {"enum": ["auto", "wide", "long"], "default": "auto",
                               "description": "metrics: wide = one column per metric; long = metric and value "
                               "columns; auto = long when the columns are exactly employee, month, metric, value"}
        cls.options_schema = {"type": "object", "properties": props}

    @staticmethod
    def reader(source) -> Sheet:  # pragma: no cover - overridden
        raise NotImplementedError

    def read(self, source, request) -> Provided:
        sheet = rename(type(self).reader(source), source)
        layout = source.options.get("layout", "auto")
        if request.kind == "metrics" and layout == "long":
            missing = [c for c in ("metric", "value") if c not in sheet.frame.columns]
            if missing:
                raise fail(sheet.file, f"layout: long needs columns metric and value; missing: "
                           f"{', '.join(missing)}", code="data-missing-column")
        if request.kind == "metrics" and layout == "wide" and {"metric", "value"} <= set(sheet.frame.columns):
            raise InvalidInput([source.diag("layout: wide, but the file has metric and value columns (the long "
                                            "layout)", key="layout", code="source-layout")])
        return provided(KIND_TABLE[request.kind], sheet, source)
