"""``import appraise`` keeps freed memory for a while (see engine/__init__.py), unless told otherwise.

Polars appends a ``_RJEM_MALLOC_CONF`` it finds to its own defaults when it is imported; jemalloc
reads the options left to right, so the last value of each wins.  jemalloc's ``stats_print`` shows
the options it took."""
from __future__ import annotations

import os
import re
import subprocess
import sys


def effective_dirty_decay(code_before_polars: str, env_value: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    if env_value is not None:
        env["_RJEM_MALLOC_CONF"] = env_value
    code = (code_before_polars + "import os; os.environ['_RJEM_MALLOC_CONF'] = "
            "(os.environ.get('_RJEM_MALLOC_CONF', '') + ',stats_print:true').lstrip(','); "
            "import polars; polars.DataFrame({'a': [1]})")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    found = re.search(r"opt\.dirty_decay_ms: (-?\d+)", out.stderr + out.stdout)
    assert found, "jemalloc printed no options"
    return int(found.group(1))


def test_importing_appraise_first_keeps_freed_pages_for_ten_seconds():
    assert effective_dirty_decay("import appraise; ", None) == 10000


def test_polars_own_default_without_appraise():
    assert effective_dirty_decay("", None) == 500


def test_a_setting_of_your_own_wins():
    assert effective_dirty_decay("import appraise; ", "dirty_decay_ms:2000") == 2000
