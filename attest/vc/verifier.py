"""Verify any issuer's verifiable credential or presentation, offline, to a typed result.

This is the counterparty's check of a W3C credential that attest did not necessarily issue
(a bundle with log proofs goes through :mod:`attest.verifier.pipeline` instead). A credential
verifies
when, in order: it follows the data model (:mod:`attest.vc.model`); every term is defined by a
shipped context (:func:`attest.vc.jsonld.expand_safe`, nothing fetched); every Data Integrity proof
(eddsa-jcs-2022 or eddsa-rdfc-2022, proof sets and chains) verifies with a did:key of the
issuer for ``assertionMethod``; ``now`` is inside its validity period; and each status entry's
list, given by the caller, verifies and has the bit clear. A presentation verifies when its own
proof (``authentication``, with the expected challenge and domain) and every credential in it
verify. The result names every check run and every problem by code: nothing is "valid" that
was not checked. Rules: specs/vc-api.md §4.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from attest.errors import AttestError, MalformedError, UsageError, VerificationError
from attest.vc import data_integrity, jsonld, status_list
from attest.vc import model as vc_model

__all__ = [
    "CREDENTIAL_CHECKS",
    "PRESENTATION_CHECKS",
    "Problem",
    "StatusLists",
    "VerificationResult",
    "verify_credential",
    "verify_presentation",
]

CREDENTIAL_CHECKS: Final = ("proof", "issuer", "validity", "credentialStatus")
"""The checks a credential verification runs, in order: ``issuer`` only with trusted issuers,
``credentialStatus`` only when the credential has entries."""
PRESENTATION_CHECKS: Final = ("proof",)

StatusLists = Callable[[str], Mapping[str, Any] | None]
"""Returns the status list credential published at a URL, or ``None`` when unknown."""

_STATUS_MAX_AGE: Final = timedelta(days=1)


@dataclass(frozen=True)
class Problem:
    """One reason a verification failed (or a warning): a stable code and a message."""

    code: str
    message: str
    #: The input broke a format rule (rather than failing a check on a well-formed input).
    malformed: bool = False

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    @classmethod
    def of(cls, exc: AttestError, where: str = "") -> Problem:
        return cls(exc.code, f"{where}{exc.message}", isinstance(exc, MalformedError))


@dataclass(frozen=True)
class VerificationResult:
    """What verification found: ``verified`` only if every check ran and passed."""

    verified: bool
    checks: tuple[str, ...]
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    proofs: tuple[data_integrity.VerifiedProof, ...] = ()
    credentials: tuple[VerificationResult, ...] = field(default=())

    @property
    def malformed(self) -> bool:
        """Whether the first error is about the document's shape rather than a failed check."""
        return bool(self.errors) and self.errors[0].malformed

    def to_json(self) -> dict[str, Any]:
        """The VC-API verification response body."""
        doc: dict[str, Any] = {
            "verified": self.verified,
            "checks": list(self.checks),
            "warnings": [w.to_json() for w in self.warnings],
            "errors": [e.to_json() for e in self.errors],
        }
        if self.credentials:
            doc["credentialResults"] = [c.to_json() for c in self.credentials]
        return doc


def verify_credential(
    credential: object,
    *,
    now: datetime,
    status_lists: StatusLists | None = None,
    status_max_age: timedelta | None = _STATUS_MAX_AGE,
    trusted_issuers: Collection[str] | None = None,
) -> VerificationResult:
    """Verify one credential (see the module docstring). Never raises for bad input: every
    problem is in the result's ``errors``.

    With ``trusted_issuers``, the issuer must also be one of them (``vc.untrusted_issuer``):
    a valid signature says who issued, not whether to believe them.
    """
    _check_now(now)
    checks: list[str] = []
    try:
        vc_model.check_credential(credential)
        assert isinstance(credential, Mapping)
        data_integrity.check_rdfc_form(credential)
        vc_model.check_agreement(credential, jsonld.expand_safe(credential))
        proofs = _issuer_proofs(credential, now)
        checks.append("proof")
        if trusted_issuers is not None:
            issuer = _issuer_id(credential)
            if issuer not in trusted_issuers:
                raise VerificationError(
                    "vc.untrusted_issuer", f"the issuer {issuer[:100]!r} is not one you trust"
                )
            checks.append("issuer")
        _check_validity(credential, now)
        checks.append("validity")
        if "credentialStatus" in credential:
            _check_status(credential, now, status_lists, status_max_age)
            checks.append("credentialStatus")
    except AttestError as exc:
        return VerificationResult(False, tuple(checks), (Problem.of(exc),))
    return VerificationResult(True, tuple(checks), proofs=proofs)


def verify_presentation(
    presentation: object,
    *,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
    status_lists: StatusLists | None = None,
    require_proof: bool = True,
    trusted_issuers: Collection[str] | None = None,
) -> VerificationResult:
    """Verify a presentation: its ``authentication`` proof by the holder, bound to
    ``challenge`` and ``domain`` when given, then each credential it holds (each issuer one
    of ``trusted_issuers``, when given)."""
    _check_now(now)
    checks: list[str] = []
    proofs: tuple[data_integrity.VerifiedProof, ...] = ()
    try:
        vc_model.check_presentation(presentation)
        assert isinstance(presentation, Mapping)
        data_integrity.check_rdfc_form(presentation)
        vc_model.check_agreement(presentation, jsonld.expand_safe(presentation))
        if "proof" in presentation or require_proof or challenge is not None:
            proofs = _holder_proofs(presentation, challenge, domain, now)
            checks.append("proof")
    except AttestError as exc:
        return VerificationResult(False, tuple(checks), (Problem.of(exc),))
    value = presentation.get("verifiableCredential", [])
    embedded: Sequence[object] = value if isinstance(value, list) else [value]
    results = tuple(
        verify_credential(vc, now=now, status_lists=status_lists, trusted_issuers=trusted_issuers)
        for vc in embedded
    )
    errors = tuple(
        Problem(e.code, f"credential {i}: {e.message}", e.malformed)
        for i, r in enumerate(results)
        for e in r.errors
    )
    return VerificationResult(not errors, tuple(checks), errors, proofs=proofs, credentials=results)


# --- the checks -------------------------------------------------------------------------------


def _issuer_proofs(
    credential: Mapping[str, Any], now: datetime
) -> tuple[data_integrity.VerifiedProof, ...]:
    issuer_id = _issuer_id(credential)
    # A proof set or chain in which no proof even names the issuer's key is refused before any
    # canonicalization: sixteen valid rdfc proofs by strangers would cost seconds of CPU to
    # reject. (One proof costs what any verification costs, and is checked first.)
    listed = _as_list(credential.get("proof"))
    methods = [p.get("verificationMethod") for p in listed if isinstance(p, Mapping)]
    if len(listed) > 1 and not any(
        isinstance(m, str) and m.split("#", 1)[0] == issuer_id for m in methods
    ):
        raise VerificationError(
            "vc.issuer_mismatch", f"no proof names a key of the issuer {issuer_id[:100]!r}"
        )
    proofs = data_integrity.verify_proof_set(
        credential, expected_proof_purpose="assertionMethod", now=now
    )
    # Every proof must verify; at least one must be the issuer's. Others (a notary's proof
    # in a chain, a co-signer's in a set) are allowed beside it, never instead of it.
    if not any(proof.controller == issuer_id for proof in proofs):
        raise VerificationError(
            "vc.issuer_mismatch",
            f"no proof is by the issuer {str(issuer_id)[:100]!r}",
        )
    return proofs


def _holder_proofs(
    presentation: Mapping[str, Any], challenge: str | None, domain: str | None, now: datetime
) -> tuple[data_integrity.VerifiedProof, ...]:
    if "proof" not in presentation:
        raise VerificationError("vp.missing_proof", "the presentation has no proof")
    proofs = data_integrity.verify_proof_set(
        presentation,
        expected_proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
        now=now,
    )
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    for proof in proofs:
        if challenge is not None and proof.challenge != challenge:
            raise VerificationError("vp.challenge_mismatch", "the proof's challenge differs")
        if domain is not None and domain not in proof.domain:
            raise VerificationError("vp.domain_mismatch", "the proof's domain differs")
        if holder_id is not None and proof.controller != holder_id:
            raise VerificationError(
                "vp.holder_mismatch", "the presentation is not signed by its holder's key"
            )
    return proofs


def _check_validity(credential: Mapping[str, Any], now: datetime) -> None:
    start, end = vc_model.validity_period(credential)
    if start is not None and now < start:
        raise VerificationError("vc.not_yet_valid", "the credential is not valid yet")
    if end is not None and now > end:
        raise VerificationError("vc.expired", "the credential's validity period has ended")


def _check_status(
    credential: Mapping[str, Any],
    now: datetime,
    status_lists: StatusLists | None,
    max_age: timedelta | None,
) -> None:
    entries = status_list.credential_entries(credential)
    issuer_id = _issuer_id(credential)
    for entry in entries:
        listed = status_lists(entry.list_url) if status_lists is not None else None
        if listed is None:
            raise VerificationError(
                "status.unavailable",
                f"the status list {entry.list_url[:200]!r} is not available to this verifier",
            )
        status_list.check_status(
            entry, listed, issuer=issuer_id, now=now, max_age=max_age
        ).require_clear()


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential["issuer"]
    return str(issuer["id"] if isinstance(issuer, Mapping) else issuer)


def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise UsageError("verify.naive_time", "now must be an aware datetime")
