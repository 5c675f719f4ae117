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

import functools
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

TMP_MARK = ".appraise-tmp-"


def _file_mode() -> int:
    """The mode a plain ``open(..., "w")`` would give (mkstemp's files are 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def fsync_dir(folder: Path) -> None:
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


# What is hashed and written at a time.  Fewer bytes per write() make the kernel's copy into the page cache several
# times cheaper on Linux 6.x (ext4 and XFS give a large write large folios, whose allocation may compact memory:
# 330 MB of results.json cost 0.4-0.7 s of system CPU in 2-8 MiB writes, ~0.1 s in 256 KiB ones), and the piece
# the hash has just read is still in the CPU's cache when the kernel copies it.
WRITE_PIECE = 256 << 10


def _put(write, h, data) -> int:
    """``data`` hashed into ``h`` and handed to ``write`` (a file's, or :class:`_Direct`'s buffers'),
    :data:`WRITE_PIECE` bytes at a time; its size."""
    if len(data) <= WRITE_PIECE:
        h.update(data)
        write(data)
        return len(data)
    view = memoryview(data).cast("B")
    for at in range(0, len(view), WRITE_PIECE):
        piece = view[at:at + WRITE_PIECE]
        h.update(piece)
        write(piece)
    return len(view)


@contextmanager
def replacing(path: Path, mode: int | None = None, how: str = "wb") -> Iterator[IO[bytes]]:
    """The file that will replace ``path``, open for the block (``how``: ``"wb"``, or ``"w+b"`` for a writer that
    seeks back): a temporary file in the same folder with the umask's mode (or ``mode``), flushed, fsync'ed and
    renamed over ``path`` when the block ends; deleted if the block raises, ``path`` untouched.  The folder is
    not synced (:func:`fsync_dir`)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TMP_MARK}", dir=path.parent)
    try:
        with os.fdopen(fd, how) as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), _file_mode() if mode is None else mode)  # the umask now, not at import
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# Written bytes handed to the disk as they are written, this many at a time (Linux: sync_file_range), so that the
# fsync before the rename waits for the last few MiB only, not for the whole file: 330 MB of results.json took a
# ~0.15 s fsync at the end of the export (under the kernel's background threshold nothing is written before it).
WRITEBACK_BYTES = 8 << 20


@functools.cache
def _linux_call(name: str, *argtypes: str):
    """The C library's function ``name`` on Linux, taking ctypes' ``argtypes`` (names: "c_int", ...) and returning
    an int, or None (another system, or a C library without it); looked up once."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        fn = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [getattr(ctypes, a) for a in argtypes], ctypes.c_int
    return fn


def _sync_file_range():
    """Linux's ``sync_file_range(fd, offset, nbytes, flags)``, or None."""
    return _linux_call("sync_file_range", "c_int", "c_int64", "c_int64", "c_uint")


SYNC_FILE_RANGE_WRITE = 2  # linux/fs.h: start writing the range's dirty pages, without waiting for them


def start_writeback(fd: int, offset: int = 0, nbytes: int = 0) -> None:
    """Ask the kernel to start writing ``nbytes`` of the file ``fd`` from ``offset`` (0: to its end) to the disk now,
    without waiting: the later fsync then has less to wait for.  Only a hint: durability is still the fsync's; a
    no-op where there is no ``sync_file_range`` (or it fails, e.g. on a file system without it)."""
    fn = _sync_file_range()
    if fn is not None:
        fn(fd, offset, nbytes, SYNC_FILE_RANGE_WRITE)


def _write(path: Path, chunks: Iterable[bytes | str], sync_dir: bool, mode: int | None = None) -> tuple[str, int]:
    """Temporary file in the same folder, fsync, rename over ``path``; returns (sha256, size).  Every
    :data:`WRITEBACK_BYTES` written are handed to the disk meanwhile (:func:`start_writeback`); past
    :data:`DIRECT_FROM` bytes the rest goes to the disk straight from the process's buffers (:class:`_Direct`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    handed = 0  # bytes handed to the disk so far
    direct: _Direct | None = None
    tried = False  # whether direct writes were asked for (once: where refused, the file is written the usual way)
    with replacing(path, mode) as fh:
        try:
            buf: list[bytes] = []
            pending = 0
            for chunk in chunks:
                b = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
                buf.append(b)
                pending += len(b)
                if pending >= 1 << 20:
                    data = buf[0] if len(buf) == 1 else b"".join(buf)  # a large chunk alone is not copied
                    buf, pending = [], 0
                    size += _put(fh.write if direct is None else direct.write, h, data)
                    if direct is not None:
                        continue
                    if size >= DIRECT_FROM and not tried:
                        tried = True
                        fh.flush()
                        direct = _Direct.start(fh.fileno(), size)
                    if direct is None and size - handed >= WRITEBACK_BYTES:
                        fh.flush()
                        start_writeback(fh.fileno(), handed, size - handed)
                        handed = size
            size += _put(fh.write if direct is None else direct.write, h, b"".join(buf))
            if direct is not None:
                direct.finish()
                direct = None
        finally:
            if direct is not None:  # an error: the thread stopped, the file deleted by replacing()
                direct.finish(failed=True)
    if sync_dir:
        fsync_dir(path.parent)
    return h.hexdigest(), size


# From this many bytes a file's further bytes go to the disk without the kernel's page cache (Linux ``O_DIRECT``):
# copying a large file into the page cache costs the kernel more the more of it there is (results.json of 1,000,000
# people, 3.3 GB: 5.2-5.5 s of system CPU in 256 KiB writes, against 0.35 s for its first 1.5 GB, on a virtual
# machine whose freed memory goes back to the host and must be handed out again when touched), while a direct write
# costs the copy into a buffer of the process's, reused, and the disk's time on a thread of its own.  Below it
# (every file of a run of 100,000 people but results.json) nothing changes.
DIRECT_FROM = 256 << 20
DIRECT_BUFFER = 8 << 20  # bytes a direct write() hands the disk at a time (a multiple of DIRECT_ALIGN)
DIRECT_ALIGN = 4096  # file offsets, lengths and buffer addresses of direct writes are multiples of this


class _Direct:
    """The rest of a file written by a thread of its own with ``O_DIRECT``, from aligned buffers (anonymous memory
    maps, reused) that :meth:`write` fills; the last bytes, short of :data:`DIRECT_ALIGN`, are written through the
    page cache by :meth:`finish`.  Where the file system refuses direct writes (tmpfs, some network file systems)
    the same buffers are written the usual way."""

    def __init__(self, fd: int, lead: bytes):
        import mmap
        import queue
        import threading

        self.fd = fd
        self._free: queue.Queue = queue.Queue()
        for _ in range(3):
            self._free.put(mmap.mmap(-1, DIRECT_BUFFER))
        self._full: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self.refused = False  # the file system took the flag but refused the writes (written the usual way)
        self._buf = self._free.get()
        self._fill = 0
        self._thread = threading.Thread(target=self._work, name="appraise-direct-write", daemon=True)
        self._thread.start()
        self.write(memoryview(lead))

    @classmethod
    def start(cls, fd: int, size: int) -> _Direct | None:
        """Direct writes from here on (``size`` bytes written so far), or None where there are none (not Linux, or
        the file system refuses them): the file's last partial block is read back and written again directly."""
        flag = getattr(os, "O_DIRECT", 0)
        if not flag or not sys.platform.startswith("linux"):
            return None
        import fcntl

        at = size - size % DIRECT_ALIGN
        lead = os.pread(fd, size - at, at)
        if len(lead) != size - at:
            return None
        try:
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | flag)
        except OSError:
            return None
        os.lseek(fd, at, os.SEEK_SET)
        return cls(fd, lead)

    def write(self, data) -> None:
        """``data`` copied into the buffers, each handed to the thread as it fills."""
        view = memoryview(data).cast("B")
        while len(view):
            n = min(len(view), DIRECT_BUFFER - self._fill)
            self._buf[self._fill:self._fill + n] = view[:n]
            self._fill += n
            view = view[n:]
            if self._fill == DIRECT_BUFFER:
                self._full.put((self._buf, DIRECT_BUFFER))
                self._buf = self._free.get()
                self._fill = 0
                if self._error is not None:
                    raise self._error

    def finish(self, failed: bool = False) -> None:
        """Write what is left and wait for the thread; raises what a write raised."""
        aligned = self._fill - self._fill % DIRECT_ALIGN
        if aligned and not failed:
            self._full.put((self._buf, aligned))
        self._full.put(None)
        self._thread.join()
        if failed:
            return
        if self._error is not None:
            raise self._error
        self._plain()
        _write_all(self.fd, memoryview(self._buf)[aligned:self._fill])

    def _plain(self) -> None:
        """Writes through the page cache from now on."""
        import fcntl

        fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~os.O_DIRECT)

    def _work(self) -> None:
        import errno

        first = True
        while (item := self._full.get()) is not None:
            buf, n = item
            if self._error is None:
                try:
                    try:
                        _write_all(self.fd, memoryview(buf)[:n])
                    except OSError as exc:
                        if not (first and exc.errno == errno.EINVAL):
                            raise
                        self.refused = True  # refused after all: the usual way, from where it stood
                        self._plain()
                        _write_all(self.fd, memoryview(buf)[:n])
                except BaseException as exc:  # raised by write() or finish()
                    self._error = exc
            first = False
            self._free.put(buf)


def _write_all(fd: int, view: memoryview) -> None:
    while len(view):
        view = view[os.write(fd, view):]


def write_text(path: str | Path, text: str, **kwargs) -> str:
    """:func:`write_bytes` of UTF-8 text with ``\\n`` line ends; returns the sha256."""
    return write_bytes(path, text.encode("utf-8"), **kwargs)


def sha256_of(path: Path) -> str:
    """The sha256 of a file (hex), read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _syncfs():
    """Linux's ``syncfs(fd)`` (one call makes every written file of a file system durable), or None."""
    return _linux_call("syncfs", "c_int")


def sync_files(paths: Iterable[Path]) -> None:
    """Make the contents of files already written durable before they are renamed into place.

    One fsync per file costs a journal commit each (21,000 pages took ~28 s of a 10,000-person run); on Linux
    one ``syncfs`` of their file system writes them all in one commit.  Elsewhere, or if syncfs fails, each file
    is fsync'ed.  Raises OSError when the data cannot be made durable (the run then fails and publishes nothing).
    """
    paths = list(paths)
    if not paths:
        return
    syncfs = _syncfs()
    if syncfs is not None and len(paths) > 1:
        fd = os.open(paths[0], os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in paths:
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())


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


# ---------------------------------------------------------------------------- whole output folders

OLD_MARK = ".appraise-old-"
LOCK_SUFFIX = ".appraise-lock"
RENAME_EXCHANGE = 2  # linux/fs.h


class FolderLocked(Exception):
    """Another process is writing the same output folder (see :func:`lock_folder`)."""


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where that is not available."""
    import ctypes
    import errno
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # the file system cannot swap: two renames instead
    raise OSError(err, os.strerror(err), str(b))


def staging_sibling(folder: Path) -> Path:
    """A fresh, empty staging folder beside ``folder`` (``.<name>.appraise-tmp-*``, same file system, 0700)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{folder.name}{TMP_MARK}", dir=folder.parent))


def remove_sibling_leftovers(folder: Path) -> list[Path]:
    """Clean up after a run of ``folder`` that was killed: staging folders beside it are deleted; if
    ``folder`` itself is gone (killed between the two renames of a swap without RENAME_EXCHANGE), the
    previous folder is put back.  Call only while holding :func:`lock_folder` (another run's staging
    folder is not a leftover).  Returns what was removed."""
    parent = folder.parent
    if not parent.is_dir():
        return []
    ours = [p for p in parent.iterdir() if p.name.startswith(f".{folder.name}{TMP_MARK}")
            or p.name.startswith(f".{folder.name}{OLD_MARK}")]
    old = sorted((p for p in ours if OLD_MARK in p.name and p.is_dir()), key=lambda p: p.stat().st_mtime)
    if not folder.exists() and old:
        os.rename(old[-1], folder)
        ours.remove(old[-1])
    for p in ours:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return ours


def publish_folder(staged: Path, folder: Path) -> Path | None:
    """Make the complete folder ``staged`` appear at ``folder`` in one step; returns where the previous
    folder now is (delete it), or None when there was none.

    With RENAME_EXCHANGE (Linux) a reader sees the old folder or the new one, never a mix and never
    nothing; elsewhere ``folder`` is missing for the instant between two renames (a run killed there is
    repaired by :func:`remove_sibling_leftovers`).
    """
    fsync_dir(staged)
    if not folder.exists():
        os.rename(staged, folder)
        fsync_dir(folder.parent)
        return None
    if not folder.is_dir() or folder.is_symlink():
        raise NotADirectoryError(f"{folder} is not a folder")
    if _exchange(staged, folder):
        fsync_dir(folder.parent)
        return staged
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}{OLD_MARK}", dir=folder.parent))
    os.rmdir(old)
    os.rename(folder, old)
    os.rename(staged, folder)
    fsync_dir(folder.parent)
    return old


def carry_over(old: Path, new: Path, skip) -> list[str]:
    """Hard-link (or copy) into ``new`` every file of ``old`` that ``skip(relative_posix_path)`` does not
    reject and ``new`` does not have: files someone put in an output folder survive its replacement.
    Returns the relative paths carried."""
    carried: list[str] = []
    if not old.is_dir():
        return carried
    for root, dirs, names in os.walk(old):
        base = Path(root)
        rel_root = base.relative_to(old)
        dirs[:] = [d for d in dirs if not skip(((rel_root / d).as_posix()) + "/") and TMP_MARK.lstrip(".") not in d]
        for name in names:
            rel = (rel_root / name).as_posix()
            if TMP_MARK in name or skip(rel):
                continue
            src, dst = base / name, new / rel
            if dst.exists() or dst.is_symlink():
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_symlink():
                os.symlink(os.readlink(src), dst)
            else:
                try:
                    os.link(src, dst, follow_symlinks=False)
                except OSError:
                    shutil.copy2(src, dst, follow_symlinks=False)
            carried.append(rel)
    return carried


class FolderLock:
    """An exclusive lock on one output folder, held by this process until :meth:`release`."""

    def __init__(self, fd: int | None, path: Path):
        self.fd, self.path = fd, path

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)  # before closing: nobody can lock the old file after this
        finally:
            os.close(self.fd)
            self.fd = None


def lock_folder(folder: Path, holder: dict) -> FolderLock:
    """Lock ``folder`` against other processes writing it (``flock`` on ``.<name>.appraise-lock`` beside it;
    released when the process dies, however it dies).  ``holder`` (pid, host, cycle, store...) is written
    into the lock file for the refusal message; raises :class:`FolderLocked` with it when the folder is held.
    Where ``flock`` does not exist (Windows) nothing is locked."""
    import json
    try:
        import fcntl
    except ImportError:
        return FolderLock(None, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = folder.parent / f".{folder.name}{LOCK_SUFFIX}"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                held = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
            except ValueError:
                held = {}
            os.close(fd)
            raise FolderLocked(held) from None
        try:  # the previous holder may have removed the file between our open and our lock
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(holder, ensure_ascii=False).encode("utf-8"))
    return FolderLock(fd, path)
