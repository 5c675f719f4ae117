"""A ruleset file: the JSON Schema first, then every semantic check (:class:`RulesetCheck`)."""
from __future__ import annotations

from pathlib import Path

from appraise.errors import Diagnostic, InvalidInput
from appraise.language import expr as expressions
from appraise.language import schema as schemas
from appraise.language.load import Document, load
from appraise.language.validate.bonus import BonusChecks
from appraise.language.validate.common import ATTRIBUTE_TYPES, non_finite, ordered
from appraise.language.validate.grades import GradeChecks
from appraise.language.validate.metrics import MetricChecks
from appraise.language.validate.outcomes import OutcomeChecks
from appraise.language.validate.rules import RuleChecks
from appraise.language.validate.scorecards import ScorecardChecks
from appraise.language.validate.teams import TeamChecks


def validate_ruleset(doc: Document) -> list[Diagnostic]:
    """Every problem in a loaded ruleset: schema errors, then semantic errors, in file order."""
    found = schemas.check(doc, "ruleset") + non_finite(doc)
    if isinstance(doc.data, dict):
        check = RulesetCheck(doc, {d.path for d in found})
        try:
            found += check.run()
        except (TypeError, AttributeError, KeyError, ValueError, IndexError, OverflowError):
            # The semantic checks read a document of the schema's shape; where the schema already
            # refused a part (a list where a mapping belongs...), they may trip over it.  The schema's
            # errors (and the semantic ones found so far) are the answer then; without them it is a bug.
            if not found:
                raise
            found += check.out
    return ordered(found)


def check_ruleset(path: str | Path) -> Document:
    """Load and validate a ruleset file; raises :class:`InvalidInput` with every problem."""
    doc = load(path)
    found = validate_ruleset(doc)
    if any(d.severity == "error" for d in found):
        raise InvalidInput(found)
    return doc


class RulesetCheck(MetricChecks, ScorecardChecks, RuleChecks, GradeChecks, BonusChecks, OutcomeChecks, TeamChecks):
    """The semantic checks of one ruleset; :meth:`run` returns every problem."""

    def run(self) -> list[Diagnostic]:
        self.attributes = self.read_attributes()
        self.metrics = {k: v for k, v in self.section("metrics").items() if isinstance(v, dict)}
        self.cards = self.read_scorecards()
        self.grades = [grade for g in self.section("grades", list)
                       if isinstance(g, dict) and isinstance(grade := g.get("grade"), str)]
        names = {**{k: ATTRIBUTE_TYPES.get(t, "any") for k, t in self.attributes.items()}, "tenure_months": "number",
                 "employed_share": "number"}
        self.scope_employee = expressions.Scope("", names, context=True, previous=False)
        with_metrics = {**names, **{m: "number" for m in self.metrics}}
        self.scope_rule = expressions.Scope("", with_metrics, context=True, previous=True)
        self.scope_outcome = expressions.Scope("", {**with_metrics, "grade": "string", "grade_uncalibrated": "string",
                                                    "score": "number", "bonus": "number"}, context=True, previous=True)
        self.scope_formula = expressions.Scope("", {m: "number" for m in self.metrics}, context=False, previous=False)
        self.check_metrics()
        self.check_rollups()
        self.check_scorecards()
        self.check_scorecard_order()
        self.check_rules()
        self.check_grades()
        self.check_calibration()
        self.check_bonus()
        self.check_outcomes()
        self.check_playbook()
        return self.out
