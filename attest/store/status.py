"""An issuer's status lists in a directory: allocate an index, revoke, suspend, publish.

One store keeps two lists of the same size, ``revocation`` and ``suspension``, that share
indices: a credential gets one index and an entry in each (so it can be suspended and later
revoked). They are published at ``<url_base>/revocation`` and ``<url_base>/suspension``.
The directory holds:

- ``status.json``: format, ``urlBase``, ``size`` (bits) and, from the first publication on,
  the ``issuer`` DID whose key signs the lists (a later key is refused);
- ``allocated``, ``revocation``, ``suspension``: the raw bitstrings, ``size / 8`` bytes each;
- ``lock``: held (``flock``) by the one writer; a second writer gets ``status_store.locked``.

Every change rewrites one file with :func:`attest._fs.write_atomic` (fsynced, renamed,
directory fsynced) before it returns, so an index handed out is never handed out again and a
revocation acknowledged is never lost. Indices are drawn uniformly at random from the unused
ones with :mod:`secrets`, as Bitstring Status List v1.0 §2.1 recommends, so a position says
nothing about when or how many credentials were issued. Revocation is permanent: nothing
clears a revocation bit. This is an edge module; the lists themselves are
:mod:`attest.vc.status_list`. Layout and rules: specs/status.md.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from attest import _fs
from attest.codec.canonical import JsonValue, parse_json
from attest.errors import MalformedError, UsageError
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.vc import status_list
from attest.vc.status_list import PURPOSES, StatusEntry

__all__ = [
    "REASONS",
    "STORE_FORMAT",
    "Allocation",
    "StatusStore",
    "StoreSummary",
    "check_url_base",
    "init",
    "open_store",
]

STORE_FORMAT: Final = "attest-status/v1"
CONFIG_FILE: Final = "status.json"
ALLOCATED_FILE: Final = "allocated"
LOCK_FILE: Final = "lock"
REASONS_FILE: Final = "reasons.json"
#: Why a status was set: every revocation and suspension records one of these.
REASONS: Final = (
    "superseded",
    "key_compromise",
    "incident",
    "evaluator_error",
    "appeal_upheld",
    "unspecified",
)
_MAX_REASONS: Final = 64 * 1024 * 1024
PUBLISHED_DIR: Final = "published"
"""Where :meth:`StatusStore.publish` writes when no other directory is given."""

_MAX_CONFIG: Final = 64 * 1024
_RANDOM_TRIES: Final = 64
_CONFIG_FIELDS: Final = frozenset({"format", "urlBase", "size", "issuer"})
_FREE_BITS: Final = tuple(8 - b.bit_count() for b in range(256))


def check_url_base(url_base: str) -> str:
    """``url_base`` if the list URLs ``<url_base>/<purpose>`` are valid list URLs.

    An ``http(s)`` URL without query, fragment, user info or trailing ``/``
    (``status_store.bad_url``).
    """
    if not isinstance(url_base, str) or url_base.endswith("/"):
        raise UsageError(
            "status_store.bad_url", f"{str(url_base)[:100]!r}: give the URL without a trailing '/'"
        )
    try:
        status_list.check_list_url(url_base + "/revocation")
    except MalformedError as exc:
        raise UsageError("status_store.bad_url", exc.message) from exc
    return url_base


@dataclass(frozen=True)
class Allocation:
    """A fresh index and the ``credentialStatus`` entries that name it, one per purpose."""

    index: int
    entries: tuple[StatusEntry, ...]

    def credential_status(self) -> list[dict[str, str]]:
        """The ``credentialStatus`` value to embed in the credential: both entries."""
        return [e.to_json() for e in self.entries]


@dataclass(frozen=True)
class StoreSummary:
    """What ``attest status show`` prints: where the lists live and how full they are."""

    url_base: str
    size: int
    issuer: str | None
    allocated: int
    revoked: int
    suspended: int
    list_urls: Mapping[str, str]


@dataclass(frozen=True)
class _Config:
    url_base: str
    size: int
    issuer: str | None

    def encode(self) -> bytes:
        doc: dict[str, JsonValue] = {
            "format": STORE_FORMAT,
            "urlBase": self.url_base,
            "size": self.size,
        }
        if self.issuer is not None:
            doc["issuer"] = self.issuer
        return (json.dumps(doc, indent=2) + "\n").encode()

    @classmethod
    def decode(cls, data: bytes) -> _Config:
        try:
            doc = parse_json(data, max_size=_MAX_CONFIG)
        except MalformedError as exc:
            raise _corrupt(f"{CONFIG_FILE}: {exc.message}") from exc
        if not isinstance(doc, dict) or doc.get("format") != STORE_FORMAT:
            raise _corrupt(f"{CONFIG_FILE} is not an {STORE_FORMAT} store configuration")
        if set(doc) - _CONFIG_FIELDS or not {"urlBase", "size"} <= set(doc):
            raise _corrupt(f"{CONFIG_FILE} must hold format, urlBase, size and optionally issuer")
        url_base, size, issuer = doc["urlBase"], doc["size"], doc.get("issuer")
        if not isinstance(url_base, str) or not isinstance(size, int) or isinstance(size, bool):
            raise _corrupt(f"{CONFIG_FILE}: urlBase is a string and size an integer")
        if issuer is not None and not isinstance(issuer, str):
            raise _corrupt(f"{CONFIG_FILE}: issuer is a DID string")
        try:
            check_url_base(url_base)
            status_list.new_list(size)
            if issuer is not None:
                did_key.decode_did_key(issuer)
        except (UsageError, MalformedError) as exc:
            raise _corrupt(f"{CONFIG_FILE}: {exc.message}") from exc
        return cls(url_base, size, issuer)


def init(
    path: str | os.PathLike[str], url_base: str, size: int = status_list.DEFAULT_SIZE
) -> StatusStore:
    """Create a store in ``path`` (missing or an empty directory); returns it open for writing.

    ``size`` is the bits per list: a multiple of 8, at least 131,072 (the minimum of
    Bitstring Status List v1.0 §2.2).
    """
    root = Path(path)
    check_url_base(url_base)
    empty = status_list.new_list(size)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise UsageError("status_store.exists", f"{root} exists and is not an empty directory")
    root.mkdir(parents=True, exist_ok=True)
    (root / LOCK_FILE).touch()
    lock_fd = _lock(root)
    try:
        dirs: set[Path] = set()
        for name in (ALLOCATED_FILE, *PURPOSES):
            _fs.write_atomic(root / name, empty, sync_dirs=dirs)
        # The configuration last: a directory without it is not a store.
        _fs.write_atomic(root / CONFIG_FILE, _Config(url_base, size, None).encode(), sync_dirs=dirs)
        _fs.sync_all(dirs)
        return StatusStore._load(root, lock_fd)
    except BaseException:
        os.close(lock_fd)
        raise


def open_store(path: str | os.PathLike[str], *, write: bool) -> StatusStore:
    """Open the store at ``path``; ``write=True`` takes the writer's lock
    (``status_store.locked`` if another writer holds it)."""
    root = Path(path)
    if not (root / CONFIG_FILE).is_file():
        raise UsageError(
            "status_store.not_found", f"{root} is not a status store (no {CONFIG_FILE})"
        )
    lock_fd = _lock(root) if write else None
    try:
        if write:
            _fs.remove_stale_tmp(root)
        return StatusStore._load(root, lock_fd)
    except BaseException:
        if lock_fd is not None:
            os.close(lock_fd)
        raise


class StatusStore:
    """An open store. Use :func:`init` or :func:`open_store`; close it (or use ``with``)."""

    def __init__(
        self,
        root: Path,
        config: _Config,
        lock_fd: int | None,
        allocated: bytes,
        lists: dict[str, bytes],
    ) -> None:
        self.root = root
        self._config = config
        self._lock_fd = lock_fd
        self._allocated = allocated
        self._lists = lists

    @classmethod
    def _load(cls, root: Path, lock_fd: int | None) -> StatusStore:
        try:
            config = _Config.decode((root / CONFIG_FILE).read_bytes())
        except FileNotFoundError:
            raise UsageError(
                "status_store.not_found", f"{root} is not a status store (no {CONFIG_FILE})"
            ) from None
        allocated = _read_bits(root / ALLOCATED_FILE, config.size)
        lists = {p: _read_bits(root / p, config.size) for p in PURPOSES}
        return cls(root, config, lock_fd, allocated, lists)

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def __enter__(self) -> StatusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ---------------------------------------------------------------------------

    @property
    def url_base(self) -> str:
        return self._config.url_base

    @property
    def size(self) -> int:
        """Bits per list."""
        return self._config.size

    @property
    def issuer(self) -> str | None:
        """The DID that signs this store's lists, once one has been published."""
        return self._config.issuer

    def list_url(self, purpose: str) -> str:
        """``<url_base>/<purpose>``: where the list for ``purpose`` is published."""
        _check_purpose(purpose)
        return f"{self.url_base}/{purpose}"

    def entries(self, index: int) -> tuple[StatusEntry, ...]:
        """The ``credentialStatus`` entries of ``index``: revocation, then suspension."""
        self._check_index(index)
        return tuple(StatusEntry(p, index, self.list_url(p)) for p in PURPOSES)

    def is_allocated(self, index: int) -> bool:
        self._check_index(index)
        return status_list.get_bit(self._allocated, index)

    def get(self, index: int, purpose: str) -> bool:
        """Whether ``index`` is set in the ``purpose`` list."""
        _check_purpose(purpose)
        self._check_index(index)
        return status_list.get_bit(self._lists[purpose], index)

    def reason(self, index: int, purpose: str) -> str | None:
        """Why ``index`` was last set in the ``purpose`` list (None when never recorded)."""
        self._check_index(index)
        entry = self._reasons().get(f"{purpose}/{index}")
        return entry if isinstance(entry, str) else None

    def _reasons(self) -> dict[str, JsonValue]:
        try:
            data = _fs.read_regular(self.root / REASONS_FILE, _MAX_REASONS, code="status_store")
        except FileNotFoundError:
            return {}
        doc: JsonValue = parse_json(data, max_size=_MAX_REASONS)
        if not isinstance(doc, dict):
            raise MalformedError("status_store.bad_reasons", f"{REASONS_FILE} is not an object")
        return doc

    def record_reason(self, index: int, purpose: str, reason: str) -> None:
        """Durably note why ``index`` was set in ``purpose`` (one of :data:`REASONS`)."""
        self._require_writer()
        _check_purpose(purpose)
        self._check_index(index)
        if reason not in REASONS:
            raise UsageError("status_store.bad_reason", f"a reason is one of {', '.join(REASONS)}")
        reasons = self._reasons()
        reasons[f"{purpose}/{index}"] = reason
        body = json.dumps(reasons, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        _fs.write_atomic(self.root / REASONS_FILE, body)

    def bits(self, purpose: str) -> bytes:
        """The ``purpose`` list as it stands."""
        _check_purpose(purpose)
        return self._lists[purpose]

    def summary(self) -> StoreSummary:
        return StoreSummary(
            url_base=self.url_base,
            size=self.size,
            issuer=self.issuer,
            allocated=status_list.count_set(self._allocated),
            revoked=status_list.count_set(self._lists["revocation"]),
            suspended=status_list.count_set(self._lists["suspension"]),
            list_urls={p: self.list_url(p) for p in PURPOSES},
        )

    # --- writing ---------------------------------------------------------------------------

    def allocate(self) -> Allocation:
        """A uniformly random unused index, durably marked used before it is returned, and
        its entries (``status_store.full`` when every index is taken)."""
        self._require_writer()
        index = self._random_free_index()
        allocated = status_list.with_bit(self._allocated, index, True)
        _fs.write_atomic(self.root / ALLOCATED_FILE, allocated)
        self._allocated = allocated
        return Allocation(index, self.entries(index))

    def set(self, index: int, purpose: str, value: bool) -> None:
        """Set or clear ``index`` in the ``purpose`` list, durably.

        ``index`` must have been allocated (``status_store.not_allocated``). A revocation bit
        is never cleared (``status_store.revocation_permanent``).
        """
        self._require_writer()
        _check_purpose(purpose)
        self._check_index(index)
        if not status_list.get_bit(self._allocated, index):
            raise UsageError(
                "status_store.not_allocated", f"index {index} was never given to a credential"
            )
        current = self._lists[purpose]
        if purpose == "revocation" and not value and status_list.get_bit(current, index):
            raise UsageError(
                "status_store.revocation_permanent",
                f"index {index} is revoked; revocation cannot be undone",
            )
        if status_list.get_bit(current, index) == value:
            return
        updated = status_list.with_bit(current, index, value)
        _fs.write_atomic(self.root / purpose, updated)
        self._lists[purpose] = updated

    def revoke(self, index: int) -> None:
        """Revoke ``index``, permanently."""
        self.set(index, "revocation", True)

    def suspend(self, index: int) -> None:
        """Suspend ``index`` until :meth:`reinstate`."""
        self.set(index, "suspension", True)

    def reinstate(self, index: int) -> None:
        """Lift a suspension. A revoked index stays revoked, so reinstating one is refused
        (``status_store.revoked``) rather than pretending."""
        if self.get(index, "revocation"):
            raise UsageError(
                "status_store.revoked",
                f"index {index} is revoked; revocation is permanent and cannot be reinstated",
            )
        self.set(index, "suspension", False)

    def publish(
        self,
        key: PrivateKey,
        now: datetime,
        valid_for: timedelta,
        out_dir: str | os.PathLike[str] | None = None,
    ) -> list[dict[str, JsonValue]]:
        """Sign one BitstringStatusListCredential per purpose, valid from ``now`` for
        ``valid_for``, and write each to ``<out_dir>/<purpose>`` (default ``published/``).

        The first publication records the key's DID as the store's issuer; another key is
        refused afterwards (``status_store.wrong_key``), since verifiers match the list's
        issuer with the credential's.
        """
        self._require_writer()
        if valid_for <= timedelta(0):
            raise UsageError("status_store.bad_validity", "lists must be valid for more than 0s")
        issuer = did_key.encode_did_key(key.public_key)
        if self.issuer is not None and self.issuer != issuer:
            raise UsageError(
                "status_store.wrong_key",
                f"this store's lists are signed by {self.issuer}; the key given is {issuer}",
            )
        credentials = [
            status_list.status_list_credential(
                key,
                url=self.list_url(p),
                purpose=p,
                bits=self._lists[p],
                valid_from=now,
                valid_until=now + valid_for,
            )
            for p in PURPOSES
        ]
        if self.issuer is None:
            config = _Config(self.url_base, self.size, issuer)
            _fs.write_atomic(self.root / CONFIG_FILE, config.encode())
            self._config = config
        target = Path(out_dir) if out_dir is not None else self.root / PUBLISHED_DIR
        dirs: set[Path] = set()
        for purpose, credential in zip(PURPOSES, credentials, strict=True):
            data = (json.dumps(credential, indent=2, ensure_ascii=False) + "\n").encode()
            _fs.write_atomic(target / purpose, data, sync_dirs=dirs)
        _fs.sync_all(dirs)
        return credentials

    # --- internals -------------------------------------------------------------------------

    def _random_free_index(self) -> int:
        for _ in range(_RANDOM_TRIES):
            index = secrets.randbelow(self.size)
            if not status_list.get_bit(self._allocated, index):
                return index
        # Nearly full: count the free indices and pick one of them uniformly.
        free = self.size - status_list.count_set(self._allocated)
        if free == 0:
            raise UsageError("status_store.full", f"all {self.size} indices are allocated")
        k = secrets.randbelow(free)
        for byte_index, byte in enumerate(self._allocated):
            if k >= _FREE_BITS[byte]:
                k -= _FREE_BITS[byte]
                continue
            for bit in range(8):
                if not byte & (0x80 >> bit):
                    if k == 0:
                        return byte_index * 8 + bit
                    k -= 1
        raise AssertionError("unreachable: fewer free bits than counted")  # pragma: no cover

    def _check_index(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.size:
            raise UsageError(
                "status_store.bad_index", f"index {index!r} is not in 0..{self.size - 1}"
            )

    def _require_writer(self) -> None:
        if self._lock_fd is None:
            raise UsageError("status_store.read_only", "the store was opened read-only")


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise UsageError(
            "status.unsupported_purpose", f"purpose {purpose!r} is not one of {', '.join(PURPOSES)}"
        )


def _read_bits(path: Path, size: int) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _corrupt(f"{path.name} is missing") from None
    if len(data) * 8 != size:
        raise _corrupt(f"{path.name} holds {len(data) * 8} bits, not the store's {size}")
    return data


def _corrupt(message: str) -> MalformedError:
    return MalformedError("status_store.corrupt", message)


def _lock(root: Path) -> int:
    return _fs.lock_exclusive(
        root / LOCK_FILE, code="status_store.locked", what=f"the status store at {root}"
    )
