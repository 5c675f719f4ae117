"""Cycle files: one review run — the period, the ruleset, the context, where the data is.

:func:`load_cycle` reads ``cycle.yaml`` strictly (:mod:`appraise.language.load`), has it
validated (:func:`appraise.language.validate.check_cycle`, with every installed
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

from appraise.errors import Diagnostic, InvalidInput
from appraise.language.load import Document
from appraise.language.period import Period, parse as parse_period

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
        if self.root is not None and not _inside(path, self.root):
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
    confined = not outside_paths_allowed(data)
    root = workspace(path) if confined else None
    for i, entry in enumerate(data.get("sources") or []):
        line, col = doc.where(("sources", i))
        raw_path = entry.get("path")
        options = {k: v for k, v in entry.items() if k not in ("provider", "kind", "path", "columns")}
        sources.append(SourceSpec(
            provider=str(entry["provider"]), kind=entry.get("kind"),
            path=None if raw_path is None else source_path(base, raw_path),
            columns=MappingProxyType({str(k): str(v) for k, v in (entry.get("columns") or {}).items()}),
            options=MappingProxyType(options), index=i, line=line, col=col, cycle_file=doc.file, base_dir=base,
            root=root))
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


def leaves_workspace(target: Path, named_in: Path) -> Path | None:
    """The workspace ``target`` leaves, symlinks followed, when named from file ``named_in``, else None.

    The workspace is the git work tree holding ``named_in`` *as named* (its own symlinks not followed),
    else its folder; ``leaves_workspace(f, f)`` says whether file ``f`` itself is a symlink out of it.  For
    the rule, test and cycle files that validate, test and diff open by name or find in a folder: a pull
    request may add ``rulesets/x.yaml -> ~/.aws/credentials``.  APPRAISE_ALLOW_OUTSIDE_PATHS=1 allows it.
    """
    if outside_paths_allowed({}):
        return None
    folder = Path(os.path.abspath(named_in)).parent
    root = next((c for c in (folder, *folder.parents) if (c / ".git").exists()), folder)
    return None if _inside(target, root) else root.resolve()


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


OUTSIDE_HINT = ("move it into that folder, or set 'allow_outside_paths: true' in the cycle file (or "
                "APPRAISE_ALLOW_OUTSIDE_PATHS=1) if it is meant")
_GLOB = re.compile(r"[*?\[]")  # what glob.glob treats as a pattern
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # as the sql provider reads its url


def source_path(base: Path, raw: Any) -> Path:
    """A source's ``path:`` as the providers get it: ``~`` expanded, against the cycle folder, resolved."""
    return (base / Path(str(raw)).expanduser()).resolve()


def outside_path_problems(doc: Document) -> list[Diagnostic]:
    """Every path of a cycle file that leads outside its workspace (symlinks followed), unless the cycle or
    APPRAISE_ALLOW_OUTSIDE_PATHS allows it: data files, query files, the ruleset, an overrides file, the
    output, SQLite files.

    A cycle file arrives in a pull request like a rule file; without this rule it could have CI read
    ``~/.ssh/id_rsa`` as "data" or as its ruleset (and print its lines in error messages) or write the
    results over ``.github/workflows`` of another checkout.  A glob (``data/*.parquet``) is checked file by
    file as it matches now, since a symlink in the repository (``data/lnk -> /``) makes
    ``data/[l]nk/etc/passwd`` a pattern that looks inside and matches outside.  A SQLite URL is checked for
    the file SQLAlchemy will open: after ``${VAR}`` (sql sources read the environment), percent-decoding and
    ``..``.  ``appraise validate`` and :func:`load_cycle` both run this (through
    :func:`appraise.language.validate.validate_cycle`), and the ruleset is not read when it is outside.
    """
    data = doc.data
    if not isinstance(data, Mapping) or outside_paths_allowed(data):
        return []
    base = Path(doc.file).resolve().parent
    root = workspace(Path(doc.file))
    found: list[tuple[tuple, str, Path]] = []
    sources = data.get("sources")
    for i, entry in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(entry, Mapping):
            continue
        raw = entry.get("path")
        if isinstance(raw, str) and raw:
            resolved = source_path(base, raw)
            found.append((("sources", i, "path"), raw, resolved))
            if _GLOB.search(raw):
                import glob

                found += [(("sources", i, "path"), raw, Path(m)) for m in sorted(glob.glob(str(resolved)))]
        query = entry.get("query")
        if isinstance(query, str) and query:
            q = Path(query).expanduser()
            found.append((("sources", i, "query"), query, q if q.is_absolute() else base / q))
        url = entry.get("url")
        if isinstance(url, str):
            db = sqlite_file(expand_vars(url), base)
            if db is not None:
                found.append((("sources", i, "url"), url, db))
    for key in ("ruleset", "output", "overrides"):
        if isinstance(data.get(key), str) and data[key]:
            found.append(((key,), data[key], base / data[key]))
    if isinstance(data.get("store"), str):
        db = sqlite_file(data["store"], base)
        if db is not None:
            found.append((("store",), data["store"], db))
    where = "git repository" if (root / ".git").exists() else "folder"
    out, seen = [], set()
    for key, shown, path in found:
        if key in seen or _inside(path, root):
            continue
        seen.add(key)  # one message per key: a glob matching a thousand files outside is one problem
        to = "" if key[-1] == "url" else f" (to {path.resolve().as_posix()})"  # a url may hold a ${VAR}'s value
        what = ("the ruleset" if key == ("ruleset",) else
                "data files, query files, the ruleset, overrides, the output and a SQLite store")
        out.append(doc.diag(key, f"'{shown}' leads outside the cycle's {where} {root.as_posix()}{to}; {what} "
                            f"must be inside it{'; it was not read' if key == ('ruleset',) else ''}",
                            hint=OUTSIDE_HINT, code="cycle-outside-path"))
    return out


def expand_vars(url: str) -> str:
    """``${VAR}`` replaced from the environment as the sql provider does (an unset one is left as written:
    the provider refuses it)."""
    return _VAR.sub(lambda m: os.environ.get(m[1], m[0]), url)


def sqlite_file(url: str, base: Path) -> Path | None:
    """The database file SQLAlchemy opens for a SQLite URL (relative ones against ``base``), else None.

    Read through SQLAlchemy's own URL parser after :func:`resolve_store_url`, so ``%2F``, ``..`` and
    ``sqlite+driver`` are judged as they will be opened.
    """
    if not url[:6].lower() == "sqlite":
        return None
    url = resolve_store_url(url, base)
    plain = re.match(r"\Asqlite(?:\+\w+)?:///([^?%]*)(?:\?.*)?\Z", url)
    if plain:  # the common case, read as SQLAlchemy reads it without importing it
        database = plain[1]
    else:
        import sqlalchemy as sa

        try:
            parsed = sa.make_url(url)
        except Exception:
            return None  # not a URL SQLAlchemy can open either
        if parsed.get_backend_name() != "sqlite":
            return None
        database = parsed.database
    if not database or database == ":memory:":
        return None
    path = Path(database)
    return path if path.is_absolute() else Path.cwd() / path


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _validated(path: Path) -> tuple[Document, list[Diagnostic]]:
    """The cycle file loaded and validated — schema, ruleset, and every source against its provider's options —
    and the warnings of that validation; raises InvalidInput with every problem."""
    from appraise.plugins import provider_schemas
    from appraise.language.validate import check_cycle

    warnings: list[Diagnostic] = []
    return check_cycle(_shown(path), provider_schemas(), warnings=warnings), warnings
