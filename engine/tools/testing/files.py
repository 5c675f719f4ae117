"""Ruleset test files: finding them, loading them, and checking what their schema cannot say against the ruleset.

:func:`discover` finds the test files of paths (files and folders); :func:`load_test_file` reads one, checks it
against ``schemas/ruleset-test.schema.json``, loads, validates and compiles the ruleset it names, then checks the
rest (metrics and attributes declared, ids named in ``expect`` given, months in the period, ...) and raises
:class:`~appraise.errors.InvalidInput` with every problem at ``file:line:col``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appraise.display import did_you_mean, shown
from appraise.errors import Diagnostic, InvalidInput
from appraise.language import schema as schemas
from appraise.language.load import Document, load
from appraise.tools.testing.inputs import BUILT_IN, competencies_of

SCHEMA = "ruleset-test"


# ---------------------------------------------------------------- loaded files

@dataclass
class TestFile:
    """A checked test file: its document, the compiled ruleset and that ruleset's document (for positions)."""

    path: Path
    doc: Document
    ruleset: Any
    ruleset_doc: Document

    @property
    def shown(self) -> str:
        """The test file as shown in messages (relative to the working folder when inside it)."""
        return self.doc.file


# ---------------------------------------------------------------- discovery

def discover(paths: Iterable[str | Path] = ()) -> list[Path]:
    """The test files named by ``paths`` (default: ``rulesets/tests/``, else ``**/*.test.yaml`` here).

    A file named explicitly is always a test file.  In a folder, a YAML file is
    a test file when it is named ``*.test.yaml``/``*.test.yml`` or lies in a
    folder called ``tests``.
    """
    named = [Path(p) for p in paths]
    if not named:
        default = Path("rulesets/tests")
        if default.is_dir():
            named = [default]
        else:
            return sorted(p for p in Path(".").rglob("*.test.y*ml") if not _hidden(p))
    out: list[Path] = []
    for given in named:
        if given.is_dir():
            for p in sorted(given.rglob("*")):
                if p.suffix in (".yaml", ".yml") and p.is_file() and not _hidden(p.relative_to(given)) and (
                        p.name.endswith((".test.yaml", ".test.yml")) or "tests" in p.relative_to(given).parts[:-1]
                        or given.name == "tests"):
                    out.append(p)
        else:
            out.append(given)
    return list(dict.fromkeys(out))


def _hidden(p: Path) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in p.parts)


# ---------------------------------------------------------------- loading and checking

def load_test_file(path: str | Path) -> TestFile:
    """Load and check a ruleset test file; raises :class:`InvalidInput` with every problem found."""
    from appraise.language.compile import compile_ruleset
    from appraise.language.paths import leaves_workspace
    from appraise.language.validate import validate_ruleset

    path = Path(path)
    outside = leaves_workspace(path, path)
    if outside is not None:  # a symlink out of the repository is not read
        raise InvalidInput([Diagnostic(shown(path), 0, 0, "is a symbolic link leading outside "
                                       f"{outside.as_posix()}; it was not read",
                                       hint="replace the link by the file", code="outside-path")])
    doc = load(path, shown(path))
    found = schemas.check(doc, SCHEMA)
    if found:
        raise InvalidInput(found)
    data = doc.data
    rpath = (path.parent / data["ruleset"]).resolve()
    root = leaves_workspace(rpath, path)
    if root is not None:  # its lines would be quoted in the report (a credentials file named as the ruleset)
        raise InvalidInput([doc.diag(("ruleset",), f"'{data['ruleset']}' leads outside {root.as_posix()}; the "
                                     "ruleset of a test must be inside it; it was not read",
                                     hint="set APPRAISE_ALLOW_OUTSIDE_PATHS=1 if it is meant", code="test-ruleset")])
    if not rpath.is_file():
        raise InvalidInput([doc.diag(("ruleset",), f"no ruleset at '{data['ruleset']}' (looked for {shown(rpath)})",
                                     hint="the path is relative to this test file", code="test-ruleset")])
    rdoc = load(rpath, shown(rpath))
    problems = [d for d in validate_ruleset(rdoc) if d.severity == "error"]
    if problems:
        raise InvalidInput([doc.diag(("ruleset",), f"the ruleset {rdoc.file} is not valid "
                                     f"({len(problems)} problem{'s' if len(problems) != 1 else ''}, listed below)",
                                     hint="appraise validate " + rdoc.file, code="test-ruleset"), *problems])
    ruleset = compile_ruleset(rdoc, rdoc.file, rpath.read_bytes())
    tf = TestFile(path, doc, ruleset, rdoc)
    problems = _Checker(tf).run()
    if problems:
        raise InvalidInput(problems)
    return tf


NUMBERS_HINT = "write plain numbers: 1234.5 (no thousands separators, units or %)"
_AMOUNT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _amount(value) -> bool:
    """Whether a test file's ``paid``/``paid_this_year``/``draw_balance`` value is an amount the engine reads as
    written: a number (not true/false), or text of a plain decimal number (``"12000.50"``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    return isinstance(value, str) and _AMOUNT.fullmatch(value) is not None


class _Checker:
    """What the schema cannot say about a test file, checked against the ruleset it tests."""

    def __init__(self, tf: TestFile):
        self.tf = tf
        self.doc = tf.doc
        rs = tf.ruleset
        self.raw = {m.name for m in rs.raw_metrics}
        self.derived = {m.name: m for m in rs.metrics if m.derived}
        self.rollups = {m.name: m.rollup for m in rs.rollups}
        self.attributes = set(rs.attributes) | set(BUILT_IN)
        self.kpis = {k.path for c in rs.scorecards for d in c.dimensions for k in d.kpis}
        self.dims = {d.key for c in rs.scorecards for d in c.dimensions}
        self.ids = {
            "rules_fired": [r.id for r in rs.rules],
            "adjustments": list(dict.fromkeys(a.id for c in rs.scorecards for a in c.adjustments)),
            "outcomes": [o.id for o in rs.outcomes],
            "missing": sorted(self.dims | self.kpis | self._subperiod_items()),
        }
        self.grades = [g.grade for g in rs.grades]
        self.out: list[Diagnostic] = []

    def _subperiod_items(self) -> set[str]:
        """``dimension.period`` items of ``periods:`` dimensions in the file's (and its tests') periods."""
        from appraise.language.period import parse as parse_period

        data = self.doc.data if isinstance(self.doc.data, dict) else {}
        out: set[str] = set()
        for text in [data.get("cycle")] + [t.get("cycle") for t in data.get("tests") or [] if isinstance(t, dict)]:
            try:
                period = parse_period(str(text))
            except ValueError:
                continue
            for c in self.tf.ruleset.scorecards:
                for d in c.dimensions:
                    if d.periods is not None:
                        try:
                            out |= {f"{d.key}.{p.id}" for p, _ in d.periods.parts(period)}
                        except ValueError:
                            pass
        return out

    def error(self, path: tuple, message: str, *, key: bool = False, hint: str = "", code: str = "test") -> None:
        """Report a problem at ``path`` of the test file."""
        self.out.append(self.doc.diag(path, message, key=key, hint=hint, code=code))

    def run(self) -> list[Diagnostic]:
        """Every problem found, in the order met."""
        from appraise.language.period import parse as parse_period

        data = self.doc.data
        periods = {}
        for where in [("cycle",)] + [("tests", i, "cycle") for i, t in enumerate(data["tests"]) if "cycle" in t]:
            try:
                periods[where] = parse_period(str(self._get(where)))
            except ValueError as exc:
                self.error(where, str(exc), code="test-cycle")
        if data.get("defaults"):
            self._employee(("defaults",), data["defaults"], None, periods.get(("cycle",)))
        base_context = data.get("context") or {}
        needed = sorted(self.tf.ruleset.context_fields())
        for i, test in enumerate(data["tests"]):
            at = ("tests", i)
            context = {**base_context, **(test.get("context") or {})}
            absent = [n for n in needed if n not in context]
            if absent:
                self.error(at + ("name",), f"test '{test['name']}' does not set "
                           + ", ".join(f"context.{n}" for n in absent)
                           + ", which the ruleset reads", hint="add it to the file's context: or the test's",
                           code="test-context")
            period = periods.get(at + ("cycle",)) or periods.get(("cycle",))
            seen: dict[str, int] = {}
            for j, emp in enumerate(test["given"]):
                self._employee(at + ("given", j), emp, seen, period)
            for emp_id, exp in test["expect"].items():
                self._expectation(at + ("expect", emp_id), emp_id, exp, seen)
        return self.out

    def _get(self, path: tuple):
        node = self.doc.data
        for p in path:
            node = node[p]
        return node

    def _employee(self, at: tuple, emp: dict, seen: dict | None, period) -> None:
        if seen is not None:
            emp_id = str(emp["id"])
            if emp_id in seen:
                self.error(at + ("id",), f"employee id '{emp_id}' is given twice in this test (first as item "
                           f"{seen[emp_id] + 1})", code="test-duplicate")
            seen[emp_id] = at[-1]
        for key in emp:
            if key in ("metrics", "feedback360", "okrs", "previous", "periods", "paid") or key in self.attributes:
                continue
            if key in ("draw_balance", "paid_this_year"):
                plan = self.tf.ruleset.bonus
                if plan is None or not plan.incentive or (key == "draw_balance" and plan.draw is None):
                    self.error(at + (key,), f"'{key}' is read only by an incentive plan"
                               + (" with a draw" if key == "draw_balance" else "") + " (README \"Incentive plans\"); "
                               "this ruleset has none", key=True, code="test-unknown")
                continue
            if key in self.raw or key in self.derived:
                self.error(at + (key,), f"'{key}' is a metric; put it under metrics:", key=True, code="test-unknown")
            else:
                self.error(at + (key,), f"'{key}' is not an attribute the ruleset declares"
                           + did_you_mean(key, self.attributes), key=True,
                           hint="declared: " + ", ".join(sorted(self.attributes)), code="test-unknown")
        # amounts already paid or carried in: one that is not a number would count as 0 (pay again what was paid)
        for key in ("paid", "paid_this_year"):
            for period_id, value in (emp.get(key) or {}).items() if isinstance(emp.get(key), dict) else ():
                if value is not None and not _amount(value):
                    self.error(at + (key, period_id), f"{key} for {period_id} is {value!r}, which is not an amount",
                               hint=NUMBERS_HINT, code="test-amount")
        if emp.get("draw_balance") is not None and not _amount(emp["draw_balance"]):
            self.error(at + ("draw_balance",), f"draw_balance is {emp['draw_balance']!r}, which is not an amount",
                       hint=NUMBERS_HINT, code="test-amount")
        metrics = emp.get("metrics")
        rows = [((), metrics)] if isinstance(metrics, dict) else [((k,), r) for k, r in enumerate(metrics or [])]
        for sub, row in rows:
            for name in row:
                where = at + ("metrics",) + sub + (name,)
                if name == "month" and sub:
                    if period is not None and str(row["month"]) not in period.months:
                        self.error(where, f"month {row['month']} is not in the test's period {period.id}; "
                                   "the engine would ignore this row", code="test-month")
                elif name in self.rollups:
                    r = self.rollups[name]
                    self.error(where, f"'{name}' is a team roll-up of {r.of}; give the employees who report to this "
                               f"one ({r.via}: <id>) their {r.of}", key=True, code="test-derived")
                elif name in self.derived:
                    formula = self.derived[name].formula
                    self.error(where, f"'{name}' is derived ({getattr(formula, 'text', formula)}); give the metrics "
                               "it is computed from", key=True, code="test-derived")
                elif name not in self.raw:
                    self.error(where, f"'{name}' is not a metric the ruleset declares"
                               + did_you_mean(name, self.raw | set(self.derived)), key=True, code="test-unknown")
        competencies = competencies_of(self.tf.ruleset)
        for relation, raters in (emp.get("feedback360") or {}).items():
            for n, ratings in enumerate(raters):
                where = at + ("feedback360", relation, n)
                if competencies and isinstance(ratings, list) and len(ratings) > len(competencies):
                    self.error(where, f"{len(ratings)} ratings, but the ruleset rates {len(competencies)} competencies "
                               f"({', '.join(competencies)})", code="test-feedback")
                for c in ratings if isinstance(ratings, dict) else ():
                    if competencies and c not in competencies:
                        self.error(where + (c,), f"'{c}' is not a competency the ruleset rates"
                                   + did_you_mean(c, competencies), key=True,
                                   hint="the competencies are " + ", ".join(competencies), code="test-feedback")
        for k, objective in enumerate(emp.get("okrs") or []):
            for m, kr in enumerate(objective["key_results"]):
                if kr["start"] == kr["target"]:
                    self.error(at + ("okrs", k, "key_results", m, "target"),
                               "target equals start, so progress cannot be measured", code="test-okr")

    def _expectation(self, at: tuple, emp_id: str, exp: dict, given: dict) -> None:
        if emp_id not in given:
            self.error(at, f"'{emp_id}' is not an employee given in this test" + did_you_mean(emp_id, given),
                       key=True, code="test-unknown")
        for name in ("grade", "grade_uncalibrated"):
            if name in exp and exp[name] not in self.grades:
                self.error(at + (name,), f"'{exp[name]}' is not a grade" + did_you_mean(str(exp[name]), self.grades),
                           hint="the grades are " + ", ".join(self.grades), code="test-unknown")
        for name, known in self.ids.items():
            value = exp.get(name)
            if value is None:
                continue
            items = [((k,), v) for k, v in enumerate(value)] if isinstance(value, list) else \
                [((part, k), v) for part in ("includes", "excludes") for k, v in enumerate(value.get(part) or [])]
            for sub, item in items:
                if item not in known:
                    what = {"rules_fired": "a rule", "adjustments": "an adjustment", "outcomes": "an outcome",
                            "missing": "a dimension or dimension.kpi"}[name]
                    self.error(at + (name,) + sub, f"'{item}' is not {what} of the ruleset"
                               + did_you_mean(item, known), code="test-unknown")
        parts = [c.key for c in self.tf.ruleset.bonus.components] if self.tf.ruleset.bonus is not None else []
        for part in exp.get("components") or {}:
            if part not in parts:
                self.error(at + ("components", part), f"'{part}' is not a component of the ruleset's bonus"
                           + did_you_mean(part, parts), key=True, code="test-unknown")
        for kpi in exp.get("kpis") or {}:
            if kpi not in self.kpis:
                self.error(at + ("kpis", kpi), f"'{kpi}' is not a KPI of the ruleset (write dimension.kpi)"
                           + did_you_mean(kpi, self.kpis), key=True, code="test-unknown")
        for dim in exp.get("dimensions") or {}:
            if dim not in self.dims:
                self.error(at + ("dimensions", dim), f"'{dim}' is not a dimension of the ruleset"
                           + did_you_mean(dim, self.dims), key=True, code="test-unknown")
