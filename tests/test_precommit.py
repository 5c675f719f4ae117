"""Real ``pre-commit`` on a throwaway git repository: a broken rule file is rejected with file:line:col,
the fixed file passes.  Also checks that ``.pre-commit-hooks.yaml`` is a valid manifest whose hooks are
the ones exercised here (same ids, entries, file patterns), and that every hook is documented.

pre-commit never touches the network here: the config uses ``repo: local`` hooks with ``language:
system`` (nothing to clone or install), and HOME / PRE_COMMIT_HOME point into the test's tmp folder.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
PRE_COMMIT = BIN / "pre-commit"
APPRAISE = BIN / "appraise"

pytestmark = pytest.mark.skipif(not (PRE_COMMIT.exists() and APPRAISE.exists() and shutil.which("git")),
                                reason="needs pre-commit, appraise and git")


def manifest() -> list[dict]:
    from pre_commit.clientlib import load_manifest

    return load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))


def local_config() -> str:
    """The shipped hooks as ``repo: local`` hooks running the venv's appraise (language: system)."""
    hooks = []
    for hook in manifest():
        assert hook["entry"].startswith("appraise ")
        hooks.append({"id": hook["id"], "name": hook["name"], "language": "system",
                      "entry": f"{APPRAISE} {hook['entry'].split(' ', 1)[1]}", "files": hook["files"],
                      "types": hook["types"], "pass_filenames": hook["pass_filenames"],
                      "require_serial": hook["require_serial"]})
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


@pytest.fixture(scope="module")
def _committed(tmp_path_factory):
    """A repository made once per module (its first commit runs both hooks, ~3 s of CPU in processes);
    each test that changes it gets a copy of its own (:func:`repo`)."""
    root = tmp_path_factory.mktemp("precommit")
    make_repo(root, with_tests=True)
    return root


@pytest.fixture
def repo(tmp_path, _committed):
    shutil.copytree(_committed, tmp_path, dirs_exist_ok=True, symlinks=True)
    return tmp_path / "repo", _shell(tmp_path)


def _shell(tmp_path):
    """Runs a command in ``tmp_path/repo`` with HOME and pre-commit's cache under ``tmp_path``, git as user t."""
    work = tmp_path / "repo"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(HOME=str(tmp_path / "home"), PRE_COMMIT_HOME=str(tmp_path / "cache"),
               XDG_CACHE_HOME=str(tmp_path / "xdg"), GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
               PYTHONUTF8="1")

    def sh(*args, check=True):
        done = subprocess.run([str(a) for a in args], cwd=work, env=env, capture_output=True, text=True,
                              timeout=300)
        if check and done.returncode:
            raise AssertionError(f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    return sh


def make_repo(tmp_path, with_tests: bool):
    """A git repository with the shipped hooks installed, the sales-team ruleset (and its tests) committed."""
    work = tmp_path / "repo"
    (work / "rulesets" / "tests").mkdir(parents=True)
    (tmp_path / "home").mkdir()
    sh = _shell(tmp_path)
    sh("git", "init", "-q", "-b", "main")
    (work / ".pre-commit-config.yaml").write_text(local_config(), encoding="utf-8")
    shutil.copy(ROOT / "rulesets" / "sales-team.yaml", work / "rulesets" / "sales-team.yaml")
    if with_tests:
        shutil.copy(ROOT / "rulesets" / "tests" / "sales-team.yaml", work / "rulesets" / "tests" / "sales-team.yaml")
    (work / "notes.yaml").write_text("not: an appraise file\n", encoding="utf-8")
    sh("git", "add", ".")
    sh(PRE_COMMIT, "install")
    sh.first_commit = sh("git", "commit", "-m", "start")  # type: ignore[attr-defined]  # the hooks run and pass
    return work, sh


def test_broken_rule_file_is_rejected_with_file_line_col_and_the_fix_passes(repo):
    work, sh = repo
    broken = (HERE / "broken" / "weights-99-99.yaml").read_text(encoding="utf-8")
    target = work / "rulesets" / "team.yaml"
    target.write_text(broken, encoding="utf-8")
    sh("git", "add", "rulesets/team.yaml")

    # through git: the installed hook refuses the commit
    done = sh("git", "commit", "-m", "add team rules", check=False)
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert "rulesets/team.yaml:22:9: error: the weights of the KPIs of dimension 'results' add up to 99.99" in out
    assert re.search(r"appraise validate\.+Failed", out), out
    assert "notes.yaml" not in out  # not a rule or cycle file: the hook's files pattern leaves it alone
    # the README shows this very output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split('$ git commit -m "team rules"\n', 1)[1].split("```", 1)[0]
    for line in filter(None, shown.splitlines()):
        assert line in out, line

    # and through `pre-commit run`
    done = sh(PRE_COMMIT, "run", "--files", "rulesets/team.yaml", check=False)
    assert done.returncode == 1
    assert "rulesets/team.yaml:22:9:" in done.stdout

    target.write_text(broken.replace("{weight: 39.99, target: 0.95}", "{weight: 40, target: 0.95}"),
                      encoding="utf-8")
    sh("git", "add", "rulesets/team.yaml")
    done = sh("git", "commit", "-m", "add team rules", check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert re.search(r"appraise validate\.+Passed", out), out
    assert re.search(r"appraise test\.+Passed", out), out


def test_a_failing_ruleset_test_blocks_the_commit(repo):
    work, sh = repo
    tests = work / "rulesets" / "tests" / "sales-team.yaml"
    text = tests.read_text(encoding="utf-8")
    tests.write_text(text.replace('bonus: "22000"', 'bonus: "23000"', 1), encoding="utf-8")
    sh("git", "add", ".")
    done = sh("git", "commit", "-m", "wrong expectation", check=False)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert re.search(r"appraise test\.+Failed", out), out
    assert "R1 bonus: expected 23000, got 22000" in out
    assert re.search(r"^\d+ passed, 1 failed$", out, re.M), out


def test_manifest_is_valid_and_documented():
    hooks = {h["id"]: h for h in manifest()}
    assert set(hooks) == {"appraise-validate", "appraise-test"}
    assert hooks["appraise-validate"]["entry"] == "appraise validate"
    assert hooks["appraise-validate"]["language"] == "python"
    assert hooks["appraise-test"]["entry"] == "appraise test"
    assert hooks["appraise-test"]["pass_filenames"] is False
    files = re.compile(hooks["appraise-validate"]["files"])
    for path in ("rulesets/sales-team.yaml", "hr/rulesets/x.yml", "cycles/2026-Q3.yaml", "q3.cycle.yaml",
                 "rulesets/tests/sales-team.yaml"):
        assert files.search(path), path
    for path in (".github/workflows/ci.yml", "data/okrs.yaml", "docs/ci-example.yml"):
        assert not files.search(path), path
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for hook_id in hooks:
        assert hook_id in readme, f"hook {hook_id} is not documented in README.md"


def test_a_repository_without_ruleset_tests_yet_can_commit(tmp_path):
    """appraise-test runs on every YAML change; with no tests yet it passes with a notice (exit 0), while a path
    named on the command line that holds no tests stays a usage error (exit 2): that is a typo, not a new repo."""
    work, sh = make_repo(tmp_path, with_tests=False)  # its first commit ran both hooks and passed
    out = sh.first_commit.stdout + sh.first_commit.stderr
    assert re.search(r"appraise validate\.+Passed", out) and re.search(r"appraise test\.+Passed", out), out
    done = sh(APPRAISE, "test", check=False)
    assert done.returncode == 0 and done.stdout == "0 passed, 0 failed\n"
    assert done.stderr.startswith("notice: no ruleset tests yet"), done.stderr
    done = sh(APPRAISE, "test", "rulesets/tests", check=False)
    assert done.returncode == 2 and "no test files found" in done.stderr
