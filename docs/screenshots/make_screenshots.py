"""Regenerate the screenshots of the worked example's Q3 pages, at desktop (1280 px) and phone (390 px) widths,
in English and Chinese.

    .venv/bin/python docs/screenshots/make_screenshots.py [--out DIR]

Evaluates the example's Q2 and Q3 (Q2 as the stored history: scores, per-KPI attainments and bonus steps),
works out what each person can act on (:func:`appraise.core.insights.insights`) and renders every page once per
language.  The example's feedback file has no ``comment`` column; for the pictures a few unsigned comments are
added to its Q3 rows (``DEMO_COMMENTS``), as a survey tool would export them.  Saves ``<id>-<locale>.png``
(dashboards, 1280 px, full page), ``phone-<id>-<locale>.png`` (390 px), the plans of E004 (formal) and E001, the
team overview and the index, beside this script.  Needs /usr/bin/chromium and a CJK font (``apt-get install -y
chromium fonts-wqy-microhei``); when ``pngquant`` is installed the PNGs are quantised to a third of their size.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import polars as pl  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from appraise.core.insights import insights  # noqa: E402
from appraise.language.ruleset import load_ruleset  # noqa: E402
from appraise.present.render import render_all  # noqa: E402
from engine_inputs import EXAMPLE, example_inputs, previous_from, run_example  # noqa: E402

# (employee, rater, comment) on the example's Q3 ratings: what the raters of a source wrote
DEMO_COMMENTS = [
    ("E001", "P00", "Shares leads with the team without being asked."),
    ("E001", "P01", "Could involve peers earlier in large deals."),
    ("E001", "C10", "Quick to answer and knows our business."),
    ("E001", "E001", "I want to grow the new product line next quarter."),
    ("E003", "P11", "Helpful in joint visits."),
    ("E003", "C21", "Proposals sometimes arrive late."),
    ("E004", "P20", "Follow-ups after meetings are often missing."),
    ("E004", "P21", "Friendly, but commitments slip."),
    ("E004", "P22", "Would benefit from a weekly plan with the manager."),
    ("E004", "C30", "Not shown: only two customers rated, fewer than the three required."),
    ("E005", "P30", "主动分享客户经验，乐于帮助新人。"),
    ("E005", "C41", "响应及时，方案专业。"),
]

WIDTHS = {"desktop": 1280, "phone": 390}


def example_site(out: Path) -> list[tuple[str, str]]:
    """Render the example's Q3 pages into ``out/<locale>``; returns (page, picture name) pairs."""
    ev2, q2 = run_example("Q2")
    ev3, q3 = run_example("Q3", previous=previous_from(q2))
    history = {e["id"]: [{"cycle": q2["cycle"], "score": e["score"], "grade": e["grade"], "bonus": e["bonus"],
                          "kpis": e["kpis"], "bonus_detail": e["bonus_detail"]}] for e in q2["employees"]}
    feedback = example_inputs("Q3").feedback
    said = pl.DataFrame(DEMO_COMMENTS, schema=["employee", "rater", "comment"], orient="row")
    first = feedback.filter(pl.col("period") == "2026-Q3").group_by("employee", "rater").agg(
        pl.col("competency").first())  # one comment per rater, on their first competency's row
    feedback = feedback.join(said.join(first, on=["employee", "rater"]), on=["employee", "rater", "competency"],
                             how="left")
    found = insights(ev3, feedback, history)
    ruleset = load_ruleset(EXAMPLE / "sales-team.yaml")
    for locale in ("en", "zh-CN"):
        render_all(q3, ruleset, out / locale, history=history, locale=locale, insights=found)
    shots = [(f"dashboards/{e['id']}.html", e["id"]) for e in q3["employees"]]
    shots += [("plans/E004.html", "plan-E004"), ("plans/E001.html", "plan-E001"),
              ("teams/east-1.html", "team-east-1"), ("index.html", "index")]
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNGs (default: beside this script)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        site = Path(tmp)
        shots = example_site(site)
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for kind, width in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 800},
                                    device_scale_factor=1)
            for locale in ("en", "zh-CN"):
                for page_path, stem in shots:
                    if kind == "phone" and stem not in ("E004", "E001", "plan-E004", "team-east-1", "index"):
                        continue
                    name = f"{stem}-{locale}.png" if kind == "desktop" else f"phone-{stem}-{locale}.png"
                    page.goto((site / locale / page_path).as_uri())
                    page.screenshot(path=str(args.out / name), full_page=True)
                    if shutil.which("pngquant"):
                        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--quality", "70-95",
                                        "--output", str(args.out / name), str(args.out / name)], check=False)
                    print(name)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
