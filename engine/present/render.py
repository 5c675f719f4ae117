"""The render contract: what every renderer is given, and what it may rely on.

:func:`render_all` is the render stage's entry point.  It bundles everything a
page needs into a :class:`RenderRequest` and hands it to every
:class:`Renderer` registered through the ``appraise_renderers`` hook.  The
built-in HTML renderer is an ordinary plugin, :mod:`appraise.plugins.html`,
which owns its view models and templates; a third-party renderer (PDF,
e-mail...) registers the same way and receives the same request.

The contract holds the privacy decisions every renderer must keep, so that no
renderer has to work them out again:

* a personal page may compare an employee with their cohort (average, rank,
  size) only when the cohort holds at least the ruleset's ``privacy.min_group``
  people (``request.ruleset.min_group``); :class:`CohortStats` answers only
  then and never hands out anyone else's value;
* pages read by line managers (team overviews, an index) hold no aggregate of a
  group smaller than ``min_group``, nor one that would let such a group's
  figures be worked out by subtraction: :func:`withheld_groups` says which
  groups (of :func:`team_groups`) and whether the totals may be shown;
* a file named after an id or a team goes through :func:`file_stem`, which
  cannot escape its folder or collide after cleaning.

Totals of a group of results (employees per grade, bonus total) come from
:mod:`appraise.export.summary`, the one definition the export files use too.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from appraise.errors import AppraiseError
from appraise.i18n import normalize_locale
from appraise.language.compile import MIN_GROUP, Ruleset


class RenderError(AppraiseError):
    """A report cannot be rendered as configured (bad branding, template path outside the ruleset...)."""


@dataclass(frozen=True)
class RenderRequest:
    """Everything a renderer receives.

    ``results`` is the results.json document; ``employees_info`` maps an
    employee id to extra columns of the employees table (``locale``,
    ``manager``...); ``history`` maps an employee id to earlier cycles
    (``{cycle, score, grade, bonus}`` each); ``locale`` is the language of
    pages without a reader of their own (team overviews, index) and of
    employees without a ``locale`` column.

    ``insights`` maps an employee id to what :func:`appraise.core.insights.insights` worked out for them (the
    next grade and bonus tier within reach, why the bonus changed, 360 ratings by competency with the raters'
    comments under the anonymity thresholds); a renderer shows it as given and works none of it out again.
    ``history`` rows may carry the stored entries' ``kpis`` (per-KPI trends).

    ``previous`` is the folder holding the pages published by the run this one replaces (``appraise run``
    sets it): a renderer may hard-link a page from there instead of writing it when the bytes it would
    write are exactly that file's (:func:`same_file_as`), so that a re-run rewrites only the pages whose
    content changed.  ``pages`` restricts the pages to a slice of the cycle (:class:`PageSlice`, from
    ``appraise run --pages team:north``); None renders every page.

    ``changes`` is the recalculation ledger of the run against the run it replaces, per employee id:
    ``(field, before, after)`` as in ``changes.csv`` (None: the run replaces none); an incentive plan's payout
    statement shows it as what changed since the last statement.

    ``digests``, when not None, is where a renderer may note each file it wrote, by its relative POSIX path:
    ``(sha256 hex, size in bytes, linked)``, ``linked`` true for a file hard-linked from ``previous`` instead of
    written.  ``appraise run`` then neither reads those files again to hash them for the manifest nor makes the
    linked ones durable again; a file not noted there is read and hashed as before.
    """

    results: Mapping[str, Any]
    ruleset: Ruleset
    employees_info: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    history: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    locale: str = "en"
    previous: str | None = None
    pages: PageSlice | None = None
    changes: Mapping[str, Sequence[tuple[str, str, str]]] | None = None
    insights: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # split credit: per employee id, their part of each deal (appraise.tables.Inputs.splits rows: deal, month,
    # metric, amount, share, credited); the dashboard shows it as a small table
    splits: Mapping[str, Sequence[Mapping[str, str]]] = field(default_factory=dict)
    digests: dict[str, tuple[str, int, bool]] | None = None

    @property
    def ruleset_dir(self) -> Path | None:
        """The folder of the ruleset file: report assets and templates must live inside it."""
        return Path(self.ruleset.source).resolve().parent if self.ruleset.source else None

    def employee_locale(self, employee_id: str) -> str:
        """The reader's language: the employee's ``locale`` column, else the request's default."""
        info = self.employees_info.get(employee_id) or {}
        return normalize_locale(info.get("locale"), self.locale)


@runtime_checkable
class Renderer(Protocol):
    """An output renderer, registered through ``appraise_renderers(register)``.

    ``name`` identifies it (duplicates are an error); ``render`` writes its
    files under ``out_dir`` and returns their paths relative to ``out_dir``.
    It must be deterministic: the same request gives byte-identical files.
    """

    name: str

    def render(self, request: RenderRequest, out_dir: Path) -> list[Path]: ...


# --------------------------------------------------------------------------- re-runs and slices


def same_file_as(previous: str | None, relative: str, data: bytes) -> str | None:
    """The file at ``relative`` under ``previous`` when it holds exactly ``data`` and may stand for a new
    write of it (a regular file, not a link, of this user, with the permissions a new file would get);
    else None.  The bytes are compared, not a digest from a manifest: a file edited since it was published
    is written again."""
    if previous is None:
        return None
    path = os.path.join(previous, relative)
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if (not stat.S_ISREG(st.st_mode) or st.st_size != len(data) or stat.S_IMODE(st.st_mode) != _new_file_mode()
            or (hasattr(os, "geteuid") and st.st_uid != os.geteuid())):
        return None
    try:
        with open(path, "rb") as fh:
            same = fh.read(len(data) + 1) == data
    except OSError:
        return None
    return path if same else None


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@dataclass(frozen=True)
class PageSlice:
    """Which people get pages: those whose employees-table ``column`` equals one of the values given for it
    (``team:north``, ``region:east``; several selectors add up), widened to whole teams (calibration
    cohorts), so that every team page rendered links only to pages that exist.  Figures on the pages are
    those of the whole cycle (team comparisons, the index's totals): a slice chooses pages, never data."""

    selectors: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, texts: Iterable[str]) -> PageSlice:
        """``["team:north", "region:east"]`` → a slice; raises :class:`RenderError` saying how to write one."""
        selectors = []
        for text in texts:
            column, sep, value = str(text).partition(":")
            if not sep or not column.strip() or not value.strip():
                raise RenderError(f"--pages '{text}': write COLUMN:VALUE, a column of the employees table and "
                                  "one of its values, e.g. --pages team:north or --pages region:east")
            selectors.append((column.strip(), value.strip()))
        if not selectors:
            raise RenderError("--pages needs at least one COLUMN:VALUE")
        return cls(tuple(dict.fromkeys(selectors)))

    def __str__(self) -> str:
        return ", ".join(f"{c}:{v}" for c, v in self.selectors)

    def people(self, results: Mapping[str, Any], employees_info: Mapping[str, Mapping[str, Any]]) -> set[str]:
        """Ids of the people whose pages are rendered (the matches, widened to their teams).

        Raises :class:`RenderError` when a column is not in the employees table or a selector matches
        nobody appraised (a typo must not publish an empty folder)."""
        employees = list(results.get("employees") or [])
        columns = {k for info in employees_info.values() for k in info} | {"id"}
        matched: set[str] = set()
        for column, value in self.selectors:
            if column not in columns:
                known = ", ".join(sorted(columns))
                raise RenderError(f"--pages {column}:{value}: the employees table has no column '{column}' "
                                  f"(columns: {known})")
            hits = {str(e["id"]) for e in employees
                    if str(e["id"] if column == "id" else (employees_info.get(str(e["id"])) or {}).get(column, ""))
                    == value}
            if not hits:
                raise RenderError(f"--pages {column}:{value}: nobody appraised in this cycle has {column} "
                                  f"'{value}'; check the value")
            matched |= hits
        teams = {cohort_value(e) for e in employees if str(e["id"]) in matched}
        return {str(e["id"]) for e in employees if cohort_value(e) in teams}


# --------------------------------------------------------------------------- stage


def renderers() -> dict[str, Renderer]:
    """Every renderer registered through the ``appraise_renderers`` hook, by name."""
    from appraise.plugins import get_plugin_manager

    pm = get_plugin_manager()
    found: dict[str, Renderer] = {}
    owner: dict[str, str] = {}
    for impl in pm.hook.appraise_renderers.get_hookimpls():
        def register(renderer, _plugin=impl.plugin_name):
            instance = renderer() if isinstance(renderer, type) else renderer
            if not isinstance(getattr(instance, "name", None), str) or not callable(getattr(instance, "render", None)):
                raise RenderError(f"plugin '{_plugin}' registered a renderer without a 'name' and a "
                                  "'render(request, out_dir)' method (see appraise.present.render.Renderer)")
            if instance.name in found:
                raise RenderError(f"renderer '{instance.name}' is registered by both plugin "
                                  f"'{owner[instance.name]}' and plugin '{_plugin}'; uninstall one of them "
                                  "or restrict APPRAISE_PLUGINS")
            found[instance.name] = instance
            owner[instance.name] = _plugin
        impl.function(register=register)
    return dict(sorted(found.items()))


def render_all(results_doc: Mapping[str, Any], ruleset: Ruleset, out_dir: str | Path, *,
               employees_info: Mapping[str, Mapping[str, Any]] | None = None,
               history: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
               locale: str | None = None, only: Iterable[str] | None = None, previous: str | Path | None = None,
               pages: PageSlice | Iterable[str] | None = None,
               changes: Mapping[str, Sequence[tuple[str, str, str]]] | None = None,
               insights: Mapping[str, Mapping[str, Any]] | None = None,
               splits: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
               digests: dict[str, tuple[str, int, bool]] | None = None) -> list[Path]:
    """Render every report of a cycle into ``out_dir``; returns the files written (relative, sorted).

    Calls each registered renderer (or only those named in ``only``).  Pages:
    ``dashboards/<id>.html``, ``plans/<id>.html``, ``teams/<cohort>.html`` and
    ``index.html`` from the built-in HTML renderer.  ``previous``: the folder of the pages this render
    replaces (unchanged pages are linked from there, see :class:`RenderRequest`); ``pages``: a slice
    (:class:`PageSlice`, or selectors such as ``["team:north"]``); ``changes``: see :class:`RenderRequest`;
    ``insights``: per employee, what :func:`appraise.core.insights.insights` gives (without it the pages leave out
    what is within reach, why the bonus changed and the 360 detail); ``digests``: a dict the renderers may fill
    with each file's sha256, size and whether it was linked (see :class:`RenderRequest`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if pages is not None and not isinstance(pages, PageSlice):
        pages = PageSlice.parse(pages)
    request = RenderRequest(results_doc, ruleset, dict(employees_info or {}), normalize_history(history),
                            normalize_locale(locale or ruleset.locale),
                            str(previous) if previous is not None and Path(previous).is_dir() else None, pages,
                            changes, dict(insights or {}), splits=dict(splits or {}), digests=digests)
    if pages is not None:
        pages.people(request.results, request.employees_info)  # refuse a slice matching nobody before rendering
    chosen = renderers()
    if only is not None:
        wanted = list(only)
        unknown = [n for n in wanted if n not in chosen]
        if unknown:
            raise RenderError(f"no renderer named {', '.join(unknown)}; installed: {', '.join(chosen) or 'none'}")
        chosen = {n: chosen[n] for n in wanted}
    written: list[Path] = []
    for renderer in chosen.values():
        written.extend(p if isinstance(p, Path) else Path(p) for p in renderer.render(request, out))
    # sorted(set(...)) without the set's random order: a renderer's own list, already in order (as the HTML
    # renderer's is), is then sorted in one pass rather than with ~300,000 Path comparisons for 21,000 pages
    return sorted(dict.fromkeys(written))


@contextmanager
def workers_started(employees: int) -> Iterator[None]:
    """Within the block, renderers that render in worker processes have started them for a render of ``employees``
    people (a renderer's optional ``prepare(employees)``, which returns what lets them go, or None): ``appraise
    run`` enters it before it reads the history and works out the insights, so the workers' start-up overlaps
    that.  Workers no render took are let go at the end of the block."""
    releases = []
    try:
        for renderer in renderers().values():
            prepare = getattr(renderer, "prepare", None)
            if callable(prepare):
                release = prepare(employees)
                if release is not None:
                    releases.append(release)
        yield
    finally:
        for release in releases:
            release()


def normalize_history(history) -> dict[str, list[dict[str, Any]]]:
    """``{id: [{cycle, score, grade, bonus}, ...]}`` from that shape or a flat list with ``employee``/``id``."""
    if not history:
        return {}
    if isinstance(history, Mapping):
        return {str(k): [dict(r) for r in v] for k, v in history.items()}
    out: dict[str, list[dict[str, Any]]] = {}
    for row in history:
        key = str(row.get("employee", row.get("id")))
        out.setdefault(key, []).append(dict(row))
    return out


# --------------------------------------------------------------------------- privacy: files, cohorts, groups

_UNSAFE = re.compile(r"[^\w.-]", re.UNICODE)


def file_stem(value: Any) -> str:
    """A file name for an id or cohort value that cannot escape its folder or collide after cleaning."""
    text = str(value)
    clean = _UNSAFE.sub("_", text).lstrip(".")[:80]
    if clean == text and clean:
        return clean
    return f"{clean or 'x'}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def cohort_value(employee: Mapping[str, Any]) -> str | None:
    """The calibration cohort value (e.g. the team) of one result, None without calibration."""
    cal = employee.get("calibration") or {}
    value = cal.get("cohort")
    return None if value is None else str(value)


class CohortStats:
    """KPI attainments of one comparison cohort (same scorecard, same cohort value).

    Holds sorted values only: it answers "average" and "rank" questions and
    never hands out anyone's individual value, and answers only for groups of
    at least ``min_group`` people (the ruleset's ``privacy.min_group``).
    """

    def __init__(self, members: Sequence[Mapping[str, Any]], min_group: int = MIN_GROUP):
        self.size = len(members)
        self.min_group = int(min_group)
        self._values: dict[str, list[float]] = {}
        for e in members:
            for path, k in (e.get("kpis") or {}).items():
                if k.get("weight") and k.get("attainment") is not None:
                    self._values.setdefault(path, []).append(float(k["attainment"]))
        for v in self._values.values():
            v.sort()
        self._means = {path: sum(v) / len(v) for path, v in self._values.items()}

    def compare(self, path: str, mine: float, min_group: int | None = None) -> tuple[float, int, int] | None:
        """(average, rank, count) of ``path`` when at least ``min_group`` people (the larger of this
        cohort's and the argument) have a value, else None."""
        values = self._values.get(path) or []
        if len(values) < max(self.min_group, min_group or 0):
            return None
        higher = len(values) - bisect_right(values, mine)
        return self._means[path], higher + 1, len(values)


def cohorts(results: Mapping[str, Any]) -> dict[tuple[str, str | None], list[Mapping[str, Any]]]:
    """Employees grouped by (scorecard, cohort value), in results order."""
    groups: dict[tuple[str, str | None], list[Mapping[str, Any]]] = {}
    for e in results.get("employees") or []:
        groups.setdefault((e["scorecard"], cohort_value(e)), []).append(e)
    return groups


def withheld_groups(sizes: Mapping[Any, int], min_group: int) -> tuple[dict[Any, str], bool]:
    """Which groups' aggregates a page read outside HR must not show, and whether the totals may be shown.

    ``sizes`` maps each group (team) to its head count.  A group of fewer than ``min_group`` people is
    withheld (``"small"``).  The totals minus the groups shown give the withheld groups' combined figures,
    and a reader who knows one withheld group (its own manager) can subtract that too; so the withheld
    groups together, and together less any one of them, must be none or at least ``min_group`` people.
    Until they are, the smallest groups shown are withheld as well (``"complement"``).  When even
    withholding every group cannot make that so, the totals are not shown instead (``False``) and only
    the small groups are withheld.
    """
    small = {g for g, n in sizes.items() if n < min_group}
    if not small:
        return {}, True

    def safe(hidden: set) -> bool:
        total = sum(sizes[g] for g in hidden)
        return total >= min_group and all(total - sizes[g] == 0 or total - sizes[g] >= min_group for g in hidden)

    hidden = set(small)
    rest = sorted((g for g in sizes if g not in small), key=lambda g: (sizes[g], g is None, str(g)))
    while not safe(hidden) and rest:
        hidden.add(rest.pop(0))
    if safe(hidden):
        return {g: "small" if g in small else "complement" for g in hidden}, True
    return {g: "small" for g in small}, False


def team_groups(results: Mapping[str, Any]) -> dict[str | None, list[Mapping[str, Any]]]:
    """Employees by cohort value (all in one group without calibration), sorted by cohort."""
    groups: dict[str | None, list[Mapping[str, Any]]] = {}
    for e in results.get("employees") or []:
        groups.setdefault(cohort_value(e), []).append(e)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or "")))
