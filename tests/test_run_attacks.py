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
    chinese = CliRunner().invoke(main, ["run", str(example / "cycle-q3.yaml"), "--lang", "zh-CN"])
    assert chinese.exit_code == 1 and "仅大小写不同" in chinese.output  # (each language on its own)
    assert not (example / "out" / "2026-Q3").exists()  # nothing written


def test_an_output_folder_holding_the_cycles_own_files_is_refused(tmp_path):
    """Each run replaces its output folder as a whole: `output: .` would swap the cycle's own folder (its data,
    its cycle file) and stage the new one beside it, outside the workspace."""
    example = _example(tmp_path)
    before = sorted(p.relative_to(example).as_posix() for p in example.rglob("*"))
    for output in (".", "data", ".."):
        result = CliRunner().invoke(main, ["run", str(example / "cycle-q3.yaml"), "--output", str(example / output)])
        assert result.exit_code == 1, result.output
        assert "holds the cycle's own files" in result.output
        chinese = CliRunner().invoke(main, ["run", str(example / "cycle-q3.yaml"), "--output", str(example / output),
                                            "--lang", "zh-CN"])
        assert chinese.exit_code == 1 and "请为输出指定单独的目录" in chinese.output, chinese.output
    assert sorted(p.relative_to(example).as_posix() for p in example.rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing staged beside it


def _run(example: Path, *args: str):
    result = CliRunner().invoke(main, ["run", "-q", str(example / "cycle-q3.yaml"), *args])
    assert result.exit_code == 0, result.output
    return example / "out" / "2026-Q3"


def test_the_folder_swap_keeps_other_files_and_drops_stale_pages(tmp_path, monkeypatch):
    """The whole folder is replaced: files no run wrote stay (hard links); pages of an earlier run (its
    manifest's, or in dashboards/, plans/, teams/) go; without RENAME_EXCHANGE (two renames) a run killed
    between the renames is repaired by the next."""
    import json

    from appraise import atomic

    example = _example(tmp_path)
    out = _run(example)
    (out / "notes.txt").write_text("HR's own notes", encoding="utf-8")
    (out / "extra").mkdir()
    (out / "extra" / "a.txt").write_text("a", encoding="utf-8")
    (out / "dashboards" / "E999.html").write_text("someone who left", encoding="utf-8")
    (out / "slides").mkdir()
    (out / "slides" / "E999.pdf").write_text("a plugin's page of someone who left", encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"].append({"path": "slides/E999.pdf", "sha256": "0" * 64, "bytes": 35})
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)  # as on a system without RENAME_EXCHANGE
    out = _run(example)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "HR's own notes"
    assert (out / "extra" / "a.txt").read_text(encoding="utf-8") == "a"
    assert not (out / "dashboards" / "E999.html").exists() and not (out / "slides").exists()
    assert (out / "dashboards" / "E001.html").exists()
    listed = {f["path"] for f in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]}
    assert "notes.txt" not in listed and "dashboards/E001.html" in listed
    # killed between the two renames: the folder is gone, the previous one sits beside it
    out.rename(out.parent / ".2026-Q3.appraise-old-y")
    out = _run(example)
    assert (out / "notes.txt").exists() and (out / "manifest.json").exists()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []
