"""Running ruleset tests: each case scored by the real engine, its results compared with what it expects.

Every case runs through :func:`appraise.pipeline.evaluate_tables`, the same code path as ``appraise run`` and
:func:`appraise.evaluate` minus the providers; the employees of one case are scored together.  :func:`run_paths`
discovers, checks and runs files and folders, and collects :mod:`coverage <appraise.tools.coverage>` of each ruleset.
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from appraise.display import shown
from appraise.errors import AppraiseError, Diagnostic, InvalidInput
from appraise.language.load import Document
from appraise.tools.testing.files import TestFile, discover, load_test_file
from appraise.tools.testing.inputs import inputs_of
from appraise.tools.testing.results import Failure, Report, TestResult, show_value

DEFAULT_TOLERANCE = 0.005
LIST_FIELDS = ("rules_fired", "adjustments", "outcomes", "missing", "focus_areas")


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
                 f"{show_value(got['score'])}, grade {got['grade']}")
        return fails
    if got is None:
        line, col = doc.where(at, key=True)
        why = reason or "not employed in the test's period (hire_date / leave_date)"
        return [Failure(doc.file, line, col, emp_id, "appraised", True, False, f"was not appraised: {why}")]
    if "score" in exp and not _close(got["score"], exp["score"], tolerance):
        fail(("score",), "score", exp["score"], got["score"],
             f"expected {show_value(exp['score'])} (±{show_value(tolerance)}), got {show_value(got['score'])}")
    for name in ("grade", "grade_uncalibrated"):
        if name in exp and got.get(name) != exp[name]:
            fail((name,), name, exp[name], got.get(name))
    for name in ("bonus", "bonus_gross", "bonus_paid", "bonus_earned", "bonus_draw_balance", "bonus_ytd"):
        if name in exp and not _same_money(got.get(name), exp[name]):
            fail((name,), name, exp[name], got.get(name))
    for name in ("bonus_draw", "bonus_guarantee"):  # an incentive plan's draw and guarantee, field by field
        for fname, want in (exp.get(name) or {}).items():
            value = (got.get(name) or {}).get(fname)
            if not _same_money(value, want):
                fail((name, fname), f"{name}.{fname}", want, value)
    for key, want in (exp.get("components") or {}).items():  # what each plan component pays (exact)
        value = (((got.get("bonus_detail") or {}).get("components") or {}).get(key) or {}).get("amount")
        if not _same_money(value, want):
            fail(("components", key), f"components.{key}", want, value)
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
                     f"expected to include '{item}', got {show_value(have)}")
        for k, item in enumerate(want.get("excludes") or []):
            if item in have:
                fail((name, "excludes", k), name, f"to exclude {item}", have,
                     f"expected not to include '{item}', got {show_value(have)}")
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
