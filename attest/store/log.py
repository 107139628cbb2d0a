"""The evidence log: an append-only Merkle log in a directory (the embedded default).

The directory is a C2SP tlog-tiles log (``checkpoint``, ``tile/<L>/<N>[.p/<W>]``,
``tile/entries/<N>[.p/<W>]``) that any static file server can serve, plus the log's own
files: ``log.json`` (origin and public key), ``pending`` (the journal of acknowledged entries
not yet in a checkpoint), ``index.sqlite`` (content digest -> index) and ``lock``.

Durability (specs/log.md §4): ``append`` returns only after its entries are fsynced to the
journal; ``checkpoint`` writes every tile and bundle durably, then the index, then replaces
the checkpoint file atomically, and only then empties the journal. A crash at any instant
leaves a log that reopens to its last checkpoint plus every acknowledged entry.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from attest import _fs
from attest.codec.digest import Digest
from attest.errors import MalformedError, UsageError, VerificationError
from attest.tlog import checkpoint as _checkpoint
from attest.tlog import note as _note
from attest.tlog.audit import AuditReport, audit_tiles
from attest.tlog.entry import LogEntry
from attest.tlog.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    range_hash,
)
from attest.tlog.proof import TlogProof
from attest.tlog.tiles import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileBuilder,
    TileCache,
    TileHashReader,
    TileRef,
    decode_bundle,
    encode_bundle,
    inner_hashes,
    inner_path,
    partial_tiles,
    split_hashes,
)

__all__ = ["LOG_FORMAT", "AuditReport", "Log", "LogConfig", "read_config", "read_tile_at"]

LOG_FORMAT = "attest-log/v1"
CONFIG_FILE = "log.json"
CHECKPOINT_FILE = "checkpoint"
JOURNAL_FILE = "pending"
INDEX_FILE = "index.sqlite"
LOCK_FILE = "lock"

_JOURNAL_MAGIC = b"ATLJ"
_JOURNAL_HEADER = struct.Struct(">4sIQ")  # magic, version, index of the first record
_RECORD_HEADER = struct.Struct(">II")  # length, crc32
_MAX_RECORD = 1 << 16
_BUNDLE_CACHE = 8  # decoded entry bundles kept (each up to 256 entries)
_MAX_CONFIG = 64 * 1024
#: Largest file read from a log folder: a full entry bundle of the largest entries. Every
#: read refuses symlinks and special files (a stranger's folder may hold /dev/zero).
_MAX_TILE_FILE = TILE_WIDTH * (2 + 0xFFFF)


@dataclass(frozen=True)
class LogConfig:
    """What ``log.json`` holds: the origin, the log's verifier key and, as a convenience for
    the command line, where its private key file is (a hint: the key is always checked
    against ``vkey``)."""

    origin: str
    vkey: str
    key_file: str | None = None

    def verifier(self) -> _note.Verifier:
        v = _note.parse_verifier_key(self.vkey)
        if v.name != self.origin:
            raise MalformedError(
                "log.bad_config", f"the log key's name {v.name!r} is not the origin"
            )
        return v

    def encode(self) -> bytes:
        doc = {"format": LOG_FORMAT, "origin": self.origin, "vkey": self.vkey}
        if self.key_file is not None:
            doc["key_file"] = self.key_file
        return (json.dumps(doc, indent=2) + "\n").encode()

    @classmethod
    def decode(cls, data: bytes) -> LogConfig:
        if len(data) > _MAX_CONFIG:
            raise MalformedError("log.bad_config", "log.json is too large")
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise MalformedError("log.bad_config", f"log.json is not JSON: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("format") != LOG_FORMAT:
            raise MalformedError(
                "log.unknown_format", f"log.json is not an {LOG_FORMAT} log description"
            )
        origin, vkey, key_file = doc.get("origin"), doc.get("vkey"), doc.get("key_file")
        if not isinstance(origin, str) or not isinstance(vkey, str):
            raise MalformedError("log.bad_config", "log.json needs string origin and vkey")
        if key_file is not None and not isinstance(key_file, str):
            raise MalformedError("log.bad_config", "log.json key_file must be a string")
        return cls(origin, vkey, key_file)


@dataclass(frozen=True)
class Appended:
    """One acknowledged entry: its index and leaf hash."""

    index: int
    leaf_hash: bytes


class Log:
    """An append-only Merkle log in a directory. Use :meth:`create` or :meth:`open`.

    A writable log holds an exclusive lock on the directory for its lifetime; a second
    writer is refused with ``log.locked``. Read-only instances need no lock and see the last
    checkpoint.
    """

    def __init__(
        self,
        root: Path,
        config: LogConfig,
        signer: _note.Signer | None,
        lock_fd: int | None,
    ) -> None:
        self.root = root
        self.config = config
        self._verifier = config.verifier()
        self._signer = signer
        self._lock_fd = lock_fd
        self._db: sqlite3.Connection | None = None
        self._index_pool: ThreadPoolExecutor | None = None
        self._pruning: Future[None] | None = None
        self._tile_cache = TileCache()
        # Decoded entry bundles by (tile, width), most recent last: issuing reads back each
        # credential's entry and its evidence entries, which sit in different bundles.
        self._bundles: dict[tuple[int, int], list[bytes]] = {}
        self._checkpoint_note = b""
        self._checkpoint = _checkpoint.Checkpoint(config.origin, 0, CompactRange().root())
        # Writer state: the right edge of the tree at the checkpoint, and the journal.
        self._builder = TileBuilder()
        self._journal_base = 0
        self._pending: list[bytes] = []
        self._pending_keys: list[int] = []
        self._journal_fd: int | None = None

    # --- lifecycle -----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        signer: _note.Ed25519Signer,
        *,
        key_file: str | None = None,
    ) -> Log:
        """Make a new, empty log at ``path`` (a missing or empty directory) and sign size 0.

        The origin is the signer's key name (C2SP: a log's key name is its origin).
        """
        root = Path(path)
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise UsageError("log.exists", f"{root} exists and is not an empty directory")
        root.mkdir(parents=True, exist_ok=True)
        config = LogConfig(signer.name, signer.verifier().vkey(), key_file)
        _fs.write_atomic(root / CONFIG_FILE, config.encode())
        (root / LOCK_FILE).touch()
        log = cls._open(root, signer, write=True)
        log.checkpoint()
        return log

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], signer: _note.Signer | None = None, *, write: bool
    ) -> Log:
        """Open an existing log; ``write=True`` locks it and recovers from any crash."""
        return cls._open(Path(path), signer, write=write)

    @classmethod
    def _open(cls, root: Path, signer: _note.Signer | None, *, write: bool) -> Log:
        config = read_config(root)
        if signer is not None and (signer.name, signer.key_id) != (
            config.origin,
            config.verifier().key_id,
        ):
            raise UsageError("log.wrong_key", "the signing key is not this log's key")
        lock_fd = _lock(root) if write else None
        log = cls(root, config, signer, lock_fd)
        try:
            log._load(write=write)
        except BaseException:
            log.close()
            raise
        return log

    def close(self) -> None:
        if self._index_pool is not None:
            self._index_pool.shutdown()  # waits for a pruning still under way
            self._index_pool = None
        self._pruning = None
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._journal_fd is not None:
            os.close(self._journal_fd)
            self._journal_fd = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def __enter__(self) -> Log:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _load(self, *, write: bool) -> None:
        if write:
            _fs.remove_stale_tmp(self.root)
        note_path = self.root / CHECKPOINT_FILE
        if note_path.exists():
            self._read_checkpoint()
            self._load_edge()
        elif not write:
            raise UsageError("log.no_checkpoint", "the log has no checkpoint yet")
        if write:
            self._open_index()
            self._recover_journal()
            self._repair_index()

    # --- reading ---------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return self.config.origin

    @property
    def verifier(self) -> _note.Verifier:
        return self._verifier

    @property
    def checkpoint_note(self) -> bytes:
        """The latest signed checkpoint, as served at ``<prefix>/checkpoint``."""
        return self._checkpoint_note

    @property
    def checkpoint_size(self) -> int:
        return self._checkpoint.size

    @property
    def root_hash(self) -> bytes:
        return self._checkpoint.root_hash

    @property
    def size(self) -> int:
        """Every acknowledged entry: the checkpoint's size plus the journal's."""
        return self._checkpoint.size + len(self._pending)

    def _read_checkpoint(self) -> None:
        data = _fs.read_regular(self.root / CHECKPOINT_FILE, _note.MAX_NOTE_SIZE, code="log")
        signed = _checkpoint.open_checkpoint(data, self._verifier)
        self._checkpoint_note = data
        self._checkpoint = signed.checkpoint

    def _tile_path(self, ref: TileRef) -> Path:
        return self.root / ref.path

    def read_tile(self, level: int, index: int, width: int) -> bytes:
        """The first ``width`` hashes (or entries) of tile ``level/index``, as the latest
        checkpoint has it (see :func:`read_tile_at`)."""
        return read_tile_at(self.root, self._checkpoint.size, level, index, width)

    def _reader(self, size: int) -> TileHashReader:
        return TileHashReader(size, self._fetch, self._tile_cache, self._fetch_inner)

    def _fetch_inner(self, level: int, index: int) -> bytes | None:
        try:
            return _fs.read_regular(
                self.root / inner_path(level, index), _MAX_TILE_FILE, code="log"
            )
        except FileNotFoundError:
            return None

    def _fetch(self, level: int, index: int, width: int) -> bytes:
        try:
            return self.read_tile(level, index, width)
        except FileNotFoundError:
            raise VerificationError(
                "log.missing_tile", f"tile {TileRef(level, index, width).path} is missing"
            ) from None

    def _bundle_at(self, tile: int, size: int) -> list[bytes]:
        full = size // TILE_WIDTH
        width = TILE_WIDTH if tile < full else size % TILE_WIDTH
        key = (tile, width)
        entries = self._bundles.pop(key, None)
        if entries is None:  # a (tile, width) bundle never changes once written
            entries = decode_bundle(self._fetch(ENTRIES_LEVEL, tile, width), width)
            if len(self._bundles) >= _BUNDLE_CACHE:
                del self._bundles[next(iter(self._bundles))]
        self._bundles[key] = entries
        return entries

    def entry(self, index: int) -> bytes:
        """The bytes of entry ``index`` (which a checkpoint must cover)."""
        self._check_index(index, self.checkpoint_size)
        return self._bundle_at(index // TILE_WIDTH, self.checkpoint_size)[index % TILE_WIDTH]

    def find(self, digest: Digest) -> list[int]:
        """Indices of checkpointed entries that record content ``digest``, ascending."""
        found = []
        for index in self._index_candidates(digest):
            if index < self.checkpoint_size and LogEntry.decode(self.entry(index)).digest == digest:
                found.append(index)
        return found

    def _index_candidates(self, digest: Digest) -> list[int]:
        db = self._index_db()
        rows = db.execute(
            "SELECT idx FROM digests WHERE key = ? ORDER BY idx", (_index_key(digest),)
        )
        return [int(r[0]) for r in rows]

    def _check_index(self, index: int, size: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
            raise UsageError("log.no_such_entry", f"no entry {index} in a log of size {size}")

    # --- proofs ----------------------------------------------------------------------------

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` (default: the
        latest checkpoint's)."""
        size = self.checkpoint_size if size is None else size
        self._check_index(index, size)
        self._check_size(size)
        return inclusion_proof(index, size, self._reader(size))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 consistency proof between two tree sizes the log has reached."""
        new_size = self.checkpoint_size if new_size is None else new_size
        self._check_size(new_size)
        if isinstance(old_size, bool) or not isinstance(old_size, int) or not old_size >= 0:
            raise UsageError("log.bad_size", "the old size must be a non-negative integer")
        return consistency_proof(old_size, new_size, self._reader(new_size))

    def tree_hash(self, size: int) -> bytes:
        """MTH of the first ``size`` entries (any size up to the checkpoint)."""
        self._check_size(size)
        return EMPTY_ROOT if size == 0 else range_hash(self._reader(size), 0, size)

    def prove(self, index: int) -> TlogProof:
        """A C2SP tlog-proof of entry ``index`` under the latest checkpoint."""
        return TlogProof(index, tuple(self.inclusion_proof(index)), self._checkpoint_note)

    def _check_size(self, size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or not size > 0:
            raise UsageError("log.bad_size", "a tree size must be a positive integer")
        if size > self.checkpoint_size:
            raise UsageError(
                "log.beyond_checkpoint",
                f"size {size} is beyond the latest checkpoint ({self.checkpoint_size})",
            )

    # --- writing ---------------------------------------------------------------------------

    def _require_writer(self) -> None:
        if self._lock_fd is None:
            raise UsageError("log.read_only", "the log was opened read-only")

    def append(self, entry: LogEntry) -> int:
        """Journal one entry durably; returns its index (acknowledged once this returns)."""
        return self.append_many([entry])[0]

    def append_many(self, entries: Sequence[LogEntry]) -> list[int]:
        """Journal a batch durably with one fsync; returns their indices in order."""
        self._require_writer()
        if not entries:
            return []
        encoded = [e.encode() for e in entries]
        if not self._pending and self._journal_base != self._checkpoint.size:
            self._reset_journal(self._checkpoint.size)  # it fell behind direct checkpoints
        out = bytearray()
        for e in encoded:
            out += _RECORD_HEADER.pack(len(e), zlib.crc32(e))
            out += e
        fd = self._journal()
        _write_all(fd, bytes(out))
        os.fsync(fd)
        first = self.size
        self._pending.extend(encoded)
        self._pending_keys.extend(_index_key(e.digest) for e in entries)
        return list(range(first, first + len(encoded)))

    def checkpoint(self) -> bytes:
        """Integrate the journal into tiles, index it, sign and publish a new checkpoint.

        Order (each step durable before the next): tiles and bundles, index, checkpoint file,
        then a fresh journal. Returns the signed checkpoint note.
        """
        self._require_writer()
        if self._checkpoint_note and not self._pending:
            return self._checkpoint_note
        note = self._publish(self._pending, self._pending_keys)
        if self._pending:
            self._reset_journal(self._checkpoint.size)
        return note

    def append_and_checkpoint(self, entries: Sequence[LogEntry]) -> tuple[list[int], bytes]:
        """Log a batch and publish a checkpoint covering it: the full durable path in one call.

        With nothing else pending, the batch skips the journal: the entries are acknowledged
        by the checkpoint itself, which is written only after their tiles are durable.
        """
        self._require_writer()
        if self._pending:
            indices = self.append_many(entries)
            return indices, self.checkpoint()
        first = self._checkpoint.size
        encoded = [e.encode() for e in entries]
        note = self._publish(encoded, [_index_key(e.digest) for e in entries])
        return list(range(first, first + len(entries))), note

    def _publish(self, encoded: Sequence[bytes], keys: Sequence[int]) -> bytes:
        if self._signer is None:
            raise UsageError("log.no_key", "signing a checkpoint needs the log's private key")
        old_size = self._checkpoint.size
        if self._pruning is not None:  # long done by now; raises what the last pruning met
            pruning, self._pruning = self._pruning, None
            pruning.result()
        # The index (SQLite, which releases the GIL) is written while the tiles are built and
        # synced; both are done before the checkpoint is.
        indexing = self._indexer().submit(self._index_entries, old_size, keys)
        try:
            completed = self._integrate(encoded)
        finally:
            indexing.result()
        new_size = old_size + len(encoded)
        cp = _checkpoint.Checkpoint(self.origin, new_size, self._builder.root())
        note = _checkpoint.sign_checkpoint(cp, self._signer)
        _fs.write_atomic(self.root / CHECKPOINT_FILE, note)
        self._checkpoint, self._checkpoint_note = cp, note
        if completed:  # off the append path: the checkpoint no longer needs these partials
            self._pruning = self._indexer().submit(self._prune_partials, completed)
        return note

    def _integrate(self, entries: Sequence[bytes]) -> list[TileRef]:
        """Write the tiles and bundles for ``entries`` durably; returns the full ones completed.

        Partial tiles that the current checkpoint already has, unchanged, are not rewritten:
        every file written here has a name no checkpoint covers yet.
        """
        builder = self._builder
        for e in entries:
            builder.append(e)
        existing = set(partial_tiles(self._checkpoint.size))
        resources = [(ref, data) for ref, data in builder.resources() if ref not in existing]
        files = [(self._tile_path(r), d) for r, d in resources]
        # Full hash tiles get their inner levels stored beside them (specs/log.md §3).
        files += [
            (self.root / inner_path(r.level, r.index), inner_hashes(d))
            for r, d in resources
            if r.full and r.level != ENTRIES_LEVEL
        ]
        _fs.write_new_files(self.root, files)
        return [ref for ref, _ in resources if ref.full]

    def _prune_partials(self, completed: Iterable[TileRef]) -> None:
        """C2SP allows deleting a partial tile once its full tile exists; readers fall back.

        Runs on the log's worker thread after the checkpoint is published (not before the
        append returns): a batch's unlinks and rmdirs cost about a third of its wall time on a
        busy disk. Nothing is fsynced for them: a crash that loses an unlink leaves a redundant
        partial tile, which the next pruning of that tile (or none) leaves harmless."""
        for ref in completed:
            partials = self._tile_path(ref).with_name(self._tile_path(ref).name + ".p")
            if partials.is_dir():
                for p in partials.iterdir():
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
                with contextlib.suppress(FileNotFoundError):
                    partials.rmdir()

    def _load_edge(self) -> None:
        """Rebuild the writer's right edge (partial tiles, bundle, compact range) from disk."""
        size = self._checkpoint.size
        edge: list[list[bytes]] = []
        level = 0
        while size >> (TILE_HEIGHT * level):
            width = (size >> (TILE_HEIGHT * level)) % TILE_WIDTH
            index = size >> (TILE_HEIGHT * (level + 1))
            edge.append(split_hashes(self._fetch(level, index, width), width) if width else [])
            level += 1
        bundle = self._bundle_at(size // TILE_WIDTH, size) if size % TILE_WIDTH else []
        compact, pos = [], 0
        if size:
            reader = self._reader(size)
            for level in range(size.bit_length() - 1, -1, -1):
                if size >> level & 1:
                    compact.append(reader.subtree_hash(level, pos >> level))
                    pos += 1 << level
        self._builder = TileBuilder.resume(size, edge, bundle, compact)
        if self._builder.root() != self._checkpoint.root_hash:
            raise VerificationError(
                "log.tiles_mismatch", "the tiles do not reproduce the checkpoint's root hash"
            )

    # --- journal ---------------------------------------------------------------------------

    def _journal(self) -> int:
        if self._journal_fd is None:
            self._journal_fd = os.open(self.root / JOURNAL_FILE, os.O_WRONLY | os.O_APPEND)
        return self._journal_fd

    def _reset_journal(self, base: int) -> None:
        if self._journal_fd is not None:
            os.close(self._journal_fd)
            self._journal_fd = None
        header = _JOURNAL_HEADER.pack(_JOURNAL_MAGIC, 1, base)
        _fs.write_atomic(self.root / JOURNAL_FILE, header)
        self._journal_base = base
        self._pending = []
        self._pending_keys = []

    def _recover_journal(self) -> None:
        """Read the journal, drop a torn tail no append acknowledged, keep the rest pending."""
        path = self.root / JOURNAL_FILE
        if not path.exists():
            self._reset_journal(self._checkpoint.size)
            return
        data = path.read_bytes()
        if len(data) < _JOURNAL_HEADER.size:
            raise VerificationError("log.bad_journal", "the journal header is truncated")
        magic, version, base = _JOURNAL_HEADER.unpack_from(data)
        if magic != _JOURNAL_MAGIC or version != 1:
            raise VerificationError("log.bad_journal", "the journal is not an attest journal")
        if base > self._checkpoint.size:
            raise VerificationError(
                "log.bad_journal", "the journal starts beyond the checkpoint: entries are missing"
            )
        records, good_end = _read_records(data, _JOURNAL_HEADER.size)
        if good_end < len(data):
            with open(path, "r+b") as f:
                f.truncate(good_end)
                f.flush()
                os.fsync(f.fileno())
        # Records below the checkpoint are already in it (checkpoints published without the
        # journal leave it behind, empty); the rest are acknowledged and still pending.
        skip = min(len(records), self._checkpoint.size - base)
        self._journal_base = base
        self._pending = records[skip:]
        self._pending_keys = [_index_key(LogEntry.decode(e).digest) for e in self._pending]

    # --- digest index ------------------------------------------------------------------------

    def _indexer(self) -> ThreadPoolExecutor:
        if self._index_pool is None:
            self._index_pool = ThreadPoolExecutor(1, thread_name_prefix="attest-log-index")
        return self._index_pool

    def _index_db(self) -> sqlite3.Connection:
        if self._db is None:
            self._open_index()
        assert self._db is not None
        return self._db

    def _open_index(self) -> None:
        # One thread at a time uses the connection: the writer, or the indexer it waits for.
        db = sqlite3.connect(self.root / INDEX_FILE, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS digests (key INTEGER NOT NULL, idx INTEGER NOT NULL,"
            " PRIMARY KEY (key, idx)) WITHOUT ROWID"
        )
        db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
        self._db = db

    def _indexed_size(self) -> int:
        row = self._index_db().execute("SELECT v FROM meta WHERE k = 'indexed_size'").fetchone()
        return int(row[0]) if row else 0

    def _index_entries(self, first: int, keys: Sequence[int]) -> None:
        db = self._index_db()
        rows = [(key, first + i) for i, key in enumerate(keys)]
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO digests VALUES (?, ?)", rows)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('indexed_size', ?)", (first + len(keys),))
        db.execute("COMMIT")

    def _repair_index(self) -> None:
        """The index is derived data: re-derive what a crash lost or left beyond the checkpoint."""
        indexed, size = self._indexed_size(), self._checkpoint.size
        if indexed == size:
            return
        start = min(indexed, size)
        db = self._index_db()
        db.execute("CREATE INDEX IF NOT EXISTS repair_idx ON digests (idx)")
        db.execute("DELETE FROM digests WHERE idx >= ?", (start,))
        db.execute("DROP INDEX repair_idx")
        entries: list[bytes] = []
        for tile in range(start // TILE_WIDTH, (size + TILE_WIDTH - 1) // TILE_WIDTH):
            entries.extend(self._bundle_at(tile, size))
        base = (start // TILE_WIDTH) * TILE_WIDTH
        keys = [_index_key(LogEntry.decode(e).digest) for e in entries[start - base :]]
        self._index_entries(start, keys)

    # --- audit -------------------------------------------------------------------------------

    def audit(self) -> AuditReport:
        """Recompute every tile and the root from the entries and compare with the checkpoint
        (:func:`attest.tlog.audit.audit_tiles`), and each full tile with the stored inner
        levels. Raises :class:`VerificationError` ``log.audit_failed`` naming the first entry
        or tile that does not match.
        """
        _refuse_links(self.root)
        return audit_tiles(
            self._checkpoint.size,
            self._checkpoint.root_hash,
            self.read_tile,
            entry_bundle=self._bundle_at,
            check_full=self._check_inner,
        )

    def _check_inner(self, level: int, index: int, computed: list[bytes]) -> None:
        inner = self._fetch_inner(level, index)
        if inner is not None and inner != inner_hashes(b"".join(computed)):
            ref = TileRef(level, index, len(computed))
            raise _audit_failed(f"{inner_path(level, index)} does not match tile {ref.path}")

    def entries(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        """Every checkpointed entry from ``start`` on, with its index, read bundle by bundle."""
        size = self.checkpoint_size
        for tile in range(start // TILE_WIDTH, (size + TILE_WIDTH - 1) // TILE_WIDTH):
            for i, e in enumerate(self._bundle_at(tile, size)):
                index = tile * TILE_WIDTH + i
                if index >= start:
                    yield index, e


def _refuse_links(root: Path) -> None:
    """Refuse a log holding a symbolic link anywhere below ``root`` (SECURITY.md: nothing is
    read through one). ``read_regular`` refuses a linked file, but not a linked directory on
    the way to it (``tile/entries -> elsewhere``), so the audit looks at every name first."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            if path.is_symlink():
                rel = path.relative_to(root).as_posix()
                raise _audit_failed(
                    f"{rel} is a symbolic link: nothing in a log is read through one"
                )


def _tile_width(size: int, level: int, index: int) -> int:
    """Width of tile ``level/index`` in a tree of ``size`` leaves (0 if it has none)."""
    shift = TILE_HEIGHT * (max(level, 0) + 1)
    if index < size >> shift:
        return TILE_WIDTH
    if index == size >> shift:
        return (size >> (shift - TILE_HEIGHT)) % TILE_WIDTH
    return 0


def read_tile_at(root: Path, size: int, level: int, index: int, width: int) -> bytes:
    """The first ``width`` hashes (or entries) of tile ``level/index`` of the log at ``root``,
    whose latest published checkpoint has ``size`` entries.

    Read from the tile as that checkpoint has it (every older tree's tile is a prefix of it),
    falling back to the full tile when a partial one was pruned. Needs no lock: every file a
    published checkpoint covers is complete and never changes, so a reader in another thread
    or process may call this with any size it saw published. Raises ``FileNotFoundError`` for
    a tile the tree of ``size`` does not have.
    """
    current = _tile_width(size, level, index)
    if not 0 < width <= current:
        raise FileNotFoundError(TileRef(level, index, width).path)
    ref = TileRef(level, index, current)
    try:
        data = _fs.read_regular(root / ref.path, _MAX_TILE_FILE, code="log")
    except FileNotFoundError:
        if ref.full:
            raise
        data = _fs.read_regular(root / ref.with_width(TILE_WIDTH).path, _MAX_TILE_FILE, code="log")
        current = TILE_WIDTH
    if width == current:
        return data
    if level == ENTRIES_LEVEL:
        return encode_bundle(decode_bundle(data, current)[:width])
    return data[: 32 * width]


def read_config(root: str | os.PathLike[str]) -> LogConfig:
    """The ``log.json`` of the log at ``root``."""
    path = Path(root) / CONFIG_FILE
    try:
        return LogConfig.decode(_fs.read_regular(path, _MAX_CONFIG, code="log"))
    except (FileNotFoundError, NotADirectoryError):
        raise UsageError("log.not_found", f"{root} is not a log (no {CONFIG_FILE})") from None


def _audit_failed(message: str) -> VerificationError:
    return VerificationError("log.audit_failed", message)


def _index_key(digest: Digest) -> int:
    """The first 8 bytes of a digest as a signed 64-bit key: collisions are resolved by reading
    the entry, so the index stays small (specs/log.md §3)."""
    return int.from_bytes(digest.sha256[:8], "big", signed=True)


def _read_records(data: bytes, pos: int) -> tuple[list[bytes], int]:
    """Journal records from ``pos``; stops at the first torn or corrupt one."""
    records = []
    end = len(data)
    while pos + _RECORD_HEADER.size <= end:
        length, crc = _RECORD_HEADER.unpack_from(data, pos)
        start = pos + _RECORD_HEADER.size
        if length >= _MAX_RECORD or start + length > end:
            break
        record = data[start : start + length]
        if zlib.crc32(record) != crc:
            break
        records.append(record)
        pos = start + length
    return records, pos


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _lock(root: Path) -> int:
    return _fs.lock_exclusive(root / LOCK_FILE, code="log.locked", what=f"the log at {root}")


@contextlib.contextmanager
def open_log(
    path: str | os.PathLike[str], signer: _note.Signer | None = None, *, write: bool
) -> Iterator[Log]:
    """``with open_log(dir, write=True) as log: ...`` — opens, yields, always closes."""
    log = Log.open(path, signer, write=write)
    try:
        yield log
    finally:
        log.close()
