"""Incentive plans (issue 20): plan components with marginal rate bands or cumulative tiers, draws and guarantees.

The compiled parts of ``bonus.components``, ``bonus.draw`` and ``bonus.guarantee`` (README "Incentive plans").
Every number that becomes money is an exact :class:`~decimal.Decimal` written as in the file; a component's
``target`` is the same kind of value as a KPI's (:class:`appraise.language.compile.Target`, built by the caller,
so this module stands below :mod:`appraise.language.compile`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any


def _dec(value) -> Decimal:
    return Decimal(str(value))


def _text(value) -> Mapping[str, str]:
    if value is None:
        return MappingProxyType({})
    if isinstance(value, str):
        return MappingProxyType({"*": value})
    return MappingProxyType({str(k): str(v) for k, v in value.items()})


@dataclass(frozen=True)
class Band:
    """A band of a marginal rate table: the attainment inside ``[start, end)`` pays ``rate`` × the component's
    target per 1.0 of attainment (``end`` None: no upper end)."""

    start: Decimal
    end: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class Step:
    """A cumulative tier of a component: reached at attainment ≥ ``start``, it adds ``pay`` × the component's
    target."""

    start: Decimal
    pay: Decimal


@dataclass(frozen=True)
class Component:
    """One plan component, paid on its own measure.

    ``kind`` is ``bands`` (marginal rate table), ``tiers`` (cumulative) or ``per_unit`` (money per unit of the
    measure).  ``target`` is a :class:`~appraise.language.compile.Target` (None: a per-unit component without
    one); ``share`` of the target bonus makes the component's own target (None: a per-unit component without
    one).  ``floor``: attainment below which it pays nothing; ``cap``: it pays at most ``cap`` × its target;
    ``multiplier``: the grade's bonus multiplier scales it."""

    key: str
    label: Mapping[str, str]
    measure: str
    target: Any
    share: Decimal | None
    kind: str
    bands: tuple[Band, ...] = ()
    tiers: tuple[Step, ...] = ()
    per_unit: Decimal | None = None
    floor: Decimal = Decimal(0)
    cap: Decimal | None = None
    multiplier: bool = False


@dataclass(frozen=True)
class Draw:
    """A recoverable draw of ``pay`` × the cycle's target bonus, advanced each period, recovered later."""

    pay: Decimal


@dataclass(frozen=True)
class Guarantee:
    """A non-recoverable guarantee of ``pay`` × the cycle's target bonus while ``tenure_months < months``."""

    pay: Decimal
    months: int


def compile_components(spec: Mapping | None, target_of: Callable[[Any], Any]) -> tuple[Component, ...]:
    """``bonus.components`` of a validated ruleset; ``target_of`` turns a written target into a Target."""
    out = []
    for key, c in (spec or {}).items():
        c = c or {}
        if "bands" in c:
            kind = "bands"
        elif "tiers" in c:
            kind = "tiers"
        else:
            kind = "per_unit"
        bands = tuple(Band(_dec(b["from"]), _dec(b["to"]) if b.get("to") is not None else None, _dec(b["rate"]))
                      for b in c.get("bands") or [])
        tiers = tuple(sorted((Step(_dec(t["from"]), _dec(t["pay"])) for t in c.get("tiers") or []),
                             key=lambda t: t.start))
        out.append(Component(
            key=str(key), label=_text(c.get("label")), measure=str(c["measure"]),
            target=target_of(c["target"]) if c.get("target") is not None else None,
            share=_dec(c["share"]) if c.get("share") is not None else None, kind=kind,
            bands=tuple(sorted(bands, key=lambda b: b.start)), tiers=tiers,
            per_unit=_dec(c["per_unit"]) if c.get("per_unit") is not None else None,
            floor=_dec(c.get("floor", 0)), cap=_dec(c["cap"]) if c.get("cap") is not None else None,
            multiplier=bool(c.get("multiplier", False))))
    return tuple(out)


def compile_draw(spec: Mapping | None) -> Draw | None:
    return Draw(_dec(spec["pay"])) if spec else None


def compile_guarantee(spec: Mapping | None) -> Guarantee | None:
    return Guarantee(_dec(spec["pay"]), int(spec["months"])) if spec else None
