"""Property-based fuzzing of every parser a verifier feeds with a stranger's bytes: only the
library's own error (:class:`AttestError`) may escape, whatever the input.

Each parser gets arbitrary bytes and, more usefully, structured input: valid documents from
test_vectors/ with one part replaced by an arbitrary value (``hostile``), or documents
assembled from arbitrary parts of the right kind. The verifier itself gets bundles built
that way and must return a decision. The signed-garbage tests go one step further: the
trusted issuer's key (the verify vectors' fixed seed) signs arbitrary claims, so the code
after the signature check (dates, statuses, evidence, thresholds, expiry) is fuzzed too.

The atheris harnesses (bench/fuzz_*.py) fuzz the same parsers for longer, coverage-guided;
tests/test_corpus.py replays what they found.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, assume, given, settings

from attest.codec import canonical, cbor, multibase
from attest.codec.canonical import canonicalize
from attest.codec.cbor import CBORTag, decode_cbor, encode_deterministic
from attest.codec.dates import parse_datetime_stamp
from attest.errors import AttestError
from attest.evaluation.bundle import parse_bundle
from attest.evaluation.credential import credential_digest
from attest.evaluation.inspection import describe
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.keys.keyfile import parse_key_file
from attest.tlog import checkpoint, cosignature, note
from attest.tlog import proof as tlog_proof
from attest.tlog.entry import LogEntry
from attest.vc import cose, data_integrity
from attest.vc.status_list import StatusEntry, check_status, decode_list
from attest.verifier.pipeline import verify
from attest.verifier.policy import parse_policy
from attest.verifier.state import VerifierState

from . import vectors

#: Examples per property; ATTEST_FUZZ_EXAMPLES=5000 for a long run.
EXAMPLES = int(os.environ.get("ATTEST_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
CASES = vectors.load_json("verify/cases.json")
BASE = next(c for c in CASES["cases"] if c["id"] == "accept-json")
POLICY_TEXT = vectors.load_bytes(f"verify/{BASE['policy']}")
POLICY = parse_policy(POLICY_TEXT)
NOW = parse_datetime_stamp(BASE["now"])
STATUS = [canonical.parse_json(vectors.load_bytes(f"verify/{s}")) for s in BASE["statusLists"]]
ISSUER = PrivateKey(bytes.fromhex(CASES["keys"]["evaluator-a"]["seed_hex"]))
JSON_BUNDLE = vectors.load_bytes("verify/bundles/base.json")
CBOR_BUNDLE = vectors.load_bytes("verify/bundles/base.cbor")
JSON_DOC = json.loads(JSON_BUNDLE)
CBOR_DOC = dict(decode_cbor(CBOR_BUNDLE, max_size=1 << 26, max_items=1 << 16))  # type: ignore[call-overload]
NOTE = parse_bundle(JSON_BUNDLE).checkpoint
PROOF = parse_bundle(JSON_BUNDLE).entries[0].proof.encode()
ENTRY = parse_bundle(JSON_BUNDLE).entries[0].entry
COSE = parse_bundle(CBOR_BUNDLE).credential
assert isinstance(COSE, bytes)
LOG = POLICY.logs[0].verifier
WITNESSES = [w.verifier for w in POLICY.witnesses]


def only_attest_errors(fn: Callable[[], object]) -> None:
    with contextlib.suppress(AttestError):
        fn()


# --- strategies -----------------------------------------------------------------------------------

TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)) | st.sampled_from('\n\x00 +—=/\\"{}[]:,'),
    max_size=40,
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
CBOR_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64 - 1)
    | st.floats()
    | TEXT
    | st.binary(max_size=40)
)
CBOR_VALUES = st.recursive(
    CBOR_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.integers(-30, 30) | TEXT, inner, max_size=4)
        | st.builds(CBORTag, st.sampled_from([0, 1, 2, 18, 24, 55799]), inner)
    ),
    max_leaves=12,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _put(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.copy(tree)
    out[path[0]] = _put(tree[path[0]], path[1:], value)
    return out


@st.composite
def hostile(draw: st.DrawFn, doc: Any, values: st.SearchStrategy[Any] = JSON_VALUES) -> Any:
    """``doc`` with one to three nodes replaced by arbitrary values (or removed)."""
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        if path and draw(st.booleans()) and isinstance(_get(doc, path[:-1]), dict):
            parent = dict(_get(doc, path[:-1]))
            parent.pop(path[-1])
            doc = _put(doc, path[:-1], parent)
        else:
            doc = _put(doc, path, draw(values))
    return doc


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        tree = tree[p]
    return tree


@st.composite
def byte_edits(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few bytes changed, inserted or deleted."""
    b = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(len(b) - 1, 0)))
        op = draw(st.sampled_from(["set", "insert", "delete"]))
        if op == "set" and b:
            b[i] = draw(st.integers(0, 255))
        elif op == "insert":
            b[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif b:
            del b[i : i + draw(st.integers(1, 8))]
    return bytes(b)


# --- JSON, CBOR -----------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=300) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_json(data: bytes) -> None:
    only_attest_errors(lambda: canonicalize(canonical.parse_json(data)))


@FUZZ
@given(st.binary(max_size=300) | CBOR_VALUES.map(encode_deterministic) | byte_edits(ENTRY))
def test_cbor(data: bytes) -> None:
    tags = frozenset({0, 1, 18})
    only_attest_errors(lambda: encode_deterministic(decode_cbor(data, allowed_tags=tags)))
    only_attest_errors(lambda: decode_cbor(data, require_deterministic=True))
    only_attest_errors(lambda: cbor.peek_tag(data))


# --- bundles and the verifier ---------------------------------------------------------------------


def _decide(data: bytes) -> None:
    """Parse errors must be AttestErrors; verify must always return a decision, and accept
    nothing but the seed's own credential."""
    try:
        b = parse_bundle(data)
        describe(b)
    except AttestError:
        b = None
    d = verify([data], POLICY, now=NOW, status_lists=STATUS)
    d.to_json()
    if d.accepted:
        assert b is not None
        assert credential_digest(b.credential) in {
            credential_digest(parse_bundle(JSON_BUNDLE).credential),
            credential_digest(parse_bundle(CBOR_BUNDLE).credential),
        }


@FUZZ
@given(hostile(JSON_DOC))
def test_json_bundle(doc: Any) -> None:
    _decide(json.dumps(doc).encode())


@FUZZ
@given(hostile(CBOR_DOC, CBOR_VALUES))
def test_cbor_bundle(doc: Any) -> None:
    try:
        data = encode_deterministic(doc)
    except AttestError:
        return
    _decide(data)


@FUZZ
@given(byte_edits(JSON_BUNDLE) | byte_edits(CBOR_BUNDLE) | st.binary(max_size=200))
def test_bundle_bytes(data: bytes) -> None:
    _decide(data)


# --- notes, checkpoints, tlog-proofs --------------------------------------------------------------

LINE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
B64 = st.binary(max_size=80).map(lambda b: base64.b64encode(b).decode())


@st.composite
def notes(draw: st.DrawFn) -> bytes:
    text = "".join(line + "\n" for line in draw(st.lists(LINE, min_size=1, max_size=5)))
    names = st.sampled_from([LOG.name, *(w.name for w in WITNESSES)]) | LINE
    sigs = draw(st.lists(st.tuples(names, B64), min_size=0, max_size=4))
    return (text + "\n" + "".join(f"— {n} {s}\n" for n, s in sigs)).encode()


NOTES = notes() | byte_edits(NOTE) | st.binary(max_size=200)


@FUZZ
@given(NOTES)
def test_note_and_checkpoint(data: bytes) -> None:
    only_attest_errors(lambda: note.parse(data))
    only_attest_errors(lambda: note.open(data, [LOG, *WITNESSES]))
    only_attest_errors(lambda: checkpoint.parse_checkpoint(data))
    only_attest_errors(
        lambda: checkpoint.open_checkpoint(data, LOG, witnesses=WITNESSES, origin=LOG.name)
    )


@st.composite
def checkpoint_texts(draw: st.DrawFn) -> bytes:
    size = draw(st.integers(-5, 2**64).map(str) | LINE)
    root = draw(B64 | LINE)
    lines = [draw(LINE), size, root, *draw(st.lists(LINE, max_size=2))]
    return "".join(line + "\n" for line in lines).encode()


@FUZZ
@given(checkpoint_texts())
def test_checkpoint_text(data: bytes) -> None:
    only_attest_errors(lambda: checkpoint.parse_checkpoint(data))


@st.composite
def tlog_proofs(draw: st.DrawFn) -> bytes:
    head = [draw(st.sampled_from([tlog_proof.HEADER, "c2sp.org/tlog-proof@v2"]) | LINE)]
    if draw(st.booleans()):
        head.append("extra " + draw(B64 | LINE))
    head.append("index " + draw(st.integers(-1, 2**64).map(str) | LINE))
    head += draw(
        st.lists(
            B64 | st.binary(min_size=32, max_size=32).map(lambda b: base64.b64encode(b).decode()),
            max_size=5,
        )
    )
    return ("\n".join(head) + "\n\n").encode() + draw(NOTES)


@FUZZ
@given(tlog_proofs() | byte_edits(PROOF))
def test_tlog_proof(data: bytes) -> None:
    def check() -> None:
        proof = tlog_proof.parse_tlog_proof(data)
        tlog_proof.verify_tlog_proof(proof, bytes(32), LOG, witnesses=WITNESSES, origin=LOG.name)

    only_attest_errors(check)


@FUZZ
@given(LINE | st.builds(lambda a, b, c: f"{a}+{b}+{c}", LINE, LINE, B64))
def test_verifier_keys(text: str) -> None:
    for parse in (
        note.parse_verifier_key,
        note.parse_private_key,
        checkpoint.parse_verifier_key,
        cosignature.parse_verifier_key,
        did_key.decode_did_key,
    ):
        only_attest_errors(lambda p=parse: p(text))  # type: ignore[misc]
    only_attest_errors(lambda: multibase.decode(text))
    only_attest_errors(lambda: parse_datetime_stamp(text))


# --- COSE and log entries -------------------------------------------------------------------------


@st.composite
def cose_messages(draw: st.DrawFn) -> bytes:
    protected = draw(
        st.dictionaries(
            st.sampled_from([1, 2, 3, 4, 15, 33]) | st.integers(-5, 50), CBOR_VALUES, max_size=4
        )
        | CBOR_VALUES
    )
    try:
        protected_bytes = encode_deterministic(protected)
    except AttestError:
        protected_bytes = b""
    body = [
        draw(st.just(protected_bytes) | st.binary(max_size=20)),
        draw(st.dictionaries(st.integers(-5, 40), CBOR_VALUES, max_size=3) | CBOR_VALUES),
        draw(st.binary(max_size=60) | st.none() | CBOR_VALUES),
        draw(st.binary(min_size=64, max_size=64) | CBOR_VALUES),
    ]
    try:
        return encode_deterministic(CBORTag(draw(st.sampled_from([18, 98, 17])), body))
    except AttestError:
        return b"\xd2\x80"


@FUZZ
@given(cose_messages() | byte_edits(COSE))
def test_cose(data: bytes) -> None:
    from attest.evaluation.credential import open_credential

    key = POLICY.issuers[0].public_key
    only_attest_errors(lambda: cose.verify(data, key, allow_untagged=True))
    only_attest_errors(lambda: open_credential(data))


ENTRY_FIELDS = st.sampled_from(["v", "kind", "sha256", "size", "type", "time", "name", "x"])


@FUZZ
@given(
    st.dictionaries(ENTRY_FIELDS, CBOR_VALUES, max_size=8)
    | hostile(dict(decode_cbor(ENTRY)), CBOR_VALUES)
)  # type: ignore[call-overload]
def test_log_entry(record: Any) -> None:
    try:
        data = encode_deterministic(record)
    except AttestError:
        return
    only_attest_errors(lambda: LogEntry.decode(data).encode())


# --- policies, key files, state -------------------------------------------------------------------

POLICY_DOC = __import__("tomllib").loads(POLICY_TEXT.decode())


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if value == value and abs(value) != float("inf") else "nan"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
        )
    if value is None:
        return '""'
    return json.dumps(str(value))


def policy_text(doc: Any) -> bytes:
    if not isinstance(doc, dict):
        return _toml(doc).encode()
    lines = []
    for k, v in doc.items():
        if isinstance(v, list) and v and all(isinstance(i, dict) for i in v):
            for item in v:
                lines.append(f"[[{k}]]")
                lines += [f"{json.dumps(str(kk))} = {_toml(vv)}" for kk, vv in item.items()]
        elif isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{json.dumps(str(kk))} = {_toml(vv)}" for kk, vv in v.items()]
        else:
            lines.insert(0, f"{json.dumps(str(k))} = {_toml(v)}")
    return "\n".join(lines).encode()


@FUZZ
@given(hostile(POLICY_DOC).map(policy_text) | byte_edits(POLICY_TEXT) | st.binary(max_size=200))
def test_policy(data: bytes) -> None:
    only_attest_errors(lambda: parse_policy(data))


KEY_FILE = vectors.load_json("keys/keyfile.json")["valid"][0]["file"]
PEM = vectors.load_bytes("keys/openssl/ed25519.pem")


@FUZZ
@given(
    hostile(json.loads(KEY_FILE)).map(lambda d: json.dumps(d).encode())
    | byte_edits(KEY_FILE.encode())
    | byte_edits(PEM)
    | st.binary(max_size=200)
)
def test_key_files(data: bytes) -> None:
    def parse() -> None:
        key = parse_key_file(data, name="example.com/evaluator")
        key.unlock("wrong passphrase") if key.encrypted else key.unlock()

    only_attest_errors(parse)


STATE = vectors.load_bytes("verify/state/final.json")


@FUZZ
@given(hostile(json.loads(STATE)).map(lambda d: json.dumps(d).encode()) | byte_edits(STATE))
def test_state(data: bytes) -> None:
    only_attest_errors(lambda: VerifierState.from_json(data).to_json())


# --- status lists ---------------------------------------------------------------------------------

ENTRY_JSON = StatusEntry("revocation", 4242, "https://status.example/evaluator-a/revocation")


@FUZZ
@given(hostile(STATUS[0]), st.booleans())
def test_status_list(doc: Any, resign: bool) -> None:
    """Arbitrary status list credentials, unsigned or signed by the credential's issuer."""
    if resign and isinstance(doc, dict):
        unsigned = {k: v for k, v in doc.items() if k != "proof"}
        try:
            doc = data_integrity.add_proof(unsigned, ISSUER, data_integrity.ProofOptions())
        except AttestError:
            return
    issuer = CASES["keys"]["evaluator-a"]["did"]
    only_attest_errors(
        lambda: check_status(ENTRY_JSON, doc, issuer=issuer, now=NOW, max_age=timedelta(days=1))
    )


@FUZZ
@given(
    JSON_VALUES
    | TEXT.map(lambda t: "u" + t)
    | st.binary(max_size=100).map(lambda b: "u" + multibase.b64url_encode(b))
)
def test_status_entries_and_encoded_lists(value: Any) -> None:
    only_attest_errors(lambda: decode_list(value))
    only_attest_errors(lambda: StatusEntry.from_json(value))
    only_attest_errors(
        lambda: StatusEntry.from_json({**ENTRY_JSON.to_json(), "statusListIndex": value})
    )


# --- pacts and results (an issuer's inputs, read by the same strict readers) ----------------------


@FUZZ
@given(st.binary(max_size=200) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_pact_and_results(data: bytes) -> None:
    only_attest_errors(lambda: parse_pact(data))
    only_attest_errors(lambda: parse_results(data))


# --- signed garbage: the trusted issuer signs arbitrary claims ------------------------------------


@settings(FUZZ, max_examples=EXAMPLES * 4 // 5)
@given(hostile({k: v for k, v in JSON_DOC["credential"].items() if k != "proof"}))
def test_signed_garbage_json(claims: Any) -> None:
    """Whatever the issuer signs, the verifier decides; and since the log recorded the
    original credential, only that one (re-signed identically) can be accepted."""
    assume(isinstance(claims, dict))
    try:
        signed = data_integrity.add_proof(
            claims, ISSUER, data_integrity.ProofOptions(created="2026-11-25T12:00:00Z")
        )
    except AttestError:
        return
    data = json.dumps({**JSON_DOC, "credential": signed}).encode()
    d = verify([data], POLICY, now=NOW, status_lists=STATUS)
    d.to_json()
    if d.accepted:
        original = {k: v for k, v in JSON_DOC["credential"].items() if k != "proof"}
        assert canonicalize(claims) == canonicalize(original)


@settings(FUZZ, max_examples=EXAMPLES // 2)
@given(st.data())
def test_signed_garbage_cose(data: st.DataObject) -> None:
    verified = cose.verify(COSE, ISSUER.public_key)
    payload = dict(decode_cbor(verified.payload))  # type: ignore[call-overload]
    claims = data.draw(hostile(json.loads(json.dumps(_plain(payload))), CBOR_VALUES))
    try:
        body = encode_deterministic(claims)
    except AttestError:
        return
    signed = cose.sign(
        ISSUER,
        body,
        kid=did_key.verification_method_id(ISSUER.public_key).encode(),
        content_type="application/vc",
        claims=verified.claims,
    )
    doc = {**CBOR_DOC, "credential": signed}
    d = verify([encode_deterministic(doc)], POLICY, now=NOW, status_lists=STATUS)
    d.to_json()
    if d.accepted:
        assert body == verified.payload


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
