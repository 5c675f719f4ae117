"""A ruleset file in, a compiled :class:`~appraise.language.compile.Ruleset` out: read, validated, compiled.

The one place the three steps meet, so that :mod:`appraise.language.compile` needs nothing of the
validator (which compiles rulesets itself to check a cycle's context against them).
"""
from __future__ import annotations

from pathlib import Path

from appraise.language.compile import Ruleset, compile_ruleset
from appraise.language.validate import check_ruleset


def load_ruleset(path: str | Path) -> Ruleset:
    """Load, validate and compile a ruleset file; raises ``InvalidInput`` listing every problem."""
    path = Path(path)
    doc = check_ruleset(path)
    return compile_ruleset(doc, str(path), path.read_bytes())
