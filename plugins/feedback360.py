"""The ``feedback360`` provider: 360 ratings from CSV or xlsx (by the file's extension).

Columns: ``employee, rater, relation, competency, rating, period`` (rename
yours with ``columns:``).  Rows whose ``period`` lies outside the cycle are
left to their own cycle; ratings outside the ruleset's scale are errors.
"""
from __future__ import annotations

from appraise.plugins import hookimpl
from appraise.plugins._tabular import TABULAR_OPTIONS, TabularProvider, read_any


class Feedback360Provider(TabularProvider):
    name = "feedback360"
    kinds = frozenset({"feedback360"})
    default_kind = "feedback360"
    extra_options = {k: TABULAR_OPTIONS[k] for k in ("encoding", "delimiter", "sheet", "header_row", "skip_rows")}
    reader = staticmethod(read_any)


@hookimpl
def appraise_providers(register):
    register(Feedback360Provider)
