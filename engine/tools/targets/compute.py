"""The targets pipeline: a plan file in, every unit's and person's target by month out, with the provenance of
each share (what ``--explain``, the page and the workbook show; none of them computes a share again).

How a share is decided (README, "Targets from the annual plan"):

* The months allocated are the plan year's, or in a re-plan those after ``closed_through`` (the closed months'
  targets are the previous rows, kept as they are; the company's amount to allocate is the total less them).
* A person's *availability* in a month is 0 outside their employment, the ramp's share in their first months
  (the hire month is month 1), else 1.  Their month weights are availability × the seasonality of the month;
  the share of the allocated months they are available for (weights over the seasonality's own total) scales
  their key value, so a person joining in July counts for about half a year under every key but ``shares``.
* A unit's key value: ``equal`` 1; ``headcount`` its people's availability shares added; ``column`` the value
  stated under ``units:``, else its people's column values added; ``last_year`` its people's (leavers included)
  actuals of the same months last year; ``shares`` as written.  A unit with nobody available gets nothing.
* A person's ``last_year`` is their actual of the same months last year, scaled to the months of last year they
  were employed (hired in last October: three months scaled to the year); someone without actuals takes the
  mean of their unit's people who have some (everyone equal when nobody has).
* ``fixed`` parts take their amount (less what closed months already hold); their siblings share the rest.
* Each split is exact (:mod:`.allocate`): whole multiples of ``unit``, summing to the whole.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from appraise.display import did_you_mean
from appraise.errors import Diagnostic, InvalidInput
from appraise.i18n import formatter
from appraise.tools.targets import allocate as alloc
from appraise.tools.targets.org import Org, build
from appraise.tools.targets.plan import Level, Plan, Say, load_plan
from appraise.tools.targets.sources import Data, read


@dataclass(frozen=True)
class Step:
    """How one unit or person got its amount of the allocated months from the unit above."""

    path: str
    name: str
    level: str                       # the level's name: region, team, manager, person
    key: str                         # the key: equal, last_year, headcount, column X, shares
    value: Fraction                  # its key value
    total: Fraction                  # its siblings' key values together (its own included)
    pool: Fraction                   # what the siblings that are not fixed shared
    ideal: Fraction                  # its exact share before rounding
    amount: Fraction                 # what it got, for the allocated months
    closed: Fraction = Fraction(0)   # what the closed months already hold (a re-plan)
    fixed: str | None = None         # the reason, when fixed
    notes: tuple[tuple[str, Mapping[str, Any]], ...] = ()   # catalogue keys (targets.note.*) and their values

    @property
    def year(self) -> Fraction:
        return self.amount + self.closed


@dataclass(frozen=True)
class Person:
    """A person's months: availability, seasonality and the amounts."""

    id: str
    name: str
    path: str
    availability: Mapping[str, Fraction]      # allocated months they work in -> share of a full month
    season: Mapping[str, Fraction]            # allocated month -> its seasonal weight
    season_of: str                            # whose months: a unit's path, "company", "person", "equal", "weights"
    available: Fraction                       # the share of the allocated months they are available for
    base: Fraction | None                     # key value before availability
    last_year: Fraction | None                # last year's actual of the allocated months (scaled), None: none
    ideal: Mapping[str, Fraction]             # allocated month -> exact amount
    months: Mapping[str, Fraction]            # every month with a row -> target (closed months included)
    closed: Mapping[str, Fraction]            # closed month -> target kept


@dataclass
class Targets:
    """Everything ``appraise targets`` computed for one plan."""

    plan: Plan
    org: Org
    data: Data
    steps: dict[str, Step]
    people: dict[str, Person]
    units: dict[str, dict[str, Fraction]]       # unit path ("" the company) -> month -> target
    warnings: list[Diagnostic] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str, Fraction]]:
        """(employee, month, target) rows in the plan's granularity (a quarter dated at its first month)."""
        out = []
        for emp, person in self.people.items():
            for period, amount in _periods(person.months, self.plan.granularity).items():
                out.append((emp, period, amount))
        return out

    def unit_rows(self) -> list[tuple[str, str, str, Fraction]]:
        """(unit path, level, month, target) for the company and every unit, in the plan's granularity."""
        out = []
        for path, months in self.units.items():
            level = self.level_name(path)
            for period, amount in _periods(months, self.plan.granularity).items():
                out.append((path, level, period, amount))
        return out

    def level_name(self, path: str) -> str:
        """The name of the level a unit belongs to (``company`` for the company)."""
        if not path:
            return "company"
        return self.steps[path].level

    def coach(self, emp: str) -> dict[str, Any] | None:
        """A player-coach's own target and their team's for the year: ``mode`` (``within``: the team's includes
        their own; ``on_top``: it does not), ``team`` (its path), ``own``, ``team_target`` and ``total`` (what
        they answer for: the team's within, own + team's on top); None for anyone else."""
        found = self.org.coach(emp)
        if found is None:
            return None
        mode, team = found
        own = self.year(self.people[emp].path)
        of_team = self.year(team) if team in self.units else Fraction(0)
        return {"mode": mode, "team": team, "own": own, "team_target": of_team,
                "total": of_team if mode == "within" else own + of_team}

    def year(self, path: str) -> Fraction:
        """A unit's or person's target for the year (``""``: the company)."""
        if path in self.units:
            return sum(self.units[path].values(), Fraction(0))
        emp = path.rpartition("/")[2]
        return sum(self.people[emp].months.values(), Fraction(0))


def _periods(months: Mapping[str, Fraction], granularity: str) -> dict[str, Fraction]:
    if granularity == "month":
        return dict(sorted(months.items()))
    out: dict[str, Fraction] = {}
    for m, amount in sorted(months.items()):
        first = f"{m[:5]}{(int(m[5:]) - 1) // 3 * 3 + 1:02d}"
        out[first] = out.get(first, Fraction(0)) + amount
    return out


def amount_text(value: Fraction, unit: Fraction) -> str:
    """An amount as a decimal string with the unit's decimals (``1234.50`` for a unit of 0.01)."""
    exponent = (Decimal(unit.numerator) / Decimal(unit.denominator)).normalize().as_tuple().exponent
    places = max(0, -int(exponent))
    d = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{d:.{places}f}"


def run(path, lang: str = "en") -> Targets:
    """Load a plan file, read its sources and compute its targets; raises :class:`InvalidInput` with every
    problem, each at its ``file:line:col``."""
    plan = load_plan(path, lang)
    say = Say(lang)
    data = read(plan, say, _columns(plan))
    return compute(plan, data, say)


def _columns(plan: Plan) -> dict[str, str]:
    out: dict[str, str] = {}
    for lv in plan.levels:
        if lv.kind in ("unit", "manager"):
            out[lv.column] = "string"
        if lv.key.kind == "column":
            out[lv.key.column] = "number"
    return out


class _Problems:
    def __init__(self, plan: Plan, say: Say):
        self.plan = plan
        self.say = say
        self.errors: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []

    def error(self, path: tuple, key: str, *, at_key: bool = False, **values) -> None:
        self.errors.append(self.plan.diag(path, self.say(key, **values), key=at_key))

    def warn(self, path: tuple, key: str, *, at_key: bool = False, **values) -> None:
        self.warnings.append(self.plan.diag(path, self.say(key, **values), key=at_key, severity="warning",
                                            code="plan-check"))

    def stop(self) -> None:
        if self.errors:
            raise InvalidInput(sorted(self.errors + self.warnings, key=lambda d: (d.file, d.line, d.col)))


def compute(plan: Plan, data: Data, say: Say) -> Targets:
    """The targets of ``plan`` on ``data`` (see the module doc)."""
    p = _Problems(plan, say)
    p.warnings.extend(data.warnings)
    _check_columns(plan, data, p)
    p.stop()
    org = build(plan, data, say, p.errors)
    p.stop()
    open_months = plan.open_months
    last = {m: f"{plan.year - 1}{m[4:]}" for m in open_months}

    def history(ids) -> dict[str, Fraction]:
        out = {m: Fraction(0) for m in open_months}
        for emp in ids:
            rows = data.actuals.get(emp)
            if rows:
                for m in open_months:
                    out[m] += rows.get(last[m], Fraction(0))
        return out

    profiles: dict[str, dict[str, Fraction]] = {path: history(u.history) for path, u in org.units.items()}
    profiles[""] = history(org.selected)

    # closed months (a re-plan)
    closed: dict[str, dict[str, Fraction]] = {e: dict(rows) for e, rows in data.previous.items()}
    for emp in closed:
        if emp not in org.people:
            p.error(("previous",), "targets.err.previous_person", id=emp)
    for emp, rows in closed.items():
        for m, v in rows.items():
            if (v / plan.unit).denominator != 1 or v < 0:
                p.error(("previous",), "targets.err.previous_unit", id=emp, month=m,
                        value=amount_text(v, Fraction(1, 100)),
                        unit=amount_text(plan.unit, plan.unit))
                break
    p.stop()
    closed_total = sum((v for rows in closed.values() for v in rows.values()), Fraction(0))
    if closed_total > plan.total:
        p.error(("total",), "targets.err.closed_exceeds", total=amount_text(plan.total, plan.unit),
                closed=amount_text(closed_total, plan.unit), through=plan.closed_through or "")
        p.stop()

    # seasonality and availability, person by person
    people: dict[str, dict[str, Any]] = {}
    person_level = plan.levels[-1]
    for emp, leaf in org.people.items():
        e = data.employees[emp]
        season, season_of = _season(plan, org, emp, leaf, data, profiles, open_months, last, p)
        availability = {}
        for m in open_months:
            if e.employed(m):
                availability[m] = _ramp(person_level, e.hire, m)
        weight_total = sum(season.values(), Fraction(0))
        if weight_total == 0:
            p.error(plan.seasonality.where, "targets.err.season_zero")
            p.stop()
        available = sum((availability[m] * season[m] for m in availability), Fraction(0)) / weight_total
        people[emp] = {"season": season, "season_of": season_of, "availability": availability,
                       "available": available}

    # last year's actual of each person (scaled to the months they worked; a mean where they have none)
    last_year = _last_year(plan, org, data, open_months, last, p) if plan.actuals is not None else {}

    # key values
    steps_info: dict[str, dict[str, Any]] = {}
    shares_seen: dict[int, set[str]] = {}
    for unit in org.units.values():
        if not unit.parts:
            continue
        level = plan.levels[unit.level]
        if level.kind == "person":
            _person_values(plan, data, unit.parts, level, people, last_year, steps_info, p)
        else:
            for part in unit.parts:
                steps_info[part] = _unit_value(org, part, level, people, last_year)
        if level.key.kind == "shares":
            _shares(plan, org, unit.path, unit.parts, level, steps_info, shares_seen, p)
    for i, level in enumerate(plan.levels):
        if level.key.kind == "shares":
            for name in level.key.shares:
                if name not in shares_seen.get(i, set()):
                    p.error(level.key.where + ("shares", name), "targets.err.shares_unknown", at_key=True, name=name,
                            level=level.name, suggestion=did_you_mean(name, org.names()))
    p.stop()

    # fixed parts
    closed_of: dict[str, Fraction] = {}
    for emp, rows in closed.items():
        amount = sum(rows.values(), Fraction(0))
        leaf = org.people[emp]
        for path in [leaf, *org.ancestors(leaf)]:
            closed_of[path] = closed_of.get(path, Fraction(0)) + amount
    fixed: dict[str, tuple[Fraction, str]] = {}
    for f in plan.fixed:
        target, candidates = org.resolve(f.unit)
        if target is None:
            _unresolved(p, ("fixed", f.index, "unit"), f.unit, candidates, org)
            continue
        rest = f.amount - closed_of.get(target, Fraction(0))
        if rest < 0:
            p.error(("fixed", f.index, "amount"), "targets.err.fixed_closed", unit=f.unit,
                    amount=amount_text(f.amount, plan.unit), closed=amount_text(closed_of[target], plan.unit))
            continue
        fixed[target] = (rest, f.reason)
    facts: dict[str, dict[str, Fraction]] = {}
    for name, values in plan.units.items():
        target, candidates = org.resolve(name)
        if target is None:
            _unresolved(p, ("units", name), name, candidates, org, at_key=True)
            continue
        facts[target] = dict(values)
    p.stop()
    _apply_facts(plan, org, data, steps_info, facts, p)
    p.stop()
    # the tree, shared out
    def node(path: str) -> alloc.Node:
        info = steps_info.get(path, {"value": Fraction(0)})
        n = alloc.Node(path.rpartition("/")[2] if path else plan.id, info["value"],
                       fixed[path][0] if path in fixed else None)
        if path in org.units:
            n.children = [node(c) for c in org.units[path].parts]
        else:
            emp = path.rpartition("/")[2]
            info_p = people[emp]
            n.months = [(m, info_p["availability"][m] * info_p["season"][m]) for m in open_months
                        if m in info_p["availability"]]
        return n

    root = node("")
    try:
        shared = alloc.allocate(root, plan.total - closed_total, plan.unit)
    except alloc.AllocationError as exc:
        _allocation_error(exc, plan, org, fixed, p)
        p.stop()
        raise
    steps: dict[str, Step] = {}
    for path, share in shared.shares.items():
        if not path:
            continue
        info = steps_info.get(path, {})
        level = org.level_of(path)
        steps[path] = Step(path, path.rpartition("/")[2], level.name, level.key.describe(), share.weight,
                           share.total, share.pool, share.ideal, share.amount, closed_of.get(path, Fraction(0)),
                           fixed[path][1] if path in fixed else None, tuple(info.get("notes", ())))
    out_people: dict[str, Person] = {}
    units: dict[str, dict[str, Fraction]] = {path: {} for path in org.units}
    for emp, leaf in org.people.items():
        info = people[emp]
        months = dict(closed.get(emp, {}))
        months.update(shared.months.get(leaf, {}))
        months = dict(sorted(months.items()))
        e = data.employees[emp]
        out_people[emp] = Person(emp, e.name, leaf, info["availability"], info["season"], info["season_of"],
                                 info["available"], steps_info.get(leaf, {}).get("base"),
                                 steps_info.get(leaf, {}).get("last_year"), shared.month_ideal.get(leaf, {}),
                                 months, closed.get(emp, {}))
        for path in org.ancestors(leaf):
            for m, v in months.items():
                units[path][m] = units[path].get(m, Fraction(0)) + v
    units = {path: dict(sorted(months.items())) for path, months in units.items()}
    targets = Targets(plan, org, data, steps, out_people, units, p.warnings)
    _reachability(targets, facts, p)
    targets.warnings = sorted(p.warnings, key=lambda d: (d.file, d.line, d.col, d.message))
    return targets


def _check_columns(plan: Plan, data: Data, p: _Problems) -> None:
    """The employee columns the plan names exist."""
    columns = set(data.columns)
    for lv in plan.levels:
        if lv.kind in ("unit", "manager") and lv.column not in columns:
            p.error(lv.where + (lv.kind,), "targets.err.column_missing", column=lv.column,
                    suggestion=did_you_mean(lv.column, sorted(columns)))
    person = plan.levels[-1]
    if person.key.kind == "column" and person.key.column not in columns:
        p.error(person.key.where + ("column",), "targets.err.column_missing", column=person.key.column,
                suggestion=did_you_mean(person.key.column, sorted(columns)))


def _ramp(level: Level, hire, month: str) -> Fraction:
    if hire is None or not level.ramp:
        return Fraction(1)
    k = (int(month[:4]) - hire.year) * 12 + int(month[5:]) - hire.month + 1
    return level.ramp[k - 1] if 1 <= k <= len(level.ramp) else Fraction(1)


def _season(plan: Plan, org: Org, emp: str, leaf: str, data: Data, profiles, open_months, last,
            p: _Problems) -> tuple[dict[str, Fraction], str]:
    s = plan.seasonality
    if s.kind == "equal":
        return {m: Fraction(1) for m in open_months}, "equal"
    if s.kind == "weights":
        return {m: s.weights[m[5:]] for m in open_months}, "weights"
    unit = leaf.rpartition("/")[0]
    chain = [unit, *org.ancestors(unit)] if unit else [""]
    if s.of == "company":
        chain = [""]
    elif s.of == "person":
        own = data.actuals.get(emp, {})
        profile = {m: own.get(last[m], Fraction(0)) for m in open_months}
        if sum(profile.values(), Fraction(0)) > 0:
            return profile, "person"
    elif s.of != "manager":
        names = [lv.column for lv in plan.levels if lv.kind == "unit"]
        if s.of in names:
            depth = names.index(s.of) + 1
            chain = [c for c in chain if c and c.count("/") + 1 <= depth] + [""]
    for path in chain:
        profile = profiles[path]
        if sum(profile.values(), Fraction(0)) > 0:
            return dict(profile), path or "company"
    p.error(s.where, "targets.err.season_no_actuals", year=plan.year - 1)
    p.stop()
    raise AssertionError  # pragma: no cover


def _last_year(plan: Plan, org: Org, data: Data, open_months, last, p: _Problems) -> dict[str, dict[str, Any]]:
    """Each person's last-year actual of the months allocated, scaled to the months they worked then
    (``actual``, None without rows), and the value keys use (``base``: the actual, else the mean of the people
    with one in the nearest unit above that has any), with the notes that say which."""
    out: dict[str, dict[str, Any]] = {}
    for emp in org.people:
        rows = data.actuals.get(emp) or {}
        have = [m for m in open_months if last[m] in rows]
        entry: dict[str, Any] = {"actual": None, "notes": []}
        if have:
            total = sum((rows[last[m]] for m in have), Fraction(0))
            e = data.employees[emp]
            months = max(len([m for m in open_months if e.employed(last[m])]), len(have))
            entry["actual"] = total * len(open_months) / months
            if months < len(open_months):
                entry["notes"].append(("targets.note.annualised", {"months": months, "all": len(open_months)}))
        out[emp] = entry
    means: dict[str, Fraction | None] = {}
    for path, unit in org.units.items():
        known = [out[m]["actual"] for m in unit.members if out[m]["actual"] is not None]
        means[path] = sum(known, Fraction(0)) / len(known) if known else None
    for emp, entry in out.items():
        if entry["actual"] is not None:
            entry["base"] = entry["actual"]
            continue
        home = org.unit_of(emp)
        for path in [home, *org.ancestors(home)] if home else [""]:
            if means[path] is not None:
                entry["base"] = means[path]
                entry["notes"].append(("targets.note.no_actuals_mean", {"unit": path or plan.id}))
                break
        else:
            p.error(("actuals",), "targets.err.no_actuals_at_all", year=plan.year - 1)
            p.stop()
    return out


def _person_values(plan: Plan, data: Data, parts: list[str], level: Level, people, last_year, info: dict,
                   p: _Problems) -> None:
    key = level.key
    for leaf in parts:
        emp = leaf.rpartition("/")[2]
        notes: list = []
        if key.kind in ("equal", "headcount"):
            base = Fraction(1)
        elif key.kind == "column":
            base = _number_cell(data.employees[emp], key.column, plan, p)
        elif key.kind == "shares":
            base = Fraction(0)  # as written (_shares)
        else:
            base = last_year[emp]["base"]
            notes.extend(last_year[emp]["notes"])
        available = people[emp]["available"]
        value = base if key.kind == "shares" else base * available
        if key.kind != "shares" and available != 1:
            notes.append(("targets.note.available", {"share": available}))
        entry = info.setdefault(leaf, {})
        entry.update({"value": value, "base": base, "notes": notes,
                      "last_year": last_year[emp]["actual"] if last_year else None})


def _number_cell(e, column: str, plan: Plan, p: _Problems) -> Fraction:
    text = (e.cells.get(column) or "").strip().replace(",", "")
    try:
        value = Fraction(Decimal(text))
        if value < 0:
            raise ValueError
    except (ArithmeticError, ValueError):
        p.errors.append(e.diag(column, p.say("targets.err.cell_number", id=e.id, column=column, value=text)))
        return Fraction(0)
    return value


def _unit_value(org: Org, path: str, level: Level, people, last_year) -> dict[str, Any]:
    unit = org.units[path]
    available = sum((people[m]["available"] for m in unit.members), Fraction(0))
    key = level.key
    notes: list = []
    value: Fraction | None
    if available == 0:
        return {"value": Fraction(0), "notes": [("targets.note.nobody", {})], "empty": True}
    if key.kind == "equal":
        value = Fraction(1)
    elif key.kind == "headcount":
        value = available
    elif key.kind == "shares":
        value = Fraction(0)  # as written (_shares)
    elif key.kind == "column":
        value = None  # a fact under units:, else the people's column (_apply_facts)
    else:
        value = sum((last_year[m]["base"] * people[m]["available"] for m in unit.members), Fraction(0))
        notes.append(("targets.note.unit_last_year", {}))
    return {"value": value, "notes": notes}


def _apply_facts(plan: Plan, org: Org, data: Data, info: dict, facts: dict, p: _Problems) -> None:
    """``column`` keys of units: the fact stated under ``units:``, else the people's column added up."""
    for unit in org.units.values():
        level = plan.levels[unit.level] if unit.parts else None
        if level is None or level.kind == "person" or level.key.kind != "column":
            continue
        column = level.key.column
        for part in unit.parts:
            entry = info[part]
            if entry.get("empty"):
                continue
            stated = facts.get(part, {}).get(column)
            if stated is not None:
                entry["value"] = stated
                entry["notes"] = [*entry["notes"], ("targets.note.stated", {"column": column})]
                continue
            if column not in data.columns:
                p.error(level.key.where + ("column",), "targets.err.fact_missing", column=column, unit=part)
                continue
            total = Fraction(0)
            for emp in org.units[part].members:
                total += _number_cell(data.employees[emp], column, plan, p)
            entry["value"] = total
            entry["notes"] = [*entry["notes"], ("targets.note.summed", {"column": column})]


def _shares(plan: Plan, org: Org, parent: str, parts: list[str], level: Level, info: dict,
            seen: dict[int, set[str]], p: _Problems) -> None:
    """Written shares: every part of ``parent`` named, and their shares summing to exactly 100."""
    index = plan.levels.index(level)
    shares = level.key.shares
    got: dict[str, Fraction] = {}
    for part in parts:
        name = part.rpartition("/")[2]
        hit = next((k for k in (part, name) if k in shares), None)
        if hit is None:
            p.error(level.key.where + ("shares",), "targets.err.shares_missing", at_key=True, name=part or name,
                    parent=parent or plan.id)
            continue
        seen.setdefault(index, set()).add(hit)
        got[part] = shares[hit]
        info.setdefault(part, {"notes": []})["value"] = shares[hit]
    if got and len(got) == len(parts):
        total = sum(got.values(), Fraction(0))
        if total != 100:
            p.error(level.key.where + ("shares",), "targets.err.shares_sum", at_key=True, total=_fmt(total),
                    what=parent or plan.id,
                    parts=" + ".join(f"{k.rpartition('/')[2]} {_fmt(v)}" for k, v in got.items()))


def _fmt(value: Fraction) -> str:
    from appraise.language.validate.common import fmt

    return fmt(value)


def _unresolved(p: _Problems, path: tuple, name: str, candidates: list[str], org: Org, *, at_key: bool = False
                ) -> None:
    if candidates:
        p.error(path, "targets.err.unit_ambiguous", at_key=at_key, name=name, paths=", ".join(candidates))
    else:
        p.error(path, "targets.err.unit_unknown", at_key=at_key, name=name, suggestion=did_you_mean(name, org.names()))


def _allocation_error(exc: alloc.AllocationError, plan: Plan, org: Org, fixed: dict, p: _Problems) -> None:
    name = exc.path or plan.id
    amount = amount_text(exc.amount, plan.unit)
    if exc.why in ("fixed-exceeds", "fixed-short"):
        parts = org.units[exc.path].parts
        index = next((f.index for f in plan.fixed if org.resolve(f.unit)[0] in parts), None)
        where = ("fixed", index) if index is not None else ("fixed",)
        key = {"fixed-exceeds": "targets.err.fixed_exceeds", "fixed-short": "targets.err.fixed_short"}[exc.why]
        p.error(where, key,
                unit=name, amount=amount,
                fixed=amount_text(exc.other, plan.unit))
    elif exc.why == "no-weight":
        level = plan.levels[org.units[exc.path].level]
        p.error(level.key.where, "targets.err.no_weight", unit=name, amount=amount, by=level.key.describe())
    elif exc.why == "no-months":
        emp = exc.path.rpartition("/")[2]
        where = next((("fixed", f.index) for f in plan.fixed if org.resolve(f.unit)[0] == exc.path),
                     plan.levels[-1].key.where)
        p.error(where, "targets.err.no_months", id=emp, amount=amount)
    else:
        p.error(("unit",), "targets.err.not_whole", unit=amount_text(plan.unit, plan.unit), amount=amount)


def _reachability(t: Targets, facts: dict[str, dict[str, Fraction]], p: _Problems) -> None:
    """Warnings: a person's target more than ``max_growth`` above last year's actual; a unit's (or person's)
    target above its stated ``capacity``."""
    plan = t.plan
    fmt = formatter(p.say.lang, plan.currency)

    def money(v: Fraction) -> str:
        return fmt.money(Decimal(amount_text(v, plan.unit)))

    if plan.max_growth is not None:
        for emp, person in t.people.items():
            base = person.last_year
            if base is None:
                continue
            target = t.steps[person.path].amount
            if (base == 0 and target > 0) or (base > 0 and target > base * (1 + plan.max_growth)):
                growth = "∞" if base == 0 else f"{float((target / base - 1) * 100):.1f}"
                p.warn(("checks", "max_growth"), "targets.warn.growth", id=emp, name=person.name,
                       target=money(target), last=money(base), growth=growth,
                       limit=f"{float(plan.max_growth * 100):g}")
    for name, values in plan.units.items():
        path, _ = t.org.resolve(name)
        if path is None or "capacity" not in values:
            continue
        year = t.year(path)
        if year > values["capacity"]:
            p.warn(("units", name, "capacity"), "targets.warn.capacity", unit=name, target=money(year),
                   capacity=money(values["capacity"]))
