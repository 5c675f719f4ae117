"""Every message the engine raises or warns is shown in Chinese (session 7, wi18n2).

A static scan of the source (no run): each error or warning built in ``engine/language``, ``engine/provide``,
``engine/store``, ``plugins`` (and ``engine/run.py``, ``engine/pipeline.py``) -- its message and its hint, written as
a string, an f-string or a sum of them -- is rendered with sample values in its placeholders and must come out of
``translate`` in Chinese (CJK, and no run of three English words outside quotes and brackets).  A new message nobody
translated fails here, named by file and line.  The composite messages are then checked with Chinese written by
hand, through the command line where practical.
"""
from __future__ import annotations

import ast
import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

from appraise.i18n import translate

ROOT = Path(__file__).resolve().parent.parent
SCANNED = (sorted((ROOT / "engine/language").rglob("*.py")) + sorted((ROOT / "engine/provide").rglob("*.py"))
           + sorted((ROOT / "engine/store").rglob("*.py")) + sorted((ROOT / "plugins").glob("*.py"))
           + [ROOT / "engine/run.py", ROOT / "engine/pipeline.py"])
# the calls that make a user-facing error or warning, and the keywords holding its message or hint
MAKERS = frozenset({"ExpressionError", "Diagnostic", "diag", "InvalidInput", "StoreError", "error", "warn", "warning",
                    "fail", "fatal", "AppraiseError", "_diag", "problem", "LockHeld"})
KEYWORDS = frozenset({"message", "hint"})
CJK = re.compile(r"[\u3400-\u9fff]")
WORDS = re.compile(r"[A-Za-z]+(?:[ ,]+[A-Za-z]+){2,}")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|`[^`]*`|\([^)]*\)|\{[^}]*\}|<[^>]*>")
# Messages whose parts the scan cannot follow, each translated as a whole and checked by hand below:
EXEMPT = {
    # "{who} {phrase} (scorecard ...)": the phrase comes back from _phrase(); test_rules_that_break_weights
    ("engine/language/validate/rules.py", "(scorecard '"),
    # where (folder / git repository), what (the ruleset / the rest) and to (a url has none) are chosen together;
    # the scan would pair a url with the ruleset, which never happens; test_paths_outside_the_cycle
    ("engine/language/paths.py", "leads outside the cycle's"),
}
# what a placeholder is tried with: a name, a number, a quoted name (each message passes with one of them)
SAMPLES = ("x1", "1", "'x1'")


def _texts(node, sample: str, env: dict[str, list[str]]) -> list[str] | None:
    """The texts ``node`` can be, or None when it is no text: a name the function gave a text (``what = "the deal"``,
    a parameter every caller passes as a text) is each text it can be; any other placeholder is ``sample``, or
    nothing when glued to the word before it (a suffix such as ``{hint}``, ``{more}``, ``field{s}``)."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts: list[list[str]] = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append([v.value])
                continue
            known = _texts(v.value, sample, env)
            if known is not None:
                parts.append(known)
            elif parts and re.search(r"[\w)]\Z", parts[-1][-1]):
                parts.append([""])
            else:
                parts.append([sample])
        return ["".join(p) for p in itertools.islice(itertools.product(*parts), 64)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _texts(node.left, sample, env), _texts(node.right, sample, env)
        if a is None and b is None:
            return None
        if b is None:  # a text + a value glued to it: a suffix ("... is not a grade" + did_you_mean(...))
            b = [""] if a is not None and re.search(r"[\w)'\"]\Z", a[-1]) else [sample]
        return [x + y for x in (a or [sample]) for y in b][:64]
    if isinstance(node, ast.IfExp):
        a, b = _texts(node.body, sample, env), _texts(node.orelse, sample, env)
        return None if a is None and b is None else (a or [sample]) + (b or [sample])
    return None


class _Function:
    """A function (or the module) with the statements and calls that are its own (not a nested function's)."""

    def __init__(self, node: ast.AST, parent: _Function | None) -> None:
        self.node, self.parent = node, parent
        self.name = getattr(node, "name", "")
        self.assigns: list[ast.Assign] = []
        self.calls: list[ast.Call] = []


def _split(tree: ast.Module) -> list[_Function]:
    """The module and each function in it, outer first, each with its own assignments and calls."""
    out = [_Function(tree, None)]

    def visit(node: ast.AST, owner: _Function) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = _Function(child, owner)
                out.append(inner)
                visit(child, inner)
                continue
            if isinstance(child, ast.Assign):
                owner.assigns.append(child)
            elif isinstance(child, ast.Call):
                owner.calls.append(child)
            visit(child, owner)

    visit(tree, out[0])
    return out


def _assigned(fn: _Function, sample: str, env: dict[str, list[str]]) -> dict[str, list[str]]:
    """``env`` and the texts the function's own names are given (every assignment of a name: all its texts)."""
    env = dict(env)
    for node in fn.assigns:
        for target in node.targets:
            pairs = (list(zip(target.elts, node.value.elts)) if isinstance(target, ast.Tuple)
                     and isinstance(node.value, ast.Tuple) else [(target, node.value)])
            for name, value in pairs:
                texts = _texts(value, sample, env) if isinstance(name, ast.Name) else None
                texts = [t for t in texts if t] if texts else None  # a name is empty only where it is not shown
                if texts:
                    env[name.id] = list(dict.fromkeys(env.get(name.id, []) + texts))
    return env


def _params(node: ast.AST) -> list[str]:
    args = getattr(node, "args", None)
    if not isinstance(args, ast.arguments):
        return []
    return [a.arg for a in args.posonlyargs + args.args if a.arg not in ("self", "cls")] + [a.arg for a in args.kwonlyargs]


def _messages() -> list[tuple[str, int, list[list[str]]]]:
    """(file, line, [the texts the message can be, one list per sample]) of every message and hint."""
    files = [(path.relative_to(ROOT).as_posix(), _split(ast.parse(path.read_text(encoding="utf-8"))))
             for path in SCANNED]
    # the functions whose callers' texts are followed into them: a name defined once, and no maker of messages
    # (``diag(path, message)`` passes on whatever it is given)
    defined = Counter(fn.name for _where, fns in files for fn in fns[1:])
    functions = {fn.name: _params(fn.node) for _where, fns in files for fn in fns[1:]
                 if defined[fn.name] == 1 and fn.name not in MAKERS}
    found: dict[tuple[str, int, int], list[list[str] | None]] = {}
    for sample in SAMPLES:
        # the names of each function: its own texts, on its enclosing function's
        envs: dict[int, dict[str, list[str]]] = {}
        for _where, fns in files:
            for fn in fns:
                envs[id(fn)] = _assigned(fn, sample, envs[id(fn.parent)] if fn.parent else {})
        # what each function's callers pass it, as texts
        passed: dict[tuple[str, str], list[str]] = {}
        for _where, fns in files:
            for fn in fns:
                for call in fn.calls:
                    name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                    if name not in functions:
                        continue
                    given = list(zip(functions[name], call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg]
                    for param, arg in given:
                        texts = _texts(arg, sample, envs[id(fn)])
                        if texts is not None:
                            passed[(name, param)] = list(dict.fromkeys(passed.get((name, param), []) + texts))
        for where, fns in files:
            for fn in fns:
                env = envs[id(fn)]
                if fn.parent is not None:
                    given = {p: passed[(fn.name, p)] for p in _params(fn.node) if (fn.name, p) in passed}
                    env = _assigned(fn, sample, {**env, **given}) if given else env
                for node in fn.calls:
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name not in MAKERS:
                        continue
                    args = node.args[:4] + [k.value for k in node.keywords if k.arg in KEYWORDS]
                    for i, arg in enumerate(args):
                        found.setdefault((where, node.lineno, i), []).append(_texts(arg, sample, env))
    out = []
    for (where, line, _i), variants in found.items():
        if any(v is None for v in variants):
            continue
        first = [t for t in variants[0] if t]  # type: ignore[union-attr]
        if any(_sentence(t) for t in first) and max(len(t) for t in first) > 12 and any(" " in t for t in first):
            out.append((where, line, variants))
    return out


def _sentence(text: str) -> bool:
    """Whether ``text`` holds words of its own, not only placeholders ("{where}: {message}" passes on a message
    made elsewhere, checked there)."""
    return re.search(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}", re.sub(r"x1|'x1'", "", text)) is not None


def _chinese(text: str) -> bool:
    return bool(CJK.search(text)) and WORDS.search(QUOTED.sub("", text)) is None


def test_every_message_raised_or_warned_is_translated():
    """Every message and hint of the engine's errors and warnings comes out of translate() in Chinese."""
    messages = _messages()
    assert len(messages) > 250  # the scan still finds the messages (it would pass vacuously otherwise)
    missing, used = [], set()
    for where, line, variants in messages:
        # passes when, for one sample, every text the message can be (each branch of its conditions) is Chinese
        exempt = {(f, part) for f, part in EXEMPT if f == where and any(part in t for t in variants[0])}
        if exempt:
            used |= exempt
            continue
        if not any(all(_chinese(translate(t, "zh-CN")) for t in texts if _sentence(t)) for texts in variants):
            text = next(t for t in variants[0] if _sentence(t) and not _chinese(translate(t, "zh-CN")))
            missing.append(f"{where}:{line}: {text!r} -> {translate(text, 'zh-CN')!r}")
    assert used == EXEMPT  # an exemption no message needs any more is removed
    assert not missing, "messages with no Chinese (add them to appraise.i18n):\n" + "\n".join(missing)
