"""Team roll-ups and split credit, read plainly from README "Team roll-up and split credit" (no engine code).

Team roll-up ``{rollup: {of, scope, aggregate, include_self, via}}``: for an employee M, the people whose
``via`` cell is M (``direct``) or whose chain of ``via`` cells reaches M (``subtree``), keeping those employed in
the period; with ``include_self`` M too.  If none: missing.  If any of them has no value of ``of``, or is not
appraised for a reason of the employee table (a blank hire date the ruleset needs, a negative bonus target):
missing.  Else the exact sum / mean (sum over count) / min / max of their values.  A chain coming back to itself,
or a manager id (of someone employed in the period) not in the table: the run is refused.

Split credit: ``deals`` rows (``deal``, ``month``, metric columns) of the period's months and ``credits`` rows
(``deal``, ``employee``, ``share``: a decimal or ``a/b``).  A deal of the period must have credits whose shares add
up to exactly 1 (else the run is refused).  Each amount is split in units of 0.01, or of its own last decimal
place when it has more places: every part is the share rounded down to a unit, then the units left over go one
each to the largest remainders, ties to the seller listed first.  A seller's credited value for a month is the
sum of their parts of that month's deals.
"""
from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from .readers import ReferenceInputError, parse_month, parse_number

_FRACTION = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*\Z")


# ----------------------------------------------------------------------------------------- roll-ups

def check_hierarchy(people, rollups: dict[str, dict], period) -> None:
    """Refuse a cycle of managers, or an unknown manager of someone employed in the period."""
    by_id = {p.id: p for p in people}
    for via in sorted({r.get("via", "manager") for r in rollups.values()}):
        for p in people:
            boss = _boss(p, via)
            if boss is not None and boss not in by_id and p.appraised_in(period):
                raise ReferenceInputError(f"{p.id}'s {via} {boss!r} is not in the employee table")
            seen = {p.id}
            while boss is not None and boss in by_id:
                if boss in seen:
                    raise ReferenceInputError(f"the {via} column goes round in a circle through {p.id}")
                seen.add(boss)
                boss = _boss(by_id[boss], via)


def _boss(person, via: str) -> str | None:
    value = person.values.get(via)
    value = None if value is None else str(value).strip()
    return value or None


def reports(people, manager, via: str, subtree: bool) -> list:
    """The people below ``manager`` through ``via``: direct ones, or every level."""
    out, frontier = [], [manager.id]
    while frontier:
        below = [p for p in people if _boss(p, via) in frontier]
        out.extend(below)
        frontier = [p.id for p in below] if subtree else []
    return out


def rollup_value(spec: dict, person, people, period, value_of, appraisable):
    """The roll-up of ``person``: ``value_of(p)`` is p's value of the metric rolled up (None: missing),
    ``appraisable(p)`` whether the employee table lets p be appraised."""
    team = [p for p in reports(people, person, spec.get("via", "manager"), spec.get("scope") == "subtree")
            if p.appraised_in(period)]
    if spec.get("include_self"):
        team = [person, *team]
    if not team:
        return None
    values = []
    for p in team:
        v = value_of(p) if appraisable(p) else None
        if v is None:
            return None
        values.append(v)
    how = spec.get("aggregate", "sum")
    if how == "sum":
        return sum(values, Fraction(0))
    if how == "mean":
        return sum(values, Fraction(0)) / len(values)
    return min(values) if how == "min" else max(values)


# ----------------------------------------------------------------------------------------- split credit

def share_of(text, where: str) -> Fraction:
    s = "" if text is None else str(text).strip()
    m = _FRACTION.match(s)
    if m and int(m.group(2)):
        value = Fraction(int(m.group(1)), int(m.group(2)))
    else:
        value = parse_number(s or None, where)
        if value is None:
            raise ReferenceInputError(f"{where}: a credits row without a share")
    if not 0 < value <= 1:
        raise ReferenceInputError(f"{where}: share {text!r} is not above 0 and at most 1")
    return value


def split(amount: Decimal, shares: list[Fraction]) -> list[Decimal]:
    places = max(2, -amount.as_tuple().exponent)
    unit = Fraction(1, 10 ** places)
    units = Fraction(amount) / unit
    assert units.denominator == 1
    exact = [units * s for s in shares]
    parts = [e.numerator // e.denominator for e in exact]
    left = int(units) - sum(parts)
    ranked = sorted(range(len(shares)), key=lambda i: (exact[i] - parts[i], -i), reverse=True)
    for i in ranked[:left]:
        parts[i] += 1
    return [Decimal(p) / Decimal(10 ** places) for p in parts]


def credited_cells(deal_rows: list[tuple[dict, str]], credit_rows: list[tuple[dict, str]], declared: set[str],
                   period) -> dict[str, dict[tuple[str, str], tuple]]:
    """{employee: {(month, metric): (value, where)}} credited by the period's deals."""
    out: dict[str, dict[tuple[str, str], tuple]] = {}
    credits: dict[str, list[tuple[str, Fraction, str]]] = {}
    for row, where in credit_rows:
        if row.get("deal") is None or row.get("employee") is None:
            raise ReferenceInputError(f"{where}: a credits row needs deal and employee")
        credits.setdefault(row["deal"], []).append((row["employee"], row.get("share"), where))
    seen: set[tuple[str, str]] = set()
    for row, where in deal_rows:
        if row.get("month") is None:
            raise ReferenceInputError(f"{where}: a deal row needs a month")
        month = parse_month(row["month"], where)
        if month not in period.months:
            continue
        deal = row.get("deal")
        if deal is None or (deal, month) in seen:
            raise ReferenceInputError(f"{where}: a deal row without a deal, or repeated")
        seen.add((deal, month))
        sellers = credits.get(deal)
        if not sellers:
            raise ReferenceInputError(f"{where}: no one is credited with deal {deal}")
        names = [emp for emp, _, _ in sellers]
        if len(set(names)) != len(names):
            raise ReferenceInputError(f"deal {deal}: a seller is listed twice")
        shares = [share_of(s, w) for _, s, w in sellers]
        if sum(shares, Fraction(0)) != 1:
            raise ReferenceInputError(f"deal {deal}: the shares add up to {sum(shares)}, not 1")
        for name in sorted(declared & set(row)):
            if parse_number(row.get(name), f"{where} ({name})") is None:
                continue
            amount = Decimal(str(row[name]).strip())  # the decimal as written (parse_number accepted it)
            for (emp, _, cwhere), part in zip(sellers, split(amount, shares)):
                cell = out.setdefault(emp, {})
                old = cell.get((month, name), (Fraction(0), cwhere))
                cell[(month, name)] = (old[0] + Fraction(part), old[1])
    return out
