"""What a plan reads: the employee table and last year's monthly actuals through the provider plugins (the same
hooks and checks a cycle's sources go through, :func:`appraise.provide.stage.read_sources`), last year's actuals
from the results store instead when the plan says so, and a re-plan's previous target rows (read by the ``csv``
provider as a metrics source, as a cycle would read them).

Every value arrives as the exact decimal it was written as (a metric's float is read back through its shortest
``repr``, which is the text of the cell).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import Origin, SourceSpec
from appraise.language.cycle import Cycle
from appraise.language.period import parse as parse_period
from appraise.provide.employees import employee_table, employment_dates
from appraise.provide.metrics import metric_tables
from appraise.provide.needs import Needs
from appraise.provide.parts import Known, Part, Report
from appraise.provide.stage import read_sources
from appraise.tools.targets.plan import Plan, Say

UNKNOWN_METRIC = "data-unknown-metric"  # columns a plan does not read: not worth a warning here


@dataclass
class Employee:
    """One row of the employee table: its cells as text, its dates, and where it is."""

    id: str
    name: str
    cells: dict[str, str | None]
    hire: date | None
    leave: date | None
    origin: Origin
    row: int

    def diag(self, column: str, message: str, *, hint: str = "", severity: str = "error",
             code: str = "plan-data") -> Diagnostic:
        """A diagnostic at this employee's cell of ``column`` (``file:line:col``)."""
        return self.origin.diag(self.row, column, message, hint=hint, code=code, severity=severity)

    def employed(self, month: str) -> bool:
        """Whether any day of ``month`` (``YYYY-MM``) lies within the employment."""
        first = date.fromisoformat(month + "-01")
        start = date(first.year + (first.month == 12), first.month % 12 + 1, 1)  # the next month's first day
        if self.hire is not None and self.hire >= start:
            return False
        return not (self.leave is not None and self.leave < first)


@dataclass
class Data:
    """What a plan read."""

    employees: dict[str, Employee]              # in table order
    columns: tuple[str, ...]
    actuals: dict[str, dict[str, Fraction]]     # employee -> {last year's month: value}
    previous: dict[str, dict[str, Fraction]]    # employee -> {month: target} of the closed months
    previous_rows: int = 0
    inputs: dict[str, str] = field(default_factory=dict)   # label -> sha256
    warnings: list[Diagnostic] = field(default_factory=list)


def _pseudo_cycle(plan: Plan, year: int, sources: tuple[SourceSpec, ...]) -> Cycle:
    """The plan seen as a cycle of one year, so the provide stage's checks and messages apply to it."""
    return Cycle(path=plan.path, period=parse_period(str(year)), ruleset_path=plan.path,
                 context=MappingProxyType({}), sources=sources, store="", output=plan.output, document=plan.doc)


def _value(x: float) -> Fraction:
    return Fraction(Decimal(repr(float(x))))


def read(plan: Plan, say: Say, needed_columns: dict[str, str]) -> Data:
    """Read the plan's sources; ``needed_columns`` maps employee columns the plan reads to their type (``string``
    or ``number``), checked cell by cell when present (a missing one is the caller's to report, at the plan).
    Raises :class:`InvalidInput` with every problem (warnings too, as a cycle's run does)."""
    report = Report()
    metric = plan.actuals.metric if plan.actuals is not None else ""
    cycle = _pseudo_cycle(plan, plan.year - 1, plan.sources)
    needs = Needs(metrics={metric: "sum"} if metric else {}, attributes={})
    parts, shas = read_sources(cycle, needs, report)
    present = {c for part in parts["employees"] for c in part.frame.columns}
    attributes = {c: t for c, t in needed_columns.items() if c in present}
    needs = Needs(metrics=needs.metrics, attributes=attributes)
    table = employee_table(parts["employees"], needs, report, cycle)
    employees: dict[str, Employee] = {}
    if table is not None:
        located = _where(parts["employees"])
        for row in table.iter_rows(named=True):
            origin, line = located.get(row["id"], (Origin(""), 0))
            employees[row["id"]] = Employee(
                row["id"], row.get("name") or row["id"], dict(row), _date(row.get("hire_date")),
                _date(row.get("leave_date")), origin, line)
    actuals: dict[str, dict[str, Fraction]] = {}
    if metric and table is not None:
        known = Known(table["id"])
        given: set[str] = set()
        monthly, aggregated = metric_tables(parts["metrics"], parts["aggregated"], needs, cycle.period, report,
                                            known, employment_dates(table), given)
        if metric not in given:
            report.fatal(plan.diag(("actuals",), say("targets.err.actuals_column", metric=metric, year=plan.year - 1)))
        if aggregated is not None and metric in aggregated.columns:
            report.fatal(plan.diag(("actuals",), say("targets.err.actuals_aggregated", metric=metric)))
        if monthly is not None and metric in monthly.columns:
            for emp, month, value in monthly.select("employee", "month", metric).iter_rows():
                if value is not None:
                    actuals.setdefault(emp, {})[month] = _value(value)
    elif parts["metrics"] or parts["aggregated"]:
        for part in parts["metrics"] + parts["aggregated"]:
            report.fatal(replace(part.source.diag(say("targets.warn.metrics_unused"), code="plan-source"),
                                 severity="warning"))
    previous: dict[str, dict[str, Fraction]] = {}
    rows = 0
    if plan.previous is not None and table is not None:
        previous, rows = _previous(plan, report, table, shas, say)
    problems = [d for d, _ in report.items if d.code != UNKNOWN_METRIC]
    if any(d.severity == "error" for d in problems):
        raise InvalidInput(sorted(problems, key=lambda d: (d.file, d.line, d.col, d.message)))
    data = Data(employees, tuple(table.columns) if table is not None else (), actuals, previous, rows,
                dict(sorted(shas.items())), problems)
    if plan.actuals is not None and plan.actuals.store:
        data.actuals = store_actuals(plan, say, set(employees))
    return data


def _where(parts: list[Part]) -> dict[str, tuple[Origin, int]]:
    """Each employee id's first row: the source's origin and the row."""
    out: dict[str, tuple[Origin, int]] = {}
    for part in parts:
        frame = part.frame
        if "id" not in frame.columns:
            continue
        rows = frame["_row"].to_list() if "_row" in frame.columns else list(range(2, frame.height + 2))
        for emp, row in zip(frame["id"].cast(str).to_list(), rows):
            if emp is not None:
                out.setdefault(emp.strip(), (part.origin, int(row)))
    return out


def _date(text: Any) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _previous(plan: Plan, report: Report, table, shas: dict[str, str],
              say: Say) -> tuple[dict[str, dict[str, Fraction]], int]:
    """The previous plan's rows of the closed months: ``{employee: {month: target}}``."""
    assert plan.previous is not None and plan.closed_through is not None
    line, col = plan.doc.where(("previous",))
    spec = SourceSpec(provider="csv", kind="metrics", path=plan.previous, index=0, line=line, col=col,
                      cycle_file=plan.doc.file, base_dir=plan.path.parent,
                      root=plan.sources[0].root if plan.sources else None)
    if not plan.previous.is_file():
        report.fatal(plan.diag(("previous",), say("targets.err.previous_missing", path=plan.doc.data["previous"])))
        return {}, 0
    cycle = _pseudo_cycle(plan, plan.year, (spec,))
    needs = Needs(metrics={plan.metric: "sum"})
    own = Report()
    parts, more = read_sources(cycle, needs, own)
    shas.update(more)
    given: set[str] = set()
    monthly, _ = metric_tables(parts["metrics"], [], needs, cycle.period, own, Known(table["id"]),
                               employment_dates(table), given)
    for d, e in own.items:
        report.employee(e, d) if e is not None else report.fatal(d)
    if plan.metric not in given:
        report.fatal(plan.diag(("previous",), say("targets.err.previous_column", metric=plan.metric)))
        return {}, 0
    out: dict[str, dict[str, Fraction]] = {}
    rows = 0
    if monthly is not None:
        for emp, month, value in monthly.select("employee", "month", plan.metric).iter_rows():
            if value is not None and month <= plan.closed_through:
                out.setdefault(emp, {})[month] = _value(value)
                rows += 1
    return out, rows


def store_actuals(plan: Plan, say: Say, known: set[str]) -> dict[str, dict[str, Fraction]]:
    """Last year's actuals of a KPI from the results store's current runs of one ruleset: the shortest periods
    stored (months, else quarters, halves, the year), each period's actual spread evenly over its months."""
    import sqlalchemy as sa

    from appraise.store.database import create_engine, results, runs

    assert plan.actuals is not None
    year = plan.year - 1
    url = plan.actuals.store
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        raise InvalidInput([plan.diag(("actuals", "store"), say("targets.err.store_missing", url=url))])
    engine = create_engine(url, write=False)
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.select(runs.c.id, runs.c.cycle, runs.c.kind).where(
                runs.c.is_current & (runs.c.status == "complete") & (runs.c.ruleset_id == plan.actuals.ruleset)
            )).all()
            chosen = [(r.id, r.cycle) for kind in ("month", "quarter", "half", "year")
                      for r in found if r.kind == kind and str(r.cycle).startswith(str(year))]
            kinds = [r.kind for r in found if str(r.cycle).startswith(str(year))]
            if not chosen:
                raise InvalidInput([plan.diag(("actuals", "ruleset"), say(
                    "targets.err.store_no_runs", ruleset=plan.actuals.ruleset, year=year))])
            finest = next(k for k in ("month", "quarter", "half", "year") if k in kinds)
            chosen = [(i, c) for i, c in chosen if parse_period(c).kind == finest]
            entries = conn.execute(sa.select(results.c.run_id, results.c.employee, results.c.entry).where(
                results.c.run_id.in_([i for i, _ in chosen]))).all()
    except InvalidInput:
        raise
    except Exception as exc:
        raise InvalidInput([plan.diag(("actuals", "store"), say("targets.err.store_read", error=type(exc).__name__))]) \
            from None
    finally:
        engine.dispose()
    period_of = dict(chosen)
    out: dict[str, dict[str, Fraction]] = {}
    kpi = plan.actuals.kpi
    matched = False
    for run_id, emp, entry in entries:
        if emp not in known:
            continue
        kpis = (json.loads(entry) or {}).get("kpis") or {}
        value = None
        for k, v in sorted(kpis.items()):
            if (k == kpi or k.rpartition(".")[2] == kpi) and isinstance(v, dict) and v.get("actual") is not None:
                value = _value(v["actual"])
                break
        if value is None:
            continue
        matched = True
        months = parse_period(period_of[run_id]).months
        for m in months:
            out.setdefault(emp, {})[m] = out.get(emp, {}).get(m, Fraction(0)) + value / len(months)
    if not matched:
        raise InvalidInput([plan.diag(("actuals", "kpi"), say("targets.err.store_no_kpi", kpi=kpi,
                                                              ruleset=plan.actuals.ruleset, year=year))])
    return out
