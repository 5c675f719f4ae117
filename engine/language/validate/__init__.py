"""Validation of rule and cycle files: the JSON Schema first, then the semantics.

Every problem found is reported, each at ``file:line:col`` of the offending key
or value with its key path, a message an HR editor understands and a hint.
The semantic checks are the ones a schema cannot express: weights that sum to
exactly 100, references that resolve, formulas without cycles, ordered grades
and tiers, expressions checked name by name at their exact column, and every
combination of reweighting rules that can fire together leaving valid weights
(computed with :mod:`appraise.language.weights`, the same arithmetic the engine uses).

Which files are what (:func:`validate_paths`): a file named on the command line
is a *cycle file* when it has a top-level ``cycle:`` key and a *ruleset*
otherwise.  Inside a folder, ``*.yaml``/``*.yml`` files are checked when they
are clearly appraise files — a top-level ``cycle:`` key (cycle), or one of
``scorecards metrics rules grades bonus calibration attributes`` or both ``id``
and ``version`` (ruleset); any other YAML (data files such as OKR lists, ruleset
test cases, CI configs) is skipped without error.  A ruleset test file (top-level
``ruleset:`` and ``tests:``, no ``sources:``) named on the command line is
checked against its schema; ``appraise test`` checks the rest.  A plan file (top-level ``plan:`` and ``levels:``)
is checked against its schema, in a folder too; ``appraise targets`` checks the rest.  A file that is not valid
YAML at all is reported, because nothing shows it is not an appraise file.

This module never imports polars: ``appraise validate`` must stay fast.

One module per concern: :mod:`.files` (which files are what), :mod:`.rulesets` and :mod:`.cycles` (one file of
each kind), and the checks of a ruleset by section — :mod:`.expressions`, :mod:`.metrics`, :mod:`.scorecards`,
:mod:`.periods`, :mod:`.rules`, :mod:`.grades`, :mod:`.bonus`, :mod:`.outcomes` — on the shared state of
:mod:`.base`; :mod:`.common` holds what they all use.
"""
from __future__ import annotations

from appraise.language.validate.common import (
           ATTRIBUTE_TYPES,
           BUILT_IN_ATTRIBUTES,
           MAX_RULES_PER_COMPONENT,
           RULESET_MARKERS,
)
from appraise.language.validate.cycles import check_cycle, validate_cycle
from appraise.language.validate.files import Outcome, validate_files, validate_paths
from appraise.language.validate.rulesets import check_ruleset, validate_ruleset

__all__ = ["ATTRIBUTE_TYPES", "BUILT_IN_ATTRIBUTES", "MAX_RULES_PER_COMPONENT", "RULESET_MARKERS", "Outcome",
           "check_cycle", "check_ruleset", "validate_cycle", "validate_files", "validate_paths", "validate_ruleset"]
