"""What the browser tests share: Debian's chromium driven by Playwright (offline, no sandbox in CI), the marks
that skip a file without it, and one browser per test file (the ``browser`` fixture of tests/conftest.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NEEDS_CHROMIUM = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is absent: install it with `apt-get install -y chromium` (make does)"),
]


def launch(playwright):
    """Chromium, started by ``playwright`` (a sync Playwright) the way every browser test starts it."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
