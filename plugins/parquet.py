"""The ``parquet`` provider: any kind of table from a Parquet file, column types kept.

Row numbers in messages are 1-based record numbers (Parquet has no lines).
For files too large to load, use the ``duckdb`` provider with ``aggregate: true``.
"""
from __future__ import annotations

from appraise.plugins import hookimpl
from appraise.plugins._tabular import TabularProvider, read_parquet


class ParquetProvider(TabularProvider):
    name = "parquet"
    reader = staticmethod(read_parquet)


@hookimpl
def appraise_providers(register):
    register(ParquetProvider)
