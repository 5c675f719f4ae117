"""``appraise run CYCLE.yaml``: score, grade, calibrate, pay, store and render one review cycle."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from appraise.commands import echo_diagnostics, lang, localized_text
from appraise.display import safe_url
from appraise.display import shown as _shown
from appraise.i18n import say, translate


def _fmt_money(amount, currency: str) -> str:
    text = f"{amount:,f}" if amount == amount.to_integral() else f"{amount:,}"
    return f"{text} {currency}".strip()


def _echo_found(diagnostics, engine_warnings, employee_errors, locale: str) -> None:
    """The data's problems, the run's own warnings and the employees' errors on stderr, in ``locale``."""
    echo_diagnostics(diagnostics, locale)
    for w in engine_warnings:  # the run's own (a period read that has no stored run): said, not only filed
        click.echo(say("run.warning", locale, message=translate(w, locale)), err=True)
    for e in employee_errors:
        click.echo(say("run.employee_error", locale, employee=e.employee, stage=e.stage,
                       message=translate(e.message, locale)), err=True)


@click.command("run")
@click.argument("cycle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: the cycle file's output:).")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Results store, any SQLAlchemy URL (default: the cycle file's store:).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes/threads to use (default: every CPU).")
@click.option("--only", multiple=True, metavar="ID",
              help="Trial run for these employees only (repeatable): nothing is stored; outputs go to "
                   "<output>-only unless --output is given.")
@click.option("--no-render", is_flag=True, help="Skip dashboards, plans and team pages.")
@click.option("--pages", "pages", multiple=True, metavar="COLUMN:VALUE",
              help="Render only the pages of the people whose employees-table COLUMN is VALUE (repeatable, "
                   "e.g. --pages team:north --pages region:east), widened to whole teams; the index lists "
                   "every team with the whole cycle's figures and links the team pages rendered.")
@click.option("--break-lock", is_flag=True,
              help="Remove another run's lock on this cycle first (only when that run is surely gone).")
@click.option("--redact", is_flag=True,
              help="Exports to share outside HR: names replaced by ids, no bonus amounts, no pages "
                   "(the store still keeps the full results).")
@click.option("--strict", is_flag=True, default=None,
              help="Fail (exit 1, nothing stored or written) on any warning or employee error "
                   "(default: the cycle file's strict:).")
@click.option("--quiet", "-q", is_flag=True, help="No stage lines on stderr.")
def command(cycle: Path, output: Path | None, store_url: str | None, jobs: int | None, only: tuple[str, ...],
            no_render: bool, pages: tuple[str, ...], break_lock: bool, redact: bool, strict: bool | None,
            quiet: bool) -> None:
    """Run the review cycle CYCLE: validate → read data → evaluate → store → export → render.

    Writes results.json, results.csv, results.xlsx, errors.csv, manifest.json
    and (unless --no-render) index.html, dashboards/, plans/ and teams/ to the
    output folder, and records the run in the results store, where the next
    period finds this one as `previous`.  Running a cycle again replaces its
    current results under its ruleset (earlier runs stay as history; other
    rulesets of the period are untouched), writes changes.csv against the
    run it replaced and lists the stored results that read it (stale), with
    the commands that re-run them.

    Exit status: 0 done, 1 invalid files or data (each problem listed as
    file:line:col) or the cycle is being run elsewhere, 2 usage error.
    """
    locale = lang()
    if pages and (no_render or redact):
        raise click.UsageError(say("run.pages_none", locale, option="--no-render" if no_render else "--redact"))
    if jobs is not None:
        import os

        os.environ.setdefault("POLARS_MAX_THREADS", str(jobs))  # effective only before polars loads
    from appraise.errors import AppraiseError, InvalidInput
    from appraise.run import NobodyAppraised, StrictRefusal, run_cycle

    echo = None if quiet else (lambda line: click.echo(localized_text(line, locale), err=True))
    try:
        report = run_cycle(cycle, output=output, store=store_url, jobs=jobs, only=only or None,
                           render=not no_render, break_lock=break_lock, progress=echo, redact=redact,
                           strict=strict or None, pages=pages or None)
    except InvalidInput as exc:
        echo_diagnostics(exc.diagnostics, locale)
        errors = sum(1 for d in exc.diagnostics if d.severity == "error")
        click.echo(say("run.nothing_written" if errors != 1 else "run.nothing_written_one", locale, n=errors),
                   err=True)
        sys.exit(1)
    except (StrictRefusal, NobodyAppraised) as exc:
        found, said, erred = exc.found
        _echo_found(found, said, erred, locale)  # each problem as a completed run shows it, in the user's language
        click.echo(say("error", locale, message=translate(str(exc), locale)), err=True)
        sys.exit(1)
    except AppraiseError as exc:
        click.echo(say("error", locale, message=translate(str(exc), locale)), err=True)
        sys.exit(1)
    except OSError as exc:  # the disk is full, a folder is read-only...: said in words, not a traceback
        message = (f"the system refused to read or write {_shown(Path(str(exc.filename)))}: {exc.strerror or exc}"
                   if exc.filename else f"the system refused to read or write a file: {exc.strerror or exc}")
        click.echo(say("error", locale, message=translate(message, locale)), err=True)
        sys.exit(1)
    except Exception as exc:
        import sqlalchemy

        if not isinstance(exc, sqlalchemy.exc.SQLAlchemyError):
            raise
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        where = f" {safe_url(store_url)}" if store_url else ""
        from appraise.i18n import system_error

        click.echo(say("run.store_failed", locale, where=where,
                       error=system_error(first[0], locale) if first else type(exc).__name__), err=True)
        sys.exit(1)

    if not quiet:
        click.echo(say("run.stages", locale, times=", ".join(f"{k} {v:.2f} s" for k, v in report.timings.items())),
                   err=True)
        click.echo(say("run.cpu", locale, times=", ".join(f"{k} {v:.2f} s" for k, v in report.cpu_timings.items())),
                   err=True)
    _echo_found(report.diagnostics, report.engine_warnings, report.employee_errors, locale)
    grades = " · ".join(f"{g} {n}" for g, n in report.grades.items())
    errors_csv = _shown(report.output / "errors.csv")
    click.echo(say("run.appraised" if report.employees != 1 else "run.appraised_one", locale, cycle=report.cycle,
                   n=report.employees, ruleset=report.ruleset)
               + (say("run.not_covered", locale, n=report.not_covered) if report.not_covered else ""))
    click.echo(say("run.grades", locale, grades=grades))
    if report.bonus_total is not None:
        click.echo(say("run.bonus_total", locale, amount=_fmt_money(report.bonus_total, report.currency))
                   + (say("run.bonus_null", locale, n=report.bonus_null) if report.bonus_null else ""))
    click.echo(say("run.errors", locale, n=report.errors)
               + (say("run.see", locale, path=errors_csv) if report.errors else "")
               + (say("run.skipped", locale, n=len(report.skipped)) if report.skipped else ""))
    click.echo(say("run.warnings", locale, n=report.warnings)
               + (say("run.warnings_see", locale, path=errors_csv) if report.warnings else ""))
    click.echo(say("run.results", locale, path=_shown(report.output)))
    if report.index is not None:
        click.echo(say("run.pages", locale, index=_shown(report.index), n=report.pages,
                       dashboards=_shown(report.output / "dashboards")))
    if report.run_id is not None:
        rs_id = report.ruleset.split()[0]
        click.echo(say("run.store", locale, run=report.run_id, cycle=report.cycle, ruleset=rs_id)
                   + (say("run.replacing", locale, run=report.replaced_run) if report.replaced_run is not None
                      else ""))
        if report.replaced_ruleset is not None:  # a paid period re-scored by other rules: said, not only stored
            now = report.ruleset.split(" ", 1)[1] if " " in report.ruleset else ""
            click.echo(say("run.ruleset_changed", locale, run=report.replaced_run, ruleset=rs_id,
                           before=report.replaced_ruleset or "?", after=now or "?"))
    else:
        click.echo(say("run.store_trial", locale))
    for rs, versions in report.mixed_versions.items():  # the rules changed mid-year: each period as scored then
        click.echo(say("run.mixed_versions", locale, ruleset=rs, versions=(", " if locale == "en" else "，").join(
            say("run.version_periods", locale, version=v, periods=(", " if locale == "en" else "、").join(ps))
            for v, ps in versions)))
    if report.changed is not None:
        click.echo(say("run.changes" if report.changed != 1 else "run.changes_one", locale, n=report.changed,
                       run=report.replaced_run, path=_shown(report.output / "changes.csv")))
    if report.stale:
        from appraise.commands.history import stale_lines

        click.echo(say("run.stale" if len(report.stale) != 1 else "run.stale_one", locale, n=len(report.stale)))
        for line in stale_lines(report.stale, locale):
            click.echo(f"    {line}")
