"""The ``excel`` provider: any kind of table from one worksheet of an ``.xlsx`` workbook.

``sheet:`` names the worksheet (default: the first).  ``header_row:`` names the row holding the column names when
a title or notes sit above the table (``skip_rows:`` the number of rows above it to leave out); a title row that
was not said is refused with the option to set.  Date cells become
``YYYY-MM-DD`` (a month column may hold real dates: they become ``YYYY-MM``);
whole numbers lose Excel's ``.0``.  Row numbers in messages are the sheet's.
"""
from __future__ import annotations

from appraise.plugins import hookimpl
from appraise.plugins._tabular import TABULAR_OPTIONS, TabularProvider, read_xlsx


class ExcelProvider(TabularProvider):
    name = "excel"
    extra_options = {k: TABULAR_OPTIONS[k] for k in ("sheet", "header_row", "skip_rows")}
    reader = staticmethod(read_xlsx)


@hookimpl
def appraise_providers(register):
    register(ExcelProvider)
