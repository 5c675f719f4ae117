"""The mutant finder of tests/mutation/run.py (make mutation) changes exactly the token it names."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("mutation_run", Path(__file__).parent / "mutation" / "run.py")
run = sys.modules[SPEC.name] = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(run)

SOURCE = '''\
def f(a, b, flag=False):
    """Docstring 1 + 2 < 3 is not mutated."""
    if a <= b and not flag:  # a comment with + and < is not mutated
        return (a + 1) * b
    x = pl.min_horizontal(a, b).round(2)
    raise ValueError(f"{a} < 0")


def g(a):
    return a - 1
'''


def mutated(m) -> str:
    return SOURCE[:m.start] + m.replacement + SOURCE[m.end:]


def test_each_mutant_changes_one_token_of_the_named_function():
    mutants = run.find_mutants("x.py", SOURCE, ["f"])
    changed = {m.description: mutated(m).splitlines()[m.line - 1].strip() for m in mutants if m.occurrence == 1}
    assert changed["`<=` → `<`"] == "if a < b and not flag:  # a comment with + and < is not mutated"
    assert changed["`and` → `or`"] == "if a <= b or not flag:  # a comment with + and < is not mutated"
    assert changed["`not` removed"] == "if a <= b and flag:  # a comment with + and < is not mutated"
    assert changed["`+` → `-`"] == "return (a - 1) * b"
    assert changed["`*` → `/`"] == "return (a + 1) / b"
    assert changed["`.min_horizontal` → `.max_horizontal`"] == "x = pl.max_horizontal(a, b).round(2)"
    assert changed["`.round(...)` dropped"] == "x = pl.min_horizontal(a, b)"
    assert changed["`False` → `True`"] == "def f(a, b, flag=True):"
    assert "condition `a <= b and not flag` negated" in changed
    # the docstring, the comment, what 'raise' says and the function not named are left alone
    assert all(m.line not in (2, 6, 10) for m in mutants)


def test_every_mutant_compiles_and_differs_from_the_original():
    for m in run.find_mutants("x.py", SOURCE, ["f", "g"]):
        text = mutated(m)
        assert text != SOURCE
        compile(text, "x.py", "exec")


def test_the_targets_and_equivalent_mutants_name_real_code():
    """Every targeted function exists, and every equivalent.yaml entry has its reason."""
    root = Path(__file__).parents[1]
    for file, (names, tests) in run.TARGETS.items():
        assert run.find_mutants(file, (root / file).read_text(encoding="utf-8"), names)
        assert all((root / t.split("::")[0]).exists() for t in tests)
    assert all(e["why"].strip() for e in run.load_equivalent())


def test_the_run_fails_only_on_a_survivor_that_is_not_explained(capsys):
    mutants = run.find_mutants("x.py", SOURCE, ["g"])           # `-` → `+`, `1` → `0`, `1` → `2`
    results = [(m, outcome, 0.1) for m, outcome in zip(mutants, ("killed", "survived", "survived"))]
    entry = {"file": "x.py", "function": "g", "line": "return a - 1", "why": "a reason"}
    listed = [dict(entry, mutation=mutants[1].description), dict(entry, mutation=mutants[2].description,
                                                                 kind="tolerance")]
    assert run.report(list(results), {"x.py": SOURCE}, listed, 1.0, None) == 0
    out = capsys.readouterr().out
    assert "survived 2 (1 equivalent, 1 tolerance choices, 0 not explained)" in out
    assert "score: 1/3 = 33.3% of all mutants; 1/2 = 50.0% of the non-equivalent ones" in out
    assert run.report(list(results), {"x.py": SOURCE}, listed[:1], 1.0, None) == 1
    assert "NOT EXPLAINED" in capsys.readouterr().out
