"""Metrics: a metric is not also an employee column, formulas check, and no formulas go round in a circle."""
from __future__ import annotations

from typing import Any

from appraise.language.validate.common import BUILT_IN_ATTRIBUTES
from appraise.language.validate.expressions import ExpressionChecks


class MetricChecks(ExpressionChecks):
    """Metric names and formulas."""

    def check_metrics(self) -> None:
        attrs = self.section("attributes")
        formulas: dict[str, Any] = {}
        for name, spec in self.metrics.items():
            if name in attrs or name in BUILT_IN_ATTRIBUTES or name in ("tenure_months", "employed_share"):
                self.error(("metrics", name), f"'{name}' is both an employee column (attribute) and a metric",
                           key=True, hint="rename one of them so expressions know which is meant")
            if "formula" in spec:
                parsed = self.expression(("metrics", name, "formula"), self.scope_formula,
                                         f"the formula of metric '{name}'", want_bool=False)
                if parsed is not None:
                    formulas[name] = parsed
        graph = {m: sorted((n for n in e.names if n in formulas), key=list(self.metrics).index)
                 for m, e in formulas.items()}
        reported: set[frozenset] = set()
        for start in formulas:
            cycle = _find_cycle(graph, start)
            if cycle and frozenset(cycle) not in reported and cycle[0] == start:
                reported.add(frozenset(cycle))
                self.error(("metrics", start, "formula"),
                           "formulas go round in a circle: " + " → ".join(cycle + [start]),
                           hint="a formula may only use metrics that do not depend on it", code="formula-cycle")


def _find_cycle(graph: dict[str, list[str]], start: str) -> list[str] | None:
    """A path ``start → ... → start`` in ``graph``, or None."""
    stack = [(start, iter(graph.get(start, ())))]
    path = [start]
    on_path = {start}
    visited = set()
    while stack:
        node, children = stack[-1]
        for child in children:
            if child == start:
                return list(path)
            if child not in on_path and child not in visited:
                stack.append((child, iter(graph.get(child, ()))))
                path.append(child)
                on_path.add(child)
                break
        else:
            stack.pop()
            visited.add(node)
            on_path.discard(path.pop())
    return None
