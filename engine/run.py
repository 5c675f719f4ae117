"""``appraise run``: one review cycle end to end — validate → provide → evaluate → export → render → store.

:func:`run_cycle` is the library function behind the command (and
``appraise.run_cycle``).  What it guarantees:

* **One run per period and ruleset at a time.**  The lock row of (period,
  ruleset id) in the store is taken before any data is read
  (:meth:`appraise.store.database.Store.lock`); a second run is refused with
  :class:`~appraise.store.database.CycleLocked`.  A lock left by a killed process on
  this host is taken over.  Other rulesets of the period are not blocked.
* **Re-runs leave a ledger.**  ``changes.csv`` lists what changed against the
  run this one replaced (employee, field, before, after), and the report lists
  the stored results that read a replaced run (:func:`appraise.store.database.stale_runs`).
* **The store changes in one transaction.**  The run's results are inserted
  and the run made current (the earlier run kept as history, not current) in a
  single commit; a crash before it leaves the previous results current.
* **One run per output folder at a time.**  The output folder is locked too
  (``flock`` on ``.<name>.appraise-lock`` beside it, :func:`appraise.atomic.lock_folder`):
  two runs with different stores and one ``output`` cannot interleave; the
  second is refused with :class:`OutputLocked`.
* **The output folder is old or new, never a mix.**  Everything — exports,
  pages, ``manifest.json`` last — is written into a staging folder beside
  ``output`` (``.<name>.appraise-tmp-*``); the staged files are checked
  against the manifest; the results are committed to the store (with the
  manifest's sha256); then the staging folder replaces ``output`` in one
  rename (``RENAME_EXCHANGE`` on Linux).  A run killed before the commit
  leaves the store and the folder as they were; killed after it, the store is
  new and the folder the previous, complete one until the swap; the next run
  removes leftovers.  Files in ``output`` that appraise did not write are
  carried into the new folder (hard links).
* **Same inputs → byte-identical outputs**: no timestamps, run ids or store
  URLs in any file.

Test hook: when the environment variable ``APPRAISE_TEST_PAUSE_AT`` names a
stage (``provide``, ``evaluate``, ``export`` — after the first file —,
``render`` — pages rendered, none moved into the staging folder —,
``manifest``, ``store`` — inside the results transaction, before the commit —,
``publish`` — committed, the folder not yet swapped —, ``published`` — the
folder swapped, the previous one not yet deleted —, ``render-worker`` — in
each render worker process as it starts), the run prints ``paused at <stage>``
on stderr and sleeps ``APPRAISE_TEST_PAUSE_SECONDS`` (default 30) there, so a
test can kill it at a known point.  Unset, it costs nothing.
"""
from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path

from appraise.atomic import (
    FolderLocked,
    carry_over,
    fsync_dir,
    lock_folder,
    publish_folder,
    remove_sibling_leftovers,
    sha256_of,
    staging_dir,
    staging_sibling,
    sync_files,
    write_bytes,
    write_chunks,
)
from appraise.display import safe_url
from appraise.errors import AppraiseError
from appraise.pipeline import load, prepare

PAUSE_ENV = "APPRAISE_TEST_PAUSE_AT"
STAGES = ("validate", "provide", "evaluate", "export", "render", "manifest", "store")
MANIFEST = "manifest.json"
# what a run writes into its folder (the files of an earlier run's manifest count too): never carried over
OUTPUT_FILES = {"results.json", "results.csv", "results.xlsx", "errors.csv", "changes.csv", MANIFEST, "index.html"}
OUTPUT_DIRS = {"dashboards/", "plans/", "teams/", "statements/"}


def pause_point(stage: str) -> None:
    """Sleep here when ``APPRAISE_TEST_PAUSE_AT`` names ``stage`` (crash tests; see the module doc)."""
    if os.environ.get(PAUSE_ENV) == stage:
        print(f"paused at {stage}", file=sys.stderr, flush=True)
        time.sleep(float(os.environ.get("APPRAISE_TEST_PAUSE_SECONDS", "30")))


class OutputLocked(AppraiseError):
    """Another run is writing the same output folder (whatever its store)."""

    def __init__(self, folder: Path, holder: dict):
        self.folder, self.holder = folder, holder
        who = f"process {holder.get('pid', '?')} on {holder.get('host', '?')}"
        what = ", ".join(f"{k} {holder[k]}" for k in ("cycle", "store") if holder.get(k))
        since = f" since {holder['started']}" if holder.get("started") else ""
        super().__init__(f"output folder {folder} is being written by another run ({who}"
                         f"{', ' + what if what else ''}{since}); two runs must not share an output folder: "
                         "wait for it to finish, or give this run its own (--output, or output: in the cycle "
                         "file)")


class StrictRefusal(AppraiseError):
    """A strict run (``--strict``, ``strict: true``) that met warnings or errors: nothing was written."""

    def __init__(self, lines: list[str], warnings: int, errors: int, found: tuple = ((), (), ())):
        self.lines, self.warnings, self.errors = lines, warnings, errors
        # (diagnostics, the run's own warnings, employee errors): what the command shows, each in the user's language
        self.found = found
        super().__init__(f"{warnings} warning{'s' if warnings != 1 else ''} and {errors} "
                         f"error{'s' if errors != 1 else ''} in a strict run; nothing was stored or written "
                         "(fix them, or run without --strict / strict: true)")


class NobodyAppraised(AppraiseError):
    """A run that appraised nobody, because everyone it would appraise erred or because no one is in the period while
    the store holds the period's results: nothing was stored or written.  Replacing the period's stored run by an
    empty one would lose what later periods read (``previous``, ``periods:``, ``net_of``); a first run of nothing
    but errors would hide from them that the period has no stored run."""

    def __init__(self, lines: list[str], cycle: str, ruleset: str, errors: int, kept: int | None, people: int,
                 found: tuple = ((), (), ())):
        self.lines, self.errors, self.kept, self.found = lines, errors, kept, found
        where = f"{cycle} ({ruleset})"
        if errors:
            kept_text = (f"; run {kept} stays current for {where}, as later periods read it" if kept is not None
                         else "")
            super().__init__(f"nobody was appraised in {where}: every employee it would appraise has an error "
                             f"(errors: {errors}); nothing was stored or written{kept_text}; fix the errors above "
                             "and run the cycle again")
        else:
            super().__init__(f"nobody was appraised in {where}, yet run {kept} holds the results of {people} people "
                             "for it, which later periods read; nothing was stored or written and run "
                             f"{kept} stays current; check that the employee table is this period's (hire and "
                             "leave dates) and that the ruleset's scorecards apply to its people, then run the "
                             "cycle again")


@dataclass
class RunReport:
    """What a run did: counts for the closing summary and where everything went."""

    cycle: str
    ruleset: str
    output: Path
    store: str | None
    run_id: int | None
    employees: int
    grades: dict[str, int]
    bonus_total: Decimal | None  # None when the ruleset pays no bonus
    currency: str
    errors: int
    warnings: int
    skipped: list[str]
    files: list[str]
    pages: int
    index: Path | None
    timings: dict[str, float] = field(default_factory=dict)
    cpu_timings: dict[str, float] = field(default_factory=dict)  # CPU seconds: this process (all its threads) and
    # the processes it waited for in the stage (the render workers)
    diagnostics: list = field(default_factory=list)
    employee_errors: list = field(default_factory=list)
    not_covered: int = 0               # employees no scorecard of the ruleset applies to
    replaced_run: int | None = None    # the run this one replaced as current for (period, ruleset)
    # the replaced run's ruleset version when it was scored by another ruleset file (its sha256 differs): the
    # period's stored results, which later runs read (previous, periods:, net_of), now follow other rules
    replaced_ruleset: str | None = None
    bonus_null: int = 0  # appraised employees whose bonus is null (no target bonus, no attainment): not 0, said
    # {ruleset id: [(version, [periods])]} when the sub-periods read (periods:, net_of) were scored by more than one
    # version of one ruleset (the rules changed mid-year): each is read as scored then, and the summary says so
    mixed_versions: dict = field(default_factory=dict)
    changed: int | None = None         # people whose score, grade or bonus changed against it (changes.csv)
    stale: list = field(default_factory=list)  # appraise.store.database.stale_runs after this run
    engine_warnings: list = field(default_factory=list)


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended (a stage's render workers are counted once
    the stage has waited for them)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class _Progress:
    """Stage lines on stderr: what runs now and how long each stage took."""

    def __init__(self, echo: Callable[[str], None] | None):
        self.echo = echo
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}  # process CPU time per stage: on a shared machine steadier than wall time
        self._stage: str | None = None
        self._t = self._c = 0.0

    def stage(self, name: str, detail: str = "") -> None:
        self.done()
        self._stage, self._t, self._c = name, time.perf_counter(), _cpu()
        if self.echo:
            self.echo(f"{name:<9} {detail}".rstrip())

    def done(self) -> None:
        if self._stage is not None:
            self.timings[self._stage] = round(time.perf_counter() - self._t, 3)
            self.cpu[self._stage] = round(_cpu() - self._c, 3)
            self._stage = None


def run_cycle(cycle_path: str | Path, *, output: str | Path | None = None, store: str | None = None,
              jobs: int | None = None, only: Iterable[str] | None = None, render: bool = True,
              break_lock: bool = False, progress: Callable[[str], None] | None = None,
              redact: bool = False, strict: bool | None = None, pages: Iterable[str] | None = None) -> RunReport:
    """Run a review cycle; returns a :class:`RunReport`.

    ``output`` / ``store`` override the cycle file's.  ``jobs`` caps the worker
    processes and threads (rendering, polars).  ``only`` appraises just those
    employees as a trial: nothing is written to the store, and outputs go to
    ``<output>-only`` unless ``output`` is given (calibration then sees only
    them).  ``render=False`` skips the HTML pages.  ``progress`` receives one
    line per stage.  ``redact=True`` writes exports that may leave HR: names
    replaced by ids, no bonus amounts, no pages (the store keeps the full results).
    ``strict=True`` (default: the cycle file's ``strict:``) refuses to store or
    write anything when the run meets a warning or an employee error
    (:class:`StrictRefusal`), for batch and CI use.  ``pages`` (``["team:north"]``)
    renders a slice of the pages (:class:`appraise.present.render.PageSlice`).
    Pages whose bytes are those already published are linked from the folder
    being replaced, not written again.

    Everything the run creates is owner-only (folders 0700, files 0600): the
    process umask is 0o077 for the duration of the run.

    Raises :class:`~appraise.errors.InvalidInput` (every problem, with
    file:line:col) for invalid files or data, :class:`~appraise.store.database.CycleLocked`
    when the cycle is being run elsewhere.
    """
    page_slice = None
    if pages is not None:
        from appraise.present.render import PageSlice

        page_slice = PageSlice.parse(pages)  # a malformed selector fails before anything runs
    saved_jobs = os.environ.get("APPRAISE_JOBS")
    if jobs is not None:
        os.environ["APPRAISE_JOBS"] = str(jobs)  # read by renderers that parallelise (the HTML one does)
    saved_umask = os.umask(0o077)  # pay data: outputs, store and staging readable by the owner only
    try:
        return _run_cycle(cycle_path, output, store, only, render and not redact, break_lock, progress, redact,
                          strict, page_slice)
    finally:
        os.umask(saved_umask)
        if jobs is not None:
            if saved_jobs is None:
                os.environ.pop("APPRAISE_JOBS", None)
            else:
                os.environ["APPRAISE_JOBS"] = saved_jobs


def _run_cycle(cycle_path, output, store, only, render: bool, break_lock: bool, progress, redact: bool = False,
               strict: bool | None = None, pages=None) -> RunReport:
    p = _Progress(progress)
    p.stage("validate", str(cycle_path))
    cycle, ruleset = load(cycle_path)
    only_ids = sorted(set(map(str, only))) if only else None
    out = Path(output).resolve() if output is not None else (
        cycle.output if only_ids is None else cycle.output.with_name(cycle.output.name + "-only"))
    store_url = store or cycle.store

    from appraise.store.database import Store

    _check_output(out, cycle, store_url)
    db = Store(store_url) if only_ids is None else None
    lock = db.lock(cycle.period.id, ruleset.id, break_lock=break_lock) if db is not None else None
    folder = None
    run_id = None
    frozen_before = gc.get_freeze_count()
    if frozen_before == 0:
        # what is loaded so far (click, the store's SQLAlchemy, the language) lives to the end: the cyclic
        # collector no longer scans it each time the run's millions of short-lived objects set it off (its full
        # collections at 100,000 people: 0.09 -> 0.03 s; unfrozen at the end).  A host process that froze objects
        # itself is left alone.
        gc.freeze()
    try:
        folder = _lock_output(out, cycle.period.id, safe_url(store_url) if db is not None else None)
        if db is not None:
            run_id = db.start_run(cycle=cycle.period.id, kind=cycle.period.kind, cycle_file=str(cycle.path),
                                  ruleset=ruleset, inputs={}, engine_version=metadata.version("appraise"))
        report = _run(cycle, ruleset, out, store_url, db, run_id, only_ids, render, p, redact,
                      cycle.strict if strict is None else strict, pages, freeze=frozen_before == 0)
        report.timings, report.cpu_timings = p.timings, p.cpu
        return report
    except BaseException as exc:
        if db is not None and run_id is not None:
            try:
                db.fail_run(run_id, f"{type(exc).__name__}: {exc}")
            except Exception:  # the store itself failed; the original error matters more
                pass
        raise
    finally:
        if frozen_before == 0:
            gc.unfreeze()  # _run froze the document's objects; they are garbage to collect like any other now
        if folder is not None:
            folder.release()
        if db is not None:
            if lock is not None:
                db.unlock(lock)
            db.close()


# How much less the thread making results.xlsx (and results.csv after it, and the thread making its rows) is given
# of the cores than results.json's text, its writer and the store's writer (a thread's own nice value, Linux): the
# export's longest chain is results.json's, whose writer alone is left at the end when it falls behind; results.xlsx
# fills the cores' gaps instead (1,000,000 people: the export 20.5-20.7 -> 19.3-19.9 s, two pairs of runs).  0: even.
EXPORT_YIELD = 5


def _yielding() -> None:
    """This thread (and the threads it starts) second to the others when the cores are short (:data:`EXPORT_YIELD`)."""
    if EXPORT_YIELD and sys.platform.startswith("linux"):  # (elsewhere a thread's id is not a task's)
        try:
            import threading

            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                           os.getpriority(os.PRIO_PROCESS, 0) + EXPORT_YIELD)
        except OSError:
            pass


def _check_output(out: Path, cycle, store_url: str) -> None:
    """The output folder is replaced as a whole by each run: it must be a folder of its own, not one holding
    the cycle's inputs, its store or its repository (and not a file)."""
    from appraise.language.paths import workspace

    if out.exists() and not out.is_dir():
        raise AppraiseError(f"output {out} is a file; name a folder")
    own = [cycle.path, cycle.ruleset_path, *(s.path for s in cycle.sources if s.path is not None)]
    try:
        from sqlalchemy import make_url

        url = make_url(store_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            own.append(Path(url.database))
    except Exception:
        pass
    root = workspace(Path(cycle.path))
    inside = [p for p in own if Path(p).resolve().is_relative_to(out)]
    if inside or root.is_relative_to(out):
        what = Path(inside[0]).name if inside else str(root)
        raise AppraiseError(f"output folder {out} holds the cycle's own files ({what}); each run replaces the "
                            f"whole output folder, so give it a folder of its own, e.g. out/{cycle.period.id}")


def _lock_output(out: Path, cycle: str, store: str | None):
    """Lock the output folder for this process (:class:`OutputLocked` when another run holds it)."""
    import socket

    holder = {"pid": os.getpid(), "host": socket.gethostname(), "cycle": cycle, "store": store,
              "started": datetime.now().astimezone().isoformat(timespec="seconds")}
    try:
        return lock_folder(out, holder)
    except FolderLocked as exc:
        raise OutputLocked(out, exc.args[0] if exc.args else {}) from None


def _run(cycle, ruleset, out: Path, store_url: str, db, run_id, only_ids, render: bool, p: _Progress,
         redact: bool = False, strict: bool = False, page_slice=None, freeze: bool = False) -> RunReport:
    p.stage("provide", f"{len(cycle.sources)} sources")
    # (imported here, below the stage's mark: what validating took is what the validate stage shows)
    from appraise.export.columns import (
        csv_chunks,
        ledger_table,
        lost_rankings,
        rounded_frame,
        stored_frames,
        summary,
    )
    from appraise.export.document import document_head, document_tail
    from appraise.export.files import (
        CHANGE_FIELDS,
        ahead,
        changes_csv,
        changes_frame,
        errors_csv,
        ledger_texts,
        manifest_json,
        redact_document,
        results_json_chunks,
        results_json_texts,
        written_by,
    )
    from appraise.export.json_columns import employee_text_chunks, employee_text_pairs
    from appraise.export.summary import column_bonus_total, column_grade_counts
    from appraise.export.xlsx_columns import kpi_table, write_results_xlsx
    from appraise.provide.stage import METRIC_ABSENT
    from appraise.store.database import ENTRY_COLUMNS, history, stale_runs

    if freeze:  # and what these loaded (polars, numpy, pyarrow, the engine): see _run_cycle
        gc.freeze()

    pause_point("provide")
    # a trial run (--only) applies the overrides of the people it appraises; what this run reads of other runs
    # (the previous period under this ruleset, sub-periods, what they paid) are inputs like the files
    # ("store:<ruleset>/<period>" in the manifest)
    prepared = prepare(cycle, ruleset, only=only_ids, store=store_url)
    provided, inputs, reads = prepared.provided, prepared.inputs, prepared.reads
    if db is not None:
        db.set_inputs(run_id, inputs.sources)

    p.stage("evaluate", f"{cycle.period.id}, {inputs.employees.height} employees")
    pause_point("evaluate")
    # the engine's columns only: results.json, results.csv, results.xlsx and the store are written from them;
    # the per-employee documents (~16 KB a person) are built only for what needs them (pages, --redact)
    outcome = prepared.results()
    ev = outcome.evaluation
    # what only the engine and explanations read is let go (hundreds of MiB for a large company): the input rows
    # (the pages read the employee table), and what explain would build its provenance from
    cells = None
    if render and inputs.feedback is not None:  # the 360 detail the pages show, in columns (thresholds applied)
        from appraise.core.insights import feedback_cells

        cells = feedback_cells(ruleset, inputs.feedback, cycle.period, ev.frame.select("id", "scorecard"))
    inputs.metrics = inputs.aggregated = inputs.feedback = inputs.okrs = None
    inputs.previous = inputs.subperiods = inputs.paid = None
    ev.key_results = ev.provenance = None
    # files named as from the cycle's folder, like the sources: the outputs are the same wherever the run started
    data_diags = [(_in_cycle_folder(d, cycle.base_dir), provided.employee_of.get(d)) for d in provided.diagnostics]
    # people left out for their data (on_error: skip-employee) are listed with the engine's errors
    left_out = [{"employee": who, "stage": "provide", "message": f"{d.file}:{d.line}:{d.col}: {d.message}"}
                for d, who in data_diags if d.severity == "error" and who in provided.skipped]
    # results.json's keys but the employees' entries, in order
    outline = {**document_head(ev), "employees": [], **document_tail(ev)}
    outline["errors"] = left_out + outline["errors"]
    appraised = ev.frame.height
    errors = sum(1 for d in provided.diagnostics if d.severity == "error") + len(ev.errors)
    diagnostics = [*cycle.warnings, *provided.diagnostics]  # the cycle file's own warnings first
    engine_warnings = ev.warnings
    if any(d.code == METRIC_ABSENT for d, _ in data_diags):  # said once, with the cycle file's location
        engine_warnings = [w for w in ev.warnings if not w.startswith("no data source provides")]
    warnings = sum(1 for d in diagnostics if d.severity == "warning") + len(engine_warnings)
    if strict and (warnings or errors):
        lines = [str(d) for d in diagnostics] + [f"warning: {w}" for w in engine_warnings] \
            + [f"{e.employee}: {e.stage}: error: {e.message}" for e in ev.errors]
        raise StrictRefusal(lines, warnings, errors, (diagnostics, engine_warnings, ev.errors))

    # what the run replaces (read before staging; the (period, ruleset) lock keeps it current until the commit),
    # for the recalculation ledger: what changed against it (header only when nothing did)
    replaced, before = None, None
    if db is not None:
        replaced = db.current_run(cycle.period.id, ruleset.id)
        # only the fields the ledger compares, as columns: the entries are not parsed (seconds at 100,000 employees)
        before = db.run_table(replaced["id"], CHANGE_FIELDS) if replaced is not None else None
    if appraised == 0 and (errors or (before is not None and before.height)):
        # nobody to store: the period's stored results (what later periods read) are not replaced by none
        lines = [str(d) for d in diagnostics] + [f"warning: {w}" for w in engine_warnings] \
            + [f"{e.employee}: {e.stage}: error: {e.message}" for e in ev.errors]
        raise NobodyAppraised(lines, cycle.period.id, ruleset.id, errors,
                              replaced["id"] if replaced is not None else None,
                              before.height if before is not None else 0, (diagnostics, engine_warnings, ev.errors))

    p.stage("export", str(out))
    remove_sibling_leftovers(out)  # of a killed run; safe: this process holds the folder's lock
    stage = staging_sibling(out)
    leftover: Path | None = stage  # removed unless published
    old = None
    export_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="appraise-export")
    stored: EntrySpool | None = None
    writer = None  # the store's rows written during the export (Store.results_writer)
    try:
        rounded = rounded_frame(ev)  # the numbers as the document rounds them, once for every file
        rankings = lost_rankings(ev, rounded)  # lost points ranked once: the focus areas and results.json's

        def tables():
            """The summary table (as results.csv and results.xlsx show it: names as ids when redacted) and
            results.xlsx's KPI columns, made on the export thread: results.json's text (the export's longest part)
            does not wait for them."""
            full = summary(ev, rounded, rankings)
            if redact:
                import polars as pl

                return full, full.with_columns(pl.col("id").alias("name")), kpi_table(ev, redact=True, rounded=rounded)
            return full, full, kpi_table(ev, redact=False, rounded=rounded)

        made = export_pool.submit(tables)
        doc = None  # the results document, when something needs it
        if redact or render:
            doc = outcome.document
            doc["errors"] = outline["errors"]
            # the document lives to the end of the run: keep the cyclic collector from scanning its millions
            # of objects again each time exporting or rendering allocate (unfrozen in _run_cycle); a host
            # process that froze objects itself is left alone
            if freeze:
                gc.freeze()
        files: dict[str, tuple[str, int]] = {}

        def put(name: str, data: bytes) -> None:
            files[name] = (write_bytes(stage / name, data, sync_dir=False), len(data))

        # results.xlsx is made on a thread of its own meanwhile: most of its time is Python's (each number's
        # text) and zlib's, while results.json's is polars' and hashing's, which let go of the interpreter lock
        created = datetime(cycle.period.end.year, cycle.period.end.month, cycle.period.end.day)

        def xlsx_file(m: Future = made) -> tuple[str, int]:
            _yielding()
            return written_by(stage / "results.xlsx", write_results_xlsx, outline, *m.result()[1:], ruleset,
                              created=created, errors=errors, redact=redact, locale=cycle.locale or ruleset.locale)

        def csv_file(m: Future = made) -> tuple[str, int]:
            return write_chunks(stage / "results.csv", csv_chunks(m.result()[1], redact=redact))

        xlsx = export_pool.submit(xlsx_file)
        # then results.csv on that thread, beside results.json (whose writer, hashing and copying 0.5 GB at
        # 100,000 people, is the export's longest part: made after it, results.csv only added to it)
        csv = export_pool.submit(csv_file)
        # results.json and results.csv straight from the engine's columns (appraise.export.columns); the store's
        # entries are made with results.json's (the same values' texts), kept until then; a redacted
        # export's entries from its redacted document
        stored = EntrySpool(lambda: staging_sibling(out))  # the store's entries (compact JSON), for the store stage
        # a run that renders no pages into SQLite stores its rows meanwhile, on a thread of its own, as they are
        # made (the store stage then only finishes the transaction): nothing to hold or spool, and SQLite's
        # writing beside the export's.  Pages read the store's history while they are made: those runs store after.
        if db is not None and not redact and not render and db.engine.dialect.name == "sqlite":
            writer = db.results_writer(run_id)
        sent = [0]

        def entries(m: Future = made):
            for indented, compact in employee_text_pairs(ev, rounded=rounded, rankings=rankings):
                if writer is not None:  # each entry beside its summary values (the full table: not redacted)
                    writer.add(next(stored_frames(m.result()[0].slice(sent[0], len(compact)), [compact])))
                    sent[0] += len(compact)
                elif db is not None:
                    stored.add(compact)
                yield indented

        if redact:
            assert doc is not None
            files["results.json"] = write_chunks(stage / "results.json", results_json_chunks(redact_document(doc)))
        else:
            # the text made on a thread of its own (polars), a chunk ahead of hashing and writing it (a chunk
            # reaches the writer as ~15 views of polars' buffers: room for all of them, so the next chunk's text
            # is made while this one is written; the views hold no more memory than the chunk they are cut from)
            files["results.json"] = write_chunks(stage / "results.json",
                                                 ahead(results_json_texts(outline, entries(), encoded=True),
                                                       depth=16))
        pause_point("export")
        files["results.csv"] = csv.result()
        files["results.xlsx"] = xlsx.result()
        full, table, _ = made.result()
        rounded = None  # with the KPI columns, ~0.5 GiB at 1,000,000 people: not kept through the store stage
        del made, xlsx_file, csv_file
        ledger = None if before is None else changes_frame(  # set-based: polars compares the two runs (a table)
            ledger_texts(before, json_fields=[f for f in CHANGE_FIELDS if f not in ENTRY_COLUMNS]),
            ledger_texts(ledger_table(full, ev)))
        full = None
        validation = [_in_cycle_folder(d, cycle.base_dir) for d in cycle.warnings]
        put("errors.csv", errors_csv([d for d, _ in data_diags], ev.errors, engine_warnings, validation=validation,
                                     employee_of={d: who for d, who in data_diags if who}, redact=redact))
        put("changes.csv", changes_csv([] if ledger is None else ledger, redact=redact))

        pages = 0
        index = None
        if render:
            assert doc is not None
            p.stage("render", f"{appraised} dashboards and plans" if page_slice is None
                    else f"the pages of {page_slice}")
            pages = _render(doc, ruleset, cycle, inputs, store_url, stage, files, history, out, page_slice,
                            _by_employee(ledger.iter_rows()) if ledger is not None else None, ev, cells)
            index = out / "index.html" if "index.html" in files else None

        p.stage("manifest")
        pause_point("manifest")
        _carry_over(out, stage, files)
        manifest = manifest_json(cycle=cycle, ruleset=ruleset, inputs=inputs.sources,
                                 engine_version=metadata.version("appraise"), files=files, employees=appraised,
                                 errors=errors, redacted=redact)
        sha = write_bytes(stage / MANIFEST, manifest)
        _check_staged(stage, files)

        if db is not None:
            p.stage("store", safe_url(store_url))
            if writer is not None:  # the rows are in (or nearly): finish as complete_run does, commit
                writer.complete(cycle.period.id, {"errors": outline["errors"]},
                                before_commit=lambda: pause_point("store"), reads=reads.reads, manifest_sha256=sha,
                                also=_draw_ledger(ev), expected=table.height)
            else:
                # a redacted run's results.json had the redacted entries: the store's are made now, the full results
                db.complete_run(run_id, cycle.period.id, {"errors": outline["errors"]},
                                before_commit=lambda: pause_point("store"), reads=reads.reads, manifest_sha256=sha,
                                frames=stored_frames(table, employee_text_chunks(ev, compact=True) if redact
                                                     else stored),
                                also=_draw_ledger(ev))
        mixed = _mixed_versions(db, reads.reads) if db is not None and reads is not None else {}
        pause_point("publish")
        old = publish_folder(stage, out)
        leftover = None
        pause_point("published")
    finally:
        import shutil

        export_pool.shutdown(wait=True, cancel_futures=True)  # a failed run's workbook is not waited for twice
        if writer is not None:
            writer.abort()  # a failed run's rows are rolled back (nothing, once completed)
        if stored is not None:
            stored.close()
        if leftover is not None:  # the run failed before the swap: the folder stays as it was
            shutil.rmtree(leftover, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    stale = stale_runs(store_url) if db is not None else []
    p.done()
    return RunReport(
        cycle=cycle.period.id, ruleset=f"{ruleset.id} {ruleset.version or ''}".strip(), output=out,
        store=store_url if db is not None else None, run_id=run_id, employees=appraised,
        grades=column_grade_counts(table["grade"], ruleset),
        bonus_total=column_bonus_total(table["bonus"]) if ruleset.bonus else None,
        bonus_null=table["bonus"].null_count() if ruleset.bonus else 0,
        currency=str(outline.get("currency") or ""),
        errors=errors, warnings=warnings,
        skipped=sorted(provided.skipped), files=sorted(files) + [MANIFEST], pages=pages, index=index,
        diagnostics=diagnostics, employee_errors=list(ev.errors), not_covered=len(ev.not_covered),
        replaced_run=replaced["id"] if replaced is not None else None,
        replaced_ruleset=(str(replaced.get("ruleset_version") or "") if replaced is not None
                          and replaced.get("ruleset_sha256") != ruleset.sha256 else None),
        changed=ledger["id"].n_unique() if ledger is not None else None, stale=stale,
        engine_warnings=list(engine_warnings), mixed_versions=mixed)


def _mixed_versions(db, reads: list) -> dict:
    """What :attr:`RunReport.mixed_versions` holds: the sub-periods read (``periods:``, ``net_of``) by ruleset id and
    version, where one ruleset id was read in more than one version."""
    wanted = {(r["ruleset_id"], r["cycle"], r["read_run"]) for r in reads
              if r.get("read_run") is not None and (r["why"] == "net_of" or r["why"].startswith("periods:"))}
    if not wanted:
        return {}
    versions = db.run_versions(run for _, _, run in wanted)
    by: dict[str, dict[str, set[str]]] = {}
    for rs, period, run in wanted:
        by.setdefault(rs, {}).setdefault(str(versions.get(run) or "?"), set()).add(period)
    from appraise.store.database import period_order

    return {rs: sorted(((v, sorted(ps, key=period_order)) for v, ps in found.items()),
                       key=lambda vp: period_order(vp[1][0]))
            for rs, found in sorted(by.items()) if len(found) > 1}


SPOOL_BYTES = 256 * 2**20  # the store's entries kept in memory up to this; beyond it they wait on disk


class EntrySpool:
    """The store's entries, made with results.json's during the export, kept until the store stage: in memory
    up to ``limit`` bytes, beyond that in Arrow IPC files in a folder of their own (``folder()`` makes it: a
    staging folder beside the output, removed as a leftover if the run is killed), so that a million people's
    ~2 GB of JSON text does not stay in memory through the export.  Iterating gives the chunks in order, each
    let go (and its file removed) once the next is asked for."""

    def __init__(self, folder: Callable[[], Path], limit: int | None = None):
        self._make_folder, self.limit = folder, SPOOL_BYTES if limit is None else limit
        self._folder: Path | None = None
        self._chunks: list = []  # a polars series, or the path of the file holding it
        self._held = 0

    def add(self, chunk) -> None:
        size = int(chunk.str.len_bytes().sum() or 0)
        if self._held + size <= self.limit:
            self._chunks.append(chunk)
            self._held += size
            return
        import polars as pl

        if self._folder is None:
            self._folder = self._make_folder()
        path = self._folder / f"{len(self._chunks)}.arrow"
        pl.DataFrame({"entry": chunk}).write_ipc(path, compression="uncompressed")
        self._chunks.append(path)

    def __iter__(self):
        import polars as pl

        while self._chunks:
            item = self._chunks.pop(0)
            if isinstance(item, Path):
                chunk = pl.read_ipc(item)["entry"]
                item.unlink()
                yield chunk
            else:
                self._held -= int(item.str.len_bytes().sum() or 0)
                yield item

    def close(self) -> None:
        import shutil

        self._chunks.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


def _in_cycle_folder(d, base_dir: Path):
    """``d`` with its file named relative to the cycle's folder when it lies inside it (labels such as a
    database source's stay as they are)."""
    try:
        return replace(d, file=Path(d.file).resolve().relative_to(base_dir.resolve()).as_posix()) \
            if d.file and Path(d.file).exists() else d
    except ValueError:
        return d


def _draw_ledger(ev):
    """An incentive plan's draw ledger, stored with the run's results (:func:`appraise.store.draws.writer`)."""
    if ev.ruleset.bonus is None or ev.ruleset.bonus.draw is None:
        return None
    from appraise.export.columns import money_strings
    from appraise.store.draws import writer

    # (id, opening, recovered, advanced, closing) as results.json writes them: decimal strings at the unit
    f = ev.frame
    amounts = [money_strings(f[f"bonus.draw.{n}"], ev.ruleset).to_list()
               for n in ("opening", "recovered", "advanced", "closing")]
    return writer(zip(f["id"].to_list(), *amounts, strict=True))


def _by_employee(ledger) -> dict[str, list[tuple[str, str, str]]]:
    """The recalculation ledger's rows by employee: (field, before, after) each."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for emp, field_name, before, after in ledger:
        out.setdefault(emp, []).append((field_name, before, after))
    return out


def _render(doc, ruleset, cycle, inputs, store_url: str, out: Path, files: dict, history, published: Path | None = None,
            page_slice=None, changes=None, ev=None, feedback=None) -> int:
    """Render into a folder inside ``out`` (the run's staging folder), then rename every page into place.

    Pages that the renderer linked from ``published`` (the folder this run replaces; same bytes) are
    already on disk: they are hashed for the manifest but not synced again."""
    from appraise.present.render import workers_started

    # the renderers' worker processes start while this one reads the history and works out the insights
    with workers_started(len(doc.get("employees") or ()) if page_slice is None else 0):
        return _render_pages(doc, ruleset, cycle, inputs, store_url, out, files, history, published, page_slice,
                             changes, ev, feedback)


def _render_pages(doc, ruleset, cycle, inputs, store_url: str, out: Path, files: dict, history,
                  published: Path | None = None, page_slice=None, changes=None, ev=None, feedback=None) -> int:
    import shutil

    from appraise.core.insights import BONUS_CHANGE_FIELDS, insights
    from appraise.present.render import RenderError, render_all

    ids = [e["id"] for e in doc["employees"]]
    past = history(store_url, ids if len(ids) <= 5000 else None, kind=cycle.period.kind, before=cycle.period.id,
                   ruleset_id=ruleset.id, fields=("kpis", *BONUS_CHANGE_FIELDS))
    info = {}
    if inputs.employees is not None:
        for row in inputs.employees.iter_rows(named=True):
            info[str(row["id"])] = {k: v for k, v in row.items() if v is not None}
    found = None
    if ev is not None:  # what each person can act on next, worked out once by the core (the pages show it)
        found = insights(ev, feedback, past,
                         ids=page_slice.people(doc, info) if page_slice is not None else None)
    stage = staging_dir(out)
    try:
        splits: dict[str, list[dict]] = {}  # split credit: each seller's part of each deal, for their dashboard
        for row in (inputs.splits.iter_rows(named=True) if getattr(inputs, "splits", None) is not None else ()):
            splits.setdefault(row.pop("employee"), []).append(row)
        digests: dict[str, tuple[str, int, bool]] = {}  # what the renderers hashed as they wrote
        written = render_all(doc, ruleset, stage, employees_info=info, history=past, locale=cycle.locale,
                             previous=published, pages=page_slice, changes=changes, insights=found,
                             splits=splits, digests=digests)
        pause_point("render")
        pages: dict[str, tuple[str | None, int, bool]] = {}
        for rel in written:
            name = rel.as_posix()  # render_all gives Paths
            if name in files or name == MANIFEST:
                raise RenderError(f"a renderer wrote {name}, which is one of the run's own outputs; "
                                  "name the page differently")
            noted = digests.get(name)
            if noted is None:  # not hashed by its renderer: read back; linked when it is the published file
                st = (stage / rel).stat()
                pages[name] = (None, st.st_size, st.st_nlink > 1 and published is not None
                               and _same_inode(published / rel, st))
            else:
                pages[name] = noted
        # every new page durable before any is renamed (linked ones are, since their run)
        sync_files(stage / name for name, (_, _, linked) in pages.items() if not linked)
        for name, (sha, size, _) in pages.items():
            files[name] = (sha or sha256_of(stage / name), size)
        _move_pages(stage, out, pages)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    for folder in {os.path.dirname(r) for r in files}:
        fsync_dir(out / folder)
    return len(written)


def _move_pages(stage: Path, out: Path, pages: Mapping[str, object]) -> None:
    """Rename the rendered pages from ``stage`` into ``out``: a whole top-level folder (``dashboards/``...) at once
    when ``out`` has nothing of that name and the folder holds exactly the pages listed in it, else page by page."""
    under: dict[str, set[str]] = {}
    for name in pages:
        top, _, rest = name.partition("/")
        under.setdefault(top, set()).add(rest)
    for top, names in under.items():
        if "" not in names and not os.path.lexists(out / top) and set(os.listdir(stage / top)) == names:
            os.replace(stage / top, out / top)  # exactly these pages (a page in a sub-folder goes one by one)
            continue
        for rest in names:
            name = f"{top}/{rest}" if rest else top
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / name, out / name)


def _same_inode(path: Path, st: os.stat_result) -> bool:
    try:
        return os.path.samestat(os.lstat(path), st)
    except OSError:
        return False


def _carry_over(out: Path, stage: Path, files: dict) -> None:
    """Files in the old output folder that no run wrote (someone's notes) go into the new one; outputs of
    the previous run (its manifest's files, the standard names) do not: stale pages disappear."""
    try:
        old = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        listed = {f["path"] for f in old.get("files", [])}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        listed = set()
    carry_over(out, stage, lambda rel: rel in OUTPUT_FILES or rel in OUTPUT_DIRS or rel in listed or rel in files)


def _check_staged(stage: Path, files: dict) -> None:
    """Every file the manifest lists is in the staging folder with its size (checked before the commit)."""
    for name, (_, size) in files.items():
        path = stage / name
        if not path.is_file() or path.stat().st_size != size:
            raise AppraiseError(f"staged output {name} is missing or changed before it was published; "
                                "nothing was stored, run the cycle again")
