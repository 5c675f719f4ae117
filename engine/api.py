"""The Python API: what a notebook user or another program calls.

>>> import appraise
>>> rules = appraise.load_ruleset("rulesets/sales-team.yaml")
>>> res = appraise.evaluate(rules, period="2026-Q3", context={"price_war": True, "restricted_regions": []},
...                         employees=emp_df, metrics=metrics_df)
>>> res.table            # one row per employee: score, grade, bonus, rules fired, ...
>>> res.explain("E001")  # the whole derivation as text

Frames may be polars or pandas DataFrames, or lists of dicts, in the shapes of
:mod:`appraise.tables`.  :func:`evaluate_cycle` runs a cycle file end to end
(providers included) without writing anything.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appraise.language.compile import Ruleset
from appraise.language.period import Period
from appraise.language.ruleset import load_ruleset
from appraise.pipeline import cycle_overrides, previous_table

__all__ = ["Results", "CycleResults", "evaluate", "evaluate_cycle", "evaluate_cycle_results", "run_cycle",
           "load_ruleset", "cycle_overrides", "previous_table"]


@dataclass
class Results:
    """The outcome of one evaluation: the result table plus everything behind it."""

    evaluation: Any
    document: dict[str, Any]
    diagnostics: list = field(default_factory=list)
    skipped: frozenset = frozenset()

    @property
    def table(self):
        """One row per appraised employee (polars DataFrame): the columns HR reads first."""
        import polars as pl

        rows = [{"id": e["id"], "name": e["name"], "scorecard": e["scorecard"], "score": e["score"],
                 "grade": e["grade"], "grade_uncalibrated": e["grade_uncalibrated"], "bonus": e["bonus"],
                 "rules_fired": e["rules_fired"], "outcomes": e["outcomes"], "missing": e["missing"],
                 "focus_areas": e["focus_areas"]} for e in self.document["employees"]]
        schema = {"id": pl.Utf8, "name": pl.Utf8, "scorecard": pl.Utf8, "score": pl.Float64, "grade": pl.Utf8,
                  "grade_uncalibrated": pl.Utf8, "bonus": pl.Utf8, "rules_fired": pl.List(pl.Utf8),
                  "outcomes": pl.List(pl.Utf8), "missing": pl.List(pl.Utf8), "focus_areas": pl.List(pl.Utf8)}
        return pl.DataFrame(rows, schema=schema)

    @property
    def frame(self):
        """Every intermediate column the engine computed (see :mod:`appraise.core.evaluate`)."""
        return self.evaluation.frame

    @property
    def errors(self):
        """Employees who could not be appraised, and why."""
        return self.evaluation.errors

    def employee(self, employee_id: str) -> dict[str, Any]:
        """One employee's results.json entry."""
        return next(e for e in self.document["employees"] if e["id"] == employee_id)

    def explain(self, employee_id: str, locale: str | None = None, format: str = "text"):
        """The derivation of one employee's numbers (``format='json'`` for the structure)."""
        from appraise.present.explain import explain, render_text

        x = explain(self.evaluation, employee_id, locale)
        return x if format == "json" else render_text(x)

    def _repr_html_(self) -> str:  # pragma: no cover - notebooks
        return self.table._repr_html_()


def evaluate(ruleset: Ruleset | str | Path, *, period: str | Period, context: Mapping[str, Any] | None = None,
             employees, metrics=None, aggregated=None, feedback=None, okrs=None, previous=None,
             subperiods=None, paid=None, overrides=None) -> Results:
    """Score a population in memory: tables in, :class:`Results` out (no files written).

    ``subperiods`` (employee, ruleset, period, score) feeds ``periods:`` dimensions and ``paid`` (employee,
    ruleset, period, bonus) ``bonus.net_of``, as :func:`appraise.store.database.period_inputs` reads them from a store;
    ``overrides`` is a list of :class:`appraise.language.overrides.Override`."""
    from appraise.pipeline import evaluate_tables

    out = evaluate_tables(ruleset, period=period, context=context, employees=employees, metrics=metrics,
                          aggregated=aggregated, feedback=feedback, okrs=okrs, previous=previous,
                          subperiods=subperiods, paid=paid, overrides=overrides)
    return Results(out.evaluation, out.document)


@dataclass
class CycleResults(Results):
    """:class:`Results` of a cycle file, with the cycle and what the providers reported."""

    cycle: Any = None


def evaluate_cycle_results(cycle_path: str | Path, previous=None, store: str | None = None) -> CycleResults:
    """Load a cycle file, read its sources through the providers and evaluate it (nothing is written).

    ``previous`` is the previous period's results (a table with ``employee``,
    ``grade``, ``score``, … or a results.json document); ``appraise run`` takes
    it from the results store.  ``store`` (a URL) is read for what the ruleset
    reads of other runs: ``previous`` when not given, the sub-periods of
    ``periods:`` dimensions and the bonuses ``bonus.net_of`` nets.
    """
    from appraise.pipeline import evaluate_cycle as run

    prepared, out = run(cycle_path, previous=previous, store=store)
    provided = prepared.provided
    return CycleResults(out.evaluation, out.document, list(provided.diagnostics), frozenset(provided.skipped),
                        cycle=prepared.cycle)


def evaluate_cycle(cycle_path: str | Path, previous=None, store: str | None = None) -> dict[str, Any]:
    """The results.json document of a cycle file (see :func:`evaluate_cycle_results`)."""
    return evaluate_cycle_results(cycle_path, previous, store).document


def run_cycle(cycle_path: str | Path, **options):
    """Run a whole review cycle (validate → provide → evaluate → store → export → render)."""
    from appraise.run import run_cycle as run

    return run(cycle_path, **options)
