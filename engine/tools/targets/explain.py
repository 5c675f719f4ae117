"""One person's target explained: the chain of shares from the company's number down to their months, read from
the provenance :mod:`appraise.tools.targets.compute` recorded (nothing is computed again here)."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from appraise.i18n import Formatter, Texts, formatter
from appraise.tools.targets.compute import Step, Targets, amount_text
from appraise.tools.targets.plan import Say


def decimal(value: Fraction, places: int = 12) -> Decimal:
    """A fraction as a decimal (exact when it is one, else to ``places`` decimals)."""
    d = Decimal(value.numerator) / Decimal(value.denominator)
    return d.quantize(Decimal(1).scaleb(-places)).normalize() if d != d.to_integral_value() else d


LEVELS = {"company": "targets.level.company", "person": "targets.level.person", "region": "targets.level.region",
          "team": "targets.level.team", "manager": "targets.level.manager"}
KEYS = {"equal": "targets.key.equal", "last_year": "targets.key.last_year", "headcount": "targets.key.headcount",
        "shares": "targets.key.shares"}
COACH = {"within": "targets.explain.coach_within", "on_top": "targets.explain.coach_on_top"}  # player-coaches
SEASONS = {"equal": "targets.season.equal", "weights": "targets.season.weights", "company": "targets.season.company",
           "person": "targets.season.person"}


class Words:
    """The wording of levels, keys and seasonality in one language, and how amounts and shares read."""

    def __init__(self, t: Targets, lang: str):
        self.t = t
        self.say = Say(lang)
        self.texts = Texts(lang)
        self.fmt: Formatter = formatter(lang, t.plan.currency)

    def money(self, value: Fraction) -> str:
        return self.fmt.money(Decimal(amount_text(value, self.t.plan.unit)))

    def exact(self, value: Fraction) -> str:
        """An exact share before rounding, to 4 decimals when it is not whole."""
        d = decimal(value)
        return self.fmt.integer(d) if d == d.to_integral_value() else self.fmt.number(d, 4)

    def share(self, value: Fraction) -> str:
        return self.fmt.percent(decimal(value), 2)

    def number(self, value: Fraction) -> str:
        d = decimal(value)
        return self.fmt.integer(d) if d == d.to_integral_value() else self.fmt.number(d, 2)

    def level(self, name: str) -> str:
        """A level's name: the catalogue's for the usual ones, else the column's own."""
        return self.texts(LEVELS[name]) if name in LEVELS else name

    def key(self, step: Step | None = None, described: str = "") -> str:
        text = step.key if step is not None else described
        if text.startswith("column "):
            return self.say("targets.key.column", column=text[len("column "):])
        return self.say(KEYS[text])

    def season(self, of: str) -> str:
        if of in SEASONS:
            return self.say(SEASONS[of])
        return self.say("targets.season.unit", unit=of)

    def note(self, key: str, values: dict[str, Any]) -> str:
        shown = {k: (self.share(v) if isinstance(v, Fraction) else v) for k, v in values.items()}
        return self.say(key, **shown)


def explain(t: Targets, emp: str, lang: str = "en") -> list[str]:
    """The lines ``appraise targets PLAN --explain EMP`` prints; raises KeyError for someone not in the plan."""
    w = Words(t, lang)
    person = t.people[emp]
    plan = t.plan
    lines = [w.say("targets.explain.title", id=emp, name=person.name, year=plan.year,
                   amount=w.money(sum(person.months.values(), Fraction(0))), plan=plan.id)]
    lines.append(w.say("targets.explain.company", level=w.level("company"), name=plan.id, amount=w.money(plan.total)))
    closed_total = sum((v for p in t.people.values() for v in p.closed.values()), Fraction(0))
    if plan.closed_through:
        lines.append(w.say("targets.explain.reopened", through=plan.closed_through, closed=w.money(closed_total),
                           open=w.money(plan.total - closed_total)))
    chain = [*reversed(t.org.ancestors(person.path)), person.path][1:]
    for depth, path in enumerate(chain, start=1):
        step = t.steps[path]
        pad = "  " * depth
        if step.fixed is not None:
            lines.append(pad + w.say("targets.explain.fixed", level=w.level(step.level), name=step.name,
                                     amount=w.money(step.year), reason=step.fixed))
        else:
            parent = path.rpartition("/")[0]
            above = t.steps[parent].amount if parent else plan.total - closed_total
            if step.pool != above:
                lines.append(pad + w.say("targets.explain.pool", unit=parent or plan.id, amount=w.money(above),
                                         fixed=w.money(above - step.pool), pool=w.money(step.pool)))
            share = step.value / step.total if step.total else Fraction(0)
            lines.append(pad + w.say("targets.explain.step", level=w.level(step.level), name=step.name,
                                     share=w.share(share),
                                     pool=w.money(step.pool), key=w.key(step), value=w.number(step.value),
                                     total=w.number(step.total), amount=w.money(step.amount)))
            if step.ideal != step.amount:
                lines.append(pad + "  " + w.say("targets.explain.exact", ideal=w.exact(step.ideal)))
        for key, values in step.notes:
            lines.append(pad + "  " + w.note(f"{key}", dict(values)))
        if step.closed:
            lines.append(pad + "  " + w.say("targets.explain.closed", closed=w.money(step.closed)))
    if person.last_year is not None:
        lines.append("  " + w.say("targets.explain.last_year", last=w.money(person.last_year.limit_denominator(10**6))))
    coach = t.coach(emp)
    if coach is not None:
        lines.append("  " + w.say(COACH[coach["mode"]], own=w.money(coach["own"]),
                                  team=coach["team"], amount=w.money(coach["team_target"]),
                                  total=w.money(coach["total"])))
    lines.append(w.say("targets.explain.months", season=w.season(person.season_of)))
    season_total = sum(person.season.values(), Fraction(0))
    for month, amount in person.months.items():
        if month in person.closed:
            lines.append("  " + w.say("targets.explain.month_closed", month=month, amount=w.money(amount)))
            continue
        lines.append("  " + w.say("targets.explain.month", month=month,
                                  season=w.share(person.season[month] / season_total),
                                  availability=w.share(person.availability[month]), amount=w.money(amount)))
    return lines


def explain_json(t: Targets, emp: str) -> dict[str, Any]:
    """The same chain as data (amounts as decimal strings, shares as fractions' decimals)."""
    person = t.people[emp]
    unit = t.plan.unit
    chain = [*reversed(t.org.ancestors(person.path)), person.path][1:]
    return {
        "plan": t.plan.id, "year": t.plan.year, "employee": emp, "name": person.name,
        "target": amount_text(sum(person.months.values(), Fraction(0)), unit),
        "company": amount_text(t.plan.total, unit), "closed_through": t.plan.closed_through,
        "chain": [{
            "path": s.path, "level": s.level, "key": s.key, "value": str(decimal(s.value)),
            "of": str(decimal(s.total)), "pool": amount_text(s.pool, unit), "exact": str(decimal(s.ideal)),
            "amount": amount_text(s.amount, unit), "closed": amount_text(s.closed, unit), "fixed": s.fixed,
            "notes": [k for k, _ in s.notes]} for s in (t.steps[p] for p in chain)],
        "player_coach": (None if (coach := t.coach(emp)) is None else
                         {"mode": coach["mode"], "team": coach["team"], "own": amount_text(coach["own"], unit),
                          "team_target": amount_text(coach["team_target"], unit),
                          "total": amount_text(coach["total"], unit)}),
        "months": {m: {"target": amount_text(v, unit), "closed": m in person.closed,
                       "availability": str(decimal(person.availability[m])) if m in person.availability else None,
                       "season": str(decimal(person.season[m])) if m in person.season else None}
                   for m, v in person.months.items()},
    }
