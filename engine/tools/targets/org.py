"""The organisation as a tree, from the employee table: units named by columns (``region``, ``team``) or by a
``manager`` column (every manager's team a unit, at any depth), people at the leaves.

Who is in it: the people the plan's ``people:`` condition selects (everyone when it has none) who work in a
month of the plan year, or hold a closed month's target of a re-plan.  Each must be in a unit at every level: a
blank unit cell, a manager who is not in the table, or a chain of managers that comes back to itself is an error
at the employee table's cell.  Someone who both carries a target and manages people who do (a *player-coach*)
needs the manager level's ``player_coach``: ``within`` puts their own target inside their team's unit (the
team's target includes it), ``on_top`` beside it, in their own manager's ``direct`` unit (the team's target is
their reports' alone; the two together are what they answer for); without it they are an error.

A unit's *history* is everyone the condition selects whose cells place them in it today, leavers included: last
year's actuals count where those people are now.  Paths are unit names joined by ``/`` (``east/east-1``); a
person's path ends in their id.  A manager with both teams and direct reports gets a unit ``<id>/direct`` for the
latter, so every unit's parts are all units or all people.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from appraise.display import did_you_mean
from appraise.errors import Diagnostic
from appraise.language import expr as expressions
from appraise.tools.targets.plan import Level, Plan, Say
from appraise.tools.targets.sources import Data

DIRECT = "direct"


@dataclass
class Unit:
    """A unit (or the company, path ``""``): its parts' paths, the people under it, its level's index."""

    path: str
    name: str
    level: int                     # index of the plan level its *parts* are split by
    parts: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)   # people of the plan under it
    history: list[str] = field(default_factory=list)   # everyone selected whose cells place them in it

    @property
    def depth(self) -> int:
        return 0 if not self.path else self.path.count("/") + 1


@dataclass
class Org:
    units: dict[str, Unit]               # by path, the company first, then in table order
    people: dict[str, str]               # employee id -> path of their leaf
    selected: list[str]                  # everyone the condition selects (the company's history)
    levels: tuple[Level, ...]
    coaches: dict[str, str] = field(default_factory=dict)   # player-coach id -> path of the team they manage

    def coach(self, person: str) -> tuple[str, str] | None:
        """A player-coach's ``(mode, team path)`` (``within`` or ``on_top``), else None."""
        team = self.coaches.get(person)
        if team is None:
            return None
        mode = next((lv.player_coach for lv in self.levels if lv.kind == "manager"), None)
        return str(mode), team

    def unit_of(self, person: str) -> str:
        return self.people[person].rpartition("/")[0]

    def ancestors(self, path: str) -> list[str]:
        """The paths above ``path``, nearest first, the company (``""``) last."""
        out = []
        while path:
            path = path.rpartition("/")[0]
            out.append(path)
        return out

    def level_of(self, path: str) -> Level:
        """The level whose key gives ``path`` (a unit or a person) its share of the unit above."""
        parent = path.rpartition("/")[0]
        return self.levels[self.units[parent].level]

    def resolve(self, name: str) -> tuple[str | None, list[str]]:
        """A unit or person named by path, by id or by its own name when that is unique: ``(path, [])``, or
        ``(None, candidates)`` when it names several (``candidates`` empty: none)."""
        if name in self.units and name:
            return name, []
        if name in self.people:
            return self.people[name], []
        found = [p for p in self.units if p and p.rpartition("/")[2] == name]
        if len(found) == 1:
            return found[0], []
        return None, found

    def names(self) -> list[str]:
        return [u.name for u in self.units.values() if u.path] + list(self.people)


def selected(plan: Plan, data: Data, say: Say, errors: list[Diagnostic]) -> list[str]:
    """The ids the plan's ``people:`` condition selects (every employee without one)."""
    if plan.people is None:
        return list(data.employees)
    names = sorted(plan.people.names)
    columns = set(data.columns)
    line, col = plan.doc.expression_column(("people",))
    bad = False
    for name in names:
        if name not in columns:
            at = plan.people.text.find(name)
            errors.append(Diagnostic(plan.doc.file, line, col + max(at, 0), say(
                "targets.err.people_column", name=name, suggestion=did_you_mean(name, sorted(columns))), "people",
                code="plan"))
            bad = True
    if bad:
        return []
    return [e.id for e in data.employees.values()
            if expressions.holds(plan.people, {n: e.cells.get(n) for n in names})]


def build(plan: Plan, data: Data, say: Say, errors: list[Diagnostic]) -> Org:
    """The tree of the plan's people; problems are added to ``errors`` (the tree is then incomplete)."""
    chosen = selected(plan, data, say, errors)
    months = plan.months
    in_plan = [e for e in chosen if any(data.employees[e].employed(m) for m in months) or e in data.previous]
    levels = plan.levels
    units: dict[str, Unit] = {"": Unit("", plan.id, 0)}
    people: dict[str, str] = {}
    unit_levels = [lv for lv in levels if lv.kind != "person"]
    manager = unit_levels[0] if unit_levels and unit_levels[0].kind == "manager" else None
    chains: dict[str, list[str] | None] = {}
    coaches: dict[str, str] = {}
    if manager is not None:
        chains, players, hosts = _manager_chains(manager, data, chosen, set(in_plan), say, errors)
        for emp in players:
            chain = chains.get(emp)
            if chain is not None:
                coaches[emp] = "/".join([*chain, emp])
    for emp in chosen:
        e = data.employees[emp]
        if manager is not None:
            chain = chains.get(emp)
            if chain is None:
                continue
            names = chain
            if emp in coaches and manager.player_coach == "within":  # their own target inside their team
                names = [*chain, emp]
            elif emp in hosts:  # beside the unit named after them: among their own manager's direct reports
                names = [*chain, DIRECT]
        else:
            names = []
            for lv in unit_levels:
                value = (e.cells.get(lv.column) or "").strip()
                if not value or "/" in value:
                    names = []
                    if emp in in_plan:
                        key = "targets.err.no_unit" if not value else "targets.err.slash"
                        errors.append(e.diag(lv.column, say(key, id=emp, column=lv.column, value=value),
                                             hint=say("targets.hint.no_unit")))
                    break
                names.append(value)
            if unit_levels and not names:
                continue
        path = ""
        for depth, name in enumerate(names):
            child = f"{path}/{name}" if path else name
            if child not in units:
                units[child] = Unit(child, name, depth + 1 if manager is None else 0)
                units[path].parts.append(child)
            units[child].history.append(emp)
            path = child
        if emp in in_plan:
            leaf = f"{path}/{emp}" if path else emp
            people[emp] = leaf
            units[path].parts.append(leaf)
            for p in [path] + _above(path):
                units[p].members.append(emp)
    units[""].history = list(chosen)
    if manager is not None:
        _split_direct(units, people)
    person_level = len(levels) - 1
    for u in units.values():
        if u.parts and u.parts[0] in people.values():
            u.level = person_level
        elif manager is not None:
            u.level = 0
    return Org(units, people, chosen, levels, coaches)


def _above(path: str) -> list[str]:
    out = []
    while path:
        path = path.rpartition("/")[0]
        out.append(path)
    return out


def _manager_chains(level: Level, data: Data, chosen: list[str], in_plan: set[str], say: Say,
                    errors: list[Diagnostic]) -> tuple[dict[str, list[str] | None], list[str], set[str]]:
    """Each selected person's managers from the top down (``None``: no usable chain, an error said why for
    the people of the plan), the player-coaches (people of the plan who manage people of the plan; an error
    each when the level has no ``player_coach``) and every person of the plan a unit is named after (the
    player-coaches, and those who manage only people outside the plan, such as last year's leavers)."""
    column = level.column
    out: dict[str, list[str] | None] = {}
    reported: set[frozenset[str]] = set()
    managers_of_plan: set[str] = set()
    managers_of_anyone: set[str] = set()
    tops: list[str] = []
    for emp in chosen:
        e = data.employees[emp]
        chain: list[str] = []
        seen = {emp: 0}
        current = e
        ok = True
        while True:
            boss = (current.cells.get(column) or "").strip()
            if not boss:
                break
            if boss in seen:
                loop = [emp, *chain][seen[boss]:] + [boss]
                key = frozenset(loop)
                if key not in reported and emp in in_plan:
                    reported.add(key)
                    errors.append(current.diag(column, say("targets.err.manager_cycle", column=column,
                                                           cycle=" → ".join(loop)),
                                               hint=say("targets.hint.manager_cycle")))
                ok = False
                break
            if boss not in data.employees:
                if emp in in_plan:
                    errors.append(current.diag(column, say("targets.err.manager_unknown", id=current.id, column=column,
                                                           value=boss) + did_you_mean(boss, data.employees)))
                ok = False
                break
            seen[boss] = len(seen)
            chain.append(boss)
            current = data.employees[boss]
        if ok and not chain:
            tops.append(emp)  # at the top: a unit only as a player-coach (decided below, once all are known)
            continue
        out[emp] = list(reversed(chain)) if ok else None
        if ok and emp in in_plan:
            managers_of_plan.update(chain)
        if ok:
            managers_of_anyone.update(chain)
    players = sorted(managers_of_plan & in_plan, key=list(data.employees).index)
    for emp in tops:
        if level.player_coach is not None and emp in players:
            out[emp] = []  # heads the company's tree and carries a target: their team is a unit at the top
            continue
        if emp in in_plan:
            errors.append(data.employees[emp].diag(column, say("targets.err.no_unit", id=emp, column=column,
                                                               value=""), hint=say("targets.hint.no_unit")))
        out[emp] = None
    if level.player_coach is None:
        for emp in players:
            errors.append(data.employees[emp].diag(column, say("targets.err.player_coach", id=emp)))
    return out, players, managers_of_anyone & in_plan


def _split_direct(units: dict[str, Unit], people: dict[str, str]) -> None:
    """A manager unit with both units and people as parts: its people go into a unit ``<path>/direct``."""
    leaves = set(people.values())
    for u in list(units.values()):
        persons = [p for p in u.parts if p in leaves]
        if not persons or len(persons) == len(u.parts):
            continue
        direct = f"{u.path}/{DIRECT}" if u.path else DIRECT
        unit = units.get(direct)  # made already for an on_top player-coach's own target
        if unit is None:
            unit = units[direct] = Unit(direct, DIRECT, 0)
        for p in persons:
            emp = p.rpartition("/")[2]
            new = f"{direct}/{emp}"
            people[emp] = new
            leaves.discard(p)
            leaves.add(new)
            unit.parts.append(new)
            unit.members.append(emp)
            unit.history.append(emp)
        u.parts = [p for p in u.parts if p not in persons and p != direct] + [direct]
