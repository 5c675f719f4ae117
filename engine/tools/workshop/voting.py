"""Who may vote in a workshop, and the ballots: signed roster links, one-time codes, ad-hoc links.

Three ways to hand out votes (a session uses one, its ``mode``):

* ``roster`` (``--roster people.csv``): one **signed link per person** of the roster.  The link's
  token is the person's id and an HMAC-SHA256 of (session id, person id) under the session's
  secret, so links need no table, cannot be forged or moved to another session, and a person's
  link votes as that person, with the roster's name (nobody types a name).
* ``codes`` (``--codes N``): a **secret ballot**.  Everyone opens the same voting link (its QR code
  is on the presenter view) and enters a one-time code drawn from a hat; a code casts one ballot,
  once, and is then spent.  The store keeps only the codes' keyed hashes and a spent flag, and a
  secret ballot has no voter, name or time: nothing links a code to its ballot.
* ``links`` (``--links N``, the default): anonymous one-per-person links issued by the facilitator,
  each with a random token held in memory (a label, not a person; the name is typed).

One ballot per link.  **Changing a vote** (roster and ad-hoc links): submitting again replaces the
link's ballot (the latest counts; the store keeps every revision).  A page sends the revision it was
showing, and a submission made on an older revision is refused (HTTP 409) and reloads the ballot, so
a second browser with the same link never silently overwrites the first: it must look at the ballot
that is there first.  A one-time code's ballot is final.
"""
from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import hmac
import io
import math
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from appraise.errors import Diagnostic, InvalidInput

MODES = ("links", "roster", "codes")
MAX_ROSTER = 5000
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
CODE_LENGTH = 8                                     # 40 bits
BALLOT_VOTER = "ballot"                             # the shared voting link of a secret ballot
PERSON = "person:"                                  # voter ids of roster members
SECRET = "secret:"                                  # voter ids of secret ballots (the store's row id)


@dataclass
class Ballot:
    """One counted ballot: a voter's latest proposal (``revision`` 1, 2, ... as it was changed)."""

    voter: str
    name: str
    weights: dict[str, Decimal]
    revision: int = 1
    at: float = field(default_factory=time.time)
    ruleset_version: str | None = None   # the version the ballot was cast on


class VoteRefused(Exception):
    """A ballot refused: ``key`` is a message of :mod:`.texts`, ``status`` the HTTP status."""

    def __init__(self, key: str, status: int = 400, **values):
        super().__init__(key)
        self.key, self.status, self.values = key, status, values


# ---------------------------------------------------------------- the roster

def read_roster(path: str | Path) -> list[tuple[str, str]]:
    """(id, name) of every person in a roster CSV (columns ``id`` and ``name``; others ignored).

    Raises :class:`InvalidInput` naming the file, row and column of every problem, in English and Chinese:
    a missing column, an empty or repeated id (ids differing only in letter case are the same person),
    more than :data:`MAX_ROSTER` people.  An empty name is the id.
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput([Diagnostic(name, 0, 0, f"the roster is not UTF-8 text (byte {exc.start})",
                                       hint="save it as CSV UTF-8")]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InvalidInput([Diagnostic(name, 1, 1, "the roster is empty",
                                       hint="write a header row 'id,name' and one row per person")])
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("id", "name") if c not in header]
    if missing:
        raise InvalidInput([Diagnostic(name, 1, 1, f"the roster has no column '{missing[0]}'",
                                       hint=f"its header is {','.join(rows[0])}; write 'id,name'")])
    i_id, i_name = header.index("id"), header.index("name")
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    problems = []
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        pid = row[i_id].strip() if i_id < len(row) else ""
        person = " ".join((row[i_name] if i_name < len(row) else "").split()) or pid
        if not pid:
            problems.append(Diagnostic(name, line, i_id + 1, "empty id", path="id",
                                       hint="give every person an id (e.g. the employee id)"))
        elif pid.casefold() in seen:
            problems.append(Diagnostic(name, line, i_id + 1,
                                       f"id '{pid}' is repeated (row {seen[pid.casefold()]})", path="id",
                                       hint="one row per person"))
        else:
            seen[pid.casefold()] = line
            out.append((pid, person[:200]))
    if len(out) > MAX_ROSTER:
        problems.append(Diagnostic(name, 0, 0, f"{len(out)} people; a workshop takes at most {MAX_ROSTER}"))
    if not out and not problems:
        problems.append(Diagnostic(name, 2, 1, "the roster names nobody",
                                   hint="one row per person under the header"))
    if problems:
        raise InvalidInput(problems)
    return out


# ---------------------------------------------------------------- signed links

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, *parts: str) -> bytes:
    return hmac.new(secret, "\x00".join(parts).encode("utf-8"), hashlib.sha256).digest()


def sign(secret: bytes, session_id: str, person: str) -> str:
    """A roster member's link token: ``r.<id, base64url>.<HMAC-SHA256(secret, session id, id), 128 bits>``."""
    return f"r.{_b64(person.encode('utf-8'))}.{_b64(_mac(secret, 'person', session_id, person)[:16])}"


def verify(secret: bytes, session_id: str, token: str) -> str | None:
    """The person id a signed token names, if its signature holds for this session; else None."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "r" or len(token) > 600:
        return None
    try:
        person = _unb64(parts[1]).decode("utf-8")
        mac = _unb64(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return person if hmac.compare_digest(mac, _mac(secret, "person", session_id, person)[:16]) else None


def derived_token(secret: bytes, session_id: str, purpose: str) -> str:
    """A token of the session for ``purpose`` (``presenter``, ``ballot``), the same after a restart."""
    return _b64(_mac(secret, purpose, session_id)[:18])


# ---------------------------------------------------------------- one-time codes

def new_codes(n: int) -> list[str]:
    """``n`` distinct random codes such as ``7KQF-2M9P`` (40 bits each, no look-alike letters)."""
    out: set[str] = set()
    while len(out) < n:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        out.add(f"{raw[:4]}-{raw[4:]}")
    return sorted(out)


def normal_code(text: str) -> str:
    """A code as typed (any case, spaces or dashes, O for 0, I or L for 1) in its canonical form."""
    raw = "".join(str(text).split()).replace("-", "").upper().translate(str.maketrans("OIL", "011"))
    return raw


def code_hash(secret: bytes, session_id: str, code: str) -> str:
    """The keyed hash a code is stored as (never the code itself)."""
    return _mac(secret, "code", session_id, normal_code(code)).hex()


def roster_names(roster: Sequence[tuple[str, str]]) -> Mapping[str, str]:
    """Person id → name."""
    return dict(roster)


# ---------------------------------------------------------------- guessing one-time codes

GUESS_WINDOW = 600.0        # seconds a wrong code is remembered
GUESS_FREE = 3              # wrong codes one typist (address + code prefix) may enter before being slowed
GUESS_DELAY = 5.0           # then seconds to wait before the next try, doubling after each wrong code ...
GUESS_MAX_DELAY = 60.0      # ... up to this
GUESS_TYPIST_LIMIT = 10     # wrong codes from one typist in the window: refused until the window passes
GUESS_ADDRESS_LIMIT = 100   # wrong codes from one address (a whole room behind one NAT) in the window: refused


class Guesses:
    """Slows, then refuses, a client that enters wrong one-time codes (secret ballots).

    Two keys, so that a room of 50 phones behind one Wi-Fi address is never locked out by one person's typos:

    * the **typist**: the remote address and the first 4 characters of the code entered.  Someone retyping
      their own code keeps its prefix (codes are random, so two people in a room practically never share
      one); after :data:`GUESS_FREE` wrong codes each further try must wait :data:`GUESS_DELAY` seconds,
      doubling per wrong code up to :data:`GUESS_MAX_DELAY`, and after :data:`GUESS_TYPIST_LIMIT` wrong
      codes in :data:`GUESS_WINDOW` seconds that typist is refused until the oldest is forgotten;
    * the **address**: after :data:`GUESS_ADDRESS_LIMIT` wrong codes in the window from one address,
      whatever their prefixes (someone trying codes at random), that address is refused.

    Refused tries are not checked at all, so they tell nothing; they are counted (:attr:`refused`) for the
    facilitator.  A right code from another typist or address goes through.  ``clock`` (seconds, monotonic)
    is injectable for tests.  Not thread-safe: the caller serialises (the app's ballot lock).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.wrong: dict[tuple[str, str], list[float]] = {}
        self.refused = 0

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        times = [t for t in self.wrong.get(key, ()) if now - t < GUESS_WINDOW]
        if times:
            self.wrong[key] = times
        else:
            self.wrong.pop(key, None)
        return times

    @staticmethod
    def _keys(address: str, code: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("typist", f"{address}|{normal_code(code)[:4]}"), ("address", address)

    def wait(self, address: str, code: str) -> int:
        """Seconds this client must wait before its code is looked at (0: go ahead); a wait is counted as refused."""
        now = self.clock()
        typist, whole = self._keys(address, code)
        mine, everyone = self._recent(typist, now), self._recent(whole, now)
        waits = [0.0]
        if len(everyone) >= GUESS_ADDRESS_LIMIT:
            waits.append(everyone[-GUESS_ADDRESS_LIMIT] + GUESS_WINDOW - now)
        if len(mine) >= GUESS_TYPIST_LIMIT:
            waits.append(mine[-GUESS_TYPIST_LIMIT] + GUESS_WINDOW - now)
        elif len(mine) >= GUESS_FREE:
            delay = min(GUESS_MAX_DELAY, GUESS_DELAY * 2 ** (len(mine) - GUESS_FREE))
            waits.append(mine[-1] + delay - now)
        seconds = max(waits)
        if seconds <= 0:
            return 0
        self.refused += 1
        return max(1, math.ceil(seconds))

    def failed(self, address: str, code: str) -> None:
        """Remember a wrong (unknown or already spent) code entered from ``address``."""
        now = self.clock()
        for key in self._keys(address, code):
            self._recent(key, now)
            self.wrong.setdefault(key, []).append(now)
        if len(self.wrong) > 20000:  # forget quiet keys (memory stays bounded whatever is sent)
            for key in [k for k, v in self.wrong.items() if now - v[-1] >= GUESS_WINDOW]:
                del self.wrong[key]
