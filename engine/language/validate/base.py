"""The state every ruleset check reads (the document, its well-formed parts, the problems found) and
the small checks several of them use (weights that total 100, ascending values, unique ids, grade keys)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from appraise.errors import Diagnostic, dotted
from appraise.language import expr as expressions
from appraise.language.load import Document
from appraise.language.validate.common import ATTRIBUTE_TYPES, BUILT_IN_ATTRIBUTES, did_you_mean, fmt, number


class RulesetBase:
    """The semantic checks of one ruleset share this state; each concern is a mixin of
    :class:`appraise.language.validate.rulesets.RulesetCheck`."""

    attributes: dict[str, str]
    metrics: dict[str, dict]
    cards: dict[str, dict[str, dict]]
    grades: list[str]
    scope_employee: expressions.Scope
    scope_rule: expressions.Scope
    scope_outcome: expressions.Scope
    scope_formula: expressions.Scope

    def __init__(self, doc: Document, schema_errors: set[str]):
        self.doc = doc
        self.data: dict = doc.data
        self.out: list[Diagnostic] = []
        self.schema_errors = schema_errors
        self._lines: list[str] | None = None
        self.parsed: dict[tuple, expressions.Expression] = {}  # every expression that passed, by its path

    # -- helpers

    def bad(self, path: tuple) -> bool:
        """Whether the schema already reported a problem at or inside ``path``."""
        p = dotted(path)
        for e in self.schema_errors:
            if e == p or e.startswith(p + ".") or e.startswith(p + "[") or (p.startswith(e) and p[len(e):][:1] in ".["):
                return True
        return False

    def error(self, path: tuple, message: str, *, key: bool = False, hint: str = "", code: str = "") -> None:
        self.out.append(self.doc.diag(path, message, key=key, hint=hint, code=code or "semantic"))

    def section(self, name: str, kind: type = dict):
        value = self.data.get(name)
        return value if isinstance(value, kind) else kind()

    # -- names

    def read_attributes(self) -> dict[str, str]:
        declared = self.section("attributes")
        for name in declared:
            if name in ("tenure_months", "employed_share"):
                self.error(("attributes", name), f"'{name}' is computed by appraise for every employee; it cannot "
                           "be an attribute", key=True, hint="rename the column (and map it with columns:)")
            if name in BUILT_IN_ATTRIBUTES:
                self.error(("attributes", name), f"'{name}' is built in; it cannot be declared again", key=True,
                           hint=f"remove it from attributes (built in: {', '.join(BUILT_IN_ATTRIBUTES)})")
        out = dict(BUILT_IN_ATTRIBUTES)
        # a column with a broken type is still a column: expressions using it should not fail twice
        out.update({k: v if isinstance(v, str) and v in ATTRIBUTE_TYPES else "unknown" for k, v in declared.items()
                    if k not in BUILT_IN_ATTRIBUTES})
        return out

    def read_scorecards(self) -> dict[str, dict[str, dict]]:
        """scorecard id -> dimension id -> dimension mapping (well-formed ones only)."""
        out = {}
        for sc_id, sc in self.section("scorecards").items():
            dims = sc.get("dimensions") if isinstance(sc, dict) else None
            out[sc_id] = {d: v for d, v in dims.items() if isinstance(v, dict)} if isinstance(dims, dict) else {}
        return out

    def kpis(self, sc_id: str, dim_id: str) -> dict[str, dict]:
        kpis = self.cards.get(sc_id, {}).get(dim_id, {}).get("kpis")
        return {k: v for k, v in kpis.items() if isinstance(v, dict)} if isinstance(kpis, dict) else {}

    def all_paths(self) -> dict[str, None]:
        """Every ``dimension`` and ``dimension.kpi`` of any scorecard, in file order."""
        out: dict[str, None] = {}
        for sc_id, dims in self.cards.items():
            for d in dims:
                out[d] = None
                for k in self.kpis(sc_id, d):
                    out[f"{d}.{k}"] = None
        return out

    def kpi_matches(self, ref: str) -> list[tuple[str, str, str]]:
        """(scorecard, dimension, kpi) triples a KPI reference (``revenue`` or ``results.revenue``) names."""
        dim, _, kpi = ref.rpartition(".")
        out = []
        for sc_id, dims in self.cards.items():
            for d in dims:
                if dim and d != dim:
                    continue
                if kpi in self.kpis(sc_id, d):
                    out.append((sc_id, d, kpi))
        return out

    def all_kpi_refs(self) -> list[str]:
        out: dict[str, None] = {}
        for sc_id, dims in self.cards.items():
            for d in dims:
                for k in self.kpis(sc_id, d):
                    out[k] = None
                    out[f"{d}.{k}"] = None
        return list(out)

    def in_card(self, sc_id: str, path: str) -> bool:
        dim, _, kpi = path.partition(".")
        if dim not in self.cards.get(sc_id, {}):
            return False
        return not kpi or kpi in self.kpis(sc_id, dim)

    # -- checks several sections use

    def weight_sum(self, group_path: tuple, members: dict, what: str) -> None:
        """The weights of a group must total exactly 100 (decimal arithmetic: 33.33+33.33+33.34 is 100)."""
        total = Decimal(0)
        parts = []
        for name, spec in members.items():
            w = spec.get("weight") if isinstance(spec, dict) else spec
            if not number(w):
                return  # the schema reported it
            try:
                total += Decimal(str(w))
            except InvalidOperation:
                return
            parts.append(f"{name} {fmt(w)}")
        if members and total != 100:
            self.error(group_path, f"the weights of {what} add up to {fmt(total)}, not 100", key=True,
                       hint="change them so they total exactly 100: " + " + ".join(parts), code="weights-sum")

    def ascending(self, values: list, path: tuple, tail: tuple, what: str, field_name: str) -> None:
        for i in range(1, len(values)):
            a, b = values[i - 1], values[i]
            if number(a) and number(b) and b <= a:
                self.error(path + (i,) + tail, f"{what} must go up: {field_name} {fmt(b)} comes after {fmt(a)}",
                           hint=f"list them from the lowest {field_name} to the highest, each higher than the one "
                           "before",
                           code="order")

    def unique(self, seen: dict, value: Any, path: tuple, what: str) -> None:
        if not isinstance(value, str):
            return
        if value in seen:
            self.error(path, f"{what} '{value}' is used twice (first at line {seen[value]})",
                       hint="give each one its own id", code="duplicate")
        else:
            seen[value] = self.doc.where(path)[0]

    def grade_key(self, path: tuple, grade: str) -> bool:
        if grade in self.grades:
            return True
        self.error(path, f"'{grade}' is not a grade" + did_you_mean(grade, self.grades), key=True,
                   hint="the grades are " + ", ".join(self.grades), code="reference")
        return False
