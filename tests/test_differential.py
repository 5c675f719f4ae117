"""The engine against the plain reference evaluator, on generated cases (issue 13).

``tests/generate`` writes random valid rulesets, cycle files and data; ``tests/reference`` is a
deliberately plain, row-by-row reading of SPEC.md that imports nothing of the engine.  Each case is
run through both and every number of every employee compared (:func:`reference.compare`), as is the
set of employees each sends to the errors.  Any difference is a bug in one of them: fix it, and keep
the case as a regression test in ``test_generated_regressions.py`` or ``test_reference.py``.

Single-period cases go through the Python API (``appraise.api.evaluate_cycle``).  Cases of several
cycles (shorter periods read by ``periods:`` and ``bonus.net_of``, a previous period) run every cycle
but the last in order through ``appraise.run.run_cycle(render=False)`` into the case's store (their
results.json compared), and the last through the API reading that store, as its run would; the
reference runs all into its own.  A run costs ~0.4 s a cycle, so ``make test`` runs the first
``PERIOD_CASES`` of each chunk and leaves the rest to ``make fuzz`` (known before they are written).

Budget (``make test``): ``RULESETS`` generated rulesets of ``EMPLOYEES`` people each, split over
``CHUNKS`` tests (``pytest -n`` without ``--dist loadfile`` spreads them over the cores); the counts
are printed in the session summary (tests/conftest.py).  ``APPRAISE_DIFFERENTIAL_CASES=N`` runs N
rulesets instead, ``APPRAISE_DIFFERENTIAL_PERIODS=1`` every multi-period case met,
``APPRAISE_DIFFERENTIAL_SEED=N`` other seeds (a long campaign);
``make fuzz`` sets ``APPRAISE_FUZZ_EXAMPLES`` and runs that many, every period included.
``APPRAISE_DIFFERENTIAL_CHAINS=1`` runs only the chains of three levels (months read by quarters read by the
year, or quarters by halves by the year: ~2 % of seeds, 5 to 25 cycles each, ~20 s a case), the seeds between
them passed over uncounted. ``APPRAISE_DIFFERENTIAL_FEATURE=bad-`` runs only the cases one of whose features
(``case.features``) starts with that text (``formula-``, ``bad-metric-cell``, ``rhythm-late``...): each seed's case
is written to learn its features, the others deleted uncounted.
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
from appraise.pipeline import load
from appraise.run import NobodyAppraised, run_cycle
from generate import RandomChooser, chain_case, rhythm_case, several_cycles, write_case
from reference import ReferenceInputError, ReferenceStore, compare

SCALE = int(os.environ.get("APPRAISE_FUZZ_EXAMPLES", "0"))
RULESETS = int(os.environ.get("APPRAISE_DIFFERENTIAL_CASES", "0")) or SCALE or 120
CHUNKS = 6
EMPLOYEES = (30, 48)  # people in a case's employee table (now and then one): ~39 a ruleset, over 11,000 in all
# multi-period cases each chunk runs; the others are counted as left to make fuzz
PERIOD_CASES = 10 ** 9 if int(os.environ.get("APPRAISE_DIFFERENTIAL_PERIODS") or SCALE) else 1  # "0": off
# seeds of their own (the crash-free test draws its cases through hypothesis); APPRAISE_DIFFERENTIAL_SEED=N starts a
# campaign elsewhere (chunk c runs N + c, N + c + CHUNKS, ...)
FIRST_SEED = int(os.environ.get("APPRAISE_DIFFERENTIAL_SEED", "10000"))
# only chains of three levels (a campaign of its own: they are rare among seeds and slow)
CHAINS_ONLY = os.environ.get("APPRAISE_DIFFERENTIAL_CHAINS", "0") not in ("", "0")
if CHAINS_ONLY:
    PERIOD_CASES = 10 ** 9
# only the cases with a feature starting with this text (a campaign aimed at a new shape of the generator)
FEATURE = os.environ.get("APPRAISE_DIFFERENTIAL_FEATURE", "")
if FEATURE:
    PERIOD_CASES = 10 ** 9


def _engine(case) -> list[dict] | Exception:
    """The engine's results.json documents of the case's cycles, or the located error that stopped it."""
    try:
        if len(case.cycles) == 1:  # nothing stored before it: the Python API reads what run would (no files)
            return [evaluate_cycle(case.cycle)]
        docs = []
        store = load(case.cycles[0])[0].store  # (every cycle of a case names the one store)
        for cycle in case.cycles[:-1]:  # the store carries previous, periods: and net_of between them
            try:
                report = run_cycle(cycle, render=False)
            except NobodyAppraised:
                # every employee erred: the run stores nothing (the reference stores an empty run, which the later
                # periods read as no result for anyone, as the engine reads no stored run); the errors compared are
                # those the run would have written
                docs.append(evaluate_cycle(cycle, store=store))
                continue
            docs.append(json.loads((report.output / "results.json").read_text(encoding="utf-8")))
        # the last one reads them from the store as a run would (nothing reads what it would store)
        return [*docs, evaluate_cycle(case.cycles[-1], store=store)]
    except AppraiseError as exc:  # InvalidInput included: a located refusal
        return exc


def _reference(case) -> list[dict] | Exception:
    store = ReferenceStore()
    try:
        return [store.run(cycle) for cycle in case.cycles]
    except (ReferenceInputError, ValueError) as exc:
        return exc


def _skips_people(cycle: Path) -> bool:
    return "skip-employee" in cycle.read_text(encoding="utf-8")


def _seeds(chunk: int):
    seed = FIRST_SEED + chunk
    while True:
        yield seed
        seed += CHUNKS


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_engine_agrees_with_the_reference_on_generated_cases(chunk, tmp_path_factory, record_property):
    wanted = RULESETS // CHUNKS + (chunk < RULESETS % CHUNKS)
    totals: Counter = Counter()
    root = tmp_path_factory.mktemp(f"differential{chunk}")
    disagreements = []
    seeds = _seeds(chunk)
    while totals["rulesets"] < wanted:
        seed = next(seeds)
        if CHAINS_ONLY and not chain_case(RandomChooser(seed)):
            continue
        if totals["multi-period rulesets"] >= PERIOD_CASES and several_cycles(RandomChooser(seed)):
            totals["multi-period cases left to make fuzz"] += 1  # (known before writing it)
            continue
        if PERIOD_CASES == 1 and rhythm_case(RandomChooser(seed)):  # (4 to 8 cycles each: campaigns run them)
            totals["multi-period cases left to make fuzz"] += 1
            continue
        folder = root / f"case-{seed}"
        case = write_case(RandomChooser(seed), folder, employees=EMPLOYEES)
        if FEATURE and not any(f.startswith(FEATURE) for f in case.features):
            shutil.rmtree(folder, ignore_errors=True)
            continue
        if len(case.cycles) > 1:
            totals["multi-period rulesets"] += 1
        totals["rulesets"] += 1
        totals["cycles"] += len(case.cycles)
        totals["employees generated"] += case.summary["employees"]
        engine, reference = _engine(case), _reference(case)
        if isinstance(engine, Exception) or isinstance(reference, Exception):
            if isinstance(engine, Exception) and isinstance(reference, Exception):
                totals["refused by both"] += 1
            elif isinstance(reference, Exception) and _skips_people(case.cycle):
                totals["not comparable (skip-employee)"] += 1  # the reference refuses the whole run
            else:
                who = "engine" if isinstance(engine, Exception) else "reference"
                why = engine if isinstance(engine, Exception) else reference
                disagreements.append(f"{folder}: only the {who} refused: {str(why)[:300]}")
            continue
        for cycle, got, want in zip(case.cycles, engine, reference):
            differences = compare(got, want)
            if differences:
                disagreements.append(f"{folder} {cycle.name}: " + "\n    ".join(differences[:8]))
                break
            totals["employees compared"] += len(want["employees"])
            totals["employee errors compared"] += len(want["errors"])
        else:
            totals["agreed"] += 1
            shutil.rmtree(folder, ignore_errors=True)  # keep only the folders worth reading
    totals["disagreements"] = len(disagreements)
    record_property("counts", {"label": "differential (engine vs tests/reference)", **totals})
    assert not disagreements, f"{len(disagreements)} of {totals['rulesets']} cases disagree:\n" + "\n".join(
        disagreements)
