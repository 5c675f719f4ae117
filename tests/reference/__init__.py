"""A plain, row-by-row reference evaluator of SPEC.md, for differential tests of the polars engine.

>>> from reference import evaluate_cycle, ReferenceStore, compare
>>> store = ReferenceStore()
>>> store.run("cycle-q2.yaml"); doc = store.run("cycle-q3.yaml")
>>> compare(engine_doc, doc)   # [] when they agree

``evaluate_cycle(path, store=None)`` is a pure function of the files on disk and the store (read only);
``store.run(path)`` evaluates and records the run as current for its (period, ruleset id), so a sequence of
cycles (Q1..Q4, then the year) runs as ``appraise run`` runs them into one store.  Input the reference cannot
read raises :class:`ReferenceInputError`; an expression outside the SPEC's subset :class:`ExpressionError`.
See :mod:`reference.evaluate` for the readings of what SPEC.md leaves open.
"""
from .compare import compare
from .evaluate import ReferenceStore, evaluate_cycle
from .expr import ExpressionError
from .readers import ReferenceInputError

__all__ = ["ExpressionError", "ReferenceInputError", "ReferenceStore", "compare", "evaluate_cycle"]
