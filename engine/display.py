"""How things are named in messages, one rule each for every command: file paths, suggestions, store URLs.

* :func:`shown` — a file path as a user reads it: relative to the current folder when the file lies inside
  it, else absolute (POSIX separators either way).
* :func:`in_folder` — a file named as from another folder (a cycle's), as outputs name their sources, so
  that they are the same wherever the run started.
* :func:`did_you_mean` — ``"; did you mean 'x'?"`` for the closest known name, or nothing.
* :func:`safe_url` — a store URL fit to print: its password hidden.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path

# how alike a misspelt name and a known one must be to suggest the known one (difflib's ratio; its own default)
SUGGEST_CUTOFF = 0.6


def shown(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the current folder when it lies inside it (as named, or once symbolic links are
    resolved), else absolute; always with ``/``."""
    try:
        cwd = Path.cwd()
        named = Path(os.path.abspath(path))
    except OSError:  # the current folder was removed
        return Path(path).as_posix()
    for candidate in (named, named.resolve()):
        try:
            return candidate.relative_to(cwd).as_posix()
        except ValueError:
            continue
    return named.as_posix()


def in_folder(path: str | os.PathLike[str], folder: Path) -> str:
    """``path`` relative to ``folder`` when it lies inside it (both resolved), else as given; with ``/``."""
    try:
        return Path(path).resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """``"; did you mean 'x'?"`` naming the choice closest to ``word``, or ``""`` when none is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=SUGGEST_CUTOFF)
    return f"; did you mean '{close[0]}'?" if close else ""


def safe_url(url: str) -> str:
    """A store URL fit to print: the password hidden (the text as given when it is no URL)."""
    from sqlalchemy import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
