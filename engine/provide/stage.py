"""Provide: ask every source's provider for its tables, check them together, hand the engine :class:`Inputs`.

Providers (plugins) only read; this stage owns the contract of
:mod:`appraise.tables`.  It casts and normalises what providers return (month
``2026/7`` → ``2026-07``, text numbers → Float64, dates → ``YYYY-MM-DD``,
employee columns → text) and checks the tables against each other: unknown
employees, unknown metric columns, duplicate rows, the same metric for the same
employee-month from two sources, missing columns, empty files, non-numeric,
NaN or infinite values, ratings outside the 360 scale, OKR ``target == start``.

Every problem is a :class:`~appraise.errors.Diagnostic` at ``file:line:col``
(for SQL sources, the query and the result row).  Problems of one employee's
data obey the cycle's ``on_error``: ``fail`` raises :class:`InvalidInput` with
all of them; ``skip-employee`` drops *every* row of the employees concerned and
reports them in :attr:`Provided.skipped` — nothing is zeroed or dropped
silently.  Problems of a source as a whole (a missing column, an empty file, an
unknown metric column, a provider that cannot read) always fail.
"""
from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import KIND_TABLES, Origin, Provided, ProvideRequest, SourceSpec
from appraise.language.compile import BUILTIN_ATTRIBUTES  # one list of the columns every employee table has
from appraise.language.cycle import Cycle
from appraise.language.period import Period
from appraise.tables import (
    EMPLOYEE_BUILTIN,
    EMPLOYEE_OPTIONAL,
    EMPLOYEE_REQUIRED,
    FEEDBACK_COLUMNS,
    LARGEST,
    METRIC_KEYS,
    OKR_COLUMNS,
    THOUSANDS,
    Inputs,
)

AGGREGATES = ("sum", "mean", "min", "max", "first", "last")
ATTRIBUTE_TYPES = ("string", "number", "money", "date")
METRIC_ABSENT = "data-metric-absent"  # a declared metric no source has a value of (the engine says it too)
F64 = pl.Float64
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Needs:
    """What the ruleset reads, so providers fetch and ``provide()`` checks exactly that.

    ``metrics``: raw metric name → aggregate (``sum | mean | min | max | first |
    last``).  ``attributes``: employee column → type (``string | number | money
    | date``); ``id``, ``name``, ``hire_date``, ``leave_date`` always exist.
    ``feedback360`` / ``okr``: whether a dimension of that kind exists (then a
    missing source is a warning).  ``optional``: raw metrics the data may lack
    entirely (any other declared metric no source provides stops the run).  ``rating_scale`` is the 360 scale's top
    (ratings must lie in ``[rating_min, rating_scale]``).
    """

    metrics: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)
    feedback360: bool = False
    okr: bool = False
    rating_scale: float | None = None
    rating_min: float = 1.0
    optional: frozenset[str] = frozenset()
    competencies: bool = False  # a 360 dimension counts only some competencies: the column must be there

    @classmethod
    def from_ruleset(cls, ruleset) -> Needs:
        """The needs of a compiled :class:`appraise.language.compile.Ruleset`."""
        dims = [d for card in ruleset.scorecards for d in card.dimensions]
        scales = [d.feedback.scale for d in dims if d.kind == "feedback360" and d.feedback is not None]
        return cls(
            metrics={m.name: (m.aggregate or "sum") for m in ruleset.raw_metrics},
            attributes=dict(ruleset.attributes),
            feedback360=bool(scales) or any(d.kind == "feedback360" for d in dims),
            okr=any(d.kind == "okr" for d in dims),
            rating_scale=max(scales) if scales else None,
            optional=frozenset(m.name for m in ruleset.raw_metrics if m.optional),
            competencies=any(d.feedback is not None and bool(d.feedback.competencies) for d in dims))


@dataclass
class _Part:
    frame: pl.DataFrame
    origin: Origin
    source: SourceSpec


class _Report:
    """Diagnostics, each either about one employee (``on_error`` applies) or fatal."""

    def __init__(self) -> None:
        self.items: list[tuple[Diagnostic, str | None]] = []

    def fatal(self, diag: Diagnostic) -> None:
        self.items.append((diag, None))

    def employee(self, employee: str | None, diag: Diagnostic) -> None:
        self.items.append((diag, employee))

    def add_all(self, diags, employee=None) -> None:
        for d in diags:
            self.items.append((d, employee))

    @property
    def errors(self) -> list[tuple[Diagnostic, str | None]]:
        return [(d, e) for d, e in self.items if d.severity == "error"]


def provide(cycle: Cycle, needs: Needs) -> Provided:
    """Read every source of ``cycle`` and return checked :class:`Inputs` (see the module doc)."""
    from appraise.plugins import providers

    registry = providers()
    report = _Report()
    parts: dict[str, list[_Part]] = {t: [] for t in ("employees", "metrics", "aggregated", "feedback", "okrs")}
    shas: dict[str, str] = {}
    for source in cycle.sources:
        provider = registry.get(source.provider)
        if provider is None:
            close = difflib.get_close_matches(source.provider, list(registry), n=1)
            report.fatal(source.diag(f"no provider '{source.provider}' is installed"
                                     + (f"; did you mean '{close[0]}'?" if close else ""), key="provider",
                                     hint=f"installed providers: {', '.join(sorted(registry))}",
                                     code="source-provider"))
            continue
        kind = source.kind or provider.default_kind
        if kind not in provider.kinds:
            report.fatal(source.diag(f"provider '{provider.name}' cannot read kind '{kind}'; it reads "
                                     f"{', '.join(sorted(provider.kinds))}", key="kind", code="source-kind"))
            continue
        request = ProvideRequest(kind=kind, period=cycle.period, metrics=dict(needs.metrics),
                                 attributes=dict(needs.attributes))
        try:
            result = provider.read(source, request)
        except InvalidInput as exc:
            report.add_all(exc.diagnostics)
            continue
        except Exception as exc:  # a provider's bug or a database error: say which source, keep going
            report.fatal(source.diag(f"provider '{provider.name}' failed: {type(exc).__name__}: "
                                     f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
                                     code="source-failed"))
            continue
        report.add_all(result.diagnostics)
        shas.update(result.inputs.sources)
        for table in parts:
            frame = getattr(result.inputs, table, None)
            if frame is None:
                continue
            if table not in KIND_TABLES[kind]:
                report.fatal(source.diag(f"provider '{provider.name}' returned a '{table}' table for a "
                                         f"'{kind}' source", code="source-kind"))
                continue
            origin = result.origins.get(table) or Origin(source.label)
            parts[table].append(_Part(frame, origin, source))

    employees = _employees(parts["employees"], needs, report, cycle)
    known = _Known(employees["id"]) if employees is not None else None
    employment = _employment(employees)
    given: set[str] = set()  # metrics a source has a column (or, laid out long, rows) for, whatever the rows' months
    metrics = _metric_tables(parts["metrics"], parts["aggregated"], needs, cycle.period, report, known, employment,
                             given)
    feedback = _feedback(parts["feedback"], needs, cycle.period, report, known)
    okrs = _okrs(parts["okrs"], report, known, cycle.period, employment)
    # a metric a source has, whose rows all fall outside the period or the employment, is there with no
    # values (missing data for everyone), not absent: the engine must not take it for a misspelt column
    have = {c for frame in metrics if frame is not None for c in frame.columns}
    empty = sorted(m for m in needs.metrics if m in given and m not in have)
    if empty:
        monthly = metrics[0] if metrics[0] is not None else pl.DataFrame(schema={"employee": pl.Utf8,
                                                                                  "month": pl.Utf8})
        metrics = (monthly.with_columns([pl.lit(None, dtype=F64).alias(m) for m in empty]), metrics[1])
    absent = [m for m in needs.metrics if m not in given]
    if absent and employees is not None and employees.height:
        required = [m for m in absent if m not in needs.optional]
        if required:  # a misspelt header must not quietly score (and pay) as if the metric were missing
            names = ", ".join(f"'{m}'" for m in required)
            report.fatal(replace(_cycle_diag(
                cycle, f"no source has a column for {names}, which the ruleset declares; is a column named "
                "differently (see the warnings about columns not read)?"),
                hint="fix the column's name or map it with columns: {<column>: <metric>}; if the data may "
                "really lack it, declare the metric optional: true in the ruleset", code=METRIC_ABSENT))
        optional = [m for m in absent if m in needs.optional]
        if optional:
            names = ", ".join(f"'{m}'" for m in optional)
            report.fatal(replace(_cycle_diag(cycle, f"no source has a value of {names} for {cycle.period.id} "
                                             "(declared optional); whatever reads it counts as missing",
                                             severity="warning"), code=METRIC_ABSENT))
    if needs.feedback360 and not parts["feedback"]:
        report.fatal(_cycle_diag(cycle, "the ruleset scores 360 feedback but no source has kind feedback360; "
                                 "every 360 dimension will count as missing", severity="warning"))
    if needs.okr and not parts["okrs"]:
        report.fatal(_cycle_diag(cycle, "the ruleset scores OKRs but no source has kind okr; every OKR "
                                 "dimension will count as missing", severity="warning"))

    errors = report.errors
    fatal = [d for d, e in errors if e is None]
    if fatal or (errors and cycle.on_error == "fail"):
        raise InvalidInput(_sorted([d for d, _ in report.items]))  # warnings too: they often say why
    # only people of the employee table are "skipped"; rows of unknown ids were never anyone's
    skipped = frozenset(e for _, e in errors if e is not None and (known is None or e in known))

    def keep(frame, column="employee"):
        if frame is None or not skipped:
            return frame
        return frame.filter(~pl.col(column).is_in(sorted(skipped)))

    inputs = Inputs(employees=keep(employees, "id"), metrics=keep(metrics[0]), aggregated=keep(metrics[1]),
                    feedback=keep(feedback), okrs=keep(okrs), sources=dict(sorted(shas.items())))
    return Provided(inputs, _sorted([d for d, _ in report.items]), skipped,
                    employee_of={d: e for d, e in report.items if e is not None})


def _sorted(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: (d.file, d.line, d.col, d.message))


def _cycle_diag(cycle: Cycle, message: str, severity: str = "error") -> Diagnostic:
    line, col = cycle.document.where(("sources",)) if cycle.document is not None else (0, 0)
    return Diagnostic(str(cycle.document.file if cycle.document else cycle.path), line, col, message, "sources",
                      severity=severity, code="cycle-sources")


# ---------------------------------------------------------------- helpers

def _rows(frame: pl.DataFrame) -> pl.DataFrame:
    if "_row" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("_row"))
    return frame


def _require(part: _Part, columns, report: _Report, what: str) -> bool:
    missing = [c for c in columns if c not in part.frame.columns]
    for c in missing:
        have = [x for x in part.frame.columns if x != "_row"]
        close = difflib.get_close_matches(c, have, n=1)
        hint = (f"is '{close[0]}' meant? rename it with columns: {{{close[0]}: {c}}}" if close
                else f"add the column, or map yours with columns: {{<your column>: {c}}}")
        report.fatal(Diagnostic(part.origin.file, 1 if part.origin.query is None else part.origin.at[0],
                                1 if part.origin.query is None else part.origin.at[1],
                                f"{what} has no column '{c}'; its columns: {', '.join(have) or 'none'}"
                                + (f" (query: {' '.join(part.origin.query.split())[:160]})"
                                   if part.origin.query else ""), c, hint=hint, code="data-missing-column"))
    return not missing


def _empty(part: _Part, report: _Report, what: str) -> bool:
    if part.frame.height:
        return False
    report.fatal(part.origin.diag(None, None, f"{what} has a header but no data rows", code="data-empty")
                 if part.origin.query else
                 Diagnostic(part.origin.file, 1, 1, f"{what} has a header but no data rows", code="data-empty"))
    return True


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A column as text: whole floats without ``.0``, dates ISO, everything else as polars prints it."""
    dtype = frame.schema[column]
    c = pl.col(column)
    if dtype == pl.Utf8:
        return c.str.strip_chars().replace("", None)
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


def _as_text(frame: pl.DataFrame, columns) -> pl.DataFrame:
    return frame.with_columns([(_text(frame, c).str.normalize("NFC") if c in ID_COLUMNS and _maybe_composed(frame, c)
                                else _text(frame, c)).alias(c) for c in columns])


def _maybe_composed(frame: pl.DataFrame, column: str) -> bool:
    """Whether NFC could change the column's text: not when every value is ASCII (NFC leaves ASCII as it is)."""
    dtype = frame.schema[column]
    if dtype.is_numeric() or dtype in (pl.Null, pl.Boolean, pl.Date) or isinstance(dtype, pl.Datetime):
        return False
    if dtype != pl.Utf8:
        return True
    return bool(frame.select((pl.col(column).str.len_bytes() != pl.col(column).str.len_chars()).any()).item())


class _Known:
    """The employee table's ids: a Series for joins, a set (built when first asked) for membership."""

    def __init__(self, ids: pl.Series):
        self.ids = ids.drop_nulls().unique()
        self._set: set[str] | None = None

    def __contains__(self, emp: object) -> bool:
        if self._set is None:
            self._set = set(self.ids.to_list())
        return emp in self._set


def _numbers(part: _Part, frame: pl.DataFrame, columns, report: _Report, what: str,
             employee_col: str = "employee") -> pl.DataFrame:
    """Cast ``columns`` to Float64; non-numbers, NaN and infinity are errors at their cell."""
    casts = []
    for c in columns:
        dtype = frame.schema[c]
        if dtype == pl.Utf8:
            casts.append(pl.col(c).str.strip_chars().cast(F64, strict=False).alias(c))
        elif dtype.is_numeric() or dtype == pl.Null or dtype.is_decimal():
            casts.append(pl.col(c).cast(F64, strict=False).alias(c))
        else:
            casts.append(pl.lit(None, dtype=F64).alias(c))
    cast = frame.with_columns(casts)

    def wrong(c: str) -> bool:  # the filter below finds a row
        n = cast[c]
        return bool(((frame[c].is_not_null() & n.is_null()) | n.is_nan() | n.is_infinite()
                     | (n.abs() >= LARGEST)).any())

    flagged = [c for c in columns if frame.height and wrong(c)]
    for c in flagged:
        bad = frame.with_columns(cast[c].alias("_num")).filter(
            (pl.col(c).is_not_null() & pl.col("_num").is_null()) | pl.col("_num").is_nan()
            | pl.col("_num").is_infinite() | (pl.col("_num").abs() >= LARGEST))
        for row in bad.select(employee_col, "_row", c, "_num").head(200).iter_rows():
            emp, line, raw, num = row
            if num is None:
                msg = f"{what} '{c}' is '{raw}', which is not a number"
                hint = "write plain numbers: 1234.5 (no thousands separators, units or %)"
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


_MONTH_RE = (r"^(\d{4})(?:[-/.]|年)\s*(\d{1,2})(?:月)?(?:(?:[-/.]\d{1,2})|(?:\d{1,2}日))?"
             r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def _month_expr(frame: pl.DataFrame, column: str = "month") -> pl.Expr:
    """``YYYY-MM`` from ``2026-07``, ``2026-07-01``, ``2026/7``, ``2026年7月``, ``202607``, dates, Excel serials."""
    dtype = frame.schema[column]
    c = pl.col(column)
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return c.dt.strftime("%Y-%m")
    text = _text(frame, column)
    parts = text.str.extract_groups(_MONTH_RE)
    year = parts.struct.field("1")
    month = parts.struct.field("2").cast(pl.Int32, strict=False)
    compact = text.str.extract_groups(r"^(\d{4})(\d{2})$")
    serial = text.str.extract(r"^(\d{5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    from_serial = (pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)).dt.strftime("%Y-%m")
    good = month.is_between(1, 12)
    cmonth = compact.struct.field("2").cast(pl.Int32, strict=False)
    return (pl.when(good).then(year + pl.lit("-") + month.cast(pl.Utf8).str.zfill(2))
            .when(cmonth.is_between(1, 12)).then(compact.struct.field("1") + pl.lit("-") + compact.struct.field("2"))
            .when(serial.is_between(20000, 80000)).then(from_serial)
            .otherwise(None))


def _this_period_first(frame: pl.DataFrame, period: Period) -> pl.DataFrame:
    """The rows whose ``_month`` is in the period, is not a month or empty, or whose employee is empty."""
    return frame.filter(pl.col("_month").is_null() | pl.col("_month").is_in(list(period.months))
                        | _text(frame, "employee").is_null())


def _month_column(frame: pl.DataFrame, column: str = "month") -> pl.Series:
    """:func:`_month_expr` of every row; for text, worked out once per distinct value (months are few, rows
    many) and mapped back."""
    if frame.schema[column] != pl.Utf8:
        return frame.select(_month_expr(frame, column).alias(column))[column]
    distinct = frame.select(pl.col(column).unique().drop_nulls())
    months = distinct.select(pl.col(column), _month_expr(distinct, column).alias("_month"))
    return frame[column].replace_strict(months[column], months["_month"], default=None, return_dtype=pl.Utf8)


def _date_text(value: Any) -> str | None:
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
        return (_EXCEL_EPOCH + timedelta(days=int(m[1]))).isoformat()
    raise ValueError(text)


def _unknown_employees(part: _Part, frame: pl.DataFrame, known, report: _Report,
                       what: str) -> None:
    """One diagnostic per unknown employee and source, at its first row."""
    if known is None:
        return
    ids = known.ids if isinstance(known, _Known) else pl.Series(sorted(known), dtype=pl.Utf8)
    bad = (frame.filter(pl.col("employee").is_not_null() & ~pl.col("employee").is_in(ids.implode()))
           .group_by("employee", maintain_order=True).agg(pl.col("_row").first(), pl.len().alias("_n")))
    for emp, line, n in bad.head(500).iter_rows():
        more = f" ({n} rows; this is the first)" if n > 1 else ""
        report.employee(emp, part.origin.diag(
            line, "employee", f"{what} for employee '{emp}', who is not in the employees table{more}",
            hint="add the employee to the employees source, or fix the id", code="data-unknown-employee"))


def _null_keys(part: _Part, frame: pl.DataFrame, keys, report: _Report, what: str) -> pl.DataFrame:
    for k in keys:
        for emp, line in frame.filter(pl.col(k).is_null()).select(
                pl.col("employee") if "employee" in frame.columns else pl.lit(None), "_row").head(200).iter_rows():
            msg = f"{what} has no '{k}'"
            if k == "month":
                msg = f"{what}: month is empty or not a month"
            report.employee(emp, part.origin.diag(line, k, msg, hint="months look like 2026-07" if k == "month"
                                                  else "every row needs one", code=f"data-{k}"))
    return frame.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in keys]))


def _duplicates(part: _Part, frame: pl.DataFrame, keys, report: _Report, what: str, column: str,
                unnamed: str | None = None) -> bool:
    """Rows repeating ``keys``, each at its line; the value of column ``unnamed`` (the rater) is not shown.
    Whether there were any."""
    if not frame.select(pl.struct(keys).is_duplicated().any()).item():
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


# ---------------------------------------------------------------- employees

def _employees(parts: list[_Part], needs: Needs, report: _Report, cycle: Cycle) -> pl.DataFrame | None:
    if not parts:
        report.fatal(_cycle_diag(cycle, "no source has kind employees; add one, e.g. "
                                 "{provider: csv, path: data/employees.csv, kind: employees}"))
        return None
    types = {**BUILTIN_ATTRIBUTES, **dict(needs.attributes)}
    frames = []
    # the employees accepted so far, by their id's case fold: (id, part, line)
    folded: dict[str, tuple[str, _Part, int]] = {}
    for part in parts:
        frame = _rows(part.frame)
        if not _require(part, [*EMPLOYEE_REQUIRED, *needs.attributes], report, "the employees table"):
            continue
        if _empty(part, report, "the employees table"):
            continue
        cols = [c for c in frame.columns if c != "_row"]
        frame = _as_text(frame, cols).with_columns(pl.col("_row").cast(pl.Int64))
        found: list[tuple[int, int, Diagnostic, str | None]] = []  # (row index, order, diagnostic, employee)
        accepted = _accepted_ids(part, frame, folded, found)
        frame = _employee_values(part, frame, accepted, types, found)
        for _, _, diag, emp in sorted(found, key=lambda f: (f[0], f[1])):
            if emp is None:
                report.fatal(diag)
            else:
                report.employee(emp, diag)
        frames.append(frame.select(*cols, "_row").filter(pl.col("id").is_not_null())
                      .unique("id", keep="first", maintain_order=True))
    if not frames:
        return None
    out = pl.concat(frames, how="diagonal_relaxed").drop("_row")
    out = out.unique("id", keep="first", maintain_order=True)
    for col in EMPLOYEE_OPTIONAL:
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col))
    front = list(EMPLOYEE_BUILTIN)
    return out.select(front + [c for c in out.columns if c not in front])


_HIDDEN = ("Cc", "Cf", "Zl", "Zp")  # control, format (zero-width, direction), line and paragraph separators


def _accepted_ids(part: _Part, frame: pl.DataFrame, folded: dict[str, tuple[str, _Part, int]],
                  found: list) -> pl.Series:
    """Which rows are employees (a Boolean per row), in file order across the sources: a row without an id, an
    id with an invisible character, an id seen before, or one differing from an earlier id only in letter case
    is not; each of those gets its diagnostic in ``found``.  ``folded`` gains the accepted ids."""
    ids = frame.select(pl.col("id"), pl.col("_row"), pl.int_range(pl.len(), dtype=pl.Int64).alias("_i"))
    for line, i in ids.filter(pl.col("id").is_null()).select("_row", "_i").iter_rows():
        found.append((i, 0, part.origin.diag(line, "id", "employee row without an id", code="data-id"), None))
    ids = ids.filter(pl.col("id").is_not_null())
    # only ids outside printable ASCII can hold an invisible character (printable ASCII is letters, digits,
    # punctuation, symbols and the space): those few are judged by Python's own Unicode tables
    odd = ids.filter(pl.col("id").str.contains(r"[^\x20-\x7e]"))
    hidden_rows = []
    casefold: dict[str, str] = {}
    for emp, line, i in odd.iter_rows():
        hidden = next((ch for ch in emp if unicodedata.category(ch) in _HIDDEN), None)
        if hidden is not None:  # 'E001\u200b' would look like E001 and be someone else
            found.append((i, 0, part.origin.diag(
                line, "id", f"employee id {emp!r} contains an invisible character (U+{ord(hidden):04X})",
                hint="retype the id; ids may not contain control, zero-width or direction characters",
                code="data-id"), emp))
            hidden_rows.append(i)
        else:
            casefold[emp] = emp.casefold()
    if hidden_rows:
        ids = ids.filter(~pl.col("_i").is_in(hidden_rows))
    # an ASCII id's case fold is its lower case; the others' are Python's str.casefold ('ß' -> 'ss')
    fold = pl.col("id").str.to_lowercase()
    if casefold:
        fold = pl.when(pl.col("id").is_in(list(casefold))).then(
            pl.col("id").replace_strict(casefold, default=None, return_dtype=pl.Utf8)).otherwise(fold)
    ids = ids.with_columns(fold.alias("_fold"))
    earlier = pl.Series("_fold", list(folded), dtype=pl.Utf8)
    first = (pl.col("_i") == pl.col("_i").min().over("_fold")) & ~pl.col("_fold").is_in(earlier.implode())
    ids = ids.with_columns(first.alias("_ok"))
    taken = ids.filter(pl.col("_ok"))
    refused = ids.filter(~pl.col("_ok"))
    if refused.height:  # each against the first of its fold: an earlier source's, or this one's
        here = {f: (e, part, line) for e, line, f in taken.select("id", "_row", "_fold").iter_rows()}
        for emp, line, i, f in refused.select("id", "_row", "_i", "_fold").iter_rows():
            first_id, first_part, first_line = folded.get(f) or here[f]
            where = (f"line {first_part.origin.line(first_line)}" if first_part is part else
                     f"{first_part.origin.file}:{first_part.origin.line(first_line)}")
            if first_id == emp:
                diag = part.origin.diag(line, "id", f"employee '{emp}' appears twice; first at {where}",
                                        code="data-duplicate")
            else:
                # 'e001' and 'E001' would be two people whose pages (dashboards/e001.html, dashboards/E001.html)
                # are one file on a case-insensitive file system (macOS, Windows): refused, like a duplicate
                diag = part.origin.diag(
                    line, "id", f"employee id '{emp}' differs from '{first_id}' ({where}) only in letter case / "
                    f"员工编号“{emp}”与“{first_id}”仅大小写不同",
                    hint="ids must differ by more than letter case (their pages would be one file on macOS and "
                    "Windows): correct the id, or give one of them another id", code="data-duplicate")
            found.append((i, 0, diag, emp))
    for emp, line, f in taken.select("id", "_row", "_fold").iter_rows():
        folded[f] = (emp, part, line)
    return frame.select(pl.int_range(pl.len(), dtype=pl.Int64).is_in(taken["_i"].implode()).alias("_ok"))["_ok"]


# Values the plain checks below accept, written with ASCII digits: polars settles these in bulk; anything else
# (another script's digits, an impossible date, a stray character) goes through the plain check, which says why
_ISO_DATE = r"^([0-9]{4})(?:[-/.]|年)([0-9]{1,2})(?:[-/.]|月)([0-9]{1,2})日?(?:[ T]00:00(?::00(?:\.0+)?)?)?$"
_SERIAL = r"^([0-9]{5})(?:\.0+)?$"
_DECIMAL = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,6})?$"
_THOUSANDS_ASCII = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$"


def _fast_date(column: str) -> pl.Expr:
    """``YYYY-MM-DD`` of a date cell in the spellings :func:`_date_text` reads, with ASCII digits; null when the
    cell is something else (left to :func:`_date_text`)."""
    c = pl.col(column)
    parts = c.str.extract_groups(_ISO_DATE)
    y, m, d = (parts.struct.field(k) for k in ("1", "2", "3"))
    iso = y + pl.lit("-") + m.str.zfill(2) + pl.lit("-") + d.str.zfill(2)
    valid = iso.str.to_date("%Y-%m-%d", strict=False).is_not_null() & (y != "0000")
    serial = c.str.extract(_SERIAL, 1).cast(pl.Int64, strict=False)
    from_serial = (pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)).dt.strftime("%Y-%m-%d")
    return (pl.when(valid).then(iso)
            .when(serial.is_between(20000, 80000)).then(from_serial)
            .otherwise(None))


def _employee_values(part: _Part, frame: pl.DataFrame, accepted: pl.Series, types: Mapping[str, str],
                     found: list) -> pl.DataFrame:
    """Dates of the accepted rows as ``YYYY-MM-DD``; numbers and amounts checked; a diagnostic per bad cell."""
    frame = frame.with_columns(accepted.alias("_ok"), pl.int_range(pl.len(), dtype=pl.Int64).alias("_i"))
    order = 0
    for col, kind in types.items():
        order += 1
        if col not in frame.columns or kind not in ("date", "number", "money"):
            continue
        todo = pl.col("_ok") & pl.col(col).is_not_null()
        if kind == "date":
            frame = frame.with_columns(_fast_date(col).alias("_fast"))
            slow = frame.filter(todo & pl.col("_fast").is_null())
            fixed: dict[int, str | None] = {}
            for emp, line, i, value in slow.select("id", "_row", "_i", col).iter_rows():
                try:
                    fixed[i] = _date_text(value)
                except ValueError:
                    fixed[i] = value
                    found.append((i, order, part.origin.diag(
                        line, col, f"'{col}' of employee {emp} is '{value}', which is not a date",
                        hint="write dates as 2026-07-01", code="data-not-a-date"), emp))
            new = pl.when(todo).then(pl.col("_fast")).otherwise(pl.col(col))
            if fixed:
                new = pl.when(pl.col("_i").is_in(list(fixed))).then(
                    pl.col("_i").replace_strict(fixed, default=None, return_dtype=pl.Utf8)).otherwise(new)
            frame = frame.with_columns(new.alias(col)).drop("_fast")
        else:
            plain = pl.col(col).str.contains(_DECIMAL) | pl.col(col).str.contains(_THOUSANDS_ASCII)
            slow = frame.filter(todo & ~plain)
            for emp, line, i, value in slow.select("id", "_row", "_i", col).iter_rows():
                try:
                    cleaned = value.replace(",", "") if re.match(THOUSANDS, value.strip()) else value
                    ok = Decimal(cleaned.strip()).is_finite()
                except InvalidOperation:
                    ok = False
                if not ok:
                    found.append((i, order, part.origin.diag(
                        line, col, f"'{col}' of employee {emp} is '{value}', which is not "
                        f"{'an amount' if kind == 'money' else 'a number'}",
                        hint="write plain numbers: 30000, 30000.50 or 30,000.50", code="data-not-a-number"), emp))
    return frame.drop("_ok", "_i")


# ---------------------------------------------------------------- employment

def _employment(employees: pl.DataFrame | None) -> pl.DataFrame | None:
    """``employee``, ``_hire``, ``_leave`` (dates) of the employees with a hire or leave date, or None."""
    if employees is None or not employees.height:
        return None
    dates = employees.select(pl.col("id").alias("employee"),
                             pl.col("hire_date").str.to_date("%Y-%m-%d", strict=False).alias("_hire"),
                             pl.col("leave_date").str.to_date("%Y-%m-%d", strict=False).alias("_leave"))
    dates = dates.filter(pl.col("_hire").is_not_null() | pl.col("_leave").is_not_null())
    return dates if dates.height else None


def _outside_employment(part: _Part, frame: pl.DataFrame, employment: pl.DataFrame | None, report: _Report,
                        what: str) -> pl.DataFrame:
    """Rows dated in a month that lies wholly outside the employee's employment (ending before the hire date,
    starting after the leave date) are not used; each is a warning at its line (SPEC v2)."""
    if employment is None or not frame.height or "month" not in frame.columns:
        return frame
    start = (pl.col("month") + pl.lit("-01")).str.to_date("%Y-%m-%d", strict=False)
    joined = frame.select("employee", "month", "_row").join(employment, on="employee", how="left",
                                                            maintain_order="left")
    outside = ((start.dt.month_end() < pl.col("_hire")) | (start > pl.col("_leave"))).fill_null(False)
    mask = joined.select(outside.alias("_out"))["_out"]
    if not mask.any():
        return frame
    for emp, month, line, hire, leave in joined.filter(mask).select("employee", "month", "_row", "_hire",
                                                                    "_leave").iter_rows():
        when = f"left on {leave}" if leave is not None and leave < date.fromisoformat(month + "-01") else \
            f"hired on {hire}"
        report.employee(emp, replace(part.origin.diag(
            line, "month", f"{what} of {emp} for {month} is not used: {emp} {when}, so the month lies wholly "
            "outside the employment", hint="check the row's employee and month, or the employee's hire_date and "
            "leave_date", code="data-outside-employment"), severity="warning"))
    return frame.filter(~mask)


# ---------------------------------------------------------------- metrics

def _metric_tables(monthly: list[_Part], aggregated: list[_Part], needs: Needs, period: Period,
                   report: _Report, known: _Known | None, employment: pl.DataFrame | None = None,
                   given: set[str] | None = None) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    given = set() if given is None else given
    longs = []
    for i, part in enumerate(monthly):
        long = _metric_part(part, METRIC_KEYS, needs, period, report, known, i, employment, given)
        if long is not None:
            longs.append(long)
    agg_longs = []
    for i, part in enumerate(aggregated):
        long = _metric_part(part, ("employee",), needs, period, report, known, len(monthly) + i, given=given)
        if long is not None:
            agg_longs.append(long)
    parts = monthly + aggregated
    # one wide source without repeated keys, nothing to merge it with: its columns are the table already
    if len(longs) == 1 and not agg_longs and longs[0].wide is not None:
        return _wide_direct(longs[0].wide, METRIC_KEYS, needs), None
    if len(agg_longs) == 1 and not longs and agg_longs[0].wide is not None:
        return None, _wide_direct(agg_longs[0].wide, ("employee",), needs)
    m = _merge([v.long for v in longs], METRIC_KEYS, parts, report) if longs else None
    a = _merge([v.long for v in agg_longs], ("employee",), parts, report) if agg_longs else None
    if m is not None and a is not None:
        _conflicts_monthly_vs_aggregated([v.long for v in longs], [v.long for v in agg_longs], parts, report)
    return (_wide(m, METRIC_KEYS, needs) if m is not None else None,
            _wide(a, ("employee",), needs) if a is not None else None)


class _Values:
    """One source's metric values: ``long`` (one row per key and metric, as :func:`_merge` stacks them), and
    ``wide`` (the key and value columns) when the source is laid out wide with no key repeated.  The long
    table is made only when asked for: a single wide source goes to :func:`_wide_direct` without it."""

    def __init__(self, long: pl.DataFrame | None = None, wide: pl.DataFrame | None = None, make=None):
        self._long, self.wide, self._make = long, wide, make

    @property
    def long(self) -> pl.DataFrame:
        if self._long is None:
            self._long = self._make()
        return self._long


def _wide_direct(values: pl.DataFrame, keys, needs: Needs) -> pl.DataFrame:
    """What ``_wide(_merge([long]))`` makes of one wide source with unique keys, from its columns: the keys
    having a finite value, the metrics having one (the ruleset's order), NaN and infinity as missing."""
    cols = [c for c in values.columns if c not in keys]
    finite = values.select(*keys, *[pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c)
                                    for c in cols])
    have = {c for c in cols if finite[c].null_count() < finite.height}
    present = [m for m in needs.metrics if m in have]
    rows = finite.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in cols]))
    return rows.select(*keys, *[pl.col(m).cast(F64) for m in present]).sort(list(keys))


def _metric_part(part: _Part, keys, needs: Needs, period: Period, report: _Report, known, index: int,
                 employment: pl.DataFrame | None = None, given: set[str] | None = None):
    what = "metric row" if "month" in keys else "aggregated metric row"
    label = "the metrics table" if "month" in keys else "the aggregated metrics"
    frame = _rows(part.frame)
    if not _require(part, keys, report, label) or _empty(part, report, label):
        return None
    long_layout = {"metric", "value"} <= set(frame.columns) and not (
        set(frame.columns) - {*keys, "metric", "value", "_row"})
    if given is not None:  # what the source gives, before rows of other months or people are set aside
        given.update(map(str, frame.select(_text(frame, "metric")).to_series().drop_nulls().unique().to_list())
                     if long_layout else [c for c in frame.columns if c not in (*keys, "_row")])
    if "month" in keys:
        # Rows of another period's months are set aside first, so the checks below look only at this
        # period's rows: a row is kept if its month is in the period, is not a month, is empty, or its
        # employee is (those say so below, whatever their period), exactly the rows the checks report on
        frame = _this_period_first(frame.with_columns(_month_column(frame).alias("_month")), period)
    frame = _as_text(frame, ["employee"])
    if "month" in keys:
        bad = frame.filter(pl.col("month").is_not_null() & pl.col("_month").is_null())
        for emp, raw, line in bad.select("employee", _text(frame, "month"), "_row").head(200).iter_rows():
            report.employee(emp, part.origin.diag(line, "month", f"month '{raw}' of employee {emp} is not a month",
                                                  hint="write months as 2026-07 (or a date in that month)",
                                                  code="data-month"))
        frame = frame.filter(pl.col("_month").is_not_null() | pl.col("month").is_null()) \
            .with_columns(pl.col("_month").alias("month")).drop("_month")
    frame = _null_keys(part, frame, keys, report, what)
    if "month" in keys:  # rows of other periods are other cycles' business
        frame = frame.filter(pl.col("month").is_in(list(period.months)))
    if known is not None:
        _unknown_employees(part, frame, known, report, "metric row")
    if "month" in keys:
        frame = _outside_employment(part, frame, employment, report, "the metric row")
    declared = set(needs.metrics)
    if long_layout:
        frame = frame.with_columns(_text(frame, "metric").alias("metric"))
        unknown = frame.filter(pl.col("metric").is_not_null() & ~pl.col("metric").is_in(sorted(declared)))
        for name, line in unknown.select("metric", "_row").unique("metric", keep="first", maintain_order=True) \
                .iter_rows():
            report.fatal(replace(part.origin.diag(line, "metric", _unknown_metric_message(name, declared),
                                                  hint="fix the name in the ruleset or the data, or leave its rows "
                                                  "out of the file", code="data-unknown-metric"), severity="warning"))
        frame = frame.filter(pl.col("metric").is_in(sorted(declared)))
        _duplicates(part, frame, [*keys, "metric"], report, "metric value", "metric")
        frame = _numbers(part, frame, ["value"], report, "value of")
        long = frame.select(*keys, "metric", "value", "_row")
        long = long.with_columns(pl.lit(part.origin.col("value"), dtype=pl.Int64).alias("_col"))
        return _Values(_finish_long(long, keys, index))
    else:
        values = [c for c in frame.columns if c not in (*keys, "_row")]
        for name in values:
            if name not in declared:
                report.fatal(Diagnostic(part.origin.file, part.origin.at[0] if part.origin.query else 1,
                                        part.origin.at[1] if part.origin.query else part.origin.col(name),
                                        _unknown_metric_message(name, declared), name, severity="warning",
                                        hint="fix the name, rename it with columns: {<column>: <metric>}, or "
                                        "leave it out with ignore: [<column>]", code="data-unknown-metric"))
        values = [c for c in values if c in declared]
        repeated = _duplicates(part, frame, list(keys), report, "row for", keys[-1])
        frame = _numbers(part, frame, values, report, "value of")
        if not values:
            return None
        cols = {v: part.origin.col(v) for v in values}

        def make(frame=frame, values=values, cols=cols) -> pl.DataFrame:
            long = frame.select(*keys, "_row", *values).unpivot(index=[*keys, "_row"], on=values,
                                                                 variable_name="metric", value_name="value")
            long = long.with_columns(pl.col("metric").replace_strict(cols, return_dtype=pl.Int64).alias("_col"))
            return _finish_long(long, keys, index)
        return _Values(make=make, wide=None if repeated else frame.select(*keys, *values))


def _finish_long(long: pl.DataFrame, keys, index: int) -> pl.DataFrame:
    long = long.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    # one column order for both layouts: a cycle may mix wide and long files
    return long.select(*keys, "metric", "value", "_row", "_col", pl.lit(index, dtype=pl.Int64).alias("_part"))


def _unknown_metric_message(name: str, declared: set[str]) -> str:
    close = difflib.get_close_matches(str(name), sorted(declared), n=1)
    text = f"'{name}' is not a raw metric the ruleset declares, so it is not read"
    return text + (f"; did you mean '{close[0]}'?" if close else f" (declared: {', '.join(sorted(declared))})")


def _merge(longs: list[pl.DataFrame], keys, parts: list[_Part], report: _Report) -> pl.DataFrame:
    """Stack the sources' values; one metric for one key from two sources is an error at the second."""
    all_rows = pl.concat(longs, how="vertical_relaxed")
    if len(longs) > 1:
        k = [*keys, "metric"]
        ranked = all_rows.with_columns(pl.len().over(k).alias("_n"),
                                       pl.col("_part").min().over(k).alias("_first_part"))
        clash = ranked.filter((pl.col("_n") > 1) & (pl.col("_part") != pl.col("_first_part")))
        for row in clash.iter_rows(named=True):
            first = ranked.filter(pl.all_horizontal([pl.col(c) == row[c] for c in k])
                                  & (pl.col("_part") == row["_first_part"])).row(0, named=True)
            fp, sp = parts[first["_part"]], parts[row["_part"]]
            where = f"{fp.source.label}:{fp.origin.line(first['_row'])}" if fp.origin.query is None \
                else f"source {fp.source.label}"
            key = " ".join(str(row[c]) for c in keys)
            report.employee(row["employee"], sp.origin.diag(
                row["_row"], row["metric"], f"'{row['metric']}' for {key} is also given by {where}",
                hint="each metric of an employee-month must come from one source; drop one of them "
                "(ignore: [column])", code="data-conflict"))
    return all_rows


def _conflicts_monthly_vs_aggregated(longs, agg_longs, parts, report) -> None:
    monthly = pl.concat(longs, how="vertical_relaxed").select("employee", "metric").unique()
    agg = pl.concat(agg_longs, how="vertical_relaxed")
    both = agg.join(monthly, on=["employee", "metric"], how="semi")
    for row in both.iter_rows(named=True):
        part = parts[row["_part"]]
        report.employee(row["employee"], part.origin.diag(
            row["_row"], row["metric"], f"'{row['metric']}' of {row['employee']} comes both as monthly rows and "
            "as a period total", hint="provide each metric one way", code="data-conflict"))


def _wide(long: pl.DataFrame, keys, needs: Needs) -> pl.DataFrame:
    have = set(long["metric"].unique().to_list())
    present = [m for m in needs.metrics if m in have]
    key_rows = long.select(*keys).unique().sort(list(keys))
    if long.height == 0:
        return key_rows
    wide = long.pivot(on="metric", index=list(keys), values="value", aggregate_function="first")
    out = key_rows.join(wide, on=list(keys), how="left")
    return out.select(*keys, *[pl.col(m).cast(F64) for m in present]).sort(list(keys))


# ---------------------------------------------------------------- 360 feedback

def _feedback(parts: list[_Part], needs: Needs, period: Period, report: _Report, known) -> pl.DataFrame | None:
    if not parts:
        return None
    frames = []
    for part in parts:
        frame = _rows(part.frame)
        required = [*FEEDBACK_COLUMNS] + (["competency"] if needs.competencies else [])
        if not _require(part, required, report, "the 360 feedback") or _empty(part, report, "the 360 feedback"):
            continue
        text_cols = [c for c in ("employee", "rater", "relation", "competency", "period") if c in frame.columns]
        frame = _as_text(frame, text_cols)
        frame = _null_keys(part, frame, ["employee", "rater", "relation"], report, "360 rating")
        if "period" in frame.columns:
            # periods are few and rows many: judge each distinct value once
            seen = frame["period"].drop_nulls().unique().to_list()
            valid = [p for p in seen if _is_period(p)]
            inside = [p for p in valid if period.contains(p)]
            bad = frame.filter(pl.col("period").is_not_null() & ~pl.col("period").is_in(valid))
            for emp, raw, line in bad.select("employee", "period", "_row").iter_rows():
                report.employee(emp, part.origin.diag(line, "period", f"period '{raw}' is not a period",
                                                      hint="write 2026-Q3, 2026-07, 2026-H2 or 2026",
                                                      code="data-period"))
            frame = frame.filter(pl.col("period").is_null() | pl.col("period").is_in(inside))
        if known is not None:
            _unknown_employees(part, frame, known, report, "360 rating")
        frame = _numbers(part, frame, ["rating"], report, "360 rating")
        if needs.rating_scale is not None:
            out = frame.filter(pl.col("rating").is_not_null() & ~pl.col("rating").is_between(
                needs.rating_min, needs.rating_scale))
            # the row and column say where it is; the rater is never named (errors.csv, stderr and CI logs
            # are read by more people than the survey file)
            for emp, rating, line in out.select("employee", "rating", "_row").iter_rows():
                report.employee(emp, part.origin.diag(
                    line, "rating", f"rating {rating:g} for {emp} is outside the scale "
                    f"{needs.rating_min:g}–{needs.rating_scale:g}", hint="fix the rating, or the ruleset's "
                    "feedback360 scale", code="data-rating-scale"))
        # a rater may rate the same competency in each quarter of a half-year or annual cycle
        keys = ["employee", "rater", "relation"] + [c for c in ("competency", "period") if c in frame.columns]
        _duplicates(part, frame, keys, report, "rating", "rater", unnamed="rater")
        frames.append(frame.select([*FEEDBACK_COLUMNS] + [c for c in ("competency", "period") if c in frame.columns]))
    if not frames:
        return None
    return pl.concat(frames, how="diagonal_relaxed")


def _is_period(text: str) -> bool:
    from appraise.language.period import parse

    try:
        parse(text)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------- OKRs

def _okrs(parts: list[_Part], report: _Report, known, period: Period | None = None,
          employment: pl.DataFrame | None = None) -> pl.DataFrame | None:
    if not parts:
        return None
    frames = []
    for part in parts:
        frame = _rows(part.frame)
        if not _require(part, ["employee", "objective", "key_result", "start", "target", "current"], report,
                        "the OKRs") or _empty(part, report, "the OKRs"):
            continue
        frame = _as_text(frame, [c for c in ("employee", "objective", "key_result", "type") if c in frame.columns])
        frame = _null_keys(part, frame, ["employee", "objective", "key_result"], report, "key result")
        if known is not None:
            _unknown_employees(part, frame, known, report, "OKR")
        if "month" in frame.columns:
            # a dated key result: rows of other periods are other cycles' business; rows in months wholly
            # outside the employment are not used and warned about
            normal = frame.with_columns(_month_expr(frame).alias("_month"))
            for emp, raw, line in normal.filter(pl.col("month").is_not_null() & pl.col("_month").is_null()) \
                    .select("employee", _text(frame, "month"), "_row").head(200).iter_rows():
                report.employee(emp, part.origin.diag(line, "month", f"month '{raw}' of {emp}'s key result is not "
                                                      "a month", hint="write months as 2026-07", code="data-month"))
            frame = normal.filter(pl.col("_month").is_not_null() | pl.col("month").is_null()) \
                .with_columns(pl.col("_month").alias("month")).drop("_month")
            if period is not None:
                frame = frame.filter(pl.col("month").is_null() | pl.col("month").is_in(list(period.months)))
            frame = _outside_employment(part, frame, employment, report, "the key result")
        if "weight" not in frame.columns:
            frame = frame.with_columns(pl.lit(1.0).alias("weight"))
        if "type" not in frame.columns:
            frame = frame.with_columns(pl.lit("committed").alias("type"))
        frame = frame.with_columns(pl.col("type").fill_null("committed"))
        frame = _numbers(part, frame, ["start", "target", "current", "weight"], report, "key result")
        frame = frame.with_columns(pl.col("weight").fill_null(1.0))
        for emp, kr, line, start in frame.filter(pl.col("target") == pl.col("start")).select(
                "employee", "key_result", "_row", "start").iter_rows():
            report.employee(emp, part.origin.diag(
                line, "target", f"key result '{kr}' of {emp} has target equal to start ({start:g}), so progress "
                "cannot be measured", hint="set a target different from the start value", code="data-okr-target"))
        for emp, value, line in frame.filter(~pl.col("type").is_in(["committed", "aspirational"])).select(
                "employee", "type", "_row").iter_rows():
            report.employee(emp, part.origin.diag(line, "type", f"objective type '{value}' of {emp} is not "
                                                  "'committed' or 'aspirational'", code="data-okr-type"))
        for emp, value, line in frame.filter(pl.col("weight") <= 0).select("employee", "weight", "_row").iter_rows():
            report.employee(emp, part.origin.diag(line, "weight", f"key result weight {value:g} of {emp} must be "
                                                  "above 0", code="data-okr-weight"))
        if "objective_index" not in frame.columns:
            frame = frame.with_columns(pl.col("objective").rank("dense").over("employee").alias("_dummy"))
            firsts = frame.group_by("employee", "objective", maintain_order=True).agg(pl.col("_row").min()
                                                                                    .alias("_first"))
            firsts = firsts.with_columns((pl.col("_first").rank("ordinal").over("employee") - 1).cast(pl.Int64)
                                         .alias("objective_index"))
            frame = frame.join(firsts.select("employee", "objective", "objective_index"),
                               on=["employee", "objective"], how="left").drop("_dummy")
        frames.append(frame.select(*(pl.col(c).cast(pl.Int64) if c == "objective_index" else c
                                     for c in OKR_COLUMNS)))
    if not frames:
        return None
    return pl.concat(frames, how="vertical_relaxed")
