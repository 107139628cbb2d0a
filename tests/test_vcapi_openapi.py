"""The VC-API's part of /openapi.json, checked against the server that serves it.

A server of the VC-API alone (issuer key and status store, over real HTTP on loopback) serves
its document and /healthz; schemathesis fuzzes every operation in the document, with data that
fits its schemas and data that does not, and sends the answers the fuzzer cannot reach (an
issued credential, a verified one, a failed check, a presentation, a status change) through
the same checks: no 5xx, and every answer is one the document describes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.service import ServiceConfig, VcApi, VcApiConfig, create_app
from attest.service.openapi import openapi_document
from attest.store import status as status_store
from attest.store.log import Log
from attest.tlog.note import Ed25519Signer
from attest.vc import data_integrity

from .helpers.fuzzing import excluded_checks, fuzz_schema
from .helpers.serving import running

LIST_BASE = "https://issuer.example/status"
KEY = PrivateKey(bytes(range(32)))
ISSUER = encode_did_key(KEY.public_key)
VCAPI_PATHS = {
    "/credentials/issue",
    "/credentials/verify",
    "/presentations/verify",
    "/credentials/status",
    "/status/revocation",
    "/status/suspension",
}


@dataclass
class Served:
    url: str
    document: dict[str, Any]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    store = status_store.init(tmp_path_factory.mktemp("vcapi-openapi") / "status", LIST_BASE)
    app = create_app(None, vcapi=VcApi(KEY, store, VcApiConfig(open_issuing=True)))
    with running(app) as url:
        r = httpx.get(url + "/openapi.json")
        assert r.status_code == 200
        yield Served(url, r.json())
    store.close()


def test_the_vc_api_alone_serves_its_document_and_health(served: Served) -> None:
    doc = served.document
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == VCAPI_PATHS | {"/healthz", "/openapi.json"}
    example = doc["paths"]["/credentials/issue"]["post"]["requestBody"]["content"]
    assert example["application/json"]["example"]["credential"]["issuer"] == ISSUER
    r = httpx.get(served.url + "/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    r = httpx.get(served.url + "/checkpoint")  # no log here
    assert (r.status_code, r.json()["error"]["code"]) == (404, "request.not_found")


def test_with_a_log_the_document_describes_both(tmp_path: Path) -> None:
    signer = Ed25519Signer("log.example/openapi", PrivateKey(b"\x21" * 32))
    Log.create(tmp_path / "log", signer).close()
    log = Log.open(tmp_path / "log", write=False)
    config = ServiceConfig()
    app = create_app(log, config=config, vcapi=VcApi(KEY))
    doc = app.state.service.openapi
    alone = openapi_document(config, origin="log.example/openapi")
    # The log's part is unchanged; the VC-API's routes (no status store: no lists) are added.
    assert set(doc["paths"]) == set(alone["paths"]) | (
        VCAPI_PATHS - {"/status/revocation", "/status/suspension"}
    )
    assert all(doc["paths"][p] == alone["paths"][p] for p in alone["paths"])
    assert doc["components"]["schemas"]["Error"] == alone["components"]["schemas"]["Error"]
    log.close()


def test_schemathesis_finds_no_server_error_in_the_vc_api(served: Served) -> None:
    """Every VC-API operation fuzzed (bounded: 40 cases each, fitting the schemas and not),
    then the answers fuzzing cannot reach: no 5xx, and every answer as documented."""
    schemathesis = pytest.importorskip("schemathesis")
    url = served.url
    failures, operations = fuzz_schema(url, modes=list(schemathesis.GenerationMode))
    excluded = excluded_checks()

    def call(path: str, body: dict[str, Any], status: int) -> dict[str, Any]:
        case = operations[path].Case(body=body, media_type="application/json")
        try:
            response = case.call_and_validate(base_url=url, timeout=10, excluded_checks=excluded)
        except Exception as exc:
            pytest.fail("\n".join([*failures, f"POST {path} (known case): {str(exc)[:600]}"]))
        assert response.status_code == status, (path, response.text)
        answer: dict[str, Any] = response.json()
        return answer

    issue = operations["/credentials/issue"].definition.raw["requestBody"]
    example = issue["content"]["application/json"]["example"]
    vc = call("/credentials/issue", example, 201)["verifiableCredential"]
    call("/credentials/verify", {"verifiableCredential": vc}, 200)
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["alumniOf"]["name"] = "Other University"
    call("/credentials/verify", {"verifiableCredential": tampered}, 422)
    malformed = {k: v for k, v in vc.items() if k != "@context"}
    call("/credentials/verify", {"verifiableCredential": malformed}, 400)
    call("/credentials/verify", {}, 400)

    status = {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}
    with_status = {**example, "options": {"credentialStatus": [status]}}
    listed = call("/credentials/issue", with_status, 201)["verifiableCredential"]
    change = {
        "credential": listed,
        "credentialStatus": [{"statusPurpose": "suspension", "status": True}],
    }
    assert call("/credentials/status", change, 200) == {"updated": True}
    suspended = call("/credentials/verify", {"verifiableCredential": listed}, 422)
    assert suspended["errors"][0]["code"] == "status.suspended"

    holder = PrivateKey(b"h" * 32)
    vp = data_integrity.add_proof(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": encode_did_key(holder.public_key),
            "verifiableCredential": [vc],
        },
        holder,
        data_integrity.ProofOptions(proof_purpose="authentication", challenge="c-1"),
    )
    options = {"challenge": "c-1"}
    done = call("/presentations/verify", {"verifiablePresentation": vp, "options": options}, 200)
    assert done["credentialResults"][0]["verified"] is True
    other = {"verifiablePresentation": vp, "options": {"challenge": "c-2"}}
    call("/presentations/verify", other, 422)
    assert not failures, "\n".join(failures)
