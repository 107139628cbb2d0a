"""Storage drivers at the edge: the durable evidence log and the issuer's status lists, each a
directory on disk. The formats are the core's (:mod:`attest.tlog`, :mod:`attest.vc`); this
package owns only files, locks and crash safety.

- :mod:`~attest.store.log`: a C2SP tlog-tiles log in a directory, servable by any static
  file server as is: ``checkpoint``, ``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``,
  plus ``log.json`` (``{"format": "attest-log/v1", "origin", "vkey"}``), ``pending`` (the
  journal), ``index.sqlite`` (digest to index) and ``lock``. ``append`` returns once its
  entry is fsynced to the journal; ``checkpoint`` writes tiles, then the index, then swaps the
  checkpoint atomically; a crash loses nothing acknowledged (specs/log.md §1, §3-§5).
- :mod:`~attest.store.status`: ``status.json`` and the raw ``revocation`` and ``suspension``
  bitstrings, one shared random index per credential, published as signed Bitstring Status
  List credentials (specs/status.md §5).

For example, a log with one entry, checkpointed::

    >>> import tempfile
    >>> from pathlib import Path
    >>> from attest.codec.digest import hash_bytes
    >>> from attest.keys.ed25519 import PrivateKey
    >>> from attest.store.log import Log
    >>> from attest.tlog.entry import LogEntry
    >>> from attest.tlog.merkle import leaf_hash
    >>> from attest.tlog.note import Ed25519Signer
    >>> signer = Ed25519Signer("example.com/log", PrivateKey(bytes(range(32))))
    >>> entry = LogEntry("evidence", hash_bytes(b"hi"), 2, "text/plain", 1_800_000_000)
    >>> with tempfile.TemporaryDirectory() as tmp, Log.create(Path(tmp, "log"), signer) as log:
    ...     index = log.append(entry)
    ...     note = log.checkpoint()
    ...     tile = Path(tmp, "log", "tile", "0", "000.p", "1").read_bytes()  # a partial tile
    >>> index, note.decode().splitlines()[:2]
    (0, ['example.com/log', '1'])
    >>> tile == leaf_hash(entry.encode())  # level 0 holds the leaf hashes, 32 bytes each
    True

A new storage driver (another backend for the log, say) goes here, beside these two, and
serves the same formats; the core never imports this package (ARCHITECTURE.md).
"""
