"""COSE_Sign1 with Ed25519: signing, and verification that refuses anything ambiguous.

What is written and accepted, byte for byte, is in specs/cose.md. In short: the protected
header carries ``alg`` (always the fully-specified Ed25519, RFC 9864 §2.2, when signing),
``kid``, an optional content type and optional CWT claims (RFC 9597); the payload is the
caller's bytes; the Sig_structure is RFC 9052 §4.4's. Verification decodes under the strict
profile of :mod:`attest.codec.cbor`, enforces the header rules below before any signature work,
builds the Sig_structure from the protected bytes exactly as received, and checks the
signature through :meth:`attest.keys.ed25519.PublicKey.verify`, the project's one Ed25519 path.

A message is read once, by :func:`parse_sign1`: every structural and header rule, no
signature. :func:`verify` is that parse followed by :meth:`Sign1.verify`; a caller that must
look inside first (to pick the key by its ``kid``, or to show an unverified view) parses, looks,
and verifies the same :class:`Sign1` without decoding the bytes again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeGuard

from attest.codec.cbor import CBORTag, decode_cbor, encode_deterministic, peek_tag
from attest.errors import MalformedError, UsageError
from attest.keys.ed25519 import PrivateKey, PublicKey

__all__ = [
    "ALGORITHMS",
    "ALG_ED25519",
    "ALG_EDDSA",
    "ALG_NAMES",
    "CLAIM_EXP",
    "CLAIM_IAT",
    "CLAIM_ISS",
    "CLAIM_NBF",
    "CLAIM_SUB",
    "COSE_SIGN1_TAG",
    "HEADER_ALG",
    "HEADER_CONTENT_TYPE",
    "HEADER_CRIT",
    "HEADER_CWT_CLAIMS",
    "HEADER_KID",
    "MAX_DEPTH",
    "MAX_ITEMS",
    "MAX_MESSAGE_SIZE",
    "UNDERSTOOD_LABELS",
    "CwtClaims",
    "Sign1",
    "VerifiedSign1",
    "alg_from_name",
    "parse_sign1",
    "sig_structure",
    "sign",
    "verify",
]

#: "Ed25519": EdDSA with the Ed25519 parameter set, fully specified (RFC 9864 §2.2, §4.2.1).
ALG_ED25519 = -19
#: "EdDSA": polymorphic, deprecated by RFC 9864 (RFC 9053 §2.2). Written on request: most
#: deployed COSE libraries know it and not -19 (specs/cose.md §1).
ALG_EDDSA = -8
#: Algorithms :func:`verify` accepts; both mean pure Ed25519 with a 32-byte key here.
ALGORITHMS = frozenset({ALG_ED25519, ALG_EDDSA})

COSE_SIGN1_TAG = 18  # RFC 9052 §4.2

# Header parameter labels: RFC 9052 §3.1, and RFC 9597 §2 for CWT Claims.
HEADER_ALG = 1
HEADER_CRIT = 2
HEADER_CONTENT_TYPE = 3
HEADER_KID = 4
HEADER_CWT_CLAIMS = 15
#: Labels this module processes, so the only ones a ``crit`` list may name.
UNDERSTOOD_LABELS = frozenset(
    {HEADER_ALG, HEADER_CRIT, HEADER_CONTENT_TYPE, HEADER_KID, HEADER_CWT_CLAIMS}
)
#: Parameters that change what the signature means: refused in the unprotected header.
_PROTECTED_ONLY = (HEADER_CRIT, HEADER_CONTENT_TYPE, HEADER_CWT_CLAIMS)

# CWT claim keys (RFC 8392 §3.1).
CLAIM_ISS = 1
CLAIM_SUB = 2
CLAIM_EXP = 4
CLAIM_NBF = 5
CLAIM_IAT = 6

MAX_MESSAGE_SIZE = 1 << 20
MAX_DEPTH = 16
MAX_ITEMS = 1024

_SIGN1_CONTEXT = "Signature1"
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1
_UINT_MAX = (1 << 64) - 1

Label = int | str
Header = Mapping[Label, object]


def _is_int(value: object) -> TypeGuard[int]:
    """An integer that is not a bool (CBOR true/false decode to Python bools)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_label(value: object) -> TypeGuard[Label]:
    return _is_int(value) or isinstance(value, str)


@dataclass(frozen=True)
class CwtClaims:
    """The CWT claims (RFC 8392 §3.1) this project reads and writes in header label 15.

    ``iss`` and ``sub`` are text (StringOrURI); ``iat``, ``nbf`` and ``exp`` are integer
    NumericDates, seconds since the epoch. Nothing here compares them with a clock: that is
    the verifier's policy, which takes the time as an argument.
    """

    iss: str | None = None
    sub: str | None = None
    iat: int | None = None
    nbf: int | None = None
    exp: int | None = None

    def __post_init__(self) -> None:
        for name in ("iss", "sub"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise MalformedError("cose.bad_claims", f"CWT claim {name} must be text")
        for name in ("iat", "nbf", "exp"):
            value = getattr(self, name)
            if value is not None and not (_is_int(value) and _INT_MIN <= value <= _INT_MAX):
                raise MalformedError(
                    "cose.bad_claims", f"CWT claim {name} must be a 64-bit integer NumericDate"
                )

    def to_map(self) -> dict[int, object]:
        """The CWT Claims Set map, with only the claims that are set."""
        pairs = (
            (CLAIM_ISS, self.iss),
            (CLAIM_SUB, self.sub),
            (CLAIM_EXP, self.exp),
            (CLAIM_NBF, self.nbf),
            (CLAIM_IAT, self.iat),
        )
        return {key: value for key, value in pairs if value is not None}

    @classmethod
    def from_map(cls, claims: object) -> CwtClaims:
        """Read a received claims map; other claims are left in the header for the caller."""
        if not isinstance(claims, Mapping):
            raise MalformedError("cose.bad_claims", "CWT Claims (label 15) must be a map")
        if not all(_is_label(key) for key in claims):
            raise MalformedError("cose.bad_claims", "CWT claim keys are integers or text")

        def text(key: int) -> str | None:
            value = claims.get(key)
            if key in claims and not isinstance(value, str):
                raise MalformedError("cose.bad_claims", f"CWT claim {key} must be text")
            return value

        def date(key: int) -> int | None:
            value = claims.get(key)
            if key in claims and not _is_int(value):
                raise MalformedError("cose.bad_claims", f"CWT claim {key} must be an integer")
            return value

        return cls(
            iss=text(CLAIM_ISS),
            sub=text(CLAIM_SUB),
            iat=date(CLAIM_IAT),
            nbf=date(CLAIM_NBF),
            exp=date(CLAIM_EXP),
        )


@dataclass(frozen=True)
class VerifiedSign1:
    """A COSE_Sign1 whose signature checked out, with its headers as received.

    ``protected`` and ``unprotected`` are read-only maps. ``kid`` may come from either
    header (it is a hint, RFC 9052 §3.1); ``content_type`` and ``claims`` only ever come
    from the protected header.
    """

    alg: int
    kid: bytes | None
    content_type: int | str | None
    claims: CwtClaims | None
    payload: bytes
    protected: Header
    unprotected: Header


#: The names ``--cose-alg`` takes, as the IANA COSE Algorithms registry spells them.
ALG_NAMES: Mapping[str, int] = MappingProxyType({"EdDSA": ALG_EDDSA, "Ed25519": ALG_ED25519})


def alg_from_name(name: str | int) -> int:
    """``"EdDSA"`` → -8, ``"Ed25519"`` → -19; the integers themselves pass through."""
    if isinstance(name, int) and not isinstance(name, bool) and name in ALGORITHMS:
        return name
    if isinstance(name, str) and name in ALG_NAMES:
        return ALG_NAMES[name]
    raise UsageError("cose.bad_alg", f"COSE alg is EdDSA (-8) or Ed25519 (-19), not {name!r}")


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """The bytes an Ed25519 key signs: ``["Signature1", protected, external_aad, payload]``.

    RFC 9052 §4.4, encoded deterministically (§9 requires definite, shortest lengths).
    ``protected`` is the protected header bstr's content exactly as sent or received.
    """
    return encode_deterministic([_SIGN1_CONTEXT, protected, external_aad, payload])


def _check_content_type(value: object, error: type[MalformedError] | type[UsageError]) -> None:
    if isinstance(value, str) and value:
        return
    if _is_int(value) and 0 <= value <= _UINT_MAX:
        return
    raise error("cose.bad_content_type", "content type must be an unsigned integer or text")


def sign(
    key: PrivateKey,
    payload: bytes,
    *,
    kid: bytes,
    content_type: int | str | None = None,
    claims: CwtClaims | None = None,
    external_aad: bytes = b"",
    detached: bool = False,
    alg: int = ALG_ED25519,
) -> bytes:
    """A tagged COSE_Sign1 over ``payload``, deterministic byte for byte.

    Protected header: ``{1: alg, 3: content_type, 4: kid, 15: claims}`` (content type and
    claims only when given), deterministically encoded; unprotected header: empty. With
    ``detached`` the payload is signed but sent as nil, and the receiver must supply it.
    ``alg`` is -19 (Ed25519, RFC 9864) or -8 (EdDSA, RFC 9053), which most deployed COSE
    libraries read today (specs/cose.md §1); the signature is the same Ed25519 either way.
    """
    if not isinstance(kid, bytes):
        raise UsageError("cose.bad_kid", "kid must be bytes")
    if isinstance(alg, bool) or alg not in ALGORITHMS:
        raise UsageError("cose.bad_alg", "alg must be -19 (Ed25519) or -8 (EdDSA)")
    protected_map: dict[int, object] = {HEADER_ALG: alg, HEADER_KID: kid}
    if content_type is not None:
        _check_content_type(content_type, UsageError)
        protected_map[HEADER_CONTENT_TYPE] = content_type
    if claims is not None:
        protected_map[HEADER_CWT_CLAIMS] = claims.to_map()
    protected = encode_deterministic(protected_map)
    signature = key.sign(sig_structure(protected, payload, external_aad))
    body: list[object] = [protected, {}, None if detached else payload, signature]
    return encode_deterministic(CBORTag(COSE_SIGN1_TAG, body))


def _decode(
    data: bytes, *, allow_untagged: bool, max_size: int
) -> tuple[bytes, Header, Header, bytes | None, bytes]:
    """Split a COSE_Sign1 into its parts, refusing anything that is not one."""
    tag = peek_tag(data)
    if tag is None and not allow_untagged:
        raise MalformedError("cose.untagged", "COSE_Sign1 must carry tag 18 here")
    if tag is not None and tag != COSE_SIGN1_TAG:
        raise MalformedError("cose.wrong_tag", f"tag {tag} is not COSE_Sign1 (18)")
    value = decode_cbor(
        data,
        max_size=max_size,
        max_depth=MAX_DEPTH,
        max_items=MAX_ITEMS,
        allowed_tags=frozenset({COSE_SIGN1_TAG}),
    )
    body = value.value if isinstance(value, CBORTag) else value
    if not isinstance(body, Sequence) or isinstance(body, (bytes, str)) or len(body) != 4:
        raise MalformedError("cose.not_sign1", "COSE_Sign1 is an array of four items")
    protected_bytes, unprotected, payload, signature = body
    if not isinstance(protected_bytes, bytes):
        raise MalformedError("cose.protected_not_bytes", "the protected header must be a bstr")
    if not isinstance(unprotected, Mapping):
        raise MalformedError("cose.unprotected_not_map", "the unprotected header must be a map")
    if payload is not None and not isinstance(payload, bytes):
        raise MalformedError("cose.bad_payload", "the payload must be a bstr or nil")
    if not isinstance(signature, bytes):
        raise MalformedError("cose.signature_not_bytes", "the signature must be a bstr")
    protected: object = MappingProxyType({})
    if protected_bytes:  # h'' is the empty map (RFC 9052 §3)
        protected = decode_cbor(
            protected_bytes, max_size=len(protected_bytes), max_depth=MAX_DEPTH, max_items=MAX_ITEMS
        )
    if not isinstance(protected, Mapping):
        raise MalformedError("cose.protected_not_map", "the protected header must be a map")
    return protected_bytes, protected, unprotected, payload, signature


@dataclass(frozen=True)
class _Headers:
    alg: int
    kid: bytes | None
    content_type: int | str | None
    claims: CwtClaims | None


def _check_headers(protected: Header, unprotected: Header, algorithms: Collection[int]) -> _Headers:
    """Enforce the header rules of specs/cose.md §4, in that order."""
    for header in (protected, unprotected):
        if not all(_is_label(label) for label in header):
            raise MalformedError("cose.bad_label", "header labels are integers or text")
    if HEADER_ALG in unprotected:
        raise MalformedError("cose.alg_unprotected", "alg must not be in the unprotected header")
    if HEADER_ALG not in protected:
        raise MalformedError("cose.alg_missing", "alg must be in the protected header")
    alg = protected[HEADER_ALG]
    if not _is_label(alg):
        raise MalformedError("cose.bad_alg", "alg must be an integer or text")
    if not _is_int(alg) or alg not in algorithms:
        raise MalformedError("cose.unsupported_alg", f"algorithm {alg!r} is not supported")
    shared = set(protected).intersection(unprotected)
    if shared:
        raise MalformedError(
            "cose.duplicate_label", f"label {min(shared, key=str)!r} is in both headers"
        )
    for label in _PROTECTED_ONLY:
        if label in unprotected:
            raise MalformedError(
                "cose.header_not_protected", f"header {label} must be in the protected header"
            )
    if HEADER_CRIT in protected:
        _check_crit(protected)
    kid = protected.get(HEADER_KID, unprotected.get(HEADER_KID))
    if (HEADER_KID in protected or HEADER_KID in unprotected) and not isinstance(kid, bytes):
        raise MalformedError("cose.bad_kid", "kid must be a bstr")
    content_type = protected.get(HEADER_CONTENT_TYPE)
    if HEADER_CONTENT_TYPE in protected:
        _check_content_type(content_type, MalformedError)
    claims = None
    if HEADER_CWT_CLAIMS in protected:
        claims = CwtClaims.from_map(protected[HEADER_CWT_CLAIMS])
    return _Headers(
        alg=alg,
        kid=kid if isinstance(kid, bytes) else None,
        content_type=content_type if isinstance(content_type, (int, str)) else None,
        claims=claims,
    )


def _check_crit(protected: Header) -> None:
    """``crit`` (RFC 9052 §3.1): labels that must be present and understood."""
    crit = protected[HEADER_CRIT]
    if (
        not isinstance(crit, Sequence)
        or isinstance(crit, (bytes, str))
        or not crit
        or not all(_is_label(label) for label in crit)
    ):
        raise MalformedError("cose.bad_crit", "crit must be a non-empty array of labels")
    for label in crit:
        if label not in protected:
            raise MalformedError(
                "cose.crit_missing", f"crit names {label!r}, not in the protected header"
            )
        if label not in UNDERSTOOD_LABELS:
            raise MalformedError(
                "cose.crit_unknown", f"crit names {label!r}, which is not understood"
            )


@dataclass(frozen=True)
class Sign1:
    """A COSE_Sign1 parsed once, as received, and NOT verified: nothing here is vouched for.

    Every rule of specs/cose.md §4 but the payload and the signature (steps 1-17) held.
    ``protected_bytes`` is the protected header bstr's content exactly as received (what the
    signature covers); ``protected`` is that map decoded, ``unprotected`` the unprotected map,
    both read-only. ``kid`` comes from either header (a hint, RFC 9052 §3.1; use
    ``HEADER_KID in protected`` to know which); ``content_type`` and ``claims`` only from the
    protected header. ``payload`` is None when it is detached.
    """

    protected_bytes: bytes
    protected: Header
    unprotected: Header
    alg: int
    kid: bytes | None
    content_type: int | str | None
    claims: CwtClaims | None
    payload: bytes | None
    signature: bytes

    def verify(
        self,
        public_key: PublicKey,
        *,
        external_aad: bytes = b"",
        detached_payload: bytes | None = None,
    ) -> VerifiedSign1:
        """Check this message's signature by ``public_key`` (specs/cose.md §4 steps 18-19)."""
        payload = self.payload
        if payload is None:
            if detached_payload is None:
                raise MalformedError("cose.payload_missing", "the payload is detached: supply it")
            payload = detached_payload
        elif detached_payload is not None:
            raise MalformedError("cose.payload_not_detached", "the message carries its own payload")
        public_key.verify(
            sig_structure(self.protected_bytes, payload, external_aad), self.signature
        )
        return VerifiedSign1(
            alg=self.alg,
            kid=self.kid,
            content_type=self.content_type,
            claims=self.claims,
            payload=payload,
            protected=self.protected,
            unprotected=self.unprotected,
        )


def parse_sign1(
    data: bytes,
    *,
    allow_untagged: bool = False,
    algorithms: Collection[int] = ALGORITHMS,
    max_size: int = MAX_MESSAGE_SIZE,
) -> Sign1:
    """Parse a COSE_Sign1 once, checking its structure and headers but NOT its signature.

    Raises exactly as :func:`verify` does before any signature work (specs/cose.md §4 steps
    1-17): ``UsageError`` for bad ``algorithms``, ``MalformedError`` (``cose.*``, ``cbor.*``)
    or ``LimitExceededError`` otherwise. What it returns is unverified; call
    :meth:`Sign1.verify` before trusting any of it.
    """
    if not algorithms or not set(algorithms) <= ALGORITHMS:
        raise UsageError("cose.bad_algorithms", "algorithms must be a non-empty subset of -19, -8")
    protected_bytes, protected, unprotected, payload, signature = _decode(
        data, allow_untagged=allow_untagged, max_size=max_size
    )
    headers = _check_headers(protected, unprotected, algorithms)
    return Sign1(
        protected_bytes=protected_bytes,
        protected=protected,
        unprotected=unprotected,
        alg=headers.alg,
        kid=headers.kid,
        content_type=headers.content_type,
        claims=headers.claims,
        payload=payload,
        signature=signature,
    )


def verify(
    data: bytes,
    public_key: PublicKey,
    *,
    external_aad: bytes = b"",
    detached_payload: bytes | None = None,
    allow_untagged: bool = False,
    algorithms: Collection[int] = ALGORITHMS,
    max_size: int = MAX_MESSAGE_SIZE,
) -> VerifiedSign1:
    """Verify a COSE_Sign1 signed by ``public_key``; raise unless every rule holds.

    :func:`parse_sign1` then :meth:`Sign1.verify`. Structure and headers are checked first
    (MalformedError), the signature last (VerificationError from :meth:`PublicKey.verify`).
    ``algorithms`` narrows the accepted ``alg`` values (say, to ``{ALG_ED25519}`` only);
    ``detached_payload`` supplies a payload sent as nil, and is refused when the message
    carries its own.
    """
    parsed = parse_sign1(
        data, allow_untagged=allow_untagged, algorithms=algorithms, max_size=max_size
    )
    return parsed.verify(public_key, external_aad=external_aad, detached_payload=detached_payload)
