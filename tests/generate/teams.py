"""Team roll-ups and split credit for generated cases (README "Team roll-up and split credit").

Ruleset side (:func:`add_rollups`): some KPIs read a team roll-up of their metric instead of the metric (``direct``
or ``subtree``, ``sum`` for amounts and counts, ``mean`` / ``min`` / ``max`` otherwise, now and then with the
manager's own value), their metric targets the roll-up of the target metric, and a derived metric may read a
roll-up.  The ruleset then declares ``manager: string``.

Data side: :func:`assign_managers` gives the employee table a forest of managers (each person's manager is
someone listed before them, so chains have depth), now and then broken on purpose (a manager id nobody has, or
two people managing each other: the run must stop).  :func:`deals_and_credits` writes a ``deals`` file (deal,
month, the credited metric) and a ``credits`` file (deal, employee, share: ``1``, halves, ``1/3`` each,
``0.4/0.3/0.3``, ``0.3333/0.3333/0.3334``...) for a metric that then no metrics file has; amounts have cents,
tenths of a cent, or are refunds; rarely the shares of a deal do not add up to 1 (the run must stop).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .choosers import Chooser, RandomChooser


def side(ch: Chooser, tag: str) -> Chooser:
    """A chooser of its own for team roll-ups and split credit, which leaves ``ch``'s sequence as it was: a case
    that has neither is exactly the case it was before they existed (the differential's seeds keep their cases)."""
    if isinstance(ch, RandomChooser):
        return RandomChooser(f"{ch.seed}/{tag}")
    return ch.fork()


SPLITS = [["1"], ["0.5", "0.5"], ["1/3", "1/3", "1/3"], ["0.4", "0.3", "0.3"], ["0.25", "0.75"],
          ["0.3333", "0.3333", "0.3334"], ["1/4", "0.5", "1/4"], ["0.6", "0.4"]]


def add_rollups(ch: Chooser, cards: dict, metrics: dict[str, dict], plan) -> None:
    """Turn some KPIs of ``cards`` into KPIs of team roll-ups (declared in ``metrics``)."""
    kpis = [(card, dim, key, spec) for card, c in cards.items() for dim, d in c["dimensions"].items()
            if "kpis" in d for key, spec in d["kpis"].items()]
    if not kpis:
        return
    for _card, _dim, key, spec in ch.sample(kpis, 1, min(2, len(kpis))):
        metric = spec.get("metric", key)
        if metric not in metrics or "rollup" in metrics[metric]:
            continue
        scope = ch.weighted([("direct", 3), ("subtree", 2)])
        unit = metrics[metric].get("unit", "number")
        aggregate = "sum" if unit in ("money", "count") else ch.choice(["mean", "min", "max"])
        if ch.chance(0.1):
            aggregate = ch.choice(["sum", "mean", "min", "max"])
        rollup: dict[str, Any] = {"of": metric}
        if scope != "direct" or ch.chance(0.3):
            rollup["scope"] = scope
        if aggregate != "sum" or ch.chance(0.2):
            rollup["aggregate"] = aggregate
        if ch.chance(0.2):
            rollup["include_self"] = True
            plan.features.add("rollup-include-self")
        name = f"{'team' if scope == 'direct' else 'org'}_{metric}"
        _declare(metrics, name, metric, rollup)
        spec["metric"] = name
        plan.features.add(f"rollup-{scope}")
        plan.features.add(f"rollup-{aggregate}")
        target = spec.get("target")
        if isinstance(target, str) and target in metrics and "rollup" not in metrics[target]:
            tname = f"{'team' if scope == 'direct' else 'org'}_{target}"
            _declare(metrics, tname, target, {**rollup, "of": target})
            spec["target"] = tname
            plan.features.add("rollup-target")
        if ch.chance(0.25) and unit in ("money", "count"):
            metrics[f"{name}_share"] = {"unit": "ratio", "formula": f"{metric} / max({name}, 1)"}
            plan.features.add("formula-reads-rollup")
    if any("rollup" in m for m in metrics.values()):
        plan.attributes["manager"] = "string"


def _declare(metrics: dict[str, dict], name: str, of: str, rollup: dict) -> None:
    spec: dict[str, Any] = {"unit": metrics[of].get("unit", "number"), "rollup": rollup}
    if metrics[of].get("direction") == "lower":
        spec["direction"] = "lower"
    metrics.setdefault(name, spec)


def assign_managers(ch: Chooser, people: list[dict], dirty: str | None, employed: str | None) -> str | None:
    """Fill ``manager`` of each person; returns why the run must stop when ``dirty`` breaks the hierarchy."""
    for i, p in enumerate(people):
        p["manager"] = people[ch.integer(0, i - 1)]["id"] if i and ch.chance(0.7) else None
    if dirty == "manager-unknown" and employed is not None:
        next(p for p in people if p["id"] == employed)["manager"] = "NOBODY-1"
        return "a manager who is not in the employee table"
    if dirty == "manager-cycle" and len(people) > 1:
        a, b = ch.sample(people, 2, 2)
        a["manager"], b["manager"] = b["id"], a["id"]
        return "two people who manage each other"
    return None


def deals_and_credits(ch: Chooser, people: list[dict], months: list[str], metric: str, dirty: bool,
                      period_months: list[str]):
    """(deals header, rows), (credits header, rows) and why the run must stop (None: it must not): with
    ``dirty``, a deal of the period whose shares do not add up to 1."""
    deal_rows, credit_rows = [], []
    refusal = None
    n = 0
    for month in months:
        for _ in range(ch.integer(0, max(1, len(people) // 2))):
            n += 1
            deal = f"D-{n:04d}"
            cents = ch.integer(-50_000, 5_000_000) if ch.chance(0.1) else ch.integer(0, 5_000_000)
            amount = Decimal(cents) / 100
            if ch.chance(0.1):
                amount = Decimal(ch.integer(0, 5_000_000)) / 1000  # tenths of a cent
            deal_rows.append([deal, month, format(amount, "f") if not ch.chance(0.05) else None])
            shares = list(ch.choice(SPLITS))
            if len(shares) > len(people):
                shares = ["1"]
            sellers = ch.sample(people, len(shares), len(shares))
            if dirty and refusal is None and len(shares) > 1 and month in period_months:
                shares[0] = "0.1"
                refusal = "the shares of a deal that do not add up to 1"
            credit_rows += [[deal, s["id"], share] for s, share in zip(sellers, shares)]
    if not deal_rows:
        deal_rows.append(["D-0000", months[0], "100"])
        credit_rows.append(["D-0000", people[0]["id"], "1"])
    if ch.chance(0.3):
        credit_rows.append(["D-OTHER", people[0]["id"], "0.5"])  # a deal of no period of the case: never read
    return (["deal", "month", metric], deal_rows), (["deal", "employee", "share"], credit_rows), refusal
