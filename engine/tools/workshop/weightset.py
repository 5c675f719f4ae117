"""The weights a workshop edits, as one flat mapping, and the arithmetic on them.

An *item* is a dimension weight (``sales_rep/results``) or a KPI weight
(``sales_rep/results.revenue``).  A *group* is a set of siblings that sums to
100: the dimensions of a scorecard, the KPIs of one ``kpis:`` dimension.  (360
source weights and reweighting rules are not workshop material; they stay as
written.)

Weights are kept as exact :class:`~decimal.Decimal` values with at most two
decimals that sum to exactly 100 per group, so what the facilitator sees is
what gets scored and what gets saved.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from appraise.language.compile import Ruleset
from appraise.language.weights import WeightError, set_weight

TOTAL = Decimal(100)
CENT = Decimal("0.01")
WHOLE = Decimal(1)
PRECISIONS = {"whole": WHOLE, "cents": CENT}  # what "adopt" rounds to


@dataclass(frozen=True)
class Group:
    """Sibling weights that sum to 100: a scorecard's dimensions or one dimension's KPIs."""

    id: str                  # ``card`` or ``card/dimension``
    card: str
    dimension: str | None    # None: the dimensions of the card
    items: tuple[str, ...]   # item keys, in file order

    @property
    def fixed(self) -> bool:
        """A group of one cannot move: its only member holds all 100 points."""
        return len(self.items) < 2


def item_key(card: str, dimension: str, kpi: str | None = None) -> str:
    """``card/dimension`` or ``card/dimension.kpi``."""
    return f"{card}/{dimension}" + (f".{kpi}" if kpi else "")


def yaml_path(key: str) -> tuple[str, ...]:
    """Where an item's weight sits in the ruleset file."""
    card, _, rest = key.partition("/")
    dim, _, kpi = rest.partition(".")
    path = ("scorecards", card, "dimensions", dim)
    return path + (("kpis", kpi, "weight") if kpi else ("weight",))


def groups(ruleset: Ruleset) -> tuple[Group, ...]:
    """Every group of the plan, in file order (a card's dimensions, then each dimension's KPIs)."""
    out = []
    for card in ruleset.scorecards:
        out.append(Group(card.key, card.key, None, tuple(item_key(card.key, d.key) for d in card.dimensions)))
        for d in card.dimensions:
            if d.kind == "kpis" and d.kpis:
                out.append(Group(f"{card.key}/{d.key}", card.key, d.key,
                                 tuple(item_key(card.key, d.key, k.key) for k in d.kpis)))
    return tuple(out)


def weights(ruleset: Ruleset) -> dict[str, Decimal]:
    """The plan's weights by item key, as exact decimals (the file's numbers)."""
    out = {}
    for card in ruleset.scorecards:
        for d in card.dimensions:
            out[item_key(card.key, d.key)] = _exact(d.weight)
            for k in d.kpis:
                out[item_key(card.key, d.key, k.key)] = _exact(k.weight)
    return out


def with_weights(ruleset: Ruleset, new: Mapping[str, Decimal | float]) -> Ruleset:
    """A copy of the immutable plan with the given weights replaced (items not named keep theirs)."""
    cards = []
    for card in ruleset.scorecards:
        dims = []
        for d in card.dimensions:
            kpis = tuple(replace(k, weight=float(new.get(item_key(card.key, d.key, k.key), k.weight)))
                         for k in d.kpis)
            dims.append(replace(d, weight=float(new.get(item_key(card.key, d.key), d.weight)), kpis=kpis))
        cards.append(replace(card, dimensions=tuple(dims)))
    return replace(ruleset, scorecards=tuple(cards))


def move(current: Mapping[str, Decimal], group: Group, key: str, value: Decimal) -> dict[str, Decimal]:
    """Set one item and rescale its siblings in proportion so the group keeps 100 (then round to cents).

    The same rule as a ruleset's ``set:`` action (:func:`appraise.language.weights.set_weight`).  Where
    that would refuse because every sibling is at 0, the freed points are shared equally instead.
    """
    if key not in group.items:
        raise KeyError(key)
    value = min(max(_cents(value), Decimal(0)), TOTAL)
    members = {k: current[k] for k in group.items}
    try:
        moved = set_weight(members, key, value)
    except WeightError:
        others = [k for k in group.items if k != key]
        share = (TOTAL - value) / len(others)
        moved = {k: (value if k == key else share) for k in group.items}
    rounded = round_to_total(moved, keep=key)
    out = dict(current)
    out.update(rounded)
    return out


def normalise(values: Mapping[str, float | Decimal], total: Decimal = TOTAL) -> dict[str, Decimal]:
    """Scale a group's values in proportion so they sum to ``total`` (exact; not rounded)."""
    exact = {k: _exact(v) for k, v in values.items()}
    if any(v < 0 for v in exact.values()):
        raise ValueError("weights cannot be negative")
    s = sum(exact.values())
    if s == 0:
        raise ValueError("a group needs at least one weight above 0")
    return {k: v * total / s for k, v in exact.items()}


def round_to_total(values: Mapping[str, Decimal | float], total: Decimal = TOTAL, keep: str | None = None,
                   unit: Decimal = CENT) -> dict[str, Decimal]:
    """Round to multiples of ``unit`` (cents by default, ``WHOLE`` for whole numbers) so the group still sums to
    exactly ``total`` (largest remainder method).

    Every value is rounded down to a unit; the units still missing go one each to
    the values with the largest remainders (ties: earlier items first).  ``keep``
    names an item that must not receive one (the slider the user just set).
    """
    scaled = normalise(values, total) if sum(_exact(v) for v in values.values()) != total else \
        {k: _exact(v) for k, v in values.items()}
    units = {k: math.floor(v / unit) for k, v in scaled.items()}
    missing = int(total / unit) - sum(units.values())
    order = sorted(scaled, key=lambda k: (k == keep, -(scaled[k] / unit - units[k]), list(scaled).index(k)))
    for k in order[:missing]:
        units[k] += 1
    return {k: Decimal(u) * unit for k, u in units.items()}


@dataclass(frozen=True)
class ItemTally:
    """What the votes say about one item, every statistic on one scale: each ballot's group normalised to 100.

    ``median``, ``q1``/``q3`` (the interquartile range) and ``low``/``high`` are order statistics of the same
    normalised proposals, so the median always lies inside its IQR.  ``adopt`` and ``adopt_cents`` are not
    statistics but a proposal: the group's medians scaled together to 100 and rounded to whole numbers (or cents)
    by largest remainder, what "Adopt the median" sets.
    """

    median: Decimal
    q1: Decimal
    q3: Decimal
    low: Decimal
    high: Decimal
    votes: int
    adopt: Decimal
    adopt_cents: Decimal


def tally(ballots: Iterable[Mapping[str, float | Decimal]], all_groups: Iterable[Group]) -> dict[str, ItemTally]:
    """Median proposal per item and its spread (IQR and min–max), on the scale of ballots normalised to 100.

    Each ballot is first normalised to 100 per group (someone who proposes 3/2/1
    means 50/33.3/16.7).  The per-item medians of a group generally no longer sum
    to 100, so what can be adopted is the medians scaled together to 100 and rounded
    (largest remainder): ``adopt`` in whole numbers, ``adopt_cents`` in cents.
    """
    ballots = list(ballots)
    if not ballots:
        return {}
    out: dict[str, ItemTally] = {}
    for g in all_groups:
        columns: dict[str, list[Fraction]] = {k: [] for k in g.items}
        for b in ballots:
            if not all(k in b for k in g.items):
                continue
            exact = {k: Fraction(_exact(b[k])) for k in g.items}
            total = sum(exact.values())
            if total <= 0 or any(v < 0 for v in exact.values()):
                continue
            for k, v in exact.items():
                columns[k].append(v * 100 / total)
        if not columns[g.items[0]]:
            continue
        stats = {k: _order_statistics(v) for k, v in columns.items()}
        medians = {k: st[2] for k, st in stats.items()}
        try:
            whole = round_to_total(medians, unit=WHOLE)
            cents = round_to_total(medians, unit=CENT)
        except ValueError:  # every median 0: nothing sensible to adopt
            continue
        for k, (low, q1, median, q3, high) in stats.items():
            out[k] = ItemTally(median, q1, q3, low, high, len(columns[k]), whole[k], cents[k])
    return out


def _order_statistics(values: list[Fraction]) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """min, first quartile, median, third quartile, max — computed exactly (fractions), then as decimals.

    Quartiles by the inclusive method (type 7, as spreadsheets' QUARTILE.INC): linear interpolation between
    order statistics at positions 1 + (n − 1)·p.  Exact arithmetic keeps min ≤ q1 ≤ median ≤ q3 ≤ max, and
    the conversion to decimals is monotone, so the shown numbers keep that order too."""
    x = sorted(values)

    def at(p: Fraction) -> Fraction:
        h = (len(x) - 1) * p
        lo = math.floor(h)
        return x[lo] if lo + 1 >= len(x) else x[lo] + (h - lo) * (x[lo + 1] - x[lo])

    return tuple(Decimal(f.numerator) / Decimal(f.denominator)  # type: ignore[return-value]
                 for f in (x[0], at(Fraction(1, 4)), at(Fraction(1, 2)), at(Fraction(3, 4)), x[-1]))


def _exact(value) -> Decimal:
    """A float weight from the plan as the decimal written in the file (50.0 → 50, 33.33 → 33.33)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(float(value))).normalize() if not isinstance(value, int) else Decimal(value)


def _cents(value) -> Decimal:
    return _exact(value).quantize(CENT)


def format_weight(value: Decimal) -> str:
    """How a weight is written in YAML: at most two decimals, no trailing zeros (50, 33.3, 12.25)."""
    text = format(_cents(value).normalize(), "f")
    return text
