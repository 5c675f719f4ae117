"""Shared test set-up: the engine-input helpers on sys.path (tests that depend on plugins set APPRAISE_PLUGINS themselves)."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("APPRAISE_TEST", "1")
