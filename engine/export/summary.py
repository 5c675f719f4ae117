"""Totals of a group of results: employees per grade and money sums.

The one definition of these figures: the export files (results.xlsx's Summary sheet), the run's report and the
pages (team overviews, the index) all count grades and add bonuses here.  ``employees`` is the ``employees``
list of a results.json document, or any part of it (one team).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


def grade_counts(employees: Iterable[Mapping[str, Any]], ruleset) -> dict[str, int]:
    """Employees per grade, in the ruleset's order (top grade first), every grade listed; a grade the ruleset
    does not define (none in a document the engine wrote) follows, in sorted order."""
    return grades_listed(Counter(e.get("grade") for e in employees), ruleset)


def grades_listed(counts: Mapping[Any, int], ruleset) -> dict[str, int]:
    """:func:`grade_counts` of ``counts`` (grade → employees, already counted; e.g. a grade column's
    ``value_counts``)."""
    out = {g.grade: counts.get(g.grade, 0) for g in ruleset.grades}
    for grade, n in sorted(counts.items(), key=lambda kv: str(kv[0])):
        if grade not in out:
            out[str(grade)] = n
    return out


def money_total(amounts: Iterable[Any]) -> Decimal | None:
    """The exact sum of the amounts given (decimal strings or numbers); None when there is none.

    ``None`` and ``""`` are no amount (an employee the ruleset pays nothing, a redacted value); a value that is
    not a number is skipped too, so a page made from a hand-edited document still shows the rest."""
    total, seen = Decimal(0), False
    for v in amounts:
        if v is None or v == "":
            continue
        try:
            total += Decimal(str(v))
            seen = True
        except InvalidOperation:
            continue
    return total if seen else None


def bonus_total(employees: Iterable[Mapping[str, Any]]) -> Decimal:
    """The exact sum of every bonus of ``employees`` (0 when none of them has one)."""
    total = money_total(e.get("bonus") for e in employees)
    return Decimal(0) if total is None else total


def column_grade_counts(grades, ruleset) -> dict[str, int]:
    """:func:`grade_counts` of a grade column (a polars Series, one value per employee), counted by polars."""
    return grades_listed(dict(grades.value_counts().iter_rows()), ruleset)


def column_bonus_total(amounts) -> Decimal:
    """:func:`bonus_total` of a column of bonus amounts (a polars Series of decimal strings, None for none):
    each distinct amount converted once and multiplied by how often it occurs (exact decimals: the same sum
    while it has at most 28 digits, as any company's pay has)."""
    parts = []
    for v, n in amounts.drop_nulls().value_counts().iter_rows():
        try:
            parts.append(Decimal(str(v)) * n)
        except InvalidOperation:  # not an amount: skipped, as money_total skips it
            continue
    total = money_total(parts)
    return Decimal(0) if total is None else total
