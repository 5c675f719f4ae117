"""Regenerate the screenshots of the worked example's Q3 dashboards (en and zh-CN).

    .venv/bin/python docs/screenshots/make_screenshots.py

Renders example Q3 (with Q2 as history) twice, once per language, and saves
``<id>-<locale>.png`` (1000 px wide, full page) beside this script, plus the
formal plan and the team overview.  Needs /usr/bin/chromium and a CJK font
(``apt-get install -y chromium fonts-wqy-microhei``); when ``pngquant`` is
installed the PNGs are quantised to a third of their size.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402

from appraise.language.compile import load_ruleset  # noqa: E402
from appraise.present.render import render_all  # noqa: E402
from engine_inputs import EXAMPLE, previous_from, run_example  # noqa: E402


def main() -> None:
    _, q2 = run_example("Q2")
    _, q3 = run_example("Q3", previous=previous_from(q2))
    history = {e["id"]: [{"cycle": q2["cycle"], "score": e["score"], "grade": e["grade"], "bonus": e["bonus"]}]
               for e in q2["employees"]}
    ruleset = load_ruleset(EXAMPLE / "sales-team.yaml")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        for locale in ("en", "zh-CN"):
            out = Path(tmp) / locale
            render_all(q3, ruleset, out, history=history, locale=locale)
            shots = [(f"dashboards/{e['id']}.html", f"{e['id']}-{locale}.png") for e in q3["employees"]]
            shots += [("plans/E004.html", f"plan-E004-{locale}.png"),
                      ("teams/east-1.html", f"team-east-1-{locale}.png")]
            for page_path, name in shots:
                page.goto((out / page_path).as_uri())
                page.screenshot(path=str(HERE / name), full_page=True)
                if shutil.which("pngquant"):
                    subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--quality", "70-95",
                                    "--output", str(HERE / name), str(HERE / name)], check=False)
                print(name)
        browser.close()


if __name__ == "__main__":
    main()
