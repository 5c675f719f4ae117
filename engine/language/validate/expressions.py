"""Expressions in a ruleset: each parsed and checked name by name (against what it may read where it
stands) and reported at its exact line and column, also inside YAML block scalars."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from appraise.errors import Diagnostic, dotted
from appraise.language import expr as expressions
from appraise.language.validate.base import RulesetBase
from appraise.language.validate.common import did_you_mean


def _expression_hint(message: str, want_bool: bool = True) -> str:
    """What to do about an unknown name: in a condition it may be meant as text or true/false; in a formula
    or target (a number) it is a metric or column still to declare."""
    if not message.startswith("unknown name '") or "did you mean" in message:
        return ""
    name = message.split("'")[1]
    if not want_bool:
        return f"declare '{name}' under metrics: (or attributes: for an employee column)"
    if name.lower() in ("yes", "no", "on", "off"):
        return "write true or false"
    return f'if you mean the text {name}, put it in quotes: "{name}"'


class ExpressionChecks(RulesetBase):
    """Parse and check the expression at a path; remember the ones that passed (``parsed``)."""

    def source_lines(self) -> list[str]:
        if self._lines is None:
            try:
                self._lines = Path(self.doc.file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines = []
        return self._lines

    def expression_error(self, path: tuple, text: str, message: str, offset: int, hint: str = "") -> None:
        line, col = self.doc.expression_column(path)
        style = self.doc.styles.get(path)
        offset = max(0, min(offset, len(text)))
        if style in ("|", ">"):
            # a block scalar's text starts on the line after the indicator
            before = text[:offset]
            line = line + 1 + before.count("\n")
            lines = self.source_lines()
            indent = self.doc.where(path, key=True)[1] + 1  # usual layout when the source is not at hand
            if 0 < line <= len(lines):
                indent = len(lines[line - 1]) - len(lines[line - 1].lstrip(" "))
            col = indent + 1 + len(before.rsplit("\n", 1)[-1])
        elif "\n" not in text[:offset]:
            col += offset
        self.out.append(Diagnostic(self.doc.file, line, col, message, dotted(path), hint=hint, code="expression"))

    def expression(self, path: tuple, scope: expressions.Scope, where: str, *, want_bool: bool):
        """Parse and name-check the expression at ``path``; returns it, or None when broken."""
        if self.bad(path):
            return None
        node: Any = self.data
        for part in path:
            node = node[part]
        if not isinstance(node, str):
            return None
        try:
            parsed = expressions.parse(node)
        except expressions.ExpressionError as exc:
            hint = exc.hint
            if node[exc.offset:exc.offset + 1] == "=" and node[exc.offset + 1:exc.offset + 2] != "=":
                hint = "to compare, write '=='"
            if exc.percent:
                hint = self.percent_advice(path, node, exc.offset, exc.percent) or hint
            self.expression_error(path, node, f"{where}: {exc.message}", exc.offset, hint=hint)
            return None
        problems = expressions.check(parsed, expressions.Scope(where, scope.names, scope.context, scope.previous),
                                     want_bool=want_bool)
        for p in problems:
            self.expression_error(path, node, p.message, p.offset, hint=_expression_hint(p.message, want_bool))
        if problems:
            return None
        self.check_grade_literals(path, parsed)
        self.parsed[path] = parsed
        return parsed

    def percent_advice(self, path: tuple, text: str, offset: int, percent: str) -> str:
        """What to write for ``percent`` (``5%``) at ``offset`` of the expression at ``path``: a KPI target in its
        metric's unit; in a comparison, the unit of what it is compared with (a ratio metric: ``0.05``; a score:
        ``5`` points); "" when neither says."""
        from appraise.i18n import message_locale, say
        from appraise.language.expr.parsing import _fraction

        locale = message_locale()
        written = percent  # as in the text; shown without spaces
        percent = percent.replace(" ", "")
        number, fraction = percent.rstrip("%％").strip(), _fraction(percent)

        def fixed(value: str, advice: str) -> str:
            whole = (text[:offset] + value + text[offset + len(written):]).strip()
            return advice if whole == value else say("fix.example", locale, advice=advice, fixed=whole)

        unit, name = None, ""
        if len(path) >= 3 and path[-1] == "target" and path[-3] == "kpis":
            node: Any = self.data
            for part in path[:-1]:
                node = node[part]
            name = str(node.get("metric", path[-2])) if isinstance(node, dict) else str(path[-2])
            unit = self.metrics.get(name, {}).get("unit") or "number"
            if unit not in ("ratio", "percent"):
                example = next((m for m, spec in self.metrics.items() if m != name and spec.get("unit") == unit), "")
                example = f"{example or 'quota'} * {fraction}"
                return say("percent.in_unit", locale, unit=unit, name=name, text=percent, example=example)
        else:
            name, unit = self._compared_with(text, offset, written, fraction)
        if unit == "ratio":
            return fixed(fraction, say("percent.ratio", locale, name=name, fraction=fraction, text=percent))
        if unit == "percent":
            return fixed(number, say("percent.in_percent", locale, name=name, number=number))
        if unit == "points":
            return fixed(number, say("percent.score", locale, number=number, text=percent))
        return say("percent.number", locale, fraction=fraction, number=number, text=percent)

    def _compared_with(self, text: str, offset: int, percent: str, fraction: str) -> tuple[str, str | None]:
        """The name the percentage at ``offset`` is compared with, and its unit (a metric's; ``points`` for a
        score); (\"\", None) when it is not compared with a name."""
        try:
            parsed = expressions.parse(text[:offset] + fraction + text[offset + len(percent):])
        except expressions.ExpressionError:
            return "", None
        for node in ast.walk(parsed.tree):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            at = [i for i, o in enumerate(operands) if isinstance(o, ast.Constant)
                  and expressions.char_offset(parsed.text, o) == offset]
            if not at:
                continue
            i = at[0]
            for other in ([operands[i - 1]] if i else []) + ([operands[i + 1]] if i + 1 < len(operands) else []):
                if isinstance(other, ast.Name):
                    if other.id in ("score",):
                        return other.id, "points"
                    spec = self.metrics.get(other.id)
                    if isinstance(spec, dict):
                        return other.id, spec.get("unit")
                if isinstance(other, ast.Attribute) and other.attr == "score":
                    return f"previous.{other.attr}", "points"
        return "", None

    def check_grade_literals(self, path: tuple, parsed) -> None:
        """``grade == "E"`` or ``grade in ["A", "E"]`` must name existing grades."""
        if not self.grades:
            return
        grade_like = {"grade", "grade_uncalibrated"}

        def is_grade(node) -> bool:
            return (isinstance(node, ast.Name) and node.id in grade_like) or \
                (isinstance(node, ast.Attribute) and node.attr in grade_like)

        for node in ast.walk(parsed.tree):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            if not any(is_grade(o) for o in operands):
                continue
            for o in operands:
                items = o.elts if isinstance(o, (ast.List, ast.Tuple)) else [o]
                for item in items:
                    if isinstance(item, ast.Constant) and isinstance(item.value, str) and item.value not in self.grades:
                        self.expression_error(path, parsed.text,
                                              f"'{item.value}' is not a grade{did_you_mean(item.value, self.grades)}",
                                              expressions.char_offset(parsed.text, item),
                                              hint="the grades are " + ", ".join(self.grades))
