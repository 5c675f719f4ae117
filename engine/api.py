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
from pathlib import Path
from typing import Any

from appraise.language.compile import Ruleset
from appraise.language.period import Period
from appraise.language.ruleset import load_ruleset
from appraise.pipeline import Outcome, cycle_overrides, previous_table

__all__ = ["Results", "CycleResults", "evaluate", "evaluate_cycle", "evaluate_cycle_results", "run_cycle",
           "load_ruleset", "cycle_overrides", "previous_table"]

# the columns of Results.table, in order (each as the results.json document has it)
TABLE_COLUMNS = ["id", "name", "scorecard", "score", "grade", "grade_uncalibrated", "bonus", "rules_fired",
                 "outcomes", "missing", "focus_areas"]


class Results(Outcome):
    """The outcome of one evaluation: the result table plus everything behind it.

    The results.json document (:attr:`document`, ~16 KB a person) is built on first use; :attr:`table` is
    computed from the engine's columns (:func:`appraise.export.columns.summary`) without it."""

    def __init__(self, evaluation: Any, document: dict[str, Any] | None = None, diagnostics: list | None = None,
                 skipped: frozenset = frozenset()):
        super().__init__(evaluation, document)
        self.diagnostics = list(diagnostics or [])
        self.skipped = skipped
        self._table = None
        self._by_id: dict[str, dict[str, Any]] | None = None

    @property
    def table(self):
        """One row per appraised employee (polars DataFrame): the columns HR reads first."""
        if self._table is None:
            from appraise.export.columns import summary

            self._table = summary(self.evaluation).select(TABLE_COLUMNS)
        return self._table

    @property
    def frame(self):
        """Every intermediate column the engine computed (see :mod:`appraise.core.evaluate`)."""
        return self.evaluation.frame

    @property
    def errors(self):
        """Employees who could not be appraised, and why."""
        return self.evaluation.errors

    def employee(self, employee_id: str) -> dict[str, Any]:
        """One employee's results.json entry (StopIteration when nobody has that id, as before): from the
        document when it has been built, else built for this employee alone."""
        if self._by_id is None:
            self._by_id = {}
            if self.built:
                for e in self.document["employees"]:
                    self._by_id.setdefault(e["id"], e)
        if employee_id not in self._by_id and not self.built:
            from appraise.export.document import employee_results

            ids = self.evaluation.frame["id"]
            found = ids.eq(employee_id).fill_null(False).arg_true()
            if len(found):
                self._by_id[employee_id] = employee_results(self.evaluation, [int(found[0])])[0]
        if employee_id not in self._by_id:
            raise StopIteration(employee_id)
        return self._by_id[employee_id]

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
    return Results(out.evaluation)


class CycleResults(Results):
    """:class:`Results` of a cycle file, with the cycle and what the providers reported."""

    def __init__(self, evaluation: Any, document: dict[str, Any] | None = None, diagnostics: list | None = None,
                 skipped: frozenset = frozenset(), cycle: Any = None):
        super().__init__(evaluation, document, diagnostics, skipped)
        self.cycle = cycle


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
    return CycleResults(out.evaluation, None, list(provided.diagnostics), frozenset(provided.skipped),
                        cycle=prepared.cycle)


def evaluate_cycle(cycle_path: str | Path, previous=None, store: str | None = None) -> dict[str, Any]:
    """The results.json document of a cycle file (see :func:`evaluate_cycle_results`)."""
    return evaluate_cycle_results(cycle_path, previous, store).document


def run_cycle(cycle_path: str | Path, **options):
    """Run a whole review cycle (validate → provide → evaluate → store → export → render)."""
    from appraise.run import run_cycle as run

    return run(cycle_path, **options)
