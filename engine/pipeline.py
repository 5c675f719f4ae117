"""The pipeline, built in one place: cycle → ruleset → provided tables → evaluation (overrides, previous).

Everything that scores people goes through here, so each gets the same inputs the same way:

* ``appraise run`` (:mod:`appraise.run`): :func:`load`, :func:`prepare` (with the store), :meth:`Prepared.results`;
* the Python API (:mod:`appraise.api`): :func:`evaluate_tables` for tables in memory, :func:`evaluate_cycle`
  for a cycle file;
* ``appraise explain`` (:mod:`appraise.commands.explain`: :func:`load`, :func:`prepare` with the store,
  :meth:`Prepared.evaluate`);
* ``appraise diff`` (:mod:`appraise.tools.diff`: one :class:`Prepared`, the needs of both rulesets, scored under
  each) and the workshop (:mod:`appraise.tools.workshop.session`: :func:`load`, :func:`prepare`), both without
  the overrides file or the store, as before;
* ruleset tests (:mod:`appraise.tools.testing`: :func:`evaluate_tables`, as :func:`appraise.evaluate`).

Stages, in order:

1. :func:`load` — the cycle file (validated) and its ruleset (validated and compiled);
2. :func:`prepare` — the providers read the cycle's sources (:func:`appraise.provide.stage.provide`); with
   ``only``, a trial population; the cycle's overrides (:func:`cycle_overrides`); with a store, what the run
   reads of other runs (:func:`appraise.store.database.period_inputs`: sub-periods, what they paid, and
   ``previous`` unless given); ``previous`` as the engine's table (:func:`previous_table`);
3. :meth:`Prepared.evaluate` / :meth:`Prepared.results` — the engine (:func:`appraise.core.evaluate.evaluate`)
   and the results.json document (:func:`appraise.export.document.results_document`), built when first read
   (:attr:`Outcome.document`).

Nothing here writes: storing, exporting and rendering are :mod:`appraise.run`'s.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appraise.display import in_folder, shown


class Outcome:
    """An evaluation and its results.json document, built on first use (:attr:`document`): the per-employee
    documents cost ~16 KB a person, and only results.json, the pages, the store and ``explain`` read them."""

    def __init__(self, evaluation: Any, document: dict[str, Any] | None = None):
        self.evaluation = evaluation
        self._document = document

    @property
    def document(self) -> dict[str, Any]:
        """The results.json document (:func:`appraise.export.document.results_document`), built once (for a large
        company from the entries' text: :func:`appraise.export.json_columns.results_document`)."""
        if self._document is None:
            from appraise.export.json_columns import results_document

            self._document = results_document(self.evaluation)
        return self._document

    @property
    def built(self) -> bool:
        """Whether :attr:`document` has been built."""
        return self._document is not None


@dataclass
class Prepared:
    """A cycle's inputs, read and checked, ready to be scored (see :func:`prepare`)."""

    cycle: Any          # appraise.language.cycle.Cycle
    ruleset: Any        # appraise.language.compile.Ruleset
    provided: Any       # appraise.hookspecs.Provided: inputs, diagnostics, skipped, employee_of
    reads: Any = None   # appraise.store.database.PeriodInputs, when a store was read

    @property
    def inputs(self):
        """The engine's :class:`appraise.tables.Inputs`."""
        return self.provided.inputs

    def evaluate(self, ruleset=None):
        """Score the inputs under the cycle's ruleset (or ``ruleset``, the same inputs under another one)."""
        from appraise.core.evaluate import evaluate

        return evaluate(ruleset if ruleset is not None else self.ruleset, self.inputs, self.cycle.period,
                        dict(self.cycle.context))

    def results(self, ruleset=None) -> Outcome:
        """:meth:`evaluate`, with the results.json document of the evaluation built when first read."""
        return Outcome(self.evaluate(ruleset))


def load(cycle_path: str | Path):
    """The cycle file and its ruleset, each validated (raises :class:`~appraise.errors.InvalidInput`)."""
    from appraise.language.compile import compile_ruleset
    from appraise.language.cycle import load_cycle
    from appraise.language.ruleset import load_ruleset

    cycle = load_cycle(cycle_path)
    validated = cycle.ruleset_document  # read and validated with the cycle: compiled from the same bytes
    if validated is None or validated.raw is None:
        return cycle, load_ruleset(cycle.ruleset_path)
    return cycle, compile_ruleset(validated, str(cycle.ruleset_path), validated.raw)


def prepare(cycle, ruleset, *, needs=None, only: Iterable[str] | None = None, overrides: bool = True,
            store: str | None = None, previous=None) -> Prepared:
    """Read and check everything an evaluation of ``cycle`` under ``ruleset`` reads.

    ``needs`` (default: the ruleset's) is what the providers fetch.  ``only`` keeps just those employees (a
    trial run; the overrides of the others are dropped too).  ``overrides=False`` leaves the cycle's overrides
    file unread.  ``store`` (a URL) is read for what the ruleset reads of other runs, and for ``previous``
    unless it is given (a table or a results.json document; see :func:`previous_table`).  The inputs'
    ``sources`` (label → sha256, for the manifest) gain the overrides file and the stored results read.
    """
    from appraise.provide.stage import Needs, provide

    provided = provide(cycle, needs if needs is not None else Needs.from_ruleset(ruleset))
    inputs = provided.inputs
    kept = None if only is None else set(only)
    if kept is not None:
        import polars as pl

        inputs.employees = inputs.employees.filter(pl.col("id").is_in(sorted(kept)))
    if overrides and cycle.overrides is not None:
        listed, digest = cycle_overrides(cycle, ruleset)
        inputs.overrides = [o for o in listed if kept is None or o.id in kept]
        inputs.sources = {**inputs.sources, in_folder(cycle.overrides, cycle.base_dir): digest}
    reads = None
    if store is not None:
        from appraise.store.database import period_inputs

        reads = period_inputs(store, cycle.period, ruleset)
        inputs.subperiods, inputs.paid, inputs.stored = reads.subperiods, reads.paid, reads.stored
        inputs.known_rulesets = reads.known
        inputs.sources = {**inputs.sources, **reads.digests}
        if previous is None:
            previous = reads.previous
        if ruleset.bonus is not None and ruleset.bonus.incentive:  # draw balances carried in, the year's payouts
            from appraise.store.draws import plan_inputs

            carried = plan_inputs(store, cycle.period, ruleset)
            inputs.draws, inputs.year_paid = carried.draws, carried.year_paid
            reads.reads = [*reads.reads, *carried.reads]
            inputs.sources = {**inputs.sources, **carried.digests}
    inputs.previous = previous_table(previous)
    return Prepared(cycle, ruleset, provided, reads)


def evaluate_cycle(cycle_path: str | Path, *, previous=None, store: str | None = None) -> tuple[Prepared, Outcome]:
    """Load, prepare and score a cycle file (nothing is written): :func:`load`, :func:`prepare`,
    :meth:`Prepared.results`."""
    cycle, ruleset = load(cycle_path)
    prepared = prepare(cycle, ruleset, store=store, previous=previous)
    return prepared, prepared.results()


def cycle_overrides(cycle, ruleset) -> tuple[list, str | None]:
    """The overrides the cycle names, checked (raises InvalidInput at file:line:col), and the file's sha256."""
    if cycle.overrides is None:
        return [], None
    from appraise.language.overrides import load_overrides

    return load_overrides(cycle.overrides, [g.grade for g in ruleset.grades], shown(cycle.overrides))


def frame(data):
    """A polars DataFrame of ``data`` (polars or pandas DataFrame, list of dicts, dict of columns), or None."""
    import polars as pl

    if data is None or isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, list):
        return pl.DataFrame(data)
    if type(data).__module__.startswith("pandas"):
        return pl.from_pandas(data)
    return pl.DataFrame(data)


def previous_table(previous):
    """Accept a previous-period table or a results.json document; return the canonical table."""
    import polars as pl

    if previous is None:
        return None
    if isinstance(previous, dict) and "employees" in previous:
        rows = [{"employee": e["id"], "grade": e.get("grade"), "grade_uncalibrated": e.get("grade_uncalibrated"),
                 "score": e.get("score"), "bonus": e.get("bonus"), "scorecard": e.get("scorecard")}
                for e in previous["employees"]]
        return pl.DataFrame(rows, schema={"employee": pl.Utf8, "grade": pl.Utf8, "grade_uncalibrated": pl.Utf8,
                                          "score": pl.Float64, "bonus": pl.Utf8, "scorecard": pl.Utf8})
    return frame(previous)


def table_inputs(*, employees, metrics=None, aggregated=None, feedback=None, okrs=None, previous=None,
                 subperiods=None, paid=None, overrides=None, draws=None, year_paid=None):
    """The engine's :class:`appraise.tables.Inputs` from tables in memory (see :func:`frame`); every employee
    column is read as text, as the providers read them."""
    import polars as pl

    from appraise.tables import Inputs

    emp = frame(employees).with_columns(pl.all().cast(pl.Utf8))
    return Inputs(employees=emp, metrics=frame(metrics), aggregated=frame(aggregated), feedback=frame(feedback),
                  okrs=frame(okrs), previous=frame(previous), subperiods=frame(subperiods), paid=frame(paid),
                  overrides=list(overrides or []), draws=frame(draws), year_paid=frame(year_paid))


def evaluate_tables(ruleset, *, period, context: Mapping[str, Any] | None = None, **tables) -> Outcome:
    """Score tables in memory (``tables``: the keyword arguments of :func:`table_inputs`) under ``ruleset``
    (a :class:`~appraise.language.compile.Ruleset` or a path) for ``period`` (a Period or its id)."""
    from appraise.core.evaluate import evaluate
    from appraise.language.compile import Ruleset
    from appraise.language.period import Period
    from appraise.language.period import parse as parse_period
    from appraise.language.ruleset import load_ruleset

    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
    p = period if isinstance(period, Period) else parse_period(str(period))
    return Outcome(evaluate(rs, table_inputs(**tables), p, dict(context or {})))
