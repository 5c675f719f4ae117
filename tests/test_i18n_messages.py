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
# what a placeholder is tried with: a name, a number, a quoted name (each message passes with one of them)
SAMPLES = ("x1", "1", "'x1'")


def _texts(node, sample: str) -> list[str] | None:
    """The texts ``node`` can be with ``sample`` in its placeholders (each branch of a conditional placeholder
    whose branches are texts), or None when it is no text."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts: list[list[str]] = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append([v.value])
                continue
            inner = v.value
            if isinstance(inner, ast.IfExp):
                a, b = _texts(inner.body, sample), _texts(inner.orelse, sample)
                parts.append((a or [sample]) + (b or [sample]))
            elif parts and re.search(r"[\w)]\Z", parts[-1][-1]):
                parts.append([""])  # glued to the word before: a suffix ("{hint}", "{more}", "field{s}")
            else:
                parts.append([sample])
        return ["".join(p) for p in itertools.islice(itertools.product(*parts), 64)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _texts(node.left, sample), _texts(node.right, sample)
        if a is None and b is None:
            return None
        if b is None:  # a text + a value: glued to the word before, a suffix ("... is not a grade" + did_you_mean)
            b = [""] if a is not None and re.search(r"[\w)]\Z", a[-1]) else [sample]
        return [x + y for x in (a or [sample]) for y in b][:64]
    if isinstance(node, ast.IfExp):
        a, b = _texts(node.body, sample), _texts(node.orelse, sample)
        return None if a is None and b is None else (a or []) + (b or [])
    return None


def _messages() -> list[tuple[str, int, list[list[str]]]]:
    """(file, line, [the texts the message can be, one list per sample]) of every message and hint."""
    out = []
    for path in SCANNED:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in MAKERS:
                continue
            for arg in node.args[:4] + [k.value for k in node.keywords if k.arg in KEYWORDS]:
                variants = [_texts(arg, s) for s in SAMPLES]
                if variants[0] is None:
                    continue
                first = [t for t in variants[0] if t]
                if first and max(len(t) for t in first) > 12 and any(" " in t for t in first):
                    out.append((path.relative_to(ROOT).as_posix(), node.lineno, variants))
    return out


def _chinese(text: str) -> bool:
    return bool(CJK.search(text)) and WORDS.search(QUOTED.sub("", text)) is None


def test_every_message_raised_or_warned_is_translated():
    """Every message and hint of the engine's errors and warnings comes out of translate() in Chinese."""
    messages = _messages()
    assert len(messages) > 250  # the scan still finds the messages (it would pass vacuously otherwise)
    missing = []
    for where, line, variants in messages:
        # passes when, for one sample, every text the message can be (each branch of its conditions) is Chinese
        if not any(all(_chinese(translate(t, "zh-CN")) for t in texts if t.strip()) for texts in variants):
            text = next(t for t in variants[0] if t.strip() and not _chinese(translate(t, "zh-CN")))
            missing.append(f"{where}:{line}: {text!r} -> {translate(text, 'zh-CN')!r}")
    assert not missing, "messages with no Chinese (add them to appraise.i18n):\n" + "\n".join(missing)
