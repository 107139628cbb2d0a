"""Where ``POST /verify`` finds the status lists of the credentials it is shown.

``attest serve --status-source`` names directories and URL prefixes (specs/service.md §10):

- a directory of published status list credentials (what ``attest status publish`` writes,
  directly in it or one folder down): every regular file is read, bounded in count and size,
  and read again when its size, inode or modification time changes;
- a URL prefix (``https://…/``, or ``http://`` to a loopback address): a credential's
  ``statusListCredential`` URL under the prefix is fetched with the standard library, with a
  timeout and a size bound, revalidated with ``If-None-Match``/``If-Modified-Since`` once its
  copy is ``refresh`` seconds old, and never used once the last good fetch is older than
  ``max_age`` (the policy's ``status_max_age``): then the list is unknown, and a fail-closed
  policy rejects.

Nothing here is trusted: the verifier checks each list's signature, issuer and window as it
does for a stapled one. A list that cannot be read or parsed is skipped (and logged), so the
verifier reports ``status.unknown``.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from attest.codec.canonical import MAX_SIZE, parse_json
from attest.errors import AttestError, UsageError

__all__ = ["MAX_DIRECTORY_FILES", "MAX_LIST_BYTES", "StatusSources", "check_source"]

_log = logging.getLogger("attest.service")

#: Largest status list credential read from a directory or fetched (a 131,072-entry list is
#: about 1 KB compressed; the bound is the strict JSON reader's).
MAX_LIST_BYTES = MAX_SIZE
#: Most files read from one source directory (and its folders one level down).
MAX_DIRECTORY_FILES = 256
#: Most URLs remembered per server (least recently fetched forgotten first).
MAX_CACHED_URLS = 1024
#: Seconds one fetch may take (connect and read).
FETCH_TIMEOUT = 5.0
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def check_source(source: str) -> str:
    """A ``--status-source`` value: an existing directory, or an https URL prefix ending in
    ``/`` (http only to a loopback address). ``serve.bad_status_source`` otherwise."""
    if "://" not in source:
        if not Path(source).is_dir():
            raise UsageError("serve.bad_status_source", f"{source} is not a directory")
        return source
    parts = urlsplit(source)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not secure or not parts.hostname or not source.endswith("/") or parts.query:
        raise UsageError(
            "serve.bad_status_source",
            f"{source[:200]!r}: give an https:// URL prefix ending in / (http:// only to a "
            "loopback address)",
        )
    return source


@dataclass
class _Cached:
    doc: Mapping[str, Any] | None
    good_at: float  # monotonic time of the last fetch that gave (or confirmed) ``doc``
    checked_at: float  # monotonic time of the last attempt
    etag: str | None
    modified: str | None


@dataclass
class _FileCopy:
    signature: tuple[int, int, int]
    doc: Mapping[str, Any] | None


Fetcher = Callable[[str, Mapping[str, str]], tuple[int, bytes, Mapping[str, str]]]


def _urllib_fetch(url: str, headers: Mapping[str, str]) -> tuple[int, bytes, Mapping[str, str]]:
    # the URL is under a checked http(s) prefix (check_source)
    request = urllib.request.Request(url, headers={"Accept": "application/vc, */*", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            body = response.read(MAX_LIST_BYTES + 1)
            return response.status, body, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, b"", dict(exc.headers or {})


class StatusSources:
    """The lists of every configured source, for the credential status URLs of a request."""

    def __init__(
        self,
        sources: Sequence[str],
        *,
        fetch: bool = True,
        refresh: float = 60.0,
        max_age: float | None = None,
        fetcher: Fetcher = _urllib_fetch,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directories = [Path(s) for s in sources if "://" not in s]
        self.prefixes = [s for s in sources if "://" in s] if fetch else []
        self.refresh = refresh
        self.max_age = max_age
        self._fetcher = fetcher
        self._clock = clock
        self._files: dict[Path, _FileCopy] = {}
        self._urls: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.directories or self.prefixes)

    def lists_for(self, urls: Iterable[str]) -> list[Mapping[str, Any]]:
        """Every directory list, and the fetched list of each URL under a prefix."""
        with self._lock:
            out = self._directory_lists()
            held = {d.get("id") for d in out}
            for url in dict.fromkeys(urls):
                if url in held or not any(url.startswith(p) for p in self.prefixes):
                    continue
                doc = self._fetched(url)
                if doc is not None:
                    out.append(doc)
            return out

    # --- directories ------------------------------------------------------------------------

    def _directory_lists(self) -> list[Mapping[str, Any]]:
        seen: dict[Path, _FileCopy] = {}
        for path, info in self._files_in_directories():
            sig = (info.st_ino, info.st_size, info.st_mtime_ns)
            copy = self._files.get(path)
            if copy is None or copy.signature != sig:
                copy = _FileCopy(sig, self._read_file(path, info))
            seen[path] = copy
        self._files = seen
        return [c.doc for c in seen.values() if c.doc is not None]

    def _files_in_directories(self) -> list[tuple[Path, os.stat_result]]:
        found: list[tuple[Path, os.stat_result]] = []
        for root in self.directories:
            stack = [(root, 0)]
            while stack:
                folder, depth = stack.pop()
                try:
                    names = sorted(os.listdir(folder))
                except OSError:
                    continue
                for name in names:
                    if name.startswith(".") or len(found) >= MAX_DIRECTORY_FILES:
                        continue
                    path = folder / name
                    try:
                        info = path.lstat()  # a symbolic link is not followed
                    except OSError:
                        continue
                    if stat.S_ISDIR(info.st_mode) and depth == 0:
                        stack.append((path, 1))
                    elif stat.S_ISREG(info.st_mode) and info.st_size <= MAX_LIST_BYTES:
                        found.append((path, info))
        return found

    @staticmethod
    def _read_file(path: Path, info: os.stat_result) -> Mapping[str, Any] | None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f:
                data = f.read(MAX_LIST_BYTES + 1)
            return _as_list(data, str(path))
        except OSError as exc:
            _log.warning("status source: cannot read %s: %s", path, exc.strerror)
            return None

    # --- URLs --------------------------------------------------------------------------------

    def _fetched(self, url: str) -> Mapping[str, Any] | None:
        now = self._clock()
        cached = self._urls.get(url)
        if cached is None or now - cached.checked_at >= self.refresh:
            cached = self._fetch(url, cached, now)
        if cached.doc is None:
            return None
        if self.max_age is not None and now - cached.good_at > self.max_age:
            return None  # the last good copy is too old to stand for the list now
        return cached.doc

    def _fetch(self, url: str, cached: _Cached | None, now: float) -> _Cached:
        headers = {}
        if cached is not None and cached.doc is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.modified:
                headers["If-Modified-Since"] = cached.modified
        try:
            code, body, answer = self._fetcher(url, headers)
        except (OSError, ValueError) as exc:
            _log.warning("status source: fetching %s failed: %s", url, exc)
            code, body, answer = 0, b"", {}
        lower = {k.lower(): v for k, v in answer.items()}
        if code == 304 and cached is not None and cached.doc is not None:
            new = _Cached(cached.doc, now, now, cached.etag, cached.modified)
        elif code == 200 and (doc := _as_list(body, url)) is not None:
            new = _Cached(doc, now, now, lower.get("etag"), lower.get("last-modified"))
        else:
            if code not in (0, 200):
                _log.warning("status source: %s answered %d", url, code)
            kept = cached if cached is not None and cached.doc is not None else None
            new = _Cached(
                kept.doc if kept else None,
                kept.good_at if kept else now,
                now,
                kept.etag if kept else None,
                kept.modified if kept else None,
            )
        self._urls.pop(url, None)
        self._urls[url] = new
        while len(self._urls) > MAX_CACHED_URLS:
            self._urls.pop(next(iter(self._urls)))
        return new


def _as_list(data: bytes, where: str) -> Mapping[str, Any] | None:
    if len(data) > MAX_LIST_BYTES:
        _log.warning("status source: %s is over %d bytes", where, MAX_LIST_BYTES)
        return None
    try:
        doc = parse_json(data)
    except AttestError as exc:
        _log.warning("status source: %s is not a status list: %s", where, exc.code)
        return None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("id"), str):
        _log.warning("status source: %s is not a status list credential", where)
        return None
    return doc
