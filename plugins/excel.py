"""The ``excel`` provider: any kind of table from one worksheet of an ``.xlsx`` workbook.

``sheet:`` names the worksheet (default: the first).  Date cells become
``YYYY-MM-DD`` (a month column may hold real dates: they become ``YYYY-MM``);
whole numbers lose Excel's ``.0``.  Row numbers in messages are the sheet's.
"""
from __future__ import annotations

from appraise.plugins import hookimpl
from appraise.plugins._tabular import TABULAR_OPTIONS, TabularProvider, read_xlsx


class ExcelProvider(TabularProvider):
    name = "excel"
    extra_options = {"sheet": TABULAR_OPTIONS["sheet"]}
    reader = staticmethod(read_xlsx)


@hookimpl
def appraise_providers(register):
    register(ExcelProvider)
