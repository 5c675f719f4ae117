"""Random legal data for a :class:`~generate.ruleset.Plan`: employees, metrics, 360 ratings, OKRs.

Shapes and spellings are the ones README ("Running a review cycle", "Writing a provider") and the
providers' docstrings accept: CSV with ``,`` ``;`` or tab, with or without a BOM; metrics wide
(``employee, month, <metric>...``), long (``employee, month, metric, value``) or both in one cycle
(never the same metric of the same employee-month twice); months as ``2026-07``, ``2026-07-01``,
``2026/7``; dates as ``2026-07-15``, ``2026/7/15``, ``2026年7月15日``; money with thousands commas.
Values are legal but not always comfortable: empty cells, people without metrics, OKRs or ratings,
blank rating cells, raters whose every cell is blank, hire dates inside or before the period, people
hired after it or gone before it, zeros, subnormal and near-limit numbers (below 10^15).

All choices here come from a forked :class:`~generate.choosers.RandomChooser` (bulk data).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .choosers import Chooser
from .ruleset import RATIOS, RAW, REGIONS, TEAMS, Period, Plan
from .teams import assign_managers, side

NAMES = ["Li Wei", "王芳", "Zhang Min", "O'Brien, Pat", "Müller", "陈杰", "Ana María", "Kim", "刘洋",
         "Sam \"Ace\" Lee"]
COMPETENCIES = ["collaboration", "customer_focus", "integrity"]
EXTREMES = ["0", "0.0", "1e-9", "999999999999999", "123456789012.345", "1e14", "-1",
            "0.30000000000000004", "2.5e-7", "2.3e-308"]
# subnormal floats: a cell holding one is refused where it is read (the whole run stops, located), so they are
# drawn rarely, to keep most cases appraised
SUBNORMALS = ["1e-320", "5e-324"]
# ratings a survey tool exports as the float of a fraction or with more places than the scale's steps
ODD_RATINGS = ["3.3333333333333335", "2.6666666666666665", "1.6666666666666667", "4.15", "3.675", "2.005",
               "4.4444444444444446", "1.1", "2.35", "3.45"]
# floats as a computation upstream writes them (every digit of the binary value's shortest repr)
ODD_FLOATS = ["0.30000000000000004", "3.3333333333333335", "1.0000000000000002", "0.1", "2.675", "82.72",
              "334.33", "0.9999999999999999", "66.66666666666667", "1234.5650000000001", "0.7000000000000001"]
# bonus targets with more decimals than cents (half-up ties of the unit, exact products)
ODD_MONEY = ["12345.6789", "1000.005", "2500.125", "33333.335", "0.5", "10000.0001", "7777.775", "19999.995"]
# cells a person or an export writes where a number belongs, which README ("Messy exports") says are refused at their
# cell, never read as another number, 0 or missing
BAD_NUMBERS = ["N/A", "-", "—", "null", "#DIV/0!", "#N/A", "85%", "¥1,200", "1200元", "(1,200)", "85,5", "1 234",
               "４５００００", "－５", "1_000", "nan", "inf", "-Infinity", "1e400", "1e-400", "1e15", "0x10", "TRUE",
               "2026-07-01", "470,000", "1.234.567", "12,5%", "$1200"]
# cells where a date belongs
BAD_DATES = ["2026-02-30", "2026-13-01", "31/12/2026", "yesterday", "N/A", "2026-7", "20260701x", "0"]
# denominators a ratio KPI's data may be built on (the numerator is then denominator x the ratio wanted)
DENOMINATORS = [Decimal(x) for x in ("100000", "40", "7", "12345.67", "3", "150000", "64")]
# a quota (or another metric a target reads) for the period
QUOTAS = [Decimal(x) for x in ("300000", "100000.01", "333333.33", "250000", "123456.78")]


@dataclass
class Table:
    """A CSV table to write: header and rows of cells (text or None for empty)."""

    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def csv_bytes(table: Table, ch: Chooser) -> tuple[bytes, str]:
    """Encode a table as CSV; returns (bytes, delimiter)."""
    sep = ch.weighted([(",", 8), (";", 1), ("\t", 1)])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n" if ch.chance(0.2) else "\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    text = out.getvalue()
    raw = text.encode("utf-8")
    if ch.chance(0.1):
        raw = b"\xef\xbb\xbf" + raw
    return raw, sep


PLAIN_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$")


def xlsx_bytes(table: Table) -> bytes:
    """The table as the first sheet of a workbook; cells that are plain numbers become numbers."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(table.header)
    for row in table.rows:
        sheet.append([float(v) if isinstance(v, str) and PLAIN_NUMBER.match(v) and len(v) < 18 else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parquet_bytes(table: Table) -> bytes:
    """The table as Parquet; a column whose every value is a plain number is Float64, the others text."""
    import polars as pl

    columns = {}
    for i, name in enumerate(table.header):
        values = [None if r[i] is None else str(r[i]) for r in table.rows]
        numeric = name not in ("id", "employee", "rater", "name") and any(v is not None for v in values) and all(
            v is None or PLAIN_NUMBER.match(v.strip()) for v in values)
        columns[name] = pl.Series(name, [None if v is None else float(v) for v in values] if numeric else values,
                                  dtype=pl.Float64 if numeric else pl.Utf8)
    out = io.BytesIO()
    pl.DataFrame(columns).write_parquet(out)
    return out.getvalue()


def month_text(ch: Chooser, style: str, year: int, month: int) -> str:
    if style == "iso":
        return f"{year}-{month:02d}"
    if style == "day":
        return f"{year}-{month:02d}-01"
    if style == "slash":
        return f"{year}/{month}"
    return f"{year}{month:02d}"


def date_text(style: str, d: date) -> str:
    if style == "iso":
        return d.isoformat()
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    return f"{d.year}年{d.month}月{d.day}日"


def _day_between(ch: Chooser, a: date, b: date) -> date:
    return a + timedelta(days=ch.integer(0, max(0, (b - a).days)))


def _money(ch: Chooser, value: Decimal) -> str:
    style = ch.weighted([("plain", 6), ("cents", 2), ("commas", 2)])
    if style == "plain":
        return str(int(value))
    if style == "cents":
        return f"{value:.2f}"
    return f"{value:,.2f}"


def _text(d: Decimal) -> str:
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class DataGenerator:
    """Data of one case: the employees once, metrics and ratings for the current and previous periods."""

    def __init__(self, ch: Chooser, plan: Plan, previous: Period | None, people: tuple[int, int] = (3, 12)):
        self.ch = ch
        self.people = people  # how many employees the table has (now and then 1)
        self.plan = plan
        self.previous = previous
        self.notes: set[str] = set()
        self.refusal: str | None = None
        # now and then one broken cell: the run must stop at it (on_error: fail) or skip its employee
        kinds = ["metric-not-a-number", "unknown-employee", "hire-date-not-a-date", "okr-target-is-start"]
        if plan.own.scales:
            kinds.append("rating-above-scale")
        if "manager" in plan.own.attributes:  # a hierarchy only the shorter periods' ruleset reads stops only them
            kinds += ["manager-unknown", "manager-cycle"]
        self.dirty = ch.choice(kinds) if ch.chance(0.06) else None
        self.employee_error = None  # the message expected when on_error: skip-employee leaves someone out

    # -- employees

    def employees(self) -> tuple[list[dict], Table, dict]:
        ch, plan = self.ch, self.plan
        period = plan.period
        first = self.previous.start if self.previous else period.start
        n = ch.weighted([(ch.integer(*self.people), 18), (1, 1)])
        nobody = ch.chance(0.02)  # everyone hired after the period: a cycle that appraises no one
        if n == 1:
            self.notes.add("one-employee")
        id_style = ch.weighted([("E", 6), ("digits", 2), ("dash", 1), ("zh", 1)])
        ids = side(ch, "ids")  # ids an HR system exports: zero-padded, or numbers of 1 to 3 digits (which compare
        if ids.chance(0.08):   # as text, "9" > "100", in calibration's ties)
            id_style = ids.choice(["zeros", "lengths"])
            self.notes.add(f"ids-{id_style}")
        date_style = ch.weighted([("iso", 8), ("slash", 1), ("dot", 1), ("zh", 1)])
        people = []
        edges = side(ch, "money")
        odd_money = edges if edges.chance(0.12) else None
        for i in range(n):
            pid = {"E": f"E{i + 1:03d}", "digits": f"{1001 + i}", "dash": f"s-{i + 1:02d}",
                   "zh": f"员工{i + 1:02d}", "zeros": f"{i + 1:05d}", "lengths": f"{9 + 23 * i}"}[id_style]
            p: dict[str, Any] = {"id": pid, "name": ch.choice(NAMES)}
            when = ch.weighted([("long-ago", 60), ("in-period", 10), ("period-edge", 4), ("after", 4),
                                ("in-previous", 6), ("blank", 3)]) if not nobody else "after"
            if when == "long-ago":
                hire = _day_between(ch, date(2012, 1, 1), first - timedelta(days=1))
            elif when == "in-period":
                hire = _day_between(ch, period.start, period.end)
                self.notes.add("hired-in-period")
            elif when == "period-edge":
                hire = ch.choice([period.start, period.end])
                self.notes.add("hired-on-period-edge")
            elif when == "after":
                hire = period.end + timedelta(days=ch.integer(1, 40))
                self.notes.add("hired-after-period")
            elif when == "in-previous":
                hire = _day_between(ch, first, period.start - timedelta(days=1))
            else:
                hire = None
                self.notes.add("blank-hire-date")
            leave = None
            how = ch.weighted([("stays", 80), ("leaves-in", 8), ("gone-before", 4), ("leaves-after", 4),
                               ("leaves-first-day", 4)])
            if how == "leaves-in":
                leave = _day_between(ch, period.start, period.end)
            elif how == "gone-before":
                leave = _day_between(ch, first - timedelta(days=200), period.start - timedelta(days=1))
            elif how == "leaves-after":
                leave = period.end + timedelta(days=ch.integer(1, 90))
            elif how == "leaves-first-day":
                leave = period.start
            if leave is not None and hire is not None and leave < hire:
                leave = None
            if leave is not None:
                self.notes.add(f"leaver-{how}")
            p["hire_date"], p["leave_date"] = hire, leave
            p["role"] = ch.weighted([("rep", 5), ("lead", 2), ("manager", 1), ("intern", 1), (None, 1)])
            p["team"] = ch.weighted([(t, 4) for t in TEAMS] + [(None, 1)])
            p["region"] = ch.weighted([(r, 4) for r in REGIONS] + [(None, 1)])
            p["level"] = ch.weighted([(str(x), 4) for x in range(1, 6)] + [(None, 1), ("2.5", 1)])
            if "target_bonus" in plan.attributes:
                p["target_bonus"] = None if ch.chance(0.07) else _money(
                    ch, Decimal(ch.integer(0, 60)) * 1000 + Decimal(ch.integer(0, 99)) / 100)
                if ch.chance(0.01):
                    p["target_bonus"] = "-100"  # an error for that employee, not a negative bonus
                    self.notes.add("negative-bonus-target")
            if "target_bonus" in plan.attributes and odd_money and odd_money.chance(0.4) and p["target_bonus"] \
                    and p["target_bonus"] != "-100":
                p["target_bonus"] = odd_money.choice(ODD_MONEY)
                self.notes.add("bonus-target-many-decimals")
            if "personal_target" in plan.attributes:
                p["personal_target"] = None if ch.chance(0.05) else str(ch.choice([5, 12, 40, 120, 3.5, 0, 90000]))
            if "joined_on" in plan.attributes:
                p["joined_on"] = None if ch.chance(0.3) else date_text(date_style, _day_between(
                    ch, date(2020, 1, 1), date(2026, 6, 1)))
            if hire is None and plan.reads_tenure:
                self.notes.add("blank-hire-date-read-by-tenure")
            people.append(p)
        if nobody:
            self.notes.add("nobody-appraised")
        if "manager" in plan.attributes:
            why = assign_managers(ch, people, self.dirty, self.employed(people))
            self.notes.add("managers")
            if why:
                self.broken(why)
        if self.dirty == "hire-date-not-a-date":
            people[-1]["hire_date"] = "2026-02-30"
            self.broken("a hire date that is not a date")
        # the table
        attrs = [a for a in plan.attributes]
        extra_locale = ch.chance(0.2)
        header = ["id", "name", "hire_date", "leave_date", *attrs] + (["locale"] if extra_locale else [])
        if ch.chance(0.3):  # optional columns may be left out when nobody has a value
            if all(p["leave_date"] is None for p in people):
                header.remove("leave_date")
        rows = []
        for p in people:
            row = []
            for col in header:
                v = p.get(col)
                if col in ("hire_date", "leave_date"):
                    v = None if v is None else v if isinstance(v, str) else date_text(date_style, v)
                elif col == "locale":
                    v = ch.choice(["en", "zh-CN", None])
                row.append(v)
            rows.append(row)
        bad = side(ch, "bad-employee-cells")  # (a chooser of its own: cases without them stay as they were)
        if self.dirty is None and bad.chance(0.06):
            self.bad_employee_cell(bad, people, header, rows)
        source: dict[str, Any] = {"provider": "csv", "path": "data/employees.csv", "kind": "employees"}
        if ch.chance(0.15):  # the HR export calls it differently
            header[0] = "Employee ID"
            source["columns"] = {"Employee ID": "id"}
            self.notes.add("renamed-column")
        return people, Table(header, rows), source

    def bad_employee_cell(self, ch: Chooser, people: list[dict], header: list[str], rows: list[list]) -> None:
        """One cell of the employee table spelt as no number or date is (README "Messy exports"): a number or money
        column, a date, of someone the period appraises or not (README: the checks of the employee table concern
        only the people the period appraises). The differential compares what each side makes of it."""
        columns = [c for c in header if c in ("target_bonus", "personal_target", "level", "joined_on", "hire_date",
                                              "leave_date")]
        if not columns or not rows:
            return
        col = ch.choice(columns)
        i = ch.integer(0, len(rows) - 1)
        dates = col in ("joined_on", "hire_date", "leave_date")
        rows[i][header.index(col)] = ch.choice(BAD_DATES if dates else BAD_NUMBERS)
        appraised = people[i]["id"] in self.employed_all(people)
        self.notes.add(f"bad-employee-cell-{'date' if dates else 'number'}-{'appraised' if appraised else 'other'}")

    # -- metrics

    def value(self, metric: str, extreme: bool) -> str | None:
        ch = self.ch
        if extreme and ch.chance(0.12):
            self.notes.add("extreme-number")
            if ch.chance(0.004):
                self.notes.add("subnormal-number")
                return ch.choice(SUBNORMALS)
            return ch.choice(EXTREMES)
        agg, _, unit, lo, hi = RAW[metric]
        if ch.chance(0.02):
            self.notes.add("number-spelling")
            return ch.choice([f"{ch.integer(1, 9)}.5e{ch.integer(0, 3)}", f" {ch.integer(0, 50)} ",
                              f"{ch.integer(0, 9)}.", f".{ch.integer(1, 9)}"])
        if unit == "money":
            return f"{ch.integer(int(lo * 100), int(hi * 100)) / 100:.2f}".rstrip("0").rstrip(".")
        if unit == "ratio":
            return str(ch.integer(int(lo * 1000), int(hi * 1000)) / 1000)
        return str(ch.integer(int(lo), int(hi)))

    def metric_rows(self, people: list[dict], months: list[tuple[int, int]], extreme: bool,
                    leave_out: set[str]) -> list[tuple[str, tuple[int, int], str, str | None]]:
        """(employee, month, metric, value or None) of every cell the data has."""
        ch = self.ch
        metrics = [m for m in self.plan.raw if m not in leave_out]
        cells = []
        for p in people:
            if ch.chance(0.08):
                self.notes.add("employee-without-metrics")
                continue
            gone = {m for m in metrics if ch.chance(0.04)}  # no value of this metric all period
            for month in months:
                if ch.chance(0.1):
                    continue
                for m in metrics:
                    blank = m in gone or ch.chance(0.08)
                    if blank:
                        self.notes.add("empty-metric-cell")
                    cells.append((p["id"], month, m, None if blank else self.value(m, extreme)))
        return cells

    def metrics(self, people: list[dict], months: list[tuple[int, int]],
                credited: frozenset[str] = frozenset()) -> tuple[dict[str, Table], list[dict]]:
        """The metric files and sources; ``credited`` metrics come from deals and credits instead."""
        ch, plan = self.ch, self.plan
        extreme = ch.chance(0.25)
        leave_out = {m for m in sorted(plan.optional) if ch.chance(0.5)}
        if leave_out:
            self.notes.add("optional-metric-absent")
        leave_out |= credited
        # declared by the ruleset under test and not optional there (a metric another ruleset of the case needs
        # but this one declares optional stops that ruleset's runs, not this one's)
        required = sorted(set(plan.own.raw) - plan.own.optional - credited)
        if required and ch.chance(0.02):  # a declared metric nobody provides: the run must stop, located
            leave_out.add(ch.choice(required))
            self.refusal = "a declared metric no source provides"
        cells = self.metric_rows(people, months, extreme, leave_out)
        edges = side(ch, "exact")
        if edges.chance(0.3):
            cells = self.exact_hits(edges, people, cells, leave_out)
        if edges.chance(0.08):
            cells = self.negatives(edges, cells)
        if edges.chance(0.08):
            cells = self.odd_floats(edges, cells)
        metrics_left = [m for m in plan.own.raw if m not in leave_out]
        now = plan.period.months[-1]
        who = self.employed(people)
        if self.dirty == "metric-not-a-number" and metrics_left and who:
            cells = [c for c in cells if not (c[0] == who and c[1] == now and c[2] == metrics_left[0])]
            cells.append((who, now, metrics_left[0], "n/a"))
            self.broken("a metric value that is not a number")
        elif self.dirty == "unknown-employee" and metrics_left:
            cells.append(("ZZ999", now, metrics_left[0], "1"))
            self.broken("metric rows of an employee not in the employee table")
        bad = side(ch, "bad-cells")  # (a chooser of its own: cases without them stay as they were)
        if self.dirty is None and metrics_left and bad.chance(0.08):
            cells = self.bad_metric_cell(bad, people, months, cells, metrics_left)
        style = ch.weighted([("iso", 6), ("day", 1), ("slash", 1), ("compact", 1)])
        layout = ch.weighted([("wide", 9), ("long", 6), ("both", 5)])
        self.notes.add(f"metrics-{layout}")
        metrics = [m for m in plan.raw if m not in leave_out]
        files: dict[str, Table] = {}
        sources: list[dict] = []
        if layout == "both":
            how = ch.choice(["by-metric", "by-employee", "by-month"])
            self.notes.add(f"metrics-both-{how}")
            if how == "by-metric":
                long_set = set(ch.sample(metrics, 1, max(1, len(metrics) - 1))) if metrics else set()
                in_long = lambda c: c[2] in long_set  # noqa: E731
            elif how == "by-employee":
                long_ids = {p["id"] for p in people if ch.chance(0.5)}
                in_long = lambda c: c[0] in long_ids  # noqa: E731
            else:
                long_months = {m for m in months if ch.chance(0.5)}
                in_long = lambda c: c[1] in long_months  # noqa: E731
            wide_cells = [c for c in cells if not in_long(c)]
            long_cells = [c for c in cells if in_long(c)]
            wide_metrics = [m for m in metrics if how != "by-metric" or m not in long_set]
        else:
            wide_cells = cells if layout == "wide" else []
            long_cells = cells if layout == "long" else []
            wide_metrics = metrics
        if layout in ("wide", "both") and (wide_cells or layout == "wide"):
            grid: dict[tuple, dict] = {}
            for emp, month, m, v in wide_cells:
                grid.setdefault((emp, month), {})[m] = v
            notes = ch.chance(0.05)
            header = ["employee", "month", *wide_metrics] + (["notes"] if notes else [])
            if notes:
                self.notes.add("unknown-metric-column")
            rows = [[emp, month_text(ch, style, *month), *[vals.get(m) for m in wide_metrics]]
                    + (["ok"] if notes else []) for (emp, month), vals in grid.items()]
            if ch.chance(0.3):
                rows.reverse()
            if not rows:  # a header alone is refused ("no data rows"); give one person a row
                rows = [[people[0]["id"], month_text(ch, style, *months[0]), *[None] * len(wide_metrics)]
                        + (["ok"] if notes else [])]
            src: dict[str, Any] = {"provider": "csv", "path": "data/metrics.csv"}
            if ch.chance(0.1):
                header[1] = "Monat"
                src["columns"] = {"Monat": "month"}
                self.notes.add("renamed-column")
            if notes and ch.chance(0.5):
                src["ignore"] = ["notes"]
                self.notes.add("ignored-column")
            files["data/metrics.csv"] = Table(header, rows)
            sources.append(src)
        if layout in ("long", "both") and (long_cells or layout == "long"):
            rows = [[emp, month_text(ch, style, *month), m, v] for emp, month, m, v in long_cells
                    if v is not None or ch.chance(0.1)]
            # a metric no row names is a metric the file does not have (the run stops, as for a misspelt
            # column); one with rows but no values is present and missing: give each a row, blank if need be
            in_wide = set(wide_metrics) if "data/metrics.csv" in files else set()
            named = {r[2] for r in rows}
            for m in metrics:
                if m not in in_wide and m not in named:
                    rows.append([people[0]["id"], month_text(ch, style, *months[ch.integer(0, len(months) - 1)]), m,
                                 None])
            if not rows:
                rows = [[people[0]["id"], month_text(ch, style, *months[0]), metrics[0] if metrics else "x", None]]
            files["data/metrics-long.csv"] = Table(["employee", "month", "metric", "value"], rows)
            src = {"provider": "csv", "path": "data/metrics-long.csv"}
            if ch.chance(0.6):
                src["layout"] = "long"
            sources.append(src)
        if not sources:  # every metric column was left out: still one (empty-valued) file
            files["data/metrics.csv"] = Table(["employee", "month"], [[people[0]["id"], "2026-01"]])
            sources.append({"provider": "csv", "path": "data/metrics.csv"})
        return files, sources

    def exact_hits(self, ch: Chooser, people: list[dict], cells: list, leave_out: set[str]) -> list:
        """Make some employees' actuals land exactly on an attainment their ruleset names (a curve point, a band
        start, a floor or cap, a bonus tier, the excess threshold, 1): actual = target x point (target / point
        for lower-is-better), as sums of cents over the months (33,333.33 + 33,333.33 + 33,333.34), equal
        monthly values for other aggregates, or a ratio's numerator and denominator."""
        plan = self.plan
        hits = [h for h in plan.exact if all(m in plan.raw and m not in leave_out
                                             for m in (*RATIOS.get(h[0], (h[0],)), *([h[2]] if h[2] else [])))]
        who = self.employed_all(people)
        if not hits or not who:
            return cells
        months = plan.period.months
        chosen: dict[tuple[str, str], Decimal] = {}
        for emp in ch.sample(who, 1, 4):
            metric, target, of, direction, points = ch.choice(hits)
            point = ch.choice(points)
            quota = ch.choice(QUOTAS) if of else None
            if quota is not None:
                target *= quota
            value = target * point if direction == "higher" else target / point
            if value != value.quantize(Decimal("0.000001")) or value >= 10 ** 12:
                continue  # not a decimal anyone would write
            if of:
                if (emp, of) in chosen or (emp, metric) in chosen or of == metric:
                    continue
                chosen[(emp, of)], chosen[(emp, metric)] = quota, value
            elif metric in RATIOS:
                num, den = RATIOS[metric]
                base = ch.choice(DENOMINATORS)
                if (emp, num) in chosen or (emp, den) in chosen:
                    continue
                chosen[(emp, num)], chosen[(emp, den)] = base * value, base
            elif (emp, metric) not in chosen:
                chosen[(emp, metric)] = value
        if not chosen:
            return cells
        self.notes.add("attainment-exactly-on-a-point")
        out = [c for c in cells if (c[0], c[2]) not in chosen or c[1] not in months]
        for (emp, metric), total in chosen.items():
            texts = self._spread(ch, total, len(months)) if plan.raw.get(metric) == "sum" else \
                [_text(total)] * len(months)
            out += [(emp, month, metric, text) for month, text in zip(months, texts)]
        return out

    def bad_metric_cell(self, ch: Chooser, people: list[dict], months: list[tuple[int, int]], cells: list,
                        metrics: list[str]) -> list:
        """One metric cell spelt as a number is not (``N/A``, ``85%``, ``¥1,200``, ``1e400``...): of someone the
        period appraises in one of its months (the run must stop at the cell, or skip her), or where the period
        does not read it (a month of another period, someone hired after it or gone before it), which the
        differential compares (README "Messy exports": refused at its cell, never another number)."""
        period = self.plan.period.months
        who = self.employed(people)
        where = ch.weighted([("period", 3), ("other-month", 2), ("not-appraised", 1)])
        other = [m for m in months if m not in period]
        away = [p["id"] for p in people if isinstance(p["hire_date"], date) and p["hire_date"] > self.plan.period.end
                or p["leave_date"] is not None and p["leave_date"] < self.plan.period.start]
        if where == "other-month" and other and who:
            emp, month = who, ch.choice(other)
        elif where == "not-appraised" and away:
            emp, month = ch.choice(away), ch.choice(period)
        elif who:
            where, emp, month = "period", who, ch.choice(period)
        else:
            return cells
        metric, text = ch.choice(metrics), ch.choice(BAD_NUMBERS)
        cells = [c for c in cells if not (c[0] == emp and c[1] == month and c[2] == metric)]
        cells.append((emp, month, metric, text))
        self.notes.add(f"bad-metric-cell-{where}")
        if where == "period":
            self.dirty = "bad-metric-cell"
            self.broken(f"a metric cell {text!r} that is not a number")
        return cells

    @staticmethod
    def _spread(ch: Chooser, total: Decimal, n: int) -> list[str | None]:
        """Monthly values adding up to ``total`` exactly: cents shared out (the last takes the rest), or the
        whole in one month and 0 or blank in the others."""
        if n == 1:
            return [_text(total)]
        if ch.chance(0.6):
            share = (total / n).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
            return [_text(share)] * (n - 1) + [_text(total - share * (n - 1))]
        at = ch.integer(0, n - 1)
        other = ch.choice(["0", None])
        return [_text(total) if i == at else other for i in range(n)]

    def negatives(self, ch: Chooser, cells: list) -> list:
        """Refunds and corrections: some plain values made negative."""
        out = []
        for c in cells:
            v = c[3]
            if v is not None and ch.chance(0.06) and PLAIN_NUMBER.match(v) and not v.startswith("-") \
                    and float(v) != 0:
                c = (c[0], c[1], c[2], "-" + v)
                self.notes.add("negative-metric-value")
            out.append(c)
        return out

    def odd_floats(self, ch: Chooser, cells: list) -> list:
        """Values an upstream system computed in floats (a ratio, a sum of tenths), written with every digit."""
        out = []
        for c in cells:
            if c[3] is not None and ch.chance(0.04):
                c = (c[0], c[1], c[2], ch.choice(ODD_FLOATS))
                self.notes.add("metric-odd-float")
            out.append(c)
        return out

    # -- 360 feedback

    def feedback(self, people: list[dict]) -> Table | None:
        ch, plan = self.ch, self.plan
        if not plan.relations:
            if not ch.chance(0.1):
                return None
            self.notes.add("feedback-nobody-scores")
        top = min(plan.scales) if plan.scales else Decimal(5)
        with_period = ch.chance(0.85)
        header = ["employee", "rater", "relation", "competency", "rating"] + (["period"] if with_period else [])
        # without a competency column (a run whose ruleset counts only some competencies stops, located)
        if ch.chance(0.03 if plan.competencies else 0.2):
            header = ["employee", "rater", "relation", "rating"] + (["period"] if with_period else [])
        inside = [plan.period.id, *plan.period.halves(), *plan.period.quarters(),
                  *(f"{y}-{m:02d}" for y, m in plan.period.months)]
        rows = []
        relations = sorted(plan.relations | {"self"} | ({"vendor"} if ch.chance(0.1) else set()))
        odd = side(ch, "ratings")
        odd_values = [v for v in ODD_RATINGS if Decimal(v) <= top] if odd.chance(0.15) else []
        # a survey run every quarter (or half) of a longer period: a rater rates the same person in several waves,
        # and their value is the mean of all their ratings (a chooser of its own: other cases stay as they were)
        waves = side(ch, "waves")
        # (told apart by their period column: without one, two ratings of a rater, relation and competency are one
        # rating given twice, which the run refuses)
        wave_ids = [*plan.period.quarters(), *plan.period.halves()] if waves.chance(0.25) and with_period else []
        for p in people:
            if ch.chance(0.2):
                self.notes.add("employee-without-ratings")
                continue
            for rel in relations:
                raters = ch.integer(0, 2) if rel in ("manager", "self") else ch.integer(0, 5)
                for r in range(raters):
                    rater = f"{rel[:3].upper()}{r:02d}-{p['id']}" if ch.chance(0.5) else f"{rel[:1].upper()}{r:02d}"
                    period = ch.weighted([(plan.period.id, 6), (ch.choice(inside), 2),
                                          (self.previous.id if self.previous else plan.period.id, 2),
                                          ("2019-Q1", 1)])
                    all_blank = ch.chance(0.05)
                    if all_blank:
                        self.notes.add("rater-all-blank")
                    again = waves.sample([w for w in wave_ids if w != period], 1, 3) \
                        if wave_ids and waves.chance(0.5) else []
                    for comp in ch.sample(COMPETENCIES, 1, 3) if "competency" in header else [None]:
                        blank = all_blank or ch.chance(0.07)
                        if blank:
                            self.notes.add("blank-rating")
                        rating = None if blank else self._rating(top)
                        if rating is not None and odd_values and odd.chance(0.25):
                            rating = odd.choice(odd_values)
                            self.notes.add("rating-odd-value")
                        row = [p["id"], rater, rel] + ([comp] if "competency" in header else []) + [rating]
                        rows.append(row + ([period] if with_period else []))
                        for wave in again:  # the same rater and competency in another wave
                            rating = None if all_blank or waves.chance(0.07) else self._rating(top, waves)
                            rows.append(row[:-1] + [rating, wave])
                            self.notes.add("rating-waves")
        if self.dirty == "rating-above-scale" and self.employed(people):
            row = [self.employed(people), "X99", "peer"] + (["integrity"] if "competency" in header else []) \
                + [format(max(plan.scales) + 1, "f")] + ([plan.period.id] if with_period else [])  # above them all
            rows.append(row)
            self.broken("a rating above the 360 scale")
        if not rows:
            return None
        return Table(header, rows)

    def _rating(self, top: Decimal, ch: Chooser | None = None) -> str:
        ch = ch or self.ch
        whole = int(top)
        if ch.chance(0.2):
            v = Decimal(ch.integer(2, 2 * whole)) / 2
            return format(min(v, top), "f")
        return str(ch.integer(1, whole))

    # -- OKRs

    def employed(self, people: list[dict]) -> str | None:
        """Someone employed all period (rows of months outside an employment are dropped, SPEC v2)."""
        return next(iter(self.employed_all(people)), None)

    def employed_all(self, people: list[dict]) -> list[str]:
        first = self.previous.start if self.previous else self.plan.period.start
        return [p["id"] for p in people if isinstance(p["hire_date"], date) and p["hire_date"] <= first
                and (p["leave_date"] is None or p["leave_date"] >= self.plan.period.end)]

    def broken(self, what: str) -> None:
        self.notes.add(f"dirty-{self.dirty}")
        self.refusal = f"broken data: {what}"

    def okrs(self, people: list[dict], current: bool = True) -> dict:
        ch = self.ch
        # now and then key results dated with `month:` (README "employed_share"), from a chooser of their own: the
        # months of the period, a month before it or after it (not read), on the objective or the key result
        dates = side(ch, "okr-months")
        dated = dates.chance(0.15)
        months = [*self.plan.period.months, *(self.previous.months[-1:] if self.previous else []),
                  (self.plan.period.end.year + (self.plan.period.end.month == 12), self.plan.period.end.month % 12 + 1)]
        out: dict[str, list] = {}
        who = self.employed(people)
        if current and self.dirty == "okr-target-is-start" and who:
            out[who] = [{"objective": "Broken", "key_results": [
                {"name": "Flat", "start": 5, "target": 5, "current": 6}]}]
            self.broken("an OKR key result whose target equals its start")
            people = [p for p in people if p["id"] != who]
        for p in people:
            if not ch.chance(0.75):
                continue
            objectives = []
            for o in range(ch.integer(1, 3)):
                obj: dict[str, Any] = {"objective": f"Objective {o + 1} of {p['id']}"}
                kind = ch.weighted([(None, 2), ("committed", 1), ("aspirational", 2)])
                if kind:
                    obj["type"] = kind
                krs = []
                for k in range(ch.integer(1, 3)):
                    start = ch.integer(0, 60)
                    span = ch.choice([1, 5, 10, 40, 100]) if not ch.chance(0.03) else Decimal("0.000001")
                    target = start + span if ch.chance(0.7) else start - span
                    current = start + (target - start) * Decimal(ch.integer(-20, 150)) / 100
                    kr: dict[str, Any] = {"name": f"KR {k + 1}", "start": start, "target": target,
                                          "current": current}
                    if ch.chance(0.3):
                        kr["weight"] = ch.choice([1, 2, 3, Decimal("0.5")])
                    if dated and dates.chance(0.7):
                        kr["month"] = "{}-{:02d}".format(*dates.choice(months))
                    krs.append(kr)
                obj["key_results"] = krs
                if dated and dates.chance(0.2):  # the whole objective dated (its key results' own month first)
                    obj["month"] = "{}-{:02d}".format(*dates.choice(months))
                objectives.append(obj)
            out[p["id"]] = objectives
        if len(out) < len(people):
            self.notes.add("employee-without-okrs")
        if dated and out:
            self.notes.add("okr-dated-key-results")
        return out
