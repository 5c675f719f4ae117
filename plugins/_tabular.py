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
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from appraise.display import shown
from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import Origin, Provided
from appraise.tables import LARGEST, NUMBERS_PLAIN, TEXT_ASCII, WHITESPACE, untrimmed  # noqa: F401 (WHITESPACE: what trimming trims)

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
        f"{name}: {what} is {size:,} bytes; this source may read at most {limit:,} bytes into memory",
        key="path", hint=f"if the file is meant to be this big, allow it on this source in the cycle file: "
        f"max_bytes: {need} MiB (or set APPRAISE_MAX_DATA_BYTES for every source); for very big files the duckdb "
        "provider aggregates without loading them", code="source-too-large")])
TABULAR_OPTIONS = {
    "encoding": {"enum": ["auto", *ENCODINGS], "default": "auto",
                 "description": "text encoding of a CSV file; auto detects UTF-8 (with or without BOM), "
                 "UTF-16 and GBK/GB18030 (Chinese Excel exports)"},
    "delimiter": {"type": "string", "minLength": 1, "maxLength": 1,
                  "description": "CSV field separator; default: detected from the header (, ; tab |)"},
    "sheet": {"type": "string", "description": "xlsx: the worksheet's name (default: the first sheet)"},
    "header_row": {"type": "integer", "minimum": 1,
                   "description": "xlsx: the row holding the column names, numbered as Excel shows it (default: the "
                   "first row that is not empty); rows above it (a title, notes) are left out"},
    "skip_rows": {"type": "integer", "minimum": 0,
                  "description": "xlsx: how many rows at the top of the sheet to leave out (a title, notes); the "
                  "header is the first row after them that is not empty"},
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
    header_line: int = 1  # where the column names are (an xlsx may have a title above them)
    ascii: bool = False  # every text cell is ASCII (appraise.tables.TEXT_ASCII)
    plain: frozenset = frozenset()  # Float64 columns of plain numbers only (appraise.tables.NUMBERS_PLAIN)
    separator: str = ""  # a CSV file's field separator (';' says a European export: see dot_thousands)

    def origin(self) -> Origin:
        return Origin(self.file, dict(self.columns), self.lines, at=(self.header_line, 1))


def fail(file: str, message: str, *, line: int = 1, col: int = 1, hint: str = "", code: str = "source",
         path: str = "") -> InvalidInput:
    return InvalidInput([Diagnostic(file, line, col, message, path, hint=hint, code=code)])


def read_bytes(source) -> tuple[bytes, str, str]:
    """(content, sha256, shown name) of a source's file; a readable error when it is not there."""
    raw, name = read_raw(source)
    return raw, hashlib.sha256(raw).hexdigest(), name


class Digest:
    """The sha256 of ``raw``, worked out on a thread of its own while the caller parses the bytes (hashlib lets go
    of Python's lock for anything but a few bytes, so the hash runs beside polars' parse); :meth:`hexdigest` waits
    for it.  Below :data:`DIGEST_THREAD_BYTES` (and when that is 0) it is worked out here and now."""

    def __init__(self, raw: bytes):
        self._hex: str | None = None
        self._thread = None
        if DIGEST_THREAD_BYTES and len(raw) >= DIGEST_THREAD_BYTES:
            import threading

            self._thread = threading.Thread(target=self._hash, args=(raw,), name="appraise-sha256", daemon=True)
            self._thread.start()
        else:
            self._hash(raw)

    def _hash(self, raw: bytes) -> None:
        self._hex = hashlib.sha256(raw).hexdigest()

    def hexdigest(self) -> str:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        assert self._hex is not None
        return self._hex


DIGEST_THREAD_BYTES = 4 << 20  # files from this size on are hashed on a thread beside the parse (0: never)


def read_raw(source) -> tuple[bytes, str]:
    """(content, shown name) of a source's file (:func:`read_bytes` without the digest)."""
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
    return raw, name


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
        if "\n" not in text and "\r" in text:  # lone CRs as line ends (see _lone_cr)
            text, same = text.replace("\r", "\n"), False
        return text.lstrip("\ufeff"), same
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        bom = True
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
        return (text.replace("\r", "\n") if "\n" not in text else text), False  # (lone CRs: see _lone_cr)
    else:
        bom = False
    try:
        return raw.decode("utf-8"), not bom
    except UnicodeDecodeError as first:
        if raw[:4096].count(b"\x00") * 4 > min(len(raw), 4096):  # every other byte 0: UTF-16 (Excel "Unicode text")
            message, hint = _say_pair("csv.utf16_no_bom", option="encoding: utf-16")
            raise fail(name, message, hint=hint, code="data-encoding") from None
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


def read_csv(source, options: Mapping[str, Any] | None = None, period=None, numbers: Collection[str] = ()) -> Sheet:
    """A CSV file as text columns, with line numbers that survive quoted newlines and blank lines.  With a
    ``period``, rows that are surely of other months are left out (:func:`other_months`).  ``numbers``: columns
    the provide stage will read as numbers; those may come parsed already (:func:`_parse_numbers`)."""
    import polars as pl

    options = dict(source.options if options is None else options)
    streamed = _read_csv_streamed(source, options, period, numbers)
    if streamed is not None:
        return streamed
    raw, name = read_raw(source)
    digest = Digest(raw)  # the sha256 worked out beside the checks and the parse below
    encoding = options.get("encoding", "auto")
    raw = _lone_cr(raw, encoding)
    # A UTF-8 file without a BOM is its own text: checked, not decoded into a second copy of the file; the text is
    # made only for what needs it (a quoted field, a short row, a message's line number)
    text: str | None = None
    has = _Needles(raw)  # each byte looked for once (and ASCII-ness once), whichever check asks
    if _utf8_as_is(raw, encoding, has):
        same = True
    else:
        text, same = _decode(raw, name, encoding)

    kept = [raw]  # what decoded() reads; let go of once no message can need a line number

    def decoded() -> str:
        return kept[0].decode("utf-8")

    if text is None and _blank(raw) is None:
        text = decoded()
    if (not text or text.isspace()) if text is not None else _blank(raw):  # (strip() would copy the file)
        raise fail(name, "file is empty; expected a header row and data rows", code="data-empty")
    head = _first_line(text if text is not None else raw)
    sep = options.get("delimiter") or _sniff(head)
    header = [h.strip() for h in next(csv.reader(_lines(text) if text is not None else _byte_lines(raw),
                                                 delimiter=sep))]
    _check_header(header, name)
    lines = _LineMap(text if text is not None else decoded, sep)
    # polars reads the bytes themselves when they are the UTF-8 text (no BOM): no second copy of the file
    data = raw if same else (text if text is not None else decoded()).encode("utf-8")
    no_space = _no_whitespace(raw, has) if same else False
    # a ';' file's numbers are looked at as written (dot_thousands): not parsed by polars, which would read a
    # European '450.000' as 450.0
    floats = [h for h in header if h in set(numbers)] if sep != ";" else []
    try:
        frame = _parse_numbers(data, sep, header, floats) if floats else None
        if frame is None:
            frame = pl.read_csv(data, separator=sep, infer_schema=False, has_header=True, new_columns=header)
    except Exception as exc:  # polars' own parse errors: find the offending line ourselves
        text = text if text is not None else decoded()
        _check_shape(text, sep, header, name, lines)  # short rows are reported first, as on the plain path
        for record, fields in enumerate(csv.reader(_lines(text), delimiter=sep)):
            if len(fields) > len(header):
                raise fail(name, f"row has {len(fields)} fields but the header has {len(header)}",
                           line=lines(record), col=len(header) + 1,
                           hint="check for an unquoted separator (quote values that contain one)",
                           code="data-shape") from None
        raise fail(name, f"cannot parse CSV: {str(exc).splitlines()[0]}", code="data-shape") from None
    counted = text if text is not None or len(sep.encode("utf-8")) > 1 else raw  # the same answers on the bytes
    if counted is None:
        counted = text = decoded()
    one_line = _one_line_per_record(counted, sep, has if counted is raw else None)
    if not (one_line and (_filled(frame, header) or _no_short_rows(counted, sep, len(header)))):
        _check_shape(text if text is not None else decoded(), sep, header, name, lines)
    if one_line:
        lines.plain()  # record n is line n + 1: the text need not be kept for messages
        kept.clear()
    ascii_ = same and has.ascii()  # every cell is ASCII text (NFC leaves it as it is)
    del data, text, counted, raw, has
    # the file's bytes are let go of before the parse's chunks are copied into one (~1 GiB less at the peak of a
    # 1,000,000-person 360 file); the sha256's thread, if still at work, keeps them until it is done
    return _csv_sheet(frame, source, period, name, header, digest.hexdigest(), lines, floats, no_space=no_space,
                      ascii_=ascii_, separator=sep)


def _csv_sheet(frame, source, period, name: str, header: list[str], sha: str, lines, floats: list[str], *,
               no_space: bool, ascii_: bool, separator: str = ",") -> Sheet:
    """The :class:`Sheet` of a parsed CSV file (:func:`read_csv`, :func:`_read_csv_streamed`): the parse's chunks
    copied into one, ``_row`` counting the data records (polars keeps a blank line as a row of nulls, like
    csv.reader), the rows surely of other months left out, the cells stripped unless none can hold whitespace
    (``no_space``); the ``floats`` columns polars parsed as numbers are the plain ones."""
    import polars as pl

    plain = frozenset(c for c in floats if frame.schema[c] == pl.Float64)  # parsed and found plain numbers
    frame = _contiguous(frame)
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))
    frame = other_months(frame, source, period)
    return Sheet(name, _strip(frame, trimmed=no_space), {h: i + 1 for i, h in enumerate(header)}, sha, lines,
                 ascii=ascii_, plain=plain, separator=separator)


# A big CSV file (from this size on; 0: never) that looks like plain ASCII text is not read into memory whole:
# polars parses it from the file (mapped, not copied) while a thread reads it a slice at a time to work out its sha256
# and what the checks ask of its bytes (ASCII? a quote, a carriage return, whitespace?).  Anything else the plain
# path does (a BOM, other text, a quote, a short row, a parse error, the file changed meanwhile) is left to it: the
# file is then read whole as always.  tests/test_provide_stream.py compares the two on generated files.
STREAM_BYTES = 32 << 20
_STREAM_SLICE = 8 << 20  # what the thread reads at a time
_STREAM_HEAD = 64 << 10  # what is read first to decide (the header must end within it)
_SCANNED = (b'"', b"\r", b" ", b"\t", b"\x0b", b"\x0c")  # the bytes :func:`_no_whitespace` and line ends ask about
# a number with an exponent of -100 or less (polars' float parse makes '1e-400' 0, which no check could tell from a
# written 0): such a file is read as text, where appraise.provide.checks.numbers sees it
_UNDERFLOW = re.compile(rb"[0-9.][eE]-0*[1-9][0-9]{2}")
_NEGATIVE_EXPONENT = b"e-100"  # (what _Scan reports finding it as)


class _Scan:
    """The sha256 of a file, whether it is ASCII and which of :data:`_SCANNED` it holds, read a slice at a time on a
    thread of its own (hashlib lets go of Python's lock; a slice's searches hold it a millisecond or so, while polars'
    parse, which does not need it, runs); :meth:`result` waits for it."""

    def __init__(self, path):
        import threading

        self._path = path
        self._out: tuple | None = None
        self._thread = threading.Thread(target=self._run, name="appraise-scan", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        sha = hashlib.sha256()
        ascii_, found = True, set[bytes]()
        last = b""
        buffer = bytearray(_STREAM_SLICE)
        view = memoryview(buffer)
        try:
            with open(self._path, "rb", buffering=0) as f:
                while True:
                    n = f.readinto(buffer)
                    if not n:
                        break
                    piece = view[:n] if n < len(buffer) else buffer
                    sha.update(piece)
                    chunk = buffer if n == len(buffer) else bytes(piece)
                    ascii_ = ascii_ and chunk.isascii()
                    found.update(b for b in _SCANNED if b not in found and b in chunk)
                    seam = last + chunk[:8]  # (a number across two slices)
                    if _NEGATIVE_EXPONENT not in found and (b"e-" in chunk or b"E-" in chunk or b"e-" in seam
                                                            or b"E-" in seam) and (
                            _UNDERFLOW.search(chunk) or _UNDERFLOW.search(seam)):
                        found.add(_NEGATIVE_EXPONENT)  # (a number a float makes 0: the plain path reads the file)
                    last = bytes(chunk[-8:])
        except OSError:
            self._out = None
            return
        self._out = (sha.hexdigest(), ascii_, frozenset(found))

    def result(self) -> tuple | None:
        self._thread.join()
        return self._out


def _read_csv_streamed(source, options: Mapping[str, Any], period, numbers: Collection[str]) -> Sheet | None:
    """:func:`read_csv` of a big file of plain ASCII text without reading it into memory whole (see
    :data:`STREAM_BYTES`), or None when the plain path is to read it."""
    import os

    import polars as pl

    path = source.path
    if not STREAM_BYTES or path is None or options.get("encoding", "auto") not in _UTF8_NAMES:
        return None
    try:
        before = os.stat(path)
        if before.st_size < STREAM_BYTES or before.st_size > max_data_bytes(source):
            return None
        with open(path, "rb") as f:
            head = f.read(_STREAM_HEAD)
    except OSError:
        return None
    end = head.find(b"\n")
    if (end < 0 or not head.isascii() or any(b in head for b in _SCANNED[:2])
            or head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or not head[:end].strip()):
        return None
    first = head[:end].decode("ascii")
    sep = options.get("delimiter") or _sniff(first)
    if len(sep.encode("utf-8")) != 1 or sep in '\n\r";':  # (';': see read_csv)
        return None
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep))]
    name = shown(path)
    try:
        _check_header(header, name)
    except InvalidInput:
        return None  # (said by the plain path, after what it finds first)
    scan = _Scan(path)
    floats = [h for h in header if h in set(numbers)]
    try:
        frame = _parse_numbers(path, sep, header, floats) if floats else None
        if frame is None:
            frame = pl.read_csv(path, separator=sep, infer_schema=False, has_header=True, new_columns=header)
    except Exception:
        frame = None  # the plain path says what is wrong
    scanned = scan.result()
    try:
        after = os.stat(path)
    except OSError:
        return None
    if (frame is None or scanned is None or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)
            or not scanned[1] or {b'"', b"\r", _NEGATIVE_EXPONENT} & scanned[2] or not _filled(frame, header)):
        return None  # (read whole, as always; a file changed while read is read again, its hash and rows as one)
    sha, _, found = scanned
    no_space = not found  # ASCII with none of the whitespace bytes nor a quote (_no_whitespace)
    lines = _LineMap(None, sep)
    lines.plain()  # no quote, no carriage return: record n is line n + 1
    return _csv_sheet(frame, source, period, name, header, sha, lines, floats, no_space=no_space, ascii_=True)


def _parse_numbers(data: Any, sep: str, header: list[str], floats: list[str]):
    """The CSV parsed with the ``floats`` columns read as Float64 by polars' own parse, or None when that cannot
    stand for the text: a cell polars cannot read as a number (the parse fails), or a value the provide stage
    reports (NaN, infinite, too large or too close to 0: its message shows the cell's text).  Then the file is
    parsed again as text, as :func:`read_csv` always did.

    What polars' CSV parse reads as a number is what the stage makes of the cell's text (trimmed, then cast from
    text to Float64, strict=False): the same float parser; the parse skips only spaces and tabs before a number
    (which trimming removes too) and takes a cell of spaces for empty (null, as trimming does); any other
    whitespace, a stray character or a number it cannot read fails the parse.  So the values and the empty cells
    come out the same, without the text columns, their copy and the cast (tests/test_provide_paths.py compares
    the two on generated files)."""
    import polars as pl

    if isinstance(data, bytes) and (b"e-" in data or b"E-" in data) and _UNDERFLOW.search(data):
        return None  # a number a float makes 0 ('1e-400'): the text parse, which the stage checks, reads it
    try:
        frame = pl.read_csv(data, separator=sep, infer_schema=False, has_header=True, new_columns=header,
                            schema_overrides={c: pl.Float64 for c in floats})
    except Exception:
        return None  # a cell that is not a number (or the file's shape): the text parse says what it is
    tiny = sys.float_info.min  # the smallest normal float (appraise.provide.checks.SMALLEST)
    odd = frame.select(pl.any_horizontal([(~pl.col(c).is_finite() | (pl.col(c).abs() >= LARGEST)
                                           | ((pl.col(c) != 0) & (pl.col(c).abs() < tiny))).any()
                                          for c in floats])).item()
    return None if odd else frame


_UTF8_NAMES = ("auto", "utf-8", "utf8", "UTF-8", "UTF8", "utf_8")


def _lone_cr(raw: bytes, encoding) -> bytes:
    """A file whose lines end with a carriage return alone (Excel for Mac's "CSV (Macintosh)", old Mac programs) with
    its line ends as newlines, which polars' parse knows (a lone CR it would take for part of a value, and the whole
    file for one row).  Only a file without any newline: where both are, a CR is a value's.  Not for UTF-16, whose
    other characters may hold the CR byte (its text is seen to by :func:`_decode`)."""
    if b"\n" in raw or b"\r" not in raw or raw.startswith((b"\xff\xfe", b"\xfe\xff")) or \
            str(encoding).lower().replace("_", "-").startswith("utf-16"):
        return raw
    return raw.replace(b"\r", b"\n")


def _utf8_as_is(raw: bytes, encoding, has=None) -> bool:
    """Whether :func:`_decode` would find ``raw`` to be UTF-8 text without a BOM (its text's bytes are ``raw``):
    checked a slice at a time, so no decoded copy of the whole file is kept."""
    import codecs

    if encoding not in (*_UTF8_NAMES, None) or raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False
    if (has.ascii() if has is not None else raw.isascii()):  # ASCII is UTF-8 (and looking costs a tenth of decoding)
        return True
    if _utf8_by_polars(raw):
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    step = 16 << 20
    try:
        for start in range(0, max(len(raw), 1), step):
            decoder.decode(view[start:start + step], final=start + step >= len(raw))
    except UnicodeDecodeError:
        return False  # _decode says what it is (GBK, or where it is broken)
    return True  # pragma: no cover (polars and Python agree on what UTF-8 is)


def _utf8_by_polars(raw: bytes, step: int = 16 << 20) -> bool:
    """Whether ``raw`` is UTF-8, checked by polars (a third of Python's decoder's cost, no text kept) a slice at a
    time, each slice ending at a line end (a newline byte is never part of another character).  False also when
    polars cannot say: :func:`_utf8_as_is` then asks Python's decoder, the reference."""
    import polars as pl

    view = memoryview(raw)
    start = 0
    try:
        while start < len(raw):
            end = raw.find(b"\n", start + step)
            end = len(raw) if end < 0 else end + 1
            pl.Series([view[start:end].tobytes()], dtype=pl.Binary).cast(pl.Utf8)
            start = end
    except Exception:
        return False
    return True


_ASCII_SPACE = b" \t\n\r\x0b\x0c"


def _blank(raw: bytes) -> bool | None:
    """Whether UTF-8 ``raw`` is only whitespace (``str.isspace``), when its first bytes tell; else None."""
    rest = raw.lstrip(_ASCII_SPACE)
    if not rest:
        return True
    return None if rest[0] >= 0x80 or 0x1c <= rest[0] <= 0x1f else False


def _first_line(text: str | bytes) -> str:
    if isinstance(text, bytes):
        end = text.find(b"\n")
        return (text if end < 0 else text[:end]).decode("utf-8")
    end = text.find("\n")
    return text if end < 0 else text[:end]


def _byte_lines(raw: bytes):
    """:func:`_lines` of UTF-8 ``raw``, each decoded as it is taken."""
    for m in re.finditer(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", raw):
        yield m.group().decode("utf-8")


def _lines(text: str):
    """The lines ``io.StringIO(text, newline="")`` yields (ended by \\n, \\r or \\r\\n, kept), lazily: csv.reader
    takes them without a second, four-bytes-a-character copy of the file."""
    for m in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text):
        yield m.group()


def _one_line_per_record(text: str | bytes, sep: str, has=None) -> bool:
    """No quote and no lone carriage return: csv.reader's records are the text's lines, one for one.  (The text may
    be given as its UTF-8 bytes when ``sep`` is ASCII: an ASCII character's byte is never part of another's.)
    ``has``: a :class:`_Needles` of ``text`` (bytes), which may know the answers already."""
    t = _as(text)
    has = has or (lambda needle: needle in text)
    if has(t('"')) or sep in ("\n", "\r"):
        return False
    return not has(t("\r")) or text.count(t("\r")) == text.count(t("\r\n"))


class _Needles:
    """``needle in raw``, each needle looked for once (the whitespace, quote and line-end checks ask for some of the
    same bytes; each search reads the whole file)."""

    def __init__(self, raw: bytes):
        self._raw = raw
        self._seen: dict[bytes, bool] = {}
        self._ascii: bool | None = None

    def ascii(self) -> bool:
        if self._ascii is None:
            self._ascii = self._raw.isascii()
        return self._ascii

    def __call__(self, needle: bytes) -> bool:
        if needle not in self._seen:
            self._seen[needle] = needle in self._raw
        return self._seen[needle]


def _filled(frame, header: list[str]) -> bool:
    """Whether every row polars parsed has a value in the last column.  A record with fewer fields than the header
    leaves its last cells null (polars fills them silently), so when the last column has no null no record is short;
    only for text with one line per record (:func:`_one_line_per_record`, the caller's to check), where polars' rows
    and csv.reader's records are the same lines.  A null there (an empty cell, a blank line) proves nothing: the
    caller then counts separators (:func:`_no_short_rows`) as before."""
    return frame[header[-1]].null_count() == 0


def _as(text: str | bytes):
    """The needles of :func:`_one_line_per_record` and :func:`_no_short_rows` in the type of ``text``."""
    return (lambda s: s.encode("utf-8")) if isinstance(text, bytes) else (lambda s: s)


def _no_short_rows(text: str | bytes, sep: str, width: int) -> bool:
    """True when no record can have fewer fields than the header, decided without parsing the text.

    Only for text polars has parsed (so no record has *more* fields than the header) that has one line per
    record (:func:`_one_line_per_record`, the caller's to check) and no blank line: then every line is one
    record of (separators + 1) fields, and the separators adding up to (lines x (width - 1)) means every line
    has exactly width - 1.  Anything else is left to :func:`_check_shape`, the plain record-by-record check."""
    t = _as(text)
    # A blank line has no separator, so with two columns or more the count below finds it (every line must have
    # width - 1 of them, and none has more): looking for blank lines is needed for one column only
    if width < 2 and (text.startswith((t("\n"), t("\r\n"))) or t("\n\n") in text
                      or (t("\r") in text and t("\n\r\n") in text)):
        return False
    lines = text.count(t("\n")) + (0 if text.endswith(t("\n")) else 1)
    return text.count(t(sep)) == lines * (width - 1)


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

    def __init__(self, text, sep: str):
        self._text = text  # the text, or a function making it (called only when a line number is asked for)
        self._sep = sep
        self._starts: list[int] | None = None

    def __call__(self, record: int) -> int:
        if self._starts is None:
            starts: list[int] = []
            line = 1
            text = self._text() if callable(self._text) else self._text
            reader = csv.reader(_lines(text or ""), delimiter=self._sep)
            for _ in reader:
                starts.append(line)
                line = reader.line_num + 1
            self._starts = starts
            self._text = None
        return self._starts[record] if 0 <= record < len(self._starts) else record + 1

    def plain(self) -> None:
        """Every record is one line (see :func:`_one_line_per_record`): record n is line n + 1."""
        self._text, self._starts = None, []


def _check_header(header: list[str], name: str, line: int = 1) -> None:
    seen: dict[str, int] = {}
    for i, h in enumerate(header, start=1):
        if not h:
            raise fail(name, f"column {i} has no name in the header row", line=line, col=i, code="data-header")
        if h in seen:
            raise fail(name, f"column '{h}' appears twice in the header (columns {seen[h]} and {i})", line=line,
                       col=i, code="data-header")
        if h == "_row":
            raise fail(name, "'_row' is reserved; rename that column", line=line, col=i, code="data-header")
        seen[h] = i


def _no_whitespace(raw: bytes, has=None) -> bool:
    """Whether no cell parsed from the CSV bytes ``raw`` can hold a whitespace character or be empty text: ASCII
    with no space, tab, carriage return, vertical tab, form feed or quote (a newline then only ends a record, and
    an empty field is null).  Looking for six bytes costs a fraction of looking through every column's cells."""
    ascii_ = has.ascii() if has is not None else raw.isascii()
    has = has or (lambda needle: needle in raw)
    return ascii_ and not any(has(b) for b in (b" ", b'"', b"\t", b"\r", b"\x0b", b"\x0c"))


def _strip(frame, trimmed: bool = False):
    """Trim text cells and drop rows that are entirely empty (blank lines, trailing Excel rows).  A column without
    any whitespace character or empty cell is left as it is (looking costs less than trimming, which copies);
    ``trimmed`` says no cell has any (:func:`_no_whitespace`), so there is nothing to look for."""
    import polars as pl

    texts = [c for c, t in frame.schema.items() if t == pl.Utf8] if not trimmed else []
    if texts and frame.height:
        texts = untrimmed(frame, texts)
    if texts:
        frame = frame.with_columns([pl.col(c).str.strip_chars().replace("", None) for c in texts])
    data = [c for c in frame.columns if c != "_row"]
    if data and all(frame[c].null_count() for c in data):  # (a column without nulls: no row is all empty)
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


def read_xlsx(source, options: Mapping[str, Any] | None = None, period=None, numbers: Collection[str] = ()) -> Sheet:
    """An xlsx worksheet as text columns; ``_row`` is the spreadsheet row number.

    The header is the first row that is not empty, or the row ``header_row:`` names, or the first after the
    ``skip_rows:`` first rows.  A title above the table (one cell, often merged across the columns) is not taken
    for the header: the error says which option to set."""
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
    if sheet_name is None and getattr(ws, "sheet_state", "visible") != "visible":
        shown_sheets = [w.title for w in book.worksheets if getattr(w, "sheet_state", "visible") == "visible"]
        book.close()
        message, hint = _say_pair("excel.hidden_first_sheet", sheet=ws.title,
                                  option=f"sheet: {shown_sheets[0] if shown_sheets else ws.title}")
        raise InvalidInput([source.diag(f"{name}: {message}", key="path", hint=hint, code="source-sheet")])
    where = f"{name}[{ws.title}]"
    header_row, skip = options.get("header_row"), options.get("skip_rows")
    if header_row is not None and skip is not None:
        raise InvalidInput([source.diag("header_row and skip_rows both say where the header is; keep one",
                                        key="skip_rows", code="source-options")])
    header: list[str] | None = None
    header_line = 1
    title: tuple[int, str] | None = None  # (row, text) of a header that may be a title above the table
    rows: list[list[Any]] = []
    lines: list[int] = []
    number = 0
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [cell_text(v) for v in row]
        if header is None:
            if header_row is not None and number != header_row or skip is not None and number <= skip:
                continue
            if any(c not in (None, "") for c in cells) or header_row is not None:
                while cells and cells[-1] in (None, ""):
                    cells.pop()
                if not cells:
                    raise _header_row_empty(where, header_row)
                header = [(c or "").strip() for c in cells]
                header_line = number
                filled = [c for c in cells if c not in (None, "")]
                if header_row is None and skip is None and len(filled) == 1:
                    title = (number, str(filled[0]).strip())
            continue
        if title is not None and any(c not in (None, "") for c in cells):
            if sum(c not in (None, "") for c in cells) > 1:
                book.close()
                raise _title_row(where, raw, ws, title, number)
            title = None
        cells = (cells + [None] * len(header))[:len(header)] if len(cells) < len(header) else cells
        extra = [c for c in cells[len(header):] if c not in (None, "")]
        if extra:
            book.close()
            raise fail(where, "value in a column without a header", line=number,
                       col=len(header) + 1 + next(i for i, c in enumerate(cells[len(header):]) if c not in (None, "")),
                       hint=_narrow_header_hint(header, header_line, rows, lines, cells, number), code="data-shape")
        rows.append(cells[:len(header)])
        lines.append(number)
    book.close()
    if header is None:
        if header_row is not None:
            message, hint = _say_pair("excel.header_row_beyond", row=header_row, rows=number)
            raise fail(where, message, line=max(number, 1), hint=hint, code="data-empty")
        if skip:
            message, hint = _say_pair("excel.skipped_all", skip=skip)
            raise fail(where, message, line=max(number, 1), hint=hint, code="data-empty")
        raise fail(where, "sheet is empty; expected a header row and data rows", code="data-empty")
    _check_header(header, where, header_line)
    _unseen_cells(where, raw, getattr(ws, "_worksheet_path", ""), header_line, len(header))
    frame = pl.DataFrame({h: [r[i] for r in rows] for i, h in enumerate(header)},
                         schema={h: pl.Utf8 for h in header})
    frame = frame.with_columns(pl.Series("_row", lines, dtype=pl.Int64))
    frame = other_months(frame, source, period)
    return Sheet(where, _strip(frame), {h: i + 1 for i, h in enumerate(header)}, sha, header_line=header_line)


def _say_pair(key: str, **values) -> tuple[str, str]:
    """(message, hint) of ``key`` and ``key.hint`` in the language of the messages."""
    from appraise.i18n import message_locale, say

    locale = message_locale()
    return say(key, locale, **values), say(f"{key}.hint", locale, **values)


def _header_row_empty(where: str, row: int | None) -> InvalidInput:
    message, hint = _say_pair("excel.header_row_empty", row=row)
    return fail(where, message, line=row or 1, hint=hint, code="data-header")


def _title_row(where: str, raw: bytes, ws, title: tuple[int, str], header: int) -> InvalidInput:
    """A one-cell row above a wider one: a title (merged across the columns, or not), not the header."""
    from appraise.i18n import message_locale, say

    locale = message_locale()
    row, text = title
    merged = _merged_across(raw, getattr(ws, "_worksheet_path", ""), row)
    shown = text if len(text) <= 40 else text[:37] + "..."
    message = say("excel.title_row", locale, row=row, title=shown, header=header,
                  merged=say("excel.merged", locale, range=merged) if merged else "")
    hint = say("excel.title_row.hint", locale, header=header, skip=header - 1)
    return fail(where, message, line=row, hint=hint, code="data-title-row")


_MERGE_REF = re.compile(rb'<mergeCell\b[^>]*\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')
# a formula cell, its formula and its saved value (<v/> or none: never calculated; openpyxl writes them so)
_FORMULA_CELL = re.compile(rb'<c\b([^>]*?)(?<!/)>\s*(<f\b[^>]*/>|<f\b[^>]*>([^<]*)</f>)\s*(<v\s*/>|<v>\s*</v>)?\s*</c>')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _unseen_cells(where: str, raw: bytes, part: str, header_line: int, width: int) -> None:
    """Refuse what Excel shows but the cells do not hold, in the table's rows (below the header) and columns: merged
    cells (Excel shows the first cell's value across the range; the others are empty, and would read as missing)
    and formulas without a saved value (a workbook written by a program and never calculated: the value Excel
    would show is not in the file, and the cell would read as empty).  Read from the sheet's XML, as openpyxl's
    streaming reader keeps neither."""
    import zipfile

    if not part:
        return
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            xml = archive.read(part)
    except (KeyError, zipfile.BadZipFile, OSError):
        return
    problems: list[Diagnostic] = []
    if b"<mergeCell" in xml:
        for m in _MERGE_REF.finditer(xml):
            c1, r1, c2, r2 = _column_number(m[1]), int(m[2]), _column_number(m[3]), int(m[4])
            if max(r1, r2) <= header_line or min(c1, c2) > width:
                continue
            first, cells = f"{m[1].decode()}{r1}", f"{m[1].decode()}{r1}:{m[3].decode()}{r2}"
            message, hint = _say_pair("excel.merged_cells", range=cells, first=first)
            problems.append(Diagnostic(where, max(r1, header_line + 1), c1, message,
                                       hint=hint, code="data-merged"))
    if b"<f" in xml:
        for m in _FORMULA_CELL.finditer(xml):
            attrs = m[1]
            ref = re.search(rb'\br="([A-Z]+)([0-9]+)"', attrs)
            if ref is None:
                continue
            row, col = int(ref[2]), _column_number(ref[1])
            if row <= header_line or col > width:
                continue
            if m[4] is not None and re.search(rb'\bt="str"', attrs) and m[4].startswith(b"<v>"):
                continue  # a formula whose saved value is empty text ("" from =IF(...,"",...)): the cell is empty
            from html import unescape

            formula = unescape((m[3] or b"").decode("utf-8", "replace"))
            formula = formula if len(formula) <= 40 else formula[:37] + "..."
            message, hint = _say_pair("excel.formula_unsaved", cell=f"{ref[1].decode()}{row}",
                                      formula="=" + formula if formula else "=...")
            problems.append(Diagnostic(where, row, col, message, hint=hint, code="data-formula"))
            if len(problems) >= 50:
                break
    if problems:
        raise InvalidInput(problems)


def _merged_across(raw: bytes, part: str, row: int) -> str:
    """The merged range (``A1:F1``) on ``row`` of the sheet stored at ``part`` of the workbook, "" if none.
    Read only when a title is suspected: openpyxl's streaming reader does not keep merged cells."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            xml = archive.read(part).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return ""
    for m in re.finditer(r'<mergeCell ref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"', xml):
        if int(m[2]) == row and m[1] != m[3]:
            return f"{m[1]}{m[2]}:{m[3]}{m[4]}"
    return ""


def _narrow_header_hint(header: list[str], header_line: int, rows: list, lines: list[int], cells: list,
                       number: int) -> str:
    """When row ``number`` (``cells``) is wider than the header: the first row as wide, where the header would be
    if the row taken for it is a title or a note."""
    from appraise.i18n import message_locale, say

    wide = sum(c not in (None, "") for c in cells)
    guess = next((n for r, n in zip(rows, lines) if sum(c not in (None, "") for c in r) >= wide), number)
    return say("excel.narrow_header.hint", message_locale(), header=header_line,
               count=sum(1 for h in header if h), guess=guess)


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


def read_parquet(source, options: Mapping[str, Any] | None = None, period=None,
                 numbers: Collection[str] = ()) -> Sheet:
    """A Parquet file with its own column types; ``_row`` is the 1-based record number.  With a ``period``, rows
    that are surely of other months are not even decoded (:func:`other_months`, pushed into the scan)."""
    import polars as pl

    raw, name = read_raw(source)
    digest = Digest(raw)  # worked out beside the scan
    try:
        schema = pl.read_parquet_schema(io.BytesIO(raw))
        if "_row" in schema:
            raise fail(name, "'_row' is reserved; rename that column", col=list(schema).index("_row") + 1,
                       code="data-header")
        scan = pl.scan_parquet(io.BytesIO(raw), row_index_name="_row", row_index_offset=1)
        drop = _other_months_expr(dict(schema), source, period)
        frame = scan.collect() if drop is None else _unless_all(scan, drop)
    except InvalidInput:
        raise
    except Exception as exc:
        raise fail(name, f"cannot read as Parquet: {str(exc).splitlines()[0]}", code="data-format") from None
    if frame.width <= 1:
        raise fail(name, "file has no columns", code="data-empty")
    frame = frame.select(*[c for c in frame.columns if c != "_row"], pl.col("_row").cast(pl.Int64))
    return Sheet(name, _strip(frame), {h: i + 1 for i, h in enumerate(frame.columns) if h != "_row"},
                 digest.hexdigest())


def _unless_all(scan, drop):
    """The scan without the rows ``drop`` marks, unless that is every row (then the stage says why none is used)."""
    kept = scan.filter(~drop).collect()
    return kept if kept.height else scan.collect()


# A month cell that is surely a month (2026-07, ASCII digits, nothing around it) and an employee cell that surely
# names someone (an ASCII letter or digit): a row having both, of a month outside the period, is one the provide
# stage would set aside before any check (appraise.provide.metrics), so a reader may leave it out
_PLAIN_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_SOMEONE = r"[A-Za-z0-9]"


def _other_months_expr(schema: Mapping[str, Any], source, period):
    """The rows surely of other months than ``period``'s, as a polars condition on the file's own columns (before
    ``columns:`` renames them), or None when there is nothing to leave out this way."""
    import polars as pl

    if period is None:
        return None
    raw = {new: old for old, new in dict(source.columns).items()}
    month, employee = raw.get("month", "month"), raw.get("employee", "employee")
    if month not in schema or employee not in schema or {"metric", "value"} <= set(schema):
        return None  # the long layout: its metric names are read from every row (appraise.provide.metrics)
    if schema[month] != pl.Utf8 or schema[employee] != pl.Utf8:
        return None
    m, e = pl.col(month), pl.col(employee)
    return (m.str.contains(_PLAIN_MONTH) & ~m.is_in(list(period.months)) & e.str.contains(_SOMEONE)).fill_null(False)


def other_months(frame, source, period):
    """``frame`` without the rows surely of months outside ``period`` (none left out when that is every row)."""
    drop = _other_months_expr(frame.schema, source, period)
    if drop is None:
        return frame
    mask = frame.select(drop.alias("_drop")).to_series()
    if not mask.any() or mask.all():
        return frame
    return frame.filter(~mask)


def read_any(source, options: Mapping[str, Any] | None = None, period=None, numbers: Collection[str] = ()) -> Sheet:
    """CSV, TSV, xlsx or Parquet by the file's extension."""
    suffix = (source.path.suffix.lower() if source.path is not None else "")
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(source, options, period)
    if suffix in (".parquet", ".pq"):
        return read_parquet(source, options, period)
    return read_csv(source, options, period, numbers)


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
    if ignore:
        frame = frame.drop(ignore)
    for c in ignore:
        columns.pop(c, None)
    plain = frozenset(mapping.get(c, c) for c in sheet.plain) & set(frame.columns)  # (under their new names)
    return Sheet(sheet.file, frame, columns, sheet.sha256, sheet.lines, sheet.header_line, sheet.ascii, plain,
                 sheet.separator)


def provided(table: str, sheet: Sheet, source) -> Provided:
    """A one-table :class:`Provided` from a sheet, labelled with the source's path.  Its text cells are trimmed
    and none is empty (:func:`_strip`), which the frame says (:data:`appraise.tables.TEXT_CLEAN`)."""
    from appraise.tables import TEXT_CLEAN

    setattr(sheet.frame, TEXT_CLEAN, True)
    if sheet.ascii:
        setattr(sheet.frame, TEXT_ASCII, True)
    if sheet.plain:
        setattr(sheet.frame, NUMBERS_PLAIN, sheet.plain)
    return Provided.single(table, sheet.frame, sheet.origin(), label=source.label, sha256=sheet.sha256)


# The columns of each kind that the provide stage casts to numbers (appraise.provide.checks.numbers), by their
# canonical names; a metrics source's declared metrics (laid out wide) and "value" (laid out long) too
NUMBER_COLUMNS = {"feedback360": ("rating",), "okr": ("start", "target", "current", "weight")}


def number_columns(source, request) -> list[str]:
    """The columns of ``source``'s file (by its own names, before ``columns:`` renames them) that the provide stage
    reads as numbers, for :func:`_parse_numbers`; the keys and ignored columns never."""
    wanted = _cast_columns(request)
    skip = {"employee", "month", "id", "metric", "_row", *source.options.get("ignore", ())}
    old = {new: old for old, new in dict(source.columns).items()}
    renamed = set(old.values())  # a file column renamed is known by its new name only
    return [old.get(c, c) for c in wanted if c not in skip and not (c in renamed and c not in old)]


# one thousands point ('450.000'; two, '1.234.567', are no decimal number, so the plain check refuses them)
DOT_THOUSANDS = r"^[+-]?[1-9][0-9]{0,2}\.[0-9]{3}$"


def dot_thousands(sheet: Sheet, source, request) -> None:
    """Refuse, in a CSV file separated by ';' (as Excel writes CSV in most of Europe), a number such as '450.000':
    there a point groups thousands (450000) as often as it marks decimals (450.0), and reading one for the other
    changes the value a thousandfold.  Decimal commas ('85,5') are refused anyway, as any text that is not
    a number (appraise.provide.checks.number_hint says why)."""
    import polars as pl

    if sheet.separator != ";" or not sheet.frame.height:
        return
    columns = [c for c in dot_thousands_columns(request)
               if c in sheet.frame.columns and sheet.frame.schema[c] == pl.Utf8]
    if not columns:
        return
    pattern = DOT_THOUSANDS
    found = sheet.frame.select("_row", *columns).filter(pl.any_horizontal(
        [pl.col(c).str.contains(pattern).fill_null(False) for c in columns]))
    if not found.height:
        return
    origin = sheet.origin()
    diags = []
    for row in found.head(50).iter_rows(named=True):
        for c in columns:
            value = row[c]
            if value is None or re.match(pattern, value) is None:
                continue
            diags.append(dot_thousands_diag(origin, row["_row"], c, value))
    raise InvalidInput(diags)


def _cast_columns(request) -> list[str]:
    """The columns (canonical names) of a source of ``request``'s kind that the provide stage casts to numbers
    (:data:`NUMBER_COLUMNS`; a metrics source's declared metrics and "value")."""
    if request.kind == "metrics":
        return [*request.metrics, "value"]
    return list(NUMBER_COLUMNS.get(request.kind, ()))


def dot_thousands_columns(request) -> list[str]:
    """The columns (canonical names) of a source of ``request``'s kind that the provide stage reads as numbers: those
    it casts (:func:`_cast_columns`), and an employee table's number and money attributes (checked as text)."""
    if request.kind == "employees":
        return [c for c, t in dict(request.attributes).items() if t in ("number", "money")]
    return _cast_columns(request)


def dot_thousands_diag(origin, row: int, column: str, value: str) -> Diagnostic:
    """The error of :func:`dot_thousands` at a cell."""
    from decimal import Decimal

    grouped, point = value.replace(".", ""), f"{Decimal(value).normalize():f}"
    return origin.diag(
        row, column, f"'{column}' is '{value}' in a file separated by ';' (as Excel writes CSV in most of Europe), "
        f"where it may be {grouped} written with thousands points or {point} with a decimal point; appraise does "
        "not guess", hint=f"write {grouped} or {point}, as meant, without thousands separators (or save the file as "
        "'CSV UTF-8' with numbers formatted without them)", code="data-not-a-number")


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
        if "header_row" in props and "skip_rows" in props:  # both say where the header is
            cls.options_schema["allOf"] = [{"not": {"required": ["header_row", "skip_rows"]}}]

    @staticmethod
    def reader(source, options: Mapping[str, Any] | None = None, period=None,
               numbers: Collection[str] = ()) -> Sheet:  # pragma: no cover
        raise NotImplementedError

    def read(self, source, request) -> Provided:
        period = request.period if request.kind == "metrics" and source.options.get("layout") != "long" else None
        sheet = rename(type(self).reader(source, period=period, numbers=number_columns(source, request)), source)
        dot_thousands(sheet, source, request)
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


def _contiguous(frame: Any) -> Any:
    """``frame`` with each column in one chunk (the checks after the read want one), a column at a time: the
    parse's chunks of a column are let go before the next column is copied, so the copy costs one column's
    memory, not the whole table's (~1 GiB more at a 1,000,000-person 360 file, copied at once)."""
    import polars as pl

    if all(n == 1 for n in frame.n_chunks("all")):
        return frame
    columns = []
    for name in frame.columns:
        columns.append(frame.drop_in_place(name).rechunk())
    return pl.DataFrame(columns)

