"""Coverage of a ruleset by its tests (like ``opa test --coverage``).

An *item* of a ruleset is something a test can make happen: a reweighting
rule firing, a bonus tier being reached, a grade being given (after
calibration), an adjustment applying, an outcome holding; for an incentive plan, each band of a component
paying something and each tier of a component being reached.  A :class:`Collector`
reads the result frame of every test evaluation (columns ``rule.<id>``,
``bonus.tiers_reached``, ``grade``, ``adj.<id>``, ``outcome.<id>`` documented
in :mod:`appraise.core.evaluate`) and :meth:`Collector.result` says which items no
test reached, each with its ``file:line:col`` in the ruleset.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from appraise.language.load import Document


@dataclass(frozen=True)
class Item:
    """One coverable thing of a ruleset, located in the ruleset file."""

    kind: str     # rule | bonus tier | grade | adjustment | outcome | plan band | plan tier
    id: str
    file: str
    line: int
    col: int

    def to_dict(self) -> dict:
        """The JSON shape of ``--format json``."""
        return {"kind": self.kind, "id": self.id, "file": self.file, "line": self.line, "col": self.col}


KINDS = ("rule", "bonus tier", "grade", "adjustment", "outcome", "plan band", "plan tier")


@dataclass
class Coverage:
    """Which items of one ruleset the tests reached."""

    ruleset: str
    items: list[Item] = field(default_factory=list)
    covered: set = field(default_factory=set)   # (kind, id)

    @property
    def uncovered(self) -> list[Item]:
        """The items no test reached, in ruleset order by kind."""
        return [i for i in self.items if (i.kind, i.id) not in self.covered]

    @property
    def percent(self) -> float:
        """Covered items as a percentage (100 when the ruleset has nothing to cover)."""
        if not self.items:
            return 100.0
        return 100.0 * (len(self.items) - len(self.uncovered)) / len(self.items)

    def to_dict(self) -> dict:
        """Counts per kind, the percentage and the uncovered items (JSON)."""
        per_kind = {}
        for kind in KINDS:
            mine = [i for i in self.items if i.kind == kind]
            per_kind[kind] = {"covered": sum((i.kind, i.id) in self.covered for i in mine), "total": len(mine)}
        return {"ruleset": self.ruleset, "percent": round(self.percent, 1), "kinds": per_kind,
                "uncovered": [i.to_dict() for i in self.uncovered]}


def items_of(ruleset, doc: Document) -> list[Item]:
    """Every coverable item of a compiled ruleset, located through its document."""
    def item(kind: str, ident: str, path: tuple) -> Item:
        line, col = doc.where(path)
        return Item(kind, ident, doc.file, line, col)

    out = [item("rule", r.id, ("rules", i)) for i, r in enumerate(ruleset.rules)]
    if ruleset.bonus is not None:
        out += [item("bonus tier", f"{n + 1} (from {t.start:g})", ("bonus", "tiers", n))
                for n, t in enumerate(ruleset.bonus.tiers)]
        for c in ruleset.bonus.components:  # an incentive plan's bands and tiers (README "Incentive plans")
            out += [item("plan band", _band_id(c.key, n, b.start), ("bonus", "components", c.key, "bands", n))
                    for n, b in enumerate(c.bands)]
            out += [item("plan tier", _band_id(c.key, n, t.start), ("bonus", "components", c.key, "tiers", n))
                    for n, t in enumerate(c.tiers)]
    out += [item("grade", g.grade, ("grades", i)) for i, g in enumerate(ruleset.grades)]
    for card in ruleset.scorecards:
        out += [item("adjustment", f"{card.key}.{a.id}", ("scorecards", card.key, "adjustments", i))
                for i, a in enumerate(card.adjustments)]
    out += [item("outcome", o.id, ("outcomes", i)) for i, o in enumerate(ruleset.outcomes)]
    return out


class Collector:
    """Accumulates what the result frames of a ruleset's tests reached."""

    def __init__(self, ruleset, doc: Document):
        self.ruleset = ruleset
        self.coverage = Coverage(doc.file, items_of(ruleset, doc))

    def add(self, frame: Any) -> None:
        """Record one evaluation's result frame (polars)."""
        import polars as pl

        if frame is None or frame.height == 0:
            return
        seen = self.coverage.covered
        cols = set(frame.columns)
        for r in self.ruleset.rules:
            if f"rule.{r.id}" in cols and frame[f"rule.{r.id}"].fill_null(False).any():
                seen.add(("rule", r.id))
        if self.ruleset.bonus is not None and "bonus.tiers_reached" in cols:
            most = frame["bonus.tiers_reached"].max() or 0
            for n, t in enumerate(self.ruleset.bonus.tiers):
                if most >= n + 1:
                    seen.add(("bonus tier", f"{n + 1} (from {t.start:g})"))
        for c in self.ruleset.bonus.components if self.ruleset.bonus is not None else ():
            for n, b in enumerate(c.bands):  # a band counts once it paid on some attainment inside it
                inside = f"bonus.c.{c.key}.inside.{n}"
                if inside in cols and (frame[inside].drop_nulls() > 0).any():
                    seen.add(("plan band", _band_id(c.key, n, b.start)))
            reached = f"bonus.c.{c.key}.tiers_reached"
            if c.tiers and reached in cols:
                most = frame[reached].max() or 0
                seen.update(("plan tier", _band_id(c.key, n, t.start)) for n, t in enumerate(c.tiers) if most >= n + 1)
        for g in frame["grade"].drop_nulls().unique().to_list():
            seen.add(("grade", g))
        for card in self.ruleset.scorecards:
            mine = frame.filter(pl.col("scorecard") == card.key)
            for a in card.adjustments:
                if f"adj.{a.id}" in cols and mine[f"adj.{a.id}"].fill_null(False).any():
                    seen.add(("adjustment", f"{card.key}.{a.id}"))
        for o in self.ruleset.outcomes:
            if f"outcome.{o.id}" in cols and frame[f"outcome.{o.id}"].fill_null(False).any():
                seen.add(("outcome", o.id))

    def result(self) -> Coverage:
        """The coverage collected so far."""
        return self.coverage


def _band_id(component: str, n: int, start) -> str:
    return f"{component}.{n + 1} (from {start.normalize():f})"


def render_text(c: Coverage) -> str:
    """Coverage for a terminal: one line per kind, then each uncovered item at its file:line:col."""
    lines = [f"coverage of {c.ruleset}: {len(c.items) - len(c.uncovered)} of {len(c.items)} items ({c.percent:.1f}%)"]
    for kind, counts in c.to_dict()["kinds"].items():
        if counts["total"]:
            lines.append(f"  {kind + 's':<12} {counts['covered']}/{counts['total']}")
    for i in c.uncovered:
        lines.append(f"  not covered: {i.file}:{i.line}:{i.col}: {i.kind} {i.id}")
    return "\n".join(lines)
