"""What the ruleset reads, so the providers fetch and the provide stage checks exactly that."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Needs:
    """What the ruleset reads, so providers fetch and ``provide()`` checks exactly that.

    ``metrics``: raw metric name → aggregate (``sum | mean | min | max | first |
    last``).  ``attributes``: employee column → type (``string | number | money
    | date``); ``id``, ``name``, ``hire_date``, ``leave_date`` always exist.
    ``feedback360`` / ``okr``: whether a dimension of that kind exists (then a
    missing source is a warning).  ``optional``: raw metrics the data may lack
    entirely (any other declared metric no source provides stops the run).  ``rating_scale`` is the 360 scale's top
    (ratings must lie in ``[rating_min, rating_scale]``).
    """

    metrics: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)
    feedback360: bool = False
    okr: bool = False
    rating_scale: float | None = None
    rating_min: float = 1.0
    optional: frozenset[str] = frozenset()
    competencies: bool = False  # a 360 dimension counts only some competencies: the column must be there
    hierarchy: tuple[str, ...] = ()  # the employee columns team roll-ups follow (each person's manager)
    hire_date: bool = False  # the ruleset reads tenure_months or employed_share, or prorates: the column must be there

    @classmethod
    def merged(cls, *parts: Needs) -> Needs:
        """What several rulesets read together (``appraise diff`` scores one cycle's data under two): every metric
        and attribute (the first part's aggregate and type win), optional only where every part that declares the
        metric says so (a part that requires it would refuse data without it), the widest rating scale, and any
        part's 360, OKR, competency, hierarchy and hire-date needs."""
        metrics: dict[str, str] = {}
        attributes: dict[str, str] = {}
        for p in reversed(parts):
            metrics.update(p.metrics)
            attributes.update(p.attributes)
        scales = [p.rating_scale for p in parts if p.rating_scale is not None]
        optional = frozenset(m for m in metrics if all(m in p.optional for p in parts if m in p.metrics))
        return cls(metrics=metrics, attributes=attributes, feedback360=any(p.feedback360 for p in parts),
                   okr=any(p.okr for p in parts), rating_scale=max(scales) if scales else None,
                   rating_min=min(p.rating_min for p in parts) if parts else 1.0, optional=optional,
                   competencies=any(p.competencies for p in parts),
                   hierarchy=tuple(sorted({h for p in parts for h in p.hierarchy})),
                   hire_date=any(p.hire_date for p in parts))

    @classmethod
    def from_ruleset(cls, ruleset) -> Needs:
        """The needs of a compiled :class:`appraise.language.compile.Ruleset`."""
        dims = [d for card in ruleset.scorecards for d in card.dimensions]
        scales = [d.feedback.scale for d in dims if d.kind == "feedback360" and d.feedback is not None]
        return cls(
            metrics={m.name: (m.aggregate or "sum") for m in ruleset.raw_metrics},
            attributes=dict(ruleset.attributes),
            feedback360=bool(scales) or any(d.kind == "feedback360" for d in dims),
            okr=any(d.kind == "okr" for d in dims),
            rating_scale=max(scales) if scales else None,
            optional=frozenset(m.name for m in ruleset.raw_metrics if m.optional),
            competencies=any(d.feedback is not None and bool(d.feedback.competencies) for d in dims),
            hierarchy=tuple(sorted({m.rollup.via for m in ruleset.rollups if m.rollup is not None})),
            hire_date=ruleset.reads("tenure_months") or ruleset.reads("employed_share") or ruleset.proration == "days")
