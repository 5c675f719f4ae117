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
pull-request comment) or JSON.  Redacted (``--redact``, for readers outside HR
and a new ruleset whose author may be hostile) it prints
:meth:`RulesetDiff.redacted_view`: aggregates over groups of at least
``privacy.min_group`` people, nothing per person.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from appraise.display import shown
from appraise.tools.plan_diff import component_changes
from appraise.tools.plan_diff import lines as plan_lines
from appraise.tools.plan_diff import notes as plan_notes

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
    migration: dict[tuple[str | None, str | None], int]
    rules: list[RuleChange]
    notes: list[str] = field(default_factory=list)
    redacted: bool = False      # for sharing outside HR: aggregates only, groups of at least min_group
    min_group: int = 5          # the larger privacy.min_group of the two rulesets
    left_out: int = 0           # employees the providers left out of both runs (on_error: skip-employee)
    components: list = field(default_factory=list)  # incentive plans: appraise.tools.plan_diff.ComponentChange

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
        pairs = [(e.old_score, e.new_score) for e in self.both
                 if e.old_score is not None and e.new_score is not None]  # all of them: both sides scored
        return kendall_tau_b([o for o, _ in pairs], [n for _, n in pairs])

    @property
    def grades_changed(self) -> int:
        """Employees whose (calibrated) grade differs."""
        return sum(e.old_grade != e.new_grade for e in self.both)

    def movers(self, limit: int = TOP_MOVERS) -> list[EmployeeChange]:
        """The employees whose score moved most (|delta|, biggest first; ties by id), zero moves left out."""
        moved = [e for e in self.both if e.score_delta]
        return sorted(moved, key=lambda e: (-abs(e.score_delta or 0.0), e.id))[:limit]

    def mean(self, side: str) -> float | None:
        """Mean score on ``side`` (``old`` or ``new``) over the employees appraised under both."""
        scores = [getattr(e, f"{side}_score") for e in self.both]
        return round(sum(scores) / len(scores), 2) if scores else None

    def to_dict(self) -> dict:
        """The ``--format json`` document."""
        if self.redacted:
            return self.redacted_view()
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
                          "counts": [[self.migration.get((o, n), 0) for n in self.grades_new]
                                     for o in self.grades_old]},
            "movers": [e.to_dict() for e in self.movers()],
            "rules": [r.to_dict() for r in self.rules],
            "employees": [e.to_dict() for e in self.employees],
            "notes": self.notes,
            "redacted": self.redacted,
            **({"components": [c.to_dict() for c in self.components]} if self.components else {}),
        }


    def redacted_view(self) -> dict:
        """What may leave HR (``--redact``): aggregates only, each describing at least ``min_group`` people.

        The new ruleset may come from anyone who can open a pull request, and it computes what it likes
        from real data (a KPI ``revenue / revenue`` with ``target: 100000 / target_bonus`` scores everyone
        their target bonus / 1000).  So no per-person value leaves: no ids, names, scores, movers or rule
        gains and losses.  What stays: how many were compared, the grade migration matrix, how many
        changed grade, the total bonus cost change, Kendall's tau-b (2 decimals) and how many each rule
        fired for.  A count is shown only when it is 0, at least ``min_group`` and at most N - min_group
        from the total (so neither the group nor the rest is a handful of people); the cost change only
        when 0 or at least ``min_group`` people's bonus changed; matrix cells below ``min_group`` are
        hidden, and more cells are hidden until the hidden ones cannot be worked out from the counts
        shown (the whole table, the grades changed and the grades kept).  With fewer than ``min_group``
        employees compared nothing but that number is shown.
        """
        k = self.min_group
        both = self.both
        n = len(both)
        out: dict[str, Any] = {"old": self.old, "new": self.new, "cycle": self.cycle, "period": self.period,
                               "currency": self.currency, "redacted": True, "min_group": k,
                               "employees_compared": n}
        only_old = sum(1 for e in self.employees if e.new_score is None)
        only_new = sum(1 for e in self.employees if e.old_score is None)
        everyone = len(self.employees)
        out["only_old"] = _group(only_old, everyone, k)
        out["only_new"] = _group(only_new, everyone, k)
        out["left_out_for_data_errors"] = _group(self.left_out, everyone + self.left_out, k)
        notes = [note for note in self.notes if not _names_people(note)]
        data = sum(1 for note in self.notes if note.startswith("data: "))
        if data:
            notes.append(f"{data} data problem{'s' if data != 1 else ''} reported by the sources, not shown here "
                         "(run appraise diff without --redact inside HR to see them)")
        out["notes"] = notes
        if n < k:
            out.update({"bonus_delta": None, "grades_changed": None, "kendall_tau_b": None, "migration": None,
                        "rules": []})
            out["notes"] = notes + [f"fewer than {k} employees compared (privacy.min_group): nothing else is shown"]
            return out
        changed_pay = sum(1 for e in self.employees if e.bonus_delta != 0)
        out["bonus_delta"] = _money(self.bonus_delta) if changed_pay == 0 or changed_pay >= k else None
        out["bonus_changed_for"] = _group(changed_pay, everyone, k)
        cells, changed = _suppressed_migration(self, k)
        out["grades_changed"] = changed
        tau = self.tau
        out["kendall_tau_b"] = None if tau is None else round(tau, 2)
        out["migration"] = {"old_grades": self.grades_old, "new_grades": self.grades_new, "counts": cells}
        out["rules"] = [{"id": r.id, "status": r.status, "old_count": _group(r.old_count, n, k),
                         "new_count": _group(r.new_count, n, k)} for r in self.rules]
        return out


def _group(count: int, total: int, k: int) -> int | None:
    """``count`` of ``total`` people, or None when it (or the rest) is a group of 1 to k - 1."""
    if count in (0, total) or (count >= k and total - count >= k):
        return count
    return None


def _names_people(note: str) -> bool:
    return note.startswith(("appraised only under", "left out of both runs", "data: "))


def _suppressed_migration(d: RulesetDiff, k: int) -> tuple[list[list[int | None]], int | None]:
    """The grade migration counts with cells of 1 to k - 1 hidden (None), and the number who changed grade
    (None when hidden).  Counts known to the reader: N (all cells), the grades changed (off the diagonal)
    and so the grades kept (on it).  In each of those three sums the hidden cells must add up to 0 or to at
    least k, otherwise the smallest cell still shown in that sum is hidden too, until none is short.  Zeros
    are shown: an empty cell is nobody."""
    cells = {(o, n): d.migration.get((o, n), 0) for o in d.grades_old for n in d.grades_new}
    hidden = {c for c, v in cells.items() if 0 < v < k}
    changed = d.grades_changed
    n = len(d.both)
    show_changed = _group(changed, n, k) is not None
    groups = [list(cells)]
    if show_changed:
        groups += [[c for c in cells if c[0] != c[1]], [c for c in cells if c[0] == c[1]]]
    while True:
        short = next((g for g in groups if 0 < sum(cells[c] for c in g if c in hidden) < k), None)
        if short is None:
            break
        visible = sorted((cells[c], c) for c in short if c not in hidden and cells[c] > 0)
        if not visible:  # nothing left to hide in that sum: hide the sum itself (the grades changed)
            show_changed = False
            groups = groups[:1]
            continue
        hidden.add(visible[0][1])
    counts = [[None if (o, nn) in hidden else cells[(o, nn)] for nn in d.grades_new] for o in d.grades_old]
    return counts, changed if show_changed else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")




def merged_needs(*rulesets):
    """The :class:`~appraise.provide.stage.Needs` of several rulesets together (the first one's types win)."""
    from appraise.provide.stage import Needs

    parts = [Needs.from_ruleset(rs) for rs in rulesets]
    metrics: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for p in reversed(parts):
        metrics.update(p.metrics)
        attributes.update(p.attributes)
    scales = [p.rating_scale for p in parts if p.rating_scale is not None]
    return Needs(metrics=metrics, attributes=attributes, feedback360=any(p.feedback360 for p in parts),
                 okr=any(p.okr for p in parts), rating_scale=max(scales) if scales else None)


# Expressions reading these name one person: a redacted diff does not run a new one on real data.
PERSONAL_NAMES = ("id", "name")


def singling_out(rs_old, rs_new, new_path: Path) -> list:
    """Diagnostics for the expressions of ``rs_new`` that read an employee's id or name and are not in
    ``rs_old`` as written: a condition such as ``id == "E001"`` makes an aggregate one person's value."""
    from appraise.errors import Diagnostic

    kept = {e.text for e in rs_old.expressions()}
    try:
        text = new_path.read_text(encoding="utf-8-sig")
    except OSError:
        text = ""
    out = []
    for e in dict.fromkeys(rs_new.expressions()):
        names = sorted(set(PERSONAL_NAMES) & set(e.names))
        if not names or e.text in kept:
            continue
        at = text.find(e.text)
        line = text.count("\n", 0, at) + 1 if at >= 0 else 0
        col = at - (text.rfind("\n", 0, at) + 1) + 1 if at >= 0 else 0
        out.append(Diagnostic(shown(new_path), line, col,
                              f"'{e.text}' reads the employee's {' and '.join(names)}: a condition on one person "
                              "would make the redacted diff's totals that person's own values",
                              hint="a redacted diff does not run it on real data; have it reviewed and run "
                              "appraise diff without --redact inside HR", code="diff-singles-out"))
    return out


def diff_cycle(old: str | Path, new: str | Path, cycle_path: str | Path, *, redact: bool = False) -> RulesetDiff:
    """Score ``cycle_path``'s data under rulesets ``old`` and ``new`` and compare (nothing is written).

    ``redact`` gives the aggregates-only view (:meth:`RulesetDiff.redacted_view`) and refuses, before any
    data is read, a new ruleset whose new expressions read employee ids or names (:func:`singling_out`).
    """
    from appraise.errors import Diagnostic, InvalidInput
    from appraise.language.cycle import load_cycle
    from appraise.language.paths import leaves_workspace
    from appraise.language.ruleset import load_ruleset
    from appraise.pipeline import prepare

    old, new = Path(old), Path(new)
    links = [Diagnostic(shown(p), 0, 0, f"is a symbolic link leading outside {root.as_posix()}; it was not read",
                        hint="replace the link by the file", code="outside-path")
             for p in (old, new) for root in [leaves_workspace(p, p)] if root is not None]
    if links:  # a pull request's rulesets/x.yaml -> ~/.aws/credentials: its lines would be quoted
        raise InvalidInput(links)
    rs_old, rs_new = load_ruleset(old), load_ruleset(new)
    if redact:
        found = singling_out(rs_old, rs_new, new)
        if found:
            raise InvalidInput(found)
    cycle = load_cycle(cycle_path)
    try:
        # the same inputs for both: the needs of both rulesets; the store is not read, the overrides not applied
        prepared = prepare(cycle, rs_new, needs=merged_needs(rs_old, rs_new), overrides=False)
    except InvalidInput as exc:
        if not redact:
            raise
        # a data message quotes the cell ("'salary' of employee E001 is '35000', which is not a date"), and a
        # new ruleset can declare a column with the wrong type to have every cell quoted into the CI log
        raise InvalidInput([replace(d, message=f"a data problem ({d.code or 'data'}); not shown by a redacted "
                                    "diff", hint="run appraise validate or appraise diff without --redact inside "
                                    "HR to see it") for d in exc.diagnostics]) from None
    a, b = prepared.results(rs_old), prepared.results(rs_new)
    provided = prepared.provided
    result = compare(rs_old, rs_new, a.evaluation, b.evaluation, a.document, b.document,
                     old=shown(old), new=shown(new), cycle=shown(cycle_path), period=cycle.period.id)
    # what the providers warned about, and who they left out (on_error: skip-employee), applies to both runs
    result.notes += [f"data: {d}" for d in provided.diagnostics]
    if provided.skipped:
        result.notes.append("left out of both runs for data errors: " + ", ".join(sorted(provided.skipped)))
        result.left_out = len(provided.skipped)
    result.min_group = max(rs_old.min_group, rs_new.min_group)  # the new ruleset cannot lower the old one's
    result.redacted = redact
    return result


def compare(rs_old, rs_new, ev_old, ev_new, doc_old: dict, doc_new: dict, *, old: str, new: str, cycle: str,
            period: str) -> RulesetDiff:
    """Compare two evaluations of the same inputs (see :func:`diff_cycle`)."""
    a = {e["id"]: e for e in doc_old["employees"]}
    b = {e["id"]: e for e in doc_new["employees"]}
    employees = []
    for eid in sorted(set(a) | set(b)):
        x, y = a.get(eid), b.get(eid)
        either = x if x is not None else y
        employees.append(EmployeeChange(
            eid, (either or {}).get("name") or eid,
            None if x is None else x["score"], None if y is None else y["score"],
            None if x is None else x["grade"], None if y is None else y["grade"],
            None if x is None or x.get("bonus") is None else Decimal(x["bonus"]),
            None if y is None or y.get("bonus") is None else Decimal(y["bonus"])))
    grades_old = [g.grade for g in rs_old.grades]
    grades_new = [g.grade for g in rs_new.grades]
    migration: dict[tuple[str | None, str | None], int] = {}
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
    notes += plan_notes(rs_old, rs_new)
    only_old = [e.id for e in employees if e.new_score is None]
    only_new = [e.id for e in employees if e.old_score is None]
    if only_old:
        notes.append(f"appraised only under the old ruleset: {', '.join(only_old)}")
    if only_new:
        notes.append(f"appraised only under the new ruleset: {', '.join(only_new)}")
    return RulesetDiff(old, new, cycle, period, rs_new.currency, employees, grades_old, grades_new, migration,
                       rules, notes, components=component_changes(rs_old, rs_new, a, b))


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
    """The diff as ``text``, ``markdown`` or ``json`` (aggregates only when ``d.redacted``)."""
    if fmt == "json":
        return json.dumps(d.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _markdown_redacted(d.redacted_view()) if d.redacted else _markdown(d)
    if fmt == "text":
        return _text_redacted(d.redacted_view()) if d.redacted else _text(d)
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
    mean_old, mean_new = d.mean("old"), d.mean("new")
    lines += _table(["", "old", "new", "change"], [
        ["Mean score", _num(mean_old), _num(mean_new),
         _num(None if mean_old is None or mean_new is None else round(mean_new - mean_old, 2), True)],
        [f"Total bonus ({d.currency})", _amount(d.total_old), _amount(d.total_new), _amount(d.bonus_delta, True)],
        ["Grades changed", "", "", f"{d.grades_changed} of {len(both)}"],
        ["Rank correlation (Kendall's τ-b)", "", "", _tau(d)],
    ], "lrrr")
    lines += plan_lines(d.components, d.currency, markdown=True)
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
    if movers:
        lines += _table(["Employee", "Score", "Δ score", "Grade", f"Bonus ({d.currency})", "Δ bonus"], [
            [f"{e.id} {e.name}", f"{_num(e.old_score)} → {_num(e.new_score)}", _num(e.score_delta, True),
             (e.old_grade or "") if e.old_grade == e.new_grade else f"{e.old_grade} → **{e.new_grade}**",
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
    return "\n".join(lines) + "\n"


def _text(d: RulesetDiff) -> str:
    both = d.both
    lines = [f"appraise diff {d.old} -> {d.new} on {d.cycle} ({d.period}): {len(both)} employees in both",
             f"mean score: {_num(d.mean('old'))} -> {_num(d.mean('new'))}",
             f"total bonus ({d.currency}): {_amount(d.total_old)} -> {_amount(d.total_new)} "
             f"(delta {_amount(d.bonus_delta, True)})",
             f"grades changed: {d.grades_changed} of {len(both)}",
             f"Kendall's tau-b of scores: {_tau(d)}"]
    lines += plan_lines(d.components, d.currency, markdown=False)
    lines += ["", "grade migration (rows old, columns new):"]
    width = max([len(g) for g in d.grades_old + d.grades_new] + [5])
    lines.append(" " * (width + 2) + "".join(f"{n:>{width + 1}}" for n in d.grades_new))
    for o in d.grades_old:
        lines.append(f"  {o:<{width}}" + "".join(f"{d.migration.get((o, n), 0):>{width + 1}}" for n in d.grades_new))
    lines += ["", "employees (score, grade, bonus):"]
    for e in d.employees:
        money = f"  {_amount(e.old_bonus)} -> {_amount(e.new_bonus)} ({_amount(e.bonus_delta, True)})"
        lines.append(f"  {e.id:<8} {_num(e.old_score):>7} -> {_num(e.new_score):>7} ({_num(e.score_delta, True):>7})"
                     f"  {e.old_grade or '–'} -> {e.new_grade or '–'}" + money)
    movers = d.movers()
    if movers:
        lines += ["", "biggest movers: " + ", ".join(f"{e.id} {_num(e.score_delta, True)}" for e in movers)]
    lines += ["", "rules whose firing changed:" if d.rules else "every rule fired for the same employees"]
    for r in d.rules:
        tag = f" ({r.status})" if r.status != "both" else ""
        lines.append(f"  {r.id}{tag}: fired {r.old_count} -> {r.new_count}; gained {_ids(r.gained)}; "
                     f"lost {_ids(r.lost)}")
    lines += [""] + [f"note: {n}" for n in d.notes]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- redacted output (aggregates only)

def _count(value: int | None, k: int) -> str:
    return f"< {k} or hidden" if value is None else str(value)


def _redaction_note(v: dict) -> str:
    k = v["min_group"]
    return (f"Redacted for readers outside HR: aggregates only (no ids, names, scores or amounts of anyone); "
            f"a count is shown only when it and the rest are groups of at least {k} people (privacy.min_group), "
            f"and x marks a hidden migration cell (1 to {k - 1} people, or one that would give such a cell away)")


def _redacted_rows(v: dict) -> list[list[str]]:
    k = v["min_group"]
    rows = [["Employees compared", str(v["employees_compared"])]]
    for key, label in (("only_old", "Appraised only under the old ruleset"),
                       ("only_new", "Appraised only under the new ruleset"),
                       ("left_out_for_data_errors", "Left out of both runs for data errors")):
        if v[key] != 0:
            rows.append([label, _count(v[key], k)])
    if v.get("migration") is None:
        return rows
    delta = v["bonus_delta"]
    rows.append([f"Total bonus change ({v['currency']})",
                 f"fewer than {k} people's bonus changed: hidden" if delta is None
                 else _amount(Decimal(delta), True)])
    rows.append(["Grades changed", _count(v["grades_changed"], k)])
    tau = v["kendall_tau_b"]
    rows.append(["Rank correlation (Kendall's τ-b)", "undefined" if tau is None else f"{tau:.2f}"])
    return rows


def _redacted_matrix(v: dict, cell, bold=lambda s: s) -> tuple[list[str], list[list[str]]]:
    m = v["migration"]
    header = ["old \\ new"] + m["new_grades"]
    rows = [[bold(o)] + [cell(c) for c in counts] for o, counts in zip(m["old_grades"], m["counts"])]
    return header, rows


def _markdown_redacted(v: dict) -> str:
    lines = [f"### appraise diff: `{v['old']}` → `{v['new']}`", "",
             f"Cycle `{v['cycle']}` ({v['period']}), redacted.", ""]
    lines += _table(["", "change"], _redacted_rows(v), "lr")
    if v.get("migration") is not None:
        header, rows = _redacted_matrix(v, lambda c: "x" if c is None else (str(c) if c else "·"),
                                        lambda s: f"**{s}**")
        lines += ["", "**Grade migration** (rows: old grade, columns: new grade)", ""]
        lines += _table(header, rows, "l" + "r" * (len(header) - 1))
        lines += ["", "**Rules whose firing changed**", ""]
        if v["rules"]:
            lines += _table(["Rule", "", "Fired old → new"], [
                [f"`{r['id']}`", {"both": "", "removed": "removed", "added": "added"}[r["status"]],
                 f"{_count(r['old_count'], v['min_group'])} → {_count(r['new_count'], v['min_group'])}"]
                for r in v["rules"]], "llr")
        else:
            lines.append("Every rule fired for the same employees.")
    lines.append("")
    lines += [f"> Note: {n}." for n in v["notes"]]
    lines.append(f"> {_redaction_note(v)}.")
    return "\n".join(lines) + "\n"


def _text_redacted(v: dict) -> str:
    lines = [f"appraise diff {v['old']} -> {v['new']} on {v['cycle']} ({v['period']}), redacted"]
    lines += [f"{label}: {value}" for label, value in _redacted_rows(v)]
    if v.get("migration") is not None:
        header, rows = _redacted_matrix(v, lambda c: "x" if c is None else str(c))
        width = max(len(s) for row in [header[1:]] + rows for s in row) + 1
        lines += ["", "grade migration (rows old, columns new):",
                  " " * (width + 2) + "".join(f"{s:>{width + 1}}" for s in header[1:])]
        lines += [f"  {row[0]:<{width}}" + "".join(f"{s:>{width + 1}}" for s in row[1:]) for row in rows]
        lines += ["", "rules whose firing changed:" if v["rules"] else "every rule fired for the same employees"]
        k = v["min_group"]
        for r in v["rules"]:
            tag = f" ({r['status']})" if r["status"] != "both" else ""
            lines.append(f"  {r['id']}{tag}: fired {_count(r['old_count'], k)} -> {_count(r['new_count'], k)}")
    lines += [""] + [f"note: {n}" for n in v["notes"]]
    lines.append(_redaction_note(v))
    return "\n".join(lines) + "\n"
