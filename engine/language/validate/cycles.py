"""A cycle file: its schema, paths that stay inside the workspace, its sources against their providers'
option schemas, the ruleset it names, its context against what the ruleset reads, its periods and its
overrides file."""
from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from appraise.errors import Diagnostic, InvalidInput
from appraise.language import expr as expressions
from appraise.language import schema as schemas
from appraise.language.load import Document, load
from appraise.language.overrides import check as check_overrides
from appraise.language.paths import nul_path_problems, outside_path_problems
from appraise.language.validate.common import RULESET_MARKERS, non_finite, ordered
from appraise.language.validate.periods import check_cycle_periods
from appraise.language.validate.rulesets import validate_ruleset


def validate_cycle(doc: Document, provider_schemas: Mapping[str, dict] | None = None, *,
                   _rulesets: dict | None = None, data_files: bool = True) -> list[Diagnostic]:
    """Every problem in a loaded cycle file, including those of the ruleset it names.

    ``provider_schemas`` maps a provider name to the JSON Schema of its source
    entries (contributed by provider plugins); sources naming a provider not in
    it are errors.  ``None`` skips provider checks.  ``data_files`` (default) checks
    that the data files, globs, query files and SQLite files the sources name
    exist (:func:`_check_cycle_data`); ``data_files=False`` does not (``appraise
    validate --no-data`` in CI without the data, ``appraise history --cycle``).
    """
    data = doc.data
    if isinstance(data, dict) and "cycle" not in data and any(k in data for k in RULESET_MARKERS):
        return [doc.diag((), "this is a ruleset, not a cycle file; give the cycle file that names it "
                         "(cycle:, ruleset:, sources:)", hint="appraise validate checks a ruleset on its own",
                         code="cycle-kind")]
    found = schemas.check(doc, "cycle") + non_finite(doc)
    if not isinstance(data, dict):
        return ordered(found)
    # paths leading outside the workspace: a ruleset there is not even read (its lines would be quoted in
    # messages, e.g. in a CI log: a credentials file named as the ruleset)
    found += nul_path_problems(doc)  # (before anything asks the file system about them)
    found += [d for d in outside_path_problems(doc) if d.path not in {n.path for n in found}]
    bad = {d.path for d in found}
    sources = data.get("sources")
    if provider_schemas is not None and isinstance(sources, list):
        # (a key the cycle schema found wrong already, e.g. a misspelt kind, is not reported again by the provider's)
        found += [d for d in _check_sources(doc, sources, provider_schemas) if d.path not in bad]
    found += _check_cycle_output(doc, bad) + _check_cycle_store(doc, bad)
    if data_files and isinstance(sources, list) and doc.file:
        found += _check_cycle_data(doc, sources, bad)
    ruleset = data.get("ruleset")
    if isinstance(ruleset, str) and ruleset and "ruleset" not in bad:
        in_ruleset, rs_doc = _check_cycle_ruleset(doc, ruleset, _rulesets)
        found += in_ruleset
        if rs_doc is not None and not any(d.severity == "error" for d in in_ruleset):
            if "context" not in bad:
                found += _check_cycle_context(doc, rs_doc, ruleset)
            if "cycle" not in bad:
                found += check_cycle_periods(doc, rs_doc, ruleset)
            overrides = data.get("overrides")
            if isinstance(overrides, str) and overrides and "overrides" not in bad:
                found += _check_cycle_overrides(doc, rs_doc, overrides)
    return ordered(found)


def check_cycle(path: str | Path, provider_schemas: Mapping[str, dict] | None = None, *,
                warnings: list[Diagnostic] | None = None, rulesets: dict | None = None, data_files: bool = True
                ) -> Document:
    """Load and validate a cycle file and its ruleset; raises :class:`InvalidInput` with every problem.
    The warnings, if any, are added to ``warnings`` when it is given; ``rulesets``, when given, receives the
    ruleset's document as validated (resolved path -> (problems, document)), so it need not be read again;
    ``data_files`` as for :func:`validate_cycle`."""
    doc = load(path)
    found = validate_cycle(doc, provider_schemas, _rulesets=rulesets, data_files=data_files)
    if any(d.severity == "error" for d in found):
        raise InvalidInput(found)
    if warnings is not None:
        warnings.extend(d for d in found if d.severity == "warning")
    return doc


def _check_cycle_output(doc: Document, bad: set) -> list[Diagnostic]:
    """``output:`` must be a folder of its own: each run replaces it whole, so one holding the cycle file, its
    ruleset, a data file, the overrides, the SQLite store or the repository is refused (as ``appraise run`` refuses
    it; said here, at the key, so that validate does not pass a cycle the run refuses)."""
    from appraise.language.paths import resolve_store_url, workspace

    data = doc.data
    output = data.get("output")
    if not isinstance(output, str) or not output or "output" in bad or not doc.file:
        return []
    base = Path(doc.file).resolve().parent
    out = (base / output).resolve()
    own: list[tuple[str, Path]] = [(Path(doc.file).name, Path(doc.file).resolve())]
    nul = chr(0)  # (a path holding one is an error of its own: nul_path_problems)
    for key in ("ruleset", "overrides"):
        if isinstance(data.get(key), str) and data[key] and nul not in data[key]:
            own.append((data[key], (base / data[key]).resolve()))
    for entry in data.get("sources") or []:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str) and entry["path"] \
                and nul not in entry["path"]:
            own.append((entry["path"], (base / Path(entry["path"]).expanduser()).resolve()))
    store = data.get("store")
    if isinstance(store, str) and nul in store:
        store = None
    url = resolve_store_url(store if isinstance(store, str) and store else "sqlite:///appraise.db", base)
    if url.startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:"):
        own.append((store if isinstance(store, str) and store else "sqlite:///appraise.db",
                    Path(url[len("sqlite:///"):])))
    inside = [name for name, p in own if p.is_relative_to(out)]
    root = workspace(Path(doc.file))
    if not inside and not root.is_relative_to(out):
        return []
    what = inside[0] if inside else f"the repository {root}"
    period = data.get("cycle")
    return [doc.diag(("output",), f"output folder '{output}' holds the cycle's own files ({what}); each run "
                     "replaces the whole output folder",
                     hint=f"give it a folder of its own, e.g. out/{period if period is not None else '2026-Q3'}",
                     code="cycle-output")]


# The built-in providers that read the one file ``path:`` names (no glob, no folder); duckdb reads a glob; a
# third-party provider's path may be a folder or a glob (it is checked to match something).
ONE_FILE_PROVIDERS = frozenset({"csv", "excel", "parquet", "feedback360", "okr"})
DATA_HINT = ("paths in a cycle file are relative to the cycle file's folder: correct the path, or put the file "
             "there before the run")
DATA_CODE = "cycle-data"  # a path not there (appraise validate adds a note on --no-data when it reports one)


def _check_cycle_data(doc: Document, sources: list, bad: set) -> list[Diagnostic]:
    """Each data path the sources name exists, as ``appraise run`` needs it (which runs this check too, before
    reading anything): ``path:`` (a file for the built-in file providers, a glob matching a file for duckdb),
    ``query:`` (an .sql file) and the file of a ``sqlite:///`` url (SQLAlchemy would create an empty database
    there and the query would fail on a missing table)."""
    import glob

    from appraise.errors import dotted
    from appraise.language.paths import _GLOB, _VAR, expand_vars, source_path, sqlite_file

    base = Path(doc.file).resolve().parent
    found: list[Diagnostic] = []
    for i, entry in enumerate(sources):
        if not isinstance(entry, dict):
            continue
        provider = entry.get("provider")
        raw = entry.get("path")
        key = ("sources", i, "path")
        if isinstance(raw, str) and raw and dotted(key) not in bad:
            target = source_path(base, raw)
            if _GLOB.search(raw) and provider not in ONE_FILE_PROVIDERS and not target.exists():
                if not glob.glob(str(target)):
                    found.append(doc.diag(key, f"no file matches '{raw}' (looked in {target.parent.as_posix()})",
                                          hint=DATA_HINT, code=DATA_CODE))
            elif not target.exists():
                found.append(doc.diag(key, f"data file '{raw}' not found (looked for {target.as_posix()})",
                                      hint=DATA_HINT, code=DATA_CODE))
            elif provider == "duckdb" and target.is_dir():  # (duckdb would be asked for the folder, and refuse)
                found.append(doc.diag(key, f"'{raw}' is a folder; provider 'duckdb' reads a file or a glob",
                                      hint=f"name the files with a glob, e.g. {raw.rstrip('/')}/*.parquet or "
                                      f"{raw.rstrip('/')}/*.csv", code="cycle-data-folder"))
            elif provider in ONE_FILE_PROVIDERS and target.is_dir():
                found.append(doc.diag(key, f"'{raw}' is a folder; provider '{provider}' reads one file",
                                      hint="name the file; to read every file of a folder, use provider: duckdb "
                                      "with a glob such as data/deals/*.parquet", code="cycle-data-folder"))
        query = entry.get("query")
        key = ("sources", i, "query")
        if isinstance(query, str) and query and dotted(key) not in bad:
            q = Path(query).expanduser()
            target = q if q.is_absolute() else base / q
            if not target.is_file():
                found.append(doc.diag(key, f"query file '{query}' not found (looked for {target.as_posix()})",
                                      hint=DATA_HINT, code=DATA_CODE))
        url = entry.get("url")
        key = ("sources", i, "url")
        if isinstance(url, str) and dotted(key) not in bad:
            expanded = expand_vars(url)
            db = None if _VAR.search(expanded) else sqlite_file(expanded, base)  # an unset ${VAR}: the run says so
            if db is not None and not db.exists():
                looked = "" if _VAR.search(url) else f" (looked for {db.as_posix()})"  # not a ${VAR}'s value
                found.append(doc.diag(key, f"SQLite database file of url: '{url}' not found{looked}",
                                      hint=DATA_HINT, code=DATA_CODE))
    return found


def _check_cycle_store(doc: Document, bad: set) -> list[Diagnostic]:
    """``store:`` names a database appraise can open: a misspelt scheme (``sqllite:///``) is said at the key, not
    as a driver's error when the run opens it."""
    store = doc.data.get("store")
    if not isinstance(store, str) or "://" not in store or "store" in bad:
        return []
    scheme = store.split("://", 1)[0]
    dialects = _dialects()
    if dialects is None or scheme in dialects:
        return []
    close = difflib.get_close_matches(scheme, sorted(dialects), n=1)
    return [doc.diag(("store",), f"store '{scheme}://' is not a database appraise can open"
                     + (f"; did you mean '{close[0]}'?" if close else ""),
                     hint="write an SQLAlchemy URL: sqlite:///appraise.db (a file beside the cycle file) or "
                     "postgresql+psycopg://user@host/db", code="cycle-store")]


def _dialects() -> set[str] | None:
    """The database URL schemes SQLAlchemy can open here (``sqlite``, ``postgresql+psycopg``, a third-party dialect's
    entry point), found from SQLAlchemy's files and the installed entry points without importing it (a second and
    more on a validate); None when that cannot be told."""
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("sqlalchemy")
    if spec is None or not spec.submodule_search_locations:
        return None
    out: set[str] = set()
    root = Path(next(iter(spec.submodule_search_locations))) / "dialects"
    for package in root.iterdir() if root.is_dir() else ():
        if (package / "__init__.py").is_file():
            out.add(package.name)
            out.update(f"{package.name}+{f.stem}" for f in package.glob("*.py") if not f.stem.startswith("_"))
    if "mysql" in out:  # MariaDB is a dialect of the mysql package
        out |= {"mariadb"} | {"mariadb+" + d.split("+", 1)[1] for d in out if d.startswith("mysql+")}
    try:
        out.update(e.name.replace(".", "+") for e in importlib.metadata.entry_points(group="sqlalchemy.dialects"))
    except Exception:  # a broken distribution's metadata: the built-in dialects are still known
        pass
    return out


def _check_sources(doc: Document, sources: list, provider_schemas: Mapping[str, dict]) -> list[Diagnostic]:
    base = schemas.load("cycle")["properties"]["sources"]["items"]["properties"]
    out: list[Diagnostic] = []
    for i, entry in enumerate(sources):
        if not isinstance(entry, dict) or not isinstance(entry.get("provider"), str):
            continue
        name = entry["provider"]
        if name not in provider_schemas:
            close = difflib.get_close_matches(name, list(provider_schemas), n=1)
            out.append(doc.diag(("sources", i, "provider"),
                                f"no provider '{name}' is installed"
                                + (f"; did you mean '{close[0]}'?" if close else ""),
                                hint="installed: " + ", ".join(sorted(provider_schemas)) + " (`appraise plugins`)",
                                code="cycle-provider"))
            continue
        own = dict(provider_schemas[name] or {})
        own["properties"] = {**base, **own.get("properties", {})}
        out += schemas.check(doc, "cycle", instance=entry, base=("sources", i), schema=own,
                             context=f"for provider '{name}'")
    return out


def _check_cycle_ruleset(doc: Document, ruleset: str,
                         cache: dict | None) -> tuple[list[Diagnostic], Document | None]:
    """The problems of the ruleset a cycle names, and its document (None when it could not be read)."""
    folder = Path(doc.file).parent
    target = folder / ruleset
    if not target.is_file():
        return [doc.diag(("ruleset",), f"ruleset file '{ruleset}' not found (looked for {target})",
                         hint="paths in a cycle file are relative to the cycle file's folder",
                         code="cycle-ruleset")], None
    key = str(target.resolve())
    if cache is not None and key in cache:
        return cache[key]
    try:
        rs_doc = load(target, os.path.normpath(str(target)))
        named = rs_doc.data
        if isinstance(named, dict) and "cycle" in named and "sources" in named \
                and not any(k in named for k in RULESET_MARKERS):  # (not a ruleset's dozen unknown keys)
            return [doc.diag(("ruleset",), f"'{ruleset}' is a cycle file, not a ruleset",
                             hint="name the ruleset file here: the one with id:, scorecards: and grades: (the "
                             f"ruleset: line of '{ruleset}' names it)", code="cycle-ruleset")], None
        checked: tuple[list[Diagnostic], Document | None] = (validate_ruleset(rs_doc), rs_doc)
    except InvalidInput as exc:
        checked = (list(exc.diagnostics), None)
    if cache is not None:
        cache[key] = checked
    return checked


def _check_cycle_context(doc: Document, rs_doc: Document, name: str) -> list[Diagnostic]:
    """The cycle's ``context:`` against what the (valid) ruleset reads: every ``context.x`` set, each value
    of a type the expressions can use; a key nothing reads is a warning (usually a typo)."""
    from appraise.language.compile import compile_ruleset  # a ruleset checked alone never compiles it

    context = doc.data.get("context")
    context = context if isinstance(context, dict) else {}
    rs = compile_ruleset(rs_doc)
    found: list[Diagnostic] = []
    readers: dict[str, list[str]] = {}
    for e in dict.fromkeys(rs.expressions()):
        for obj, attr in sorted(e.fields):
            if obj == "context":
                readers.setdefault(attr, []).append(e.text)
    for attr in sorted(set(readers) - set(context)):
        close = difflib.get_close_matches(attr, [str(k) for k in context], n=1, cutoff=0.6)
        found.append(doc.diag(("context",), f"the ruleset ({name}) reads context.{attr} (in '{readers[attr][0]}'), "
                              "but this cycle's context does not set it" + (f"; did you mean '{close[0]}'?" if close
                                                                             else ""), key=True,
                              hint=f"add it: context: {{{attr}: ...}} (true/false, a number, a text or a list)",
                              code="cycle-context"))
    if not found:
        conditions = rs.conditions()
        for e in dict.fromkeys(rs.expressions()):
            for problem in expressions.context_problems(e, context, condition=e in conditions):
                fields = [attr for obj, attr in sorted(e.fields) if obj == "context" and attr in context]
                found.append(doc.diag(("context", fields[0]) if fields else ("context",),
                                      f"'{e.text}' in the ruleset ({name}) cannot use this context: {problem.message}",
                                      hint=_percent_context(context, fields) or "give the context value the type "
                                      "the ruleset expects (true/false for a condition, a list for 'in')",
                                      code="cycle-context"))
    for key in sorted(set(map(str, context)) - set(readers)):
        close = difflib.get_close_matches(key, list(readers), n=1, cutoff=0.6)
        found.append(replace(doc.diag(("context", key), f"context.{key} is set but the ruleset ({name}) never "
                                      "reads it" + (f"; did you mean '{close[0]}'?" if close else ""), key=True,
                                      hint="remove it, or fix its name", code="cycle-context-unused"),
                             severity="warning"))
    return found


def _percent_context(context: dict, fields: list[str]) -> str:
    """The number to write for a context value written as a percentage (``growth: 5%``), "" for any other."""
    from appraise.language.punctuation import percentage

    value = context.get(fields[0]) if fields else None
    found = percentage(value) if isinstance(value, str) else None
    if found is None:
        return ""
    from appraise.i18n import say

    shown, number, fraction = found
    return say("percent.number", number=number, fraction=fraction, text=shown)


def _check_cycle_overrides(doc: Document, rs_doc: Document, relative: str) -> list[Diagnostic]:
    """The overrides file the cycle names, checked (grades against the ruleset's)."""
    target = Path(doc.file).parent / relative
    if not target.is_file():
        return [doc.diag(("overrides",), f"overrides file '{relative}' not found (looked for {target})",
                         hint="paths in a cycle file are relative to the cycle file's folder", code="cycle-overrides")]
    try:
        o_doc = load(target, os.path.normpath(str(target)))
    except InvalidInput as exc:
        return list(exc.diagnostics)
    grades = [g.get("grade") for g in rs_doc.data.get("grades") or [] if isinstance(g, dict)]
    return check_overrides(o_doc, [g for g in grades if isinstance(g, str)])[1]
