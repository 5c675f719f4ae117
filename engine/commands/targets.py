"""``appraise targets PLAN.yaml``: the company's annual number broken down to units, people and months."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

LANGS = ("en", "zh-CN")


def default_lang() -> str:
    """The language of the command line when ``--lang`` is not given here: ``appraise --lang`` before the command,
    else ``APPRAISE_LANG``, else the locale (:func:`appraise.commands.lang`)."""
    from appraise.commands import lang

    return lang()


def _fail(exc) -> None:
    from appraise.commands import echo_diagnostics, localized_text
    from appraise.errors import InvalidInput
    from appraise.i18n import say

    locale = default_lang()
    if isinstance(exc, InvalidInput):
        echo_diagnostics(exc.diagnostics, locale)
    else:
        click.echo(say("error", locale, message=localized_text(str(exc), locale)), err=True)
    sys.exit(1)


def compare_plans(old: Path, new: Path, fmt: str, lang: str | None = None) -> None:
    """Print who gains or loses target from plan OLD to plan NEW (``appraise targets NEW --diff OLD``, and
    ``appraise diff OLD NEW`` when OLD is a plan file); exit 1 when either plan is invalid."""
    from appraise.errors import AppraiseError
    from appraise.tools.targets.diff import diff_plans, render

    lang = lang or default_lang()
    try:
        result = diff_plans(old, new, lang)
    except AppraiseError as exc:
        _fail(exc)
    click.echo(render(result, fmt, lang), nl=False)


def _chosen(ctx, param, value):
    """``appraise targets --lang X`` also sets the language of the messages made deep in the engine, as the other
    commands' ``--lang`` does."""
    if value:
        from appraise.i18n import set_message_locale

        ctx.meta["appraise.lang"] = value
        set_message_locale(value)
        ctx.find_root().call_on_close(lambda: set_message_locale(None))
    return value


@click.command("targets")
@click.argument("plan", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into (default: the plan's output:, else out/targets-<year> beside it).")
@click.option("--explain", "explain_id", metavar="EMPLOYEE", default=None,
              help="Show the chain of shares from the company's number down to EMPLOYEE's months; write nothing.")
@click.option("--diff", "old", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Compare with an earlier version OLD of the plan: who gains or loses target; write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="For --explain (text, json) and --diff (text, markdown, json).")
@click.option("--lang", type=click.Choice(LANGS), default=None, callback=_chosen,
              help="Language of messages, explanations and the summary (default: APPRAISE_LANG, else the locale). "
                   "The pages are written in both.")
@click.option("--strict", is_flag=True, help="Refuse to write anything when a check warns; exit 1.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems.")
def command(plan: Path, out: Path | None, explain_id: str | None, old: Path | None, fmt: str, lang: str | None,
            strict: bool, quiet: bool) -> None:
    """Break the annual target of PLAN down to units, people and months, exactly.

    Writes targets.csv (employee, month, quota: a cycle reads it as a metric
    source), units.csv, targets.xlsx, index.html and index.zh-CN.html,
    warnings.csv and manifest.json.  Every level's parts add up exactly to
    their whole.  Exit status: 0 written, 1 invalid plan or data (each problem
    at file:line:col) or a warning under --strict, 2 usage error.
    """
    from appraise.errors import AppraiseError
    from appraise.tools.targets import compute as targets_compute

    lang = lang or default_lang()
    if old is not None:
        compare_plans(old, plan, fmt, lang)
        return
    try:
        t = targets_compute.run(plan, lang)
    except AppraiseError as exc:
        _fail(exc)
    if explain_id is not None:
        from appraise.tools.targets.explain import explain, explain_json
        from appraise.tools.targets.plan import Say

        if explain_id not in t.people:
            click.echo(Say(lang)("targets.explain.unknown", id=explain_id, plan=t.plan.id), err=True)
            sys.exit(1)
        if fmt == "json":
            click.echo(json.dumps(explain_json(t, explain_id), ensure_ascii=False, indent=2))
        else:
            click.echo("\n".join(explain(t, explain_id, lang)))
        return
    from appraise.commands import echo_diagnostics

    echo_diagnostics(t.warnings, lang)
    if strict and t.warnings:
        sys.exit(1)
    from appraise.display import shown
    from appraise.tools.targets.explain import Words
    from appraise.tools.targets.write import write

    folder = out.resolve() if out is not None else t.plan.output
    write(t, folder)
    if quiet:
        return
    w = Words(t, lang)
    rows = len(t.rows())
    click.echo(w.say("targets.cli.summary", plan=t.plan.id, total=w.money(t.plan.total), currency=t.plan.currency,
                     year=t.plan.year, units=len(t.units) - 1, people=len(t.people)))
    if t.plan.closed_through:
        closed = sum((v for p in t.people.values() for v in p.closed.values()), type(t.plan.total)(0))
        click.echo(w.say("targets.cli.replan", through=t.plan.closed_through, closed=w.money(closed),
                         open=w.money(t.plan.total - closed)))
    click.echo(w.say("targets.cli.rows", path=shown(folder / "targets.csv"), rows=rows,
                     granularity=w.say({"month": "targets.word.month", "quarter": "targets.word.quarter"}[
                         t.plan.granularity])))
    click.echo(w.say("targets.cli.outputs",
                     files="units.csv, targets.xlsx, index.html, index.zh-CN.html, warnings.csv, "
                                          "manifest.json"))
    click.echo(w.say("targets.cli.warnings", count=len(t.warnings)))
