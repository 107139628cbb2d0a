"""Status lists as other issuers write them (specs/status.md §4): no ``validFrom`` (Digital
Bazaar's), and signed with eddsa-rdfc-2022."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from attest.errors import AttestError, MalformedError, VerificationError
from attest.keys import did_key
from attest.keys.ed25519 import PrivateKey
from attest.vc import data_integrity
from attest.vc import status_list as sl

ISSUER = PrivateKey(b"\x52" * 32)
ISSUER_DID = did_key.encode_did_key(ISSUER.public_key)
URL = "https://status.example/lists/revocation"
T0 = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
ENTRY = sl.StatusEntry("revocation", 1234, URL)


def _db_style(bits: bytes, *, cryptosuite: str = "eddsa-rdfc-2022") -> dict[str, Any]:
    """A list shaped as Digital Bazaar's @digitalbazaar/vc-bitstring-status-list writes it:
    VC 2.0 context, no validFrom / validUntil, subject with an id."""
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER_DID,
        "credentialSubject": {
            "id": URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": sl.encode_list(bits),
        },
    }
    return dict(data_integrity.add_proof(doc, ISSUER, cryptosuite=cryptosuite))


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_undated_list_accepted_without_max_age(suite: str) -> None:
    bits = sl.with_bit(sl.new_list(), 1234, True)
    doc = _db_style(bits, cryptosuite=suite)
    result = sl.check_status(ENTRY, doc, issuer=ISSUER_DID, now=T0, max_age=None)
    assert result.set and not result.dated
    assert result.list_valid_from == sl.UNDATED and result.list_valid_until is None
    clear = sl.check_status(
        sl.StatusEntry("revocation", 1235, URL), doc, issuer=ISSUER_DID, now=T0, max_age=None
    )
    assert not clear.set


def test_undated_list_is_stale_when_the_age_is_bounded() -> None:
    doc = _db_style(sl.new_list())
    with pytest.raises(VerificationError) as err:
        sl.check_status(ENTRY, doc, issuer=ISSUER_DID, now=T0, max_age=timedelta(days=3650))
    assert err.value.code == "status.stale"
    assert "no validFrom" in err.value.message


def test_dated_rdfc_list_accepted_and_its_window_checked() -> None:
    doc = sl.status_list_credential(
        ISSUER, url=URL, purpose="revocation", bits=sl.new_list(), valid_from=T0, valid_until=None
    )
    del doc["proof"]
    signed = dict(data_integrity.add_proof(doc, ISSUER, cryptosuite="eddsa-rdfc-2022"))
    result = sl.check_status(ENTRY, signed, issuer=ISSUER_DID, now=T0, max_age=timedelta(days=1))
    assert result.dated and result.list_valid_from == T0
    with pytest.raises(VerificationError) as err:
        sl.check_status(
            ENTRY, signed, issuer=ISSUER_DID, now=T0 + timedelta(days=2), max_age=timedelta(days=1)
        )
    assert err.value.code == "status.stale"


def test_rdfc_list_with_unsigned_changes_refused() -> None:
    """rdfc signs RDF, so the JSON-level tricks a third party could add are refused: an inline
    context, and a changed bitstring."""
    doc = _db_style(sl.new_list())
    inline = copy.deepcopy(doc)
    inline["@context"] = [*inline["@context"], {"revoked": "https://example.com/x"}]
    with pytest.raises(AttestError):
        sl.check_status(ENTRY, inline, issuer=ISSUER_DID, now=T0, max_age=None)
    flipped = copy.deepcopy(doc)
    flipped["credentialSubject"]["encodedList"] = sl.encode_list(
        sl.with_bit(sl.new_list(), 1234, True)
    )
    with pytest.raises(VerificationError) as err:
        sl.check_status(ENTRY, flipped, issuer=ISSUER_DID, now=T0, max_age=None)
    assert err.value.code.startswith("signature.")


def test_valid_from_of_the_wrong_type_is_still_malformed() -> None:
    doc = _db_style(sl.new_list())
    del doc["proof"]
    doc["validFrom"] = ["2026-11-26T12:00:00Z"]
    signed = dict(data_integrity.add_proof(doc, ISSUER))
    with pytest.raises(MalformedError) as err:
        sl.check_status(ENTRY, signed, issuer=ISSUER_DID, now=T0, max_age=None)
    assert err.value.code == "status.bad_list_credential"
