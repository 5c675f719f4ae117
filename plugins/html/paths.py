"""Where the HTML renderer writes each page, relative to the cycle's output folder (links between pages use the
same paths).  Ids and team names go through :func:`appraise.present.render.file_stem`, so no page can be written
outside its folder."""
from __future__ import annotations

from appraise.present.render import file_stem

INDEX = "index.html"


def dashboard_path(employee_id: str) -> str:
    return f"dashboards/{file_stem(employee_id)}.html"


def plan_path(employee_id: str) -> str:
    return f"plans/{file_stem(employee_id)}.html"


def team_path(cohort: str | None) -> str:
    return f"teams/{file_stem(cohort if cohort is not None else 'all')}.html"
