"""Reweighting rules: their targets resolve, and every combination of rules that can fire together
leaves valid weights (applied in file order with exact fractions, the arithmetic the engine uses)."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from appraise.language import expr as expressions
from appraise.language.validate.common import MAX_RULES_PER_COMPONENT, did_you_mean, fmt, number
from appraise.language.validate.expressions import ExpressionChecks
from appraise.language.weights import WeightError, drop_weight, set_weight, shift_weight


class RuleChecks(ExpressionChecks):
    """Reweighting rules, one by one and in every combination that can fire together."""

    def check_rules(self) -> None:
        rules = self.section("rules", list)
        paths = self.all_paths()
        seen: dict[str, int] = {}
        good: list[tuple[int, dict]] = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                continue
            rpath = ("rules", i)
            self.unique(seen, rule.get("id"), rpath + ("id",), "rule id")
            if "when" in rule:
                self.expression(rpath + ("when",), self.scope_rule, f"the condition of rule '{rule.get('id')}'",
                                want_bool=True)
            ok = not self.bad(rpath)
            for j, action in enumerate(rule.get("then") or []):
                if isinstance(action, dict) and not self.bad(rpath + ("then", j)):
                    ok &= self._check_action(rpath + ("then", j), action, paths)
            if ok:
                good.append((i, rule))
        for sc_id in self.cards:
            self._check_combinations(sc_id, good)

    def _path_exists(self, where: tuple, path: str, paths: Mapping, key: bool = False) -> bool:
        if path in paths:
            return True
        kind = "dimension or KPI" if "." in path else "dimension"
        self.error(where, f"'{path}' is not a {kind} of any scorecard" + did_you_mean(path, paths), key=key,
                   hint="write a dimension ('results') or a dimension and KPI ('results.revenue')", code="reference")
        return False

    def _check_action(self, path: tuple, action: dict, paths: Mapping) -> bool:
        ok = True
        if "set" in action:
            for target in action["set"]:
                ok &= self._path_exists(path + ("set", target), target, paths, key=True)
        if "drop" in action:
            drops = action["drop"] if isinstance(action["drop"], list) else [action["drop"]]
            for n, target in enumerate(drops):
                where = path + ("drop", n) if isinstance(action["drop"], list) else path + ("drop",)
                ok &= self._path_exists(where, target, paths)
        if "shift" in action:
            sh = action["shift"]
            a = self._path_exists(path + ("shift", "from"), sh["from"], paths)
            b = self._path_exists(path + ("shift", "to"), sh["to"], paths)
            ok &= a and b
            if a and b:
                pa, pb = sh["from"].rpartition(".")[0], sh["to"].rpartition(".")[0]
                if sh["from"] == sh["to"]:
                    self.error(path + ("shift", "to"), f"shift moves weight from '{sh['from']}' to itself",
                               hint="'to' must be another dimension, or another KPI of the same dimension")
                    ok = False
                elif pa != pb or ("." in sh["from"]) != ("." in sh["to"]):
                    self.error(path + ("shift",), f"shift moves weight from '{sh['from']}' to '{sh['to']}', which "
                               "are not in the same group", key=True,
                               hint="shift between two dimensions, or between two KPIs of the same dimension")
                    ok = False
                elif not any(self.in_card(c, sh["from"]) and self.in_card(c, sh["to"]) for c in self.cards):
                    self.error(path + ("shift",), f"no scorecard has both '{sh['from']}' and '{sh['to']}'", key=True)
                    ok = False
        if "scale_target" in action:
            for ref in action["scale_target"]:
                if not self.kpi_matches(ref):
                    self.error(path + ("scale_target", ref), f"'{ref}' is not a KPI of any scorecard"
                               + did_you_mean(ref, self.all_kpi_refs()), key=True, code="reference")
                    ok = False
        return ok

    def _check_combinations(self, sc_id: str, rules: list[tuple[int, dict]]) -> None:
        """Every subset of the rules that touch overlapping weight groups, applied in file order."""
        dims = self.cards[sc_id]
        groups: dict[tuple, dict[str, Fraction]] = {}
        if all(number(d.get("weight")) for d in dims.values()):
            groups[()] = {d: Fraction(Decimal(str(v["weight"]))) for d, v in dims.items()}
        for d in dims:
            kpis = self.kpis(sc_id, d)
            if kpis and all(number(k.get("weight")) for k in kpis.values()):
                groups[(d,)] = {k: Fraction(Decimal(str(v["weight"]))) for k, v in kpis.items()}

        def locate(path: str):
            dim, _, kpi = path.partition(".")
            group = (dim,) if kpi else ()
            member = kpi or dim
            return (group, member) if group in groups and member in groups[group] else None

        # rules that can never fire for this scorecard's employees, or never together, are not combined
        card_when = self.parsed.get(("scorecards", sc_id, "applies_to"))
        when = {i: self.parsed.get(("rules", i, "when")) for i, _ in rules}
        if card_when is not None:
            rules = [(i, r) for i, r in rules if (w := when[i]) is None or not expressions.exclusive(w, card_when)]

        def apart(i: int, j: int) -> bool:
            a, b = when[i], when[j]
            return a is not None and b is not None and expressions.exclusive(a, b)

        ops_of: dict[int, list] = {}
        for i, rule in rules:
            ops: list[tuple] = []
            for j, action in enumerate(rule["then"]):
                at = ("rules", i, "then", j, next(iter(action)))
                for target, w in (action.get("set") or {}).items():
                    if (g := locate(target)) and number(w):
                        ops.append(("set", at, g[0], g[1], Fraction(Decimal(str(w))), target))
                if "shift" in action:
                    sh = action["shift"]
                    a, b = locate(sh["from"]), locate(sh["to"])
                    if a and b and a[0] == b[0] and number(sh["points"]):
                        ops.append(("shift", at, a[0], a[1], (b[1], Fraction(Decimal(str(sh["points"])))), sh["from"]))
                if "drop" in action:
                    for target in action["drop"] if isinstance(action["drop"], list) else [action["drop"]]:
                        if g := locate(target):
                            ops.append(("drop", at, g[0], g[1], None, target))
            if ops:
                ops_of[i] = ops
        # rules that touch a common group interact; rules in different groups cannot break each other
        parent = {i: i for i in ops_of}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        owner: dict[tuple, int] = {}
        for i, ops in ops_of.items():
            for op in ops:
                if op[2] in owner:
                    parent[find(i)] = find(owner[op[2]])
                else:
                    owner[op[2]] = i
        components: dict[int, list[int]] = {}
        for i in ops_of:
            components.setdefault(find(i), []).append(i)
        ids = {i: str(rule.get("id")) for i, rule in rules}
        for members in components.values():
            members.sort()
            if len(members) > MAX_RULES_PER_COMPONENT:
                self.error(("rules", members[0]),
                           f"{len(members)} rules change the same weights of scorecard '{sc_id}' "
                           f"({', '.join(ids[m] for m in members)}); appraise checks every combination of at most "
                           f"{MAX_RULES_PER_COMPONENT} such rules", key=True,
                           hint="merge rules that always fire together, or split the scorecard", code="rules-too-many")
                continue
            for subset, problem in _failing_combinations(groups, members, ops_of, apart):
                at, phrase, hint = self._phrase(problem, single=len(subset) == 1)
                who = (f"rule '{ids[subset[0]]}'" if len(subset) == 1 else
                       "rules " + " + ".join(ids[s] for s in subset) + " together")
                self.error(at, f"{who} {phrase} (scorecard '{sc_id}')", key=True, hint=hint, code="rules-weights")

    @staticmethod
    def _phrase(problem: tuple, single: bool) -> tuple[tuple, str, str]:
        """(where, what went wrong, hint) in words, conjugated for one rule or several."""
        kind, at, shown, weights, arg, exc = problem
        s = "" if not single else "s"
        total = fmt(sum(weights.values()))
        where = "scorecard's dimensions" if "." not in shown else f"KPIs of dimension '{shown.split('.')[0]}'"
        several = "make the rules' conditions exclusive, or change their weights"
        if kind == "shift" and exc is None:
            have = fmt(weights[shown.rpartition(".")[2]])
            return (at, f"shift{s} {fmt(arg[1])} points from '{shown}', which has {have}"
                    f"{'' if single else ' by then'}",
                    f"shift at most {have} points" if single else "lower the points, or make the rules' "
                    "conditions exclusive")
        if kind == "set" and arg > sum(weights.values()):
            return (at, f"set{s} '{shown}' to {fmt(arg)}, but the {where} total {total}", "" if single else several)
        if kind == "drop":
            return (at, f"drop{s} '{shown}', which {'' if single else 'by then '}carries all {total} points of the "
                    f"{where}; nothing is left to take them", "" if single else several)
        return (at, f"leave{s} no valid weights for the {where}: {exc}", "" if single else several)


def _apply_rule(state: dict, ops: list):
    """Apply one rule's weight actions with exact fractions: (new state, None) or (None, problem)."""
    state = dict(state)
    for kind, at, group, member, arg, shown in ops:
        weights = state[group]
        try:
            if kind == "set":
                state[group] = set_weight(weights, member, arg)
            elif kind == "shift":
                to, points = arg
                if weights[member] - points < 0:
                    return None, (kind, at, shown, weights, arg, None)
                state[group] = shift_weight(weights, member, to, points)
            else:
                state[group] = drop_weight(weights, member)
        except WeightError as exc:
            return None, (kind, at, shown, weights, arg, exc)
    return state, None


def _failing_combinations(groups: dict, members: list[int], ops_of: dict,
                          apart=lambda i, j: False) -> list[tuple[tuple, tuple]]:
    """The smallest sets of rules (applied in file order) that break a weight group, smallest first.

    Sets holding two rules that are ``apart`` (their conditions exclude each other) never fire
    and are not tried.

    Subsets are explored depth-first so each one costs a single rule application
    on top of its prefix; a failing subset's extensions are not explored, and a
    failure containing a smaller failure is not reported again.
    """
    failures: list[tuple[tuple, tuple]] = []

    def visit(state: dict, chosen: tuple, start: int) -> None:
        for pos in range(start, len(members)):
            rule = members[pos]
            if any(apart(c, rule) for c in chosen):
                continue
            after, problem = _apply_rule(state, ops_of[rule])
            subset = chosen + (rule,)
            if problem is not None:
                failures.append((subset, problem))
            else:
                visit(after, subset, pos + 1)

    visit(groups, (), 0)
    failures.sort(key=lambda f: (len(f[0]), f[0]))
    minimal: list[tuple[tuple, tuple]] = []
    for subset, problem in failures:
        if not any(set(m) <= set(subset) for m, _ in minimal):
            minimal.append((subset, problem))
    return minimal
