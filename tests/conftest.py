"""Shared test set-up: the engine-input helpers on sys.path (tests that depend on plugins set APPRAISE_PLUGINS
themselves)."""
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


# Counts a test wants shown at the end of the run (`make test` prints them): a test calls
# record_property("counts", {"label": "differential", "rulesets": 50, ...}); the numbers of one label are
# summed over its tests. User properties travel with the reports, so this works under pytest -n too.
def pytest_terminal_summary(terminalreporter):
    from collections import Counter, defaultdict

    totals: dict = defaultdict(Counter)
    for reports in terminalreporter.stats.values():
        for report in reports:
            for key, value in getattr(report, "user_properties", ()) or ():
                if key == "counts" and isinstance(value, dict) and getattr(report, "when", "call") == "call":
                    totals[value["label"]].update({k: v for k, v in value.items() if k != "label"})
    for label, counts in sorted(totals.items()):
        terminalreporter.write_line(f"{label}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
