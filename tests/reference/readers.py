"""Reading a cycle's files plainly: the cycle, ruleset, OKR and overrides YAML (libyaml's composer, scalars
typed here by the YAML 1.2 core schema), CSV sources with :mod:`csv`.

Formats accepted (README "Writing a provider", the plugins' docstrings, the example data):

- CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (or ``encoding:``); separator ``, ; tab |``
  detected from the header (or ``delimiter:``); cells are trimmed, a blank cell is missing, rows that are
  wholly blank are skipped; ``columns: {in file: canonical}`` renames, ``ignore: [...]`` drops columns.
- ``csv`` sources: ``kind: employees`` (``id, name, hire_date, leave_date, locale`` + attribute columns) or
  metrics (default): wide ``employee, month, <metric>...`` or long ``employee, month, metric, value``
  (``layout: long``; with ``layout`` absent or ``auto``, long when the columns are exactly those four).
  ``kind: feedback360`` / ``okr`` read the same columns as those providers.
- months: ``2026-07``, ``2026-07-01`` (any day/time), ``2026/7``, ``2026.7``, ``2026年7月``, ``202607``.
- dates (``hire_date``, ``leave_date``, ``date`` attributes): ``2026-07-15``, ``2026/7/15``, ``2026.7.15``,
  ``2026年7月15日``, optionally followed by a time.
- metric values, ratings, ``number`` attributes: plain numbers (``1234.5``, ``-3``, ``1e3``); ``money``
  attributes may also group thousands with commas (``30,000.50``).
- ``feedback360``: ``employee, rater, relation, competency, rating, period``; a blank rating is no rating.
- ``okr`` YAML: ``{employee: [{objective, type?, key_results: [{name, start, target, current, weight?}]}]}``;
  a CSV ``okr`` table has ``employee, objective, type, key_result, start, target, current, weight``.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import yaml

from .expr import number


class ReferenceInputError(ValueError):
    """Input the reference cannot read (the engine should refuse it too, with a located message)."""


# ----------------------------------------------------------------------------------------- YAML

class _Composer(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser and composer (when PyYAML has them); no implicit typing: :func:`_value` types scalars."""

    yaml_implicit_resolvers: dict = {}
    DEFAULT_SCALAR_TAG = "tag:reference:plain"  # plain scalars; explicit !!int, !!float, !!bool read as plain

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG


_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")


def _value(node):
    """Plain data of a composed node, scalars by the YAML 1.2 core schema (README: ``no`` and ``on`` stay text,
    ``010`` is 10); mapping keys are always text.  Files the engine refuses (anchors, tags, duplicate keys) are
    not the reference's business: it reads valid files only."""
    if isinstance(node, yaml.MappingNode):
        return {k.value: _value(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_value(v) for v in node.value]
    text = node.value
    if node.style not in (None, "") or node.tag == "tag:yaml.org,2002:str":  # libyaml: plain style is ""
        return text
    if node.tag == "tag:yaml.org,2002:null":
        return None
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.match(text):
        return int(text, 10)
    if _FLOAT.match(text):
        return float(text)
    if re.fullmatch(r"0o[0-7]+", text):
        return int(text[2:], 8)
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text[2:], 16)
    return text  # .inf and .nan are never valid in these files


def yaml_data(path: Path):
    """Plain data of a YAML file (UTF-8, maybe with a BOM)."""
    text = Path(path).read_bytes().decode("utf-8-sig")
    node = yaml.compose(text, Loader=_Composer)
    return None if node is None else _value(node)


# ----------------------------------------------------------------------------------------- CSV

def _decode(raw: bytes, encoding: str | None) -> str:
    if encoding:
        return raw.decode(encoding)
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8")
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


class DotThousands(str):
    """A cell of a ``;``-separated CSV file such as ``450.000``: 450000 with a thousands point or 450 with a decimal
    point (README "Messy exports": refused where it is read as a number, never guessed)."""


_DOT_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2}\.[0-9]{3}\Z")


def read_csv(path: Path, options: dict) -> list[dict]:
    """Rows of a CSV file as {column: text or None}, with ``_line`` (1-based line of the row); in a ``;``-separated
    file a cell such as ``450.000`` is a :class:`DotThousands`, which :func:`parse_number` refuses."""
    text = _decode(path.read_bytes(), options.get("encoding"))
    header_line = text.split("\n", 1)[0]
    delimiter = options.get("delimiter")
    if not delimiter:
        counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    header = None
    rename = options.get("columns") or {}
    ignore = set(options.get("ignore") or [])
    for record in reader:
        cells = [c.strip() for c in record]
        if header is None:
            header = [rename.get(c, c) for c in cells]
            continue
        if not any(cells):
            continue
        if len(cells) < len(header):
            raise ReferenceInputError(f"{path}:{reader.line_num}: {len(cells)} cells, header has {len(header)}")
        row = {"_line": reader.line_num}
        for name, cell in zip(header, cells):
            if name in ignore or name == "":
                continue
            row[name] = cell if cell != "" else None
            if delimiter == ";" and _DOT_THOUSANDS.match(cell):
                row[name] = DotThousands(cell)
        rows.append(row)
    if header is None:
        raise ReferenceInputError(f"{path}: empty file")
    if not rows:  # README "Running a review cycle": empty files are refused; a header alone is not a table
        raise ReferenceInputError(f"{path}: a header but no data rows")
    return rows


# ----------------------------------------------------------------------------------------- cells

# \d is ASCII digits only (re.ASCII): README "Messy exports" refuses full-width or other-script digits ('４５００００',
# '٣'), which Python's \d and Decimal() both read (differential case 5001056: the reference read 450000)
_PLAIN = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\Z", re.ASCII)
_GROUPED = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?\Z", re.ASCII)
_MONTH = re.compile(r"(\d{4})(?:[-/.]|年)\s*(\d{1,2})(?:月)?(?:(?:[-/.]\d{1,2})|(?:\d{1,2}日))?"
                    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\Z", re.ASCII)
_COMPACT_MONTH = re.compile(r"(\d{4})(\d{2})\Z", re.ASCII)
_DATE = re.compile(r"(\d{4})(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})日?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\Z", re.ASCII)


TINY = Fraction(1, 2 ** 1022)  # README: a cell that is not 0 but below 2.2e-308 in size is refused where it is read


def parse_number(text, where: str, money: bool = False, tiny_ok: bool = False) -> Fraction | None:
    """A cell as an exact number (None when blank); ``tiny_ok`` leaves the size check to the caller (metric
    rows: only the rows of the period are read)."""
    if text is None:
        return None
    if isinstance(text, (int, float, Fraction, Decimal)) and not isinstance(text, bool):
        return number(text)
    if isinstance(text, DotThousands):
        raise ReferenceInputError(f"{where}: {text!r} in a ';'-separated file may be {text.replace('.', '')} or "
                                  f"{text}: not guessed")
    s = str(text).strip()
    if s == "":
        return None
    if money and _GROUPED.match(s):
        s = s.replace(",", "")
    value = _exact(s) if money else _read(s)
    if value is None:
        raise ReferenceInputError(f"{where}: {text!r} is not a number")
    if abs(value.numerator) >= 10 ** 15 * value.denominator or abs(float(value)) >= 1e15:
        # README "Bad data never pays silently": numbers of 10^15 or more are refused at their cell, judged on the
        # float nearest them (differential case 5002215: the reference read '1e15' and made its employee an error)
        raise ReferenceInputError(f"{where}: {text!r} is 10^15 or more")
    if not tiny_ok and tiny(value):
        raise ReferenceInputError(f"{where}: {text!r} is too close to 0")
    return value


@functools.lru_cache(maxsize=1 << 16)
def _exact(s: str) -> Fraction | None:
    """A plain decimal's exact value (None: not one).  Cells repeat (0, 1, 40): each text is worked out once."""
    if not _PLAIN.match(s):
        return None
    try:
        return Fraction(Decimal(s))
    except InvalidOperation:
        return None


@functools.lru_cache(maxsize=1 << 16)
def _read(s: str) -> Fraction | None:
    """A number cell (not an amount) as the README reads it: the decimal written, except that one of more than 15
    significant digits whose float's shortest decimal has at most 15 is that decimal (0.64261504499999998 is
    0.642615045: a float cannot tell the two apart, and appraise reads numbers into floats); one whose shortest
    decimal has more is known only to the range its float stands for (evaluate._undecided)."""
    value = _exact(s)
    if value is None or value == 0:
        return value
    d = Decimal(s)
    if len(d.normalize().as_tuple().digits) <= 15:
        return value
    f = float(d)
    if not math.isfinite(f) or f == 0:
        return value
    shortest = Decimal(repr(f))
    return Fraction(shortest) if len(shortest.normalize().as_tuple().digits) <= 15 else value


def tiny(value: Fraction) -> bool:
    """Whether ``value`` is not 0 but below 2^-1022 in size (:data:`TINY`), on integers: comparing fractions of
    2^1022 denominators is slow, and every metric value is asked."""
    n = value.numerator
    return n != 0 and (abs(n) << 1022) < value.denominator


def parse_month(text, where: str) -> str:
    """``YYYY-MM`` of a month cell."""
    s = str(text).strip()
    m = _MONTH.match(s) or _COMPACT_MONTH.match(s)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ReferenceInputError(f"{where}: month {text!r} is not a month")
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def parse_date(text, where: str) -> dt.date | None:
    """A date cell (None when blank)."""
    if text is None or str(text).strip() == "":
        return None
    m = _DATE.match(str(text).strip())
    if not m:
        raise ReferenceInputError(f"{where}: {text!r} is not a date (write 2026-07-15)")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ReferenceInputError(f"{where}: {text!r} is not a date") from None


# ----------------------------------------------------------------------------------------- sources

_KIND_OF_PROVIDER = {"feedback360": "feedback360", "okr": "okr", "csv": None}


def source_kind(source: dict, rows: list[dict] | None) -> str:
    """What a source holds: its ``kind:``, the provider's kind, else guessed from the columns."""
    if source.get("kind"):
        return source["kind"]
    provider = source["provider"]
    if provider not in _KIND_OF_PROVIDER:
        raise ReferenceInputError(f"the reference reads only csv, feedback360 and okr sources, not {provider!r}")
    if _KIND_OF_PROVIDER[provider]:
        return _KIND_OF_PROVIDER[provider]
    columns = set(rows[0]) if rows else set()
    if {"rater", "rating"} <= columns:
        return "feedback360"
    if "key_result" in columns:
        return "okr"
    if "month" in columns:
        return "metrics"
    if "id" in columns:
        return "employees"
    return "metrics"


def metric_rows(rows: list[dict], source: dict, declared: set[str], label: str):
    """(employee, month, metric, cell, where) of a metrics table, wide or long; undeclared metrics skipped.  The
    cell is its text (None when blank), read as a number only where the period reads the row (README "Messy
    exports": a row of another month, or of a month wholly outside the employment, is not read)."""
    columns = set(rows[0]) - {"_line"} if rows else set()
    layout = source.get("layout", "auto")
    long = layout == "long" or (layout in (None, "auto") and columns == {"employee", "month", "metric", "value"})
    for row in rows:
        where = f"{label}:{row['_line']}"
        emp, month = row.get("employee"), row.get("month")
        if emp is None or month is None:
            raise ReferenceInputError(f"{where}: a metric row needs employee and month")
        month = parse_month(month, where)
        if long:
            name = row.get("metric")
            if name is None or name not in declared:
                if isinstance(row.get("value"), DotThousands):  # (the whole value column is read as numbers)
                    parse_number(row["value"], where)
                continue
            yield emp, month, name, row.get("value"), where
        else:
            for name in sorted(columns - {"employee", "month"}):
                if name in declared:  # (a wide file's 450.000 is judged only in a month the period reads: the
                    yield emp, month, name, row.get(name), where  # engine's csv provider looks at those rows
                    # only, a long file's at all)


def okr_objectives(source_path: Path, rows: list[dict] | None, label: str) -> dict[str, list[dict]]:
    """{employee: [{objective, type, key_results: [{name, start, target, current, weight, month}]}]} (numbers
    exact; ``month`` ``YYYY-MM`` of a dated key result, else None)."""
    out: dict[str, list[dict]] = {}
    if rows is None:
        data = yaml_data(source_path) or {}
        if not isinstance(data, dict):
            raise ReferenceInputError(f"{label}: an OKR file maps employee ids to lists of objectives")
        for emp, objectives in data.items():
            for obj in objectives or []:
                krs = []
                for kr in obj.get("key_results") or []:
                    month = kr.get("month", obj.get("month"))  # (dated on the key result, or the whole objective)
                    krs.append({"name": kr.get("name"),
                                "start": _opt_number(kr.get("start")), "target": _opt_number(kr.get("target")),
                                "current": _opt_number(kr.get("current")),
                                "weight": _opt_number(kr.get("weight"), Fraction(1)),
                                "month": None if month is None else parse_month(month, f"{label} ({emp})")})
                out.setdefault(str(emp), []).append({"objective": obj.get("objective"),
                                                     "type": obj.get("type") or "committed", "key_results": krs})
        return out
    index: dict[tuple, dict] = {}
    for row in rows:
        where = f"{label}:{row['_line']}"
        key = (row["employee"], row["objective"])
        if key not in index:
            index[key] = {"objective": row["objective"], "type": row.get("type") or "committed", "key_results": []}
            out.setdefault(row["employee"], []).append(index[key])
        weight = parse_number(row.get("weight"), where)
        index[key]["key_results"].append({
            "name": row.get("key_result"), "start": parse_number(row.get("start"), where),
            "target": parse_number(row.get("target"), where), "current": parse_number(row.get("current"), where),
            "weight": Fraction(1) if weight is None else weight,
            "month": None if row.get("month") is None else parse_month(row["month"], where)})
    return out


def _opt_number(v, default=None):
    if v is None:
        return default
    return parse_number(v, "okr") if isinstance(v, str) else number(v)
