"""Team roll-ups in a ruleset: each rolls up a declared metric through a declared string column, and no roll-up
reads itself through the metrics it rolls up (README "Team roll-up and split credit").

Messages are written in English, each at the line and column of what to change; :data:`appraise.i18n.DIAGNOSTICS`
renders them in Chinese.
"""
from __future__ import annotations

from appraise.language.validate.common import did_you_mean
from appraise.language.validate.expressions import ExpressionChecks


class TeamChecks(ExpressionChecks):
    """``metrics: {<name>: {rollup: {of, scope, aggregate, include_self, via}}}``."""

    def check_rollups(self) -> None:
        rollups = {name: spec["rollup"] for name, spec in self.metrics.items() if isinstance(spec.get("rollup"), dict)}
        if not rollups:
            return
        for name, r in rollups.items():
            at = ("metrics", name, "rollup")
            of = r.get("of")
            if isinstance(of, str) and not self.bad(at + ("of",)):
                if of == name:
                    self.error(at + ("of",), f"the roll-up '{name}' rolls up itself",
                               hint="name the reports' metric, e.g. of: revenue", code="rollup")
                elif of not in self.metrics:
                    self.error(at + ("of",), f"the roll-up '{name}' reads '{of}', which is not a declared metric"
                               f"{did_you_mean(of, list(self.metrics))}", code="reference",
                               hint=f"declare it under metrics: ({of}: {{aggregate: sum}})")
            via = r.get("via", "manager")
            if isinstance(via, str) and not self.bad(at + ("via",)):
                declared = self.section("attributes")
                where = at + ("via",) if "via" in r else at
                if via not in declared:
                    self.error(where, f"the roll-up '{name}' follows the employee column '{via}', which the ruleset "
                               "does not declare", key="via" not in r,
                               hint=f"add it to attributes: ({via}: string), the id of each person's manager",
                               code="rollup")
                elif declared[via] != "string":
                    self.error(("attributes", via), f"'{via}' holds managers' ids, which a team roll-up reads, so "
                               f"it must be declared string, not {declared[via]}", code="rollup")
            spec = self.metrics[name]
            if spec.get("optional"):
                self.error(("metrics", name, "optional"), f"'{name}' is a team roll-up; optional: applies only to "
                           "metrics the data gives", key=True,
                           hint="remove it; the roll-up is missing whenever a report's value is", code="rollup")
        self._rollup_cycles(rollups)

    def _rollup_cycles(self, rollups: dict[str, dict]) -> None:
        """A roll-up of a formula that reads the roll-up (or of another roll-up that does) cannot be computed."""
        reads: dict[str, set[str]] = {}
        for name, spec in self.metrics.items():
            if name in rollups and isinstance(rollups[name].get("of"), str):
                reads[name] = {rollups[name]["of"]}
            elif isinstance(spec.get("formula"), str):
                parsed = self.parsed.get(("metrics", name, "formula"))
                reads[name] = set(parsed.names) & set(self.metrics) if parsed is not None else set()
        for name in rollups:
            path = _path_back(reads, name)
            if path:
                self.error(("metrics", name, "rollup", "of"), "the roll-up reads itself: " + " → ".join(path),
                           hint="a roll-up may only read metrics that do not depend on it", code="formula-cycle")


def _path_back(reads: dict[str, set[str]], start: str) -> list[str] | None:
    """``start → … → start`` through ``reads``, or None (breadth first: the shortest)."""
    frontier = [[start]]
    seen = {start}
    while frontier:
        nxt = []
        for path in frontier:
            for n in sorted(reads.get(path[-1], ())):
                if n == start:
                    return path + [start]
                if n not in seen:
                    seen.add(n)
                    nxt.append(path + [n])
        frontier = nxt
    return None
