"""A plain, row-by-row reference evaluator of SPEC.md, for differential tests of the polars engine.

>>> from reference import evaluate_cycle, ReferenceStore, compare
>>> store = ReferenceStore()
>>> store.run("cycle-q2.yaml"); doc = store.run("cycle-q3.yaml")
>>> compare(engine_doc, doc)   # [] when they agree

See :mod:`reference.evaluate` for the readings of what SPEC.md leaves open.
"""
from .compare import compare
from .evaluate import ReferenceStore, evaluate_cycle
from .readers import ReferenceInputError

__all__ = ["ReferenceInputError", "ReferenceStore", "compare", "evaluate_cycle"]
