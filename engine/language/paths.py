"""Where the paths of rule, test and cycle files may lead: inside the workspace (the git work tree holding
the file, else its folder), symlinks followed, unless the cycle or ``APPRAISE_ALLOW_OUTSIDE_PATHS`` allows
otherwise; and how a cycle's paths and SQLite URLs resolve against its folder.

Used by :mod:`appraise.language.cycle` (loading), :mod:`appraise.language.validate` (the checks),
:class:`appraise.hookspecs.SourceSpec` (providers confining what they read) and the tools that open files
by name.  Imports nothing of appraise but :mod:`appraise.errors`.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appraise.errors import Diagnostic

if TYPE_CHECKING:  # pragma: no cover
    from appraise.language.load import Document

_SQLITE_RELATIVE = re.compile(r"\A(sqlite(?:\+\w+)?:///)(?!/)(.+)\Z")
OUTSIDE_HINT = ("move it into that folder, or set 'allow_outside_paths: true' in the cycle file (or "
                "APPRAISE_ALLOW_OUTSIDE_PATHS=1) if it is meant")
_GLOB = re.compile(r"[*?\[]")  # what glob.glob treats as a pattern
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # as the sql provider reads its url


def resolve_store_url(url: str, base_dir: Path) -> str:
    """``sqlite:///x.db`` relative to ``base_dir``; every other URL unchanged."""
    m = _SQLITE_RELATIVE.match(url)
    if m and m[2] != ":memory:":
        return m[1] + (base_dir / m[2]).resolve().as_posix()
    return url



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
    return None if inside(target, root) else root.resolve()


def inside(path: Path, base: Path) -> bool:
    """Whether ``path`` lies in ``base``, symlinks of both followed."""
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


def source_path(base: Path, raw: Any) -> Path:
    """A source's ``path:`` as the providers get it: ``~`` expanded, against the cycle folder, resolved."""
    return (base / Path(str(raw)).expanduser()).resolve()


PATH_KEYS = ("path", "query", "url")  # the keys of a source that name a file (a url: a SQLite file)


def nul_path_problems(doc: Document) -> list[Diagnostic]:
    """Every path of a cycle file holding a NUL character (``"data/a\\0b.csv"``), which no file name can hold: each
    an error at its key, before anything asks the file system about it (Python refuses such a path with
    ValueError, which stopped ``appraise validate`` with a traceback).  :func:`outside_path_problems` passes over
    them."""
    data = doc.data
    if not isinstance(data, Mapping):
        return []
    named: list[tuple[tuple, Any]] = [((name,), data.get(name)) for name in ("ruleset", "output", "overrides",
                                                                              "store")]
    sources = data.get("sources")
    for i, entry in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(entry, Mapping):
            named += [(("sources", i, k), entry.get(k)) for k in PATH_KEYS]
    nul = chr(0)
    return [doc.diag(key, "'{}' holds a NUL character (\\0), which no file name can hold".format(
                value.replace(nul, "\\0")), hint="remove it from the path", code="cycle-path")
            for key, value in named if isinstance(value, str) and nul in value]


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
        if any(isinstance(entry.get(k), str) and chr(0) in entry[k] for k in PATH_KEYS):
            continue  # (nul_path_problems says so)
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
    for name in ("ruleset", "output", "overrides"):
        if isinstance(data.get(name), str) and data[name] and chr(0) not in data[name]:
            found.append(((name,), data[name], base / data[name]))
    if isinstance(data.get("store"), str) and chr(0) not in data["store"]:
        db = sqlite_file(data["store"], base)
        if db is not None:
            found.append((("store",), data["store"], db))
    where = "git repository" if (root / ".git").exists() else "folder"
    out, seen = [], set()
    for key, shown, path in found:
        if key in seen or inside(path, root):
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
