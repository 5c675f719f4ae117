"""Cycle files: one review run — the period, the ruleset, the context, where the data is.

:func:`load_cycle` reads ``cycle.yaml`` strictly (:mod:`appraise.load`), has it
validated (:func:`appraise.validate.check_cycle`, with every installed
provider's option schema merged in) and returns a frozen
:class:`Cycle`.  Every relative path (sources, ``query:`` files, ``output``, a
relative ``sqlite:///`` store) resolves against the cycle file's own folder, so
a cycle runs the same from any working directory.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import Diagnostic, InvalidInput
from .load import Document
from .period import Period, parse as parse_period

ON_ERROR = ("fail", "skip-employee")
# Keys every source may have, whatever its provider; the rest are the provider's options.
COMMON_SOURCE_KEYS = ("provider", "kind", "path", "columns", "label")
_SQLITE_RELATIVE = re.compile(r"\A(sqlite(?:\+\w+)?:///)(?!/)(.+)\Z")


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

    def diag(self, message: str, *, key: str | None = None, hint: str = "", code: str = "source") -> Diagnostic:
        """A diagnostic pointing at this source's entry in the cycle file."""
        path = f"sources[{self.index}]" + (f".{key}" if key else "")
        return Diagnostic(self.cycle_file, self.line, self.col, message, path, hint=hint, code=code)


@dataclass(frozen=True)
class Cycle:
    """A loaded, validated cycle file."""

    path: Path
    period: Period
    ruleset_path: Path
    context: Mapping[str, Any]
    sources: tuple[SourceSpec, ...]
    store: str
    output: Path
    on_error: str = "fail"
    locale: str | None = None
    strict: bool = False  # warnings and employee errors fail the run (appraise run --strict)
    overrides: Path | None = None  # the overrides file, if the cycle names one
    document: Document | None = field(default=None, compare=False, repr=False)
    warnings: tuple[Diagnostic, ...] = field(default=(), compare=False, repr=False)  # from validation

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def resolve_store_url(url: str, base_dir: Path) -> str:
    """``sqlite:///x.db`` relative to ``base_dir``; every other URL unchanged."""
    m = _SQLITE_RELATIVE.match(url)
    if m and m[2] != ":memory:":
        return m[1] + (base_dir / m[2]).resolve().as_posix()
    return url


def load_cycle(path: str | Path) -> Cycle:
    """Read, validate and resolve a cycle file; raises :class:`InvalidInput` with every problem."""
    path = Path(path).resolve()
    doc, warnings = _validated(path)
    data = doc.data
    base = path.parent
    diags: list[Diagnostic] = []
    try:
        period = parse_period(str(data["cycle"]))
    except ValueError as exc:
        raise InvalidInput([doc.diag(("cycle",), str(exc), code="cycle-period")]) from None
    sources = []
    for i, entry in enumerate(data.get("sources") or []):
        line, col = doc.where(("sources", i))
        raw_path = entry.get("path")
        options = {k: v for k, v in entry.items() if k not in ("provider", "kind", "path", "columns")}
        sources.append(SourceSpec(
            provider=str(entry["provider"]), kind=entry.get("kind"),
            path=None if raw_path is None else (base / Path(str(raw_path)).expanduser()).resolve(),
            columns=MappingProxyType({str(k): str(v) for k, v in (entry.get("columns") or {}).items()}),
            options=MappingProxyType(options), index=i, line=line, col=col, cycle_file=doc.file, base_dir=base))
    if not outside_paths_allowed(data):
        diags += _outside_paths(doc, base, sources)
    on_error = str(data.get("on_error", "fail"))
    if on_error not in ON_ERROR:
        diags.append(doc.diag(("on_error",), f"on_error is '{on_error}'; write 'fail' or 'skip-employee'",
                              code="cycle-on-error"))
    if diags:
        raise InvalidInput(diags)
    output = data.get("output") or f"out/{period.id}"
    return Cycle(
        path=path, period=period, ruleset_path=(base / str(data["ruleset"])).resolve(),
        context=MappingProxyType(dict(data.get("context") or {})), sources=tuple(sources),
        store=resolve_store_url(str(data.get("store") or "sqlite:///appraise.db"), base),
        output=(base / str(output)).resolve(), on_error=on_error, strict=data.get("strict") is True,
        locale=data.get("locale"),
        overrides=(base / str(data["overrides"])).resolve() if data.get("overrides") else None, document=doc,
        warnings=tuple(warnings))


def outside_paths_allowed(data: Mapping[str, Any]) -> bool:
    """Whether the cycle may name paths outside its folder: APPRAISE_ALLOW_OUTSIDE_PATHS (0/1) decides
    when set — the operator's word over the file's — else the cycle's ``allow_outside_paths: true``."""
    env = os.environ.get("APPRAISE_ALLOW_OUTSIDE_PATHS", "").strip().lower()
    if env in ("0", "false", "no"):
        return False
    if env in ("1", "true", "yes"):
        return True
    return data.get("allow_outside_paths") is True


def _inside(path: Path, base: Path) -> bool:
    try:
        path.resolve().relative_to(base.resolve())
        return True
    except ValueError:
        return False


def workspace(cycle_file: Path) -> Path:
    """Where a cycle's paths may lead: the git work tree holding the cycle file (the HR repository:
    ``cycles/``, ``data/``, ``rulesets/`` side by side), else the cycle file's own folder."""
    folder = cycle_file.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def _outside_paths(doc: Document, base: Path, sources: list[SourceSpec]) -> list[Diagnostic]:
    """Data, query files, output and SQLite files must stay in the workspace (symlinks followed).

    A cycle file arrives in a pull request like a rule file; without this rule it could have CI read
    ``~/.ssh/id_rsa`` as "data" (and print its lines in error messages) or write the results over
    ``.github/workflows`` of another checkout.  The ruleset may live anywhere: it is only ever read as
    strict YAML of at most 1 MiB and validated.
    """
    data = doc.data
    root = workspace(Path(doc.file))
    found: list[tuple[tuple, str, Path]] = []
    for src in sources:
        entry = data["sources"][src.index]
        if src.path is not None:
            found.append((("sources", src.index, "path"), str(entry.get("path")), src.path))
        query = src.options.get("query")
        if isinstance(query, str):
            found.append((("sources", src.index, "query"), query, src.resolve(query)))
        url = src.options.get("url")
        if isinstance(url, str):
            db = _sqlite_file(url, base)
            if db is not None:
                found.append((("sources", src.index, "url"), url, db))
    if data.get("output"):
        found.append((("output",), str(data["output"]), base / str(data["output"])))
    if isinstance(data.get("overrides"), str):
        found.append((("overrides",), data["overrides"], base / data["overrides"]))
    if data.get("store"):
        db = _sqlite_file(str(data["store"]), base)
        if db is not None:
            found.append((("store",), str(data["store"]), db))
    where = "git repository" if (root / ".git").exists() else "folder"
    return [doc.diag(key, f"'{shown}' leads outside the cycle's {where} {root.as_posix()} (to "
                     f"{path.resolve().as_posix()}); data files, query files, the output and a SQLite store must "
                     f"be inside it",
                     hint="move it into that folder, or set 'allow_outside_paths: true' in the cycle file (or "
                     "APPRAISE_ALLOW_OUTSIDE_PATHS=1) if it is meant", code="cycle-outside-path")
            for key, shown, path in found if not _inside(path, root)]


def _sqlite_file(url: str, base: Path) -> Path | None:
    """The database file of a ``sqlite:///`` URL (relative to ``base``), else None."""
    m = re.match(r"\Asqlite(?:\+\w+)?:///(.+?)(?:\?.*)?\Z", url)
    if not m or m[1] == ":memory:" or "${" in m[1]:
        return None
    return Path(m[1]) if m[1].startswith("/") else base / m[1]


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _validated(path: Path) -> tuple[Document, list[Diagnostic]]:
    """The cycle file loaded and validated — schema, ruleset, and every source against its provider's options —
    and the warnings of that validation; raises InvalidInput with every problem."""
    from .plugins import provider_schemas
    from .validate import check_cycle

    warnings: list[Diagnostic] = []
    return check_cycle(_shown(path), provider_schemas(), warnings=warnings), warnings
