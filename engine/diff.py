"""What a ruleset change does to real people: one cycle's data scored under an old and a new ruleset.

:func:`diff_cycle` reads the cycle's sources once through the providers (with
the needs of both rulesets merged), evaluates the same inputs under each
ruleset with the pure engine and compares the two results.json documents:
per-employee score, grade and bonus deltas, the grade migration matrix (old
grade × new grade), the total bonus cost delta in exact decimals, Kendall's
tau-b between the two score rankings, the biggest movers and the rules whose
firing changed (employees gained and lost per rule).  Nothing is written and
the results store is not read, so outcomes that depend on ``previous`` do not
fire in either run — the report says so.

:func:`render` prints a :class:`RulesetDiff` as text, Markdown (tables for a
pull-request comment) or JSON.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

from .testing import _shown  # one rule for showing paths in both reports

FORMATS = ("text", "markdown", "json")
TOP_MOVERS = 10


# ---------------------------------------------------------------- Kendall's tau-b

def kendall_tau_b(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Kendall's tau-b of two paired samples (ties handled), in O(n log n) (Knight's algorithm).

    ``None`` when it is undefined: fewer than two pairs, or every x (or every y) tied.
    """
    n = len(x)
    if n != len(y):
        raise ValueError("x and y must have the same length")
    if n < 2:
        return None
    pairs = sorted(zip(x, y))
    n0 = n * (n - 1) // 2
    n1 = _tied_pairs([p[0] for p in pairs])          # ties in x
    n3 = _tied_pairs(pairs)                          # ties in x and y together
    ys = [p[1] for p in pairs]
    swaps = _count_inversions(ys)                    # discordant pairs (ties in x are sorted by y: no swap)
    n2 = _tied_pairs(sorted(ys))                     # ties in y
    denominator = math.sqrt((n0 - n1) * (n0 - n2))
    if denominator == 0:
        return None
    concordant_minus_discordant = n0 - n1 - n2 + n3 - 2 * swaps
    return max(-1.0, min(1.0, concordant_minus_discordant / denominator))


def _tied_pairs(sorted_values: Sequence) -> int:
    """Σ t(t-1)/2 over runs of equal values in a sorted sequence."""
    total, run = 0, 1
    for a, b in zip(sorted_values, sorted_values[1:]):
        if a == b:
            run += 1
        else:
            total += run * (run - 1) // 2
            run = 1
    return total + run * (run - 1) // 2


def _count_inversions(values: list) -> int:
    """Pairs i < j with values[i] > values[j] (bottom-up merge sort)."""
    a = list(values)
    n = len(a)
    inversions = 0
    width = 1
    while width < n:
        out = []
        for lo in range(0, n, 2 * width):
            left, right = a[lo:lo + width], a[lo + width:lo + 2 * width]
            i = j = 0
            while i < len(left) and j < len(right):
                if right[j] < left[i]:
                    out.append(right[j])
                    inversions += len(left) - i
                    j += 1
                else:
                    out.append(left[i])
                    i += 1
            out.extend(left[i:])
            out.extend(right[j:])
        a = out
        width *= 2
    return inversions


# ---------------------------------------------------------------- the comparison

@dataclass
class EmployeeChange:
    """One employee under both rulesets (``None`` on the side that did not appraise them)."""

    id: str
    name: str
    old_score: float | None
    new_score: float | None
    old_grade: str | None
    new_grade: str | None
    old_bonus: Decimal | None
    new_bonus: Decimal | None

    @property
    def score_delta(self) -> float | None:
        """New score minus old, to 2 decimals (None unless appraised under both)."""
        if self.old_score is None or self.new_score is None:
            return None
        return round(self.new_score - self.old_score, 2)

    @property
    def bonus_delta(self) -> Decimal:
        """New bonus minus old, exact (a side that did not appraise them counts 0)."""
        return (self.new_bonus or Decimal(0)) - (self.old_bonus or Decimal(0))

    def to_dict(self) -> dict:
        """JSON shape (money as decimal strings)."""
        return {"id": self.id, "name": self.name, "old_score": self.old_score, "new_score": self.new_score,
                "score_delta": self.score_delta, "old_grade": self.old_grade, "new_grade": self.new_grade,
                "old_bonus": _money(self.old_bonus), "new_bonus": _money(self.new_bonus),
                "bonus_delta": _money(self.bonus_delta)}


@dataclass
class RuleChange:
    """A rule that fired for different employees under the two rulesets."""

    id: str
    status: str                 # both | removed | added
    old_count: int
    new_count: int
    gained: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON shape."""
        return {"id": self.id, "status": self.status, "old_count": self.old_count, "new_count": self.new_count,
                "gained": self.gained, "lost": self.lost}


@dataclass
class RulesetDiff:
    """Everything :func:`diff_cycle` found."""

    old: str
    new: str
    cycle: str
    period: str
    currency: str
    employees: list[EmployeeChange]
    grades_old: list[str]
    grades_new: list[str]
    migration: dict[tuple[str, str], int]
    rules: list[RuleChange]
    notes: list[str] = field(default_factory=list)
    redacted: bool = False      # for sharing outside HR: no names, no per-person bonus amounts

    @property
    def both(self) -> list[EmployeeChange]:
        """Employees appraised under both rulesets."""
        return [e for e in self.employees if e.old_score is not None and e.new_score is not None]

    @property
    def total_old(self) -> Decimal:
        """Total bonus under the old ruleset."""
        return sum((e.old_bonus or Decimal(0) for e in self.employees), Decimal(0))

    @property
    def total_new(self) -> Decimal:
        """Total bonus under the new ruleset."""
        return sum((e.new_bonus or Decimal(0) for e in self.employees), Decimal(0))

    @property
    def bonus_delta(self) -> Decimal:
        """Total bonus cost change (= the sum of the employees' deltas)."""
        return self.total_new - self.total_old

    @property
    def tau(self) -> float | None:
        """Kendall's tau-b of old vs new scores of the employees appraised under both."""
        both = self.both
        return kendall_tau_b([e.old_score for e in both], [e.new_score for e in both])

    @property
    def grades_changed(self) -> int:
        """Employees whose (calibrated) grade differs."""
        return sum(e.old_grade != e.new_grade for e in self.both)

    def movers(self, limit: int = TOP_MOVERS) -> list[EmployeeChange]:
        """The employees whose score moved most (|delta|, biggest first; ties by id), zero moves left out."""
        moved = [e for e in self.both if e.score_delta]
        return sorted(moved, key=lambda e: (-abs(e.score_delta), e.id))[:limit]

    def mean(self, side: str) -> float | None:
        """Mean score on ``side`` (``old`` or ``new``) over the employees appraised under both."""
        scores = [getattr(e, f"{side}_score") for e in self.both]
        return round(sum(scores) / len(scores), 2) if scores else None

    def _person(self, e: EmployeeChange) -> dict:
        out = e.to_dict()
        if self.redacted:
            for key in ("name", "old_bonus", "new_bonus", "bonus_delta"):
                del out[key]
        return out

    def to_dict(self) -> dict:
        """The ``--format json`` document."""
        tau = self.tau
        return {
            "old": self.old, "new": self.new, "cycle": self.cycle, "period": self.period, "currency": self.currency,
            "employees_compared": len(self.both),
            "only_old": [e.id for e in self.employees if e.new_score is None],
            "only_new": [e.id for e in self.employees if e.old_score is None],
            "mean_score": {"old": self.mean("old"), "new": self.mean("new")},
            "bonus": {"old": _money(self.total_old), "new": _money(self.total_new), "delta": _money(self.bonus_delta)},
            "kendall_tau_b": None if tau is None else round(tau, 6),
            "grades_changed": self.grades_changed,
            "migration": {"old_grades": self.grades_old, "new_grades": self.grades_new,
                          "counts": [[self.migration.get((o, n), 0) for n in self.grades_new] for o in self.grades_old]},
            "movers": [self._person(e) for e in self.movers()],
            "rules": [r.to_dict() for r in self.rules],
            "employees": [self._person(e) for e in self.employees],
            "notes": self.notes,
            "redacted": self.redacted,
        }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")




def merged_needs(*rulesets):
    """The :class:`~appraise.provide.Needs` of several rulesets together (the first one's types win)."""
    from .provide import Needs

    parts = [Needs.from_ruleset(rs) for rs in rulesets]
    metrics: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for p in reversed(parts):
        metrics.update(p.metrics)
        attributes.update(p.attributes)
    scales = [p.rating_scale for p in parts if p.rating_scale is not None]
    return Needs(metrics=metrics, attributes=attributes, feedback360=any(p.feedback360 for p in parts),
                 okr=any(p.okr for p in parts), rating_scale=max(scales) if scales else None)


def diff_cycle(old: str | Path, new: str | Path, cycle_path: str | Path) -> RulesetDiff:
    """Score ``cycle_path``'s data under rulesets ``old`` and ``new`` and compare (nothing is written)."""
    from .compile import load_ruleset
    from .cycle import load_cycle
    from .evaluate import evaluate
    from .provide import provide
    from .results import results_document

    old, new = Path(old), Path(new)
    rs_old, rs_new = load_ruleset(old), load_ruleset(new)
    cycle = load_cycle(cycle_path)
    provided = provide(cycle, merged_needs(rs_old, rs_new))
    ev_old = evaluate(rs_old, provided.inputs, cycle.period, dict(cycle.context))
    ev_new = evaluate(rs_new, provided.inputs, cycle.period, dict(cycle.context))
    result = compare(rs_old, rs_new, ev_old, ev_new, results_document(ev_old), results_document(ev_new),
                     old=_shown(old), new=_shown(new), cycle=_shown(Path(cycle_path)), period=cycle.period.id)
    # what the providers warned about, and who they left out (on_error: skip-employee), applies to both runs
    result.notes += [f"data: {d}" for d in provided.diagnostics]
    if provided.skipped:
        result.notes.append("left out of both runs for data errors: " + ", ".join(sorted(provided.skipped)))
    return result


def compare(rs_old, rs_new, ev_old, ev_new, doc_old: dict, doc_new: dict, *, old: str, new: str, cycle: str,
            period: str) -> RulesetDiff:
    """Compare two evaluations of the same inputs (see :func:`diff_cycle`)."""
    a = {e["id"]: e for e in doc_old["employees"]}
    b = {e["id"]: e for e in doc_new["employees"]}
    employees = []
    for eid in sorted(set(a) | set(b)):
        x, y = a.get(eid), b.get(eid)
        employees.append(EmployeeChange(
            eid, (x or y).get("name") or eid,
            None if x is None else x["score"], None if y is None else y["score"],
            None if x is None else x["grade"], None if y is None else y["grade"],
            None if x is None or x.get("bonus") is None else Decimal(x["bonus"]),
            None if y is None or y.get("bonus") is None else Decimal(y["bonus"])))
    grades_old = [g.grade for g in rs_old.grades]
    grades_new = [g.grade for g in rs_new.grades]
    migration: dict[tuple[str, str], int] = {}
    for e in employees:
        if e.old_score is not None and e.new_score is not None:
            migration[(e.old_grade, e.new_grade)] = migration.get((e.old_grade, e.new_grade), 0) + 1
    rules = _rule_changes(rs_old, rs_new, a, b)
    notes = []
    readers = sorted({o.id for rs in (rs_old, rs_new) for o in rs.outcomes
                      if any(obj == "previous" for obj, _ in o.when.fields)})
    note = ("previous-period results are not loaded (appraise diff does not read the results store), "
            "so conditions on previous.* are false in both runs")
    if readers:
        note += ": outcome" + ("s " if len(readers) > 1 else " ") + ", ".join(readers) + " cannot hold"
    notes.append(note)
    stored = sorted({f"{why.replace('periods:', 'dimension ')} ({rs_id})" for rs in (rs_old, rs_new)
                     for why, rs_id, _ in rs.stored_reads()})
    if stored:
        notes.append("the results of shorter periods are not loaded either: " + ", ".join(stored)
                     + " read nothing (periods: dimensions count as missing, net_of nets nothing)")
    only_old = [e.id for e in employees if e.new_score is None]
    only_new = [e.id for e in employees if e.old_score is None]
    if only_old:
        notes.append(f"appraised only under the old ruleset: {', '.join(only_old)}")
    if only_new:
        notes.append(f"appraised only under the new ruleset: {', '.join(only_new)}")
    return RulesetDiff(old, new, cycle, period, rs_new.currency, employees, grades_old, grades_new, migration,
                       rules, notes)


def _rule_changes(rs_old, rs_new, a: dict, b: dict) -> list[RuleChange]:
    ids_old = [r.id for r in rs_old.rules]
    ids_new = [r.id for r in rs_new.rules]
    both = set(a) & set(b)  # employees appraised under one ruleset only are not gains or losses of a rule
    out = []
    for rid in list(dict.fromkeys(ids_old + ids_new)):
        fired_old = {e for e in both if rid in a[e]["rules_fired"]}
        fired_new = {e for e in both if rid in b[e]["rules_fired"]}
        if fired_old == fired_new and rid in ids_old and rid in ids_new:
            continue
        status = "both" if rid in ids_old and rid in ids_new else ("removed" if rid in ids_old else "added")
        out.append(RuleChange(rid, status, len(fired_old), len(fired_new), sorted(fired_new - fired_old),
                              sorted(fired_old - fired_new)))
    return out


# ---------------------------------------------------------------- output

def render(d: RulesetDiff, fmt: str = "text") -> str:
    """The diff as ``text``, ``markdown`` or ``json``."""
    if fmt == "json":
        return json.dumps(d.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _markdown(d)
    if fmt == "text":
        return _text(d)
    raise ValueError(f"unknown format '{fmt}'; the formats are {', '.join(FORMATS)}")


def _num(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x:+.2f}" if signed else f"{x:.2f}"


def _amount(x: Decimal | None, signed: bool = False) -> str:
    if x is None:
        return "–"
    text = f"{abs(x):,f}"
    if signed:
        return ("+" if x > 0 else "-" if x < 0 else "") + text
    return ("-" if x < 0 else "") + text


def _ids(ids: list[str], limit: int = 8) -> str:
    if not ids:
        return "–"
    shown = ", ".join(ids[:limit]) + (f", … (+{len(ids) - limit})" if len(ids) > limit else "")
    return f"{len(ids)}: {shown}"


def _tau(d: RulesetDiff) -> str:
    t = d.tau
    return "undefined (fewer than 2 distinct scores)" if t is None else f"{t:.4f}"


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" ---: " if c == "r" else " --- " for c in align) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _markdown(d: RulesetDiff) -> str:
    both = d.both
    lines = [f"### appraise diff: `{d.old}` → `{d.new}`", "",
             f"Cycle `{d.cycle}` ({d.period}): {len(both)} employees scored under both rulesets.", ""]
    lines += _table(["", "old", "new", "change"], [
        ["Mean score", _num(d.mean("old")), _num(d.mean("new")),
         _num(None if d.mean("old") is None else round(d.mean("new") - d.mean("old"), 2), True)],
        [f"Total bonus ({d.currency})", _amount(d.total_old), _amount(d.total_new), _amount(d.bonus_delta, True)],
        ["Grades changed", "", "", f"{d.grades_changed} of {len(both)}"],
        ["Rank correlation (Kendall's τ-b)", "", "", _tau(d)],
    ], "lrrr")
    lines += ["", "**Grade migration** (rows: old grade, columns: new grade)", ""]
    rows = []
    for o in d.grades_old:
        counts = [d.migration.get((o, n), 0) for n in d.grades_new]
        rows.append([f"**{o}**"] + [f"**{c}**" if c and o != n else (str(c) if c else "·")
                                    for c, n in zip(counts, d.grades_new)] + [str(sum(counts))])
    totals = [sum(d.migration.get((o, n), 0) for o in d.grades_old) for n in d.grades_new]
    rows.append(["total"] + [str(t) for t in totals] + [str(sum(totals))])
    lines += _table(["old \\ new"] + d.grades_new + ["total"], rows, "l" + "r" * (len(d.grades_new) + 1))
    movers = d.movers()
    lines += ["", f"**Biggest movers** (top {TOP_MOVERS} by score change)", ""]
    if movers and d.redacted:
        lines += _table(["Employee", "Score", "Δ score", "Grade"], [
            [e.id, f"{_num(e.old_score)} → {_num(e.new_score)}", _num(e.score_delta, True),
             e.old_grade if e.old_grade == e.new_grade else f"{e.old_grade} → **{e.new_grade}**"] for e in movers],
            "lrrl")
    elif movers:
        lines += _table(["Employee", "Score", "Δ score", "Grade", f"Bonus ({d.currency})", "Δ bonus"], [
            [f"{e.id} {e.name}", f"{_num(e.old_score)} → {_num(e.new_score)}", _num(e.score_delta, True),
             e.old_grade if e.old_grade == e.new_grade else f"{e.old_grade} → **{e.new_grade}**",
             f"{_amount(e.old_bonus)} → {_amount(e.new_bonus)}", _amount(e.bonus_delta, True)] for e in movers],
            "lrrlrr")
    else:
        lines.append("No score changed.")
    lines += ["", "**Rules whose firing changed**", ""]
    if d.rules:
        lines += _table(["Rule", "", "Fired old → new", "Gained", "Lost"], [
            [f"`{r.id}`", {"both": "", "removed": "removed", "added": "added"}[r.status],
             f"{r.old_count} → {r.new_count}", _ids(r.gained), _ids(r.lost)] for r in d.rules], "llrll")
    else:
        lines.append("Every rule fired for the same employees.")
    lines.append("")
    lines += [f"> Note: {n}." for n in d.notes]
    if d.redacted:
        lines.append("> Redacted: names and per-person bonus amounts are left out; totals and counts are not.")
    return "\n".join(lines) + "\n"


def _text(d: RulesetDiff) -> str:
    both = d.both
    lines = [f"appraise diff {d.old} -> {d.new} on {d.cycle} ({d.period}): {len(both)} employees in both",
             f"mean score: {_num(d.mean('old'))} -> {_num(d.mean('new'))}",
             f"total bonus ({d.currency}): {_amount(d.total_old)} -> {_amount(d.total_new)} "
             f"(delta {_amount(d.bonus_delta, True)})",
             f"grades changed: {d.grades_changed} of {len(both)}",
             f"Kendall's tau-b of scores: {_tau(d)}", "", "grade migration (rows old, columns new):"]
    width = max([len(g) for g in d.grades_old + d.grades_new] + [5])
    lines.append(" " * (width + 2) + "".join(f"{n:>{width + 1}}" for n in d.grades_new))
    for o in d.grades_old:
        lines.append(f"  {o:<{width}}" + "".join(f"{d.migration.get((o, n), 0):>{width + 1}}" for n in d.grades_new))
    lines += ["", "employees (score, grade):" if d.redacted else "employees (score, grade, bonus):"]
    for e in d.employees:
        money = "" if d.redacted else \
            f"  {_amount(e.old_bonus)} -> {_amount(e.new_bonus)} ({_amount(e.bonus_delta, True)})"
        lines.append(f"  {e.id:<8} {_num(e.old_score):>7} -> {_num(e.new_score):>7} ({_num(e.score_delta, True):>7})"
                     f"  {e.old_grade or '–'} -> {e.new_grade or '–'}" + money)
    movers = d.movers()
    if movers:
        lines += ["", f"biggest movers: " + ", ".join(f"{e.id} {_num(e.score_delta, True)}" for e in movers)]
    lines += ["", "rules whose firing changed:" if d.rules else "every rule fired for the same employees"]
    for r in d.rules:
        tag = f" ({r.status})" if r.status != "both" else ""
        lines.append(f"  {r.id}{tag}: fired {r.old_count} -> {r.new_count}; gained {_ids(r.gained)}; lost {_ids(r.lost)}")
    lines += [""] + [f"note: {n}" for n in d.notes]
    if d.redacted:
        lines.append("redacted: names and per-person bonus amounts are left out; totals and counts are not")
    return "\n".join(lines) + "\n"
