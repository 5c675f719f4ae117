"""The ``csv`` provider: employees, monthly metrics, 360 ratings or OKRs from a CSV file.

Encodings are detected (UTF-8 with or without BOM, UTF-16, GBK/GB18030 as
Chinese Excel saves "CSV") or named with ``encoding:``; the separator is
detected from the header (``, ; tab |``) or named with ``delimiter:``.
"""
from __future__ import annotations

from appraise.plugins import hookimpl
from appraise.plugins._tabular import TABULAR_OPTIONS, TabularProvider, read_csv


class CsvProvider(TabularProvider):
    name = "csv"
    extra_options = {"encoding": TABULAR_OPTIONS["encoding"], "delimiter": TABULAR_OPTIONS["delimiter"]}
    reader = staticmethod(read_csv)


@hookimpl
def appraise_providers(register):
    register(CsvProvider)
