"""Shared test set-up: the engine-input helpers on sys.path (tests that depend on plugins set APPRAISE_PLUGINS
themselves)."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("APPRAISE_TEST", "1")


def _rewrite_only_this_suites_asserts() -> None:
    """pytest rewrites the asserts of the tests (for its failure messages) and also of every module of each
    installed package that brings a pytest plugin: hypothesis, anyio, xdist, platformdirs, ~110 modules whose own
    asserts are not what this suite checks.  With PYTHONDONTWRITEBYTECODE set (as in CI) nothing of that is cached,
    so each worker rewrote them all again (~1 s of CPU a process) and ran hypothesis's internals rewritten.  Those
    packages are taken off pytest's list (a private one: when a pytest upgrade renames it, this does nothing);
    the test modules and this conftest are rewritten as before."""
    for finder in sys.meta_path:
        marked = getattr(finder, "_must_rewrite", None)
        if isinstance(marked, set) and isinstance(getattr(finder, "_marked_for_rewrite_cache", None), dict):
            marked.difference_update({"hypothesis", "_hypothesis_globals", "_hypothesis_ftz_detector",
                                      "_hypothesis_pytestplugin", "anyio", "platformdirs", "xdist"})
            finder._marked_for_rewrite_cache.clear()


_rewrite_only_this_suites_asserts()
# Messages follow APPRAISE_LANG or the locale (issue 18): the suite asserts English unless a test asks for Chinese,
# so a developer's or CI machine's Chinese locale must not change what the tests see.
for _var in ("APPRAISE_LANG", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_var, None)
os.environ["LANG"] = "C.UTF-8"

# CI runs the property and fuzz tests on a fixed, reproducible set of examples (a submission must not pass or fail
# by luck); runs elsewhere explore new random examples each time, and `make fuzz` explores at scale.
import pytest  # noqa: E402
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


# The longest test files first.  `make test` runs `pytest -n 2 --dist loadfile --no-loadscope-reorder`: each file goes
# whole to one worker, in collection order, to whichever worker is free; starting with the longest ones packs the two
# workers evenly (xdist's default order puts the files with the most tests first, which left the long single-test
# files to the end, on one worker).  Seconds of each file on its worker (wall: a browser's or a server's file waits
# as much as it computes) in a `make test`-like run on 2026-12-02 (a per-test timer plugin); files not listed take
# ~2 s or less and keep their order.
FILE_SECONDS = {
    "test_differential.py": 38,  # 120 generated rulesets, engine against the reference (6 tests)
    "test_browser.py": 26,  # chromium: 20 pages in two languages, screenshots and PDFs
    "test_generated_runs.py": 22,  # 45 generated cases through the CLI and the API
    "test_crash.py": 19,  # killed runs: real processes
    "test_workshop_browser.py": 17,  # chromium, a server
    "test_fuzz.py": 16,
    "test_workshop_room.py": 16,  # chromium, a server
    "test_settlement.py": 13,
    "test_properties.py": 10,
    "test_precommit.py": 10,  # git, pre-commit and appraise processes
    "test_phone_widths.py": 9,  # chromium
    "test_plugins.py": 8,  # pip install of the example plugin
    "test_store.py": 8,  # PostgreSQL server
    "test_providers.py": 7,  # PostgreSQL server
    "test_workshop.py": 7,
    "test_run.py": 7,
    "test_incentive_plans.py": 7,
    "test_workshop_print.py": 7,  # chromium, a server
    "test_testing.py": 6,
    "test_export.py": 6,
    "test_workshop_attacks.py": 6,
    "test_export_columns.py": 5,
    "test_periods.py": 5,
    "test_diff.py": 5,
    "test_no_wrong_pay.py": 4,
    "test_generated_regressions.py": 4,
    "test_hostile_inputs.py": 4,
    "test_check_jsonschema.py": 4,
    "test_security_pay.py": 4,
    "test_providers_errors.py": 4,
    "test_i18n.py": 3,
    "test_hostile_outputs.py": 3,
    "test_workshop_votes.py": 3,  # real server processes: more waiting than CPU
    "test_i18n_one_language.py": 3,
}


@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    """No garbage collection while the test modules are imported and their asserts rewritten: the rewriting makes
    millions of short-lived AST nodes, and each full collection it set off walked every object polars, hypothesis
    and the engine had loaded (a third of the ~5 s of CPU each xdist worker spends collecting the suite)."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return (yield)
    finally:
        if was_enabled:
            gc.enable()


def pytest_collection_modifyitems(config, items):
    def cost(item):
        return -FILE_SECONDS.get(Path(str(item.path)).name, 0)

    items.sort(key=cost)  # stable: the order within a file, and of the files not listed, is kept


@pytest.fixture(scope="module")
def browser():
    """One chromium per test file that asks for it (tests/browser_support.py; the file marks itself with
    ``pytestmark = NEEDS_CHROMIUM``)."""
    from playwright.sync_api import sync_playwright

    from browser_support import launch

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


# Files whose rulesets, cycles and plans are generated: every "valid" the fast schema check
# (appraise.language.validity, used instead of jsonschema for files without errors) answers there is asked of
# jsonschema too, so the generated documents are an oracle for it beside tests/test_schema_validity.py.
_GENERATED_DOCUMENTS = {"test_fuzz", "test_generated_runs", "test_differential", "test_targets_properties",
                        "test_weights_agree", "test_properties"}


_JSONSCHEMA_VALIDATORS: dict[int, tuple] = {}  # id of a schema -> (the schema, kept alive; its validator)
_JSONSCHEMA_VALID: set[tuple] = set()  # (id of a schema, its arguments, the document) jsonschema found valid


@pytest.fixture(autouse=True)
def _validity_agrees_with_jsonschema(request, monkeypatch):
    if request.module.__name__.rpartition(".")[2] not in _GENERATED_DOCUMENTS:
        yield
        return
    import appraise.language.schema as schema

    real = schema.satisfies
    validators = _JSONSCHEMA_VALIDATORS

    def checked(value, root, *args, **kwargs):
        answer = real(value, root, *args, **kwargs)
        if answer is True:
            # a document jsonschema already found valid under the same schema is not asked again (a generated
            # run validates its ruleset three times: `appraise validate`, the cycle's check, load_ruleset);
            # repr tells 1 from '1', True and 1.0, and a date from its text
            seen = (id(root), repr(args), repr(kwargs), repr(value))
            if seen in _JSONSCHEMA_VALID:
                return answer
            if id(root) not in validators:
                from jsonschema import Draft7Validator

                validators[id(root)] = (root, Draft7Validator(root))
            wrong = next(validators[id(root)][1].iter_errors(value), None)
            assert wrong is None, f"the fast schema check said valid; jsonschema: {wrong.message} at " \
                                  f"{list(wrong.absolute_path)}"
            _JSONSCHEMA_VALID.add(seen)
        return answer

    monkeypatch.setattr(schema, "satisfies", checked)
    yield
