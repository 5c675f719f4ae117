"""Files and folders: which files are what, each checked once (see :mod:`appraise.language.validate`)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appraise.display import shown as _shown
from appraise.errors import Diagnostic, InvalidInput
from appraise.language import schema as schemas
from appraise.language.load import load
from appraise.language.paths import leaves_workspace
from appraise.language.validate.common import RULESET_MARKERS
from appraise.language.validate.cycles import validate_cycle
from appraise.language.validate.rulesets import validate_ruleset


@dataclass
class Outcome:
    """What :func:`validate_files` did: the problems, and which files it checked or skipped."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def failed_files(self) -> list[str]:
        """The files with at least one error, sorted."""
        return sorted({d.file for d in self.diagnostics if d.severity == "error"})


def validate_paths(paths: Iterable[str | Path], provider_schemas: Mapping[str, dict] | None = None
                   ) -> list[Diagnostic]:
    """Validate files and folders (see the module docstring for how files are recognised)."""
    return validate_files(paths, provider_schemas).diagnostics


def validate_files(paths: Iterable[str | Path],
                   provider_schemas: Mapping[str, dict] | Callable[[], Mapping[str, dict] | None] | None = None,
                   *, data_files: bool = True) -> Outcome:
    """Like :func:`validate_paths`, also saying which files were checked and which skipped.

    ``provider_schemas`` may be a function returning them: it is then called only
    when a cycle file is met, so checking rulesets never pays for loading plugins.
    ``data_files=False`` does not check that the data files cycle files name exist (CI without the data).
    """
    outcome = Outcome()
    lazy = {"schemas": provider_schemas, "resolved": not callable(provider_schemas)}

    def providers():
        if not lazy["resolved"]:
            lazy["schemas"], lazy["resolved"] = lazy["schemas"](), True
        return lazy["schemas"]

    rulesets: dict[str, tuple] = {}  # resolved ruleset path -> (its diagnostics, its document), checked once
    reported: set[str] = set()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            files = sorted(p for p in given.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(given).parts))
            explicit = False
        elif given.exists():
            files, explicit = [given], True
        else:
            outcome.diagnostics.append(Diagnostic(str(given), 0, 0, "no such file or folder", code="io"))
            continue
        for file in files:
            shown = _shown(file)
            root = leaves_workspace(file, file)
            if root is not None:  # a symlink out of the repository: never read (its lines would be quoted)
                outcome.checked.append(shown)
                outcome.diagnostics.append(Diagnostic(
                    shown, 0, 0, f"is a symbolic link leading outside {root.as_posix()}; it was not read",
                    hint="replace the link by the file, or set APPRAISE_ALLOW_OUTSIDE_PATHS=1 if it is meant",
                    code="outside-path"))
                continue
            try:
                doc = load(file, shown)
            except InvalidInput as exc:
                outcome.checked.append(shown)
                outcome.diagnostics.extend(exc.diagnostics)
                continue
            kind = _kind(doc.data, explicit)
            if kind is None:
                outcome.skipped.append(shown)
                continue
            outcome.checked.append(shown)
            key = str(file.resolve())
            if kind in ("ruleset-test", "plan"):  # a plan's data is checked by `appraise targets`
                found = schemas.check(doc, kind)
            elif kind == "overrides":  # alone: every check but the grades' (the cycle naming it checks those)
                from appraise.language.overrides import check as check_overrides

                found = check_overrides(doc, None)[1]
            elif kind == "cycle":
                found = validate_cycle(doc, providers(), _rulesets=rulesets, data_files=data_files)
            elif key in rulesets:
                found = rulesets[key][0]
            else:
                rulesets[key] = (validate_ruleset(doc), doc)
                found = rulesets[key][0]
            for d in found:  # a ruleset named by several cycles is reported once
                marker = f"{d.file}:{d.line}:{d.col}:{d.message}"
                if marker not in reported:
                    reported.add(marker)
                    outcome.diagnostics.append(d)
    return outcome


def _kind(data: Any, explicit: bool) -> str | None:
    if isinstance(data, dict) and "tests" in data and "ruleset" in data and "sources" not in data:
        return "ruleset-test" if explicit else None  # it has a cycle: key too; `appraise test` checks the rest
    if isinstance(data, dict) and ("cycle" in data or ("ruleset" in data and "sources" in data)):
        return "cycle"  # one that lacks cycle: is still a cycle file (told what it lacks), not a broken ruleset
    if isinstance(data, dict) and "plan" in data and "levels" in data:
        return "plan"
    if isinstance(data, list) and data and all(isinstance(i, dict) and "id" in i for i in data) \
            and any(k in i for i in data for k in ("reason", "by", "score", "grade")):
        return "overrides"  # a list of {id, score?, grade?, reason, by, date}
    if explicit:
        return "ruleset"
    if isinstance(data, dict) and (any(k in data for k in RULESET_MARKERS) or {"id", "version"} <= set(data)):
        return "ruleset"
    return None
