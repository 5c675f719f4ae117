"""Shared test set-up: tests never load third-party plugins installed on the machine."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("APPRAISE_TEST", "1")
