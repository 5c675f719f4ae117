"""Overrides: a reviewed file of score and grade corrections, each with its reason, approver and date.

A cycle file names it (``overrides: overrides.yaml``, relative to the cycle's
folder)::

    - {id: E004, score: 72, reason: "Q3 revenue booked late by finance (ticket FIN-1182)", by: Li Na, date: 2026-10-08}
    - {id: E002, grade: A, reason: Calibration committee decision, by: HR committee, date: 2026-10-09}

Every entry needs ``id``, ``reason``, ``by`` and ``date`` and at least one of
``score`` and ``grade``.  Overrides apply after calibration (see
:func:`appraise.core.evaluate.evaluate`): ``score`` replaces the reported score and
the grade is derived from it again unless ``grade`` is also given; ``grade``
replaces the grade.  Problems are reported at ``file:line:col``; an override
for someone the cycle does not appraise fails the run before anything is
written (checked by the engine, which knows who was appraised).
"""
from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from appraise.errors import Diagnostic, InvalidInput
from appraise.language.load import Document, load

KEYS = ("id", "score", "grade", "reason", "by", "date")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")


@dataclass(frozen=True)
class Override:
    """One override, located in its file."""

    id: str
    score: float | None
    grade: str | None
    reason: str
    by: str
    date: str
    file: str = ""
    line: int = 0
    col: int = 0

    def diag(self, message: str, hint: str = "", code: str = "override") -> Diagnostic:
        return Diagnostic(self.file, self.line, self.col, message, "id", hint=hint, code=code)

    def record(self) -> dict[str, Any]:
        """What the store and results.json keep of it besides the changes (``reason``, ``by``, ``date``)."""
        return {"reason": self.reason, "by": self.by, "date": self.date}


def check(doc: Document, grades: Iterable[str] | None) -> tuple[list[Override], list[Diagnostic]]:
    """The overrides of a loaded file and every problem in it (grades: the ruleset's, from the top; None when no
    ruleset is at hand, as for the file validated alone: a grade is then only checked to be text)."""
    known = list(grades) if grades is not None else None
    data = doc.data
    found: list[Diagnostic] = []
    out: list[Override] = []
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [doc.diag((), "an overrides file is a list of {id, score?, grade?, reason, by, date}",
                             hint="start each override with '- id: ...'", code="override-shape")]
    seen: dict[str, int] = {}
    for i, item in enumerate(data):
        at = (i,)
        if not isinstance(item, dict):
            found.append(doc.diag(at, "an override is a mapping {id, score?, grade?, reason, by, date}",
                                  code="override-shape"))
            continue
        before = len(found)
        for key in item:
            if key not in KEYS:
                close = difflib.get_close_matches(str(key), KEYS, n=1)
                found.append(doc.diag(at + (key,), f"unknown key '{key}' in an override"
                                      + (f"; did you mean '{close[0]}'?" if close else ""), key=True,
                                      hint="an override has id, score, grade, reason, by and date",
                                      code="override-key"))
        raw_id = item.get("id")
        if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or not str(raw_id).strip():
            found.append(doc.diag(at + (("id",) if "id" in item else ()), "an override needs the employee's 'id'",
                                  key="id" not in item, code="override-id"))
        ident = str(raw_id).strip() if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
        if isinstance(raw_id, int) and not isinstance(raw_id, bool):  # an id of digits, unquoted: as written
            ident = _written(doc, at + ("id",)) or ident  # (YAML reads 00016 as the number 16; ids are text)
        if ident and ident in seen:
            found.append(doc.diag(at + ("id",), f"employee {ident} is overridden twice (first at line {seen[ident]})",
                                  hint="keep one override per employee", code="override-duplicate"))
        elif ident:
            seen[ident] = doc.where(at + ("id",))[0]
        if "score" not in item and "grade" not in item:
            found.append(doc.diag(at, f"the override of {ident or 'an employee'} changes nothing: give 'score', "
                                  "'grade' or both", code="override-empty"))
        score = item.get("score")
        if "score" in item and (isinstance(score, bool) or not isinstance(score, (int, float))
                                or not math.isfinite(score) or score < 0):
            found.append(doc.diag(at + ("score",), f"score '{score}' is not a score; write a number of 0 or more",
                                  hint=_percent_score(score) or _plain_number(score), code="override-score"))
        grade = item.get("grade")
        if "grade" in item and known is None and (not isinstance(grade, str) or not grade.strip()):
            found.append(doc.diag(at + ("grade",), f"'{grade}' is not a grade; write the grade as the ruleset names "
                                  "it", code="override-grade"))
        elif "grade" in item and known is not None and (not isinstance(grade, str) or grade not in known):
            same = [g for g in known if g.casefold() == str(grade).casefold()]  # 'a' for 'A'
            close = same or difflib.get_close_matches(str(grade), known, n=1)
            found.append(doc.diag(at + ("grade",), f"'{grade}' is not a grade of the ruleset"
                                  + (f"; did you mean '{close[0]}'?" if close else ""),
                                  hint="the grades are " + ", ".join(known), code="override-grade"))
        for key, what in (("reason", "why the result is overridden"), ("by", "who approved it")):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                found.append(doc.diag(at + ((key,) if key in item else ()),
                                      f"the override of {ident or 'an employee'} needs '{key}': {what}",
                                      key=key not in item, code="override-" + key))
        when = item.get("date")
        m = _DATE.match(str(when)) if isinstance(when, str) else None
        valid = False
        if m:
            try:
                date(int(m[1]), int(m[2]), int(m[3]))
                valid = True
            except ValueError:
                valid = False
        if not valid:
            found.append(doc.diag(at + (("date",) if "date" in item else ()),
                                  f"the override of {ident or 'an employee'} needs the 'date' it was approved, "
                                  "as YYYY-MM-DD" + (f" (not '{when}')" if "date" in item else ""),
                                  key="date" not in item, code="override-date"))
        if len(found) == before:
            line, col = doc.where(at + ("id",))
            out.append(Override(ident, float(score) if score is not None else None, grade,
                                item["reason"].strip(), item["by"].strip(), str(when), doc.file, line, col))
    return out, found


def _written(doc: Document, path: tuple) -> str | None:
    """The text of the plain (unquoted) scalar at ``path`` as the file writes it, or None: YAML reads ``00016`` as the
    number 16, where an employee id ``00016`` was meant."""
    if doc.raw is None or path not in doc.values or doc.styles.get(path, "?") is not None:
        return None
    line, col = doc.values[path]
    try:
        text = doc.raw.decode("utf-8-sig").splitlines()[line - 1]
    except (UnicodeDecodeError, IndexError):
        return None
    found = re.match(r"[^\s,\]}#]+", text[col - 1:])
    return found.group(0) if found else None


def load_overrides(path: str | Path, grades: Iterable[str], shown: str | None = None) -> tuple[list[Override], str]:
    """Read and check an overrides file; returns the overrides and the file's sha256.  Raises
    :class:`InvalidInput` with every problem."""
    import hashlib

    path = Path(path)
    if not path.is_file():
        raise InvalidInput([Diagnostic(shown or str(path), 0, 0, "overrides file not found",
                                       hint="paths in a cycle file are relative to the cycle file's folder",
                                       code="override-file")])
    doc = load(path, shown or str(path))
    overrides, found = check(doc, grades)
    if found:
        raise InvalidInput(found)
    return overrides, hashlib.sha256(path.read_bytes()).hexdigest()


def _plain_number(value) -> str:
    """What to write for a score typed with thousands separators, a currency sign or spaces ('1,000.5', '¥96'), or
    quoted ('96'): the number alone."""
    if not isinstance(value, str):
        return ""
    bare = re.sub(r"[\s,，¥￥$]", "", value)
    try:
        number = float(bare)
    except ValueError:
        return ""
    if not math.isfinite(number) or number < 0:
        return ""
    return f"write it without quotes: {bare}" if bare == value else f"write it as a plain number: {bare}"


def _percent_score(value) -> str:
    """What to write for a score typed as a percentage (``72%``): scores are points."""
    from appraise.language.punctuation import percentage

    found = percentage(value) if isinstance(value, str) else None
    if found is None:
        return ""
    from appraise.i18n import say

    return say("percent.score", number=found[1], text=found[0])
