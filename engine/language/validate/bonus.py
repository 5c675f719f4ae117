"""The bonus plan: its target column is money, its attainment KPI resolves, tiers rise, multipliers
do not rise down the grades; an incentive plan's components, draw and guarantee (:mod:`.plans`)."""
from __future__ import annotations

from appraise.language.validate.common import BUILT_IN_ATTRIBUTES, did_you_mean, fmt, number
from appraise.language.validate.incentives import PlanChecks


class BonusChecks(PlanChecks):
    """The bonus plan."""

    def check_bonus(self) -> None:
        bonus = self.section("bonus")
        target = bonus.get("target")
        if isinstance(target, str) and not self.bad(("bonus", "target")):
            declared = self.section("attributes").get(target)
            if self.bad(("attributes", target)):
                pass
            elif target not in self.attributes:
                self.error(("bonus", "target"), f"bonus target '{target}' is not an employee column"
                           + did_you_mean(target, self.attributes),
                           hint=f"declare it under attributes: ({target}: money)",
                           code="reference")
            elif declared != "money":
                kind = declared or BUILT_IN_ATTRIBUTES.get(target)
                self.error(("bonus", "target"), f"bonus target '{target}' is declared as {kind}, but it is an amount "
                           "of money", hint=f"declare it under attributes as '{target}: money'", code="money")
        components = self.check_plan_shape(bonus) if bonus else False
        self.check_components(bonus)
        self.check_settlement(bonus)
        ref = bonus.get("attainment")
        if isinstance(ref, str) and not components and not self.bad(("bonus", "attainment")):
            matches = self.kpi_matches(ref)
            if not matches:
                self.error(("bonus", "attainment"), f"'{ref}' is not a KPI of any scorecard"
                           + did_you_mean(ref, self.all_kpi_refs()), code="reference")
            else:
                per_card: dict[str, list[str]] = {}
                for sc, d, _ in matches:
                    per_card.setdefault(sc, []).append(d)
                for sc, ds in per_card.items():
                    if len(ds) > 1:
                        self.error(("bonus", "attainment"), f"KPI '{ref}' is in dimensions {', '.join(ds)} of "
                                   f"scorecard '{sc}'; say which one", hint=f"write '{ds[0]}.{ref}'", code="reference")
                        break
        tiers = bonus.get("tiers")
        if isinstance(tiers, list) and not self.bad(("bonus", "tiers")):
            self.ascending([t.get("from") for t in tiers], ("bonus", "tiers"), ("from",), "bonus tiers", "'from'")
        multiplier = bonus.get("multiplier")
        if isinstance(multiplier, dict):
            for grade in multiplier:
                self.grade_key(("bonus", "multiplier", grade), grade)
            order = [g.get("grade") for g in self.data.get("grades") or [] if isinstance(g, dict)]
            # a grade left out of the mapping pays × 1 (SPEC), so it takes part in the order as 1
            ranked = [(g, multiplier[g] if g in multiplier else 1, g in multiplier) for g in order
                      if isinstance(g, str) and (g not in multiplier or number(multiplier[g]))]
            for (better, m1, listed1), (worse, m2, listed2) in zip(ranked, ranked[1:]):
                if m2 > m1:
                    shown1 = fmt(m1) if listed1 else "1, as it is not listed"
                    self.error(("bonus", "multiplier", worse) if listed2 else ("bonus", "multiplier"),
                               f"grade {worse} pays multiplier {fmt(m2)}{'' if listed2 else ' (not listed: × 1)'}, "
                               f"more than the better grade {better} ({shown1})",
                               hint="multipliers must not rise down the grades, or a better appraisal could pay less"
                               + ("" if listed1 and listed2 else "; list every grade with its multiplier"),
                               code="order")
