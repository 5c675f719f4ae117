"""The engine against the plain reference evaluator, on generated cases (issue 13).

``tests/generate`` writes random valid rulesets, cycle files and data; ``tests/reference`` is a
deliberately plain, row-by-row reading of SPEC.md that shares no code with the engine beyond the
YAML loader.  Each case is run through both (every cycle of a case in order into one store: the
previous period, and the shorter periods a ``periods:`` dimension or ``bonus.net_of`` reads) and
every number of every employee compared (:func:`reference.compare`).  Any difference is a bug in
one of them: fix it, and keep the case as a regression test in ``test_generated_regressions.py``
or ``test_reference.py``.

Budget: ``APPRAISE_DIFFERENTIAL_CASES`` rulesets (opt-in for now, see below), split over ``CHUNKS`` tests so
``pytest -n`` spreads them over the cores; ``make fuzz`` runs ``APPRAISE_FUZZ_EXAMPLES`` of them.
The counts are printed in the session summary (tests/conftest.py).
"""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from appraise.api import evaluate_cycle
from appraise.errors import AppraiseError
from appraise.run import run_cycle
from generate import RandomChooser, write_case
from reference import ReferenceInputError, ReferenceStore, compare

SCALE = int(os.environ.get("APPRAISE_FUZZ_EXAMPLES", "0"))
CASES = int(os.environ.get("APPRAISE_DIFFERENTIAL_CASES", "0")) or SCALE
# Opt-in until the open disagreements are settled (README "Testing": OKR/360 edge cases under missing: zero,
# employees the engine sends to errors that the reference appraises, an overflow in the reference); then
# the default becomes 300 cases in `make test`.
pytestmark = pytest.mark.skipif(not CASES, reason="differential cases are opt-in while open disagreements are "
                                "triaged: APPRAISE_DIFFERENTIAL_CASES=N (make fuzz sets it)")
CHUNKS = 6
# cases of several cycles run through `appraise run` into a store (~1 s per cycle): make fuzz sets this
PERIODS = bool(os.environ.get("APPRAISE_DIFFERENTIAL_PERIODS", SCALE))
FIRST_SEED = 10_000  # seeds of their own: the crash-free test draws its cases through hypothesis



def _engine(case) -> list[dict] | Exception:
    """The engine's results.json documents of the case's cycles, or the located error that stopped it."""
    try:
        if len(case.cycles) == 1 and not _reads_store(case.cycle):
            return [evaluate_cycle(case.cycle)]
        docs = []
        for cycle in case.cycles:  # the store carries previous, periods: and net_of between them
            report = run_cycle(cycle, render=False)
            docs.append(json.loads((report.output / "results.json").read_text(encoding="utf-8")))
        return docs
    except AppraiseError as exc:  # InvalidInput included: a located refusal
        return exc


def _reads_store(cycle: Path) -> bool:
    ruleset = (cycle.parent / "ruleset.yaml").read_text(encoding="utf-8")
    return "periods:" in ruleset or "net_of:" in ruleset or "previous." in ruleset


def _reference(case) -> list[dict] | Exception:
    store = ReferenceStore()
    try:
        return [store.run(cycle) for cycle in case.cycles]
    except (ReferenceInputError, ValueError) as exc:
        return exc


def _skips_people(cycle: Path) -> bool:
    return "skip-employee" in cycle.read_text(encoding="utf-8")


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_engine_agrees_with_the_reference_on_generated_cases(chunk, tmp_path_factory, record_property):
    seeds = range(FIRST_SEED + chunk, FIRST_SEED + max(CASES, 1), CHUNKS)
    TOTALS: Counter = Counter()
    root = tmp_path_factory.mktemp(f"differential{chunk}")
    disagreements = []
    for seed in seeds:
        folder = root / f"case-{seed}"
        case = write_case(RandomChooser(seed), folder)
        if len(case.cycles) > 1 and not PERIODS:
            TOTALS["multi-period cases left to make fuzz"] += 1
            shutil.rmtree(folder, ignore_errors=True)
            continue
        TOTALS["rulesets"] += 1
        TOTALS["cycles"] += len(case.cycles)
        engine, reference = _engine(case), _reference(case)
        if isinstance(engine, Exception) or isinstance(reference, Exception):
            if isinstance(engine, Exception) and isinstance(reference, Exception):
                TOTALS["refused by both"] += 1
            elif isinstance(reference, Exception) and _skips_people(case.cycle):
                TOTALS["not comparable (skip-employee)"] += 1  # the reference refuses the whole run
            else:
                who = "engine" if isinstance(engine, Exception) else "reference"
                why = engine if isinstance(engine, Exception) else reference
                disagreements.append(f"{folder}: only the {who} refused: {str(why)[:300]}")
            continue
        for cycle, got, want in zip(case.cycles, engine, reference):
            TOTALS["employees"] += len(want["employees"])
            differences = compare(got, want)
            if differences:
                disagreements.append(f"{folder} {cycle.name}: " + "\n    ".join(differences[:8]))
                break
        else:
            TOTALS["agreed"] += 1
            shutil.rmtree(folder, ignore_errors=True)  # keep only the folders worth reading
    TOTALS["disagreements"] = len(disagreements)
    record_property("counts", {"label": "differential (engine vs tests/reference)", **TOTALS})
    assert not disagreements, f"{len(disagreements)} of {len(seeds)} cases disagree:\n" + "\n".join(disagreements)

