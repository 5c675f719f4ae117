"""Issue 17, pages: what the render stage does ahead of or beside the pages gives the same pages.

Workers started ahead compile the built-in templates before the first task (``renderer._warm_up``): a page rendered
afterwards is the page a cold process writes, with the templates compiled ahead.  The pages written so far are sent
to the disk while the rest are rendered (``renderer._Flusher``): it stops when asked and lets its folder go.  The
page folders are made where the file system spreads top-level folders (``renderer.page_folders``): the same
folders, nothing else left, the same pages as folders made plainly.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from appraise.language.ruleset import load_ruleset
from appraise.plugins.html import renderer as html_renderer
from appraise.plugins.html import views as html_views
from appraise.present.render import render_all
from engine_inputs import EXAMPLE, previous_from, run_example

INFO = {"E005": {"locale": "zh-CN"}}  # the other four in English: both languages' templates are used


@pytest.fixture(scope="module")
def example():
    _, q2 = run_example("Q2")
    _, q3 = run_example("Q3", previous=previous_from(q2))
    return q3, load_ruleset(EXAMPLE / "sales-team.yaml")


def _pages(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.html"))}


def _cold(monkeypatch) -> None:
    """This process as a new worker: no environment, folded templates or texts made yet."""
    monkeypatch.setattr(html_renderer, "_ENVS", {})
    monkeypatch.setattr(html_renderer, "_FOLDED", {})
    monkeypatch.setattr(html_views, "_TEXTS", {})


def test_templates_compiled_ahead_are_the_ones_the_pages_use_and_write_the_same_pages(example, tmp_path, monkeypatch):
    doc, ruleset = example
    assert not (ruleset.report or {}).get("wording")  # the case warmed: no wording of the ruleset's own
    _cold(monkeypatch)
    render_all(doc, ruleset, tmp_path / "cold", employees_info=INFO)
    _cold(monkeypatch)
    html_renderer._warm_up()
    ahead = {}
    for locale in ("en", "zh-CN"):
        env = html_renderer.folded_environment(None, html_views.texts(locale, {}))
        assert set(html_renderer.WARM_TEMPLATES) <= set(env._loaded)
        ahead[locale] = (env, {name: env._loaded[name] for name in html_renderer.WARM_TEMPLATES})
    render_all(doc, ruleset, tmp_path / "warm", employees_info=INFO)
    for locale, (env, templates) in ahead.items():  # the pages took the environment and templates made ahead
        assert html_renderer.folded_environment(None, html_views.texts(locale, {})) is env
        assert all(env._loaded[name] is template for name, template in templates.items())
    cold, warm = _pages(tmp_path / "cold"), _pages(tmp_path / "warm")
    assert len(cold) == 5 * 2 + 2 + 1 and cold == warm


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_the_flusher_calls_until_stopped_then_lets_its_folder_go(tmp_path, monkeypatch):
    monkeypatch.setattr(html_renderer._Flusher, "PAUSE", 0.001)
    before = set(os.listdir("/proc/self/fd"))
    flusher = html_renderer._Flusher(str(tmp_path))
    (tmp_path / "page.html").write_text("<p>x</p>\n")
    time.sleep(0.02)
    thread = flusher._thread
    assert thread is not None and thread.is_alive()
    flusher.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert set(os.listdir("/proc/self/fd")) <= before  # its descriptor of the folder is closed
    assert (tmp_path / "page.html").read_text() == "<p>x</p>\n"


def test_the_flusher_does_nothing_where_the_folder_cannot_be_opened(tmp_path):
    flusher = html_renderer._Flusher(str(tmp_path / "missing"))
    assert flusher._thread is None
    flusher.stop()


NAMES = ["dashboards", "plans", "teams"]


@pytest.mark.parametrize("spread", [True, False])
def test_page_folders_are_the_folders_asked_for_and_nothing_else(tmp_path, spread):
    html_renderer.page_folders(str(tmp_path / "new" / "out"), NAMES, spread)  # the folder made too, as a page's would
    assert sorted(os.listdir(tmp_path / "new" / "out")) == NAMES
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "kept.html").write_text("kept")
    html_renderer.page_folders(str(tmp_path), NAMES, spread)
    assert sorted(os.listdir(tmp_path)) == sorted([*NAMES, "new"])  # no temporary folder left
    assert all((tmp_path / name).is_dir() for name in NAMES)
    assert os.listdir(tmp_path / "dashboards") == [] and os.listdir(tmp_path / "plans") == ["kept.html"]
    html_renderer.page_folders(str(tmp_path), NAMES, spread)  # all there: nothing to do
    assert sorted(os.listdir(tmp_path)) == sorted([*NAMES, "new"])


def test_pages_in_spread_folders_are_the_pages_in_plain_ones(example, tmp_path, monkeypatch):
    doc, ruleset = example
    monkeypatch.setattr(html_renderer, "SPREAD_FOLDERS", False)
    listed = [p.as_posix() for p in render_all(doc, ruleset, tmp_path / "plain", employees_info=INFO)]
    monkeypatch.setattr(html_renderer, "SPREAD_FOLDERS", True)
    assert [p.as_posix() for p in render_all(doc, ruleset, tmp_path / "spread", employees_info=INFO)] == listed
    assert sorted(os.listdir(tmp_path / "spread")) == sorted(os.listdir(tmp_path / "plain")) == [
        "dashboards", "index.html", "plans", "teams"]
    assert _pages(tmp_path / "spread") == _pages(tmp_path / "plain") and list(_pages(tmp_path / "plain")) == listed
