"""Durable file writes: the only way the log puts bytes on disk.

A file is written to a temporary name in its final directory, flushed with fsync, renamed
over its final name (atomic on POSIX), and its directory is fsynced so that the rename itself
survives a crash. Readers therefore see either the old file or the whole new one.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from attest.errors import LimitExceededError, MalformedError

__all__ = [
    "TMP_SUFFIX",
    "fsync_dir",
    "lock_exclusive",
    "read_regular",
    "remove_stale_tmp",
    "sync_all",
    "write_and_close",
    "write_atomic",
    "write_new_files",
]

TMP_SUFFIX = ".tmp"


def _load_syncfs() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


_SYNCFS = _load_syncfs()


def read_regular(
    path: str | os.PathLike[str], max_size: int, *, code: str = "file", follow: bool = False
) -> bytes:
    """The bytes of the regular file at ``path``, at most ``max_size`` of them.

    For files a stranger may have made (a downloaded log, an evidence folder, a bundle): the
    file must be a regular file (never a FIFO, which would block, or a device, which never
    ends), and one larger than ``max_size`` is refused before it is read
    (``<code>.too_large``). Unless ``follow`` (a path the user named), the last path component
    must not be a symlink (``O_NOFOLLOW``). A missing file raises ``FileNotFoundError``; a
    symlink or a special file ``<code>.not_regular``.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) or not os.path.islink(path):
            raise
        raise MalformedError(f"{code}.not_regular", f"{path} is a symlink") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise MalformedError(f"{code}.not_regular", f"{path} is not a regular file")
        if info.st_size > max_size:
            raise LimitExceededError(f"{code}.too_large", f"{path} is over {max_size} bytes")
        chunks = []
        left = max_size + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > max_size:  # grew while being read
        raise LimitExceededError(f"{code}.too_large", f"{path} is over {max_size} bytes")
    return data


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_and_close(fd: int, data: bytes, *, sync: bool = True) -> None:
    """Write all of ``data`` to the open ``fd`` (fsynced unless ``sync`` is off), then close it."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _makedirs(directory: Path, new_dirs: set[Path]) -> None:
    """Create ``directory`` and its missing parents, noting each parent that gained an entry."""
    missing = []
    d = directory
    while not d.exists():
        missing.append(d)
        d = d.parent
    for d in reversed(missing):
        d.mkdir(exist_ok=True)
        new_dirs.add(d.parent)


def write_atomic(
    path: Path, data: bytes, *, mode: int = 0o644, sync_dirs: set[Path] | None = None
) -> None:
    """Write ``data`` to ``path`` durably and atomically.

    With ``sync_dirs`` the caller collects the directories to fsync and syncs them once with
    :func:`sync_all` (many files, one fsync per directory); without it this call syncs now.
    """
    dirs: set[Path] = set() if sync_dirs is None else sync_dirs
    _makedirs(path.parent, dirs)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    write_and_close(fd, data)
    os.replace(tmp, path)
    dirs.add(path.parent)
    if sync_dirs is None:
        sync_all(dirs)


def sync_all(directories: Iterable[Path]) -> None:
    """fsync each directory once, deepest first, so new names are durable bottom-up."""
    for d in sorted(set(directories), key=lambda p: len(p.parts), reverse=True):
        fsync_dir(d)


def remove_stale_tmp(root: Path) -> int:
    """Delete temporary files a crash left behind under ``root``; returns how many."""
    removed = 0
    for p in root.rglob("*" + TMP_SUFFIX):
        if p.is_file() and not p.is_symlink():
            p.unlink()
            removed += 1
    return removed


def write_new_files(root: Path, files: Sequence[tuple[Path, bytes]]) -> None:
    """Write many files under ``root`` and make them all durable before returning.

    For files whose names no checkpoint covers yet (so no reader depends on them and a crash
    before this returns needs no cleanup: the caller rewrites them). On Linux the data and
    the renames are made durable together by one ``syncfs`` call on ``root``'s filesystem,
    which costs about a third of fsyncing each file and directory in turn; elsewhere each
    file is fsynced before its rename and each directory after.
    """
    if _SYNCFS is None:
        dirs: set[Path] = set()
        for path, data in files:
            write_atomic(path, data, sync_dirs=dirs)
        sync_all(dirs)
        return
    made: set[Path] = set()
    for path, data in files:
        _makedirs(path.parent, made)
        tmp = path.with_name(path.name + TMP_SUFFIX)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        write_and_close(fd, data, sync=False)  # one syncfs below makes them all durable
        os.replace(tmp, path)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _SYNCFS(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(root))
    finally:
        os.close(fd)


def lock_exclusive(path: Path, *, code: str, what: str) -> int:
    """Take the one-writer lock (``flock``, non-blocking) on ``path``; returns the descriptor
    to close when done. A second writer gets ``UsageError(code)`` at once, never a wait."""
    from attest.errors import UsageError

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise UsageError(code, f"another process is writing to {what}") from None
    return fd
