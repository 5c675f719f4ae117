"""appraise: appraisal as code.

The pipeline, one module per stage: :mod:`~appraise.language.load` (strict YAML) →
:mod:`~appraise.language.validate` (schema + semantics) → :mod:`~appraise.language.compile`
(immutable plan) → :mod:`~appraise.provide.stage` (plugins return tables) →
:mod:`~appraise.core.evaluate` (pure columnar core) → :mod:`~appraise.store.database` →
:mod:`~appraise.present.render`.

Heavy modules load lazily: ``import appraise`` is cheap.
"""
from __future__ import annotations

import os as _os

# Polars' allocator (jemalloc) hands freed memory back to the OS after half a second.  An appraisal
# frees and reallocates gigabytes between its stages, and faulting those pages in again cost about a
# sixth of the engine's time at 1M employees (benchmarks/bench_engine.py).  Keep freed pages for
# 10 s instead, jemalloc's own default.  Only takes effect when appraise is imported before polars;
# a setting of your own wins.
_os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:10000,muzzy_decay_ms:10000")
# numpy asks the kernel for huge pages for every large array (madvise); where transparent huge pages are
# "madvise", as on this project's machines, each such array may wait while the kernel gathers 2 MiB pages, and the
# 360's arrays over 24 million ratings are made and freed many times: at 1,000,000 people evaluate took 8.7 s of CPU
# with them and 6.95 s without (one pair of whole runs, 2 December; the same at 100,000 within the noise).  Only
# takes effect when appraise is imported before numpy; a setting of your own wins.
_os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
# numpy's OpenBLAS starts a thread per core at import, which spin while they wait for work (1% of a 100,000-person
# run's CPU in perf); appraise calls no BLAS routine.  Only takes effect when appraise is imported before numpy.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# One source of the version: pyproject.toml, through the installed distribution's metadata (``__version__`` is
# read when first asked for: importlib.metadata costs ~0.02 s of CPU, which `appraise validate RULESET` needs not pay).
# Modules of the package read it the same way (importlib.metadata), never from this facade, whose lazy attributes
# import the API.

__all__ = ["__version__", "load_ruleset", "evaluate", "run_cycle"]


def __getattr__(name):  # PEP 562: the public API without importing polars up front
    if name == "__version__":
        from importlib import metadata

        globals()["__version__"] = version = metadata.version("appraise")
        return version
    if name == "load_ruleset":
        from appraise.language.ruleset import load_ruleset

        return load_ruleset
    if name == "evaluate":
        from appraise.api import evaluate

        return evaluate
    if name == "run_cycle":
        from appraise.api import run_cycle

        return run_cycle
    raise AttributeError(f"module 'appraise' has no attribute {name!r}")
