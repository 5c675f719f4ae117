"""Weight arithmetic shared by the validator, the evaluator's explanations and tests.

A *group* is an ordered mapping of sibling weights that sums to a total (100 in
a valid ruleset): the dimensions of a scorecard, the KPIs of a dimension, the
sources of a 360 dimension.  Rules change one weight and rescale the siblings
in proportion so the total is kept; missing data drops members and shares their
weight among the rest the same way.  The functions are generic over the number
type: :class:`fractions.Fraction` for exact validation, ``float`` elsewhere.

The engine does not call these: :mod:`appraise.core.reweighting` states the same formulas on polars columns,
because it reweights every employee at once and because polars adds a row's weights in another order than
Python's ``sum`` (the last bit of a float weight can differ), so computing the engine's weights here would change
result bytes.  ``tests/test_weights_agree.py`` keeps the two equal, to binary noise, on generated groups and actions.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

N = TypeVar("N", Fraction, float, Decimal)  # exact fractions (the validator), floats, decimals (the workshop)


class WeightError(ValueError):
    """An action cannot be applied without breaking the group (a negative weight,
    or a total that can no longer be kept)."""


def set_weight(group: Mapping[str, N], key: str, value: N) -> dict[str, N]:
    """``set: {key: value}``: the siblings share ``total - value`` in proportion."""
    total = sum(group.values())
    if value < 0:
        raise WeightError(f"'{key}' would get a negative weight ({_fmt(value)})")
    if value > total:
        raise WeightError(f"'{key}' would get {_fmt(value)} of a group whose weights total {_fmt(total)}")
    rest = total - group[key]
    out: dict[str, N] = {}
    for k, w in group.items():
        if k == key:
            out[k] = value
        elif rest == 0:
            out[k] = w
        else:
            out[k] = w * (total - value) / rest
    if rest == 0 and value != total:
        raise WeightError(f"setting '{key}' to {_fmt(value)} leaves {_fmt(total - value)} points with no "
                          "sibling that has weight left to take them")
    return out


def drop_weight(group: Mapping[str, N], key: str) -> dict[str, N]:
    """``drop: key``: its weight becomes 0 and is shared among the siblings."""
    total = sum(group.values())
    if group[key] == total and total != 0:
        raise WeightError(f"dropping '{key}' leaves no sibling with weight to take its {_fmt(total)} points")
    return set_weight(group, key, group[key] * 0)


def shift_weight(group: Mapping[str, N], source: str, target: str, points: N) -> dict[str, N]:
    """``shift: {from, to, points}``: move points between two siblings."""
    if group[source] - points < 0:
        raise WeightError(f"shifting {_fmt(points)} points from '{source}' leaves it negative "
                          f"(it has {_fmt(group[source])})")
    if group[target] + points < 0:
        raise WeightError(f"shifting {_fmt(points)} points to '{target}' leaves it negative")
    out = dict(group)
    out[source] = group[source] - points
    out[target] = group[target] + points
    return out


def _fmt(x) -> str:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f"{f:g}" if abs(f - round(f, 4)) < 1e-12 else f"{f:.4f}"
