"""Sign a caller's W3C credential with the issuer's key: the VC-API issuing operation.

:mod:`attest.evaluation.credential` writes attest's own evaluation credentials. This module signs a
credential that somebody else composed (a marketplace, a test suite) as an issuer service
does: it refuses a document that breaks the data model (:mod:`attest.vc.model`), names an issuer
other than the key's did:key, already carries a proof, or uses a term no shipped context defines
(:func:`attest.vc.jsonld.expand_safe`); it can give the credential a Bitstring Status List entry
per purpose from the issuer's status store; then it adds one Data Integrity proof with the
chosen cryptosuite, ``created`` = ``now``. Rules: specs/vc-api.md §2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from attest.codec.canonical import JsonValue, json_copy
from attest.codec.dates import format_datetime_stamp
from attest.errors import MalformedError, UsageError
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.vc import data_integrity, jsonld, status_list
from attest.vc import model as vc_model
from attest.vc.contexts import DATA_INTEGRITY_V2

__all__ = ["CRYPTOSUITES", "IssueRequest", "issue_credential"]

CRYPTOSUITES: Final = tuple(sorted(data_integrity.SUPPORTED_CRYPTOSUITES))
"""What an issued credential can be signed with: every cryptosuite attest signs and verifies."""

StatusAllocator = Callable[[Sequence[str]], Sequence[status_list.StatusEntry]]
"""Allocates one index and returns its entries for the given purposes, durably."""


@dataclass(frozen=True)
class IssueRequest:
    """What the caller asks for beside the credential itself."""

    cryptosuite: str = "eddsa-jcs-2022"
    status_purposes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.cryptosuite not in CRYPTOSUITES:
            raise UsageError(
                "issue.unsupported_cryptosuite",
                f"cryptosuite {self.cryptosuite[:60]!r} is not one of {', '.join(CRYPTOSUITES)}",
            )
        for purpose in self.status_purposes:
            if purpose not in status_list.PURPOSES:
                raise UsageError(
                    "status.unsupported_purpose",
                    f"status purpose {purpose[:60]!r} is not one of "
                    + ", ".join(status_list.PURPOSES),
                )
        if len(set(self.status_purposes)) != len(self.status_purposes):
            raise UsageError("status.duplicate_purpose", "a status purpose is asked for twice")


def issue_credential(
    credential: object,
    key: PrivateKey,
    *,
    now: datetime,
    request: IssueRequest | None = None,
    allocate_status: StatusAllocator | None = None,
) -> dict[str, JsonValue]:
    """The credential secured with one proof by ``key`` (see the module docstring).

    Raises :class:`MalformedError` (``vc.*``, ``jsonld.*``, ``issue.*``) for a credential this
    issuer must not sign, :class:`UsageError` for a request it cannot carry out.
    """
    request = request or IssueRequest()
    version = vc_model.check_credential(credential)
    assert isinstance(credential, Mapping)
    if "proof" in credential:
        raise MalformedError("issue.already_secured", "the credential already has a proof")
    issuer = credential["issuer"]
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    mine = did_key.encode_did_key(key.public_key)
    if issuer_id != mine:
        raise MalformedError(
            "issue.wrong_issuer", f"this service issues as {mine}, not {str(issuer_id)[:100]!r}"
        )
    document = json_copy(credential)
    assert isinstance(document, dict)
    if request.status_purposes:
        if allocate_status is None:
            raise UsageError("issue.no_status_list", "this issuer keeps no status list")
        if "credentialStatus" in document:
            raise MalformedError(
                "issue.status_conflict", "the credential already has a credentialStatus"
            )
        if version is not vc_model.ModelVersion.V2_0:
            raise MalformedError(
                "issue.status_needs_v2", "a BitstringStatusListEntry needs a VC 2.0 credential"
            )
    if version is vc_model.ModelVersion.V1_1:
        _add_data_integrity_context(document)
    vc_model.check_agreement(document, jsonld.expand_safe(document))
    if request.status_purposes:
        assert allocate_status is not None
        entries: list[JsonValue] = [
            dict(e.to_json()) for e in allocate_status(request.status_purposes)
        ]
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    options = data_integrity.ProofOptions(created=format_datetime_stamp(now.replace(microsecond=0)))
    return _sign(document, key, options, request.cryptosuite)


def _add_data_integrity_context(document: dict[str, Any]) -> None:
    """VC 1.1's context does not define the proof's terms: a DataIntegrityProof on a VC 1.1
    credential needs the Data Integrity context beside it (Data Integrity 1.0 §2.4.1)."""
    contexts = document["@context"]
    if DATA_INTEGRITY_V2 not in contexts:
        document["@context"] = [*contexts, DATA_INTEGRITY_V2]


def _sign(
    document: dict[str, Any], key: PrivateKey, options: data_integrity.ProofOptions, suite: str
) -> dict[str, JsonValue]:
    return data_integrity.add_proof(document, key, options, cryptosuite=suite)
