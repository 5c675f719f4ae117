"""Fuzz targets and hypothesis strategies (issue #9).

``strategies`` generates inputs (valid-grammar expressions, garbage text, hostile
YAML); ``targets`` holds the invariants every input must keep; ``run`` drives the
long campaign behind ``make fuzz``.  ``tests/test_fuzz.py`` runs the same
targets with a small, fixed budget in ``make test``.
"""
