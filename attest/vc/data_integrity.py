"""W3C Data Integrity proofs with the EdDSA cryptosuites: how credentials are signed.

A ``DataIntegrityProof`` (VC Data Integrity 1.0 §2.1, §3.1) sits in the document's ``proof``
member. Both cryptosuites of Data Integrity EdDSA Cryptosuites v1.0 sign 64 bytes: SHA-256 of
the canonical proof configuration (the proof without ``proofValue``), then SHA-256 of the
canonical document without ``proof``, with pure Ed25519, written as ``proofValue`` in multibase
base58btc (``z…``). They differ in the canonical form:

- ``eddsa-jcs-2022`` (§3.3): RFC 8785 JSON, no JSON-LD processing; the default for signing.
- ``eddsa-rdfc-2022`` (§3.2): RDFC-1.0 N-Quads of the JSON-LD, expanded in safe mode with the
  shipped contexts only (:mod:`attest.vc.jsonld`); the proof configuration gets the document's
  ``@context``.

Verification accepts both, resolves the key offline from a ``did:key`` verification method
only, and checks it through :meth:`attest.keys.ed25519.PublicKey.verify`; every other proof type or
cryptosuite (``Ed25519Signature2020``, ``ecdsa-*``, …) is refused by name with
``di.unsupported_cryptosuite``. Proof sets and proof chains (``previousProof``, DI §4.2, §4.5)
are written and verified. What is written and accepted byte for byte, and every error code:
specs/data-integrity.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, NoReturn, cast

from attest.codec import multibase
from attest.codec.canonical import JsonInput, JsonValue, canonicalize, json_copy
from attest.codec.dates import parse_datetime_stamp
from attest.errors import (
    AttestError,
    LimitExceededError,
    MalformedError,
    UsageError,
    VerificationError,
)
from attest.keys import did_key
from attest.keys.ed25519 import SIGNATURE_SIZE, PrivateKey, PublicKey

__all__ = [
    "CRYPTOSUITE",
    "DID_KEY_PROOF_PURPOSES",
    "EDDSA_JCS_2022",
    "EDDSA_RDFC_2022",
    "MAX_PROOFS",
    "PROOF_TYPE",
    "SUPPORTED_CRYPTOSUITES",
    "ProofOptions",
    "SigningInput",
    "VerifiedProof",
    "add_proof",
    "check_rdfc_form",
    "create_proof",
    "signing_input",
    "verify_proof",
    "verify_proof_set",
]

PROOF_TYPE: Final = "DataIntegrityProof"
EDDSA_JCS_2022: Final = "eddsa-jcs-2022"
EDDSA_RDFC_2022: Final = "eddsa-rdfc-2022"
# Keywords a plain JSON reader of a credential meets only in value objects (VC 2.0 §11.1).
_VALUE_KEYWORDS: Final = frozenset({"@value", "@language", "@direction", "@type"})
CRYPTOSUITE: Final = EDDSA_JCS_2022
"""The cryptosuite :func:`create_proof` and :func:`add_proof` use unless told otherwise."""
SUPPORTED_CRYPTOSUITES: Final = frozenset({EDDSA_JCS_2022, EDDSA_RDFC_2022})
"""Cryptosuites attest signs with and verifies. Adding one means adding its transformation and
proof configuration in :func:`signing_input`."""

DID_KEY_PROOF_PURPOSES: Final = frozenset(
    {"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"}
)
"""The verification relationships a did:key Ed25519 key has (did:key v0.7 §3.1.2); a proof
whose purpose is not one of them (``keyAgreement``, say) cannot come from a did:key key."""

MAX_PROOFS: Final = 16
"""Most proofs a proof set (or chain) may hold; each costs up to two canonicalizations and one
verification."""

_PROOF_VALUE: Final = "proofValue"
_PREVIOUS: Final = "previousProof"
_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_STRING_FIELDS: Final = ("type", "cryptosuite", "verificationMethod", "proofPurpose", _PROOF_VALUE)


@dataclass(frozen=True)
class ProofOptions:
    """What the signer chooses for a proof; the key and cryptosuite fix the rest.

    ``created`` and ``expires`` are XSD dateTimeStamp strings, written exactly as given
    (attest reads no clock). ``domain`` is one string or several; ``challenge`` one string.
    ``id`` names the proof (a URL, e.g. ``urn:uuid:…``) so that a later proof can chain to it;
    ``previous_proof`` is the id, or ids, of proofs already on the document that this proof
    chains to and so signs together with the document (DI §2.1.2, §4.2).
    """

    proof_purpose: str = "assertionMethod"
    created: str | None = None
    expires: str | None = None
    domain: str | tuple[str, ...] | None = None
    challenge: str | None = None
    id: str | None = None
    previous_proof: str | tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.proof_purpose not in DID_KEY_PROOF_PURPOSES:
            raise UsageError(
                "di.bad_proof_purpose",
                f"proof purpose {self.proof_purpose!r} is not one a did:key key has: "
                + ", ".join(sorted(DID_KEY_PROOF_PURPOSES)),
            )
        for name, value in (("created", self.created), ("expires", self.expires)):
            if value is not None:
                _parse_time(name, value, UsageError)
        if isinstance(self.domain, tuple) and (
            not self.domain or not all(isinstance(d, str) and d for d in self.domain)
        ):
            raise UsageError("di.bad_domain", "domain must be one or more non-empty strings")
        if self.domain == "":
            raise UsageError("di.bad_domain", "domain must not be an empty string")
        if self.challenge == "":
            raise UsageError("di.bad_challenge", "challenge must not be an empty string")
        if self.id is not None and not (isinstance(self.id, str) and _URL.fullmatch(self.id)):
            raise UsageError("di.bad_proof_id", "a proof id is an absolute URL (e.g. urn:uuid:…)")
        previous = self.previous_proof
        if previous is not None and not (
            (isinstance(previous, str) and previous)
            or (
                isinstance(previous, tuple)
                and previous
                and all(isinstance(p, str) and p for p in previous)
            )
        ):
            raise UsageError(
                "di.bad_previous_proof", "previous_proof is one proof id or a tuple of them"
            )

    @property
    def previous_proof_ids(self) -> tuple[str, ...]:
        """``previous_proof`` as a tuple (empty when the proof chains to nothing)."""
        previous = self.previous_proof
        if previous is None:
            return ()
        return (previous,) if isinstance(previous, str) else previous


@dataclass(frozen=True)
class SigningInput:
    """A cryptosuite's intermediates (§3.2.3-§3.2.5, §3.3.3-§3.3.5): the canonical proof
    configuration and document (RFC 8785 JSON, or RDFC-1.0 N-Quads in UTF-8), their hashes,
    and the 64 signed bytes."""

    canonical_proof_config: bytes
    canonical_document: bytes
    cryptosuite: str = CRYPTOSUITE

    @property
    def proof_config_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_proof_config).digest()

    @property
    def document_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_document).digest()

    @property
    def hash_data(self) -> bytes:
        """The 64 signed bytes: proof configuration hash first, then document hash (§3.3.4)."""
        return self.proof_config_hash + self.document_hash


@dataclass(frozen=True)
class VerifiedProof:
    """A proof that verified: who signed, with which key, when they said, and for what."""

    verification_method: str
    controller: str
    public_key: PublicKey
    proof_purpose: str
    cryptosuite: str
    created: datetime | None
    expires: datetime | None
    domain: tuple[str, ...]
    challenge: str | None
    id: str | None = None
    previous_proof: tuple[str, ...] = ()
    canonical_document: bytes | None = field(default=None, repr=False, compare=False)
    """The RFC 8785 bytes of the document as signed (eddsa-jcs-2022 only), so that a caller
    needing them (the logged credential digest) does not canonicalize the document again."""


def signing_input(
    document: Mapping[str, JsonInput], proof_options: Mapping[str, JsonInput]
) -> SigningInput:
    """The transformation, proof configuration and hashing inputs of the proof's cryptosuite.

    ``document`` is the document as signed: without ``proof``, or, for a chained proof, with
    ``proof`` set to the proofs it chains to. ``proof_options`` is the proof without
    ``proofValue``. eddsa-jcs-2022 canonicalizes both exactly as given (§3.3.3-§3.3.5);
    eddsa-rdfc-2022 canonicalizes the document and the proof configuration with its
    ``@context`` set to the document's (§3.2.3-§3.2.5), in safe mode.
    """
    suite = proof_options.get("cryptosuite")
    if proof_options.get("type") != PROOF_TYPE or suite not in SUPPORTED_CRYPTOSUITES:
        _unsupported(proof_options)
    created = proof_options.get("created")
    if created is not None:
        if not isinstance(created, str):
            _bad_field("created", "a string")
        _parse_time("created", created, MalformedError)
    return SigningInput(
        canonical_proof_config=_canonical_proof_config(document, proof_options, str(suite)),
        canonical_document=_canonical_document(document, str(suite)),
        cryptosuite=str(suite),
    )


def _canonical_document(document: Mapping[str, JsonInput], suite: str) -> bytes:
    """The transformation (§3.2.3, §3.3.3): RDFC-1.0 N-Quads or RFC 8785 JSON."""
    if suite == EDDSA_RDFC_2022:
        return _nquads(document)
    return canonicalize(document)


def _canonical_proof_config(
    document: Mapping[str, JsonInput], proof_options: Mapping[str, JsonInput], suite: str
) -> bytes:
    """The proof configuration (§3.2.5, §3.3.5). For eddsa-rdfc-2022 its @context is the
    document's (step 4) before canonicalization; eddsa-jcs-2022 takes the options as given."""
    if suite == EDDSA_RDFC_2022:
        config = {k: v for k, v in proof_options.items() if k != "@context"}
        if "@context" in document:
            config["@context"] = document["@context"]
        return _nquads(config)
    return canonicalize(proof_options)


def _nquads(document: Mapping[str, JsonInput]) -> bytes:
    # Imported here: PyLD takes about 0.15 s to import, which a JCS-only verifier (the
    # command line, for one) should not pay.
    from attest.vc import jsonld

    return jsonld.canonical_nquads(document).encode("utf-8")


def create_proof(
    document: Mapping[str, JsonInput],
    private_key: PrivateKey,
    options: ProofOptions | None = None,
    *,
    cryptosuite: str = CRYPTOSUITE,
) -> dict[str, JsonValue]:
    """The proof of ``document`` (without ``proof``) by ``private_key`` (§3.2.1, §3.3.1).

    The verification method is the key's did:key URL. With eddsa-jcs-2022, a document with
    ``@context`` gives the proof the same ``@context`` (§3.3.1 step 2); an eddsa-rdfc-2022
    proof carries none (its configuration borrows the document's, §3.2.5). A proof that chains
    to earlier ones needs them on the document: use :func:`add_proof`.
    """
    options = options or ProofOptions()
    if "proof" in document:
        raise UsageError(
            "di.already_secured", "create_proof signs an unsecured document; use add_proof"
        )
    if options.previous_proof is not None:
        _previous_not_found(options.previous_proof_ids[0], UsageError)
    return _sign(document, private_key, options, cryptosuite)


def _sign(
    document: Mapping[str, JsonInput],
    private_key: PrivateKey,
    options: ProofOptions,
    cryptosuite: str,
) -> dict[str, JsonValue]:
    """The proof over ``document`` exactly as given (chained proofs included under ``proof``)."""
    if cryptosuite not in SUPPORTED_CRYPTOSUITES:
        raise UsageError(
            "di.unsupported_cryptosuite",
            f"attest signs with {', '.join(sorted(SUPPORTED_CRYPTOSUITES))}, "
            f"not {str(cryptosuite)[:60]!r}",
        )
    proof: dict[str, JsonValue] = {"type": PROOF_TYPE}
    if options.id is not None:
        proof["id"] = options.id
    proof["cryptosuite"] = cryptosuite
    if options.created is not None:
        proof["created"] = options.created
    if options.expires is not None:
        proof["expires"] = options.expires
    proof["verificationMethod"] = did_key.verification_method_id(private_key.public_key)
    proof["proofPurpose"] = options.proof_purpose
    if options.previous_proof is not None:
        previous = options.previous_proof
        proof[_PREVIOUS] = previous if isinstance(previous, str) else list(previous)
    if options.domain is not None:
        domain = options.domain
        proof["domain"] = domain if isinstance(domain, str) else list(domain)
    if options.challenge is not None:
        proof["challenge"] = options.challenge
    if "@context" in document and cryptosuite == EDDSA_JCS_2022:
        proof["@context"] = json_copy(document["@context"])
    signature = private_key.sign(signing_input(document, proof).hash_data)
    proof[_PROOF_VALUE] = multibase.encode(signature, multibase.BASE58BTC)
    return proof


def add_proof(
    document: Mapping[str, JsonInput],
    private_key: PrivateKey,
    options: ProofOptions | None = None,
    *,
    cryptosuite: str = CRYPTOSUITE,
) -> dict[str, JsonValue]:
    """A copy of ``document`` secured with one more proof (DI §4.1, §4.2).

    An unsecured document gets ``proof`` as one object. A document that already has proofs
    gets a proof set, the new proof appended so ``proof`` becomes a list. Without
    ``options.previous_proof`` the new proof signs the document without ``proof``, as each
    member of a set does; with it, the proof joins a chain and signs the document with
    ``proof`` set to the list of the proofs it names, in document order (DI §4.2 step 7).
    """
    options = options or ProofOptions()
    secured = json_copy(document)
    if not isinstance(secured, dict):  # unreachable for a Mapping; narrows the type
        raise UsageError("di.bad_document", "a secured document is a JSON object")
    if "proof" not in secured:
        secured["proof"] = create_proof(secured, private_key, options, cryptosuite=cryptosuite)
        return secured
    existing = secured.pop("proof")
    proofs = existing if isinstance(existing, list) else [existing]
    if not all(isinstance(p, dict) for p in proofs):
        raise UsageError("di.bad_proof", "the document's existing 'proof' is not proof objects")
    if len(proofs) >= MAX_PROOFS:
        raise UsageError("di.too_many_proofs", f"a proof set holds at most {MAX_PROOFS} proofs")
    ids = [p.get("id") for p in proofs if isinstance(p, dict)]
    if options.id is not None and options.id in ids:
        raise UsageError("di.duplicate_proof_id", f"a proof with id {options.id!r} exists")
    signed: dict[str, JsonValue] = secured
    wanted = options.previous_proof_ids
    if wanted:
        for name in wanted:
            if ids.count(name) != 1:
                if name in ids:
                    raise UsageError(
                        "di.duplicate_proof_id", f"several proofs have the id {name[:100]!r}"
                    )
                _previous_not_found(name, UsageError)
        signed = {
            **secured,
            "proof": [p for p in proofs if isinstance(p, dict) and p.get("id") in wanted],
        }
    secured["proof"] = [*proofs, _sign(signed, private_key, options, cryptosuite)]
    return secured


def verify_proof(
    secured: JsonInput,
    *,
    expected_proof_purpose: str | None = "assertionMethod",
    domain: str | tuple[str, ...] | None = None,
    challenge: str | None = None,
    now: datetime | None = None,
) -> VerifiedProof:
    """Verify the one proof of a secured document (DI §4.4; EdDSA §3.2.2, §3.3.2).

    ``expected_proof_purpose`` must equal ``proofPurpose`` (``None`` skips the check).
    ``domain`` and ``challenge``, when given, must match the proof's. With ``now``, a proof
    whose ``expires`` is not after ``now`` is rejected. A proof set is refused here
    (``di.unexpected_proof_set``); use :func:`verify_proof_set`. Raises on any failure.
    """
    document, proof = _split(secured)
    check_rdfc_form(secured)
    if isinstance(proof, list):
        raise MalformedError(
            "di.unexpected_proof_set",
            f"the document holds a proof set of {len(proof)}; one proof was expected",
        )
    _chain([proof], single=True)  # a lone proof cannot name a previous one
    return _verify_one(document, proof, expected_proof_purpose, domain, challenge, now, {})


def verify_proof_set(
    secured: JsonInput,
    *,
    expected_proof_purpose: str | None = "assertionMethod",
    domain: str | tuple[str, ...] | None = None,
    challenge: str | None = None,
    now: datetime | None = None,
) -> tuple[VerifiedProof, ...]:
    """Verify every proof of a secured document, in document order (DI §4.5).

    ``proof`` may be one object or a list of up to :data:`MAX_PROOFS`. Before any signature
    is checked, the proofs' ``id`` and ``previousProof`` members must form a chain: ids unique,
    every named id present, no cycle. Each proof is then checked as :func:`verify_proof`
    checks one, against the document without ``proof`` or, when it names previous proofs,
    with ``proof`` set to them. All must verify: the first failure is raised, naming the
    proof's position.
    """
    document, proof = _split(secured)
    check_rdfc_form(secured)
    proofs = proof if isinstance(proof, list) else [proof]
    if not proofs:
        raise MalformedError("di.missing_proof", "the proof set is empty")
    if len(proofs) > MAX_PROOFS:
        raise LimitExceededError(
            "di.too_many_proofs", f"{len(proofs)} proofs; a proof set holds at most {MAX_PROOFS}"
        )
    links = _chain(proofs, single=False)
    # One canonical document (per cryptosuite) for each distinct set of previous proofs.
    hashes: dict[tuple[int, ...], dict[str, bytes]] = {}
    results: list[VerifiedProof] = []
    for i, item in enumerate(proofs):
        signed = document
        if links[i]:
            signed = {**document, "proof": [proofs[j] for j in links[i]]}
        try:
            results.append(
                _verify_one(
                    signed,
                    item,
                    expected_proof_purpose,
                    domain,
                    challenge,
                    now,
                    hashes.setdefault(links[i], {}),
                )
            )
        except AttestError as exc:
            raise type(exc)(exc.code, f"proof {i}: {exc.message}") from exc
    return tuple(results)


def check_rdfc_form(secured: JsonInput) -> None:
    """Refuse what an eddsa-rdfc-2022 signature does not cover but a JSON reader would read.

    rdfc signs the RDF statements, not the JSON nor its contexts. A third party can then add
    an inline context (or a scoped one, or a keyword such as ``@included``) that makes the
    JSON say other things, or hide statements from its usual names, while the RDF, and so the
    signature, stay the same (swap two claims' terms; move ``credentialStatus`` into an
    included node). A document with an rdfc proof may therefore name only shipped context
    URLs, and use no JSON-LD keyword as a member name beyond the value-object ones
    (``di.unsigned_context``). With eddsa-jcs-2022 the JSON itself is signed, so a document
    without an rdfc proof passes unchecked. :func:`verify_proof` and :func:`verify_proof_set`
    apply it to every document they verify.
    """
    if not isinstance(secured, Mapping):
        return
    proofs = secured.get("proof")
    listed = proofs if isinstance(proofs, list) else [proofs]
    if not any(isinstance(p, Mapping) and p.get("cryptosuite") == EDDSA_RDFC_2022 for p in listed):
        return
    stack: list[object] = [secured]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "@context":
                    named = value if isinstance(value, list) else [value]
                    if not all(isinstance(c, str) for c in named):
                        raise MalformedError(
                            "di.unsigned_context",
                            "an eddsa-rdfc-2022 signature does not cover inline contexts: "
                            "a document signed with it may name only context URLs",
                        )
                elif key.startswith("@") and key not in _VALUE_KEYWORDS:
                    raise MalformedError(
                        "di.unsigned_context",
                        f"{key[:40]!r}: an eddsa-rdfc-2022 document may use no JSON-LD "
                        "keyword as a member name here (it could restate what is signed)",
                    )
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


# --- verification steps -----------------------------------------------------------------------


def _chain(proofs: Sequence[JsonValue], *, single: bool) -> list[tuple[int, ...]]:
    """For each proof, the positions of the proofs its ``previousProof`` names (DI §4.5 steps
    3.1-3.3), after checking that the ids are unique, each named id exists and no proof
    depends on itself, directly or through others."""

    def at(i: int) -> str:
        return "" if single else f"proof {i}: "

    ids: dict[str, int] = {}
    checked: list[dict[str, JsonValue]] = []
    for i, proof in enumerate(proofs):
        if not isinstance(proof, dict):
            raise MalformedError("di.bad_proof", f"{at(i)}a proof is a JSON object")
        checked.append(proof)
        if "id" in proof:
            name = proof["id"]
            if not isinstance(name, str):
                raise MalformedError("di.bad_field", f"{at(i)}the proof's 'id' must be a string")
            if name in ids:
                raise MalformedError(
                    "di.duplicate_proof_id",
                    f"{at(i)}proof {ids[name]} has the same id {name[:100]!r}",
                )
            ids[name] = i
    links: list[tuple[int, ...]] = []
    for i, proof in enumerate(checked):
        positions: set[int] = set()
        for name in _previous_ids(proof, at(i)):
            if name not in ids:
                _previous_not_found(name, MalformedError, at(i))
            positions.add(ids[name])
        links.append(tuple(sorted(positions)))
    # A cycle (a proof reached again from itself) cannot have been signed: refuse it by name.
    state = [0] * len(proofs)  # 0 unseen, 1 on the current path, 2 done
    for start in range(len(proofs)):
        stack = [(start, iter(links[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state[child] == 1:
                raise MalformedError(
                    "di.proof_chain_cycle",
                    f"{at(node)}its previousProof leads back to itself (proof {child})",
                )
            elif state[child] == 0:
                state[child] = 1
                stack.append((child, iter(links[child])))
    return links


def _previous_ids(proof: Mapping[str, JsonValue], where: str) -> tuple[str, ...]:
    if _PREVIOUS not in proof:
        return ()
    value = proof[_PREVIOUS]
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(str(v) for v in value)
    raise MalformedError(
        "di.bad_field",
        f"{where}the proof's 'previousProof' must be a string or a non-empty list of strings",
    )


def _previous_not_found(name: str, error: type[AttestError], where: str = "") -> NoReturn:
    raise error(
        "di.previous_proof_not_found",
        f"{where}previousProof names {name[:100]!r}, which no proof on the document has as id",
    )


def _split(secured: JsonInput) -> tuple[dict[str, JsonValue], JsonValue]:
    """The unsecured document (a shallow view without ``proof``) and the ``proof`` value.

    Nothing is deep-copied: the proof members are read with type checks, and canonicalizing
    the document and the proof configuration refuses whatever is not JSON that JCS encodes
    (what a strict copy used to check first) before any signature can verify. The
    eddsa-rdfc-2022 path makes its own checked copy before JSON-LD processing."""
    if not isinstance(secured, Mapping):
        raise MalformedError("di.bad_document", "a secured document is a JSON object")
    if "proof" not in secured:
        raise MalformedError("di.missing_proof", "the document has no 'proof'")
    document = {key: value for key, value in secured.items() if key != "proof"}
    return cast(dict[str, JsonValue], document), cast(JsonValue, secured["proof"])


def _verify_one(
    document: dict[str, JsonValue],
    proof: JsonValue,
    expected_proof_purpose: str | None,
    domain: str | tuple[str, ...] | None,
    challenge: str | None,
    now: datetime | None,
    document_hashes: dict[str, bytes],
) -> VerifiedProof:
    if not isinstance(proof, dict):
        raise MalformedError("di.bad_proof", "a proof is a JSON object")
    if "type" not in proof:
        _missing("type")
    if proof["type"] != PROOF_TYPE:
        _unsupported(proof)
    if "cryptosuite" not in proof:
        _missing("cryptosuite")
    suite = proof["cryptosuite"]
    if not isinstance(suite, str) or suite not in SUPPORTED_CRYPTOSUITES:
        _unsupported(proof)
    fields: dict[str, str] = {}
    for name in _STRING_FIELDS:
        if name not in proof:
            _missing(name)
        value = proof[name]
        if not isinstance(value, str):
            _bad_field(name, "a string")
        fields[name] = value

    purpose = fields["proofPurpose"]
    if expected_proof_purpose is not None and purpose != expected_proof_purpose:
        raise VerificationError(
            "di.proof_purpose_mismatch",
            f"the proof's purpose is {purpose!r}, not the expected {expected_proof_purpose!r}",
        )
    proof_domain = _domain(proof)
    if domain is not None:
        wanted = {domain} if isinstance(domain, str) else set(domain)
        if set(proof_domain) != wanted:
            raise VerificationError(
                "di.domain_mismatch", "the proof's domain is not the expected domain"
            )
    proof_challenge: str | None = None
    if "challenge" in proof:
        value = proof["challenge"]
        if not isinstance(value, str):
            _bad_field("challenge", "a string")
        proof_challenge = value
    if challenge is not None and proof_challenge != challenge:
        raise VerificationError(
            "di.challenge_mismatch", "the proof's challenge is not the expected challenge"
        )
    created = _optional_time(proof, "created")
    expires = _optional_time(proof, "expires")
    if now is not None and expires is not None and expires <= now:
        raise VerificationError("di.proof_expired", f"the proof expired at {proof['expires']}")

    method = fields["verificationMethod"]
    if not method.startswith(did_key.DID_KEY_PREFIX):
        raise MalformedError(
            "di.unsupported_verification_method",
            f"verification method {method[:100]!r} is not a did:key URL; "
            "attest resolves keys offline from did:key only",
        )
    public_key = did_key.decode_did_key(method, require_fragment=True)
    if purpose not in DID_KEY_PROOF_PURPOSES:
        raise VerificationError(
            "di.invalid_relationship",
            f"a did:key Ed25519 key is not authorized for proof purpose {purpose!r}",
        )
    signature = _proof_bytes(fields[_PROOF_VALUE])

    # §3.2.2 and §3.3.2 step 4 only ask that the document's @context *start with* the proof's;
    # attest requires them equal, since contexts appended after signing could change what the
    # signed terms mean (specs/data-integrity.md).
    if "@context" in proof and document.get("@context") != proof["@context"]:
        raise VerificationError(
            "di.context_mismatch", "the document's @context is not the proof's @context"
        )
    suite = fields["cryptosuite"]
    options = {k: v for k, v in proof.items() if k != _PROOF_VALUE}
    document_hash = document_hashes.get(suite)
    canonical: bytes | None = None
    if document_hash is None:
        canonical = _canonical_document(document, suite)
        document_hash = hashlib.sha256(canonical).digest()
        document_hashes[suite] = document_hash
    config_hash = hashlib.sha256(_canonical_proof_config(document, options, suite)).digest()
    public_key.verify(config_hash + document_hash, signature)
    proof_id = proof.get("id")
    return VerifiedProof(
        verification_method=method,
        controller=method.partition("#")[0],
        public_key=public_key,
        proof_purpose=purpose,
        cryptosuite=fields["cryptosuite"],
        created=created,
        expires=expires,
        domain=proof_domain,
        challenge=proof_challenge,
        id=proof_id if isinstance(proof_id, str) else None,
        previous_proof=_previous_ids(proof, ""),
        canonical_document=canonical if suite == EDDSA_JCS_2022 else None,
    )


def _proof_bytes(proof_value: str) -> bytes:
    """The 64 signature bytes of a ``z…`` proofValue (multibase base58btc)."""
    if not proof_value.startswith(multibase.BASE58BTC):
        raise MalformedError(
            "di.bad_proof_value", "an EdDSA proofValue is multibase base58btc ('z…')"
        )
    try:
        signature = multibase.decode(proof_value, multibase.BASE58BTC)
    except MalformedError as exc:
        raise MalformedError("di.bad_proof_value", f"proofValue: {exc.message}") from exc
    if len(signature) != SIGNATURE_SIZE:
        raise MalformedError(
            "di.bad_proof_value",
            f"proofValue holds {len(signature)} bytes; an Ed25519 signature is {SIGNATURE_SIZE}",
        )
    return signature


def _domain(proof: Mapping[str, JsonValue]) -> tuple[str, ...]:
    if "domain" not in proof:
        return ()
    value = proof["domain"]
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(d, str) for d in value):
        return tuple(str(d) for d in value)
    _bad_field("domain", "a string or a non-empty list of strings")


def _optional_time(proof: Mapping[str, JsonValue], name: str) -> datetime | None:
    if name not in proof:
        return None
    value = proof[name]
    if not isinstance(value, str):
        _bad_field(name, "an XSD dateTimeStamp string")
    return _parse_time(name, value, MalformedError)


def _parse_time(name: str, value: str, error: type[AttestError]) -> datetime:
    try:
        return parse_datetime_stamp(value)
    except MalformedError as exc:
        raise error(f"di.bad_{name}", f"{name}: {exc.message}") from exc


def _unsupported(proof: Mapping[str, JsonInput]) -> NoReturn:
    kind, suite = proof.get("type"), proof.get("cryptosuite")
    shown = f"type {str(kind)[:60]!r}" if kind != PROOF_TYPE else f"cryptosuite {str(suite)[:60]!r}"
    raise MalformedError(
        "di.unsupported_cryptosuite",
        f"proof {shown} is not supported; attest accepts {PROOF_TYPE} with "
        + ", ".join(sorted(SUPPORTED_CRYPTOSUITES)),
    )


def _missing(name: str) -> NoReturn:
    raise MalformedError("di.missing_field", f"the proof has no {name!r}")


def _bad_field(name: str, what: str) -> NoReturn:
    raise MalformedError("di.bad_field", f"the proof's {name!r} must be {what}")
