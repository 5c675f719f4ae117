"""Two versions of a plan compared: who gains or loses target, unit by unit and person by person (exact
amounts; nothing is written)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from appraise.tools.targets.compute import Targets, amount_text, run
from appraise.tools.targets.explain import Words

FORMATS = ("text", "markdown", "json")


@dataclass
class Change:
    key: str          # unit path or employee id
    name: str
    old: Fraction | None
    new: Fraction | None

    @property
    def delta(self) -> Fraction:
        return (self.new or Fraction(0)) - (self.old or Fraction(0))


@dataclass
class PlanDiff:
    old: Targets
    new: Targets
    units: list[Change]
    people: list[Change]


def diff_plans(old: str | Path, new: str | Path, lang: str = "en") -> PlanDiff:
    """Compute both plans (each reads its own sources) and compare their targets for the year."""
    a, b = run(old, lang), run(new, lang)
    return compare(a, b)


def compare(a: Targets, b: Targets) -> PlanDiff:
    units = []
    for path in dict.fromkeys([*a.units, *b.units]):
        old = a.year(path) if path in a.units else None
        new = b.year(path) if path in b.units else None
        units.append(Change(path, path or b.plan.id, old, new))
    people = []
    for emp in dict.fromkeys([*a.people, *b.people]):
        old = a.year(a.people[emp].path) if emp in a.people else None
        new = b.year(b.people[emp].path) if emp in b.people else None
        name = (b.people.get(emp) or a.people[emp]).name
        people.append(Change(emp, name, old, new))
    people.sort(key=lambda c: (-abs(c.delta), c.key))
    return PlanDiff(a, b, units, people)


def render(d: PlanDiff, fmt: str = "text", lang: str = "en") -> str:
    """The comparison as text for a terminal, Markdown for a pull-request comment, or JSON."""
    unit = d.new.plan.unit
    if fmt == "json":
        def amount(v):
            return None if v is None else amount_text(v, unit)
        return json.dumps({
            "old": {"plan": d.old.plan.id, "path": d.old.plan.doc.file, "total": amount(d.old.plan.total)},
            "new": {"plan": d.new.plan.id, "path": d.new.plan.doc.file, "total": amount(d.new.plan.total)},
            "units": [{"unit": c.key, "old": amount(c.old), "new": amount(c.new), "change": amount(c.delta)}
                      for c in d.units if c.key],
            "people": [{"employee": c.key, "name": c.name, "old": amount(c.old), "new": amount(c.new),
                        "change": amount(c.delta)} for c in d.people],
        }, ensure_ascii=False, indent=2) + "\n"
    w = Words(d.new, lang)

    def money(v: Fraction | None) -> str:
        return "—" if v is None else w.money(v)

    def signed(v: Fraction) -> str:
        return ("+" if v > 0 else "") + w.money(v) if v else "0"

    gain = sum(1 for c in d.people if c.old is not None and c.new is not None and c.delta > 0)
    lose = sum(1 for c in d.people if c.old is not None and c.new is not None and c.delta < 0)
    same = sum(1 for c in d.people if c.old is not None and c.new is not None and c.delta == 0)
    added = sum(1 for c in d.people if c.old is None)
    removed = sum(1 for c in d.people if c.new is None)
    title = w.say("targets.diff.title", old=d.old.plan.doc.file, new=d.new.plan.doc.file)
    total = w.say("targets.diff.total", old=money(d.old.plan.total), new=money(d.new.plan.total),
                  delta=signed(d.new.plan.total - d.old.plan.total))
    counts = w.say("targets.diff.counts", gain=gain, lose=lose, same=same, added=added, removed=removed)
    moved = [c for c in d.people if c.delta or c.old is None or c.new is None]
    units = [c for c in d.units if c.key and (c.delta or c.old is None or c.new is None)]
    heads = [w.say("targets.diff.old"), w.say("targets.diff.new"), w.say("targets.diff.delta")]
    if fmt == "markdown":
        lines = [f"### {title}", "", total, "", counts, ""]
        if not moved and not units:
            return "\n".join([*lines, w.say("targets.diff.none"), ""])
        lines += [f"**{w.say('diff.units')}**", "", f"| | {' | '.join(heads)} |", "| --- | ---: | ---: | ---: |"]
        lines += [f"| {c.key} | {money(c.old)} | {money(c.new)} | {signed(c.delta)} |" for c in units]
        lines += ["", f"**{w.say('diff.people')}**", "", f"| | | {' | '.join(heads)} |",
                  "| --- | --- | ---: | ---: | ---: |"]
        lines += [f"| {c.key} | {c.name} | {money(c.old)} | {money(c.new)} | {signed(c.delta)} |" for c in moved]
        return "\n".join(lines) + "\n"
    lines = [title, total, counts]
    if not moved and not units:
        return "\n".join([*lines, w.say("targets.diff.none")]) + "\n"
    lines += ["", w.say("targets.diff.units")]
    lines += [f"  {c.key:<28} {money(c.old):>16} → {money(c.new):>16}  {signed(c.delta):>14}" for c in units]
    lines += ["", w.say("targets.diff.people")]
    lines += [f"  {c.key:<10} {c.name:<16} {money(c.old):>14} → {money(c.new):>14}  {signed(c.delta):>12}"
              for c in moved]
    return "\n".join(lines) + "\n"
