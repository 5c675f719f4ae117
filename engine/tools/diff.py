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

Guardrails for CI (``--fail-on``): :func:`parse_threshold` reads ``cost:+5%``
(the bonus cost rises by more than 5 %; ``cost:-5%`` falls by more, ``cost:5%``
either way, ``cost:+10000`` an amount), ``grade-changes:10%`` (more than 10 %
of the people compared change grade; ``grade-changes:3`` a count) and
``rank-corr:0.9`` (Kendall's tau-b below 0.9).  :meth:`RulesetDiff.check`
measures each against the numbers the diff computed (exactly: the cost in
decimals, shares as fractions) and the report shows every check.

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
from fractions import Fraction
from pathlib import Path
from typing import Any

from appraise.display import shown
from appraise.tools.incentive_diff import component_changes
from appraise.tools.incentive_diff import lines as plan_lines
from appraise.tools.incentive_diff import notes as plan_notes

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


# ---------------------------------------------------------------- guardrails (--fail-on)

METRICS = ("cost", "grade-changes", "rank-corr")


@dataclass(frozen=True)
class Threshold:
    """One ``--fail-on`` guardrail as written (``cost:+5%``): what it measures and where it fails."""

    text: str
    metric: str                 # cost | grade-changes | rank-corr
    limit: Fraction             # 5 for 5 %, 10000 for an amount, 0.9 for a correlation
    percent: bool = False       # a share (%) rather than an amount or a count
    direction: str = ""         # cost only: "+" rises, "-" falls, "" either way
    number: str = ""            # the limit as written (no sign, no %), for messages


def parse_threshold(text: str) -> Threshold:
    """``cost:+5%``, ``cost:-3%``, ``cost:5%``, ``cost:+10000``, ``grade-changes:10%``, ``grade-changes:3``,
    ``rank-corr:0.9``; a ValueError says what is wrong and what is allowed."""
    name, sep, raw = text.strip().partition(":")
    name, raw = name.strip().lower(), raw.strip().replace(" ", "")
    if not sep or name not in METRICS:
        raise ValueError(f"'{text}' is not a guardrail; write cost:+5%, grade-changes:10% or rank-corr:0.9")
    direction = ""
    if name == "cost" and raw[:1] in "+-" and raw:
        direction, raw = raw[0], raw[1:]
    percent = raw.endswith("%")
    number = raw[:-1] if percent else raw
    try:
        limit = Fraction(Decimal(number.replace(",", "")))
    except (ArithmeticError, ValueError):
        raise ValueError(f"'{text}': '{raw}' is not a number") from None
    if name == "rank-corr":
        if percent or direction or not -1 <= limit <= 1:
            raise ValueError(f"'{text}': the rank correlation is a number from -1 to 1, e.g. rank-corr:0.9")
    elif limit < 0 or (name == "grade-changes" and raw[:1] in "+-"):
        raise ValueError(f"'{text}': write the limit without a sign (cost takes + or - for the direction)")
    elif name == "grade-changes" and not percent and limit.denominator != 1:
        raise ValueError(f"'{text}': a number of people is a whole number; write a share as 10%")
    return Threshold(text.strip(), name, limit, percent, direction, number)


@dataclass(frozen=True)
class Check:
    """A guardrail measured on the diff: the number it reads (``None``: undefined) and whether it failed."""

    threshold: Threshold
    value: Fraction | None      # percent or amount of the cost change, share (%) or count of grade changes, tau-b
    failed: bool

    def to_dict(self, hidden: bool = False) -> dict:
        """JSON shape; ``hidden`` leaves the measured value out (a redacted diff that hides its aggregate)."""
        shown_value = None if hidden or self.value is None else float(self.value)
        return {"threshold": self.threshold.text, "metric": self.threshold.metric,
                "limit": float(self.threshold.limit), "percent": self.threshold.percent,
                "direction": self.threshold.direction, "value": shown_value, "failed": self.failed}


def _fraction_text(value: Fraction, digits: int, signed: bool = False) -> str:
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):,.{digits}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # never "-0.00"
    return ("+" if signed and value > 0 and not text.startswith("-") else "") + text


def _limit_text(t: Threshold) -> str:
    return t.number + ("%" if t.percent else "")


def check_line(c: Check, d: RulesetDiff, locale: str = "en", hidden: bool = False) -> str:
    """One guardrail as a line of the report: what it measured and why it passed or failed, in ``locale``.

    ``hidden``: a redacted diff hides this aggregate (too few people): the verdict stands, the number is not shown.
    """
    from appraise.i18n import say

    t = c.threshold
    limit = _limit_text(t)
    if hidden:
        measured = say("diff.hidden", locale, k=d.min_group)
    elif t.metric == "cost":
        amount = _amount(d.bonus_delta, True)
        if not t.percent:
            measured = say("diff.cost_amount", locale, amount=amount, currency=d.currency)
        elif c.value is None:
            measured = say("diff.cost_from_zero", locale, amount=amount, currency=d.currency)
        else:
            measured = say("diff.cost_pct", locale, pct=_fraction_text(c.value, 2, True) + "%", amount=amount,
                           currency=d.currency)
    elif t.metric == "grade-changes":
        n = len(d.both)
        if t.percent and c.value is None:
            measured = say("diff.grades_none", locale)
        elif t.percent:
            measured = say("diff.grades_pct", locale, changed=d.grades_changed, n=n,
                           pct=_fraction_text(c.value or Fraction(0), 2) + "%")
        else:
            measured = say("diff.grades_count", locale, changed=d.grades_changed, n=n)
    elif c.value is None:
        measured = say("diff.tau_undefined", locale)
    else:
        measured = say("diff.tau", locale, tau=f"{float(c.value):.{2 if d.redacted else 4}f}")
    if t.metric == "rank-corr":
        verdict = say("diff.below" if c.failed else "diff.at_least", locale, limit=limit)
    elif not c.failed:
        verdict = say("diff.within", locale, limit=(t.direction + limit) if t.direction else limit)
    elif t.metric == "cost":
        verdict = say({"+": "diff.over_up", "-": "diff.over_down", "": "diff.over_either"}[t.direction], locale,
                      limit=limit)
    else:
        verdict = say("diff.over", locale, limit=limit)
    return say("diff.check.fail" if c.failed else "diff.check.ok", locale, threshold=t.text, measured=measured,
               verdict=verdict)


def _hidden_in(view: dict, c: Check) -> bool:
    """Whether a redacted view (:meth:`RulesetDiff.redacted_view`) hides the aggregate check ``c`` reads."""
    if view.get("migration") is None:
        return True  # fewer than min_group compared: nothing but that number is shown
    if c.threshold.metric == "cost":
        return view["bonus_delta"] is None
    if c.threshold.metric == "grade-changes":
        return view["grades_changed"] is None
    return False


def check_lines(d: RulesetDiff, locale: str = "en") -> list[str]:
    """Every guardrail of ``d`` as a report line (redacted numbers hidden as the redacted view hides them)."""
    view = d.redacted_view() if d.redacted else {"migration": True}
    return [check_line(c, d, locale, d.redacted and _hidden_in(view, c)) for c in d.checks]


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
    components: list = field(default_factory=list)  # incentive plans: appraise.tools.incentive_diff.ComponentChange
    checks: list[Check] = field(default_factory=list)   # the --fail-on guardrails, measured by check()

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

    @property
    def failed(self) -> list[Check]:
        """The guardrails that failed."""
        return [c for c in self.checks if c.failed]

    def check(self, thresholds: Sequence[Threshold]) -> list[Check]:
        """Measure each guardrail on this diff (kept in :attr:`checks`, shown by every report).

        The cost change is exact: ``delta / old total × 100`` as a fraction (an old total of 0 with a change in
        the guarded direction fails, its percentage undefined); grade changes are a share of the people
        compared (or a count); the rank correlation is :attr:`tau` (undefined when every old or every new score
        is the same: then nothing is ranked, and the guardrail fails).
        """
        out = []
        for t in thresholds:
            value: Fraction | None
            if t.metric == "cost":
                delta, base = Fraction(self.bonus_delta), Fraction(self.total_old)
                if not t.percent:
                    value = delta
                else:
                    value = None if base == 0 else delta * 100 / base
                moved = {"+": delta > 0, "-": delta < 0, "": delta != 0}[t.direction]
                if value is None:
                    failed = moved
                else:
                    failed = {"+": value > t.limit, "-": value < -t.limit, "": abs(value) > t.limit}[t.direction]
            elif t.metric == "grade-changes":
                n = len(self.both)
                changed = Fraction(self.grades_changed)
                value = (None if n == 0 else changed * 100 / n) if t.percent else changed
                failed = value is not None and value > t.limit
            else:
                tau = self.tau
                value = None if tau is None else Fraction(tau)
                failed = value is None or value < t.limit
            out.append(Check(t, value, failed))
        self.checks = out
        return out

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
            "checks": [c.to_dict() for c in self.checks],
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
            out["checks"] = [c.to_dict(hidden=True) for c in self.checks]
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
        out["checks"] = [c.to_dict(hidden=_hidden_in(out, c)) for c in self.checks]
        if tau is not None:  # the redacted view shows tau-b to 2 decimals; so does its check
            out["checks"] = [{**x, "value": round(x["value"], 2)} if x["metric"] == "rank-corr"
                             and x["value"] is not None else x for x in out["checks"]]
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
    """The :class:`~appraise.provide.stage.Needs` of several rulesets together (:meth:`Needs.merged`)."""
    from appraise.provide.stage import Needs

    return Needs.merged(*(Needs.from_ruleset(rs) for rs in rulesets))


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

def render(d: RulesetDiff, fmt: str = "text", locale: str = "en") -> str:
    """The diff as ``text``, ``markdown`` or ``json`` (aggregates only when ``d.redacted``), its words in ``locale``
    (JSON keeps its keys and English notes: it is for scripts)."""
    if fmt == "json":
        return json.dumps(d.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}'; the formats are {', '.join(FORMATS)}")
    checks = check_lines(d, locale)
    t = _Words(locale)
    if fmt == "markdown":
        text = _markdown_redacted(d.redacted_view(), t) if d.redacted else _markdown(d, t)
        if checks:
            head, sep, rest = text.partition("\n\n**" + t("diff.md.migration_title"))
            block = ["", "", f"**{t('diff.checks.heading')}** (`--fail-on`)", ""]
            block += [f"- {'❌' if c.failed else '✅'} {line.split(maxsplit=1)[1]}"
                      for c, line in zip(d.checks, checks)]
            text = head + "\n".join(block) + sep + rest if sep else text + "\n".join(block[1:]) + "\n"
        return text
    text = _text_redacted(d.redacted_view(), t) if d.redacted else _text(d, t)
    if checks:
        head, sep, rest = text.partition("\n\n")
        text = head + "\n\n" + t("diff.checks") + "\n" + "\n".join(f"  {x}" for x in checks) \
            + (sep + rest if sep else "\n")
    return text


class _Words:
    """The report's words in one locale: ``t(key, **values)`` from :data:`appraise.i18n.CLI`; ``t.note(text)`` a
    note of the diff (written in English) translated."""

    def __init__(self, locale: str):
        self.locale = locale

    def __call__(self, key: str, **values) -> str:
        from appraise.i18n import say

        return say(key, self.locale, **values)

    def note(self, text: str) -> str:
        from appraise.i18n import translate

        return translate(text, self.locale)


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


def _tau(d: RulesetDiff, t: _Words) -> str:
    tau = d.tau
    return t("diff.tau_none") if tau is None else f"{tau:.4f}"


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" ---: " if c == "r" else " --- " for c in align) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _status(status: str, t: _Words) -> str:
    return "" if status == "both" else t(f"diff.{status}")


def _markdown(d: RulesetDiff, t: _Words) -> str:
    both = d.both
    lines = [f"### appraise diff: `{d.old}` → `{d.new}`", "",
             t("diff.md.cycle", cycle=d.cycle, period=d.period, n=len(both)), ""]
    mean_old, mean_new = d.mean("old"), d.mean("new")
    lines += _table(["", t("diff.old"), t("diff.new"), t("diff.change")], [
        [t("diff.mean_score"), _num(mean_old), _num(mean_new),
         _num(None if mean_old is None or mean_new is None else round(mean_new - mean_old, 2), True)],
        [t("diff.total_bonus", currency=d.currency), _amount(d.total_old), _amount(d.total_new),
         _amount(d.bonus_delta, True)],
        [t("diff.grades_changed"), "", "", t("diff.n_of", n=d.grades_changed, total=len(both))],
        [t("diff.rank_corr"), "", "", _tau(d, t)],
    ], "lrrr")
    lines += plan_lines(d.components, d.currency, t, markdown=True)
    lines += ["", f"**{t('diff.md.migration_title')}** {t('diff.md.migration_axes')}", ""]
    rows = []
    for o in d.grades_old:
        counts = [d.migration.get((o, n), 0) for n in d.grades_new]
        rows.append([f"**{o}**"] + [f"**{c}**" if c and o != n else (str(c) if c else "·")
                                    for c, n in zip(counts, d.grades_new)] + [str(sum(counts))])
    totals = [sum(d.migration.get((o, n), 0) for o in d.grades_old) for n in d.grades_new]
    rows.append([t("diff.total")] + [str(x) for x in totals] + [str(sum(totals))])
    lines += _table([t("diff.old_new")] + d.grades_new + [t("diff.total")], rows, "l" + "r" * (len(d.grades_new) + 1))
    movers = d.movers()
    lines += ["", t("diff.md.movers", n=TOP_MOVERS), ""]
    if movers:
        lines += _table([t("diff.employee"), t("diff.score"), t("diff.d_score"), t("diff.grade"),
                         t("diff.bonus", currency=d.currency), t("diff.d_bonus")], [
            [f"{e.id} {e.name}", f"{_num(e.old_score)} → {_num(e.new_score)}", _num(e.score_delta, True),
             (e.old_grade or "") if e.old_grade == e.new_grade else f"{e.old_grade} → **{e.new_grade}**",
             f"{_amount(e.old_bonus)} → {_amount(e.new_bonus)}", _amount(e.bonus_delta, True)] for e in movers],
            "lrrlrr")
    else:
        lines.append(t("diff.no_score_changed"))
    lines += ["", f"**{t('diff.md.rules_title')}**", ""]
    if d.rules:
        lines += _table([t("diff.rule"), "", t("diff.fired"), t("diff.gained"), t("diff.lost")], [
            [f"`{r.id}`", _status(r.status, t), f"{r.old_count} → {r.new_count}", _ids(r.gained), _ids(r.lost)]
            for r in d.rules], "llrll")
    else:
        lines.append(t("diff.same_rules"))
    lines.append("")
    lines += [t("diff.md.note", note=t.note(n)) for n in d.notes]
    return "\n".join(lines) + "\n"


def _text(d: RulesetDiff, t: _Words) -> str:
    both = d.both
    lines = [t("diff.text.head", old=d.old, new=d.new, cycle=d.cycle, period=d.period, n=len(both)),
             t("diff.text.mean", old=_num(d.mean("old")), new=_num(d.mean("new"))),
             t("diff.text.bonus", currency=d.currency, old=_amount(d.total_old), new=_amount(d.total_new),
               delta=_amount(d.bonus_delta, True)),
             t("diff.text.grades", n=d.grades_changed, total=len(both)),
             t("diff.text.tau", tau=_tau(d, t))]
    lines += plan_lines(d.components, d.currency, t, markdown=False)
    lines += ["", t("diff.text.migration")]
    width = max([len(g) for g in d.grades_old + d.grades_new] + [5])
    lines.append(" " * (width + 2) + "".join(f"{n:>{width + 1}}" for n in d.grades_new))
    for o in d.grades_old:
        lines.append(f"  {o:<{width}}" + "".join(f"{d.migration.get((o, n), 0):>{width + 1}}" for n in d.grades_new))
    lines += ["", t("diff.text.employees")]
    for e in d.employees:
        money = f"  {_amount(e.old_bonus)} -> {_amount(e.new_bonus)} ({_amount(e.bonus_delta, True)})"
        lines.append(f"  {e.id:<8} {_num(e.old_score):>7} -> {_num(e.new_score):>7} ({_num(e.score_delta, True):>7})"
                     f"  {e.old_grade or '–'} -> {e.new_grade or '–'}" + money)
    movers = d.movers()
    if movers:
        lines += ["", t("diff.text.movers", movers=", ".join(f"{e.id} {_num(e.score_delta, True)}" for e in movers))]
    lines += ["", t("diff.text.rules") if d.rules else t("diff.text.same_rules")]
    for r in d.rules:
        tag = f" ({_status(r.status, t)})" if r.status != "both" else ""
        lines.append(t("diff.text.rule", id=r.id, tag=tag, old=r.old_count, new=r.new_count, gained=_ids(r.gained),
                       lost=_ids(r.lost)))
    lines += [""] + [t("diff.text.note", note=t.note(n)) for n in d.notes]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- redacted output (aggregates only)

def _count(value: int | None, k: int, t: _Words) -> str:
    return t("diff.hidden_count", k=k) if value is None else str(value)


def _redaction_note(v: dict, t: _Words) -> str:
    k = v["min_group"]
    return t("diff.redaction_note", k=k, below=k - 1)


def _redacted_rows(v: dict, t: _Words) -> list[list[str]]:
    k = v["min_group"]
    rows = [[t("diff.compared"), str(v["employees_compared"])]]
    for key in ("only_old", "only_new", "left_out_for_data_errors"):
        if v[key] != 0:
            rows.append([t(f"diff.{key}"), _count(v[key], k, t)])
    if v.get("migration") is None:
        return rows
    delta = v["bonus_delta"]
    rows.append([t("diff.bonus_change", currency=v["currency"]),
                 t("diff.bonus_hidden", k=k) if delta is None else _amount(Decimal(delta), True)])
    rows.append([t("diff.grades_changed"), _count(v["grades_changed"], k, t)])
    tau = v["kendall_tau_b"]
    rows.append([t("diff.rank_corr"), t("diff.undefined") if tau is None else f"{tau:.2f}"])
    return rows


def _redacted_matrix(v: dict, cell, t: _Words, bold=lambda s: s) -> tuple[list[str], list[list[str]]]:
    m = v["migration"]
    header = [t("diff.old_new")] + m["new_grades"]
    rows = [[bold(o)] + [cell(c) for c in counts] for o, counts in zip(m["old_grades"], m["counts"])]
    return header, rows


def _markdown_redacted(v: dict, t: _Words) -> str:
    lines = [f"### appraise diff: `{v['old']}` → `{v['new']}`", "",
             t("diff.md.redacted", cycle=v["cycle"], period=v["period"]), ""]
    lines += _table(["", t("diff.change")], _redacted_rows(v, t), "lr")
    if v.get("migration") is not None:
        header, rows = _redacted_matrix(v, lambda c: "x" if c is None else (str(c) if c else "·"), t,
                                        lambda s: f"**{s}**")
        lines += ["", f"**{t('diff.md.migration_title')}** {t('diff.md.migration_axes')}", ""]
        lines += _table(header, rows, "l" + "r" * (len(header) - 1))
        lines += ["", f"**{t('diff.md.rules_title')}**", ""]
        if v["rules"]:
            lines += _table([t("diff.rule"), "", t("diff.fired")], [
                [f"`{r['id']}`", _status(r["status"], t),
                 f"{_count(r['old_count'], v['min_group'], t)} → {_count(r['new_count'], v['min_group'], t)}"]
                for r in v["rules"]], "llr")
        else:
            lines.append(t("diff.same_rules"))
    lines.append("")
    lines += [t("diff.md.note", note=t.note(n)) for n in v["notes"]]
    lines.append(f"> {_redaction_note(v, t)}.")
    return "\n".join(lines) + "\n"


def _text_redacted(v: dict, t: _Words) -> str:
    lines = [t("diff.text.redacted", old=v["old"], new=v["new"], cycle=v["cycle"], period=v["period"])]
    lines += [f"{label}: {value}" if t.locale == "en" else f"{label}：{value}" for label, value in _redacted_rows(v, t)]
    if v.get("migration") is not None:
        header, rows = _redacted_matrix(v, lambda c: "x" if c is None else str(c), t)
        width = max(len(s) for row in [header[1:]] + rows for s in row) + 1
        lines += ["", t("diff.text.migration"),
                  " " * (width + 2) + "".join(f"{s:>{width + 1}}" for s in header[1:])]
        lines += [f"  {row[0]:<{width}}" + "".join(f"{s:>{width + 1}}" for s in row[1:]) for row in rows]
        lines += ["", t("diff.text.rules") if v["rules"] else t("diff.text.same_rules")]
        k = v["min_group"]
        for r in v["rules"]:
            tag = f" ({_status(r['status'], t)})" if r["status"] != "both" else ""
            lines.append(t("diff.text.rule_redacted", id=r["id"], tag=tag, old=_count(r["old_count"], k, t),
                           new=_count(r["new_count"], k, t)))
    lines += [""] + [t("diff.text.note", note=t.note(n)) for n in v["notes"]]
    lines.append(_redaction_note(v, t))
    return "\n".join(lines) + "\n"
