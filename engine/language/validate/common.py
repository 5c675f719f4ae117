"""What the checks of the validator share: the built-in columns, how numbers are shown, the order
of diagnostics."""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from appraise.display import did_you_mean as did_you_mean  # one suggestion rule for every command
from appraise.errors import Diagnostic
from appraise.language.load import Document

BUILT_IN_ATTRIBUTES = {"id": "string", "name": "string", "hire_date": "date", "leave_date": "date",
                       "locale": "string"}
ATTRIBUTE_TYPES = {"string": "string", "number": "number", "money": "number", "date": "string"}
MAX_RULES_PER_COMPONENT = 16
# 360 relations one rater may score on their own: everyone knows who their manager is, and self is oneself
SINGLE_RATER_RELATIONS = ("manager", "self")
RULESET_MARKERS = ("scorecards", "metrics", "rules", "grades", "bonus", "calibration", "attributes")


def non_finite(doc: Document) -> list[Diagnostic]:
    """``.nan``, ``.inf`` and ``1e400`` load as floats (YAML 1.2) but mean nothing in a rule file."""
    out: list[Diagnostic] = []

    def walk(value, path):
        if isinstance(value, float) and not math.isfinite(value):
            out.append(doc.diag(path, f"{value} is not a usable number; write a finite number",
                                code="not-finite"))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, path + (i,))

    walk(doc.data, ())
    return out


def ordered(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen, out = set(), []
    for d in diags:
        k = (d.file, d.line, d.col, d.message)
        if k not in seen:
            seen.add(k)
            out.append(d)
    return sorted(out, key=lambda d: (d.file, d.line, d.col))


def number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return text
    if isinstance(value, Fraction):
        return fmt(Decimal(value.numerator) / Decimal(value.denominator)) if value.denominator != 1 \
            else str(value.numerator)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
