"""Provide: ask every source's provider for its tables, check them together, hand the engine :class:`Inputs`.

Providers (plugins) only read; this stage owns the contract of
:mod:`appraise.tables`.  It casts and normalises what providers return (month
``2026/7`` → ``2026-07``, text numbers → Float64, dates → ``YYYY-MM-DD``,
employee columns → text) and checks the tables against each other: unknown
employees, unknown metric columns, duplicate rows, the same metric for the same
employee-month from two sources, missing columns, empty files, non-numeric,
NaN or infinite values, ratings outside the 360 scale, OKR ``target == start``.

Every problem is a :class:`~appraise.errors.Diagnostic` at ``file:line:col``
(for SQL sources, the query and the result row).  Problems of one employee's
data obey the cycle's ``on_error``: ``fail`` raises :class:`InvalidInput` with
all of them; ``skip-employee`` drops *every* row of the employees concerned and
reports them in :attr:`Provided.skipped` — nothing is zeroed or dropped
silently.  Problems of a source as a whole (a missing column, an empty file, an
unknown metric column, a provider that cannot read) always fail.

The checks live beside this module, one job each: :mod:`~appraise.provide.needs` (what the ruleset reads),
:mod:`~appraise.provide.parts` (a source's table, the report), :mod:`~appraise.provide.checks` (the shared
cell checks), :mod:`~appraise.provide.employees`, :mod:`~appraise.provide.metrics`,
:mod:`~appraise.provide.feedback` and :mod:`~appraise.provide.okrs` (each kind of table).
"""
from __future__ import annotations

import difflib
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace

import polars as pl

from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import KIND_TABLES, Origin, Provided, ProvideRequest
from appraise.language.cycle import Cycle
from appraise.provide.checks import F64
from appraise.provide.credits import split_credit
from appraise.provide.employees import employee_table, employment_dates
from appraise.provide.feedback import feedback_table
from appraise.provide.metrics import metric_tables
from appraise.provide.needs import Needs
from appraise.provide.okrs import okr_table
from appraise.provide.parts import Known, Part, Report, cycle_diag
from appraise.provide.teams import hierarchy
from appraise.tables import NUMBERS_PLAIN, TEXT_ASCII, TEXT_CLEAN, Inputs

__all__ = ["METRIC_ABSENT", "Needs", "provide", "read_sources"]

METRIC_ABSENT = "data-metric-absent"  # a declared metric no source has a value of (the engine says it too)


def provide(cycle: Cycle, needs: Needs) -> Provided:
    """Read every source of ``cycle`` and return checked :class:`Inputs` (see the module doc)."""
    report = Report()
    parts, shas = read_sources(cycle, needs, report)

    employees = employee_table(parts["employees"], needs, report, cycle)
    known = Known(employees["id"]) if employees is not None else None
    employment = employment_dates(employees, cycle.period)
    teams = hierarchy(parts["employees"], employees, needs.hierarchy, cycle.period, report)
    _release(parts["employees"])
    given: set[str] = set()  # metrics a source has a column (or, laid out long, rows) for, whatever the rows' months
    # the 360 ratings (the biggest table, checked against nothing but the employees) are checked in a thread of
    # their own while the metrics and OKRs are checked here; each says what it found in a report of its own, added
    # to the stage's in the order of one check after another
    on_the_side, okr_report = Report(), Report()
    with _beside(feedback_table, parts["feedback"], needs, cycle.period, on_the_side, known) as ratings:
        credited, splits = split_credit(parts["deals"], parts["credits"], needs, cycle, report, known, given)
        sources = parts["metrics"] if credited is None else [*parts["metrics"], credited]
        metrics = metric_tables(sources, parts["aggregated"], needs, cycle.period, report, known, employment, given)
        _release(parts["metrics"] + parts["aggregated"] + parts["deals"] + parts["credits"])
        okrs = okr_table(parts["okrs"], okr_report, known, cycle.period, employment)
        _release(parts["okrs"])
        feedback = ratings.result()
    _release(parts["feedback"])
    report.items += on_the_side.items + okr_report.items
    # a metric a source has, whose rows all fall outside the period or the employment, is there with no
    # values (missing data for everyone), not absent: the engine must not take it for a misspelt column
    have = {c for frame in metrics if frame is not None for c in frame.columns}
    empty = sorted(m for m in needs.metrics if m in given and m not in have)
    if empty:
        monthly = metrics[0] if metrics[0] is not None else pl.DataFrame(schema={"employee": pl.Utf8,
                                                                                  "month": pl.Utf8})
        metrics = (monthly.with_columns([pl.lit(None, dtype=F64).alias(m) for m in empty]), metrics[1])
    absent = [m for m in needs.metrics if m not in given]
    # (a metrics, deals or credits source that could not be read may have had them: its own error says what to fix)
    unread = report.unread & {"metrics", "deals", "credits", "?"}
    if absent and employees is not None and employees.height and not unread:
        required = [m for m in absent if m not in needs.optional]
        if required:  # a misspelt header must not quietly score (and pay) as if the metric were missing
            names = ", ".join(f"'{m}'" for m in required)
            report.fatal(replace(cycle_diag(
                cycle, f"no source has a column for {names}, which the ruleset declares; is a column named "
                "differently (see the warnings about columns not read)?"),
                hint="fix the column's name or map it with columns: {<column>: <metric>}; if the data may "
                "really lack it, declare the metric optional: true in the ruleset", code=METRIC_ABSENT))
        optional = [m for m in absent if m in needs.optional]
        if optional:
            names = ", ".join(f"'{m}'" for m in optional)
            report.fatal(replace(cycle_diag(cycle, f"no source has a value of {names} for {cycle.period.id} "
                                             "(declared optional); whatever reads it counts as missing",
                                             severity="warning"), code=METRIC_ABSENT))
    if needs.feedback360 and not parts["feedback"] and not report.unread & {"feedback360", "?"}:
        report.fatal(cycle_diag(cycle, "the ruleset scores 360 feedback but no source has kind feedback360; "
                                 "every 360 dimension will count as missing", severity="warning"))
    if needs.okr and not parts["okrs"] and not report.unread & {"okr", "?"}:
        report.fatal(cycle_diag(cycle, "the ruleset scores OKRs but no source has kind okr; every OKR "
                                 "dimension will count as missing", severity="warning"))

    errors = report.errors
    fatal = [d for d, e in errors if e is None]
    if fatal or (errors and cycle.on_error == "fail"):
        raise InvalidInput(_sorted([d for d, _ in report.items]))  # warnings too: they often say why
    # only people of the employee table are "skipped"; rows of unknown ids were never anyone's
    skipped = frozenset(e for _, e in errors if e is not None and (known is None or e in known))

    def keep(frame, column="employee"):
        if frame is None or not skipped:
            return frame
        return frame.filter(~pl.col(column).is_in(sorted(skipped)))

    inputs = Inputs(employees=keep(employees, "id"), metrics=keep(metrics[0]), aggregated=keep(metrics[1]),
                    feedback=keep(feedback), okrs=keep(okrs), sources=dict(sorted(shas.items())), hierarchy=teams,
                    splits=keep(splits))
    return Provided(inputs, _sorted([d for d, _ in report.items]), skipped,
                    employee_of={d: e for d, e in report.items if e is not None})


def read_sources(cycle: Cycle, needs: Needs, report: Report) -> tuple[dict[str, list[Part]], dict[str, str]]:
    """Ask each source's provider for its tables, unchecked: ``{table: [Part, ...]}`` (employees, metrics,
    aggregated, feedback, okrs) and the sha256 of each source read.  Problems go to ``report``.  :func:`provide`
    checks the tables; ``appraise targets`` reads a plan's sources with it too."""
    from appraise.plugins import providers

    registry = providers()
    parts: dict[str, list[Part]] = {t: [] for t in ("employees", "metrics", "aggregated", "feedback", "okrs", "deals",
                                                    "credits")}
    shas: dict[str, str] = {}
    # each source's provider and kind, or why it has none (said in the sources' order, with what reading says)
    checked: list[tuple] = []
    for source in cycle.sources:
        provider = registry.get(source.provider)
        if provider is None:
            close = difflib.get_close_matches(source.provider, list(registry), n=1)
            checked.append((source, None, None, source.diag(
                f"no provider '{source.provider}' is installed" + (f"; did you mean '{close[0]}'?" if close else ""),
                key="provider", hint=f"installed providers: {', '.join(sorted(registry))}", code="source-provider")))
            continue
        kind = source.kind or provider.default_kind
        if kind not in provider.kinds:
            checked.append((source, provider, kind, source.diag(
                f"provider '{provider.name}' cannot read kind '{kind}'; it reads "
                f"{', '.join(sorted(provider.kinds))}", key="kind", code="source-kind")))
            continue
        checked.append((source, provider, kind, None))
    reads = _read_each([(source, provider, ProvideRequest(kind=kind, period=cycle.period, metrics=dict(needs.metrics),
                                                          attributes=dict(needs.attributes)))
                        for source, provider, kind, refused in checked if refused is None])
    for source, provider, kind, refused in checked:
        if refused is not None:
            report.fatal(refused)
            report.unread.add(kind or source.kind or "?")
            continue
        try:
            result = reads[id(source)].result()
        except InvalidInput as exc:
            report.add_all(exc.diagnostics)
            if any(d.severity == "error" for d in exc.diagnostics):
                report.unread.add(kind)
            continue
        except Exception as exc:  # a provider's bug or a database error: say which source, keep going
            report.fatal(source.diag(f"provider '{provider.name}' failed: {type(exc).__name__}: "
                                     f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
                                     code="source-failed"))
            report.unread.add(kind)
            continue
        report.add_all(result.diagnostics)
        shas.update(result.inputs.sources)
        for table in parts:
            frame = getattr(result.inputs, table, None)
            if frame is None:
                continue
            if table not in KIND_TABLES[kind]:
                report.fatal(source.diag(f"provider '{provider.name}' returned a '{table}' table for a "
                                         f"'{kind}' source", code="source-kind"))
                continue
            origin = result.origins.get(table) or Origin(source.label)
            parts[table].append(Part(frame, origin, source, clean=getattr(frame, TEXT_CLEAN, False) is True,
                                     ascii=getattr(frame, TEXT_ASCII, False) is True,
                                     plain=_plain(getattr(frame, NUMBERS_PLAIN, None))))
    return parts, shas


# Sources are read side by side, a thread each (up to this many): reading is mostly polars, DuckDB, the database
# driver and hashing, which let go of Python's lock, so one source's parse overlaps another's.  What each read
# returns or raises is then taken in the cycle's order of sources, exactly as one read after another would be.
# Below 2, everything is done one thing after another (also the 360 ratings' checks, see provide).
READ_THREADS = 4


@contextmanager
def _beside(work, *args):
    """``work(*args)`` in a thread of its own meanwhile (one after another when :data:`READ_THREADS` is below 2);
    the future it gives, whose ``result()`` is what ``work`` returned (or raises what it raised)."""
    if READ_THREADS < 2:
        yield _done(work, *args)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="appraise-check") as pool:
        yield pool.submit(work, *args)


def _read_each(todo: list[tuple]) -> dict[int, Future]:
    """``provider.read(source, request)`` of each of ``todo``, run by a pool of :data:`READ_THREADS` threads when
    there are several; by ``id`` of the source."""
    if len(todo) < 2 or READ_THREADS < 2:
        return {id(source): _done(provider.read, source, request) for source, provider, request in todo}
    with ThreadPoolExecutor(max_workers=min(READ_THREADS, len(todo)), thread_name_prefix="appraise-read") as pool:
        return {id(source): pool.submit(provider.read, source, request) for source, provider, request in todo}


def _done(work, *args) -> Future:
    """``work(*args)`` run here and now, as a finished future (its result, or what it raised)."""
    future: Future = Future()
    try:
        future.set_result(work(*args))
    except Exception as exc:
        future.set_exception(exc)
    return future


def _plain(mark) -> frozenset:
    """The column names a provider's :data:`~appraise.tables.NUMBERS_PLAIN` mark names (none unless a frozenset)."""
    return frozenset(c for c in mark if isinstance(c, str)) if isinstance(mark, frozenset) else frozenset()


def _release(parts: list[Part]) -> None:
    """Let go of the providers' frames once their table is made (its columns that were not copied live on in it):
    the next table's copies can reuse their memory."""
    for part in parts:
        part.frame = part.frame.clear()


def _sorted(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: (d.file, d.line, d.col, d.message))
