"""A log directory served by a plain static HTTP server, read by a client written from the
C2SP tlog-tiles and signed-note texts alone.

The client below shares no code with attest's writer: it formats tile paths, checks the
checkpoint signature (with pyca/cryptography, not the project's libsodium path), rebuilds
tree hashes from tiles and checks inclusion with its own RFC 6962 code.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from attest.codec.digest import hash_bytes
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog import note
from attest.tlog.entry import LogEntry
from attest.tlog.tiles import TileBuilder

from . import vectors


# --- the independent client -------------------------------------------------------------------
def _sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def _tile_path(level: int | str, n: int, width: int = 256) -> str:
    digits = f"{n:d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    path = "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])
    return f"tile/{level}/{path}" + ("" if width == 256 else f".p/{width}")


class TileClient:
    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.fetched: list[str] = []

    def get(self, path: str) -> bytes:
        self.fetched.append(path)
        with urllib.request.urlopen(f"{self.base}/{path}", timeout=10) as resp:
            return bytes(resp.read())

    def checkpoint(self, vkey: str) -> tuple[str, int, bytes]:
        name, key_id_hex, key_b64 = vkey.split("+", 2)
        key = base64.b64decode(key_b64)
        assert key[0] == 0x01
        assert _sha(name.encode() + b"\n" + key)[:4].hex() == key_id_hex
        data = self.get("checkpoint")
        text, sigs = data.rsplit(b"\n\n", 1)
        text += b"\n"
        ok = False
        for line in sigs.decode().splitlines():
            who, sig = line.removeprefix("\u2014 ").split(" ")
            blob = base64.b64decode(sig)
            if who == name and blob[:4].hex() == key_id_hex:
                Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[4:], text)
                ok = True
        assert ok, "no signature by the log key"
        origin, size, root = text.decode().splitlines()[:3]
        return origin, int(size), base64.b64decode(root)

    @functools.cache  # noqa: B019 - one client per test
    def tile(self, level: int, n: int, size: int) -> list[bytes]:
        full = size >> (8 * (level + 1))
        width = 256 if n < full else (size >> (8 * level)) % 256
        data = self.get(_tile_path(level, n, width))
        assert len(data) == 32 * width
        return [data[i : i + 32] for i in range(0, len(data), 32)]

    def node(self, height: int, index: int, size: int) -> bytes:
        """Hash of the perfect subtree of 2**height leaves starting at leaf index << height."""
        level, sub = divmod(height, 8)
        first = index << sub
        hashes = self.tile(level, first // 256, size)[first % 256 : first % 256 + (1 << sub)]
        while len(hashes) > 1:
            hashes = [_sha(b"\x01" + hashes[i] + hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    def mth(self, lo: int, hi: int, size: int) -> bytes:
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            return self.node(n.bit_length() - 1, lo // n, size)
        k = 1 << ((n - 1).bit_length() - 1)
        return _sha(b"\x01" + self.mth(lo, lo + k, size) + self.mth(lo + k, hi, size))

    def path(self, m: int, lo: int, hi: int, size: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if m - lo < k:
            return [*self.path(m, lo, lo + k, size), self.mth(lo + k, hi, size)]
        return [*self.path(m, lo + k, hi, size), self.mth(lo, lo + k, size)]

    def entry(self, index: int, size: int) -> bytes:
        n = index // 256
        width = 256 if n < size // 256 else size % 256
        data = self.get(_tile_path("entries", n, width))
        entries, pos = [], 0
        while pos < len(data):
            length = int.from_bytes(data[pos : pos + 2], "big")
            entries.append(data[pos + 2 : pos + 2 + length])
            pos += 2 + length
        assert len(entries) == width
        return entries[index % 256]


def _verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = _sha(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _sha(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


# --- the server ---------------------------------------------------------------------------------
@pytest.fixture
def serve() -> Iterator[functools.partial[str]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(directory: Path) -> str:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
        handler.log_message = lambda *a: None  # type: ignore[attr-defined]
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield functools.partial(start)
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def test_client_reads_served_log(tmp_path: Path, serve: functools.partial[str]) -> None:
    signer = note.Ed25519Signer("example.com/served", PrivateKey(b"\x0a" * 32))
    n = 70000
    with Log.create(tmp_path / "log", signer) as log:
        for start in range(0, n, 10000):
            log.append_and_checkpoint(
                [
                    LogEntry("evidence", hash_bytes(b"%d" % i), i, "text/plain", i)
                    for i in range(start, start + 10000)
                ]
            )
        vkey = signer.verifier().vkey()
    client = TileClient(serve(tmp_path / "log"))
    origin, size, root = client.checkpoint(vkey)
    assert (origin, size) == ("example.com/served", n)
    assert client.mth(0, size, size) == root
    for index in (0, 12345, 65535, 65536, 69999):
        data = client.entry(index, size)
        leaf = _sha(b"\x00" + data)
        assert client.node(0, index, size) == leaf
        assert _verify_inclusion(index, size, leaf, client.path(index, 0, size, size), root)
        assert LogEntry.decode(data).size == index
    assert "tile/0/273.p/112" in client.fetched
    assert "tile/2/000.p/1" in client.fetched


def test_served_tiles_match_go_vectors(tmp_path: Path, serve: functools.partial[str]) -> None:
    """The writer's tile bytes, served over HTTP, equal the tiles Go's x/mod made."""
    case = next(
        c
        for c in vectors.load_json("tlog/generated/tiles.json")["cases"]
        if c["size"] == 70000 and c["old_size"] == 0
    )
    builder = TileBuilder()
    for i in range(70000):
        builder.append(str(i).encode())
    for ref, data in builder.resources():
        path = tmp_path / "static" / ref.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    client = TileClient(serve(tmp_path / "static"))
    for expected in case["tiles"] + case["entry_bundles"]:
        data = client.get(expected["path"])
        assert hashlib.sha256(data).hexdigest() == expected["sha256_hex"], expected["path"]
    assert client.mth(0, 70000, 70000) == vectors.b64(case["root"])
