"""Shared test set-up: the engine-input helpers on sys.path (tests that depend on plugins set APPRAISE_PLUGINS themselves)."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("APPRAISE_TEST", "1")

# CI runs the property and fuzz tests on a fixed, reproducible set of examples (a submission must not pass or fail
# by luck); runs elsewhere explore new random examples each time, and `make fuzz` explores at scale.
from hypothesis import settings as _settings  # noqa: E402

_settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    _settings.load_profile("ci")
