"""Split credit on a seller's dashboard: their part of each deal, as the provide stage split it (README "Team
roll-up and split credit"); nothing is worked out again here."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any


def split_view(c, rows: Sequence[Mapping[str, str]] | None) -> dict[str, Any] | None:
    """The rows of the dashboard's split-credit table (deal, month, what, amount, share, credited) and ``what``
    when every row credits the same metric, or None when the employee was credited with no deal.  ``c`` is the
    page's context (texts ``t``, formatter ``f``, ruleset ``rs``)."""
    if not rows:
        return None
    out = []
    for r in rows:
        metric = c.rs.metric(r["metric"])
        unit = metric.unit if metric is not None else "number"
        label = c.t.localized(metric.label, r["metric"]) if metric is not None else r["metric"]
        out.append({"deal": r["deal"], "month": r["month"], "what": label, "amount": _amount(c, r["amount"], unit),
                    "share": r["share"], "credited": _amount(c, r["credited"], unit)})
    what = {r["what"] for r in out}
    return {"rows": out, "what": what.pop() if len(what) == 1 else None}  # one metric: named once, no column


def _amount(c, text: str, unit: str) -> str:
    """As split: money in the currency (a tenth of a cent shown, not rounded away), other units as numbers."""
    value = Decimal(text)
    places = max(0, -int(value.as_tuple().exponent))
    return c.f.money(value) if unit == "money" and places <= 2 else c.f.number(value, places)
