"""Cycle files: one review run — the period, the ruleset, the context, where the data is.

:func:`load_cycle` reads ``cycle.yaml`` strictly (:mod:`appraise.language.load`), has it
validated (:func:`appraise.language.validate.check_cycle`, with every installed
provider's option schema merged in) and returns a frozen
:class:`Cycle`.  Every relative path (sources, ``query:`` files, ``output``, a
relative ``sqlite:///`` store) resolves against the cycle file's own folder, so
a cycle runs the same from any working directory.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from appraise.display import shown
from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import SourceSpec
from appraise.language.load import Document
from appraise.language.paths import outside_paths_allowed, resolve_store_url, source_path, workspace
from appraise.language.period import Period
from appraise.language.period import parse as parse_period

ON_ERROR = ("fail", "skip-employee")


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
    # the ruleset's document as the cycle's validation read and validated it (pipeline.load compiles it rather
    # than reading and validating the file a second time)
    ruleset_document: Document | None = field(default=None, compare=False, repr=False)

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def load_cycle(path: str | Path, *, data_files: bool = True) -> Cycle:
    """Read, validate and resolve a cycle file; raises :class:`InvalidInput` with every problem.  ``data_files=False``
    does not check that its data files exist (a caller that reads only its store)."""
    path = Path(path).resolve()
    rulesets: dict = {}
    doc, warnings = _validated(path, rulesets, data_files)
    data = doc.data
    base = path.parent
    diags: list[Diagnostic] = []
    try:
        period = parse_period(str(data["cycle"]))
    except ValueError as exc:
        raise InvalidInput([doc.diag(("cycle",), str(exc), code="cycle-period")]) from None
    sources = source_specs(doc, path)
    on_error = str(data.get("on_error", "fail"))
    if on_error not in ON_ERROR:
        diags.append(doc.diag(("on_error",), f"on_error is '{on_error}'; write 'fail' or 'skip-employee'",
                              code="cycle-on-error"))
    if diags:
        raise InvalidInput(diags)
    output = data.get("output") or f"out/{period.id}"
    ruleset_path = (base / str(data["ruleset"])).resolve()
    _, ruleset_document = rulesets.get(str(ruleset_path), ((), None))
    return Cycle(
        path=path, period=period, ruleset_path=ruleset_path, ruleset_document=ruleset_document,
        context=MappingProxyType(dict(data.get("context") or {})), sources=sources,
        store=resolve_store_url(str(data.get("store") or "sqlite:///appraise.db"), base),
        output=(base / str(output)).resolve(), on_error=on_error, strict=data.get("strict") is True,
        locale=data.get("locale"),
        overrides=(base / str(data["overrides"])).resolve() if data.get("overrides") else None, document=doc,
        warnings=tuple(warnings))


def source_specs(doc: Document, path: Path) -> tuple[SourceSpec, ...]:
    """The ``sources:`` of a validated cycle or plan file at ``path``: each with its place in the file, its path
    resolved against the file's folder and confined to its workspace unless the file allows outside paths."""
    data, base = doc.data, path.parent
    root = workspace(path) if not outside_paths_allowed(data) else None
    specs = []
    for i, entry in enumerate(data.get("sources") or []):
        line, col = doc.where(("sources", i))
        raw_path = entry.get("path")
        options = {k: v for k, v in entry.items() if k not in ("provider", "kind", "path", "columns")}
        specs.append(SourceSpec(
            provider=str(entry["provider"]), kind=entry.get("kind"),
            path=None if raw_path is None else source_path(base, raw_path),
            columns=MappingProxyType({str(k): str(v) for k, v in (entry.get("columns") or {}).items()}),
            options=MappingProxyType(options), index=i, line=line, col=col, cycle_file=doc.file, base_dir=base,
            root=root))
    return tuple(specs)


def _validated(path: Path, rulesets: dict, data_files: bool = True) -> tuple[Document, list[Diagnostic]]:
    """The cycle file loaded and validated — schema, ruleset, and every source against its provider's options —
    and the warnings of that validation; raises InvalidInput with every problem.  ``rulesets`` receives the
    ruleset's validated document."""
    from appraise.language.validate import check_cycle
    from appraise.plugins import provider_schemas

    warnings: list[Diagnostic] = []
    return check_cycle(shown(path), provider_schemas(), warnings=warnings, rulesets=rulesets,
                       data_files=data_files), warnings
