"""Exact splits of a tree: an amount shared down a tree of units by weights, every part a whole multiple of the
money unit, the parts of every node summing exactly to it (largest remainder).

Everything is a :class:`~fractions.Fraction`; nothing here rounds except :func:`split`, which works in whole
units: the amount is ``n`` units, each part's ideal ``n × w / W`` units is cut to a whole number, and the units
left over go one each to the parts with the largest remainders (ties in id order).  A part whose weight is 0
never gets a unit (the leftover units are fewer than the parts with a remainder).

A node may be *fixed*: it takes its amount as written, and its siblings share what is left.  A leaf may carry
month weights: its amount is split over its months the same way.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction


class AllocationError(ValueError):
    """A node's amount cannot be shared: ``why`` is ``fixed-exceeds`` (the fixed parts hold more than the
    node), ``fixed-short`` (every part is fixed and they hold less), ``no-weight`` (nothing to share by),
    ``no-months`` (a leaf with an amount but no month to hold it) or ``not-whole`` (an amount that is not a whole
    multiple of the unit)."""

    def __init__(self, path: str, why: str, amount: Fraction, other: Fraction = Fraction(0)):
        super().__init__(f"{path}: {why} ({amount}, {other})")
        self.path = path
        self.why = why
        self.amount = amount
        self.other = other


def split(amount: Fraction, weights: Sequence[tuple[str, Fraction]], unit: Fraction, *,
          path: str = "") -> list[Fraction]:
    """``amount`` shared by ``weights`` (``(id, weight)`` pairs, weights ≥ 0) in whole multiples of ``unit``:
    the parts sum exactly to ``amount`` and each lies less than one unit from its ideal share."""
    units = amount / unit
    if units.denominator != 1:
        raise AllocationError(path, "not-whole", amount, unit)
    n = units.numerator
    total = sum((w for _, w in weights), Fraction(0))
    if total == 0:
        if n:
            raise AllocationError(path, "no-weight", amount)
        return [Fraction(0)] * len(weights)
    ideal = [n * w / total for _, w in weights]
    whole = [q.numerator // q.denominator for q in ideal]
    left = n - sum(whole)
    order = sorted(range(len(weights)), key=lambda i: (-(ideal[i] - whole[i]), weights[i][0]))
    for i in order[:left]:
        whole[i] += 1
    return [Fraction(k) * unit for k in whole]


@dataclass
class Node:
    """One unit of the tree (or a leaf: a person).  ``weight`` is its key value among its siblings; ``fixed``
    an amount it takes as written; ``months`` a leaf's ``(month, weight)`` pairs."""

    id: str
    weight: Fraction = Fraction(0)
    fixed: Fraction | None = None
    children: list[Node] = field(default_factory=list)
    months: list[tuple[str, Fraction]] = field(default_factory=list)


@dataclass(frozen=True)
class Share:
    """How one node got its amount: ``pool`` is what its non-fixed siblings shared (the parent's amount less
    the fixed parts), ``weight`` of ``total`` its part of the key, ``ideal`` the exact share before rounding."""

    path: str
    amount: Fraction
    ideal: Fraction
    weight: Fraction
    total: Fraction
    pool: Fraction
    fixed: bool = False


@dataclass
class Allocation:
    """Every node's :class:`Share` by path (the root's too) and each leaf's months: ``{path: {month: amount}}``,
    with the ideal month amounts beside them."""

    shares: dict[str, Share] = field(default_factory=dict)
    months: dict[str, dict[str, Fraction]] = field(default_factory=dict)
    month_ideal: dict[str, dict[str, Fraction]] = field(default_factory=dict)


def allocate(root: Node, amount: Fraction, unit: Fraction) -> Allocation:
    """Share ``amount`` down the tree from ``root``; raises :class:`AllocationError` at the first node that
    cannot be shared.  Paths are ids joined by ``/`` below the root (the root's path is ``""``)."""
    out = Allocation()
    out.shares[""] = Share("", amount, amount, Fraction(1), Fraction(1), amount)
    stack: list[tuple[Node, str, Fraction]] = [(root, "", amount)]
    while stack:
        node, path, have = stack.pop()
        if not node.children:
            _months(node, path, have, unit, out)
            continue
        fixed = [c for c in node.children if c.fixed is not None]
        free = [c for c in node.children if c.fixed is None]
        held = sum((c.fixed for c in fixed if c.fixed is not None), Fraction(0))
        pool = have - held
        if pool < 0:
            raise AllocationError(path, "fixed-exceeds", have, held)
        if not free and pool:
            raise AllocationError(path, "fixed-short", have, held)
        for c in fixed:
            assert c.fixed is not None
            if (c.fixed / unit).denominator != 1 or c.fixed < 0:
                raise AllocationError(_join(path, c.id), "not-whole", c.fixed, unit)
        parts = split(pool, [(c.id, c.weight) for c in free], unit, path=path) if free else []
        total = sum((c.weight for c in free), Fraction(0))
        for c, part in zip(free, parts):
            child = _join(path, c.id)
            ideal = pool * c.weight / total if total else Fraction(0)
            out.shares[child] = Share(child, part, ideal, c.weight, total, pool)
            stack.append((c, child, part))
        for c in fixed:
            assert c.fixed is not None
            child = _join(path, c.id)
            out.shares[child] = Share(child, c.fixed, c.fixed, Fraction(0), Fraction(0), have, fixed=True)
            stack.append((c, child, c.fixed))
    return out


def _months(node: Node, path: str, have: Fraction, unit: Fraction, out: Allocation) -> None:
    if not node.months:
        if have:
            raise AllocationError(path, "no-months", have)
        return
    try:
        parts = split(have, node.months, unit, path=path)
    except AllocationError as exc:
        raise AllocationError(path, "no-months" if exc.why == "no-weight" else exc.why, have) from None
    total = sum((w for _, w in node.months), Fraction(0))
    out.months[path] = {m: p for (m, _), p in zip(node.months, parts)}
    out.month_ideal[path] = {m: have * w / total if total else Fraction(0) for m, w in node.months}


def _join(path: str, child: str) -> str:
    return f"{path}/{child}" if path else child
