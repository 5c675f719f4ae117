"""Review periods: ``2026-07`` (month), ``2026-Q3`` (quarter), ``2026-H2`` (half year), ``2026`` (year)."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])\Z")
_HALF = re.compile(r"(\d{4})-H([12])\Z")
_YEAR = re.compile(r"(\d{4})\Z")

KIND_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
# the keys a sub-period has in `periods: {weights: ...}`, per `every:`
SUBPERIOD_KEYS = {"month": tuple(f"{m:02d}" for m in range(1, 13)), "quarter": ("Q1", "Q2", "Q3", "Q4"),
                  "half": ("H1", "H2")}


@dataclass(frozen=True)
class Period:
    """A review period: its id, kind and the months it covers."""

    id: str
    kind: str  # month | quarter | half | year
    year: int
    first_month: int
    months_count: int

    @property
    def months(self) -> tuple[str, ...]:
        """The ``YYYY-MM`` months of the period, in order."""
        return tuple(f"{self.year}-{m:02d}" for m in range(self.first_month, self.first_month + self.months_count))

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        last = self.first_month + self.months_count - 1
        return date(self.year, last, calendar.monthrange(self.year, last)[1])

    @property
    def days(self) -> int:
        """Days in the period (both ends included)."""
        return (self.end - self.start).days + 1

    @property
    def key(self) -> str:
        """The period's key among its year's periods of its kind: ``07``, ``Q3``, ``H2`` (a year: ``2026``)."""
        if self.kind == "month":
            return f"{self.first_month:02d}"
        if self.kind == "quarter":
            return f"Q{(self.first_month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"H{(self.first_month - 1) // 6 + 1}"
        return str(self.year)

    def subperiods(self, every: str) -> tuple[Period, ...]:
        """The periods of kind ``every`` (month, quarter, half) this period is made of, in order; raises
        ``ValueError`` when ``every`` is not shorter than the period."""
        step = KIND_MONTHS[every]
        if step >= self.months_count:
            raise ValueError(f"a {self.kind} ({self.id}) is not made of {every}s")
        return tuple(Period(_format(every, self.year, m), every, self.year, m, step)
                     for m in range(self.first_month, self.first_month + self.months_count, step))

    def employed_days(self, hire: date | None, leave: date | None) -> int:
        """Days of the period between ``hire`` and ``leave`` (both count as employed days; None = open)."""
        first = max(self.start, hire) if hire else self.start
        last = min(self.end, leave) if leave else self.end
        return max((last - first).days + 1, 0)

    def previous(self) -> Period:
        """The period of the same kind just before this one (Q3 -> Q2, Q1 -> last year's Q4)."""
        step = self.months_count
        month = self.first_month - step
        year = self.year
        if month < 1:
            month += 12
            year -= 1
        return Period(_format(self.kind, year, month), self.kind, year, month, step)

    def contains(self, other_id: str) -> bool:
        """Whether a period id (month, quarter, half or year) lies within this period."""
        try:
            other = parse(str(other_id))
        except ValueError:
            return False
        return self.start <= other.start and other.end <= self.end


def _format(kind: str, year: int, month: int) -> str:
    if kind == "month":
        return f"{year}-{month:02d}"
    if kind == "quarter":
        return f"{year}-Q{(month - 1) // 3 + 1}"
    if kind == "half":
        return f"{year}-H{(month - 1) // 6 + 1}"
    return f"{year}"


def parse(text: str) -> Period:
    """Parse a cycle id; raises ``ValueError`` with the accepted forms."""
    text = str(text).strip()
    if m := _MONTH.match(text):
        return Period(text, "month", int(m[1]), int(m[2]), 1)
    if m := _QUARTER.match(text):
        return Period(text, "quarter", int(m[1]), (int(m[2]) - 1) * 3 + 1, 3)
    if m := _HALF.match(text):
        return Period(text, "half", int(m[1]), (int(m[2]) - 1) * 6 + 1, 6)
    if m := _YEAR.match(text):
        return Period(text, "year", int(m[1]), 1, 12)
    raise ValueError(f"'{text}' is not a period; write 2026-07 (month), 2026-Q3 (quarter), "
                     "2026-H2 (half year) or 2026 (year)")


def tenure_months(hire: date, until: date) -> int:
    """Whole months from ``hire`` to ``until`` (0 when ``until`` is earlier)."""
    months = (until.year - hire.year) * 12 + (until.month - hire.month)
    if until.day < hire.day:
        months -= 1
    return max(months, 0)
