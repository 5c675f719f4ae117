"""Issue 16, confinement: each attack of the issue performed through the CLI; each test fails if the attack
works again.  SECURITY.md lists these tests beside the claims they prove.

The workspace of a cycle is the git work tree holding it, else its folder.  Every test builds one in a temp
folder (no .git: the cycle's folder) with a neighbour folder ``outside`` holding what must never be read,
written or shown.
"""
from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main
from engine_inputs import EXAMPLE

SECRET = "TOPSECRET-7f3a"


def cli(*args: str):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output
    return res


@pytest.fixture()
def ws(tmp_path, monkeypatch) -> Path:
    """tmp/ws: the worked example (its cycle, ruleset and data); tmp/outside: a secret file."""
    monkeypatch.delenv("APPRAISE_ALLOW_OUTSIDE_PATHS", raising=False)
    shutil.copytree(EXAMPLE, tmp_path / "ws")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.csv").write_text(f"employee,{SECRET}\nE001,{SECRET}-2\n", encoding="utf-8")
    return tmp_path / "ws"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def located(output: str, cycle: Path, key: str) -> None:
    """The refusal names the cycle file's line and column and the key path."""
    pattern = rf"{re.escape(cycle.name)}:\d+:\d+: error: .* leads outside .*\({re.escape(key)}\)"
    assert re.search(pattern, output), output


# ------------------------------------------------------------------ duckdb globs and symlinks

@pytest.mark.parametrize("pattern", ["data/[l]nk/secret.csv", "data/l*/secret.csv", "data/lnk/secret.csv"])
def test_a_duckdb_glob_through_a_symlink_reads_nothing_outside(ws, pattern):
    (ws / "data" / "lnk").symlink_to(ws.parent / "outside", target_is_directory=True)
    cycle = ws / "cycle-q3.yaml"
    edit(cycle, "{provider: csv, path: data/metrics.csv}", f'{{provider: duckdb, path: "{pattern}"}}')
    res = cli("validate", cycle)
    assert res.exit_code == 1
    located(res.output, cycle, "sources[1].path")
    assert SECRET not in res.output
    res = cli("run", cycle, "--no-render")
    assert res.exit_code == 1
    located(res.output, cycle, "sources[1].path")
    assert SECRET not in res.output
    assert not (ws / "out").exists()


# ------------------------------------------------------------------ ${VAR} and SQLite files

def test_a_var_in_the_store_url_cannot_put_the_store_outside(ws, monkeypatch):
    monkeypatch.setenv("x", "a")
    cycle = ws / "cycle-q3.yaml"
    for store in ("sqlite:///${x}/../../outside/escaped.db", "sqlite:///..%2Foutside%2Fescaped.db"):
        edit(cycle, next(line for line in cycle.read_text(encoding="utf-8").splitlines() if line.startswith("store:")),
             f'store: "{store}"')
        for args in (("validate", cycle), ("run", cycle, "--no-render")):
            res = cli(*args)
            assert res.exit_code == 1, res.output
            located(res.output, cycle, "store")
        assert not (ws.parent / "outside" / "escaped.db").exists()
        assert [p.name for p in (ws.parent / "outside").iterdir()] == ["secret.csv"]


def test_a_var_in_a_sql_source_url_cannot_read_another_database(ws, monkeypatch):
    other = ws.parent / "outside" / "other.db"
    with sqlite3.connect(other) as con:  # a database outside, with an employees table of its own
        con.execute("CREATE TABLE employees (id TEXT, name TEXT)")
        con.execute("INSERT INTO employees VALUES ('E001', ?)", (SECRET,))
    monkeypatch.setenv("APPRAISE_T_DIR", str(ws.parent / "outside"))
    monkeypatch.setenv("APPRAISE_T_UP", "..")
    cycle = ws / "cycle-q3.yaml"
    for url in ("sqlite:///${APPRAISE_T_DIR}/other.db", "sqlite:///${APPRAISE_T_UP}/outside/other.db"):
        edit(cycle, next(line for line in cycle.read_text(encoding="utf-8").splitlines() if "kind: employees" in line),
             f'  - {{provider: sql, url: "{url}", table: employees, kind: employees}}')
        for args in (("validate", cycle), ("run", cycle, "--no-render")):
            res = cli(*args)
            assert res.exit_code == 1, res.output
            located(res.output, cycle, "sources[0].url")
            assert SECRET not in res.output
            assert str(ws.parent / "outside") not in res.output  # the ${VAR}'s value is not shown either


# ------------------------------------------------------------------ rule files outside the workspace

def test_a_ruleset_outside_the_workspace_is_not_read(ws):
    creds = ws.parent / "outside" / "credentials.yaml"
    creds.write_text(f"aws_secret_access_key: {SECRET}\n", encoding="utf-8")
    cycle = ws / "cycle-q3.yaml"
    edit(cycle, "ruleset: sales-team.yaml", "ruleset: ../outside/credentials.yaml")
    for fmt in ("github", "text", "json", "sarif", "junit"):
        res = cli("validate", "--format", fmt, cycle)
        assert res.exit_code == 1
        assert SECRET not in res.output and "aws_secret" not in res.output, fmt
    assert "::error file=" in cli("validate", "--format", "github", cycle).output
    located(cli("validate", cycle).output, cycle, "ruleset")
    res = cli("run", cycle, "--no-render")
    assert res.exit_code == 1 and SECRET not in res.output and "aws_secret" not in res.output


def test_rule_files_linked_out_of_the_repository_are_not_read(ws):
    """A pull request adds rulesets/x.yaml -> a credentials file, or a test whose ruleset: is outside."""
    creds = ws.parent / "outside" / "credentials.yaml"
    creds.write_text(f"aws_secret_access_key: {SECRET}\n", encoding="utf-8")
    repo = ws / "hr"
    (repo / ".git").mkdir(parents=True)  # a git work tree: the workspace of what it holds
    (repo / "rulesets" / "tests").mkdir(parents=True)
    shutil.copy(ws / "sales-team.yaml", repo / "rulesets" / "sales-team.yaml")
    (repo / "rulesets" / "x.yaml").symlink_to(creds)
    res = cli("validate", "--format", "github", repo / "rulesets")
    assert res.exit_code == 1 and SECRET not in res.output
    assert "x.yaml" in res.output and "symbolic link leading outside" in res.output
    res = cli("diff", repo / "rulesets" / "sales-team.yaml", repo / "rulesets" / "x.yaml",
              "--cycle", ws / "cycle-q3.yaml", "--redact")
    assert res.exit_code == 2 and SECRET not in res.output and "symbolic link leading outside" in res.output
    (repo / "rulesets" / "tests" / "t.yaml").write_text(
        "ruleset: ../../../../outside/credentials.yaml\ncycle: 2026-Q3\n"
        "tests:\n  - name: t\n    given: [{id: A}]\n    expect: {A: {grade: A}}\n", encoding="utf-8")
    for fmt in ("text", "junit", "json", "github"):
        res = cli("test", "--format", fmt, repo / "rulesets" / "tests")
        assert res.exit_code == 2 and SECRET not in res.output and "aws_secret" not in res.output, fmt
    assert re.search(r"t\.yaml:1:\d+: error: .* leads outside", cli("test", repo / "rulesets" / "tests").output)


# ------------------------------------------------------------------ ${VAR} masking against a real PostgreSQL

@pytest.fixture(scope="module")
def pg_port():
    from pg import bindir, postgres

    if bindir() is None:
        pytest.skip("PostgreSQL is not installed (make test installs it)")
    with postgres() as server:
        yield server.port


def test_var_values_stay_masked_when_postgres_cuts_or_decodes_them(ws, monkeypatch, pg_port):
    long_db = "Payroll" + "".join(str(i % 10) for i in range(70))  # 77 characters: PostgreSQL shows 63 bytes
    user = "hr%41secret"  # read as 'hrAsecret' by the URL parser, and shown so by the server
    monkeypatch.setenv("APPRAISE_T_DB", long_db)
    monkeypatch.setenv("APPRAISE_T_USER", user)
    cycle = ws / "cycle-q3.yaml"
    employees = next(line for line in cycle.read_text(encoding="utf-8").splitlines() if "kind: employees" in line)
    for url, var, forms in (
            (f"postgresql://postgres@127.0.0.1:{pg_port}/x_${{APPRAISE_T_DB}}", "APPRAISE_T_DB",
             [long_db[:16], long_db[20:40]]),
            (f"postgresql://${{APPRAISE_T_USER}}@127.0.0.1:{pg_port}/appraise", "APPRAISE_T_USER",
             [user, "hrAsecret", "hr%2541secret"])):
        edit(cycle, employees, f'  - {{provider: sql, url: "{url}", table: employees, kind: employees}}')
        employees = next(line for line in cycle.read_text(encoding="utf-8").splitlines() if "kind: employees" in line)
        res = cli("run", cycle, "--no-render")
        assert res.exit_code == 1
        assert "does not exist" in res.output, res.output  # the server's own message came through ...
        assert "${" + var + "}" in res.output               # ... with the value shown as the cycle writes it
        for form in forms:
            assert form not in res.output, (form, res.output)
