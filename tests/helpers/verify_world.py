"""A fixed world for the verifier tests: keys from fixed seeds, a fixed clock, an evidence log,
status lists, two witnesses and bundles issued with :func:`attest.issue.issue`.

Everything is built once per test module (``build_world``) and is deterministic. The helpers
that change a bundle, a policy or a status list return new values; the world is never
mutated after it is built.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from attest.codec.cbor import CBORTag, decode_cbor
from attest.codec.dates import format_datetime_stamp
from attest.codec.digest import hash_bytes
from attest.evaluation.bundle import Bundle, LoggedEntry
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.issue import EvidenceFile, issue
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.store.log import Log
from attest.tlog import checkpoint
from attest.tlog.cosignature import CosignatureSigner
from attest.tlog.entry import LogEntry
from attest.tlog.note import Ed25519Signer
from attest.tlog.proof import TlogProof
from attest.vc import cose, data_integrity
from attest.vc.status_list import StatusEntry, new_list, status_list_credential, with_bit
from attest.verifier.policy import Policy, parse_policy


def seeded(label: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(label.encode()).digest())


ISSUER = seeded("attest verify test: evaluator A")
SECOND_ISSUER = seeded("attest verify test: evaluator B")
OTHER = seeded("attest verify test: not the issuer")
LOG_KEY = seeded("attest verify test: log")
OTHER_LOG_KEY = seeded("attest verify test: another log")
WITNESS_KEYS = (seeded("attest verify test: witness 1"), seeded("attest verify test: witness 2"))
WITNESS_NAMES = ("witness.example/w1", "witness.example/w2")

ORIGIN = "log.example/verify"
ISSUED = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
PERIOD_END = datetime(2026, 11, 20, 0, 0, 0, tzinfo=UTC)
VALID_FOR = timedelta(days=90)
COSIGNED_AT = int(datetime(2026, 11, 25, 13, 0, 0, tzinfo=UTC).timestamp())
SUBJECT = "did:web:agents.example:support-bot"
OTHER_SUBJECT = "did:web:agents.example:sales-bot"
PACT_ID = "urn:example:pact:support"
STATUS_BASE = "https://status.example/evaluator-a"
STATUS_INDEX = 4242
DIMENSIONS = ("reliability", "safety", "capability")

PACT_TOML = f"""\
id = "{PACT_ID}"
version = "2.1.0"
subject_kind = "ai-agent"

[[obligation]]
metric = "task_success_rate"
comparator = ">="
threshold = 0.9
unit = "ratio"
dimension = "reliability"

[[obligation]]
metric = "harmful_output_rate"
comparator = "<="
threshold = 0.001
unit = "ratio"
dimension = "safety"

[[obligation]]
metric = "p95_latency"
comparator = "<"
threshold = 8
unit = "s"
dimension = "capability"
"""


def results_toml(latency: float = 6.5) -> str:
    return f"""\
method = "support-suite/3"
period_start = 2026-11-01T00:00:00Z
period_end = {format_datetime_stamp(PERIOD_END)}

[[metric]]
name = "task_success_rate"
value = 0.934
unit = "ratio"

[[metric]]
name = "harmful_output_rate"
value = 0.0004
unit = "ratio"

[[metric]]
name = "p95_latency"
value = {latency}
unit = "s"
"""


EVIDENCE = {
    "transcripts.jsonl": b'{"ticket": 1, "resolved": true}\n{"ticket": 2, "resolved": false}\n',
    "metrics.json": b'{"task_success_rate": 0.934}\n',
}


def did(key: PrivateKey) -> str:
    return did_key.encode_did_key(key.public_key)


def status_entries(index: int = STATUS_INDEX) -> list[dict[str, str]]:
    return [
        StatusEntry(p, index, f"{STATUS_BASE}/{p}").to_json() for p in ("revocation", "suspension")
    ]


def status_lists(
    valid_from: datetime = NOW - timedelta(hours=1),
    *,
    revoked: Iterable[int] = (),
    suspended: Iterable[int] = (),
    valid_for: timedelta = timedelta(days=7),
    key: PrivateKey = ISSUER,
) -> list[dict[str, Any]]:
    """The revocation and suspension list credentials of evaluator A, signed at ``valid_from``."""
    out = []
    for purpose, set_bits in (("revocation", revoked), ("suspension", suspended)):
        bits = new_list()
        for i in set_bits:
            bits = with_bit(bits, i, True)
        out.append(
            dict(
                status_list_credential(
                    key,
                    url=f"{STATUS_BASE}/{purpose}",
                    purpose=purpose,
                    bits=bits,
                    valid_from=valid_from,
                    valid_until=valid_from + valid_for,
                )
            )
        )
    return out


def witness_signers() -> list[CosignatureSigner]:
    return [
        CosignatureSigner(name, key, COSIGNED_AT)
        for name, key in zip(WITNESS_NAMES, WITNESS_KEYS, strict=True)
    ]


def cosign(note: bytes, signers: Sequence[CosignatureSigner]) -> bytes:
    for s in signers:
        note = checkpoint.cosign_checkpoint(note, s)
    return note


def witness_vkey(i: int) -> str:
    return witness_signers()[i].verifier().vkey()


# --- policies as TOML ---------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, datetime):
        return format_datetime_stamp(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def to_toml(doc: Mapping[str, Any]) -> str:
    """A TOML text for a policy dict: scalars, then tables, then arrays of tables."""
    lines = [f"{k} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict | list)]
    for k, v in doc.items():
        if isinstance(v, dict):
            lines += ["", f"[{k}]", *(f"{kk} = {toml_value(vv)}" for kk, vv in v.items())]
    for k, v in doc.items():
        if isinstance(v, list):
            for item in v:
                lines += ["", f"[[{k}]]", *(f"{kk} = {toml_value(vv)}" for kk, vv in item.items())]
    return "\n".join(lines) + "\n"


def issuer_entry(
    key: PrivateKey = ISSUER, name: str = "Evaluator A", **extra: Any
) -> dict[str, Any]:
    return {"name": name, "id": did(key), "dimensions": list(DIMENSIONS), **extra}


def base_policy() -> dict[str, Any]:
    """The verifier's policy every case starts from: each step applies and passes at NOW."""
    return {
        "version": 1,
        "decision": {
            "subject": SUBJECT,
            "pact": PACT_ID,
            "min_evaluators": 1,
            "require_verdict": "pass",
            "consistency": "when-available",
        },
        "freshness": {
            "clock_skew": "5m",
            "max_credential_age": "180d",
            "max_evidence_age": "100d",
            "status_max_age": "1d",
            "status_unknown": "reject",
        },
        "decay": {"half_life": "60d", "floor": 0.25},
        "issuer": [issuer_entry()],
        "log": [{"origin": ORIGIN, "key": Ed25519Signer(ORIGIN, LOG_KEY).verifier().vkey()}],
        "witness": [{"name": n, "key": witness_vkey(i)} for i, n in enumerate(WITNESS_NAMES)],
        "quorum": {"witnesses": 2},
        "threshold": [
            {
                "dimension": "reliability",
                "metric": "task_success_rate",
                "comparator": ">=",
                "value": 0.9,
            },
            {
                "dimension": "safety",
                "metric": "harmful_output_rate",
                "comparator": "<=",
                "value": 0.001,
            },
        ],
    }


def policy_doc(**changes: Any) -> dict[str, Any]:
    """``base_policy()`` with ``table__field=value`` set (``None`` removes) or whole tables."""
    doc = base_policy()
    for key, value in changes.items():
        table, _, name = key.partition("__")
        if not name:
            if value is None:
                doc.pop(table, None)
            else:
                doc[table] = value
        elif value is None:
            doc[table].pop(name, None)
        else:
            doc[table][name] = value
    return doc


def make_policy(**changes: Any) -> Policy:
    return parse_policy(to_toml(policy_doc(**changes)).encode())


# --- changing bundles ---------------------------------------------------------------------------


def reprove(bundle: Bundle, log: Log, note: bytes, size: int | None = None) -> Bundle:
    """``bundle`` with every entry proven under ``note`` (a checkpoint of ``log`` of ``size``)."""
    size = log.checkpoint_size if size is None else size
    entries = tuple(
        LoggedEntry(
            e.role, e.entry, TlogProof(e.index, tuple(log.inclusion_proof(e.index, size)), note)
        )
        for e in bundle.entries
    )
    return dataclasses.replace(bundle, entries=entries)


def with_note(bundle: Bundle, note: bytes) -> Bundle:
    """The same proofs (hashes) around another checkpoint note."""
    entries = tuple(
        LoggedEntry(e.role, e.entry, dataclasses.replace(e.proof, checkpoint=note))
        for e in bundle.entries
    )
    return dataclasses.replace(bundle, entries=entries)


def resign_json(
    bundle: Bundle, key: PrivateKey, keep_method_of: PrivateKey | None = None
) -> Bundle:
    """The JSON credential re-signed by ``key``, its issuer unchanged. With ``keep_method_of``,
    the proof still names that key's verification method (a forged signature)."""
    assert isinstance(bundle.credential, Mapping)
    doc = copy.deepcopy(dict(bundle.credential))
    doc.pop("proof")
    options = data_integrity.ProofOptions(created=str(doc["validFrom"]))
    secured = data_integrity.add_proof(doc, key, options)
    if keep_method_of is not None:
        proof = secured["proof"]
        assert isinstance(proof, dict)
        proof["verificationMethod"] = did_key.verification_method_id(keep_method_of.public_key)
    return dataclasses.replace(bundle, credential=secured)


def resign_cose(bundle: Bundle, key: PrivateKey) -> Bundle:
    """The COSE credential's payload and CWT claims, signed by ``key`` under its own kid."""
    assert isinstance(bundle.credential, bytes)
    verified = cose.verify(bundle.credential, ISSUER.public_key)
    signed = cose.sign(
        key,
        verified.payload,
        kid=did_key.verification_method_id(key.public_key).encode(),
        content_type="application/vc",
        claims=verified.claims,
    )
    return dataclasses.replace(bundle, credential=signed)


def without_evidence_entry(bundle: Bundle, position: int = 0) -> Bundle:
    entries = list(bundle.entries)
    del entries[1 + position]
    return dataclasses.replace(bundle, entries=tuple(entries))


def plain(value: Any) -> Any:
    """Decoded CBOR (immutable maps, tuples) as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def document(bundle: Bundle) -> dict[str, Any]:
    """The credential's claims, read straight from the bundle (no verification)."""
    if isinstance(bundle.credential, bytes):
        item = decode_cbor(bundle.credential, allowed_tags=frozenset({cose.COSE_SIGN1_TAG}))
        assert isinstance(item, CBORTag)
        return dict(plain(decode_cbor(item.value[2])))
    return dict(plain(bundle.credential))


# --- the world ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """The built world. ``bundles`` maps ``<kind>.<encoding>`` to a bundle whose proofs lead to
    the log's checkpoint of ``size``, cosigned by both witnesses (unless the kind says not):

    - ``base``: evaluator A, credentialStatus at :data:`STATUS_INDEX`, two evidence files;
    - ``embedded``: the same with the evidence bytes embedded;
    - ``verdict_fail``: the capability obligation missed, so the verdict is ``fail``;
    - ``one_witness`` / ``unwitnessed``: the base bundle with one / no cosignature;
    - ``later_checkpoint``: the credential's proof hashes are for ``size``, the note is of a
      later checkpoint (the evidence is proven under that one);
    - ``second_issuer.json``: evaluator B, no credentialStatus; ``other_subject.json``:
      evaluator A about :data:`OTHER_SUBJECT`;
    - ``split.json``: issued into the second history of the log (same key and origin), whose
      checkpoint has the same ``size`` and another root.
    """

    root: Path
    log_dir: Path
    split_log_dir: Path
    evidence_dir: Path
    bundles: Mapping[str, Bundle]
    size: int
    root_hash: bytes
    note: bytes
    early_size: int
    early_root: bytes
    early_note: bytes
    split_root: bytes
    split_note: bytes
    split_early_root: bytes
    split_early_note: bytes

    def b(self, kind: str, encoding: str = "json") -> Bundle:
        return self.bundles[f"{kind}.{encoding}"]

    @property
    def json(self) -> Bundle:
        return self.bundles["base.json"]

    @property
    def cbor(self) -> Bundle:
        return self.bundles["base.cbor"]


def _issue(
    log: Log,
    root: Path,
    *,
    key: PrivateKey = ISSUER,
    subject: str = SUBJECT,
    encoding: str = "json",
    latency: float = 6.5,
    embed: bool = False,
    status: Sequence[Mapping[str, Any]] | None = None,
    evidence: Mapping[str, bytes] = EVIDENCE,
) -> Bundle:
    files = []
    for name, data in evidence.items():
        (root / name).write_bytes(data)
        files.append(EvidenceFile(root / name, media_type="application/json"))
    return issue(
        log=log,
        issuer=key,
        subject=subject,
        pact=parse_pact(PACT_TOML.encode()),
        results=parse_results(results_toml(latency).encode()),
        evidence=files,
        now=ISSUED,
        valid_for=VALID_FOR,
        encoding="cbor" if encoding == "cbor" else "json",
        embed_evidence=embed,
        status=status,
    )


def build_world(root: Path) -> World:
    evidence_dir = root / "evidence"
    evidence_dir.mkdir(parents=True)
    signer = Ed25519Signer(ORIGIN, LOG_KEY)
    witnesses = witness_signers()
    log_dir = root / "log"
    issued: dict[str, Bundle] = {}
    with Log.create(log_dir, signer) as log:
        issued["base.json"] = _issue(log, evidence_dir, status=status_entries())
        early_size, early_note, early_root = log.checkpoint_size, log.checkpoint_note, log.root_hash
        issued["base.cbor"] = _issue(log, evidence_dir, encoding="cbor", status=status_entries())
        for enc in ("json", "cbor"):
            issued[f"embedded.{enc}"] = _issue(
                log, evidence_dir, encoding=enc, embed=True, status=status_entries()
            )
            issued[f"verdict_fail.{enc}"] = _issue(
                log, evidence_dir, encoding=enc, latency=9.5, status=status_entries()
            )
        issued["second_issuer.json"] = _issue(log, evidence_dir, key=SECOND_ISSUER)
        issued["other_subject.json"] = _issue(
            log, evidence_dir, subject=OTHER_SUBJECT, status=status_entries(7)
        )
        size, plain_note, root_hash = log.checkpoint_size, log.checkpoint_note, log.root_hash
        note = cosign(plain_note, witnesses)
        bundles = {k: reprove(b, log, note, size) for k, b in issued.items()}
        for enc in ("json", "cbor"):
            base = bundles[f"base.{enc}"]
            bundles[f"one_witness.{enc}"] = with_note(base, cosign(plain_note, witnesses[:1]))
            bundles[f"unwitnessed.{enc}"] = with_note(base, plain_note)

        # One more entry: a later checkpoint, and bundles whose credential proof still has
        # the hashes for the earlier size (their evidence is proven afresh).
        log.append(LogEntry("evidence", hash_bytes(b"later"), 5, "text/plain", 0))
        later = cosign(log.checkpoint(), witnesses)
        for enc in ("json", "cbor"):
            stale = bundles[f"base.{enc}"]
            fresh = reprove(stale, log, later)
            bundles[f"later_checkpoint.{enc}"] = dataclasses.replace(
                fresh, entries=(with_note(stale, later).entries[0], *fresh.entries[1:])
            )

    # The same key and origin, other entries: a second history of the same log.
    split_dir = root / "split-log"
    with Log.create(split_dir, signer) as split:
        filler = [
            LogEntry("evidence", hash_bytes(b"other %d" % i), i + 1, "text/plain", 0)
            for i in range(size - 3)
        ]
        split.append_many(filler[:early_size])
        split.checkpoint()
        split_early_note, split_early_root = split.checkpoint_note, split.root_hash
        split.append_many(filler[early_size:])
        other_dir = root / "split-evidence"
        other_dir.mkdir()
        other = {k: v + b"(other)" for k, v in EVIDENCE.items()}
        split_bundle = _issue(split, other_dir, evidence=other, status=status_entries())
        assert split.checkpoint_size == size
        split_note = cosign(split.checkpoint_note, witnesses)
        bundles["split.json"] = reprove(split_bundle, split, split_note)
        split_root = split.root_hash

    return World(
        root=root,
        log_dir=log_dir,
        split_log_dir=split_dir,
        evidence_dir=evidence_dir,
        bundles=bundles,
        size=size,
        root_hash=root_hash,
        note=note,
        early_size=early_size,
        early_root=early_root,
        early_note=early_note,
        split_root=split_root,
        split_note=split_note,
        split_early_root=split_early_root,
        split_early_note=split_early_note,
    )
