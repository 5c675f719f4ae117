"""The employee table: its ids (none empty, invisible, repeated or differing only in letter case or width), its
dates, numbers and amounts checked column by column, and each employee's employment.

Dates become ``YYYY-MM-DD`` and every column text; polars settles the usual spellings in bulk and only the
other cells go through the plain checks, which say why a cell is wrong.  :func:`outside_employment` sets aside
the dated rows of other tables that lie wholly outside an employee's employment (SPEC v2).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

import polars as pl

from appraise.errors import Diagnostic
from appraise.language.compile import BUILTIN_ATTRIBUTES  # one list of the columns every employee table has
from appraise.language.cycle import Cycle
from appraise.language.period import Period
from appraise.provide.checks import EXCEL_EPOCH, as_text, date_text, empty, number_hint, require, with_rows
from appraise.provide.needs import Needs
from appraise.provide.parts import Part, Report, cycle_diag
from appraise.tables import EMPLOYEE_BUILTIN, EMPLOYEE_OPTIONAL, EMPLOYEE_REQUIRED, LARGEST, THOUSANDS


def employee_table(parts: list[Part], needs: Needs, report: Report, cycle: Cycle) -> pl.DataFrame | None:
    if not parts:
        report.fatal(cycle_diag(cycle, "no source has kind employees; add one, e.g. "
                                 "{provider: csv, path: data/employees.csv, kind: employees}"))
        return None
    types = {**BUILTIN_ATTRIBUTES, **dict(needs.attributes)}
    frames = []
    # the employees accepted so far, by their id's case fold: (id, part, line)
    folded = Folded()
    # a ruleset reading tenure or the days employed with no hire_date column in any employees source (named
    # otherwise, 'hire date'): said at the header, not as every employee's error 'hire_date is empty'
    dated = not needs.hire_date or any("hire_date" in p.frame.columns for p in parts)
    for part in parts:
        if not _dates_named(part, report):
            continue
        frame = with_rows(part.frame)
        dates = [] if dated or part is not parts[0] else ["hire_date"]
        if not require(part, [*EMPLOYEE_REQUIRED, *dates, *needs.attributes], report, "the employees table",
                       taken=(*EMPLOYEE_BUILTIN, *needs.attributes)):
            continue
        if empty(part, report, "the employees table"):
            continue
        cols = [c for c in frame.columns if c != "_row"]
        frame = as_text(frame, cols, part.clean, part.ascii).with_columns(pl.col("_row").cast(pl.Int64))
        found: list[tuple[int, int, Diagnostic, str | None]] = []  # (row index, order, diagnostic, employee)
        accepted = _accepted_ids(part, frame, folded, found)
        frame = _employee_values(part, frame, accepted, types, found)
        _leave_before_hire(part, frame, accepted, found, cycle.period if cycle is not None else None)
        for _, _, diag, emp in sorted(found, key=lambda f: (f[0], f[1])):
            if emp is None:
                report.fatal(diag)
            else:
                report.employee(emp, diag)
        _near_spellings(part, frame.filter(accepted), needs, report)
        kept = frame.select(*cols, "_row")
        if not _all_accepted(accepted):  # (every row accepted: every id there, each once; nothing to leave out)
            kept = kept.filter(pl.col("id").is_not_null()).unique("id", keep="first", maintain_order=True)
        frames.append(kept)
    if not frames:
        return None
    out = pl.concat(frames, how="diagonal_relaxed").drop("_row")
    if len(frames) > 1 or not _all_accepted(None):  # (one source's ids are each once already)
        out = out.unique("id", keep="first", maintain_order=True)
    for col in EMPLOYEE_OPTIONAL:
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col))
    front = list(EMPLOYEE_BUILTIN)
    return out.select(front + [c for c in out.columns if c not in front])


def _dates_named(part: Part, report: Report) -> bool:
    """Whether the source's dates of employment, if it has them, are named ``hire_date`` and ``leave_date``: a column
    'Leave Date' or 'leave-date' beside no ``leave_date`` would read every leaver as employed all along (and 'hire
    date' every new hire as employed from the period's start), the pay of both prorated wrongly without a word."""
    def squashed(name: str) -> str:
        return re.sub(r"[^0-9a-z]", "", str(name).casefold())

    ok = True
    for column in ("hire_date", "leave_date"):
        if column in part.frame.columns:
            continue
        near = [c for c in part.frame.columns if c != "_row" and squashed(c) == squashed(column)]
        if near:
            ok = False
            report.fatal(Diagnostic(part.origin.file, *part.origin.at,
                                    f"the employees table has a column '{near[0]}' but no '{column}'; the dates of "
                                    f"employment are read from '{column}' only", column,
                                    hint=f"rename it with columns: {{{near[0]}: {column}}}",
                                    code="data-missing-column"))
    return ok


def _near_spellings(part: Part, frame: pl.DataFrame, needs: Needs, report: Report) -> None:
    """A warning for each value of a text attribute (a team, a region) that differs from an earlier one only in letter
    case or character width ('East-1' and 'east-1', 'ｅａｓｔ-1'): they are two values to every cohort, roll-up and
    condition, which a reader would not expect.  Not refused: the data may mean them apart."""
    for column in [c for c, t in needs.attributes.items() if t == "string" and c in frame.columns]:
        fold = pl.col(column).str.normalize("NFKC").str.to_lowercase()
        distinct = frame.select(pl.col(column).unique().drop_nulls())
        if distinct.height < 2 or not distinct.select(fold.is_duplicated().any()).item():
            continue  # (the distinct values are few: a company has a few hundred teams; nothing to say, the usual)
        firsts = (frame.filter(pl.col(column).is_not_null()).group_by(column, maintain_order=True)
                  .agg(pl.col("_row").first()))
        near = firsts.with_columns(fold.alias("_fold")).filter(pl.col("_fold").is_duplicated())
        first: dict[str, tuple[str, int]] = {}
        for value, line, fold in near.iter_rows():
            if fold not in first:
                first[fold] = (value, line)
                continue
            was, at = first[fold]
            report.fatal(part.origin.diag(
                line, column, f"{column} '{value}' differs from '{was}' (line {part.origin.line(at)}) only in letter "
                "case or character width; they are read as two different values", severity="warning",
                hint="write one spelling for both, if they are meant as one (cohorts, team roll-ups and rule "
                "conditions read them as two)", code="data-near-spelling"))


def _all_accepted(accepted: pl.Series | None) -> bool:
    """Whether every row of a source is an employee (no id missing, invisible, repeated or differing only in case),
    so leaving out the others changes nothing; None: whether that shortcut is taken at all (tests switch it off)."""
    return True if accepted is None else bool(accepted.all())


_HIDDEN = ("Cc", "Cf", "Zl", "Zp")  # control, format (zero-width, direction), line and paragraph separators


class Folded:
    """The employees accepted so far, by their id's case fold: each source's accepted (id, line, fold) rows, kept as
    frames; a fold's first (id, part, line) is looked up only when a later id is refused (an error)."""

    def __init__(self) -> None:
        self._parts: list[tuple[Part, pl.DataFrame]] = []
        self._index: dict[str, tuple[str, Part, int]] | None = None

    def folds(self) -> pl.Series:
        return pl.concat([f["_fold"] for _, f in self._parts]) if self._parts else pl.Series("_fold", [],
                                                                                              dtype=pl.Utf8)

    def get(self, fold: str) -> tuple[str, Part, int] | None:
        if self._index is None:
            self._index = {}
            for part, taken in self._parts:
                for emp, line, f in taken.select("id", "_row", "_fold").iter_rows():
                    self._index.setdefault(f, (emp, part, line))
        return self._index.get(fold)

    def add(self, part: Part, taken: pl.DataFrame) -> None:
        self._parts.append((part, taken.select("id", "_row", "_fold")))
        self._index = None


def _accepted_ids(part: Part, frame: pl.DataFrame, folded: Folded, found: list) -> pl.Series:
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
        else:  # 'Ｅ００１' (full-width) is E001 to a reader: folded to the same id, and refused as a second one
            casefold[emp] = unicodedata.normalize("NFKC", emp).casefold()
    if hidden_rows:
        ids = ids.filter(~pl.col("_i").is_in(hidden_rows))
    # an ASCII id's case fold is its lower case; the others' are Python's str.casefold ('ß' -> 'ss')
    fold = pl.col("id").str.to_lowercase()
    if casefold:
        fold = pl.when(pl.col("id").is_in(list(casefold))).then(
            pl.col("id").replace_strict(casefold, default=None, return_dtype=pl.Utf8)).otherwise(fold)
    ids = ids.with_columns(fold.alias("_fold"))
    earlier = folded.folds()
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
            elif emp.casefold() != first_id.casefold():
                # 'Ｅ００１' and 'E001' read as the same id: a row of one would be taken for the other's
                diag = part.origin.diag(
                    line, "id", f"employee id '{emp}' differs from '{first_id}' ({where}) only in full-width or "
                    "compatibility characters",
                    hint="ids must differ by more than the width of their characters (they read as the same id): "
                    "type the id with ASCII letters and digits, or give one of them another id", code="data-duplicate")
            else:
                # 'e001' and 'E001' would be two people whose pages (dashboards/e001.html, dashboards/E001.html)
                # are one file on a case-insensitive file system (macOS, Windows): refused, like a duplicate
                diag = part.origin.diag(
                    line, "id", f"employee id '{emp}' differs from '{first_id}' ({where}) only in letter case",
                    hint="ids must differ by more than letter case (their pages would be one file on macOS and "
                    "Windows): correct the id, or give one of them another id", code="data-duplicate")
            found.append((i, 0, diag, emp))
    folded.add(part, taken)
    return frame.select(pl.int_range(pl.len(), dtype=pl.Int64).is_in(taken["_i"].implode()).alias("_ok"))["_ok"]


# Values the plain checks below accept, written with ASCII digits: polars settles these in bulk; anything else
# (another script's digits, an impossible date, a stray character) goes through the plain check, which says why
_ISO_DATE = r"^([0-9]{4})(?:[-/.]|年)([0-9]{1,2})(?:[-/.]|月)([0-9]{1,2})日?(?:[ T]00:00(?::00(?:\.0+)?)?)?$"
_SERIAL = r"^([0-9]{5})(?:\.0+)?$"
_DECIMAL = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,6})?$"
_THOUSANDS_ASCII = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$"


def _fast_date(column: str) -> pl.Expr:
    """``YYYY-MM-DD`` of a date cell in the spellings :func:`date_text` reads, with ASCII digits; null when the
    cell is something else (left to :func:`date_text`)."""
    c = pl.col(column)
    parts = c.str.extract_groups(_ISO_DATE)
    y, m, d = (parts.struct.field(k) for k in ("1", "2", "3"))
    iso = y + pl.lit("-") + m.str.zfill(2) + pl.lit("-") + d.str.zfill(2)
    valid = iso.str.to_date("%Y-%m-%d", strict=False).is_not_null() & (y != "0000")
    serial = c.str.extract(_SERIAL, 1).cast(pl.Int64, strict=False)
    from_serial = (pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)).dt.strftime("%Y-%m-%d")
    return (pl.when(valid).then(iso)
            .when(serial.is_between(20000, 80000)).then(from_serial)
            .otherwise(None))


def _per_value(frame: pl.DataFrame, column: str, expr: pl.Expr, dtype) -> pl.Series:
    """``expr`` of every row, worked out once per distinct value of ``column`` (dates and amounts repeat: a company
    hires on a few thousand days) and mapped back; null where the column is null."""
    distinct = frame.select(pl.col(column).unique().drop_nulls())
    values = distinct.select(pl.col(column), expr.alias("_value"))
    return frame[column].replace_strict(values[column], values["_value"], default=None, return_dtype=dtype)


def _employee_values(part: Part, frame: pl.DataFrame, accepted: pl.Series, types: Mapping[str, str],
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
            frame = frame.with_columns(_per_value(frame, col, _fast_date(col), pl.Utf8).alias("_fast"))
            slow = frame.filter(todo & pl.col("_fast").is_null())
            fixed: dict[int, str | None] = {}
            for emp, line, i, value in slow.select("id", "_row", "_i", col).iter_rows():
                try:
                    fixed[i] = date_text(value)
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
            # what the engine reads (appraise.core.rollup: ASCII digits, commas only as thousands separators, below
            # 10^15): anything else is said here, at its cell, not found missing later with no place to point at
            size = pl.col(col).str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False).abs()
            plain = ((pl.col(col).str.contains(_DECIMAL) | pl.col(col).str.contains(_THOUSANDS_ASCII))
                     & (size < LARGEST) & ((size != 0) | ~pl.col(col).str.contains(r"^[^eE]*[1-9]")))
            slow = frame.filter(todo & ~_per_value(frame, col, plain, pl.Boolean))
            for emp, line, i, value in slow.select("id", "_row", "_i", col).iter_rows():
                cleaned = (value.replace(",", "") if re.match(THOUSANDS, value.strip()) else value).strip()
                try:
                    number = Decimal(cleaned) if cleaned.isascii() and "_" not in cleaned else None
                except InvalidOperation:
                    number = None
                if number is not None and number.is_finite() and number.copy_abs() >= LARGEST:
                    found.append((i, order, part.origin.diag(
                        line, col, f"'{col}' of employee {emp} is {value}, too large to compute exactly (the limit "
                        "is 10^15)", hint="check the cell: a unit or an exponent may be wrong",
                        code="data-not-a-number"), emp))
                elif number is not None and number.is_finite() and number != 0 and float(number) == 0:
                    found.append((i, order, part.origin.diag(
                        line, col, f"'{col}' of employee {emp} is {value}, too close to 0 to compute with (below "
                        "2.2e-308 in size)", hint="check the cell: an exponent may be wrong (write 0 for none)",
                        code="data-not-a-number"), emp))
                elif number is None or not number.is_finite():
                    found.append((i, order, part.origin.diag(
                        line, col, f"'{col}' of employee {emp} is '{value}', which is not "
                        f"{'an amount' if kind == 'money' else 'a number'}",
                        hint=number_hint(value, thousands=True) or "write plain numbers: 30000, 30000.50 or 30,000.50",
                        code="data-not-a-number"), emp))
    return frame.drop("_ok", "_i")


def _leave_before_hire(part: Part, frame: pl.DataFrame, accepted: pl.Series, found: list,
                       period: Period | None) -> None:
    """A leave date before the hire date (dates already written YYYY-MM-DD) of someone the period would appraise
    (hired by its last day, not gone before its first) is that employee's error at the row: no share of the period
    employed can be worked out from it.  (The engine refuses such a row too, without a line.)"""
    if "leave_date" not in frame.columns or "hire_date" not in frame.columns:
        return
    hire, leave = (pl.col(c).str.to_date("%Y-%m-%d", strict=False) for c in ("hire_date", "leave_date"))
    rows = frame.with_columns(accepted.alias("_ok")).with_row_index("_i").filter(
        pl.col("_ok") & _inverted(hire, leave, period))
    for emp, line, i, left, hired in rows.select("id", "_row", "_i", "leave_date", "hire_date").iter_rows():
        found.append((i, len(frame.columns), part.origin.diag(
            line, "leave_date", f"leave_date '{left}' is before the hire_date ({hired}); correct one of the two "
            "dates", code="data-leave-before-hire"), emp))


def _inverted(hire: pl.Expr, leave: pl.Expr, period: Period | None) -> pl.Expr:
    """A leave date before the hire date, of someone ``period`` would appraise (hired by its last day, not gone
    before its first; without a period, as when a test checks the table alone: every such row); false for nulls."""
    inverted = leave < hire
    if period is not None:
        inverted = inverted & (hire <= period.end) & (leave >= period.start)
    return inverted.fill_null(False)


# ---------------------------------------------------------------- employment
def employment_dates(employees: pl.DataFrame | None, period=None) -> pl.DataFrame | None:
    """``employee``, ``_hire``, ``_leave`` (dates) of the employees with a hire or leave date, or None.  With the
    ``period``: not those whose leave date before their hire date is an error of this run (:func:`_leave_before_hire`;
    their rows are not also each a warning)."""
    if employees is None or not employees.height:
        return None
    dates = employees.select(pl.col("id").alias("employee"),
                             pl.col("hire_date").str.to_date("%Y-%m-%d", strict=False).alias("_hire"),
                             pl.col("leave_date").str.to_date("%Y-%m-%d", strict=False).alias("_leave"))
    keep = pl.col("_hire").is_not_null() | pl.col("_leave").is_not_null()
    if period is not None:
        keep = keep & ~_inverted(pl.col("_hire"), pl.col("_leave"), period)
    dates = dates.filter(keep)
    return dates if dates.height else None


def outside_employment(part: Part, frame: pl.DataFrame, employment: pl.DataFrame | None, report: Report,
                        what: str) -> pl.DataFrame:
    """Rows dated in a month that lies wholly outside the employee's employment (ending before the hire date,
    starting after the leave date) are not used; each is a warning at its line (SPEC v2)."""
    if employment is None or not frame.height or "month" not in frame.columns:
        return frame
    start = (pl.col("month") + pl.lit("-01")).str.to_date("%Y-%m-%d", strict=False)
    months = frame.select(pl.col("month").unique().drop_nulls()).with_columns(start.alias("_start"))
    employment = _not_all_along(months, employment)
    if employment is None:
        return frame
    joined = frame.select("employee", "month", "_row").join(employment, on="employee", how="left",
                                                            maintain_order="left")
    # each month's first and last day worked out once (months are few, rows many)
    joined = joined.join(months.select("month", "_start", pl.col("_start").dt.month_end().alias("_end")),
                         on="month", how="left", maintain_order="left")
    outside = ((pl.col("_end") < pl.col("_hire")) | (pl.col("_start") > pl.col("_leave"))).fill_null(False)
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


def _not_all_along(months: pl.DataFrame, employment: pl.DataFrame) -> pl.DataFrame | None:
    """The employees of ``employment`` who may have a month of ``months`` (``_start``: each one's first day) outside
    their employment: hired after the end of the first month or gone before the start of the last.  The others'
    rows are all inside, so :func:`outside_employment` joins only these; None when there are none."""
    months = months.select("_start").drop_nulls()
    if not months.height:
        return None
    first, last = months["_start"].min(), months["_start"].max()
    first_end = months.filter(pl.col("_start") == first).select(pl.col("_start").dt.month_end())["_start"][0]
    maybe = employment.filter((pl.col("_hire") > first_end).fill_null(False) | (pl.col("_leave") < last)
                              .fill_null(False))
    return maybe if maybe.height else None
