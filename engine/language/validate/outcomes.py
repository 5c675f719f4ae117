"""Outcomes (unique ids, conditions that may read scores and grades) and the playbook (keyed by what
it coaches)."""
from __future__ import annotations

from appraise.language.validate.common import did_you_mean
from appraise.language.validate.expressions import ExpressionChecks


class OutcomeChecks(ExpressionChecks):
    """Outcomes and the playbook."""

    def check_outcomes(self) -> None:
        seen: dict[str, int] = {}
        for i, outcome in enumerate(self.section("outcomes", list)):
            if not isinstance(outcome, dict):
                continue
            self.unique(seen, outcome.get("id"), ("outcomes", i, "id"), "outcome id")
            if "when" in outcome:
                self.expression(("outcomes", i, "when"), self.scope_outcome,
                                f"the condition of outcome '{outcome.get('id')}'", want_bool=True)

    def check_playbook(self) -> None:
        playbook = self.section("playbook")
        known: dict[str, None] = {"feedback360": None}
        for sc_id, dims in self.cards.items():
            for d in dims:
                known[d] = None
                for k in self.kpis(sc_id, d):
                    known[k] = None
                    known[f"{d}.{k}"] = None
        for key in playbook:
            if key not in known:
                self.error(("playbook", key), f"'{key}' is not a KPI, a dimension or 'feedback360'"
                           + did_you_mean(key, known), key=True,
                           hint="playbook entries are keyed by what they coach: a KPI, a dimension or feedback360",
                           code="reference")
