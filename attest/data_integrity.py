"""W3C Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite: how credentials are signed.

A ``DataIntegrityProof`` (VC Data Integrity 1.0 §2.1, §3.1) sits in the document's ``proof``
member. With ``eddsa-jcs-2022`` (Data Integrity EdDSA Cryptosuites v1.0 §3.3) the signed
message is 64 bytes: SHA-256 of the RFC 8785 form of the proof configuration (the proof without
``proofValue``), then SHA-256 of the RFC 8785 form of the document without ``proof``. The
signature is pure Ed25519, written as ``proofValue`` in multibase base58btc (``z…``).

Verification resolves the key offline, from a ``did:key`` verification method only, and checks
it through :meth:`attest.keys.PublicKey.verify`. Only ``DataIntegrityProof`` with
``eddsa-jcs-2022`` is accepted; every other proof type or cryptosuite (``eddsa-rdfc-2022``,
``Ed25519Signature2020``, …) is refused by name with ``di.unsupported_cryptosuite``. Proof sets
are verified proof by proof; proof chains (``previousProof``) are refused. What is written and
accepted byte for byte, and every error code: specs/data-integrity.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, NoReturn

from . import did_key, multibase
from .canonical import JsonInput, JsonValue, canonicalize, json_copy
from .errors import AttestError, LimitExceededError, MalformedError, UsageError, VerificationError
from .keys import SIGNATURE_SIZE, PrivateKey, PublicKey
from .xsd_datetime import parse_datetime_stamp

__all__ = [
    "CRYPTOSUITE",
    "DID_KEY_PROOF_PURPOSES",
    "MAX_PROOFS",
    "PROOF_TYPE",
    "SUPPORTED_CRYPTOSUITES",
    "ProofOptions",
    "SigningInput",
    "VerifiedProof",
    "add_proof",
    "create_proof",
    "signing_input",
    "verify_proof",
    "verify_proof_set",
]

PROOF_TYPE: Final = "DataIntegrityProof"
CRYPTOSUITE: Final = "eddsa-jcs-2022"
SUPPORTED_CRYPTOSUITES: Final = frozenset({CRYPTOSUITE})
"""Cryptosuites :func:`verify_proof` accepts. Adding one (say ``eddsa-rdfc-2022``) means adding
its transformation and proof configuration beside :func:`signing_input`."""

DID_KEY_PROOF_PURPOSES: Final = frozenset(
    {"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"}
)
"""The verification relationships a did:key Ed25519 key has (did:key v0.7 §3.1.2); a proof
whose purpose is not one of them (``keyAgreement``, say) cannot come from a did:key key."""

MAX_PROOFS: Final = 16
"""Most proofs a proof set may hold; each costs one canonicalization and one verification."""

_PROOF_VALUE: Final = "proofValue"
_STRING_FIELDS: Final = ("type", "cryptosuite", "verificationMethod", "proofPurpose", _PROOF_VALUE)


@dataclass(frozen=True)
class ProofOptions:
    """What the signer chooses for a proof; the key and cryptosuite fix the rest.

    ``created`` and ``expires`` are XSD dateTimeStamp strings, written exactly as given
    (attest reads no clock). ``domain`` is one string or several; ``challenge`` one string.
    """

    proof_purpose: str = "assertionMethod"
    created: str | None = None
    expires: str | None = None
    domain: str | tuple[str, ...] | None = None
    challenge: str | None = None

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


@dataclass(frozen=True)
class SigningInput:
    """The eddsa-jcs-2022 intermediates (§3.3.3-§3.3.5): what is hashed, and the signed bytes."""

    canonical_proof_config: bytes
    canonical_document: bytes

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


def signing_input(
    document: Mapping[str, JsonInput], proof_options: Mapping[str, JsonInput]
) -> SigningInput:
    """eddsa-jcs-2022 transformation, proof configuration and hashing inputs (§3.3.3-§3.3.5).

    ``document`` is the unsecured document (no ``proof``); ``proof_options`` the proof without
    ``proofValue``. Both are canonicalized exactly as given.
    """
    if proof_options.get("type") != PROOF_TYPE or proof_options.get("cryptosuite") != CRYPTOSUITE:
        _unsupported(proof_options)
    created = proof_options.get("created")
    if created is not None:
        if not isinstance(created, str):
            _bad_field("created", "a string")
        _parse_time("created", created, MalformedError)
    return SigningInput(
        canonical_proof_config=canonicalize(proof_options),
        canonical_document=canonicalize(document),
    )


def create_proof(
    document: Mapping[str, JsonInput],
    private_key: PrivateKey,
    options: ProofOptions | None = None,
) -> dict[str, JsonValue]:
    """The eddsa-jcs-2022 proof of ``document`` (without ``proof``) by ``private_key`` (§3.3.1).

    The verification method is the key's did:key URL; when the document has ``@context``,
    the proof carries the same ``@context`` (§3.3.1 step 2).
    """
    options = options or ProofOptions()
    if "proof" in document:
        raise UsageError(
            "di.already_secured", "create_proof signs an unsecured document; use add_proof"
        )
    proof: dict[str, JsonValue] = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE}
    if options.created is not None:
        proof["created"] = options.created
    if options.expires is not None:
        proof["expires"] = options.expires
    proof["verificationMethod"] = did_key.verification_method_id(private_key.public_key)
    proof["proofPurpose"] = options.proof_purpose
    if options.domain is not None:
        domain = options.domain
        proof["domain"] = domain if isinstance(domain, str) else list(domain)
    if options.challenge is not None:
        proof["challenge"] = options.challenge
    if "@context" in document:
        proof["@context"] = json_copy(document["@context"])
    signature = private_key.sign(signing_input(document, proof).hash_data)
    proof[_PROOF_VALUE] = multibase.encode(signature, multibase.BASE58BTC)
    return proof


def add_proof(
    document: Mapping[str, JsonInput],
    private_key: PrivateKey,
    options: ProofOptions | None = None,
) -> dict[str, JsonValue]:
    """A copy of ``document`` secured with one more eddsa-jcs-2022 proof (DI §4.2, §4.3).

    An unsecured document gets ``proof`` as one object. A document that already has proofs
    gets a proof set: the new proof signs the document without ``proof`` (as each member of a
    set does) and is appended, so ``proof`` becomes a list.
    """
    secured = json_copy(document)
    if not isinstance(secured, dict):  # unreachable for a Mapping; narrows the type
        raise UsageError("di.bad_document", "a secured document is a JSON object")
    if "proof" not in secured:
        secured["proof"] = create_proof(secured, private_key, options)
        return secured
    existing = secured.pop("proof")
    proofs = existing if isinstance(existing, list) else [existing]
    if not all(isinstance(p, dict) for p in proofs):
        raise UsageError("di.bad_proof", "the document's existing 'proof' is not proof objects")
    if len(proofs) >= MAX_PROOFS:
        raise UsageError("di.too_many_proofs", f"a proof set holds at most {MAX_PROOFS} proofs")
    secured["proof"] = [*proofs, create_proof(secured, private_key, options)]
    return secured


def verify_proof(
    secured: JsonInput,
    *,
    expected_proof_purpose: str | None = "assertionMethod",
    domain: str | tuple[str, ...] | None = None,
    challenge: str | None = None,
    now: datetime | None = None,
) -> VerifiedProof:
    """Verify the one proof of a secured document (DI §4.4, eddsa-jcs-2022 §3.3.2).

    ``expected_proof_purpose`` must equal ``proofPurpose`` (``None`` skips the check).
    ``domain`` and ``challenge``, when given, must match the proof's. With ``now``, a proof
    whose ``expires`` is not after ``now`` is rejected. A proof set is refused here
    (``di.unexpected_proof_set``); use :func:`verify_proof_set`. Raises on any failure.
    """
    document, proof = _split(secured)
    if isinstance(proof, list):
        raise MalformedError(
            "di.unexpected_proof_set",
            f"the document holds a proof set of {len(proof)}; one proof was expected",
        )
    return _verify_one(document, proof, expected_proof_purpose, domain, challenge, now)


def verify_proof_set(
    secured: JsonInput,
    *,
    expected_proof_purpose: str | None = "assertionMethod",
    domain: str | tuple[str, ...] | None = None,
    challenge: str | None = None,
    now: datetime | None = None,
) -> tuple[VerifiedProof, ...]:
    """Verify every proof of a secured document, in document order (DI §4.5).

    ``proof`` may be one object or a list of up to :data:`MAX_PROOFS`; each proof is checked
    as :func:`verify_proof` checks one, against the document without ``proof``. All must
    verify: the first failure is raised, naming the proof's position. Proof chains
    (``previousProof``) are refused with ``di.unsupported_proof_chain``.
    """
    document, proof = _split(secured)
    proofs = proof if isinstance(proof, list) else [proof]
    if not proofs:
        raise MalformedError("di.missing_proof", "the proof set is empty")
    if len(proofs) > MAX_PROOFS:
        raise LimitExceededError(
            "di.too_many_proofs", f"{len(proofs)} proofs; a proof set holds at most {MAX_PROOFS}"
        )
    results: list[VerifiedProof] = []
    for i, item in enumerate(proofs):
        try:
            results.append(
                _verify_one(document, item, expected_proof_purpose, domain, challenge, now)
            )
        except AttestError as exc:
            raise type(exc)(exc.code, f"proof {i}: {exc.message}") from exc
    return tuple(results)


# --- verification steps -----------------------------------------------------------------------


def _split(secured: JsonInput) -> tuple[dict[str, JsonValue], JsonValue]:
    """The unsecured document (a checked plain copy without ``proof``) and the ``proof`` value."""
    if not isinstance(secured, Mapping):
        raise MalformedError("di.bad_document", "a secured document is a JSON object")
    document = json_copy(secured)
    if not isinstance(document, dict):  # unreachable for a Mapping; narrows the type
        raise MalformedError("di.bad_document", "a secured document is a JSON object")
    if "proof" not in document:
        raise MalformedError("di.missing_proof", "the document has no 'proof'")
    return document, document.pop("proof")


def _verify_one(
    document: dict[str, JsonValue],
    proof: JsonValue,
    expected_proof_purpose: str | None,
    domain: str | tuple[str, ...] | None,
    challenge: str | None,
    now: datetime | None,
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
    if "previousProof" in proof:
        raise MalformedError(
            "di.unsupported_proof_chain",
            "proof chains (previousProof) are not supported; only independent proofs are",
        )

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

    # eddsa-jcs-2022 §3.3.2 step 4 only asks that the document's @context *start with* the
    # proof's; attest requires them equal, since contexts appended after signing could change
    # what the signed terms mean (specs/data-integrity.md).
    if "@context" in proof and document.get("@context") != proof["@context"]:
        raise VerificationError(
            "di.context_mismatch", "the document's @context is not the proof's @context"
        )
    options = {k: v for k, v in proof.items() if k != _PROOF_VALUE}
    public_key.verify(signing_input(document, options).hash_data, signature)
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
    )


def _proof_bytes(proof_value: str) -> bytes:
    """The 64 signature bytes of a ``z…`` proofValue (multibase base58btc)."""
    if not proof_value.startswith(multibase.BASE58BTC):
        raise MalformedError(
            "di.bad_proof_value", "an eddsa-jcs-2022 proofValue is multibase base58btc ('z…')"
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
