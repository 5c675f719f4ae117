"""The safe expression language of rule files.

Conditions (``when:``, ``applies_to:``), formulas and targets are a small subset
of Python syntax, parsed once into a whitelisted AST.  Nothing here ever calls
``eval``: an expression is either compiled to a polars expression (the columnar
engine) or interpreted by :func:`evaluate` (explanations and tests), and both
give *missing* (``None``/null) for ``x / 0`` and for anything built on a
missing value.  A condition that comes out missing does not hold.

Numbers compare the way people read them, not to the last binary digit: two
numbers within a relative ``TOLERANCE`` of each other are equal, so a quarter
of 33,333.33 + 33,333.33 + 33,333.34 is ``>= 100000`` and ``quota * 1.1`` is
``== 110000`` (binary floats give 99,999.99999999999 and 110,000.00000000001).

One module per job:

- :mod:`.parsing` — the text into a whitelisted AST (:func:`parse`, :class:`Expression`, :class:`ExpressionError`)
- :mod:`.checking` — names and types against a :class:`Scope` (:func:`check`, :func:`context_problems`)
- :mod:`.compare` — numbers equal within ``TOLERANCE`` and the operators' tables, shared by the interpreter and
  the compiler
- :mod:`.interpret` — the row interpreter (:func:`evaluate`, :func:`holds`, :func:`round_half_up`), on floats
  (as the compiler computes) or on exact fractions (a derived plan measure's exact rescue)
- :mod:`.compiler` — the polars compiler (:func:`to_polars`, :func:`polars_round_half_up`)
- :mod:`.ranges` — a formula's range in polars over the decimals its inputs' floats may stand for (the vectorised
  proof that a plan may pay on a formula's float)
- :mod:`.exclusivity` — the proof that two conditions never hold together (:func:`exclusive`)

``to_polars`` imports polars only when called, so parsing and checking (``appraise validate``) stay light.
"""
from __future__ import annotations

from appraise.language.expr.checking import Scope, check, context_problems
from appraise.language.expr.compare import TOLERANCE
from appraise.language.expr.compiler import polars_round_half_up, to_polars
from appraise.language.expr.exclusivity import exclusive
from appraise.language.expr.interpret import evaluate, holds, round_half_up
from appraise.language.expr.parsing import (
    AFTER_SCORING,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_LIST,
    MAX_NUMBER,
    MAX_STRING,
    OBJECTS,
    PREVIOUS_FIELDS,
    PREVIOUS_TYPES,
    Expression,
    ExpressionError,
    char_offset,
    parse,
)

__all__ = ["AFTER_SCORING", "FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "MAX_LIST", "MAX_NUMBER", "MAX_STRING", "OBJECTS",
           "PREVIOUS_FIELDS", "PREVIOUS_TYPES", "TOLERANCE", "Expression", "ExpressionError", "Scope", "char_offset",
           "check", "context_problems", "evaluate", "exclusive", "holds", "parse", "polars_round_half_up",
           "round_half_up", "to_polars"]
