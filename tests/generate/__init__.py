"""Random VALID rulesets, cycle files and data for crash-free and differential tests (issue 13).

``write_case(chooser, folder) -> Case`` writes a complete case folder (see :mod:`generate.case`);
the chooser is a :class:`RandomChooser` (``random.Random(seed)``) or a :class:`DrawChooser`
(hypothesis' ``draw``), see :mod:`generate.choosers`.  :func:`cases` is the hypothesis strategy.

The generator imports nothing of ``appraise``: what is valid is re-derived from SPEC.md, README and
the schemas, so a case the validator refuses is a disagreement to look at (a generator bug, or a
validator bug), never silently "fixed" by asking the engine.

For a differential test (engine against tests/reference)::

    case = write_case(RandomChooser(seed), folder)      # CSV data only (formats= adds xlsx, parquet)
    for cycle in case.cycles:                            # shorter periods, previous period, then this one
        ...run both into their own store...              # the last is the cycle under test
    case.summary["expect_refusal"]   # None, or why the data must stop the run (broken on purpose)
    case.features                    # what the case exercises: "sub-periods-quarter", "overrides", ...

Every case is a valid ruleset (``case.rulesets``: the ruleset and, with shorter periods, the ruleset
of those) and legal data, except for the rare ``dirty-*`` features (a cell or row that must stop the
run with a located error, or skip its employee under ``on_error: skip-employee``).
"""
from __future__ import annotations

from pathlib import Path

from .case import Case, chain_case, rhythm_case, several_cycles, write_case
from .choosers import Chooser, DrawChooser, RandomChooser
from .ruleset import Period, Plan, generate_ruleset, rules_break_weights

__all__ = ["Case", "Chooser", "DrawChooser", "Period", "Plan", "RandomChooser", "cases", "chain_case",
           "generate_ruleset", "rhythm_case", "rules_break_weights", "several_cycles", "write_case"]


def cases(folder_factory):
    """A hypothesis strategy of :class:`Case`: ``folder_factory()`` gives a fresh empty folder per example."""
    from hypothesis import strategies as st

    @st.composite
    def _cases(draw):
        return write_case(DrawChooser(draw), Path(folder_factory()))

    return _cases()
