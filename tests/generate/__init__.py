"""Random VALID rulesets, cycle files and data for crash-free and differential tests (issue 13).

``write_case(chooser, folder) -> Case`` writes a complete case folder (see :mod:`generate.case`);
the chooser is a :class:`RandomChooser` (``random.Random(seed)``) or a :class:`DrawChooser`
(hypothesis' ``draw``), see :mod:`generate.choosers`.  :func:`cases` is the hypothesis strategy.

The generator imports nothing of ``appraise``: what is valid is re-derived from SPEC.md, README and
the schemas, so a case the validator refuses is a disagreement to look at (a generator bug, or a
validator bug), never silently "fixed" by asking the engine.
"""
from __future__ import annotations

from pathlib import Path

from .case import Case, write_case
from .choosers import Chooser, DrawChooser, RandomChooser
from .ruleset import Period, Plan, generate_ruleset, rules_break_weights

__all__ = ["Case", "Chooser", "DrawChooser", "Period", "Plan", "RandomChooser", "cases", "generate_ruleset",
           "rules_break_weights", "write_case"]


def cases(folder_factory):
    """A hypothesis strategy of :class:`Case`: ``folder_factory()`` gives a fresh empty folder per example."""
    from hypothesis import strategies as st

    @st.composite
    def _cases(draw):
        return write_case(DrawChooser(draw), Path(folder_factory()))

    return _cases()
