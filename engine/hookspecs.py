"""The plugin contract: every hook appraise calls, and the types they exchange.

appraise uses pluggy (project name ``"appraise"``).  A plugin is any module or
object with functions marked ``@appraise.hookimpl`` named like the specs below;
it is found through the ``appraise.plugins`` entry-point group — the built-in
providers register exactly the same way (see ``pyproject.toml``).

A minimal provider plugin::

    from appraise.hookspecs import Origin, Provided
    from appraise.plugins import hookimpl

    class JsonLines:
        name = "jsonl"
        kinds = frozenset({"metrics"})
        default_kind = "metrics"
        options_schema = {"type": "object", "properties": {}}
        def read(self, source, request):
            ...
            return Provided.single("metrics", frame, Origin(str(source.path), columns), sha=...)

    @hookimpl
    def appraise_providers(register):
        register(JsonLines)

This module imports nothing heavy; frames are polars DataFrames but polars is
only imported by the code that builds them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pluggy

from appraise.errors import Diagnostic, InvalidInput
from appraise.language.paths import OUTSIDE_HINT, inside

if TYPE_CHECKING:  # pragma: no cover
    from appraise.language.period import Period
    from appraise.tables import Inputs

hookspec = pluggy.HookspecMarker("appraise")
hookimpl = pluggy.HookimplMarker("appraise")

# Tables a provider may fill, by source ``kind``.  ``metrics`` sources may fill
# ``metrics`` (monthly rows) and/or ``aggregated`` (period totals per employee).
KIND_TABLES = {
    "employees": ("employees",),
    "metrics": ("metrics", "aggregated"),
    "feedback360": ("feedback",),
    "okr": ("okrs",),
    "deals": ("deals",),      # split credit: deal, month, <metric>... (provide/credits.py)
    "credits": ("credits",),  # split credit: deal, employee, share
}


@dataclass(frozen=True)
class SourceSpec:
    """One entry of a cycle's ``sources:`` list, paths already resolved.

    ``provider`` names the plugin, ``kind`` what it produces (``employees``,
    ``metrics``, ``feedback360``, ``okr``; ``None`` = the provider's default),
    ``path`` the data file (absolute, or ``None`` for database sources),
    ``columns`` renames source columns to canonical ones (``{销售额: revenue}``),
    ``options`` holds every other key (the provider's own, checked against its
    ``options_schema``).  ``line``/``col`` locate the entry in ``cycle_file``
    so a provider can point at it when the source as a whole is wrong.
    """

    provider: str
    kind: str | None
    path: Path | None
    columns: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    index: int = 0
    line: int = 0
    col: int = 0
    cycle_file: str = ""
    base_dir: Path = Path(".")
    # where every file the source reads must lie (symlinks followed): the cycle's workspace, or None when
    # the cycle (or APPRAISE_ALLOW_OUTSIDE_PATHS=1) allows paths outside it.  Providers that find files
    # themselves (a duckdb glob) or build a path at read time (a sql url with ${VAR}) check with confine().
    root: Path | None = None

    @property
    def label(self) -> str:
        """How the source is named in messages and in the manifest: its path relative to the cycle folder."""
        if self.options.get("label"):
            return str(self.options["label"])
        if self.path is not None:
            try:
                return self.path.relative_to(self.base_dir).as_posix()
            except ValueError:
                return self.path.as_posix()
        return f"sources[{self.index}] ({self.provider})"

    def resolve(self, relative: str | Path) -> Path:
        """A path from this source's options (``query: q.sql``) resolved against the cycle folder."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    def confine(self, path: Path, key: str = "path") -> None:
        """Raise :class:`InvalidInput` (naming where it leads, never what it holds) when ``path``, symlinks
        followed, lies outside :attr:`root`."""
        if self.root is not None and not inside(path, self.root):
            # a url's file is not named: it may hold a ${VAR}'s value
            what, to = (self.label, f" (to {Path(path).resolve().as_posix()})") if key == "path" \
                else (str(self.options.get(key)), "")
            raise InvalidInput([self.diag(
                f"'{what}' leads outside the cycle's workspace {self.root.as_posix()}{to}; it is not read",
                key=key, hint=OUTSIDE_HINT, code="cycle-outside-path")])

    def diag(self, message: str, *, key: str | None = None, hint: str = "", code: str = "source") -> Diagnostic:
        """A diagnostic pointing at this source's entry in the cycle file."""
        path = f"sources[{self.index}]" + (f".{key}" if key else "")
        return Diagnostic(self.cycle_file, self.line, self.col, message, path, hint=hint, code=code)



@dataclass(frozen=True)
class ProvideRequest:
    """What the engine asks one source for.

    ``kind`` is the source's kind (its ``kind:`` or the provider's
    ``default_kind``).  ``metrics`` maps each raw metric the ruleset declares to
    its aggregate function (``sum | mean | min | max | first | last``) — a
    provider that aggregates in its own engine (SQL, duckdb) uses them;
    ``attributes`` maps employee attribute names to their type (``string |
    number | money | date``).  ``period`` is the cycle's period: SQL providers
    bind ``:period_start``/``:period_end`` from it.
    """

    kind: str
    period: Period
    metrics: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Origin:
    """Where the rows of one returned table came from, for error messages.

    ``file`` is shown in ``file:row:col``; ``columns`` maps each *canonical*
    column name to its 1-based column number in the source; ``lines`` maps the
    frame's ``_row`` value to a line number (identity when absent: ``_row``
    already is the line).  For a database query ``query`` holds its text and
    ``_row`` counts result rows (1-based); the location is then ``at`` — the
    query file's line 1, or the ``sql:`` entry in the cycle file — and the
    message quotes the query.  A table without ``_row`` gets locations of line
    0 (the whole file).
    """

    file: str
    columns: Mapping[str, int] = field(default_factory=dict)
    lines: Callable[[int], int] | None = None
    query: str | None = None
    at: tuple[int, int] = (1, 1)
    cells: Callable[[int, str], tuple[int, int]] | None = None  # (row, column) -> (line, col), e.g. YAML

    def line(self, row: int | None) -> int:
        if row is None:
            return 0
        if self.cells is not None:
            return self.cells(int(row), "")[0]
        return self.lines(int(row)) if self.lines else int(row)

    def col(self, column: str | None) -> int:
        return self.columns.get(column, 0) if column else 0

    def diag(self, row: int | None, column: str | None, message: str, *, hint: str = "",
             code: str = "data", severity: str = "error") -> Diagnostic:
        """A diagnostic at (row, column) of this source."""
        if self.query is not None:
            where = f"row {row} of the result of the query" if row else "query"
            text = f"{message} ({where}: {_short(self.query)})"
            line, col = self.at
            return Diagnostic(self.file, line, col, text, column or "", severity=severity, hint=hint, code=code)
        if self.cells is not None and row is not None:
            line, col = self.cells(int(row), column or "")
        else:
            line, col = self.line(row), self.col(column)
        return Diagnostic(self.file, line, col, message, column or "", severity=severity, hint=hint, code=code)


def _short(query: str, limit: int = 160) -> str:
    text = " ".join(query.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class Provided:
    """What a provider returns for one source — and what :func:`appraise.provide.stage.provide` returns for a cycle.

    ``inputs`` holds the tables filled (others ``None``) and ``inputs.sources``
    the sha256 of what was read, keyed by a label.  A provider returns frames
    with canonical column names (``appraise.tables``); values may still be
    text — :func:`~appraise.provide.stage.provide` casts, normalises and checks them,
    so providers need not.  An optional Int64 ``_row`` column locates each row
    (see :class:`Origin`); ``origins`` maps a table name to its Origin.

    ``diagnostics`` lists problems a provider found itself; errors among them
    concern the source as a whole and always fail the run (per-row problems
    are better left to ``provide()``, which attributes them to an employee so
    ``on_error: skip-employee`` can apply).  Providers raise
    :class:`~appraise.errors.InvalidInput` for a source they cannot read at
    all.  ``skipped`` is filled by ``provide()``: employees left out under
    ``on_error: skip-employee``, and ``employee_of`` the employee each
    per-row diagnostic is about.
    """

    inputs: Inputs
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: frozenset[str] = frozenset()
    origins: dict[str, Origin] = field(default_factory=dict)
    employee_of: dict[Diagnostic, str] = field(default_factory=dict)  # filled by provide(): whose row it was

    @classmethod
    def single(cls, table: str, frame: Any, origin: Origin, *, label: str = "", sha256: str = "") -> Provided:
        """A result holding one table (``employees``, ``metrics``, ``aggregated``, ``feedback``, ``okrs``)."""
        from appraise.tables import Inputs

        inputs = Inputs(employees=None)
        setattr(inputs, table, frame)
        if label and sha256:
            inputs.sources[label] = sha256
        return cls(inputs, origins={table: origin})


@runtime_checkable
class Provider(Protocol):
    """A metric provider: reads one kind of source into canonical tables.

    ``name`` is what cycle files write as ``provider:``; ``kinds`` the source
    kinds it can produce (subset of ``employees, metrics, feedback360, okr``);
    ``default_kind`` the kind of a source without ``kind:``;
    ``options_schema`` a JSON Schema (draft-07) object schema of the options it
    accepts beside ``provider, kind, path, columns, label`` — it is merged into
    cycle validation, so a misspelt option fails before anything is read.
    ``read`` must not keep state between calls.
    """

    name: str
    kinds: frozenset[str]
    default_kind: str
    options_schema: Mapping[str, Any]

    def read(self, source: SourceSpec, request: ProvideRequest) -> Provided: ...


@hookspec
def appraise_providers(register: Callable[[Any], None]) -> None:
    """Register metric providers.

    Receives ``register``; call it once per provider with a :class:`Provider`
    instance or a class (instantiated without arguments).  Collector hook:
    every plugin's implementation is called and all registrations kept; two
    providers with the same ``name`` are an error naming both plugins.
    Returns nothing.
    """


@hookspec
def appraise_renderers(register: Callable[[Any], None]) -> None:
    """Register output renderers (dashboards, plans, exports).

    Receives ``register``; call it once per renderer: an object (or class)
    with a ``name`` and ``render(request: appraise.present.render.RenderRequest,
    out_dir: Path) -> list[Path]`` returning the files it wrote, relative to
    ``out_dir`` (see :class:`appraise.present.render.Renderer`).  Collector hook: all
    registrations are kept; duplicate names are an error.  Returns nothing.
    """
