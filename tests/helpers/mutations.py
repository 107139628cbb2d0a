"""Single-field mutations of valid bundles, each with the verification step that must catch it.

A *seed* is a valid bundle from test_vectors/ with the world it verifies in (policy, time,
status lists): unmutated, it is accepted. A *site* is one place in it and one kind of
change: a value replaced by another of the same type (or of another type), a member or item
removed, an item duplicated, items reordered where order matters, a member name given twice,
and byte flips in every signature, hash, proof and checkpoint. Sites go through every layer
of the bundle: the bundle map, the credential (JSON, or COSE_Sign1 with its protected header
and payload), each log entry (decoded, changed, re-encoded), each tlog-proof (index and
hashes) and the checkpoint note (text lines and every signature line; changed in all proofs
at once, as a forged checkpoint would be), embedded evidence and a carried status list.

Each site builds its mutated bundle with :meth:`Site.make`: with no random generator the
change is fixed (the suite runs every site once); with one, the bit, byte and replacement
are drawn from it (bench/mutations.py draws 10^6 of them).

Changes that do not alter what a bundle attests are not sites, because a verifier rightly
accepts them (``tests/test_mutations.py`` checks that it does): dropping embedded evidence
(unless the policy requires evidence bytes) or reordering it, reordering evidence
entries, a repeated or reordered note signature line,
lines by keys the policy does not know, JSON layout and member order.
"""

from __future__ import annotations

import base64
import copy
import json
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from attest.codec import multibase
from attest.codec.canonical import parse_json
from attest.codec.cbor import CBORTag, decode_cbor, encode_deterministic
from attest.codec.dates import parse_datetime_stamp
from attest.verifier.pipeline import STEPS, Decision, verify
from attest.verifier.policy import Policy, parse_policy

ROOT = Path(__file__).resolve().parent.parent.parent / "test_vectors"

FORMAT = "bundle.format"
SIGNATURE = "credential.signature"
CHECKPOINT = "checkpoint.signature"
WITNESSES = "checkpoint.witnesses"
EVIDENCE_BYTES = "evidence.bytes"
STATUS = "credential.status"


@dataclass(frozen=True)
class Seed:
    """A valid bundle and the world in which it is accepted."""

    name: str
    data: bytes
    policy: Policy
    now: datetime
    status_lists: tuple[Any, ...] = ()

    @property
    def cbor(self) -> bool:
        return not self.data.lstrip().startswith(b"{")

    def verify(self, data: bytes) -> Decision:
        return verify([data], self.policy, now=self.now, status_lists=self.status_lists)


@dataclass(frozen=True)
class Mutant:
    seed: str
    where: str
    kind: str
    data: bytes
    expect: frozenset[str]


@dataclass(frozen=True)
class Site:
    """One place and one kind of change; ``make`` builds the mutated bundle."""

    seed: Seed
    where: str
    kind: str
    expect: frozenset[str]
    build: Callable[[random.Random | None], bytes] = field(repr=False)

    def make(self, rng: random.Random | None = None) -> Mutant:
        return Mutant(self.seed.name, self.where, self.kind, self.build(rng), self.expect)


def first_failure(decision: Decision) -> str | None:
    for check in decision.bundles[0].checks:
        if check.result == "fail":
            return check.step
    return None


# --- seeds ------------------------------------------------------------------------------------


def load_seeds() -> list[Seed]:
    """Every single-bundle accepted case of test_vectors/verify and test_vectors/bundle."""
    seeds = []
    folder = ROOT / "verify"
    cases = json.loads((folder / "cases.json").read_text("utf-8"))["cases"]
    wanted = ("accept-json", "accept-embedded-json", "accept-cbor", "accept-embedded-cbor")
    for case in cases:
        if case["id"] not in (*wanted, "status-carried-in-bundle"):
            continue
        assert len(case["bundles"]) == 1 and case["state"] is None and not case["evidenceDir"]
        seeds.append(
            Seed(
                f"verify/{case['id']}",
                (folder / case["bundles"][0]).read_bytes(),
                parse_policy((folder / case["policy"]).read_bytes()),
                parse_datetime_stamp(case["now"]),
                tuple(parse_json((folder / s).read_bytes()) for s in case["statusLists"]),
            )
        )
    index = json.loads((ROOT / "bundle" / "index.json").read_text("utf-8"))
    world = index["verify"]
    policy = parse_policy(
        f"""version = 1
[decision]
min_evaluators = 1
[freshness]
require_status = false
[[issuer]]
name = "vectors"
id = "{world["trusted_issuer"]}"
dimensions = {json.dumps(world["issuer_dimensions"])}
[[log]]
origin = "{world["trusted_log"]["origin"]}"
key = "{world["trusted_log"]["verifier_key"]}"
""".encode()
    )
    for valid in index["valid"]:
        seeds.append(
            Seed(
                f"bundle/{valid['file']}",
                (ROOT / "bundle" / valid["file"]).read_bytes(),
                policy,
                parse_datetime_stamp(world["at"]),
            )
        )
    return seeds


# --- trees ------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """Decoded CBOR (tuples, read-only maps) as lists and dicts."""
    if isinstance(value, CBORTag):
        return CBORTag(value.tag, plain(value.value))
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def get(tree: Any, path: Sequence[Any]) -> Any:
    for step in path:
        tree = tree[step]
    return tree


def put(tree: Any, path: Sequence[Any], value: Any) -> Any:
    """A copy of ``tree`` with the value at ``path`` replaced (containers on the path copied)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    out = list(tree) if isinstance(tree, list) else dict(tree)
    out[head] = put(tree[head], rest, value)
    return out


def show(path: Sequence[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) or "."


_REMOVE = object()


def _other(value: Any, rng: random.Random | None, cbor: bool) -> list[tuple[str, Any]]:
    """Same-typed other values (never equal, never an equal JSON number), then a type change."""
    r = rng or random.Random(len(repr(value)))
    out: list[tuple[str, Any]] = []
    if isinstance(value, bool):
        out.append(("replace", not value))
    elif isinstance(value, int):
        delta = r.choice([1, -1, 1 << 20, -(1 << 31)]) if rng else 1
        out.append(("replace", value + delta))
        if value:
            out.append(("replace", 0))
    elif isinstance(value, float):
        new = value * 2 + 1 if rng is None else r.uniform(-1e6, 1e6)
        out.append(("replace", new if new != value else value + 1))
    elif isinstance(value, str):
        if value:
            i = r.randrange(len(value)) if rng else len(value) - 1
            c = chr((ord(value[i]) ^ (1 << (r.randrange(5) if rng else 0))) or 0x41)
            if 0xD800 <= ord(c) <= 0xDFFF:
                c = "x"
            if c == value[i]:
                c = "y" if c != "y" else "z"
            out.append(("replace", value[:i] + c + value[i + 1 :]))
            out.append(("replace", ""))
        else:
            out.append(("replace", "x"))
    elif isinstance(value, bytes):
        if value:
            out.extend(("flip", v) for v in flips(value, rng, 3))
            out.append(("truncate", value[:-1]))
        out.append(("extend", value + b"\x00"))
    # one change of type
    if isinstance(value, str):
        out.append(("retype", 0))
    elif isinstance(value, bool | int | float):
        out.append(("retype", str(value)))
    elif isinstance(value, bytes):
        out.append(("retype", value.hex()))
    elif value is None:
        out.append(("retype", 0 if cbor else False))
    elif isinstance(value, dict):
        out.append(("retype", []))
    elif isinstance(value, list):
        out.append(("retype", {}))
    return out


def flips(data: bytes, rng: random.Random | None, count: int | None = None) -> list[bytes]:
    """``data`` with one byte changed: without a generator, each byte in turn with bit i % 8
    flipped (or ``count`` bytes spread over ``data``); with one, ``count`` copies each with a
    random byte XORed with a random non-zero value."""
    if rng is not None:
        out = []
        for _ in range(count or 1):
            b = bytearray(data)
            b[rng.randrange(len(b))] ^= rng.randrange(1, 256)
            out.append(bytes(b))
        return out
    positions = range(len(data))
    if count is not None:
        positions = sorted({round(i * (len(data) - 1) / max(count - 1, 1)) for i in range(count)})
    out = []
    for i in positions:
        b = bytearray(data)
        b[i] ^= 1 << (i % 8)
        out.append(bytes(b))
    return out


Change = tuple[tuple[Any, ...], str, Any, int]


def tree_changes(value: Any, path: tuple[Any, ...], cbor: bool) -> Iterator[Change]:
    """(path, kind, new value at path, n) for every node under ``value``: every scalar
    replaced, every member removed, a member added, every item removed and duplicated,
    neighbours swapped, every container retyped. ``n`` >= 0 is the change's position in
    :func:`_other` (a value a generator may redraw), -1 for a structural change."""
    for n, (kind, new) in enumerate(_other(value, None, cbor)):
        yield path, kind, new, n
    if isinstance(value, dict):
        for key in value:
            yield path, f"remove {key!s}", {k: v for k, v in value.items() if k != key}, -1
        extra = "mutation" if not cbor or not value or isinstance(next(iter(value)), str) else 99
        yield path, "add member", {**value, extra: 1}, -1
        for key, item in value.items():
            yield from tree_changes(item, (*path, key), cbor)
    elif isinstance(value, list):
        for i in range(len(value)):
            yield path, f"remove [{i}]", value[:i] + value[i + 1 :], -1
            yield path, f"duplicate [{i}]", value[: i + 1] + value[i:], -1
            if i + 1 < len(value) and value[i] != value[i + 1]:
                swapped = [*value[:i], value[i + 1], value[i], *value[i + 2 :]]
                yield path, f"swap [{i}] [{i + 1}]", swapped, -1
        for i, item in enumerate(value):
            yield from tree_changes(item, (*path, i), cbor)


# --- one seed ---------------------------------------------------------------------------------


class Model:
    """A seed's bundle decoded down to every layer, and the sites in it."""

    def __init__(self, seed: Seed) -> None:
        self.seed = seed
        self.cbor = seed.cbor
        self.doc: dict[str, Any] = (
            plain(decode_cbor(seed.data, max_size=1 << 26, max_items=1 << 16))
            if self.cbor
            else parse_json(seed.data)  # type: ignore[assignment]
        )
        proofs = [self.text(e["tlogProof"]) for e in self.doc["entries"]]
        self.heads = [p.partition("\n\n")[0] for p in proofs]
        self.note = proofs[0].partition("\n\n")[2]
        text, _, block = self.note.rpartition("\n\n")
        self.note_text = text + "\n"
        self.note_lines = block.rstrip("\n").split("\n")
        names = {lg.verifier.name for lg in seed.policy.logs}
        witnesses = {w.verifier.name for w in seed.policy.witnesses}
        self.line_expect: list[frozenset[str] | None] = []
        for line in self.note_lines:
            name = line[2:].partition(" ")[0]
            if name in names:
                self.line_expect.append(frozenset({CHECKPOINT}))
            elif name in witnesses:
                self.line_expect.append(frozenset({CHECKPOINT, WITNESSES}))
            else:
                self.line_expect.append(None)  # a line the verifier ignores

    # encodings of the layers

    def text(self, value: Any) -> str:
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    def blob(self, raw: bytes) -> Any:
        return raw if self.cbor else base64.b64encode(raw).decode("ascii")

    def unblob(self, value: Any) -> bytes:
        return value if isinstance(value, bytes) else base64.b64decode(value)

    def proof_value(self, text: str) -> Any:
        return text.encode("utf-8") if self.cbor else text

    def encode(self, doc: Any) -> bytes:
        if self.cbor:
            return encode_deterministic(doc)
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    def encode_dup(self, path: tuple[Any, ...], key: str) -> bytes:
        """The bundle with member ``key`` of the map at ``path`` given twice."""
        marker = "zz-duplicate-member-zz"
        target = get(self.doc, path)
        doc = put(self.doc, path, {**target, marker: target[key]})
        if self.cbor:
            enc = encode_deterministic
            return enc(doc).replace(enc(marker), enc(key), 1)
        return self.encode(doc).replace(f'"{marker}"'.encode(), json.dumps(key).encode(), 1)

    def with_note(self, note: str) -> dict[str, Any]:
        entries = [
            {**e, "tlogProof": self.proof_value(head + "\n\n" + note)}
            for e, head in zip(self.doc["entries"], self.heads, strict=True)
        ]
        return {**self.doc, "entries": entries}

    # sites

    def site(
        self,
        where: str,
        kind: str,
        expect: Sequence[str],
        build: Callable[[random.Random | None], bytes],
    ) -> Site:
        return Site(self.seed, where, kind, frozenset(expect), build)

    def sites(self) -> list[Site]:
        out: list[Site] = []
        out += self._bundle_sites()
        out += self._credential_sites()
        for i in range(len(self.doc["entries"])):
            out += self._entry_sites(i)
            out += self._proof_sites(i)
        out += self._checkpoint_sites()
        out += self._evidence_sites()
        out += self._status_sites()
        return out

    def _generic(
        self,
        root: tuple[Any, ...],
        expect: Callable[[tuple[Any, ...], str], Sequence[str] | None],
        value: Any | None = None,
        wrap: Callable[[Any], Any] | None = None,
    ) -> list[Site]:
        """Tree changes under ``root``; ``wrap`` re-encodes a changed sub-document (a COSE
        payload, a log entry) into the value stored at ``root``."""
        base = get(self.doc, root) if value is None else value
        out = []
        for path, kind, new, n in tree_changes(base, (), self.cbor):

            def build(
                rng: random.Random | None,
                path: tuple[Any, ...] = path,
                new: Any = new,
                n: int = n,
            ) -> bytes:
                if rng is not None and n >= 0:
                    new = _other(get(base, path), rng, self.cbor)[n][1]
                changed = put(base, path, new)
                return self.encode(put(self.doc, root, wrap(changed) if wrap else changed))

            steps = expect(path, kind)
            if steps is not None:
                out.append(self.site(show(root + path), kind, steps, build))
        return out

    def _bundle_sites(self) -> list[Site]:
        skip = {"credential", "entries", "evidenceData", "statusList"}

        def expect(path: tuple[Any, ...], kind: str) -> Sequence[str] | None:
            if path == ("log", "verifierKey") and kind == "replace":
                return [CHECKPOINT]  # must be the key the policy trusts for the origin
            if path == ("log", "origin") and kind == "replace":
                return [CHECKPOINT]
            if path == () and kind == "remove evidenceData":
                return None  # embedded evidence is optional
            if path == () and kind == "remove statusList":
                return [STATUS]
            return [FORMAT]

        top = {k: v for k, v in self.doc.items() if k not in skip}
        kept = {k: v for k, v in self.doc.items() if k in skip}
        out = []
        for path, kind, new, _ in tree_changes(top, (), self.cbor):
            steps = expect(path, kind)
            if steps is None:
                continue
            if path == () and isinstance(new, dict):
                new = {**new, **kept}
            data = self.encode(put(self.doc, path, new))
            out.append(self.site(show(path), kind, steps, _const(data)))
        for key in skip & set(self.doc):
            steps = expect((), f"remove {key}")
            if steps is not None:
                doc = {k: v for k, v in self.doc.items() if k != key}
                out.append(self.site(".", f"remove {key}", steps, _const(self.encode(doc))))
        for key in self.doc:
            out.append(
                self.site(
                    ".", f"duplicate member {key}", [FORMAT], _const(self.encode_dup((), key))
                )
            )
        for key in self.doc["log"]:
            out.append(
                self.site(
                    ".log",
                    f"duplicate member {key}",
                    [FORMAT],
                    _const(self.encode_dup(("log",), key)),
                )
            )
        return out

    def _credential_sites(self) -> list[Site]:
        if not self.cbor:
            out = self._generic(
                ("credential",),
                lambda path, kind: [FORMAT] if path == () and kind == "retype" else [SIGNATURE],
            )
            proof = self.doc["credential"]["proof"]
            signature = multibase.decode(proof["proofValue"], multibase.BASE58BTC)
            for n in range(len(signature)):

                def build(rng: random.Random | None, n: int = n) -> bytes:
                    sig = flips(signature, rng)[0] if rng else flips(signature, None)[n]
                    value = multibase.encode(sig, multibase.BASE58BTC)
                    return self.encode(put(self.doc, ("credential", "proof", "proofValue"), value))

                out.append(
                    self.site(".credential.proof.proofValue", f"flip byte {n}", [SIGNATURE], build)
                )
            for key in self.doc["credential"]:
                data = self.encode_dup(("credential",), key)
                out.append(
                    self.site(".credential", f"duplicate member {key}", [FORMAT], _const(data))
                )
            return out
        tagged = decode_cbor(self.doc["credential"], allowed_tags=frozenset({18}))
        assert isinstance(tagged, CBORTag)
        protected_bytes, unprotected, payload, signature = plain(tagged.value)
        protected = plain(decode_cbor(protected_bytes))
        body = plain(decode_cbor(payload))

        def cose(prot: bytes, unprot: Any, pay: bytes, sig: bytes, tag: int | None = 18) -> bytes:
            item = [prot, unprot, pay, sig]
            return encode_deterministic(item if tag is None else CBORTag(tag, item))

        sig_only = [SIGNATURE]
        out = []
        # the payload: every claim
        out += self._generic(
            ("credential",),
            lambda path, kind: sig_only,
            value=body,
            wrap=lambda new: cose(
                protected_bytes, unprotected, encode_deterministic(new), signature
            ),
        )
        # the protected header
        out += self._generic(
            ("credential",),
            lambda path, kind: sig_only,
            value=protected,
            wrap=lambda new: cose(encode_deterministic(new), unprotected, payload, signature),
        )
        # the signature, the payload's bytes, the tag and the unprotected header
        for n in range(len(signature)):

            def build(rng: random.Random | None, n: int = n) -> bytes:
                sig = flips(signature, rng)[0] if rng else flips(signature, None)[n]
                return self.encode(
                    put(self.doc, ("credential",), cose(protected_bytes, unprotected, payload, sig))
                )

            out.append(self.site(".credential[signature]", f"flip byte {n}", sig_only, build))
        for n, pay in enumerate(flips(payload, None, 8)):

            def build_payload(rng: random.Random | None, pay: bytes = pay) -> bytes:
                new = flips(payload, rng)[0] if rng else pay
                return self.encode(
                    put(
                        self.doc,
                        ("credential",),
                        cose(protected_bytes, unprotected, new, signature),
                    )
                )

            out.append(self.site(".credential[payload]", f"flip {n}", sig_only, build_payload))
        variants = {
            "untagged": cose(protected_bytes, unprotected, payload, signature, None),
            "tag 98": cose(protected_bytes, unprotected, payload, signature, 98),
            "alg in unprotected": cose(
                protected_bytes, {**unprotected, 1: -19}, payload, signature
            ),
            "alg only unprotected": cose(
                encode_deterministic({k: v for k, v in protected.items() if k != 1}),
                {**unprotected, 1: -19},
                payload,
                signature,
            ),
            "kid in both headers": cose(
                protected_bytes, {**unprotected, 4: protected[4]}, payload, signature
            ),
            "the other Ed25519 alg label": cose(
                encode_deterministic({**protected, 1: -19 if protected[1] == -8 else -8}),
                unprotected,
                payload,
                signature,
            ),
            "detached payload": cose(protected_bytes, unprotected, None, signature),  # type: ignore[arg-type]
        }
        # not signed, but the log recorded these exact bytes (specs/credential.md §4)
        extra = cose(protected_bytes, {**unprotected, "note": "x"}, payload, signature)
        data = self.encode(put(self.doc, ("credential",), extra))
        out.append(
            self.site(".credential", "unprotected label", ["inclusion.credential"], _const(data))
        )
        for kind, value in variants.items():
            out.append(
                self.site(
                    ".credential",
                    kind,
                    sig_only,
                    _const(self.encode(put(self.doc, ("credential",), value))),
                )
            )
        return out

    def _entry_sites(self, i: int) -> list[Site]:
        proven = "inclusion.credential" if i == 0 else "inclusion.evidence"
        raw = self.unblob(self.doc["entries"][i]["entry"])
        record = plain(decode_cbor(raw))
        root = ("entries", i, "entry")
        out = self._generic(
            root,
            lambda path, kind: [FORMAT, proven],
            value=record,
            wrap=lambda new: self.blob(encode_deterministic(new)),
        )
        for n in range(32):

            def build(rng: random.Random | None, n: int = n) -> bytes:
                sha = flips(record["sha256"], rng)[0] if rng else flips(record["sha256"], None)[n]
                return self.encode(
                    put(self.doc, root, self.blob(encode_deterministic({**record, "sha256": sha})))
                )

            out.append(self.site(show(root) + ".sha256", f"flip byte {n}", [proven], build))
        for n, flipped in enumerate(flips(raw, None, 6)):

            def build_raw(rng: random.Random | None, flipped: bytes = flipped) -> bytes:
                return self.encode(
                    put(self.doc, root, self.blob(flips(raw, rng)[0] if rng else flipped))
                )

            out.append(self.site(show(root), f"flip raw {n}", [FORMAT, proven], build_raw))
        item = self.doc["entries"][i]
        for key in item:
            smaller = {k: v for k, v in item.items() if k != key}
            data = self.encode(put(self.doc, ("entries", i), smaller))
            out.append(self.site(show(("entries", i)), f"remove {key}", [FORMAT], _const(data)))
        data = self.encode(put(self.doc, ("entries", i), {**item, "x": 1}))
        out.append(self.site(show(("entries", i)), "add member", [FORMAT], _const(data)))
        role = ("entries", i, "role")
        out.append(
            self.site(
                show(("entries", i)),
                "duplicate member role",
                [FORMAT],
                _const(self.encode_dup(("entries", i), "role")),
            )
        )
        for kind, new in _other(self.doc["entries"][i]["role"], None, self.cbor):
            out.append(
                self.site(show(role), kind, [FORMAT], _const(self.encode(put(self.doc, role, new))))
            )
        out.append(
            self.site(
                show(role),
                "swap role",
                [FORMAT],
                _const(self.encode(put(self.doc, role, "evidence" if i == 0 else "credential"))),
            )
        )
        entries = self.doc["entries"]
        for kind, new in (
            (f"remove entry {i}", entries[:i] + entries[i + 1 :]),
            (f"duplicate entry {i}", entries[: i + 1] + entries[i:]),
        ):
            steps = [FORMAT] if i == 0 or kind.startswith("duplicate") else ["inclusion.evidence"]
            out.append(
                self.site(
                    ".entries", kind, steps, _const(self.encode({**self.doc, "entries": new}))
                )
            )
        if i > 0:
            swapped = [entries[i], *entries[1:i], entries[0], *entries[i + 1 :]]
            out.append(
                self.site(
                    ".entries",
                    f"swap entries 0 {i}",
                    [FORMAT],
                    _const(self.encode({**self.doc, "entries": swapped})),
                )
            )
        return out

    def _proof_sites(self, i: int) -> list[Site]:
        proven = "inclusion.credential" if i == 0 else "inclusion.evidence"
        head = self.heads[i].split("\n")
        path = ("entries", i, "tlogProof")
        index_at = next(n for n, line in enumerate(head) if line.startswith("index "))
        index = int(head[index_at][6:])
        hashes = head[index_at + 1 :]

        def proof_with(lines: list[str]) -> bytes:
            return self.encode(
                put(self.doc, path, self.proof_value("\n".join(lines) + "\n\n" + self.note))
            )

        out = []
        others = [int(h.split("\n")[1][6:]) for n, h in enumerate(self.heads) if n != i]
        for new in sorted({index + 1, max(index - 1, 0), index + 2**40} - {index}):
            steps = [FORMAT, proven] if new in others else [proven]
            lines = [*head[:index_at], f"index {new}", *hashes]
            out.append(
                self.site(show(path), f"index {index} -> {new}", steps, _const(proof_with(lines)))
            )
        out.append(
            self.site(
                show(path),
                "header",
                [FORMAT],
                _const(proof_with(["c2sp.org/tlog-proof@v2", *head[1:]])),
            )
        )
        for h, line in enumerate(hashes):
            raw = base64.b64decode(line)
            for n in range(len(raw)):

                def build(
                    rng: random.Random | None, h: int = h, n: int = n, raw: bytes = raw
                ) -> bytes:
                    new = flips(raw, rng)[0] if rng else flips(raw, None)[n]
                    lines = list(head)
                    lines[index_at + 1 + h] = base64.b64encode(new).decode()
                    return proof_with(lines)

                out.append(self.site(show(path) + f"[hash {h}]", f"flip byte {n}", [proven], build))
            rest = head[: index_at + 1 + h] + head[index_at + 2 + h :]
            out.append(
                self.site(show(path) + f"[hash {h}]", "remove", [proven], _const(proof_with(rest)))
            )
            dup = head[: index_at + 2 + h] + head[index_at + 1 + h :]
            out.append(
                self.site(
                    show(path) + f"[hash {h}]",
                    "duplicate",
                    [FORMAT, proven],
                    _const(proof_with(dup)),
                )
            )
            if h + 1 < len(hashes) and hashes[h] != hashes[h + 1]:
                sw = list(head)
                sw[index_at + 1 + h], sw[index_at + 2 + h] = (
                    sw[index_at + 2 + h],
                    sw[index_at + 1 + h],
                )
                out.append(
                    self.site(
                        show(path) + f"[hash {h}]",
                        "swap with next",
                        [proven],
                        _const(proof_with(sw)),
                    )
                )
        # the proof of another entry (index and hashes), replayed for this one, and back
        for j in range(len(self.heads)):
            if j == i:
                continue
            entries = list(self.doc["entries"])
            entries[i] = {**entries[i], "tlogProof": self.doc["entries"][j]["tlogProof"]}
            entries[j] = {**entries[j], "tlogProof": self.doc["entries"][i]["tlogProof"]}
            steps = sorted({proven, "inclusion.credential" if j == 0 else "inclusion.evidence"})
            out.append(
                self.site(
                    ".entries",
                    f"swap proofs {i} {j}",
                    [FORMAT, *steps],
                    _const(self.encode({**self.doc, "entries": entries})),
                )
            )
        # this proof alone leads to another checkpoint
        changed = self.note.replace(self.note_text, self.note_text + "x\n", 1)
        lines = "\n".join(head) + "\n\n" + changed
        out.append(
            self.site(
                show(path),
                "checkpoint of this proof only",
                [FORMAT],
                _const(self.encode(put(self.doc, path, self.proof_value(lines)))),
            )
        )
        return out

    def _checkpoint_sites(self) -> list[Site]:
        text_lines = self.note_text.rstrip("\n").split("\n")
        sigs = self.note_lines
        where = ".entries[*].tlogProof[checkpoint]"

        def note_with(text: list[str], lines: list[str]) -> bytes:
            return self.encode(self.with_note("\n".join(text) + "\n\n" + "\n".join(lines) + "\n"))

        out = []
        cp = [CHECKPOINT]
        origin, size, root = text_lines[:3]
        variants: list[tuple[str, list[str]]] = [
            ("origin", [origin[:-1] + chr(ord(origin[-1]) ^ 1), *text_lines[1:]]),
            ("size + 1", [origin, str(int(size) + 1), *text_lines[2:]]),
            ("size - 1", [origin, str(int(size) - 1), *text_lines[2:]]),
            ("extension line", [*text_lines, "extension"]),
            ("no root line", [origin, size, *text_lines[3:]]),
        ]
        for kind, text in variants:
            out.append(
                self.site(
                    where,
                    kind,
                    [FORMAT, CHECKPOINT] if kind == "no root line" else cp,
                    _const(note_with(text, sigs)),
                )
            )
        raw_root = base64.b64decode(root)
        for n in range(len(raw_root)):

            def build_root(rng: random.Random | None, n: int = n) -> bytes:
                new = flips(raw_root, rng)[0] if rng else flips(raw_root, None)[n]
                return note_with(
                    [origin, size, base64.b64encode(new).decode(), *text_lines[3:]], sigs
                )

            out.append(self.site(where + "[root]", f"flip byte {n}", cp, build_root))
        for s, (line, expect) in enumerate(zip(sigs, self.line_expect, strict=True)):
            if expect is None:
                continue
            name, _, encoded = line[2:].partition(" ")
            blob = base64.b64decode(encoded)
            for n in range(len(blob)):

                def build_sig(
                    rng: random.Random | None,
                    s: int = s,
                    n: int = n,
                    blob: bytes = blob,
                    name: str = name,
                ) -> bytes:
                    new = flips(blob, rng)[0] if rng else flips(blob, None)[n]
                    lines = list(sigs)
                    lines[s] = f"— {name} {base64.b64encode(new).decode()}"
                    return note_with(text_lines, lines)

                out.append(
                    self.site(where + f"[line {s}]", f"flip byte {n}", sorted(expect), build_sig)
                )
            rest = sigs[:s] + sigs[s + 1 :]
            if rest:
                out.append(
                    self.site(
                        where + f"[line {s}]",
                        "remove",
                        sorted(expect),
                        _const(note_with(text_lines, rest)),
                    )
                )
            renamed = list(sigs)
            renamed[s] = f"— {name[:-1]}{chr(ord(name[-1]) ^ 1)} {encoded}"
            out.append(
                self.site(
                    where + f"[line {s}]",
                    "key name",
                    sorted(expect),
                    _const(note_with(text_lines, renamed)),
                )
            )
        return out

    def _evidence_sites(self) -> list[Site]:
        items = self.doc.get("evidenceData")
        if not items:
            return []
        out = []
        for i, item in enumerate(items):
            path = ("evidenceData", i)
            digest = item["digest"]
            for n in (7, 20, 40, 70):
                c = "0" if digest[n] != "0" else "1"
                new = put(self.doc, (*path, "digest"), digest[:n] + c + digest[n + 1 :])
                out.append(
                    self.site(
                        show(path) + ".digest",
                        f"hex digit {n}",
                        [EVIDENCE_BYTES],
                        _const(self.encode(new)),
                    )
                )
            for kind, value in _other(digest, None, self.cbor):
                out.append(
                    self.site(
                        show(path) + ".digest",
                        kind,
                        [FORMAT, EVIDENCE_BYTES],
                        _const(self.encode(put(self.doc, (*path, "digest"), value))),
                    )
                )
            data = self.unblob(item["data"])
            for n, flipped in enumerate(flips(data, None, 4)):

                def build(
                    rng: random.Random | None,
                    flipped: bytes = flipped,
                    path: tuple[Any, ...] = path,
                    data: bytes = data,
                ) -> bytes:
                    new = flips(data, rng)[0] if rng else flipped
                    return self.encode(put(self.doc, (*path, "data"), self.blob(new)))

                out.append(self.site(show(path) + ".data", f"flip {n}", [EVIDENCE_BYTES], build))
            for kind, new in (("truncate", data[:-1]), ("extend", data + b"\n")):
                out.append(
                    self.site(
                        show(path) + ".data",
                        kind,
                        [EVIDENCE_BYTES],
                        _const(self.encode(put(self.doc, (*path, "data"), self.blob(new)))),
                    )
                )
            dup = items[: i + 1] + items[i:]
            out.append(
                self.site(
                    ".evidenceData",
                    f"duplicate [{i}]",
                    [FORMAT],
                    _const(self.encode({**self.doc, "evidenceData": dup})),
                )
            )
            out.append(
                self.site(
                    show(path),
                    "remove digest",
                    [FORMAT],
                    _const(self.encode(put(self.doc, path, {"data": item["data"]}))),
                )
            )
            out.append(
                self.site(
                    show(path),
                    "add member",
                    [FORMAT],
                    _const(self.encode(put(self.doc, path, {**item, "x": 1}))),
                )
            )
        return out

    def _status_sites(self) -> list[Site]:
        if "statusList" not in self.doc:
            return []
        return self._generic(
            ("statusList",),
            lambda path, kind: [FORMAT] if path == () and kind == "retype" else [STATUS],
        )


def _const(data: bytes) -> Callable[[random.Random | None], bytes]:
    return lambda rng: data


def all_sites(seeds: Sequence[Seed] | None = None) -> list[Site]:
    return [site for seed in (seeds or load_seeds()) for site in Model(seed).sites()]


__all__ = [
    "STEPS",
    "Model",
    "Mutant",
    "Seed",
    "Site",
    "all_sites",
    "copy",
    "first_failure",
    "load_seeds",
]
