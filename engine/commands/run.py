"""``appraise run CYCLE.yaml``: score, grade, calibrate, pay, store and render one review cycle."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from appraise.display import safe_url
from appraise.display import shown as _shown


def _fmt_money(amount, currency: str) -> str:
    text = f"{amount:,f}" if amount == amount.to_integral() else f"{amount:,}"
    return f"{text} {currency}".strip()


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
                   "every team with the whole cycle's figures and links the team pages rendered. "
                   "/ 仅为员工表中 COLUMN 列等于 VALUE 的人生成页面（可重复，按整个团队扩展）；"
                   "总览页列出所有团队及整个周期的数据，只链接已生成的团队页。")
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
    if pages and (no_render or redact):
        raise click.UsageError(f"--pages chooses which pages to render; {'--no-render' if no_render else '--redact'} "
                               "renders none / --pages 用于选择要生成的页面，而 "
                               f"{'--no-render' if no_render else '--redact'} 不生成任何页面")
    if jobs is not None:
        import os

        os.environ.setdefault("POLARS_MAX_THREADS", str(jobs))  # effective only before polars loads
    from appraise.errors import AppraiseError, InvalidInput
    from appraise.run import StrictRefusal, run_cycle

    echo = None if quiet else (lambda line: click.echo(line, err=True))
    try:
        report = run_cycle(cycle, output=output, store=store_url, jobs=jobs, only=only or None,
                           render=not no_render, break_lock=break_lock, progress=echo, redact=redact,
                           strict=strict or None, pages=pages or None)
    except InvalidInput as exc:
        click.echo(str(exc), err=True)
        errors = sum(1 for d in exc.diagnostics if d.severity == "error")
        click.echo(f"{errors} error{'s' if errors != 1 else ''}; nothing was written", err=True)
        sys.exit(1)
    except StrictRefusal as exc:
        for line in exc.lines:
            click.echo(line, err=True)
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except AppraiseError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:
        import sqlalchemy

        if not isinstance(exc, sqlalchemy.exc.SQLAlchemyError):
            raise
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        where = f" {safe_url(store_url)}" if store_url else ""
        click.echo(f"error: the results store{where} failed: "
                   f"{first[0] if first else type(exc).__name__}; no results were made current. Check that the "
                   "database is reachable, then run the cycle again", err=True)
        sys.exit(1)

    if not quiet:
        click.echo("stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in report.timings.items()), err=True)
        click.echo("cpu: " + ", ".join(f"{k} {v:.2f} s" for k, v in report.cpu_timings.items()), err=True)
    for d in report.diagnostics:
        click.echo(str(d), err=True)
    for e in report.employee_errors:
        click.echo(f"{e.employee}: {e.stage}: error: {e.message}", err=True)
    grades = " · ".join(f"{g} {n}" for g, n in report.grades.items())
    people = f"{report.employees} employee{'s' if report.employees != 1 else ''}"
    click.echo(f"{report.cycle}: {people} appraised ({report.ruleset})"
               + (f"; {report.not_covered} not covered by its scorecards" if report.not_covered else ""))
    click.echo(f"  grades:      {grades}")
    if report.bonus_total is not None:
        click.echo(f"  bonus total: {_fmt_money(report.bonus_total, report.currency)}")
    click.echo(f"  errors:      {report.errors}" + (f" (see {_shown(report.output / 'errors.csv')})"
                                                    if report.errors else "")
               + (f", {len(report.skipped)} employees skipped" if report.skipped else ""))
    click.echo(f"  warnings:    {report.warnings}" + (f" (see {_shown(report.output / 'errors.csv')}; "
                                                      "--strict makes them fail the run)" if report.warnings else ""))
    click.echo(f"  results:     {_shown(report.output)}/ (results.json, results.csv, results.xlsx, manifest.json)")
    if report.index is not None:
        click.echo(f"  pages:       {_shown(report.index)} ({report.pages} pages; dashboards in "
                   f"{_shown(report.output / 'dashboards')}/)")
    if report.run_id is not None:
        rs_id = report.ruleset.split()[0]
        click.echo(f"  store:       run {report.run_id}, now current for {report.cycle} ({rs_id})"
                   + (f", replacing run {report.replaced_run}" if report.replaced_run is not None else ""))
    else:
        click.echo("  store:       not written (--only is a trial run)")
    if report.changed is not None:
        who = f"{report.changed} {'person' if report.changed == 1 else 'people'}"
        click.echo(f"  changes:     {who} changed against run {report.replaced_run} "
                   f"(see {_shown(report.output / 'changes.csv')})")
    if report.stale:
        from appraise.commands.history import stale_lines

        click.echo(f"  stale:       {len(report.stale)} stored result{'s' if len(report.stale) != 1 else ''} read "
                   "results that have changed since; re-run, in this order:")
        for line in stale_lines(report.stale):
            click.echo(f"    {line}")
