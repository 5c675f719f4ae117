"""What the provide stage's checks work on: one source's table with its origin, the employee table's ids,
and the report the diagnostics go to.

A diagnostic is either about one employee (the cycle's ``on_error`` applies to it) or fatal (a problem of a
source as a whole, or of the cycle).
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from appraise.errors import Diagnostic
from appraise.hookspecs import Origin, SourceSpec
from appraise.language.cycle import Cycle


@dataclass
class Part:
    """One table a provider returned for one source, with where its rows come from."""

    frame: pl.DataFrame
    origin: Origin
    source: SourceSpec
    clean: bool = False  # its text cells are trimmed and none is empty (appraise.tables.TEXT_CLEAN)
    ascii: bool = False  # its text cells are all ASCII (appraise.tables.TEXT_ASCII)
    plain: frozenset = frozenset()  # its Float64 columns of plain numbers only (appraise.tables.NUMBERS_PLAIN)


class Report:
    """Diagnostics, each either about one employee (``on_error`` applies) or fatal."""

    def __init__(self) -> None:
        self.items: list[tuple[Diagnostic, str | None]] = []
        # the kinds of the sources that could not be read, an error saying why ("?": a provider not installed): what
        # they would have given is not said missing as well (the run stops on their errors)
        self.unread: set[str] = set()

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


class Known:
    """The employee table's ids: a Series for joins, a set (built when first asked) for membership."""

    def __init__(self, ids: pl.Series):
        self.ids = ids.drop_nulls().unique()
        self._set: set[str] | None = None
        self._sorted: pl.Series | None = None

    def unknown(self, values: pl.Series) -> pl.Series:
        """Per value of ``values`` (text): not null and not one of the ids, as ``~is_in(ids)`` says, found by a
        binary search in the ids sorted once: ``is_in`` builds a hash set of all the ids at every call (at 1,000,000
        employees ~0.6 s each, once per table checked)."""
        if self._sorted is None:
            self._sorted = self.ids.sort()
        ids = self._sorted
        if not ids.len():
            return values.is_not_null()
        filled = values.fill_null("")
        at = ids.search_sorted(filled, side="left").clip(0, ids.len() - 1)
        return values.is_not_null() & (ids.gather(at) != filled)

    def __contains__(self, emp: object) -> bool:
        if self._set is None:
            self._set = set(self.ids.to_list())
        return emp in self._set


def cycle_diag(cycle: Cycle, message: str, severity: str = "error") -> Diagnostic:
    """A problem of the cycle's sources as a whole, located at the cycle file's ``sources:``."""
    line, col = cycle.document.where(("sources",)) if cycle.document is not None else (0, 0)
    return Diagnostic(str(cycle.document.file if cycle.document else cycle.path), line, col, message, "sources",
                      severity=severity, code="cycle-sources")
