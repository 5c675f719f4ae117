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

One module per job: :mod:`.files` (discovery, loading and checking test files), :mod:`.inputs` (a case's employees
as the engine's input tables), :mod:`.runner` (running cases and comparing results), :mod:`.results` (what a run
found) and :mod:`.reports` (the four output formats).
"""
from __future__ import annotations

from appraise.tools.testing.files import SCHEMA, TestFile, discover, load_test_file
from appraise.tools.testing.inputs import BUILT_IN, competencies_of, inputs_of, merged, rater_ratings
from appraise.tools.testing.reports import FORMATS, render
from appraise.tools.testing.results import Failure, Report, TestResult
from appraise.tools.testing.runner import DEFAULT_TOLERANCE, LIST_FIELDS, run_file, run_paths

__all__ = ["BUILT_IN", "DEFAULT_TOLERANCE", "FORMATS", "LIST_FIELDS", "SCHEMA", "Failure", "Report", "TestFile",
           "TestResult", "competencies_of", "discover", "inputs_of", "load_test_file", "merged", "rater_ratings",
           "render", "run_file", "run_paths"]
