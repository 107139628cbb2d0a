"""The shared log: PostgreSQL holds the sequencing state, an S3-compatible bucket the tiles.

A :class:`~attest.store.driver.LogDriver` for logs that outgrow one machine (specs/log.md §8).
Any number of processes open the same log; each sequences entries, one at a time integrates:

- **PostgreSQL** (15 or later, through psycopg 3) has one row of log state (``next_index``, the
  latest signed checkpoint and how far the bucket has it), the pending queue (sequenced entries
  not yet in a checkpoint), the digest index and the integrator lease. Indices are assigned
  under a row lock in one transaction, so never twice; an entry is acknowledged once that
  transaction committed. The schema is versioned (:data:`MIGRATIONS`, table
  ``attest_schema``) and :func:`migrate` applies what a database lacks.
- **The bucket** holds the C2SP tlog-tiles resources byte for byte under a prefix:
  ``checkpoint``, ``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``. Entries never move
  once sequenced, so every tile at every width is a function of the indices alone: writes are
  idempotent and a retry or a second integrator writes the same bytes.
- **Integration** is done by the process holding the PostgreSQL advisory lock
  :data:`INTEGRATOR_LOCK` on its session: it writes the tiles and bundles, commits the new
  checkpoint in PostgreSQL only if the checkpoint it started from is still the latest, then
  writes the ``checkpoint`` object last and records that it did (``published_size``). The
  lock dies with the session, so when the integrator dies another process takes it at its
  next attempt, first re-publishing a checkpoint committed but not yet in the bucket.

S3 credentials come from the standard environment variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION`` or ``AWS_DEFAULT_REGION``,
``AWS_ENDPOINT_URL``). The S3 client is obstore (measured against boto3 and minio, specs/log.md
§8.4). psycopg and obstore come with the ``scale`` extra.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from attest.codec.digest import Digest
from attest.errors import UsageError, VerificationError
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
    partial_tiles,
    split_hashes,
)

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "INTEGRATOR_LOCK",
    "MIGRATIONS",
    "BucketTiles",
    "SharedLog",
    "audit_tiles",
    "migrate",
    "schema_version",
]

CHECKPOINT_OBJECT = "checkpoint"
#: The advisory lock key the integrator holds on its session ("attest-i" as an int64).
INTEGRATOR_LOCK = int.from_bytes(b"attest-i", "big", signed=True)
_MIGRATE_LOCK = int.from_bytes(b"attest-m", "big", signed=True)
_MAX_OBJECT = TILE_WIDTH * (2 + 0xFFFF)

#: Versioned schema migrations: (version, SQL), applied in order, each once.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE attest_log (
            id smallint PRIMARY KEY CHECK (id = 1),
            origin text NOT NULL,
            vkey text NOT NULL,
            next_index bigint NOT NULL,
            checkpoint_size bigint NOT NULL,
            checkpoint_note bytea NOT NULL,
            published_size bigint NOT NULL
        );
        CREATE TABLE attest_pending (idx bigint PRIMARY KEY, entry bytea NOT NULL);
        CREATE TABLE attest_digest (
            key bigint NOT NULL, idx bigint NOT NULL, PRIMARY KEY (key, idx)
        );
        CREATE TABLE attest_lease (
            id smallint PRIMARY KEY CHECK (id = 1),
            holder text NOT NULL,
            epoch bigint NOT NULL,
            since timestamptz NOT NULL DEFAULT now()
        );
        """,
    ),
)

T = TypeVar("T")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise UsageError(
            "store.missing_extra", "the PostgreSQL store needs: pip install 'attest[scale]'"
        ) from None
    return psycopg


def connect(dsn: str) -> psycopg.Connection[Any]:
    """A connection to ``dsn`` (a ``postgresql://`` URL), or ``store.unavailable``."""
    pg = _psycopg()
    try:
        conn: psycopg.Connection[Any] = pg.connect(dsn, connect_timeout=5, autocommit=True)
    except pg.OperationalError as exc:
        raise UsageError("store.unavailable", f"cannot reach PostgreSQL: {exc}") from None
    return conn


def schema_version(conn: psycopg.Connection[Any]) -> int:
    """The highest migration applied to the database (0 for none)."""
    with conn.transaction():
        row = conn.execute("SELECT to_regclass('attest_schema') IS NOT NULL").fetchone()
        if not row or not row[0]:
            return 0
        row = conn.execute("SELECT coalesce(max(version), 0) FROM attest_schema").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: psycopg.Connection[Any]) -> list[int]:
    """Apply every migration the database lacks, in one transaction; returns their versions."""
    applied = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS attest_schema (version int PRIMARY KEY,"
            " applied timestamptz NOT NULL DEFAULT now())"
        )
        row = conn.execute("SELECT coalesce(max(version), 0) FROM attest_schema").fetchone()
        current = int(row[0]) if row else 0
        for version, sql in MIGRATIONS:
            if version > current:
                conn.execute(sql)  # our own constant DDL
                conn.execute("INSERT INTO attest_schema (version) VALUES (%s)", (version,))
                applied.append(version)
    return applied


# --- the bucket ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TilesLocation:
    """``s3://bucket/prefix``: where the tiles are."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> TilesLocation:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise UsageError("store.bad_tiles_url", f"give the tiles as s3://bucket/prefix: {url}")
        return cls(parts.netloc, parts.path.strip("/"))

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


class BucketTiles:
    """The log's objects in an S3-compatible bucket (obstore), keys relative to the prefix.

    Requests that fail are retried with backoff for up to ``retry_seconds`` (a gateway away for
    a while makes writers wait, not fail); past that, ``store.unavailable``.
    """

    def __init__(
        self, url: str, endpoint: str | None = None, *, retry_seconds: float = 120.0
    ) -> None:
        try:
            from obstore.store import S3Store
        except ImportError:
            raise UsageError(
                "store.missing_extra", "the S3 tiles store needs: pip install 'attest[scale]'"
            ) from None
        self.location = TilesLocation.parse(url)
        endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")
        env = os.environ
        options: dict[str, Any] = {"timeout": timedelta(seconds=10)}
        if endpoint and endpoint.startswith("http://"):
            options["allow_http"] = True
        given: dict[str, Any] = {
            "prefix": self.location.prefix or None,
            "endpoint": endpoint,
            "access_key_id": env.get("AWS_ACCESS_KEY_ID"),
            "secret_access_key": env.get("AWS_SECRET_ACCESS_KEY"),
            "session_token": env.get("AWS_SESSION_TOKEN"),
        }
        given = {k: v for k, v in given.items() if v is not None}
        self._store = S3Store(
            self.location.bucket,
            **given,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            virtual_hosted_style_request=False,
            client_options=options,  # type: ignore[arg-type]
            retry_config={
                "max_retries": 1000,
                "retry_timeout": timedelta(seconds=retry_seconds),
                "backoff": {
                    "init_backoff": timedelta(milliseconds=50),
                    "max_backoff": timedelta(seconds=1),
                    "base": 2,
                },
            },
        )
        self._pool = ThreadPoolExecutor(16, thread_name_prefix="attest-s3")

    def close(self) -> None:
        self._pool.shutdown()

    def get(self, key: str) -> bytes:
        """The object at ``key``; ``FileNotFoundError`` when there is none."""
        import obstore

        try:
            data = bytes(obstore.get(self._store, key).bytes())
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise UsageError("store.unavailable", f"reading {key} from the bucket: {exc}") from None
        if len(data) > _MAX_OBJECT:
            raise VerificationError("log.bad_tile", f"{key} is larger than any tile")
        return data

    def put(self, key: str, data: bytes) -> None:
        import obstore

        try:
            obstore.put(self._store, key, data)
        except Exception as exc:
            raise UsageError("store.unavailable", f"writing {key} to the bucket: {exc}") from None

    def put_many(self, objects: Sequence[tuple[str, bytes]]) -> None:
        """Write every object (in parallel); returns once all are in the bucket."""
        if len(objects) == 1:
            self.put(*objects[0])
            return
        for future in [self._pool.submit(self.put, k, d) for k, d in objects]:
            future.result()


# --- reading tiles ------------------------------------------------------------------------------


def _tile_width(size: int, level: int, index: int) -> int:
    shift = TILE_HEIGHT * (max(level, 0) + 1)
    if index < size >> shift:
        return TILE_WIDTH
    if index == size >> shift:
        return (size >> (shift - TILE_HEIGHT)) % TILE_WIDTH
    return 0


def read_tile_from(
    get: Callable[[str], bytes], size: int, level: int, index: int, width: int
) -> bytes:
    """Tile ``level/index`` cut to ``width`` as the tree of ``size`` has it, through ``get``
    (falling back to the full tile when the partial one is gone); ``FileNotFoundError`` for a
    tile that tree does not have."""
    current = _tile_width(size, level, index)
    if not 0 < width <= current:
        raise FileNotFoundError(TileRef(level, index, width).path)
    ref = TileRef(level, index, current)
    try:
        data = get(ref.path)
    except FileNotFoundError:
        if ref.full:
            raise
        data = get(ref.with_width(TILE_WIDTH).path)
        current = TILE_WIDTH
    if width == current:
        return data
    if level == ENTRIES_LEVEL:
        return encode_bundle(decode_bundle(data, current)[:width])
    return data[: 32 * width]


def _index_key(digest: Digest) -> int:
    return int.from_bytes(digest.sha256[:8], "big", signed=True)


# --- the driver ---------------------------------------------------------------------------------


class SharedLog:
    """A log in PostgreSQL (state) and a bucket (tiles). Use :meth:`create` or :meth:`open`.

    Every instance may sequence (:meth:`append_many`); :meth:`checkpoint` integrates while this
    instance holds the integrator lock (taking it if free) and otherwise waits, up to
    ``wait_seconds``, for the holder's checkpoint to cover what this instance sequenced.
    Without a signer the instance only reads. Operations are retried across a lost PostgreSQL
    connection for up to ``retry_seconds`` (a database restart makes them wait), then fail
    with ``store.unavailable``.
    """

    def __init__(
        self,
        dsn: str,
        tiles: BucketTiles,
        signer: _note.Signer | None,
        *,
        wait_seconds: float = 120.0,
        retry_seconds: float = 60.0,
        poll_seconds: float = 0.02,
        max_integrate: int = 65_536,
    ) -> None:
        self.dsn = dsn
        self.tiles = tiles
        self._signer = signer
        self._wait = wait_seconds
        self._retry = retry_seconds
        self._poll = poll_seconds
        self._max_integrate = max_integrate
        self._conn: psycopg.Connection[Any] | None = connect(dsn)
        self._holder = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._leading = False
        self._epoch = 0
        self._builder: TileBuilder | None = None
        self._cache = TileCache()
        self._objects: OrderedDict[str, bytes] = OrderedDict()
        self._last_bundle: tuple[tuple[int, int], list[bytes]] | None = None
        self._size = 0
        row = self._run(
            lambda c: c.execute("SELECT origin, vkey FROM attest_log WHERE id = 1").fetchone()
        )
        if row is None:
            raise UsageError("log.not_found", "the database holds no attest log (attest log init)")
        self._origin, self._vkey = str(row[0]), str(row[1])
        self._verifier = _note.parse_verifier_key(self._vkey)
        if signer is not None and (signer.name, signer.key_id) != (
            self._origin,
            self._verifier.key_id,
        ):
            raise UsageError("log.wrong_key", "the signing key is not this log's key")
        self._note = b""
        self._cp = _checkpoint.Checkpoint(self._origin, 0, EMPTY_ROOT)
        self.refresh()

    # --- lifecycle -------------------------------------------------------------------------

    @classmethod
    def create(
        cls, dsn: str, tiles: BucketTiles, signer: _note.Ed25519Signer, **kw: Any
    ) -> SharedLog:
        """Migrate the database, record a new log and publish its signed size-0 checkpoint."""
        conn = connect(dsn)
        try:
            migrate(conn)
            cp = _checkpoint.Checkpoint(signer.name, 0, CompactRange().root())
            note = _checkpoint.sign_checkpoint(cp, signer)
            with conn.transaction():
                exists = conn.execute("SELECT origin FROM attest_log WHERE id = 1").fetchone()
                if exists is not None:
                    raise UsageError("log.exists", f"the database already holds log {exists[0]}")
                conn.execute(
                    "INSERT INTO attest_log VALUES (1, %s, %s, 0, 0, %s, 0)",
                    (signer.name, signer.verifier().vkey(), note),
                )
        finally:
            conn.close()
        log = cls(dsn, tiles, signer, **kw)
        log.tiles.put(CHECKPOINT_OBJECT, note)
        log._run(lambda c: c.execute("UPDATE attest_log SET published_size = 0"))
        return log

    @classmethod
    def open(
        cls, dsn: str, tiles: BucketTiles, signer: _note.Signer | None = None, **kw: Any
    ) -> SharedLog:
        conn = connect(dsn)
        try:
            version = schema_version(conn)
        finally:
            conn.close()
        latest = MIGRATIONS[-1][0]
        if version < latest:
            raise UsageError(
                "store.schema_old",
                f"the database schema is version {version}, this attest needs {latest}:"
                " run attest log init with --store to migrate it",
            )
        return cls(dsn, tiles, signer, **kw)

    @staticmethod
    def origin_of(dsn: str) -> str:
        """The origin of the log the database at ``dsn`` holds (to pick its key)."""
        conn = connect(dsn)
        try:
            with conn.transaction():
                row = conn.execute(
                    "SELECT origin FROM attest_log WHERE id = 1"
                    if schema_version(conn)
                    else "SELECT NULL WHERE false"
                ).fetchone()
        finally:
            conn.close()
        if row is None:
            raise UsageError("log.not_found", "the database holds no attest log (attest log init)")
        return str(row[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # releases the integrator lock with the session
            self._conn = None
        self._leading = False
        self.tiles.close()

    def __enter__(self) -> SharedLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, fn: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``fn`` in one transaction, reconnecting across a lost connection for a while.

        A retried sequencing transaction whose commit was lost with the connection may log its
        batch twice (at-least-once); no index is ever given twice.
        """
        pg = _psycopg()
        deadline = time.monotonic() + self._retry
        while True:
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = connect(self.dsn)
                with self._conn.transaction():
                    return fn(self._conn)
            except (pg.OperationalError, UsageError) as exc:
                if isinstance(exc, UsageError) and exc.code != "store.unavailable":
                    raise
                if self._conn is not None and not self._conn.closed and not self._conn.broken:
                    raise
                self._conn = None
                self._leading = False  # the lock died with the session
                if time.monotonic() > deadline:
                    raise UsageError(
                        "store.unavailable", f"PostgreSQL is unreachable: {exc}"
                    ) from None
                time.sleep(0.2)

    # --- reading -----------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def verifier(self) -> _note.Verifier:
        return self._verifier

    @property
    def vkey(self) -> str:
        """The log's verifier key, as text."""
        return self._vkey

    @property
    def checkpoint_note(self) -> bytes:
        return self._note

    @property
    def checkpoint_size(self) -> int:
        return self._cp.size

    @property
    def root_hash(self) -> bytes:
        return self._cp.root_hash

    @property
    def size(self) -> int:
        """Entries this instance knows are sequenced (it refreshes on each write)."""
        return max(self._size, self._cp.size)

    @property
    def leading(self) -> bool:
        """Whether this instance holds the integrator lock."""
        return self._leading

    def refresh(self) -> bytes:
        """Follow the latest checkpoint the bucket has (as PostgreSQL records it)."""
        row = self._run(
            lambda c: c.execute(
                "SELECT next_index, published_size, checkpoint_size, checkpoint_note"
                " FROM attest_log WHERE id = 1"
            ).fetchone()
        )
        assert row is not None
        next_index, published, committed, note = int(row[0]), int(row[1]), int(row[2]), row[3]
        self._size = max(self._size, next_index)
        if published == committed:
            self._adopt(bytes(note))
        elif not self._note:
            self._adopt(self.tiles.get(CHECKPOINT_OBJECT))
        return self._note

    def _adopt(self, note: bytes) -> None:
        cp = _checkpoint.open_checkpoint(note, self._verifier).checkpoint
        if cp.size >= self._cp.size or not self._note:
            self._note, self._cp = note, cp

    def get_object(self, key: str) -> bytes:
        """A tile or bundle from the bucket, through a cache: every tile object is immutable
        (entries never move once sequenced, so a tile at a width has one possible content)."""
        data = self._objects.get(key)
        if data is not None:
            self._objects.move_to_end(key)
            return data
        data = self.tiles.get(key)
        self._objects[key] = data
        if len(self._objects) > 4096:
            self._objects.popitem(last=False)
        return data

    _get = get_object

    def read_tile(self, level: int, index: int, width: int) -> bytes:
        return read_tile_from(self._get, self._cp.size, level, index, width)

    def _fetch(self, level: int, index: int, width: int) -> bytes:
        try:
            return self.read_tile(level, index, width)
        except FileNotFoundError:
            raise VerificationError(
                "log.missing_tile", f"tile {TileRef(level, index, width).path} is missing"
            ) from None

    def _reader(self, size: int) -> TileHashReader:
        return TileHashReader(
            size, lambda lv, i, w: read_tile_from(self._get, size, lv, i, w), self._cache
        )

    def _bundle_at(self, tile: int, size: int) -> list[bytes]:
        width = TILE_WIDTH if tile < size // TILE_WIDTH else size % TILE_WIDTH
        key = (tile, width)
        if self._last_bundle is not None and self._last_bundle[0] == key:
            return self._last_bundle[1]
        data = read_tile_from(self._get, size, ENTRIES_LEVEL, tile, width)
        entries = decode_bundle(data, width)
        self._last_bundle = (key, entries)
        return entries

    def _check_index(self, index: int, size: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
            raise UsageError("log.no_such_entry", f"no entry {index} in a log of size {size}")

    def entry(self, index: int) -> bytes:
        self._check_index(index, self._cp.size)
        return self._bundle_at(index // TILE_WIDTH, self._cp.size)[index % TILE_WIDTH]

    def entries(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        size = self._cp.size
        for tile in range(start // TILE_WIDTH, (size + TILE_WIDTH - 1) // TILE_WIDTH):
            for i, e in enumerate(self._bundle_at(tile, size)):
                if tile * TILE_WIDTH + i >= start:
                    yield tile * TILE_WIDTH + i, e

    def find(self, digest: Digest) -> list[int]:
        size = self._cp.size
        rows = self._run(
            lambda c: c.execute(
                "SELECT idx FROM attest_digest WHERE key = %s AND idx < %s ORDER BY idx",
                (_index_key(digest), size),
            ).fetchall()
        )
        return [int(r[0]) for r in rows if LogEntry.decode(self.entry(int(r[0]))).digest == digest]

    def find_many(self, digests: Sequence[Digest]) -> dict[Digest, list[int]]:
        """:meth:`find` for many digests with one query."""
        size = self._cp.size
        keys = sorted({_index_key(d) for d in digests})
        rows = self._run(
            lambda c: c.execute(
                "SELECT key, idx FROM attest_digest WHERE key = ANY(%s) AND idx < %s ORDER BY idx",
                (keys, size),
            ).fetchall()
        )
        by_key: dict[int, list[int]] = {}
        for key, idx in rows:
            by_key.setdefault(int(key), []).append(int(idx))
        return {
            d: [
                i
                for i in by_key.get(_index_key(d), [])
                if LogEntry.decode(self.entry(i)).digest == d
            ]
            for d in digests
        }

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self._cp.size if size is None else size
        self._check_index(index, size)
        if size > self._cp.size:
            raise UsageError("log.beyond_checkpoint", f"size {size} is beyond the checkpoint")
        return inclusion_proof(index, size, self._reader(size))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        new_size = self._cp.size if new_size is None else new_size
        if not 0 <= old_size <= new_size <= self._cp.size:
            raise UsageError("log.bad_size", "sizes must be ordered and within the checkpoint")
        return consistency_proof(old_size, new_size, self._reader(new_size))

    def tree_hash(self, size: int) -> bytes:
        if not 0 <= size <= self._cp.size:
            raise UsageError("log.beyond_checkpoint", f"size {size} is not published")
        # Read through the tiles of the latest checkpoint: a tree of an earlier size may end
        # in a partial tile the bucket never held (it only holds each size it published).
        return EMPTY_ROOT if size == 0 else range_hash(self._reader(self._cp.size), 0, size)

    def prove(self, index: int) -> TlogProof:
        return TlogProof(index, tuple(self.inclusion_proof(index)), self._note)

    def audit(self) -> AuditReport:
        """Audit the tiles in the bucket under the checkpoint object in the bucket."""
        note = self.tiles.get(CHECKPOINT_OBJECT)
        cp = _checkpoint.open_checkpoint(note, self._verifier).checkpoint
        if cp.size < self._cp.size:
            raise VerificationError(
                "log.audit_failed",
                f"the bucket's checkpoint ({cp.size}) is behind the published one "
                f"({self._cp.size})",
            )
        return audit_tiles(
            cp.size, cp.root_hash, lambda lv, i, w: read_tile_from(self._get, cp.size, lv, i, w)
        )

    # --- writing -----------------------------------------------------------------------------

    def append_many(self, entries: Sequence[LogEntry]) -> list[int]:
        """Sequence ``entries`` in one transaction; acknowledged once it returns."""
        if self._signer is None:
            raise UsageError("log.read_only", "the log was opened without its key")
        if not entries:
            return []
        encoded = [e.encode() for e in entries]
        keys = [_index_key(e.digest) for e in entries]

        def sequence(c: psycopg.Connection[Any]) -> int:
            row = c.execute("SELECT next_index FROM attest_log WHERE id = 1 FOR UPDATE").fetchone()
            assert row is not None
            first = int(row[0])
            with c.cursor().copy("COPY attest_pending (idx, entry) FROM STDIN") as copy:
                for i, e in enumerate(encoded):
                    copy.write_row((first + i, e))
            with c.cursor().copy("COPY attest_digest (key, idx) FROM STDIN") as copy:
                for i, k in enumerate(keys):
                    copy.write_row((k, first + i))
            c.execute("UPDATE attest_log SET next_index = %s WHERE id = 1", (first + len(encoded),))
            return first

        first = self._run(sequence)
        self._size = max(self._size, first + len(encoded))
        return list(range(first, first + len(encoded)))

    def append_and_checkpoint(self, entries: Sequence[LogEntry]) -> tuple[list[int], bytes]:
        indices = self.append_many(entries)
        return indices, self.checkpoint()

    def try_lead(self) -> bool:
        """Take the integrator lock if it is free (keep it if held); on taking it, publish a
        checkpoint the last holder committed but did not write to the bucket."""
        if self._leading:
            return True
        if self._signer is None:
            return False

        def take(c: psycopg.Connection[Any]) -> bool:
            row = c.execute("SELECT pg_try_advisory_lock(%s)", (INTEGRATOR_LOCK,)).fetchone()
            if not row or not row[0]:
                return False
            got = c.execute(
                "INSERT INTO attest_lease (id, holder, epoch) VALUES (1, %s, 1)"
                " ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder,"
                " epoch = attest_lease.epoch + 1, since = now() RETURNING epoch",
                (self._holder,),
            ).fetchone()
            assert got is not None
            self._epoch = int(got[0])
            return True

        if not self._run(take):
            return False
        self._leading = True
        self._builder = None
        self._republish()
        return True

    def _republish(self) -> None:
        row = self._run(
            lambda c: c.execute(
                "SELECT checkpoint_size, checkpoint_note, published_size FROM attest_log"
            ).fetchone()
        )
        assert row is not None
        size, note, published = int(row[0]), bytes(row[1]), int(row[2])
        if published < size:
            self.tiles.put(CHECKPOINT_OBJECT, note)
            self._mark_published(size)
        self._adopt(note)

    def _mark_published(self, size: int) -> None:
        """Record that the bucket's ``checkpoint`` object has ``size`` (never backwards)."""
        self._run(
            lambda c: c.execute(
                "UPDATE attest_log SET published_size = %s WHERE published_size < %s",
                (size, size),
            )
        )

    def _load_edge(self) -> TileBuilder:
        size = self._cp.size
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
            for lv in range(size.bit_length() - 1, -1, -1):
                if size >> lv & 1:
                    compact.append(reader.subtree_hash(lv, pos >> lv))
                    pos += 1 << lv
        builder = TileBuilder.resume(size, edge, bundle, compact)
        if builder.root() != self._cp.root_hash:
            raise VerificationError(
                "log.tiles_mismatch", "the bucket's tiles do not reproduce the checkpoint's root"
            )
        return builder

    def integrate(self) -> bool:
        """As the integrator, put every sequenced entry under a new checkpoint (tiles, then the
        checkpoint committed in PostgreSQL, then the ``checkpoint`` object). Returns False
        when another process holds the lock, True when this one is up to date."""
        if not self.try_lead():
            return False
        assert self._signer is not None
        while True:
            start = self._cp.size
            limit = self._max_integrate

            def pending(
                c: psycopg.Connection[Any], start: int = start, limit: int = limit
            ) -> tuple[int, list[bytes]]:
                row = c.execute("SELECT next_index FROM attest_log").fetchone()
                assert row is not None
                rows = c.execute(
                    "SELECT idx, entry FROM attest_pending WHERE idx >= %s ORDER BY idx LIMIT %s",
                    (start, limit),
                ).fetchall()
                return int(row[0]), [bytes(r[1]) for r in rows]

            next_index, batch = self._run(pending)
            self._size = max(self._size, next_index)
            if not batch:
                return True
            if not self._leading:
                return False  # the session (and the lock) was lost meanwhile
            if self._builder is None or self._builder.size != start:
                self._builder = self._load_edge()
            builder = self._builder
            try:
                for e in batch:
                    builder.append(e)
                existing = set(partial_tiles(start))
                objects = [(r.path, d) for r, d in builder.resources() if r not in existing]
                self.tiles.put_many(objects)
            except BaseException:
                self._builder = None
                raise
            new = start + len(batch)
            cp = _checkpoint.Checkpoint(self._origin, new, builder.root())
            note = _checkpoint.sign_checkpoint(cp, self._signer)
            epoch = self._epoch

            def commit(
                c: psycopg.Connection[Any],
                epoch: int = epoch,
                new: int = new,
                note: bytes = note,
                start: int = start,
            ) -> bool:
                lease = c.execute("SELECT epoch FROM attest_lease WHERE id = 1").fetchone()
                if lease is None or int(lease[0]) != epoch:
                    return False
                done = c.execute(
                    "UPDATE attest_log SET checkpoint_size = %s, checkpoint_note = %s"
                    " WHERE id = 1 AND checkpoint_size = %s",
                    (new, note, start),
                )
                if done.rowcount != 1:
                    return False
                c.execute("DELETE FROM attest_pending WHERE idx < %s", (new,))
                return True

            if not self._run(commit) or not self._leading:
                self._builder, self._leading = None, False  # fenced off: another one leads
                return False
            self.tiles.put(CHECKPOINT_OBJECT, note)
            self._mark_published(new)
            self._adopt(note)

    def checkpoint(self) -> bytes:
        """Integrate as the integrator, or wait for the integrator's checkpoint to cover every
        entry this instance sequenced (``store.timeout`` after ``wait_seconds``)."""
        if self._signer is None:
            raise UsageError("log.no_key", "signing a checkpoint needs the log's private key")
        target = self.size
        deadline = time.monotonic() + self._wait
        while True:
            if self.integrate():
                if self._cp.size >= target:
                    return self._note
            else:
                self.refresh()
                if self._cp.size >= target:
                    return self._note
            if time.monotonic() > deadline:
                raise UsageError(
                    "store.timeout", f"no checkpoint covered size {target} in {self._wait:g} s"
                )
            time.sleep(self._poll)
