"""Whether any 360 rating repeats its keys is looked for on a thread of its own for large surveys
(``provide.feedback.REPEATS_BESIDE``): the same table and the same errors as looked for in turn."""
from __future__ import annotations

import shutil

import pytest

from appraise.errors import InvalidInput
from appraise.pipeline import load, prepare
from appraise.provide import feedback
from engine_inputs import EXAMPLE


def said(folder, monkeypatch, beside: int):
    """The feedback table, or the data errors that stopped the run (as the user reads them)."""
    monkeypatch.setattr(feedback, "REPEATS_BESIDE", beside)
    cycle, ruleset = load(folder / "cycle-q3.yaml")
    try:
        return prepare(cycle, ruleset, overrides=False).inputs.feedback
    except InvalidInput as exc:
        return str(exc)


@pytest.mark.parametrize("bad_cell", [False, True])
def test_repeated_ratings_are_the_same_errors_looked_for_beside_or_in_turn(tmp_path, monkeypatch, bad_cell):
    shutil.copytree(EXAMPLE, tmp_path / "ex")
    data = tmp_path / "ex" / "data" / "feedback.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    twice = next(i for i, line in enumerate(lines) if line.endswith(",2026-Q3"))  # a Q3 rating, repeated at the end
    lines.append(lines[twice])
    if bad_cell:
        lines.append("E001,X99,peer,collaboration,not a number,2026-Q3")
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plain = said(tmp_path / "ex", monkeypatch, 10 ** 9)
    assert said(tmp_path / "ex", monkeypatch, 0) == plain
    # the repeat is named at its line (the file's lines count from 1: the appended copy is line len + 1 of the
    # original lines), with the line it repeats
    repeat = [line for line in plain.splitlines() if "appears twice" in line]
    original = len(lines) - (1 if bad_cell else 0)
    assert len(repeat) == 1 and f"feedback.csv:{original}:" in repeat[0] and f"first at line {twice + 1};" in repeat[0]
    assert ("not a number" in plain) == bad_cell


def test_without_repeats_the_table_is_the_same_beside_or_in_turn(tmp_path, monkeypatch):
    plain = said(EXAMPLE, monkeypatch, 10 ** 9)
    assert not isinstance(plain, str) and plain.height
    assert said(EXAMPLE, monkeypatch, 0).equals(plain)
