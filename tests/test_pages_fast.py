"""Issue 17, pages: the fast paths give the plain paths' bytes; a re-run rewrites only changed pages;
``--pages`` renders a slice whose index and team pages stay consistent.

Expectations are worked out from the worked example by hand (who is in which team) or by the plain code
path (Jinja's own environment, the unmemoised formatter), never from the fast path itself.
"""
from __future__ import annotations

import copy
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner

from appraise.i18n import formatter
from appraise.language.ruleset import load_ruleset
from appraise.plugins.html import renderer as html_renderer
from appraise.plugins.html.views import _Memo
from appraise.present.render import PageSlice, RenderError, RenderRequest, render_all
from engine_inputs import EXAMPLE, previous_from, run_example

EAST_1 = ["E001", "E002", "E003", "E004"]  # data/employees.csv: E005 alone in east-2
INFO = {"E001": {"team": "east-1", "region": "east"}, "E002": {"team": "east-1", "region": "east"},
        "E003": {"team": "east-1", "region": "north"}, "E004": {"team": "east-1", "region": "east"},
        "E005": {"team": "east-2", "region": "east", "locale": "zh-CN"}}


@pytest.fixture(scope="module")
def example():
    _, q2 = run_example("Q2")
    _, q3 = run_example("Q3", previous=previous_from(q2))
    return q3, load_ruleset(EXAMPLE / "sales-team.yaml")


def _render(example, out: Path, **kw) -> list[str]:
    doc, ruleset = example
    return [p.as_posix() for p in render_all(kw.pop("doc", doc), ruleset, out, employees_info=INFO, **kw)]


# --------------------------------------------------------------------------- fast paths = plain paths


HOSTILE = "<script>alert('x')</script> & \"q\" 'a' ≥110%"


def test_builtin_environment_writes_what_plain_jinja_writes():
    """Escaping without Markup, direct key lookup and templates loaded once give Jinja's own bytes."""
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(str(html_renderer.BUILTIN_TEMPLATES)),
                               autoescape=True, keep_trailing_newline=True)
    fast = html_renderer.environment(None)
    source = ("{% import 'macros.html' as m %}{{ v.text }}|{{ v.n }}|{{ v.f }}|{{ v.none }}|{{ v.safe }}|"
              "{{ v.missing }}|{{ v.items }}|{{ v['keys'] }}|{% for x in v.rows %}{{ x.a ~ x.b }}{% endfor %}|"
              "{% set s %}{{ v.text }}{% endset %}{{ s }}|{{ m.bar_chart(v.chart, v.text) }}|{{ v.n.real }}|"
              "{{ v.chart.bars[0].nothing }}|{{ v.safe.upper() }}")
    view = {"text": HOSTILE, "n": 7, "f": 1.5, "none": None, "safe": jinja2.utils.markupsafe.Markup("<b>ok</b>"),
            "items": HOSTILE, "keys": "<k>", "rows": [{"a": "<", "b": 1}],
            "chart": {"width": 10, "height": 5, "alt": HOSTILE, "label_w": 3, "marker_x": 2,
                      "bars": [{"label": HOSTILE, "ty": 1, "x": 2, "y": 3, "w": 4, "h": 5, "tx": 6, "text": "&",
                                "empty": False}]}}
    expected = plain.from_string(source).render(v=view)
    assert "&lt;script&gt;" in expected and "&#39;" in expected and "<b>ok</b>" in expected
    assert fast.from_string(source).render(v=view) == expected


def test_a_text_without_values_is_written_as_it_is_inside_blocks_and_loops():
    """t("key") in a block or loop: Jinja passes the block's and loop's variables along, which plain Jinja drops
    for a callable that does not ask for its context; the fast path once formatted the text with them, so a
    wording with braces raised KeyError (and "{{" would have lost a brace)."""
    from appraise.i18n import Texts

    source = ('{% extends "base.html" %}{% block main %}<p>{{ t("score") }}|{{ t("grade") }}</p>'
              '{% for x in [1, 2] %}{{ t("score") }}{% endfor %}{% endblock %}')
    t = Texts("en", {"score": {"en": "Score {points} & {{x}}"}})
    view = {"lang": "en", "title": "x", "ruleset_title": "r", "cycle": "c", "confidential": "z"}
    brand = html_renderer.Branding().as_dict
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(str(html_renderer.BUILTIN_TEMPLATES)),
                               autoescape=True, keep_trailing_newline=True)
    expected = plain.from_string(source).render(v=view, t=t, brand=brand)
    assert "<p>Score {points} &amp; {{x}}|Grade</p>Score {points} &amp; {{x}}Score" in expected
    assert html_renderer.environment(None).from_string(source).render(v=view, t=t, brand=brand) == expected


def test_every_page_is_what_plain_jinja_writes(example, tmp_path, monkeypatch):
    fast_out, plain_out = tmp_path / "fast", tmp_path / "plain"
    written = _render(example, fast_out)
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(str(html_renderer.BUILTIN_TEMPLATES)),
                               autoescape=True, keep_trailing_newline=True)
    monkeypatch.setitem(html_renderer._ENVS, None, plain)
    assert _render(example, plain_out) == written
    for page in written:
        assert (fast_out / page).read_bytes() == (plain_out / page).read_bytes(), page


def _outcome(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # the same refusal counts as the same answer
        return type(exc)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_memoised_formatter_answers_as_the_formatter(locale):
    f = formatter(locale, "CNY")
    memo = _Memo(formatter(locale, "CNY"))
    values = [None, 0, 0.0, -0.0, 1, True, 1.0, Decimal("1.00"), Decimal("1E+2"), 100, 0.125, -0.125, 1234567.891,
              "41100", "41100.50", "", "abc", 1.005, 2.675, -3.5]
    for _ in range(2):  # the second round answers from memory
        for v in values:
            for digits in (0, 1, 2):
                assert _outcome(memo.number, v, digits) == _outcome(f.number, v, digits), (v, digits)
                assert _outcome(memo.percent, v, digits) == _outcome(f.percent, v, digits), (v, digits)
            assert _outcome(memo.score, v) == _outcome(f.score, v)
            assert _outcome(memo.integer, v) == _outcome(f.integer, v)
            assert _outcome(memo.money, v) == _outcome(f.money, v), v
            for unit in ("ratio", "money", "number"):
                assert _outcome(memo.measure, v, unit) == _outcome(f.measure, v, unit), (v, unit)
        for day in (date(2026, 10, 1), date(2026, 10, 29), date(2027, 1, 1)):
            assert memo.date(day) == f.date(day)


# --------------------------------------------------------------------------- re-runs link unchanged pages


def test_a_rerender_links_unchanged_pages_and_writes_changed_ones(example, tmp_path):
    doc, _ = example
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    written = _render(example, first)
    assert _render(example, second, previous=first) == written
    for page in written:  # same bytes: the very same file
        assert os.path.samestat(os.stat(first / page), os.stat(second / page)), page

    changed = copy.deepcopy(doc)
    who = next(e for e in changed["employees"] if e["id"] == "E005")
    who["name"] = "Zhao Lei"  # appears on E005's pages, team east-2's page and nowhere else
    rendered = (first / "dashboards/E001.html").read_bytes()
    (first / "dashboards/E001.html").unlink()  # as an editor saves: a new file in its place
    (first / "dashboards/E001.html").write_text("edited by hand", encoding="utf-8")
    (first / "plans/E002.html").chmod(0o640)
    _render(example, third, previous=first, doc=changed)
    rewritten = {p for p in written if not os.path.samestat(os.stat(first / p), os.stat(third / p))}
    assert rewritten == {"dashboards/E005.html", "plans/E005.html", "teams/east-2.html",
                         "dashboards/E001.html",   # the published copy no longer holds those bytes
                         "plans/E002.html"}        # a file with other permissions than a new page's
    assert (third / "dashboards/E001.html").read_bytes() == rendered
    assert "Zhao Lei" in (third / "dashboards/E005.html").read_text(encoding="utf-8")


def test_a_rerun_keeps_unchanged_pages_and_its_manifest(tmp_path):
    import shutil

    from appraise.run import run_cycle

    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    run_cycle(folder / "cycle-q2.yaml", jobs=1)
    out = folder / "out" / "2026-Q3"
    run_cycle(folder / "cycle-q3.yaml", jobs=1)
    before = {p.relative_to(out).as_posix(): os.stat(p) for p in out.rglob("*.html")}
    manifest = (out / "manifest.json").read_bytes()
    run_cycle(folder / "cycle-q3.yaml", jobs=1)
    assert (out / "manifest.json").read_bytes() == manifest
    after = {p.relative_to(out).as_posix(): os.stat(p) for p in out.rglob("*.html")}
    assert after.keys() == before.keys() and len(after) == 13
    assert all(os.path.samestat(before[p], after[p]) for p in after)
    assert all(after[p].st_mode & 0o077 == 0 for p in after)  # still owner-only
    # the digests the renderer took as it wrote (first run) or linked (re-run) are the published bytes'
    import hashlib
    import json

    listed = {f["path"]: (f["sha256"], f["bytes"]) for f in json.loads(manifest)["files"]}
    for page in after:
        data = (out / page).read_bytes()
        assert listed[page] == (hashlib.sha256(data).hexdigest(), len(data)), page


def test_pages_are_moved_by_whole_folders_only_when_that_is_the_same_as_one_by_one(tmp_path):
    """run._move_pages: a folder of pages renamed at once only when the output has nothing of its name and it holds
    exactly the pages listed; else page by page, and what was not listed stays behind (removed with the stage)."""
    from appraise.run import _move_pages

    stage, out = tmp_path / "stage", tmp_path / "out"
    for name in ("dashboards/a.html", "dashboards/b.html", "plans/a.html", "plans/stray.tmp", "teams/t.html",
                 "index.html", "deep/x/y.html"):
        (stage / name).parent.mkdir(parents=True, exist_ok=True)
        (stage / name).write_text(name, encoding="utf-8")
    (out / "teams").mkdir(parents=True)
    (out / "teams" / "notes.txt").write_text("kept", encoding="utf-8")
    pages = dict.fromkeys(["dashboards/a.html", "dashboards/b.html", "plans/a.html", "teams/t.html", "index.html",
                           "deep/x/y.html"])
    _move_pages(stage, out, pages)
    moved = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert moved == ["dashboards/a.html", "dashboards/b.html", "deep/x/y.html", "index.html", "plans/a.html",
                     "teams/notes.txt", "teams/t.html"]
    assert all((out / n).read_text(encoding="utf-8") == n for n in pages)
    assert not (stage / "dashboards").exists()            # renamed as a whole
    assert (stage / "plans" / "stray.tmp").exists()       # not listed: not published


# --------------------------------------------------------------------------- slices


def test_a_team_slice_renders_that_team_and_an_index_of_everyone(example, tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    _render(example, full)
    written = _render(example, part, pages=["team:east-1"])
    assert written == sorted(["index.html", "teams/east-1.html"] + [f"{kind}/{i}.html" for i in EAST_1
                                                                   for kind in ("dashboards", "plans")])
    for page in written[1:]:  # the pages rendered are those of a full run
        if page != "index.html":
            assert (part / page).read_bytes() == (full / page).read_bytes(), page
    index = (part / "index.html").read_text(encoding="utf-8")
    assert 'href="teams/east-1.html"' in index and 'href="teams/east-2.html"' not in index
    assert "Pages were rendered for team:east-1 only: 1 of 2 teams, 4 people." in index
    # apart from the note and the missing link, the index is the full run's: the whole cycle's figures
    plain = re.sub(r'<p class="note" id="slice">[^<]*</p>', "", index)
    assert plain == (full / "index.html").read_text(encoding="utf-8").replace(
        '<a href="teams/east-2.html">east-2</a>', "east-2")


def test_a_slice_is_widened_to_whole_teams(example, tmp_path):
    # region north is E003 alone; the team page of east-1 links all four, so all four get pages
    written = _render(example, tmp_path / "out", pages=["region:north"])
    assert {p for p in written if p.startswith("dashboards/")} == {f"dashboards/{i}.html" for i in EAST_1}
    written = _render(example, tmp_path / "two", pages=["id:E005", "region:north"])
    assert len([p for p in written if p.startswith("dashboards/")]) == 5


class _InProcess:
    """A stand-in for the process pool: each task runs when submitted, in this process."""

    def __init__(self, **_):
        self.shut = 0

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.shut += 1
        return False

    def shutdown(self, **_):
        self.shut += 1

    def submit(self, fn, *args):
        from concurrent.futures import Future

        done: Future = Future()
        done.set_result(fn(*args))
        return done


@pytest.mark.parametrize("pages", [None, ["team:east-1"], ["id:E005"]])
def test_the_workers_split_whole_teams_and_render_their_pages_as_one_process_does(example, tmp_path, monkeypatch,
                                                                                  pages):
    """The parallel path (tasks of whole teams, each rendering its people's pages and its teams' overviews, the
    index left to the parent), run in this process, writes what the one-process path writes, slices included."""
    doc, _ = example
    plain = _render(example, tmp_path / "plain", pages=pages)
    monkeypatch.setattr(html_renderer, "PARALLEL_FROM", 0)
    monkeypatch.setattr(html_renderer, "BATCH", 1)  # a task per team at least: east-1 and east-2 apart
    monkeypatch.setattr(html_renderer, "ProcessPoolExecutor", _InProcess)
    monkeypatch.setenv("APPRAISE_JOBS", "2")
    parts = list(html_renderer._split(RenderRequest(doc, example[1]), 1))
    assert [sorted(e["id"] for e in part.results["employees"]) for part in parts] == [EAST_1, ["E005"]]
    digests: dict = {}
    split = [p.as_posix() for p in render_all(doc, example[1], tmp_path / "split", employees_info=INFO,
                                              pages=pages, digests=digests)]
    assert split == plain == sorted(digests)
    for page in plain:
        assert (tmp_path / "split" / page).read_bytes() == (tmp_path / "plain" / page).read_bytes(), page


def test_the_parts_shrink_as_the_work_left_does_and_keep_whole_teams_in_order(example):
    """With the workers' number, each part is about the people not yet given out over twice the workers (never
    under the least size): 1,000 people in teams of 10, 2 workers, at least 50 — 1000/4 = 250, 750/4 = 187 → 190
    (whole teams), 560/4 = 140, 420/4 = 105 → 110, 310/4 = 77 → 80, 230/4 = 57 → 60, then 50s and the 20 left."""
    people = [{"id": f"P{i:04d}", "scorecard": "ae", "calibration": {"cohort": f"t{i // 10:03d}"}}
              for i in range(1000)]
    parts = [part.results["employees"] for part in
             html_renderer._split(RenderRequest({"employees": people}, example[1]), 50, workers=2)]
    assert [len(p) for p in parts] == [250, 190, 140, 110, 80, 60, 50, 50, 50, 20]
    assert [e["id"] for p in parts for e in p] == [e["id"] for e in people]
    assert [len(p.results["employees"]) for p in html_renderer._split(RenderRequest({"employees": people},
                                                                                   example[1]), 300)] == [
        300, 300, 300, 100]  # without the workers' number: parts of the size given, as before


def test_workers_started_ahead_are_taken_by_the_render_or_let_go(example, tmp_path, monkeypatch):
    """`appraise run` starts the render's workers before it works out the insights: the render takes them (and
    writes what it writes with its own), and workers no render took are let go when the block ends."""
    from appraise.present.render import workers_started

    plain = _render(example, tmp_path / "plain")
    monkeypatch.setattr(html_renderer, "PARALLEL_FROM", 0)
    monkeypatch.setattr(html_renderer, "ProcessPoolExecutor", _InProcess)
    monkeypatch.setenv("APPRAISE_JOBS", "2")
    with workers_started(5):
        assert [count for count, _ in html_renderer._STARTED] == [2]
    assert html_renderer._STARTED == []  # no render: let go
    with workers_started(5):
        started = html_renderer._STARTED[0][1]
        taken = []
        monkeypatch.setattr(html_renderer, "_new_pool", lambda workers: taken.append(workers) or _InProcess())
        assert _render(example, tmp_path / "ahead") == plain
        assert html_renderer._STARTED == [] and taken == []  # the render used the pool started ahead
    assert started.shut == 1  # shut down once, by the render
    for page in plain:
        assert (tmp_path / "ahead" / page).read_bytes() == (tmp_path / "plain" / page).read_bytes(), page
    monkeypatch.setenv("APPRAISE_JOBS", "1")
    with workers_started(5):  # one process renders: nothing started
        assert html_renderer._STARTED == []


@pytest.mark.parametrize(("selector", "message"), [
    ("team", "write COLUMN:VALUE"), ("team:", "write COLUMN:VALUE"),
    ("squad:east-1", "no column 'squad'"), ("team:east-9", "nobody appraised in this cycle has team 'east-9'")])
def test_a_bad_slice_is_refused_before_any_page_is_written(example, tmp_path, selector, message):
    with pytest.raises(RenderError, match=re.escape(message)):
        _render(example, tmp_path / "out", pages=[selector])
    assert not any((tmp_path / "out").rglob("*.html"))


def test_pages_with_no_render_is_a_usage_error(tmp_path):
    from appraise.commands.run import command

    result = CliRunner().invoke(command, [str(EXAMPLE / "cycle-q3.yaml"), "--pages", "team:east-1", "--no-render"])
    assert result.exit_code == 2 and "--pages" in result.output
    assert PageSlice.parse(["team:a", "team:a", " region : b "]).selectors == (("team", "a"), ("region", "b"))
