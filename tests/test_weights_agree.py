"""The two implementations of the rules' weight arithmetic agree (issue 14, "one source of meaning").

:mod:`appraise.language.weights` states ``set``/``drop``/``shift`` over exact fractions for the validator's static
checks; :mod:`appraise.core.reweighting` applies them to polars columns for every employee at once.  On generated
groups and action sequences the engine's columns must stay within binary noise (10⁻¹¹ of the group's 100 points)
of the validator's exact fractions and of the same arithmetic run on Python floats.  They are not bit-equal to
the latter: polars adds a row's weights (``pl.sum_horizontal``) in another order than Python's ``sum``, e.g.
100/6 + 100/6 + 400/6 is 100.00000000000001 in polars and 100.0 in Python.
"""
from __future__ import annotations

from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.core.reweighting import apply_action, base_weights
from appraise.language.compile import Action, Dimension, Scorecard
from appraise.language.weights import WeightError, drop_weight, set_weight, shift_weight

KEYS = ("a", "b", "c", "d", "e")


def _card(weights: list[float]) -> Scorecard:
    dims = tuple(Dimension(KEYS[i], {}, w, "okr") for i, w in enumerate(weights))
    return Scorecard("card", {}, None, dims, ())


def _validator(group: dict, action: Action) -> dict:
    if action.kind == "set":
        return set_weight(group, action.path, type(next(iter(group.values())))(action.value))
    if action.kind == "drop":
        return drop_weight(group, action.path)
    return shift_weight(group, action.source, action.target, type(next(iter(group.values())))(action.value))


actions = st.one_of(
    st.builds(lambda i, v: Action("set", KEYS[i], v), st.integers(0, 4), st.integers(0, 100).map(float)),
    st.builds(lambda i: Action("drop", KEYS[i]), st.integers(0, 4)),
    st.builds(lambda i, j, v: Action("shift", value=v, source=KEYS[i], target=KEYS[j]),
              st.integers(0, 4), st.integers(0, 4), st.integers(0, 40).map(float)))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=2, max_size=5).filter(lambda ws: sum(ws) > 0),
       st.lists(actions, min_size=1, max_size=4))
def test_engine_columns_agree_with_the_validators_arithmetic(raw, steps):
    weights = [100.0 * w / sum(raw) for w in raw]  # a group of siblings totalling 100, as the validator requires
    keys = KEYS[:len(weights)]
    card = _card(weights)
    floats = dict(zip(keys, weights))
    exact = dict(zip(keys, (Fraction(w) for w in weights)))
    frame = pl.select(base_weights(card))
    for action in steps:
        if any(p not in keys for p in action.paths()) or (action.kind == "shift" and action.source == action.target):
            continue
        try:
            floats = _validator(floats, action)
            exact = _validator(exact, action)
        except WeightError:  # the validator refuses the ruleset; the engine never sees it
            break
        frame = frame.with_columns(apply_action(action, pl.lit(True), card))
        engine = {k: frame[f"wr.{k}"][0] for k in keys}
        assert all(abs(engine[k] - floats[k]) <= 1e-9 for k in keys), (action, engine, floats)
        assert all(abs(engine[k] - float(exact[k])) <= 1e-9 for k in keys), (action, engine, exact)
