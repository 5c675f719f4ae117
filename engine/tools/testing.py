"""Ruleset tests: YAML cases of employees *given* and results *expected*, scored by the real engine.

A ruleset test file (schema ``schemas/ruleset-test.schema.json``) names the
ruleset under test, the period and the context, and lists test cases.  Each
case gives a few employees (attributes, raw metrics as period values or
monthly rows, 360 ratings, OKRs, the previous period's result) and says what
their results must be (score within a tolerance, grades, bonus, rules fired,
outcomes, focus areas, missing items, KPI and dimension numbers)::

    ruleset: ../sales-team.yaml
    cycle: 2026-Q3
    context: {price_war: false, restricted_regions: []}
    tests:
      - name: a rep exactly on quota earns base and floating bonus
        given:
          - {id: R1, role: sales_rep, team: t1, region: east, hire_date: 2020-01-01, target_bonus: 20000,
             metrics: {revenue: 1000000, quota: 1000000}}
        expect:
          R1: {bonus: "20000", rules_fired: [], kpis: {results.revenue: {attainment: 1.0}}}

Every case runs through :func:`appraise.pipeline.evaluate_tables` — the same code path as
``appraise run`` and :func:`appraise.evaluate` minus the providers — so a passing test says something about
the engine as shipped, not about a re-implementation.  The employees of one
case are scored together, so calibration can be tested with several of them.

:func:`load_test_file` checks a file (schema first, then what a schema cannot
say: the ruleset is valid, metrics and attributes are declared, ids named in
``expect`` exist, months lie in the period, ...) and raises
:class:`~appraise.errors.InvalidInput` with every problem at ``file:line:col``.
:func:`run_paths` runs files and folders and collects :mod:`coverage
<appraise.tools.coverage>` of each ruleset; :func:`render` prints a :class:`Report`
as text, JSON, JUnit XML or GitHub annotations.  Ruleset authors can call
:func:`run_paths` from their own pytest suites the same way ``appraise test`` does.
"""
from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from appraise.display import did_you_mean, shown
from appraise.errors import AppraiseError, Diagnostic, InvalidInput
from appraise.language import schema as schemas
from appraise.language.load import Document, load

DEFAULT_TOLERANCE = 0.005
LIST_FIELDS = ("rules_fired", "adjustments", "outcomes", "missing", "focus_areas")
FORMATS = ("text", "json", "junit", "github")
SCHEMA = "ruleset-test"
BUILT_IN = ("id", "name", "hire_date", "leave_date", "locale")


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
        text = self.message or f"expected {_show(self.expected)}, got {_show(self.actual)}"
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


class _Checker:
    """What the schema cannot say about a test file, checked against the ruleset it tests."""

    def __init__(self, tf: TestFile):
        self.tf = tf
        self.doc = tf.doc
        rs = tf.ruleset
        self.raw = {m.name for m in rs.raw_metrics}
        self.derived = {m.name: m for m in rs.metrics if m.derived}
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
            if key in self.raw or key in self.derived:
                self.error(at + (key,), f"'{key}' is a metric; put it under metrics:", key=True, code="test-unknown")
            else:
                self.error(at + (key,), f"'{key}' is not an attribute the ruleset declares"
                           + did_you_mean(key, self.attributes), key=True,
                           hint="declared: " + ", ".join(sorted(self.attributes)), code="test-unknown")
        metrics = emp.get("metrics")
        rows = [((), metrics)] if isinstance(metrics, dict) else [((k,), r) for k, r in enumerate(metrics or [])]
        for sub, row in rows:
            for name in row:
                where = at + ("metrics",) + sub + (name,)
                if name == "month" and sub:
                    if period is not None and str(row["month"]) not in period.months:
                        self.error(where, f"month {row['month']} is not in the test's period {period.id}; "
                                   "the engine would ignore this row", code="test-month")
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
        for kpi in exp.get("kpis") or {}:
            if kpi not in self.kpis:
                self.error(at + ("kpis", kpi), f"'{kpi}' is not a KPI of the ruleset (write dimension.kpi)"
                           + did_you_mean(kpi, self.kpis), key=True, code="test-unknown")
        for dim in exp.get("dimensions") or {}:
            if dim not in self.dims:
                self.error(at + ("dimensions", dim), f"'{dim}' is not a dimension of the ruleset"
                           + did_you_mean(dim, self.dims), key=True, code="test-unknown")


# ---------------------------------------------------------------- running

def merged(defaults: dict | None, employee: dict) -> dict:
    """An employee over the file's ``defaults``: own values win; ``metrics``/``feedback360`` mappings merge by key."""
    out = dict(defaults or {})
    for key, value in employee.items():
        if key in ("metrics", "feedback360") and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def competencies_of(ruleset) -> list[str]:
    """The 360 competencies the ruleset's feedback dimensions read, in file order (empty: any)."""
    return list(dict.fromkeys(c for card in ruleset.scorecards for d in card.dimensions
                              if d.kind == "feedback360" and d.feedback is not None for c in d.feedback.competencies))


def rater_ratings(ratings, competencies: list[str]) -> list[tuple[str, float]]:
    """(competency, rating) rows of one rater: a number rates every competency, a list rates them in order."""
    if isinstance(ratings, dict):
        return [(str(c), r) for c, r in ratings.items()]
    if isinstance(ratings, list):
        names = competencies or [f"c{m + 1}" for m in range(len(ratings))]
        return list(zip(names, ratings))
    return [(c, ratings) for c in competencies or ["overall"]]


def inputs_of(test: dict, ruleset, defaults: dict | None = None) -> dict[str, Any]:
    """The keyword arguments of :func:`appraise.pipeline.evaluate_tables` for one test's ``given`` employees."""
    import polars as pl

    employees, monthly, aggregated, feedback, okrs, previous = [], [], [], [], [], []
    subperiods, paid = [], []
    read_by_periods = list(dict.fromkeys(d.periods.ruleset for c in ruleset.scorecards for d in c.dimensions
                                         if d.periods is not None))
    net = ruleset.bonus.net_of if ruleset.bonus is not None else None
    columns = list(BUILT_IN) + [a for a in ruleset.attributes if a not in BUILT_IN]
    competencies = competencies_of(ruleset)
    for emp in (merged(defaults, e) for e in test["given"]):
        eid = str(emp["id"])
        row: dict[str, str | None] = {c: None for c in columns}
        for k, v in emp.items():
            if k not in ("metrics", "feedback360", "okrs", "previous", "periods", "paid"):
                row[k] = None if v is None else _text(v)
        row["id"], row["name"] = eid, row["name"] or eid
        employees.append(row)
        metrics = emp.get("metrics")
        if isinstance(metrics, dict):
            aggregated.append({"employee": eid, **{k: _float(v) for k, v in metrics.items()}})
        for r in metrics if isinstance(metrics, list) else []:
            monthly.append({"employee": eid, "month": str(r["month"]),
                            **{k: _float(v) for k, v in r.items() if k != "month"}})
        for relation, raters in (emp.get("feedback360") or {}).items():
            for n, ratings in enumerate(raters, 1):
                for competency, rating in rater_ratings(ratings, competencies):
                    feedback.append({"employee": eid, "rater": f"{eid}/{relation}-{n}", "relation": str(relation),
                                     "competency": competency, "rating": float(rating)})
        for index, o in enumerate(emp.get("okrs") or []):
            for kr in o["key_results"]:
                okrs.append({"employee": eid, "objective": o["objective"], "objective_index": index,
                             "type": o.get("type", "committed"), "key_result": kr["name"],
                             "start": float(kr["start"]), "target": float(kr["target"]),
                             "current": float(kr["current"]), "weight": float(kr.get("weight", 1))})
        for key, value in (emp.get("periods") or {}).items():
            # {period: score} for every ruleset the periods: dimensions read, or {ruleset: {period: score}}
            scores = value.items() if isinstance(value, dict) else [(key, value)]
            for rs_id in ([key] if isinstance(value, dict) else read_by_periods):
                subperiods += [{"employee": eid, "ruleset": rs_id, "period": str(p), "score": _float(v)}
                               for p, v in scores if v is not None]
        if net is not None:
            paid += [{"employee": eid, "ruleset": net.ruleset, "period": str(p),
                      "bonus": None if v is None else _text(v)}
                     for p, v in (emp.get("paid") or {}).items()]
        if emp.get("previous"):
            p = emp["previous"]
            previous.append({"employee": eid, "grade": p.get("grade"),
                             "grade_uncalibrated": p.get("grade_uncalibrated"),
                             "score": None if p.get("score") is None else float(p["score"]),
                             "bonus": None if p.get("bonus") is None else _text(p["bonus"]),
                             "scorecard": p.get("scorecard")})

    def frame(rows, key_columns):
        if not rows:
            return None
        names = list(dict.fromkeys(k for r in rows for k in r))
        schema = {n: (pl.Utf8 if n in key_columns else pl.Float64) for n in names}
        return pl.DataFrame([{n: r.get(n) for n in names} for r in rows], schema=schema)

    return {
        "employees": pl.DataFrame(employees, schema={c: pl.Utf8 for c in columns}),
        "metrics": frame(monthly, ("employee", "month")),
        "aggregated": frame(aggregated, ("employee",)),
        "feedback": frame(feedback, ("employee", "rater", "relation", "competency")),
        "okrs": pl.DataFrame(okrs, schema={"employee": pl.Utf8, "objective": pl.Utf8, "objective_index": pl.Int64,
                                           "type": pl.Utf8, "key_result": pl.Utf8, "start": pl.Float64,
                                           "target": pl.Float64, "current": pl.Float64, "weight": pl.Float64})
        if okrs else None,
        "previous": pl.DataFrame(previous, schema={"employee": pl.Utf8, "grade": pl.Utf8, "grade_uncalibrated": pl.Utf8,
                                                   "score": pl.Float64, "bonus": pl.Utf8, "scorecard": pl.Utf8})
        if previous else None,
        "subperiods": pl.DataFrame(subperiods, schema={"employee": pl.Utf8, "ruleset": pl.Utf8, "period": pl.Utf8,
                                                       "score": pl.Float64}) if read_by_periods else None,
        "paid": pl.DataFrame(paid, schema={"employee": pl.Utf8, "ruleset": pl.Utf8, "period": pl.Utf8,
                                           "bonus": pl.Utf8}) if net is not None else None,
    }


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _float(v):
    return None if v is None else float(v)


def run_file(tf: TestFile, collector=None) -> list[TestResult]:
    """Run every case of a checked test file; ``collector`` (a :class:`appraise.tools.coverage.Collector`) sees
    each result frame."""
    from appraise.language.period import parse as parse_period
    from appraise.pipeline import evaluate_tables

    data = tf.doc.data
    out = []
    for i, test in enumerate(data["tests"]):
        at = ("tests", i)
        line, col = tf.doc.where(at + ("name",), key=True)
        result = TestResult(tf.shown, line, col, test["name"])
        started = time.perf_counter()
        context = {**(data.get("context") or {}), **(test.get("context") or {})}
        period = parse_period(str(test.get("cycle", data["cycle"])))
        tolerance = test.get("tolerance", data.get("tolerance", DEFAULT_TOLERANCE))
        try:
            res = evaluate_tables(tf.ruleset, period=period, context=context,
                                  **inputs_of(test, tf.ruleset, data.get("defaults")))
        except AppraiseError as exc:
            result.failures.append(Failure(tf.shown, line, col, "-", "evaluation", None, None,
                                           f"the engine refused the test: {exc}"))
        else:
            if collector is not None:
                collector.add(res.evaluation.frame)
            reasons = {e.employee: e.message for e in res.evaluation.errors}
            actual = {e["id"]: e for e in res.document["employees"]}
            for emp_id, exp in test["expect"].items():
                result.failures.extend(_compare(tf.doc, at + ("expect", emp_id), emp_id, exp, actual.get(emp_id),
                                                reasons.get(emp_id), exp.get("tolerance", tolerance)))
        result.seconds = time.perf_counter() - started
        out.append(result)
    return out


def _compare(doc: Document, at: tuple, emp_id: str, exp: dict, got: dict | None, reason: str | None,
             tolerance: float) -> list[Failure]:
    """The expectations of one employee that do not hold, each located at its expected value."""
    fails: list[Failure] = []

    def fail(path: tuple, what: str, expected, actual, message: str = "") -> None:
        line, col = doc.where(at + path)
        fails.append(Failure(doc.file, line, col, emp_id, what, expected, actual, message))

    if exp.get("appraised") is False:
        if got is not None:
            fail(("appraised",), "appraised", False, True, f"expected not to be appraised, but got score "
                 f"{_show(got['score'])}, grade {got['grade']}")
        return fails
    if got is None:
        line, col = doc.where(at, key=True)
        why = reason or "not employed in the test's period (hire_date / leave_date)"
        return [Failure(doc.file, line, col, emp_id, "appraised", True, False, f"was not appraised: {why}")]
    if "score" in exp and not _close(got["score"], exp["score"], tolerance):
        fail(("score",), "score", exp["score"], got["score"],
             f"expected {_show(exp['score'])} (±{_show(tolerance)}), got {_show(got['score'])}")
    for name in ("grade", "grade_uncalibrated"):
        if name in exp and got.get(name) != exp[name]:
            fail((name,), name, exp[name], got.get(name))
    for name in ("bonus", "bonus_gross", "bonus_paid"):
        if name in exp and not _same_money(got.get(name), exp[name]):
            fail((name,), name, exp[name], got.get(name))
    if "employed_share" in exp and not _close(got.get("employed_share"), exp["employed_share"], tolerance):
        fail(("employed_share",), "employed_share", exp["employed_share"], got.get("employed_share"))
    for name in LIST_FIELDS:
        if name not in exp:
            continue
        # adjustments come as {id, points}; expectations name them by id
        want, have = exp[name], [a["id"] if isinstance(a, dict) else a for a in got.get(name) or []]
        if isinstance(want, list):
            if want != have:
                fail((name,), name, want, have)
            continue
        for k, item in enumerate(want.get("includes") or []):
            if item not in have:
                fail((name, "includes", k), name, f"to include {item}", have,
                     f"expected to include '{item}', got {_show(have)}")
        for k, item in enumerate(want.get("excludes") or []):
            if item in have:
                fail((name, "excludes", k), name, f"to exclude {item}", have,
                     f"expected not to include '{item}', got {_show(have)}")
    for section in ("kpis", "dimensions"):
        for key, fields in (exp.get(section) or {}).items():
            entry = (got.get(section) or {}).get(key)
            for fname, want in fields.items():
                value = None if entry is None else entry.get(fname)
                if not _close(value, want, tolerance):
                    fail((section, key, fname), f"{section}.{key}.{fname}", want, value)
    for key, want in (exp.get("lost_points") or {}).items():
        value = (got.get("lost_points") or {}).get(key, 0.0)
        if not _close(value, want, tolerance):
            fail(("lost_points", key), f"lost_points.{key}", want, value)
    return fails


def _close(actual, expected, tolerance: float) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(actual, float) and math.isnan(actual):
        return False
    return abs(float(actual) - float(expected)) <= tolerance + 1e-9


def _same_money(actual, expected) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    try:
        return Decimal(str(actual)) == Decimal(str(expected))
    except InvalidOperation:
        return False


def _show(value) -> str:
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


def run_paths(paths: Iterable[str | Path] = (), *, coverage: bool = True) -> Report:
    """Discover, check and run test files; invalid files go to ``diagnostics``, never half-run."""
    from appraise.tools.coverage import Collector

    report = Report()
    collectors: dict[str, Collector] = {}
    for path in discover(paths):
        label = shown(path)
        report.files.append(label)
        if not path.exists():
            report.diagnostics.append(Diagnostic(label, 0, 0, "no such file or folder", code="io"))
            continue
        try:
            tf = load_test_file(path)
        except InvalidInput as exc:
            report.diagnostics.extend(exc.diagnostics)
            continue
        collector = None
        if coverage:
            key = tf.ruleset_doc.file
            collector = collectors.setdefault(key, Collector(tf.ruleset, tf.ruleset_doc))
        report.results.extend(run_file(tf, collector))
    report.coverage = {k: c.result() for k, c in collectors.items()}
    return report


# ---------------------------------------------------------------- output

def render(report: Report, fmt: str = "text", *, show_coverage: bool = False, verbose: bool = False,
           min_coverage: float | None = None) -> str:
    """The report in ``fmt`` (text, json, junit, github); text and github end with ``N passed, N failed``.

    With ``min_coverage`` (percent), rulesets below it are named (text, github) or flagged (json).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}'; the formats are {', '.join(FORMATS)}")
    report.min_coverage = min_coverage
    return {"text": _text_report, "json": _json_report, "junit": _junit_report,
            "github": _github_report}[fmt](report, show_coverage or min_coverage is not None, verbose)


def _text_report(report: Report, show_coverage: bool, verbose: bool) -> str:
    lines = [str(d) for d in report.diagnostics]
    for r in report.results:
        if r.passed:
            if verbose:
                lines.append(f"PASS {r.file}:{r.line}:{r.col}: {r.name}")
            continue
        lines.append(f"FAIL {r.file}:{r.line}:{r.col}: {r.name}")
        lines.extend(f"  {f}" for f in r.failures)
    if show_coverage:
        from appraise.tools.coverage import render_text

        lines.extend(render_text(c) for c in report.coverage.values())
    lines.extend(f"FAIL coverage of {c.ruleset} is {c.percent:.1f}%, below --min-coverage {report.min_coverage:g}%"
                 for c in report.below_min_coverage())
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def _json_report(report: Report, show_coverage: bool, verbose: bool) -> str:
    doc = {
        "passed": report.passed, "failed": report.failed, "summary": report.summary(),
        "diagnostics": [d.to_dict() for d in report.diagnostics],
        "tests": [{"file": r.file, "line": r.line, "col": r.col, "name": r.name, "passed": r.passed,
                   "seconds": round(r.seconds, 4), "failures": [f.to_dict() for f in r.failures]}
                  for r in report.results],
        "coverage": {k: c.to_dict() for k, c in report.coverage.items()},
        "min_coverage": report.min_coverage,
        "below_min_coverage": [c.ruleset for c in report.below_min_coverage()],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _junit_report(report: Report, show_coverage: bool, verbose: bool) -> str:
    import xml.etree.ElementTree as ET

    suites = ET.Element("testsuites", name="appraise test", tests=str(len(report.results)),
                        failures=str(report.failed), errors=str(len({d.file for d in report.diagnostics})))
    by_file: dict[str, list[TestResult]] = {}
    for r in report.results:
        by_file.setdefault(r.file, []).append(r)
    for file in dict.fromkeys([*by_file, *(d.file for d in report.diagnostics)]):
        results = by_file.get(file, [])
        diags = [d for d in report.diagnostics if d.file == file]
        suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(results) or 1),
                              failures=str(sum(not r.passed for r in results)), errors=str(int(bool(diags))),
                              time=f"{sum(r.seconds for r in results):.3f}")
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=file, name=r.name, time=f"{r.seconds:.3f}",
                                 file=file, line=str(r.line))
            if r.failures:
                body = ET.SubElement(case, "failure", type="expectation",
                                     message=f"{len(r.failures)} expectation"
                                             f"{'s' if len(r.failures) != 1 else ''} failed")
                body.text = "\n".join(str(f) for f in r.failures)
        if diags:
            case = ET.SubElement(suite, "testcase", classname=file, name="test file is valid")
            body = ET.SubElement(case, "error", type="invalid", message=f"{len(diags)} problem(s)")
            body.text = "\n".join(str(d) for d in diags)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _github_report(report: Report, show_coverage: bool, verbose: bool) -> str:
    from appraise.present.report import escape_data, escape_property

    lines = []
    for d in report.diagnostics:
        props = f"file={escape_property(d.file)},line={d.line},col={d.col},title=appraise test"
        lines.append(f"::error {props}::{escape_data(str(d).split(': error: ', 1)[-1])}")
    for r in report.results:
        for f in r.failures:
            props = (f"file={escape_property(f.file)},line={f.line},col={f.col},"
                     f"title={escape_property('appraise test: ' + r.name)}")
            lines.append(f"::error {props}::{escape_data(str(f).split(': ', 1)[-1])}")
    if show_coverage:
        from appraise.tools.coverage import render_text

        for c in report.coverage.values():
            for item in c.uncovered:
                lines.append(f"::notice file={escape_property(item.file)},line={item.line},col={item.col},"
                             "title=appraise test coverage::"
                             + escape_data(f"{item.kind} {item.id} is not covered by any test"))
            lines.append(render_text(c))
    for c in report.below_min_coverage():
        lines.append(f"::error title=appraise test coverage::coverage of {escape_data(c.ruleset)} is "
                     f"{c.percent:.1f}%, below --min-coverage {report.min_coverage:g}%")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


__all__ = ["TestFile", "TestResult", "Failure", "Report", "discover", "load_test_file", "run_file", "run_paths",
           "render", "inputs_of", "merged"]
