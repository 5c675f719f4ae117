"""Cycle files: one review run — the period, the ruleset, the context, where the data is.

:func:`load_cycle` reads ``cycle.yaml`` strictly (:mod:`appraise.load`), has it
validated (:func:`appraise.validate.check_cycle`, with every installed
provider's option schema merged in) and returns a frozen
:class:`Cycle`.  Every relative path (sources, ``query:`` files, ``output``, a
relative ``sqlite:///`` store) resolves against the cycle file's own folder, so
a cycle runs the same from any working directory.
"""
from __future__ import annotations

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
    document: Document | None = field(default=None, compare=False, repr=False)

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
    doc = _validated(path)
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
        output=(base / str(output)).resolve(), on_error=on_error, locale=data.get("locale"), document=doc)


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _validated(path: Path) -> Document:
    """The cycle file loaded and validated — schema, ruleset, and every source against its provider's options."""
    from .plugins import provider_schemas
    from .validate import check_cycle

    return check_cycle(_shown(path), provider_schemas())  # raises InvalidInput with every problem
