"""The VC-API endpoints over real HTTP on loopback: uvicorn serving the app, httpx as client.

Each endpoint's success and refusal shapes: issuing with both cryptosuites and with status
entries, verifying attest's and other issuers' credentials (the W3C vectors), status changes
seen by the verifier, and presentations bound to a challenge and domain.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attest.codec.dates import format_datetime_stamp
from attest.errors import AttestError, MalformedError, UsageError
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.service import VcApi, VcApiConfig, create_app
from attest.store import status as status_store
from attest.vc import data_integrity, jsonld
from attest.vc.issuer import IssueRequest, issue_credential
from attest.vc.verifier import verify_credential

from .helpers.serving import running

VECTORS = Path(__file__).parent.parent / "test_vectors" / "vc-di-eddsa"
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
LIST_BASE = "https://issuer.example/status"
FOREIGN_STATUS = {  # an entry in a list that no verifier here holds
    "id": "https://elsewhere.example/list#5",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "5",
    "statusListCredential": "https://elsewhere.example/list",
}


@dataclass
class Server:
    url: str
    client: httpx.Client
    issuer: str

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.client.post(self.url + path, json=body)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    key = PrivateKey(bytes(range(32)))
    store = status_store.init(tmp_path_factory.mktemp("vcapi") / "status", LIST_BASE)
    app = create_app(None, vcapi=VcApi(key, store, VcApiConfig(open_issuing=True)))
    with running(app) as url, httpx.Client(timeout=30) as client:
        yield Server(url, client, encode_did_key(key.public_key))
    store.close()


def _credential(issuer: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2, EXAMPLES],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "alumniOf": {"name": "Example University"},
        },
    }
    doc.update(extra)
    return doc


def _issue(server: Server, credential: dict[str, Any], **options: Any) -> dict[str, Any]:
    r = server.post("/credentials/issue", {"credential": credential, "options": options})
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert isinstance(vc, dict)
    return vc


def _code(r: httpx.Response) -> str:
    body = r.json()
    if "error" in body:
        return str(body["error"]["code"])
    return str(body["errors"][0]["code"])


# --- issuing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "eddsa-rdfc-2022"])
def test_issue_then_verify(server: Server, suite: str) -> None:
    credential = _credential(server.issuer)
    vc = _issue(server, credential, cryptosuite=suite)
    proof = vc.pop("proof")
    assert vc == credential  # the issuer adds the proof and nothing else
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == suite
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"].startswith(server.issuer + "#")
    vc["proof"] = proof
    r = server.post("/credentials/verify", {"verifiableCredential": vc, "options": {}})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "verified": True,
        "checks": ["proof", "validity"],
        "warnings": [],
        "errors": [],
    }
    # The same credential with one claim changed no longer verifies: 422, never 200.
    vc["credentialSubject"]["alumniOf"]["name"] = "Other University"
    r = server.post("/credentials/verify", {"verifiableCredential": vc})
    assert r.status_code == 422
    assert r.json()["verified"] is False
    assert _code(r) == "signature.invalid"


def test_issue_a_vc_1_1_credential(server: Server) -> None:
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1", EXAMPLES],
        "type": ["VerifiableCredential"],
        "issuer": server.issuer,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abc"},
    }
    vc = _issue(server, credential, cryptosuite="eddsa-rdfc-2022")
    r = server.post("/credentials/verify", {"verifiableCredential": vc})
    assert r.status_code == 200, r.text


REFUSED_CREDENTIALS: list[tuple[str, Any, str]] = [
    ("no @context", lambda c: c.pop("@context"), "vc.bad_context"),
    ("base context second", lambda c: c["@context"].reverse(), "vc.bad_context"),
    ("@context a string", lambda c: c.__setitem__("@context", V2), "vc.bad_context"),
    ("no type", lambda c: c.pop("type"), "vc.bad_type"),
    ("type lacks VC", lambda c: c.__setitem__("type", ["ExampleAlumniCredential"]), "vc.bad_type"),
    ("no subject", lambda c: c.pop("credentialSubject"), "vc.bad_credentialSubject"),
    ("empty subject", lambda c: c.__setitem__("credentialSubject", {}), "vc.bad_credentialSubject"),
    ("issuer not a URL", lambda c: c.__setitem__("issuer", "me"), "vc.bad_issuer"),
    ("bad validFrom", lambda c: c.__setitem__("validFrom", "2026-01-01"), "vc.bad_validFrom"),
    (
        "validUntil before validFrom",
        lambda c: c.__setitem__("validUntil", "2025-01-01T00:00:00Z"),
        "vc.bad_validUntil",
    ),
    ("id not a URL", lambda c: c.__setitem__("id", "not a url"), "vc.bad_id"),
    (
        "status without type",
        lambda c: c.__setitem__("credentialStatus", {"id": "https://x.example/1"}),
        "vc.bad_credentialStatus",
    ),
    (
        "schema without id",
        lambda c: c.__setitem__("credentialSchema", {"type": "JsonSchema"}),
        "vc.bad_credentialSchema",
    ),
    (
        "refreshService without type",
        lambda c: c.__setitem__("refreshService", {"id": "https://x.example/r"}),
        "vc.bad_refreshService",
    ),
    (
        "relatedResource without digest",
        lambda c: c.__setitem__("relatedResource", [{"id": "https://x.example/r"}]),
        "vc.bad_relatedResource",
    ),
    (
        "already signed",
        lambda c: c.__setitem__("proof", {"type": "DataIntegrityProof"}),
        "issue.already_secured",
    ),
]


@pytest.mark.parametrize(("name", "change", "code"), REFUSED_CREDENTIALS)
def test_issue_refuses_nonconforming_credentials(
    server: Server, name: str, change: Any, code: str
) -> None:
    credential = _credential(server.issuer)
    change(credential)
    r = server.post("/credentials/issue", {"credential": credential})
    assert r.status_code == 400, (name, r.text)
    assert _code(r) == code, name


def test_issue_refuses_undefined_terms_and_other_issuers(server: Server) -> None:
    # VC 1.1 has no @vocab: a term no context defines is refused, not silently dropped.
    v1 = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": server.issuer,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abc", "undefinedTerm": "x"},
    }
    r = server.post("/credentials/issue", {"credential": v1})
    assert r.status_code == 400
    assert _code(r).startswith("jsonld.")
    # A context attest does not ship is refused without fetching it.
    credential = _credential(server.issuer)
    credential["@context"] = [V2, "https://example.com/unknown-context/v1"]
    r = server.post("/credentials/issue", {"credential": credential})
    assert r.status_code == 400
    # A credential that states its validUntil under another name is not signed either.
    aliased = _credential(server.issuer)
    aliased["@context"] = [
        *aliased["@context"],
        {"until": "https://www.w3.org/2018/credentials#validUntil"},
    ]
    aliased["until"] = "2030-01-01T00:00:00Z"
    r = server.post("/credentials/issue", {"credential": aliased})
    assert (r.status_code, _code(r)) == (400, "vc.aliased_term")
    other = encode_did_key(PrivateKey(bytes(32)).public_key)
    r = server.post("/credentials/issue", {"credential": _credential(other)})
    assert (r.status_code, _code(r)) == (400, "issue.wrong_issuer")
    r = server.post(
        "/credentials/issue",
        {"credential": _credential(server.issuer), "options": {"cryptosuite": "ecdsa-rdfc-2019"}},
    )
    assert (r.status_code, _code(r)) == (400, "issue.unsupported_cryptosuite")


def test_request_shapes_are_refused(server: Server) -> None:
    url = server.url + "/credentials/issue"
    r = server.client.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    r = server.client.post(url, content=b"[]", headers={"content-type": "application/json"})
    assert (r.status_code, _code(r)) == (400, "request.not_an_object")
    r = server.client.post(url, content=b"{}", headers={"content-type": "text/plain"})
    assert (r.status_code, _code(r)) == (415, "request.unsupported_media_type")
    r = server.post("/credentials/issue", {"options": {}})
    assert (r.status_code, _code(r)) == (400, "request.missing")
    r = server.post("/credentials/issue", {"credential": "a string"})
    assert (r.status_code, _code(r)) == (400, "request.bad_member")
    r = server.post("/credentials/issue", {"credential": _credential(server.issuer), "options": 1})
    assert (r.status_code, _code(r)) == (400, "request.bad_options")
    r = server.post("/credentials/verify", {})
    assert (r.status_code, _code(r)) == (400, "request.missing")
    r = server.client.get(server.url + "/credentials/issue")
    assert r.status_code == 405
    big = {"credential": _credential(server.issuer, name="x" * (1 << 20))}
    r = server.post("/credentials/issue", big)
    assert r.status_code == 413


# --- verifying --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vector", ["eddsa-jcs-2022/signedJCS.json", "eddsa-rdfc-2022/signedDataInt.json"]
)
def test_verify_the_w3c_vectors(server: Server, vector: str) -> None:
    # The W3C vectors are signed with a did:key but name an https issuer: the signature
    # verifies, but nothing offline binds that key to that issuer, so they are not verified.
    vc = json.loads((VECTORS / vector).read_text())
    r = server.post("/credentials/verify", {"verifiableCredential": vc})
    assert (r.status_code, _code(r)) == (422, "vc.issuer_mismatch")
    # Once the proof's key is the issuer, the same signature would be checked: a tampered
    # proof value fails on the signature before the issuer is considered.
    vc["proof"]["proofValue"] = vc["proof"]["proofValue"][:-2] + "11"
    r = server.post("/credentials/verify", {"verifiableCredential": vc})
    assert r.status_code in (400, 422)
    assert _code(r).startswith(("signature.", "di.")), r.text


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "eddsa-rdfc-2022"])
def test_verify_credentials_of_other_issuers(server: Server, suite: str) -> None:
    other = PrivateKey(b"o" * 32)
    credential = _credential(encode_did_key(other.public_key))
    options = data_integrity.ProofOptions(created="2026-01-01T00:00:00Z")
    vc = data_integrity.add_proof(credential, other, options, cryptosuite=suite)
    r = server.post("/credentials/verify", {"verifiableCredential": vc})
    assert r.status_code == 200, r.text
    assert r.json()["verified"] is True
    # A second proof by a co-signer makes a proof set; both are verified.
    cosigned = data_integrity.add_proof(vc, PrivateKey(b"c" * 32), options, cryptosuite=suite)
    assert server.post("/credentials/verify", {"verifiableCredential": cosigned}).status_code == 200
    cosigned["proof"][1]["proofValue"] = vc["proof"]["proofValue"]
    r = server.post("/credentials/verify", {"verifiableCredential": cosigned})
    assert (r.status_code, _code(r)) == (422, "signature.invalid")
    # A proof only by someone other than the issuer is not the issuer's credential.
    forged = data_integrity.add_proof(credential, PrivateKey(b"c" * 32), options, cryptosuite=suite)
    r = server.post("/credentials/verify", {"verifiableCredential": forged})
    assert (r.status_code, _code(r)) == (422, "vc.issuer_mismatch")


def test_verify_refuses_expired_and_future_credentials(server: Server) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    expired = _credential(
        server.issuer,
        validFrom=format_datetime_stamp(now - timedelta(days=2)),
        validUntil=format_datetime_stamp(now - timedelta(days=1)),
    )
    future = _credential(server.issuer, validFrom=format_datetime_stamp(now + timedelta(days=1)))
    for credential, code in ((expired, "vc.expired"), (future, "vc.not_yet_valid")):
        vc = _issue(server, credential)
        r = server.post("/credentials/verify", {"verifiableCredential": vc})
        assert (r.status_code, _code(r)) == (422, code)
        assert r.json()["checks"] == ["proof"]


def test_verify_refuses_malformed_credentials_with_400(server: Server) -> None:
    vc = _issue(server, _credential(server.issuer))
    broken = copy.deepcopy(vc)
    broken["@context"] = [EXAMPLES, V2]
    r = server.post("/credentials/verify", {"verifiableCredential": broken})
    assert (r.status_code, _code(r)) == (400, "vc.bad_context")
    assert r.json()["verified"] is False
    unsigned = copy.deepcopy(vc)
    del unsigned["proof"]
    r = server.post("/credentials/verify", {"verifiableCredential": unsigned})
    assert r.status_code in (400, 422)
    assert r.json()["verified"] is False


# --- status -----------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_status_entries_lists_and_updates(server: Server, purpose: str) -> None:
    status = {"type": "BitstringStatusListEntry", "statusPurpose": purpose}
    vc = _issue(server, _credential(server.issuer), credentialStatus=status)
    entry = vc["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == purpose
    assert entry["statusListCredential"] == f"{LIST_BASE}/{purpose}"
    # The list is served, signed by the issuer, at its URL's path.
    r = server.client.get(server.url + f"/status/{purpose}")
    assert r.status_code == 200
    listed = r.json()
    assert listed["id"] == entry["statusListCredential"]
    assert listed["issuer"] == server.issuer
    data_integrity.verify_proof(listed)

    r = server.post("/credentials/verify", {"verifiableCredential": vc})
    assert r.status_code == 200, r.text
    assert r.json()["checks"] == ["proof", "validity", "credentialStatus"]

    change = {"credential": vc, "credentialStatus": [{"statusPurpose": purpose, "status": True}]}
    r = server.post("/credentials/status", change)
    assert r.status_code == 200, r.text
    r = server.post("/credentials/verify", {"verifiableCredential": vc})
    code = "status.revoked" if purpose == "revocation" else "status.suspended"
    assert (r.status_code, _code(r)) == (422, code)

    if purpose == "suspension":  # a suspension can be lifted; the verifier sees it at once
        change["credentialStatus"] = [{"statusPurpose": purpose, "status": False}]
        assert server.post("/credentials/status", change).status_code == 200
        r = server.post("/credentials/verify", {"verifiableCredential": vc})
        assert r.status_code == 200
    else:  # a revocation is permanent
        change["credentialStatus"] = [{"statusPurpose": purpose, "status": False}]
        r = server.post("/credentials/status", change)
        assert (r.status_code, _code(r)) == (400, "status_store.revocation_permanent")


def test_status_refusals(server: Server) -> None:
    bad = {"type": "StatusList2021Entry", "statusPurpose": "revocation"}
    r = server.post(
        "/credentials/issue",
        {"credential": _credential(server.issuer), "options": {"credentialStatus": bad}},
    )
    assert (r.status_code, _code(r)) == (400, "request.bad_options")
    vc = _issue(server, _credential(server.issuer))  # no status entry
    change = {
        "credential": vc,
        "credentialStatus": [{"statusPurpose": "revocation", "status": True}],
    }
    r = server.post("/credentials/status", change)
    assert (r.status_code, _code(r)) == (400, "status.no_entry")
    # A status entry pointing at a list this verifier cannot see fails closed.
    foreign = _credential(
        server.issuer,
        credentialStatus=FOREIGN_STATUS,
    )
    vc = _issue(server, foreign)
    r = server.post("/credentials/verify", {"verifiableCredential": vc})
    assert (r.status_code, _code(r)) == (422, "status.unavailable")


# --- presentations ----------------------------------------------------------------------------


def _presentation(
    holder: PrivateKey, vcs: list[dict[str, Any]], challenge: str, domain: str
) -> dict[str, Any]:
    vp = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": encode_did_key(holder.public_key),
        "verifiableCredential": vcs,
    }
    options = data_integrity.ProofOptions(
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
        created="2026-11-26T00:00:00Z",
    )
    return data_integrity.add_proof(vp, holder, options)


def test_presentations(server: Server) -> None:
    holder = PrivateKey(b"h" * 32)
    vc = _issue(server, _credential(server.issuer))
    vp = _presentation(holder, [vc], "c-123", "verifier.example")
    ok = {
        "verifiablePresentation": vp,
        "options": {"challenge": "c-123", "domain": "verifier.example"},
    }
    r = server.post("/presentations/verify", ok)
    assert r.status_code == 200, r.text
    assert r.json()["verified"] is True
    assert r.json()["credentialResults"][0]["verified"] is True

    for options, code in (
        ({"challenge": "other", "domain": "verifier.example"}, "di.challenge_mismatch"),
        ({"challenge": "c-123", "domain": "other.example"}, "di.domain_mismatch"),
    ):
        r = server.post("/presentations/verify", {"verifiablePresentation": vp, "options": options})
        assert r.status_code == 422, options
        assert r.json()["verified"] is False
        assert _code(r).endswith(code.split(".")[1]), r.text

    # A presentation signed by someone other than its holder is refused.
    impostor = copy.deepcopy(vp)
    impostor["holder"] = server.issuer
    r = server.post(
        "/presentations/verify", {"verifiablePresentation": impostor, "options": ok["options"]}
    )
    assert r.status_code in (400, 422)
    assert r.json()["verified"] is False

    # A credential inside that was tampered with fails the whole presentation.
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["id"] = "did:example:someone-else"
    vp2 = _presentation(holder, [tampered], "c-123", "verifier.example")
    r = server.post(
        "/presentations/verify", {"verifiablePresentation": vp2, "options": ok["options"]}
    )
    assert r.status_code == 422
    assert r.json()["credentialResults"][0]["verified"] is False

    # Unsigned presentations are refused when a challenge is asked for.
    unsigned = {k: v for k, v in vp.items() if k != "proof"}
    r = server.post(
        "/presentations/verify", {"verifiablePresentation": unsigned, "options": ok["options"]}
    )
    assert r.status_code == 422
    assert _code(r) == "vp.missing_proof"
    # A proof for assertionMethod is not an authentication.
    wrong = data_integrity.add_proof(
        unsigned, holder, data_integrity.ProofOptions(challenge="c-123")
    )
    r = server.post(
        "/presentations/verify",
        {"verifiablePresentation": wrong, "options": {"challenge": "c-123"}},
    )
    assert r.status_code == 422


# --- the command line -------------------------------------------------------------------------


def test_attest_verify_credential_on_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from attest_cli.main import cli

    issuer = PrivateKey(b"i" * 32)
    did = encode_did_key(issuer.public_key)
    options = data_integrity.ProofOptions(created="2026-01-01T00:00:00Z")
    vc = data_integrity.add_proof(_credential(did), issuer, options, cryptosuite="eddsa-rdfc-2022")
    good = tmp_path / "vc.json"
    good.write_text(json.dumps(vc))

    def run(*args: str) -> tuple[int, str]:
        r = CliRunner().invoke(cli, ["verify", "--credential", *args], catch_exceptions=False)
        return r.exit_code, r.output

    code, out = run(str(good), "--json")
    assert code == 0, out
    assert json.loads(out)[str(good)]["checks"] == ["proof", "validity"]
    code, out = run(str(good), "--issuer", did)
    assert code == 0
    assert "VERIFIED (checks passed: proof, issuer, validity)" in out
    code, out = run(
        str(good), "--issuer", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    )
    assert code == 1
    assert "vc.untrusted_issuer" in out
    code, out = run(str(good), "--now", "2025-06-01T00:00:00Z")
    assert (code, "vc.not_yet_valid" in out) == (1, True)

    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["alumniOf"]["name"] = "Elsewhere"
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered))
    code, out = run(str(good), str(bad))
    assert code == 1
    assert "NOT VERIFIED" in out
    assert "signature.invalid" in out

    malformed = tmp_path / "malformed.json"
    malformed.write_text(json.dumps({k: v for k, v in vc.items() if k != "@context"}))
    code, out = run(str(malformed))
    assert code == 2
    assert "vc.bad_context" in out

    code, out = run(str(good), "--policy", str(good))
    assert code == 2
    assert "--policy is for bundles" in out

    holder = PrivateKey(b"h" * 32)
    vp = _presentation(holder, [vc], "nonce-1", "market.example")
    vp_file = tmp_path / "vp.json"
    vp_file.write_text(json.dumps(vp))
    assert run(str(vp_file), "--challenge", "nonce-1", "--domain", "market.example")[0] == 0
    # A trusted-issuer rule holds inside presentations too (found in review: it was skipped).
    code, out = run(
        str(vp_file),
        "--challenge",
        "nonce-1",
        "--issuer",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    )
    assert (code, "vc.untrusted_issuer" in out) == (1, True)
    code, out = run(str(vp_file), "--challenge", "nonce-2")
    assert (code, "di.challenge_mismatch" in out) == (1, True)


# --- hostile input ----------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_TERMS = [
    "@context",
    "type",
    "issuer",
    "credentialSubject",
    "validFrom",
    "validUntil",
    "proof",
    "credentialStatus",
    "id",
    "name",
    "relatedResource",
    "@vocab",
    "@direction",
    "previousProof",
]


def _mutate(doc: Any, data: st.DataObject, depth: int = 0) -> Any:
    """``doc`` with one member somewhere replaced by, or joined by, arbitrary JSON."""
    if isinstance(doc, dict) and doc and depth < 4 and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(doc)))
        return {**doc, key: _mutate(doc[key], data, depth + 1)}
    if isinstance(doc, list) and doc and depth < 4 and data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(doc) - 1))
        return [*doc[:i], _mutate(doc[i], data, depth + 1), *doc[i + 1 :]]
    if isinstance(doc, dict) and data.draw(st.booleans()):
        return {**doc, data.draw(st.sampled_from(_TERMS) | st.text(max_size=6)): data.draw(_JSON)}
    return data.draw(_JSON)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), suite=st.sampled_from(["eddsa-jcs-2022", "eddsa-rdfc-2022"]))
def test_hostile_credentials_are_refused_by_name_never_crash(
    data: st.DataObject, suite: str
) -> None:
    issuer = PrivateKey(b"i" * 32)
    credential = _credential(encode_did_key(issuer.public_key))
    signed = data_integrity.add_proof(
        credential,
        issuer,
        data_integrity.ProofOptions(created="2026-01-01T00:00:00Z"),
        cryptosuite=suite,
    )
    now = datetime(2026, 11, 26, tzinfo=UTC)
    hostile = _mutate(signed, data)
    result = verify_credential(hostile, now=now)
    assert all(p.code and "." in p.code for p in result.errors)
    if hostile == signed:
        assert result.verified
    # Issuing either signs or refuses with the library's own error, never anything else.
    with contextlib.suppress(AttestError):
        issue_credential(_mutate(credential, data), issuer, now=now, request=IssueRequest(suite))


def _alias(doc: dict[str, Any], name: str, iri: str, kind: str | None = None) -> dict[str, Any]:
    """``doc`` with member ``name`` renamed to a new term for the same IRI (an inline context
    appended to @context): the RDF, and so an rdfc signature, is unchanged."""
    out = copy.deepcopy(doc)
    term: dict[str, str] = {"@id": iri}
    if kind is not None:
        term["@type"] = kind
    out["@context"] = [*out["@context"], {"renamed": term}]
    out["renamed"] = out.pop(name)
    return out


def test_restating_an_rdfc_credential_does_not_hide_or_change_what_it_says() -> None:
    # Found in review: eddsa-rdfc-2022 signs RDF, not the JSON or its contexts. A third party
    # could rename validUntil (or credentialStatus, or a proof's expires) to another term for
    # the same IRI, move them into an @included node, or swap two claims' terms, without
    # changing the signed RDF: an expired or revoked credential verified, or said otherwise.
    issuer = PrivateKey(b"i" * 32)
    cred = "https://www.w3.org/2018/credentials#"
    xsd = "http://www.w3.org/2001/XMLSchema#dateTime"
    doc = _credential(
        encode_did_key(issuer.public_key),
        validFrom="2020-01-01T00:00:00Z",
        validUntil="2021-01-01T00:00:00Z",
        credentialStatus=FOREIGN_STATUS,
    )
    options = data_integrity.ProofOptions(
        created="2020-01-01T00:00:00Z", expires="2021-06-01T00:00:00Z"
    )
    vc = data_integrity.add_proof(doc, issuer, options, cryptosuite="eddsa-rdfc-2022")
    now = datetime(2026, 11, 26, tzinfo=UTC)
    assert verify_credential(vc, now=now).errors[0].code == "di.proof_expired"

    restated = []
    for name, iri, kind in (
        ("validUntil", cred + "validUntil", xsd),
        ("credentialStatus", cred + "credentialStatus", None),
        ("issuer", cred + "issuer", "@id"),
    ):
        restated.append(_alias(vc, name, iri, kind))
    expiry = copy.deepcopy(vc)
    expiry["@context"] = [
        *expiry["@context"],
        {"until": {"@id": "https://w3id.org/security#expiration", "@type": xsd}},
    ]
    expiry["proof"]["until"] = expiry["proof"].pop("expires")
    restated.append(expiry)
    included = copy.deepcopy(vc)
    included["@id"] = "_:c"
    included["@included"] = [
        {"@id": "_:c", "type": "VerifiableCredential", "validUntil": included.pop("validUntil")}
    ]
    restated.append(included)
    scoped = copy.deepcopy(vc)
    scoped["credentialSubject"]["@context"] = {"alumniOf": "https://example.org/other"}
    restated.append(scoped)
    for i, variant in enumerate(restated):
        assert jsonld.canonical_nquads(variant) == jsonld.canonical_nquads(vc) or i == 5
        result = verify_credential(variant, now=now)
        # (without 'issuer' the data model refuses first)
        expected = "vc.bad_issuer" if i == 2 else "di.unsigned_context"
        assert (result.verified, result.errors[0].code) == (False, expected), i

    # With eddsa-jcs-2022 the JSON is what is signed, and the same edits break the signature.
    jcs = data_integrity.add_proof(doc, issuer, options, cryptosuite="eddsa-jcs-2022")
    renamed = _alias(jcs, "validUntil", cred + "validUntil", xsd)
    assert not verify_credential(renamed, now=now).verified


def test_status_changes_only_for_credentials_issued_here(server: Server) -> None:
    # A caller cannot revoke an index it names: the credential must carry this server's proof.
    mine = _issue(
        server,
        _credential(server.issuer),
        credentialStatus={"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
    )
    change = [{"statusPurpose": "revocation", "status": True}]
    forged = copy.deepcopy(mine)
    forged["credentialStatus"]["statusListIndex"] = "7"
    forged["credentialStatus"]["id"] = f"{LIST_BASE}/revocation#7"
    r = server.post("/credentials/status", {"credential": forged, "credentialStatus": change})
    assert (r.status_code, _code(r)) == (403, "status.not_issued_here")
    stranger = PrivateKey(b"s" * 32)
    unsigned = {k: v for k, v in mine.items() if k != "proof"}
    other = data_integrity.add_proof(unsigned, stranger, data_integrity.ProofOptions())
    r = server.post("/credentials/status", {"credential": other, "credentialStatus": change})
    assert (r.status_code, _code(r)) == (403, "status.not_issued_here")
    r = server.post("/credentials/status", {"credentialStatus": change})
    assert (r.status_code, _code(r)) == (400, "request.missing")
    # Nor can a caller have the server sign a credential carrying someone else's entry.
    copied = _credential(server.issuer, credentialStatus=mine["credentialStatus"])
    r = server.post("/credentials/issue", {"credential": copied})
    assert (r.status_code, _code(r)) == (400, "issue.status_conflict")


def test_a_token_guards_issuing_and_status_changes(tmp_path: Path) -> None:
    key = PrivateKey(b"t" * 32)
    store = status_store.init(tmp_path / "status", LIST_BASE)
    token = "s3cret-token-of-32-characters-xx"
    app = create_app(None, vcapi=VcApi(key, store, VcApiConfig(token=token)))
    credential = _credential(encode_did_key(key.public_key))
    body = {"credential": credential}
    with running(app) as url, httpx.Client(timeout=30) as client:
        r = client.post(url + "/credentials/issue", json=body)
        assert (r.status_code, _code(r)) == (401, "auth.bad_token")
        assert r.headers["www-authenticate"].startswith("Bearer")
        wrong = {"authorization": "Bearer " + token[:-1] + "y"}
        assert client.post(url + "/credentials/issue", json=body, headers=wrong).status_code == 401
        good = {"authorization": "Bearer " + token}
        r = client.post(url + "/credentials/issue", json=body, headers=good)
        assert r.status_code == 201
        vc = r.json()["verifiableCredential"]
        change = {
            "credential": vc,
            "credentialStatus": [{"statusPurpose": "revocation", "status": True}],
        }
        assert client.post(url + "/credentials/status", json=change).status_code == 401
        # Verification stays open to everyone: it reveals nothing and changes nothing.
        r = client.post(url + "/credentials/verify", json={"verifiableCredential": vc})
        assert r.status_code == 200
    store.close()
    with pytest.raises(UsageError):
        VcApiConfig(token="short")


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+05:00"])
def test_vc_1_1_dates_at_the_edge_of_the_range_are_refused_not_crashed(stamp: str) -> None:
    # Found in review: an OverflowError escaped (HTTP 500) for these XSD dateTimes.
    issuer = PrivateKey(b"i" * 32)
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": encode_did_key(issuer.public_key),
        "issuanceDate": "2020-01-01T00:00:00Z",
        "expirationDate": stamp,
        "credentialSubject": {"id": "did:example:abc"},
    }
    now = datetime(2026, 11, 26, tzinfo=UTC)
    # The issuer refuses to sign it; signed elsewhere, the verifier refuses it by name.
    with pytest.raises(MalformedError) as info:
        issue_credential(doc, issuer, now=now, request=IssueRequest("eddsa-rdfc-2022"))
    assert info.value.code == "vc.bad_expirationDate"
    options = data_integrity.ProofOptions(created="2020-01-01T00:00:00Z")
    doc["@context"].append("https://w3id.org/security/data-integrity/v2")
    vc = data_integrity.add_proof(doc, issuer, options, cryptosuite="eddsa-rdfc-2022")
    result = verify_credential(vc, now=now)
    assert (result.verified, result.errors[0].code) == (False, "vc.bad_expirationDate")


def test_vc_1_1_dates_are_xsd_datetimes_with_an_optional_time_zone(server: Server) -> None:
    # Found in review: 24:00:00, a valid XSD time, was refused; a missing zone means UTC.
    for stamp in ("2020-01-01T24:00:00Z", "2020-01-01T00:00:00", "2020-01-01T00:00:00.5+02:00"):
        credential = {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "issuer": server.issuer,
            "issuanceDate": stamp,
            "credentialSubject": {"id": "did:example:abc"},
        }
        vc = _issue(server, credential, cryptosuite="eddsa-rdfc-2022")
        r = server.post("/credentials/verify", {"verifiableCredential": vc})
        assert r.status_code == 200, (stamp, r.text)
    credential["issuanceDate"] = "2020-01-01"
    r = server.post("/credentials/issue", {"credential": credential})
    assert (r.status_code, _code(r)) == (400, "vc.bad_issuanceDate")


def test_a_proof_set_without_the_issuer_is_refused_before_canonicalizing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Found in review: sixteen valid rdfc proofs by strangers cost seconds to reject.
    issuer = PrivateKey(b"i" * 32)
    doc = _credential(encode_did_key(issuer.public_key))
    options = data_integrity.ProofOptions(created="2026-01-01T00:00:00Z")
    secured: dict[str, Any] = doc
    for seed in (b"x", b"y", b"z"):
        secured = data_integrity.add_proof(
            secured, PrivateKey(seed * 32), options, cryptosuite="eddsa-rdfc-2022"
        )

    def no_canonicalization(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("canonicalized a proof set that could never verify")

    monkeypatch.setattr(jsonld, "canonical_nquads", no_canonicalization)
    result = verify_credential(secured, now=datetime(2026, 11, 26, tzinfo=UTC))
    assert (result.verified, result.errors[0].code) == (False, "vc.issuer_mismatch")
