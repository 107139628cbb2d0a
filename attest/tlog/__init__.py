"""Transparency logs: RFC 9162 Merkle trees and the C2SP formats that carry them.

A log is a Merkle tree over entries; a verifier holds a *checkpoint* (the log's signed
size and root) and proofs that lead to it, in formats other C2SP tools read byte for byte.

- :mod:`~attest.tlog.merkle`: leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖
  right); inclusion and consistency proofs and their verification (specs/merkle.md).
- :mod:`~attest.tlog.note`: c2sp.org/signed-note. UTF-8 text ending in a newline, a blank
  line, then one line per signature, ``— <key name> base64(4-byte key id ‖ signature)``
  (specs/note.md §1-§6).
- :mod:`~attest.tlog.checkpoint`: c2sp.org/tlog-checkpoint. The note text is the origin, the
  size in decimal and the base64 root, a line each; it must carry the log's own signature
  (§7). :mod:`~attest.tlog.cosignature`: witnesses' ``cosignature/v1`` lines (§8).
- :mod:`~attest.tlog.entry`: one logged item, deterministic CBOR ``{v, kind, name, size,
  time, type, sha256}``; the content itself is never logged (specs/log.md §2).
- :mod:`~attest.tlog.tiles` (c2sp.org/tlog-tiles), :mod:`~attest.tlog.proof` (tlog-proof:
  index, inclusion proof, checkpoint; specs/log.md §6), :mod:`~attest.tlog.consistency`
  (a consistency proof's JSON), :mod:`~attest.tlog.submission` (specs/service.md §3).

For example, a two-entry log's checkpoint, signed by the key with seed 0, 1, …, 31::

    >>> import base64
    >>> from attest.keys.ed25519 import PrivateKey
    >>> from attest.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
    >>> from attest.tlog.merkle import leaf_hash, tree_root
    >>> from attest.tlog.note import Ed25519Signer
    >>> signer = Ed25519Signer("example.com/log", PrivateKey(bytes(range(32))))
    >>> root = tree_root([leaf_hash(b"a"), leaf_hash(b"b")])
    >>> note = sign_checkpoint(Checkpoint("example.com/log", 2, root), signer)
    >>> body, _, signatures = note.decode().partition("\\n\\n")
    >>> print(body)
    example.com/log
    2
    sTeYX/SE+2ANuTEHx3sDZcgNePW0Kd7Q/Zc2HQd5mes=
    >>> signatures.split(" ")[:2], len(base64.b64decode(signatures.split(" ")[2]))
    (['—', 'example.com/log'], 68)
    >>> open_checkpoint(note, signer.verifier()).checkpoint.size
    2

The 68 bytes: the key id SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], then the signature
of the text above the blank line. Pure (no disk, network or clock; the log on disk is
:mod:`attest.store.log`); layer: above :mod:`attest.keys`, independent of :mod:`attest.vc`.
"""
