"""What running ruleset tests found: failed expectations, test results, and the report of a whole run."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from appraise.errors import Diagnostic


@dataclass(frozen=True)
class Failure:
    """One expectation that did not hold, at the ``file:line:col`` of the expected value."""

    file: str
    line: int
    col: int
    employee: str
    what: str          # ``score``, ``kpis.results.revenue.attainment``, ``rules_fired``, ...
    expected: Any
    actual: Any
    message: str = ""

    def __str__(self) -> str:
        text = self.message or f"expected {show_value(self.expected)}, got {show_value(self.actual)}"
        return f"{self.file}:{self.line}:{self.col}: {self.employee} {self.what}: {text}"

    def to_dict(self) -> dict:
        """The JSON shape of ``--format json``."""
        return {"file": self.file, "line": self.line, "col": self.col, "employee": self.employee,
                "what": self.what, "expected": _jsonable(self.expected), "actual": _jsonable(self.actual),
                "message": str(self)}


@dataclass
class TestResult:
    """The outcome of one test case."""

    file: str
    line: int
    col: int
    name: str
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """No expectation failed."""
        return not self.failures


@dataclass
class Report:
    """Everything ``appraise test`` found: test results, invalid files, coverage per ruleset."""

    results: list[TestResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    coverage: dict = field(default_factory=dict)   # ruleset shown path -> coverage.Coverage
    files: list[str] = field(default_factory=list)
    min_coverage: float | None = None

    def below_min_coverage(self) -> list:
        """The rulesets whose coverage is below :attr:`min_coverage` (percent)."""
        if self.min_coverage is None:
            return []
        return [c for c in self.coverage.values() if c.percent + 1e-9 < self.min_coverage]

    @property
    def passed(self) -> int:
        """How many tests passed."""
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        """How many tests failed."""
        return sum(not r.passed for r in self.results)

    @property
    def invalid(self) -> bool:
        """A test file (or its ruleset) could not be run (exit status 2)."""
        return any(d.severity == "error" for d in self.diagnostics)

    def summary(self) -> str:
        """The closing line: ``N passed, N failed``."""
        return f"{self.passed} passed, {self.failed} failed"


def show_value(value) -> str:
    """A value as failure messages show it: floats as ``:g`` below 10^15, lists in brackets, None as null."""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if value is None:
        return "null"
    return str(value)


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    return value
