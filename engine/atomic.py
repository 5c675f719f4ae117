"""Atomic file writes: a reader (or a crash) never sees half a file.

Every output of ``appraise run`` goes through :func:`write_bytes`: the bytes go
to a temporary file in the *same* folder (so the rename cannot cross a file
system), are flushed and fsync'ed, and the temporary file is renamed over the
target with :func:`os.replace`, which is atomic on POSIX and Windows.  A
process killed mid-write leaves a ``.<name>.appraise-tmp-*`` file behind and the
previous version of the target intact; :func:`remove_leftovers` deletes such
files on the next run.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

TMP_MARK = ".appraise-tmp-"


def _file_mode() -> int:
    """The mode a plain ``open(..., "w")`` would give (mkstemp's files are 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask




def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: fsync the folder entry (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes(path: str | Path, data: bytes, *, sync_dir: bool = True, mode: int | None = None) -> str:
    """Write ``data`` to ``path`` atomically; returns the sha256 of ``data`` (hex).

    The file gets ``mode`` (e.g. the permission bits of the file it replaces), else what the umask gives.
    """
    return _write(Path(path), (data,), sync_dir, mode)[0]


def write_chunks(path: str | Path, chunks: Iterable[bytes | str]) -> tuple[str, int]:
    """Write an iterable of chunks atomically without holding them all; returns (sha256, size)."""
    return _write(Path(path), chunks, True)


def _write(path: Path, chunks: Iterable[bytes | str], sync_dir: bool, mode: int | None = None) -> tuple[str, int]:
    """Temporary file in the same folder, fsync, rename over ``path``; returns (sha256, size)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TMP_MARK}", dir=path.parent)
    h = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), _file_mode() if mode is None else mode)  # the umask now, not at import
            buf: list[bytes] = []
            pending = 0
            for chunk in chunks:
                b = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
                buf.append(b)
                pending += len(b)
                if pending >= 1 << 20:
                    data = b"".join(buf)
                    h.update(data)
                    fh.write(data)
                    size += len(data)
                    buf, pending = [], 0
            data = b"".join(buf)
            h.update(data)
            fh.write(data)
            size += len(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if sync_dir:
        _fsync_dir(path.parent)
    return h.hexdigest(), size


def write_text(path: str | Path, text: str, **kwargs) -> str:
    """:func:`write_bytes` of UTF-8 text with ``\\n`` line ends; returns the sha256."""
    return write_bytes(path, text.encode("utf-8"), **kwargs)


def move_into_place(staged: Path, target: Path) -> str:
    """Publish a file written (not yet synced) in a staging folder of the same file system.

    The staged file is fsync'ed and renamed over ``target``; returns its sha256.
    Used for pages a renderer plugin wrote into a staging folder.
    """
    h = hashlib.sha256()
    with open(staged, "rb+") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
        os.fsync(fh.fileno())
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)
    return h.hexdigest()


def staging_dir(folder: Path) -> Path:
    """A fresh staging folder inside ``folder`` (same file system, so renames out of it are atomic)."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=TMP_MARK.lstrip("."), dir=folder))


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete temporary files and staging folders a killed run left under ``folder``; returns them."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for root, dirs, files in os.walk(folder):
        for d in list(dirs):
            if d.startswith(TMP_MARK.lstrip(".")):
                shutil.rmtree(Path(root) / d, ignore_errors=True)
                removed.append(Path(root) / d)
                dirs.remove(d)
        for f in files:
            if TMP_MARK in f:
                try:
                    os.unlink(Path(root) / f)
                    removed.append(Path(root) / f)
                except FileNotFoundError:
                    pass
    return removed
