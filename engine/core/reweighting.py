"""Reweighting: what the rules' actions do to weights and targets, the one implementation the engine uses.

:func:`apply_action` is the columnar form of ``set``, ``drop``, ``shift`` and ``scale_target`` (the SPEC's
arithmetic, which :mod:`appraise.language.weights` states over exact fractions for the validator): scoring
applies it to every employee at once, the workshop to new plans, and :func:`trace` replays it, one action at a
time, for the rules that fired for someone, which is where the provenance of every weight comes from.

Why two implementations: the validator (:mod:`appraise.language.weights`) needs exact fractions and refusals,
the engine columns for everyone at once, and its float sums are polars' (not bit-equal to Python's ``sum``), so
it cannot call the validator's functions without changing result bytes; ``tests/test_weights_agree.py`` checks on
generated groups and actions that the two agree to binary noise.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from appraise.core.frame import F64
from appraise.language.compile import Action, Rule, Ruleset, Scorecard


def weight_actions(rule: Rule, card: Scorecard) -> tuple[Action, ...]:
    """The actions of ``rule`` that change weights of ``card`` (``scale_target`` changes targets)."""
    return tuple(a for a in rule.applies_to(card) if a.kind != "scale_target")


def base_weights(card: Scorecard) -> list[pl.Expr]:
    """``wr.<dim>`` and ``wr.<dim>.<kpi>`` as the ruleset writes them, and every KPI's target scale 1."""
    return ([pl.lit(d.weight, dtype=F64).alias(f"wr.{d.key}") for d in card.dimensions]
            + [pl.lit(k.weight, dtype=F64).alias(f"wr.{k.path}") for d in card.dimensions for k in d.kpis]
            + [pl.lit(1.0, dtype=F64).alias(f"k.{k.path}.scale") for d in card.dimensions for k in d.kpis])


def weight_group(card: Scorecard, path: str) -> list[str]:
    """Column names (``wr.``) of the sibling group that ``path`` belongs to."""
    if "." in path:
        dim = card.dimension(path.split(".")[0])
        assert dim is not None, path  # the validator checks every path a rule names
        return [f"wr.{k.path}" for k in dim.kpis]
    return [f"wr.{d.key}" for d in card.dimensions]


def apply_action(action: Action, fired: pl.Expr, card: Scorecard) -> list[pl.Expr]:
    """The columns ``action`` rewrites (``wr.<path>`` weights of its sibling group, or ``k.<path>.scale``), as they
    are after it where ``fired`` holds and unchanged elsewhere: ``set``/``drop`` give the siblings the rest in
    proportion to their weights (unchanged when they have none), ``shift`` moves points between two siblings,
    ``scale_target`` multiplies the KPI's target scale."""
    if action.kind == "scale_target":
        return [pl.when(fired).then(pl.col(f"k.{k.path}.scale") * action.value)
                .otherwise(pl.col(f"k.{k.path}.scale")).alias(f"k.{k.path}.scale")
                for k in card.kpis_named(action.path)]
    if action.kind == "shift":
        src, dst = f"wr.{action.source}", f"wr.{action.target}"
        left = _noise_to_zero(pl.col(src) - action.value, pl.max_horizontal(pl.col(src).abs(), pl.lit(action.value)))
        return [pl.when(fired).then(left).otherwise(pl.col(src)).alias(src),
                pl.when(fired).then(pl.col(dst) + action.value).otherwise(pl.col(dst)).alias(dst)]
    value = 0.0 if action.kind == "drop" else action.value
    me = f"wr.{action.path}"
    group = weight_group(card, action.path)
    total = pl.sum_horizontal([pl.col(c) for c in group])
    rest = total - pl.col(me)
    # what the siblings share: 0 when the float sum of weights that add up to it is a hair off (12.32 + 17.48 +
    # 64.1 + 6.1 is 99.99999999999999: 'set' to 100 gave the others -2.8e-15, a negative weight whose score then
    # went unshown; differential case 730156)
    remaining = _noise_to_zero(total - value, pl.max_horizontal(total.abs(), pl.lit(abs(value))))
    out = []
    for c in group:
        if c == me:
            new = pl.lit(value)
        else:
            new = pl.when(rest != 0).then(pl.col(c) * remaining / rest).otherwise(pl.col(c))
        out.append(pl.when(fired).then(new).otherwise(pl.col(c)).alias(c))
    return out


def _noise_to_zero(x: pl.Expr, size: pl.Expr) -> pl.Expr:
    """``x``, or 0 when it is within a relative 10⁻¹² of ``size`` (README: numbers that close are equal): a
    difference of weights that cancels exactly is 0, not the float sums' noise."""
    from appraise.language.expr import TOLERANCE

    return pl.when(x.abs() <= size * TOLERANCE).then(pl.lit(0.0, dtype=F64)).otherwise(x)


@dataclass(frozen=True)
class Step:
    """One action of a rule that fired, and what it did: ``before`` and ``after`` hold the weights of the whole
    sibling group it acts on (keyed by path: ``results``, ``results.revenue``), or for ``scale_target`` the
    target scale of each KPI it scales (keyed by KPI path)."""

    rule: str
    action: Action
    before: dict[str, float]
    after: dict[str, float]

    @property
    def kind(self) -> str:
        """``weight`` or ``target``."""
        return "target" if self.action.kind == "scale_target" else "weight"

    def changed(self) -> dict[str, tuple[float, float]]:
        """Path → (before, after) of what the action changed."""
        return {p: (b, self.after[p]) for p, b in self.before.items() if b != self.after[p]}


def trace(ruleset: Ruleset, card: Scorecard, fired: Collection[str]) -> tuple[Step, ...]:
    """The steps of the rules in ``fired`` (rule ids) on ``card``, in file order, each computed by
    :func:`apply_action` from the weights the previous steps left."""
    relevant = frozenset(r.id for r in ruleset.rules if r.id in fired and r.applies_to(card))
    key = (id(ruleset), card.key, relevant)
    hit = _TRACES.get(key)
    if hit is not None and hit[0] is ruleset:  # (the ruleset is kept alive with its entry: its id is not reused)
        return hit[1]
    if len(_TRACES) >= 4096:
        _TRACES.clear()
    steps = _trace(ruleset, card, relevant)
    _TRACES[key] = (ruleset, steps)
    return steps


_TRACES: dict[tuple[int, str, frozenset[str]], tuple[Ruleset, tuple[Step, ...]]] = {}


def _trace(ruleset: Ruleset, card: Scorecard, fired: frozenset[str]) -> tuple[Step, ...]:
    f = pl.select(base_weights(card))
    yes = pl.lit(True)
    steps = []
    for rule in ruleset.rules:
        if rule.id not in fired:
            continue
        for action in rule.applies_to(card):
            if action.kind == "scale_target":
                names = [f"k.{k.path}.scale" for k in card.kpis_named(action.path)]
                key = {n: n[2:-len(".scale")] for n in names}
            else:
                names = weight_group(card, action.source if action.kind == "shift" else action.path)
                key = {n: n[3:] for n in names}
            after = f.with_columns(apply_action(action, yes, card))
            steps.append(Step(rule.id, action, {key[n]: f[n][0] for n in names}, {key[n]: after[n][0] for n in names}))
            f = after
    return tuple(steps)
