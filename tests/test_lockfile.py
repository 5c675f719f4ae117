"""requirements.lock pins exactly what this venv has of appraise's dependencies (make test installs from it): a
dependency added to pyproject.toml without `make lock`, or a venv upgraded by hand, fails here."""
from __future__ import annotations

from pathlib import Path

from requirements_lock import closure, render

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def test_the_lock_is_what_is_installed():
    pins = dict(line.split("==") for line in LOCK.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#"))
    installed = closure()
    assert {k: v for k, v in installed.items() if pins.get(k) != v} == {}, "run `make lock` (or `make venv`)"
    assert sorted(set(pins) - set(installed)) == [], "pinned but no longer needed: run `make lock`"
    assert LOCK.read_text(encoding="utf-8") == render(installed)


def test_xlsxwriter_is_pinned_in_pyproject_too():
    # the xlsx fast path copies xlsxwriter's XML and calls three of its private functions (pyproject says why)
    text = (LOCK.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"xlsxwriter=={closure()["xlsxwriter"]}"' in text
