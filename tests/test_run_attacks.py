"""Attacks on runs and their output folders (issue 16) that need no process to be killed; the crash and
locking attacks are in tests/test_crash.py.  Each test fails if its attack works again."""
from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from appraise.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "fixtures" / "example"


def _example(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "example", ignore=shutil.ignore_patterns("out"))
    return tmp_path / "example"


def test_ids_differing_only_in_case_are_refused_at_the_employees_file(tmp_path):
    """The attack: employees 'E001' and 'e001' got dashboards/E001.html and dashboards/e001.html, one file on a
    case-insensitive file system (macOS, Windows): one person's page showed another's pay."""
    example = _example(tmp_path)
    employees = example / "data" / "employees.csv"
    with open(employees, "a", encoding="utf-8") as fh:
        fh.write("e001,Someone Else,sales_rep,east-2,east,2020-01-01,20000\n")
    result = CliRunner().invoke(main, ["run", str(example / "cycle-q3.yaml")])
    assert result.exit_code == 1, result.output
    assert ("data/employees.csv:7:1: error: employee id 'e001' differs from 'E001' (line 2) only in letter case"
            in result.output), result.output
    assert "仅大小写不同" in result.output
    assert not (example / "out" / "2026-Q3").exists()  # nothing written


def test_an_output_folder_holding_the_cycles_own_files_is_refused(tmp_path):
    """Each run replaces its output folder as a whole: `output: .` would swap the cycle's own folder (its data,
    its cycle file) and stage the new one beside it, outside the workspace."""
    example = _example(tmp_path)
    before = sorted(p.relative_to(example).as_posix() for p in example.rglob("*"))
    for output in (".", "data", ".."):
        result = CliRunner().invoke(main, ["run", str(example / "cycle-q3.yaml"), "--output", str(example / output)])
        assert result.exit_code == 1, result.output
        assert "holds the cycle's own files" in result.output and "请为输出指定单独的目录" in result.output
    assert sorted(p.relative_to(example).as_posix() for p in example.rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing staged beside it
