"""Review periods, written from SPEC.md: ``2026-07`` (month), ``2026-Q3``, ``2026-H2``, ``2026`` (year).

Plain functions over (year, first month, month count); nothing here is shared with the engine.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

_FORMS = (
    (re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z"), "month"),
    (re.compile(r"(\d{4})-Q([1-4])\Z"), "quarter"),
    (re.compile(r"(\d{4})-H([12])\Z"), "half"),
    (re.compile(r"(\d{4})\Z"), "year"),
)
LENGTH = {"month": 1, "quarter": 3, "half": 6, "year": 12}


@dataclass(frozen=True)
class Period:
    """A period: its id, its kind and the months it covers (``YYYY-MM``, in order)."""

    id: str
    kind: str
    year: int
    first_month: int  # 1..12

    @property
    def length(self) -> int:
        return LENGTH[self.kind]

    @cached_property
    def months(self) -> tuple[str, ...]:
        return tuple(f"{self.year}-{m:02d}" for m in range(self.first_month, self.first_month + self.length))

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> dt.date:
        last = self.first_month + self.length - 1
        return dt.date(self.year, last, calendar.monthrange(self.year, last)[1])

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def previous(self) -> Period:
        """The period of the same kind just before (Q1 → last year's Q4, 2026 → 2025)."""
        if self.kind == "year":
            return parse(str(self.year - 1))
        index = (self.first_month - 1) // self.length  # 0-based index within the year
        if index == 0:
            return _make(self.kind, self.year - 1, 12 // self.length - 1)
        return _make(self.kind, self.year, index - 1)

    def contains(self, other: Period) -> bool:
        """Whether ``other`` lies wholly within this period."""
        return set(other.months) <= set(self.months)

    def sub_periods(self, every: str) -> list[tuple[str, Period]]:
        """The ``every`` periods inside this one, each with its weight key (``01``..``12``, ``Q1``..``Q4``,
        ``H1``, ``H2``)."""
        if LENGTH[every] >= self.length:
            raise ValueError(f"{self.id} has no sub-periods of kind {every}")
        out = []
        for m in range(self.first_month, self.first_month + self.length, LENGTH[every]):
            index = (m - 1) // LENGTH[every]
            sub = _make(every, self.year, index)
            key = {"month": f"{m:02d}", "quarter": f"Q{index + 1}", "half": f"H{index + 1}"}[every]
            out.append((key, sub))
        return out


def _make(kind: str, year: int, index: int) -> Period:
    if kind == "month":
        return Period(f"{year}-{index + 1:02d}", "month", year, index + 1)
    if kind == "quarter":
        return Period(f"{year}-Q{index + 1}", "quarter", year, 3 * index + 1)
    if kind == "half":
        return Period(f"{year}-H{index + 1}", "half", year, 6 * index + 1)
    return Period(str(year), "year", year, 1)


def parse(text) -> Period:
    """A period from its id; ``ValueError`` for anything else."""
    text = str(text).strip()
    for pattern, kind in _FORMS:
        m = pattern.match(text)
        if m:
            year = int(m.group(1))
            if kind == "year":
                return _make("year", year, 0)
            return _make(kind, year, int(m.group(2)) - 1)
    raise ValueError(f"not a period: {text!r} (write 2026-07, 2026-Q3, 2026-H2 or 2026)")


def tenure_months(hire: dt.date, until: dt.date) -> int:
    """Whole months from ``hire`` to ``until``, as DATEDIF(…, "m"): a month counts once its day is reached."""
    months = (until.year - hire.year) * 12 + until.month - hire.month
    if until.day < hire.day:
        months -= 1
    return max(months, 0)
