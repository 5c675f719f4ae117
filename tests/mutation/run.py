"""Mutation testing of the engine's money and grading code (issue 13): ``make mutation``.

Each mutant changes one thing in one targeted function (an operator, a comparison, a constant, a
polars method such as ``floor``/``ceil``, a condition negated, a rounding or null-filling call
dropped) and runs a fast subset of the tests with ``-x``.  A mutant the tests do not notice
*survives*; a survivor listed in ``equivalent.yaml`` (beside this file) is one no valid input can
tell apart from the original (``kind: equivalent``), or one that only moves the precision at which
binary noise is rounded away, which no SPEC rule fixes (``kind: tolerance``), with the reason
written there.  Anything else is a gap in the tests and makes the run fail.

The working tree is never touched: the files git knows (committed or not, untracked but not
ignored) are copied to a temporary folder per worker, ``appraise`` is imported from that copy
(a ``sitecustomize`` puts it first on the import path), and each mutant is written into the copy
and undone there.  ``--ref REV`` copies a commit instead (``git archive``), e.g. while others are
in the middle of an edit.

    python tests/mutation/run.py                 # everything, 2 workers
    python tests/mutation/run.py --list          # the mutants only, no tests run
    python tests/mutation/run.py --only core/bonus.py   # mutants whose file:function contains 'core/bonus.py'
"""
from __future__ import annotations

import argparse
import ast
import concurrent.futures as futures
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# What is mutated, and which tests are run against it (fastest and closest first: -x stops at the first
# failure).  Functions are named as in the file (``Class.method`` for methods); a module-level name
# (``_NEAR``) targets that assignment.
ENGINE_TESTS = ["tests/test_bonus_cases.py", "tests/test_evaluate.py", "tests/test_reference.py",
                "tests/test_periods.py", "tests/test_fuzz.py::test_calibration_quotas_hold_in_every_cohort",
                "tests/test_properties.py"]
# pay across periods: proration, periods: roll-ups, net_of settlement, incentive plans (draws, year to date)
PERIOD_TESTS = ["tests/test_employee_table.py", "tests/test_incentive_plans.py", "tests/test_periods.py",
                "tests/test_bonus_cases.py", "tests/test_no_wrong_pay.py", "tests/test_generated_regressions.py",
                "tests/test_evaluate.py", "tests/test_reference.py"]
EXPR_TESTS = ["tests/test_expr_cases.py", "tests/test_expr.py", "tests/test_bonus_cases.py", "tests/test_evaluate.py",
              *(f"tests/test_fuzz.py::test_regression_{name}" for name in (
                  "to_polars_gives_a_full_column_when_a_column_is_all_null_or_zero",
                  "scalar_interpreter_uses_floats_and_three_valued_chains",
                  "division_by_a_constant_is_exact_division_not_a_reciprocal",
                  "type_check_refuses_what_polars_cannot_run")),
              "tests/test_fuzz.py::test_evaluate_and_to_polars_agree_on_random_expressions_and_data"]
TARGETS = {
    "engine/core/scoring.py": (["score_card[# KPI actuals, targets, attainment, scores|# dimension scores with KPI]",
                                "curve_expr"], ENGINE_TESTS),
    "engine/core/calibration.py": (["grade_expr", "calibrate"], ENGINE_TESTS),
    "engine/core/bonus.py": (["pay", "scaled_targets", "_settled"], PERIOD_TESTS),
    "engine/core/rollup.py": (["read_employees", "date_of", "period_scores", "paid_before", "key_result_progress",
                               "objective_score"], PERIOD_TESTS),
    "engine/core/incentives.py": (["pay_component", "settle", "_rounded", "_cycle_target"], PERIOD_TESTS),
    "engine/language/compile.py": (["Curve.attainment_at_zero_actual"], ENGINE_TESTS),
    "engine/export/document.py": (["money"], ENGINE_TESTS),
    "engine/language/expr/compare.py": (["EXACT", "NEAR", "near_compare", "is_number"], EXPR_TESTS),
    "engine/language/expr/interpret.py": (["evaluate", "holds", "round_half_up"], EXPR_TESTS),
    "engine/language/expr/parsing.py": (["literal_value", "signed_number"], EXPR_TESTS),
    "engine/language/expr/compiler.py": (["to_polars", "_constant", "polars_round_half_up", "_divided_by"], EXPR_TESTS),
}

BINOP = {ast.Add: "-", ast.Sub: "+", ast.Mult: "/", ast.Div: "*", ast.FloorDiv: "/", ast.BitAnd: "|", ast.BitOr: "&"}
BINOP_TEXT = re.compile(r"//|\*\*|<<|>>|[-+*/%@&|^]")
COMPARE = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">", ast.Eq: "!=", ast.NotEq: "==",
           ast.In: "not in", ast.NotIn: "in", ast.Is: "is not", ast.IsNot: "is"}
COMPARE_TEXT = re.compile(r"not\s+in\b|is\s+not\b|<=|>=|==|!=|<|>|\bin\b|\bis\b")
UNARY_TEXT = {ast.Not: "not", ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}
# method or function calls swapped for their opposite
SWAP = {"min_horizontal": "max_horizontal", "max_horizontal": "min_horizontal", "floor": "ceil", "ceil": "floor",
        "is_null": "is_not_null", "is_not_null": "is_null", "any_horizontal": "all_horizontal",
        "all_horizontal": "any_horizontal", "first": "last", "last": "first", "min": "max", "max": "min",
        "any": "all", "all": "any"}
# calls dropped (``x.round(12)`` → ``x``, ``reversed(x)`` → ``x``)
DROP_METHODS = {"round", "fill_null", "abs", "floor", "clip", "normalize"}
DROP_FUNCTIONS = {"reversed", "abs", "sorted"}
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass
class Mutant:
    file: str
    function: str
    line: int           # 1-based, of the changed text
    start: int          # character offsets in the file
    end: int
    replacement: str
    description: str    # ``>`` → ``>=``
    key_line: str       # the changed line, stripped (with the description: the mutant's stable name)
    occurrence: int = 1

    @property
    def name(self) -> str:
        suffix = f" (#{self.occurrence})" if self.occurrence > 1 else ""
        return f"{self.file}:{self.function}: {self.description}{suffix}"


# ---------------------------------------------------------------- finding mutants

class Source:
    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, col_bytes: int) -> int:
        """Character offset of an ast (line, UTF-8 byte column) position."""
        text = self.lines[line - 1]
        return self.starts[line - 1] + len(text.encode("utf-8")[:col_bytes].decode("utf-8", "ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node: ast.AST) -> str:
        a, b = self.span(node)
        return self.text[a:b]

    def line_of(self, offset: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi - 1:
            mid = (lo + hi) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid
        return lo + 1


def _blank_comments(gap: str) -> str:
    """``gap`` (code between two operands) with comments blanked out, offsets kept."""
    return re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), gap)


def _targets(tree: ast.Module, names: list[str], src: Source) -> list[tuple[str, ast.AST, range | None]]:
    """(name, node, lines) of each target; ``name[start text|end text]`` is the part of a function from
    the line holding the start text up to the line holding the end text."""
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{sub.name}"] = sub
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                if isinstance(t, ast.Name):
                    found[t.id] = node
    out = []
    for name in names:
        base, _, part = name.partition("[")
        if base not in found:
            raise SystemExit(f"mutation: {base} not found; update TARGETS in {Path(__file__).name}")
        node, lines = found[base], None
        if part:
            begin, end = part.rstrip("]").split("|")
            numbers = range(node.lineno, node.end_lineno + 1)
            starts = [n for n in numbers if begin in src.lines[n - 1]]
            ends = [n for n in numbers if end in src.lines[n - 1] and starts and n > starts[0]]
            if not starts or not ends:
                raise SystemExit(f"mutation: {name}: the lines '{begin}' … '{end}' are not in {base}; "
                                 f"update TARGETS in {Path(__file__).name}")
            lines = range(starts[0], ends[0])
        out.append((base, node, lines))
    return out


def _walk(node: ast.AST):
    """Nodes under ``node`` worth mutating: not docstrings, annotations or what a ``raise`` says."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        roots = [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None], *body]
    elif isinstance(node, ast.AnnAssign):
        roots = [node.value] if node.value else []
    elif isinstance(node, ast.Assign):
        roots = [node.value]
    else:
        roots = [node]
    stack = list(reversed(roots))
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Raise, ast.JoinedStr)):
            continue
        yield n
        children = []
        for name, value in ast.iter_fields(n):
            if name in ("annotation", "returns", "type_comment"):
                continue
            if isinstance(n, (ast.FunctionDef, ast.Lambda)) and name == "args":
                children.extend(v for v in [*value.defaults, *value.kw_defaults] if v is not None)
                continue
            if isinstance(n, ast.FunctionDef) and name == "body" and value and isinstance(value[0], ast.Expr) \
                    and isinstance(value[0].value, ast.Constant) and isinstance(value[0].value.value, str):
                value = value[1:]
            if isinstance(value, list):
                children.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                children.append(value)
        stack.extend(reversed(children))


def _number_mutations(value) -> list:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return {0: [1], 1: [0, 2]}.get(value, [value + 1])
    if isinstance(value, float):
        return {0.0: [1.0], 1.0: [0.0, 2.0]}.get(value, [value + 1.0])
    return []


def find_mutants(file: str, text: str, names: list[str]) -> list[Mutant]:
    src = Source(text)
    tree = ast.parse(text)
    out: list[Mutant] = []

    def add(function: str, start: int, end: int, replacement: str, description: str) -> None:
        line = src.line_of(start)
        out.append(Mutant(file, function, line, start, end, replacement, description,
                          src.lines[line - 1].strip()))

    def operator_between(left: ast.AST, right: ast.AST, pattern: re.Pattern) -> tuple[int, int, str] | None:
        a, b = src.span(left)[1], src.span(right)[0]
        m = pattern.search(_blank_comments(text[a:b]))
        return (a + m.start(), a + m.end(), m.group()) if m else None

    spans = {}  # each target's whole lines: a mutant is checked by compiling its function alone (fast)
    for function, root, lines in _targets(tree, names, src):
        first = getattr(root, "decorator_list", None) or [root]
        spans[function] = (src.starts[first[0].lineno - 1], src.starts[root.end_lineno])
        for node in _walk(root):
            if lines is not None and getattr(node, "lineno", lines.start) not in lines:
                continue
            if isinstance(node, ast.BinOp) and type(node.op) in BINOP:
                found = operator_between(node.left, node.right, BINOP_TEXT)
                if found:
                    a, b, old = found
                    new = BINOP[type(node.op)]
                    add(function, a, b, new, f"`{old}` → `{new}`")
            elif isinstance(node, ast.Compare):
                lefts = [node.left, *node.comparators[:-1]]
                for op, left, right in zip(node.ops, lefts, node.comparators):
                    found = operator_between(left, right, COMPARE_TEXT)
                    if found:
                        a, b, old = found
                        new = COMPARE[type(op)]
                        add(function, a, b, new, f"`{old}` → `{new}`")
            elif isinstance(node, ast.BoolOp):
                word, other = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
                spots = []
                for left, right in zip(node.values, node.values[1:]):
                    found = operator_between(left, right, re.compile(rf"\b{word}\b"))
                    if found:
                        spots.append(found)
                if spots:
                    a, b = spots[0][0], spots[-1][1]
                    chunk = text[a:b]
                    for s, e, _ in reversed(spots):
                        chunk = chunk[:s - a] + other + chunk[e - a:]
                    add(function, a, b, chunk, f"`{word}` → `{other}`")
            elif isinstance(node, ast.UnaryOp) and type(node.op) in UNARY_TEXT:
                a, _ = src.span(node)
                op = UNARY_TEXT[type(node.op)]
                if text.startswith(op, a):
                    b = a + len(op)
                    while b < len(text) and text[b] in " \t":
                        b += 1
                    add(function, a, b, "", f"`{op}` removed")
            elif isinstance(node, ast.Constant):
                a, b = src.span(node)
                v = node.value
                if isinstance(v, (bool, int, float)):
                    for new in _number_mutations(v):
                        add(function, a, b, repr(new), f"`{text[a:b]}` → `{new!r}`")
                elif isinstance(v, str) and NUMBER.match(v):
                    quote = text[a]
                    try:
                        d = Decimal(v)
                    except InvalidOperation:
                        continue
                    new = str(d + 1) if d not in (0, 1) else ("1" if d == 0 else "0")
                    add(function, a, b, f"{quote}{new}{quote}", f"`{text[a:b]}` → `{quote}{new}{quote}`")
            elif isinstance(node, (ast.If, ast.While, ast.IfExp)) and not (
                    isinstance(node.test, ast.Compare) and len(node.test.ops) == 1
                    and type(node.test.ops[0]) in (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)):
                # (a single ==, in or is is negated by the comparison mutants already)
                a, b = src.span(node.test)
                add(function, a, b, f"not ({text[a:b]})", f"condition `{_short(text[a:b])}` negated")
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Attribute):
                    a, b = src.span(f)
                    if f.attr in SWAP and text[b - len(f.attr):b] == f.attr:
                        add(function, b - len(f.attr), b, SWAP[f.attr], f"`.{f.attr}` → `.{SWAP[f.attr]}`")
                    if f.attr in DROP_METHODS:
                        call = src.span(node)
                        inner = src.segment(f.value)
                        simple = isinstance(f.value, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant))
                        add(function, call[0], call[1], inner if simple else f"({inner})",
                            f"`.{f.attr}(...)` dropped")
                elif isinstance(f, ast.Name):
                    a, b = src.span(f)
                    if f.id in SWAP and len(node.args) >= 1:
                        add(function, a, b, SWAP[f.id], f"`{f.id}` → `{SWAP[f.id]}`")
                    if f.id in DROP_FUNCTIONS and len(node.args) == 1 and not node.keywords:
                        call = src.span(node)
                        add(function, call[0], call[1], f"({src.segment(node.args[0])})", f"`{f.id}(...)` dropped")
                for arg in node.args:  # a missing value turned into 0: 'then(None)' → 'then(0.0)'
                    if isinstance(f, ast.Attribute) and f.attr in ("then", "otherwise") \
                            and isinstance(arg, ast.Constant) and arg.value is None:
                        a, b = src.span(arg)
                        add(function, a, b, "0.0", f"`.{f.attr}(None)` → `.{f.attr}(0.0)`")
    # stable names: the same change on the same line is numbered in order
    seen: dict[tuple, int] = {}
    out.sort(key=lambda m: (m.start, m.end, m.replacement))
    unique = []
    for m in out:
        k = (m.function, m.key_line, m.description)
        seen[k] = seen.get(k, 0) + 1
        m.occurrence = seen[k]
        a, b = spans[m.function]
        try:
            compile(textwrap.dedent(text[a:m.start] + m.replacement + text[m.end:b]), file, "exec")
        except SyntaxError:
            try:  # (a function whose text does not dedent alone, e.g. a string at column 0 inside it)
                compile(text[:m.start] + m.replacement + text[m.end:], file, "exec")
            except SyntaxError:
                continue
        unique.append(m)
    return unique


def _short(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[:n - 1] + "…"


def diff(text: str, m: Mutant) -> str:
    mutated = text[:m.start] + m.replacement + text[m.end:]
    lines = difflib.unified_diff(text.splitlines(keepends=True), mutated.splitlines(keepends=True),
                                 f"a/{m.file}", f"b/{m.file}", n=1)
    return "".join(list(lines)[2:])


# ---------------------------------------------------------------- equivalent mutants

def load_equivalent() -> list[dict]:
    import yaml

    path = HERE / "equivalent.yaml"
    if not path.exists():
        return []
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for e in entries:
        if not {"file", "function", "line", "mutation", "why"} <= set(e) or e.get("kind", KINDS[0]) not in KINDS:
            raise SystemExit(f"{path.name}: each entry needs file, function, line, mutation and why "
                             f"(and kind {' or '.join(KINDS)}, if any): {e}")
    return entries


KINDS = ("equivalent", "tolerance")


def explanation(m: Mutant, entries: list[dict]) -> dict | None:
    """The equivalent.yaml entry of a mutant: ``kind: equivalent`` (the default) when no valid input tells it
    apart, ``kind: tolerance`` when it only moves a noise-rounding precision that no SPEC rule fixes."""
    for e in entries:
        if e["file"] == m.file and e["function"] == m.function and " ".join(str(e["line"]).split()) == \
                " ".join(m.key_line.split()) and e["mutation"] == m.description \
                and int(e.get("occurrence", 1)) == m.occurrence:
            return e
    return None


def stale_entries(entries: list[dict], mutants: list[Mutant]) -> list[tuple]:
    """Entries of equivalent.yaml that name no mutant any more (the code changed under them)."""
    used = {(e["file"], e["function"], " ".join(str(e["line"]).split()), e["mutation"], int(e.get("occurrence", 1)))
            for e in entries}
    return sorted(used - {(m.file, m.function, " ".join(m.key_line.split()), m.description, m.occurrence)
                          for m in mutants})


# ---------------------------------------------------------------- running

BOOT = '''\
"""Written by tests/mutation/run.py: import appraise from this copy of the repository."""
import sys
from importlib.machinery import PathFinder
from importlib.util import spec_from_file_location

ROOT = {root!r}
MAPPING = {{"appraise": ROOT + "/engine", "appraise.plugins": ROOT + "/plugins",
           "appraise.schemas": ROOT + "/schemas", "appraise.rulesets": ROOT + "/rulesets"}}


class _CopyFinder:
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname in MAPPING:
            return spec_from_file_location(fullname, MAPPING[fullname] + "/__init__.py")
        parent = fullname.rpartition(".")[0]
        if parent in MAPPING:
            return PathFinder.find_spec(fullname, path=[MAPPING[parent]])
        return None


sys.meta_path.insert(0, _CopyFinder)
'''


def snapshot(dest: Path, ref: str | None) -> None:
    """The repository's files (as in the working tree, or at ``ref``) copied into ``dest``."""
    dest.mkdir(parents=True)
    if ref:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    else:
        files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                               check=True, capture_output=True, text=True).stdout.split("\0")
        for name in filter(None, files):
            src = ROOT / name
            if src.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
    # the copy stands for a checkout: a rule file may name another inside the same git repository
    # (appraise.language.paths looks for .git), as rulesets/tests/*.yaml name the rulesets beside them
    (dest / ".git").mkdir(exist_ok=True)
    boot = dest / "_mutation_boot"
    boot.mkdir()
    (boot / "sitecustomize.py").write_text(BOOT.format(root=str(dest)), encoding="utf-8")
    # bytecode checked against each source's hash: a mutant of the same size written in the same second
    # as the last one is never run from stale bytecode; nothing new is written (PYTHONDONTWRITEBYTECODE)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "checked-hash",
                    str(dest / "engine"), str(dest / "plugins"), str(dest / "tests")], check=True,
                   capture_output=True)


def environment(copy: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy / "_mutation_boot") + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["CI"] = "1"                     # the hypothesis 'ci' profile: derandomized, no example database
    env["PYTHONHASHSEED"] = "0"
    return env


def pytest_command(tests: list[str]) -> list[str]:
    return [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=",
            "--tb=no", *tests]


def run_tests(copy: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        done = subprocess.run(pytest_command(tests), cwd=copy, env=environment(copy), capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - start
    took = time.perf_counter() - start
    if done.returncode == 0:
        return "survived", took
    if done.returncode in (1, 2):
        return "killed", took
    return f"error (pytest exit {done.returncode}): {done.stdout[-500:]}{done.stderr[-500:]}", took


def check_copy(copy: Path) -> None:
    probe = "import appraise, appraise.plugins, appraise.core.evaluate; print(appraise.__file__); " \
            "print(appraise.plugins.__file__)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=copy, env=environment(copy), capture_output=True,
                         text=True, check=True).stdout.split()
    if not all(Path(p).resolve().is_relative_to(copy.resolve()) for p in out):
        raise SystemExit(f"mutation: appraise is imported from {out}, not from the copy {copy}")


class Worker:
    def __init__(self, copy: Path):
        self.copy = copy

    def run(self, m: Mutant, original: str, tests: list[str], timeout: float) -> tuple[str, float]:
        path = self.copy / m.file
        try:
            path.write_text(original[:m.start] + m.replacement + original[m.end:], encoding="utf-8")
            return run_tests(self.copy, tests, timeout)
        finally:
            path.write_text(original, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="parallel workers (default 2)")
    ap.add_argument("--only", default="", help="only mutants whose file:function contains this text")
    ap.add_argument("--ref", default=None, help="mutate this commit instead of the working tree")
    ap.add_argument("--list", action="store_true", help="list the mutants and stop")
    ap.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = ap.parse_args(argv)

    equivalent = load_equivalent()
    with tempfile.TemporaryDirectory(prefix="appraise-mutation-") as tmp:
        base = Path(tmp) / "w0"
        snapshot(base, args.ref)
        sources = {f: (base / f).read_text(encoding="utf-8") for f in TARGETS}
        every = [m for f, (names, _) in TARGETS.items() for m in find_mutants(f, sources[f], names)]
        stale = stale_entries(equivalent, every)
        mutants = [m for m in every if args.only in f"{m.file}:{m.function}"]
        if args.list:
            for m in mutants:
                print(f"{m.name}  [line {m.line}]")
            print(f"{len(mutants)} mutants")
            for e in stale:
                print(f"equivalent.yaml lists a mutant that no longer exists (update or remove it): {e}")
            return 0
        copies = [base]
        for i in range(1, max(args.jobs, 1)):
            c = Path(tmp) / f"w{i}"
            shutil.copytree(base, c, symlinks=True)
            (c / "_mutation_boot" / "sitecustomize.py").write_text(BOOT.format(root=str(c)), encoding="utf-8")
            copies.append(c)
        for c in copies:
            check_copy(c)
        # the unmutated tests must pass, and their time sets each mutant's timeout
        budgets = {}
        for file, (_, tests) in TARGETS.items():
            key = tuple(tests)
            if not any(m.file == file for m in mutants):
                continue  # (--only: the other targets' tests are not run)
            if key in budgets:
                continue
            outcome, took = run_tests(base, tests, timeout=900)
            if outcome != "survived":
                print(f"mutation: the tests fail before any mutation ({outcome}):\n  "
                      + " ".join(pytest_command(tests)), file=sys.stderr)
                return 2
            budgets[key] = max(30.0, 4 * took)
            print(f"baseline: {len(tests)} test files/ids pass in {took:.1f}s (timeout per mutant "
                  f"{budgets[key]:.0f}s)")
        print(f"{len(mutants)} mutants, {len(copies)} workers")
        free = list(range(len(copies)))
        results: list[tuple[Mutant, str, float]] = []
        started = time.perf_counter()
        with futures.ThreadPoolExecutor(len(copies)) as pool:
            import threading

            lock = threading.Lock()

            def job(m: Mutant):
                with lock:
                    w = free.pop()
                try:
                    tests = TARGETS[m.file][1]
                    return Worker(copies[w]).run(m, sources[m.file], tests, budgets[tuple(tests)])
                finally:
                    with lock:
                        free.append(w)

            pending = {pool.submit(job, m): m for m in mutants}
            for n, fut in enumerate(futures.as_completed(pending), start=1):
                m = pending[fut]
                outcome, took = fut.result()
                results.append((m, outcome, took))
                mark = {"killed": ".", "timeout": "T", "survived": "S"}.get(outcome, "E")
                print(mark, end="" if n % 80 else "\n", flush=True)
        print()
        elapsed = time.perf_counter() - started
    return report(results, sources, equivalent, elapsed, args.json, stale)


def report(results, sources, equivalent, elapsed: float, json_path: Path | None, stale=()) -> int:
    results.sort(key=lambda r: (r[0].file, r[0].start, r[0].replacement))
    killed = [r for r in results if r[1] in ("killed", "timeout")]
    survived = [r for r in results if r[1] == "survived"]
    errors = [r for r in results if r[1] not in ("killed", "timeout", "survived")]
    explained = [(m, explanation(m, equivalent)) for m, _, _ in survived]
    count = {k: sum(1 for _, e in explained if e and e.get("kind", KINDS[0]) == k) for k in KINDS}
    unexplained = [m for m, e in explained if e is None]
    killed_but_listed = [m for m, o, _ in killed if explanation(m, equivalent)]
    total = len(results)
    scored = total - count["equivalent"]
    print("\nSurvivors:" if survived else "")
    for m, e in explained:
        said = f"\n  {e.get('kind', KINDS[0])}: {' '.join(e['why'].split())}" if e else "\n  NOT EXPLAINED"
        print(f"\n{m.name}  [line {m.line}]{said}")
        print(textwrap.indent(diff(sources[m.file], m), "    "))
    for m, outcome, _ in errors:
        print(f"\nERROR {m.name}: {outcome}")
    for e in stale:
        print(f"\nequivalent.yaml lists a mutant that no longer exists (update or remove it): {e}")
    for m in killed_but_listed:
        print(f"\nequivalent.yaml lists a mutant the tests now kill (remove it): {m.name}")
    by_file = {}
    for m, outcome, _ in results:
        k, n = by_file.get(m.file, (0, 0))
        by_file[m.file] = (k + (outcome in ("killed", "timeout")), n + 1)
    print("\n" + "\n".join(f"  {f}: {k}/{n} killed" for f, (k, n) in sorted(by_file.items())))
    print(f"mutants: {total}; killed {len(killed)} ({sum(1 for r in killed if r[1] == 'timeout')} by timeout); "
          f"survived {len(survived)} ({count['equivalent']} equivalent, {count['tolerance']} tolerance choices, "
          f"{len(unexplained)} not explained); errors {len(errors)}")
    print(f"score: {len(killed)}/{total} = {100 * len(killed) / max(total, 1):.1f}% of all mutants; "
          f"{len(killed)}/{scored} = {100 * len(killed) / max(scored, 1):.1f}% of the non-equivalent ones "
          f"({elapsed / 60:.1f} min)")
    if json_path:
        json_path.write_text(json.dumps([{**asdict(m), "outcome": o, "seconds": round(t, 2),
                                          "explained": explanation(m, equivalent)}
                                         for m, o, t in results], indent=1, ensure_ascii=False), encoding="utf-8")
    return 1 if unexplained or errors else 0

if __name__ == "__main__":
    sys.exit(main())
