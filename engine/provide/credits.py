"""Split credit: a ``deals`` source (``deal``, ``month`` and metric columns) and a ``credits`` source (``deal``,
``employee``, ``share``) become each seller's credited metric rows (README "Team roll-up and split credit").

Exact.  A share is a decimal (``0.25``) or a fraction (``1/3``); the shares of a deal must add up to exactly 1.
Each amount is split in whole cents (or in the amount's own smallest decimal place when it has more than two):
every seller first gets their share rounded down to the cent, and the cents left over go one each to the sellers
whose shares lost the most in that rounding (ties: the seller listed first in the credits file), so the parts
always add up to the amount, to the cent.  100.00 split in thirds is 33.34, 33.33 and 33.33.

The credited rows join the metric tables as one more monthly source (its rows located at the credits file's
rows), so every check of metric rows applies to them: one metric of one employee-month from two sources is an
error, rows outside someone's employment are set aside with a warning.  What cannot be split is an error that
stops the run, whatever ``on_error`` says, since it would move pay between people: shares that do not add up to
1 (naming the deal and its rows), a share that is not a number between 0 and 1, a deal of the period that nobody
is credited with, a deal repeated for one month, a seller listed twice on one deal.  A seller who is not in the
employee table is an error about that seller (their part is not credited to anyone).  :func:`split_credit` also
returns the split itself (:attr:`appraise.tables.Inputs.splits`), for explanations and dashboards.
"""
from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import polars as pl

from appraise.language.cycle import Cycle
from appraise.provide.checks import as_text, duplicates, empty, month_column, numbers, require, text_of, with_rows
from appraise.provide.needs import Needs
from appraise.provide.parts import Known, Part, Report, cycle_diag
from appraise.tables import THOUSANDS

CREDIT_COLUMNS = ("deal", "employee", "share")
SPLIT_SCHEMA = {"employee": pl.Utf8, "deal": pl.Utf8, "month": pl.Utf8, "metric": pl.Utf8, "amount": pl.Utf8,
                "share": pl.Utf8, "credited": pl.Utf8}
_SHARE = re.compile(r"^\s*(?:(\d+(?:\.\d*)?|\.\d+)|(\d+)\s*/\s*(\d+))\s*$")


def split_credit(deals: list[Part], credits: list[Part], needs: Needs, cycle: Cycle, report: Report,
                 known: Known | None, given: set[str]) -> tuple[Part | None, pl.DataFrame | None]:
    """The credited metric rows of the period as one monthly metric source (None: the cycle has no deals, or no
    seller is credited in the period), and the split (``employee, deal, month, metric, amount, share,
    credited``, decimal strings).  ``given`` gains the metrics the deals sources have columns for (whatever
    their rows' months: a metric is there, with no values in the period, not misspelt)."""
    for part in deals:
        given.update(c for c in part.frame.columns if c in needs.metrics)
    if not deals and not credits:
        return None, None
    if not deals or not credits:
        have, lacks = ("deals", "credits (deal, employee, share)") if deals else ("credits", "deals (deal, month, "
                                                                                   "<metric>...)")
        report.fatal(cycle_diag(cycle, f"the cycle has a {have} source but no {lacks} source; split credit needs "
                                "both"))
        return None, None
    if len(credits) > 1:
        second = credits[1]
        report.fatal(second.source.diag("a cycle has one credits source; put the splits in one file",
                                        code="source-kind"))
        return None, None
    rows = [r for part in deals for r in _deal_rows(part, needs, cycle, report)]
    if any(r is None for r in rows):
        return None, None
    shares, ok = _shares(credits[0], report, known, {r[2] for r in rows if r is not None})
    by_deal: dict[str, list[tuple[str, Fraction, str, int]]] = {}
    for deal, emp, share, text, line in shares:
        by_deal.setdefault(deal, []).append((emp, share, text, line))
    out: dict[tuple[str, str], dict] = {}  # (employee, month) -> {metric: Decimal, "_row": first credits row}
    split = []
    cpart = credits[0]
    for part, line, deal, month, amounts in rows:
        sellers = by_deal.get(deal)
        if not sellers and deal not in shares.broken:
            report.fatal(part.origin.diag(line, "deal", f"no one is credited with deal '{deal}' ({month}); its "
                                          "amount would be lost",
                                          hint=f"list its sellers and shares in {cpart.source.label}",
                                          code="data-credit"))
            ok = False
        if not ok or not sellers:
            continue
        for metric, amount in amounts.items():
            parts = split_amount(amount, [s for _, s, _, _ in sellers])
            for (emp, _, text, cline), value in zip(sellers, parts):
                if emp is None:
                    continue  # not in the employee table: reported, credited to no one
                cell = out.setdefault((emp, month), {"_row": cline})
                cell[metric] = cell.get(metric, Decimal(0)) + value
                split.append((emp, deal, month, metric, _text(amount), text, _text(value)))
    if not ok:
        return None, None
    ledger = pl.DataFrame(split, schema=SPLIT_SCHEMA, orient="row").sort("employee", "month", "deal", "metric")
    if not out:
        return None, ledger
    metrics = [m for m in needs.metrics if any(m in c for c in out.values())]
    frame = pl.DataFrame([{"employee": e, "month": mo, **{m: (str(c[m]) if m in c else None) for m in metrics},
                           "_row": c["_row"]} for (e, mo), c in sorted(out.items())],
                         schema={"employee": pl.Utf8, "month": pl.Utf8, **{m: pl.Utf8 for m in metrics},
                                 "_row": pl.Int64})
    origin = cpart.origin
    at = {"employee": origin.col("employee"), "month": origin.col("deal"), **{m: origin.col("share") for m in metrics}}
    return Part(frame, replace(origin, columns=at), cpart.source), ledger


def split_amount(amount: Decimal, shares: list[Fraction]) -> list[Decimal]:
    """``amount`` split by ``shares`` (summing to 1) in whole cents, or in the amount's own last decimal place
    when it has more: each part rounded down, the units left over one each to the largest remainders (ties: the
    earlier share).  The parts add up to ``amount`` exactly."""
    places = amount.as_tuple().exponent
    unit = Decimal(1).scaleb(min(-2, places) if isinstance(places, int) else -2)
    units = int(amount / unit)  # exact: the amount is a whole number of units
    exact = [units * s for s in shares]
    floors = [q.numerator // q.denominator for q in exact]
    left = units - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(Decimal(f) * unit).quantize(unit) for f in floors]


def parse_share(text: str | None) -> Fraction | None:
    """``0.25``, ``.5``, ``1`` or ``1/3`` as an exact fraction; None when it is neither."""
    if text is None:
        return None
    m = _SHARE.match(text)
    if m is None:
        return None
    if m[1] is not None:
        return Fraction(Decimal(m[1]))
    return Fraction(int(m[2]), int(m[3])) if int(m[3]) else None


def _text(value: Decimal) -> str:
    return format(value, "f")


class _Shares(list):
    """(deal, employee or None when unknown, share, share as written, row) of credits rows; ``broken``: the deals
    some row of which could not be read (their other problems are reported, not "no one is credited")."""

    broken: set[str]


def _shares(part: Part, report: Report, known: Known | None, deals: set[str]) -> tuple[_Shares, bool]:
    """The credits rows of ``deals`` (the period's: the file may hold every deal of the year), and whether they
    can be used (every problem is reported)."""
    what = "the credits table"
    rows = _Shares()
    rows.broken = set()
    if not require(part, CREDIT_COLUMNS, report, what) or empty(part, report, what):
        rows.broken = set(deals)
        return rows, False
    frame = as_text(with_rows(part.frame), ["deal", "employee"]).with_columns(text_of(part.frame, "share")
                                                                                .alias("share"))
    frame = frame.filter(pl.col("deal").is_null() | pl.col("deal").is_in(sorted(deals)))
    ok = True
    for key in ("deal", "employee", "share"):
        for line, deal in frame.filter(pl.col(key).is_null()).select("_row", "deal").head(200).iter_rows():
            rows.broken.add(deal)
            report.fatal(part.origin.diag(line, key, f"a credits row has no '{key}'",
                                          hint="every row names a deal, a seller and their share", code="data-credit"))
            ok = False
    frame = frame.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in CREDIT_COLUMNS]))
    sub = Report()
    duplicates(part, frame, ["deal", "employee"], sub, "the seller of a deal", "employee")
    for diag, _ in sub.items:
        report.fatal(diag)
        ok = False
    for deal, emp, text, line in frame.select("deal", "employee", "share", "_row").iter_rows():
        share = parse_share(text)
        if share is None or not 0 < share <= 1:
            rows.broken.add(deal)
            report.fatal(part.origin.diag(line, "share", f"the share of {emp} in deal '{deal}' is '{text}'; a share is "
                                          "a number above 0 and at most 1", hint="write 0.5, 0.25 or 1/3",
                                          code="data-credit"))
            ok = False
            continue
        if known is not None and emp not in known:
            report.employee(emp, part.origin.diag(line, "employee", f"deal '{deal}' credits '{emp}', who is not in "
                                                  "the employee table; their share is credited to no one",
                                                  hint="fix the id, or add the employee",
                                                  code="data-unknown-employee"))
            rows.append((deal, None, share, text, line))
            continue
        rows.append((deal, emp, share, text, line))
    totals: dict[str, list] = {}
    for deal, _, share, text, line in rows:
        totals.setdefault(deal, []).append((share, text, line))
    for deal, items in totals.items():
        total = sum((s for s, _, _ in items), Fraction(0))
        if total != 1:
            lines = ", ".join(str(part.origin.line(line)) for _, _, line in items)
            written = " + ".join(t for _, t, _ in items)
            report.fatal(part.origin.diag(items[0][2], "share", f"the shares of deal '{deal}' add up to "
                                          f"{_fraction_text(total)} ({written}, rows {lines}), not 1",
                                          hint="correct the shares so each deal's add up to exactly 1 (1/3 may be "
                                          "written as a fraction)", code="data-credit-shares"))
            ok = False
    return rows, ok


def _fraction_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return text if Fraction(Decimal(text)) == value else f"{value.numerator}/{value.denominator}"


def _deal_rows(part: Part, needs: Needs, cycle: Cycle, report: Report):
    """(part, row, deal, month, {metric: exact amount}) of the period's rows of a deals source; a None among them
    when the source cannot be used."""
    what = "the deals table"
    if not require(part, ("deal", "month"), report, what) or empty(part, report, what):
        return [None]
    frame = with_rows(part.frame)
    declared = set(needs.metrics)
    values = [c for c in frame.columns if c in declared]
    for c in frame.columns:
        if c not in ("deal", "month", "_row") and c not in declared:
            report.fatal(replace(part.origin.diag(1 if part.origin.query is None else None, c,
                                                  f"'{c}' is not a raw metric the ruleset declares, so it is not "
                                                  "split",
                                                  code="data-unknown-metric"), severity="warning"))
    if not values:
        report.fatal(part.origin.diag(1 if part.origin.query is None else None, None,
                                      f"{what} has no column of a metric the ruleset declares; nothing to split",
                                      code="data-missing-column"))
        return [None]
    frame = as_text(frame, ["deal"]).with_columns(month_column(frame).alias("_month"))
    ok = True
    for line, raw in frame.filter(pl.col("_month").is_null()).select("_row", text_of(frame, "month")).head(200) \
            .iter_rows():
        report.fatal(part.origin.diag(line, "month", f"month '{raw}' of a deal is not a month",
                                      hint="write months as 2026-07", code="data-month"))
        ok = False
    frame = frame.filter(pl.col("_month").is_in(list(cycle.period.months)))
    for line, in frame.filter(pl.col("deal").is_null()).select("_row").head(200).iter_rows():
        report.fatal(part.origin.diag(line, "deal", "a deal row has no 'deal'", code="data-credit"))
        ok = False
    frame = frame.filter(pl.col("deal").is_not_null()).with_columns(pl.col("_month").alias("month"))
    sub = Report()
    duplicates(part, frame, ["deal", "month"], sub, "the deal", "deal")
    numbers(part, frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("employee")), values, sub, "the deal's")
    for diag, _ in sub.items:
        report.fatal(diag)
        ok = False
    if not ok:
        return [None]
    texts = frame.select("_row", "deal", "month", *[text_of(frame, c).alias(c) for c in values])
    out = []
    for row in texts.iter_rows(named=True):
        amounts = {}
        for c in values:
            if row[c] is None:
                continue
            raw = row[c].replace(",", "") if re.match(THOUSANDS, row[c]) else row[c]
            try:
                amounts[c] = Decimal(raw)
            except InvalidOperation:  # numbers() said so
                return [None]
        out.append((part, row["_row"], row["deal"], row["month"], amounts))
    return out
