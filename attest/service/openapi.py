"""The service's OpenAPI 3.1 document, written by hand and served at ``/openapi.json``.

Limits come from the running configuration so the document says what this server enforces.
The decision schema is the verifier's own (``DECISION_SCHEMA``), as is specs/decision.schema.json.
:func:`openapi_document` describes the log's routes; :func:`with_vcapi` adds the VC-API's
(specs/vc-api.md) to it, and :func:`vcapi_document` describes a server of the VC-API alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from attest import __version__
from attest.evaluation.bundle import CBOR_MEDIA_TYPE, JSON_MEDIA_TYPE
from attest.service.config import ServiceConfig
from attest.tlog.submission import KEY_HEADER, KINDS, MAX_ENTRIES, SIGNATURE_HEADER
from attest.vc.contexts import CREDENTIALS_EXAMPLES_V2, CREDENTIALS_V1, CREDENTIALS_V2
from attest.vc.issuer import CRYPTOSUITES
from attest.vc.status_list import CREDENTIAL_TYPE, ENTRY_TYPE, LIST_TYPE, PURPOSES
from attest.vc.verifier import CREDENTIAL_CHECKS, PRESENTATION_CHECKS
from attest.verifier.pipeline import DECISION_SCHEMA

if TYPE_CHECKING:
    from attest.service.vcapi import VcApi

__all__ = ["decision_component", "openapi_document", "vcapi_document", "with_vcapi"]

_TEXT = "text/plain; charset=utf-8"


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        out["headers"] = headers
    return out


_RETRY_AFTER = {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}}


def _inline_defs(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with every ``#/$defs/…`` reference replaced by its definition."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline_defs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline_defs(v, defs) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline_defs(v, defs) for v in schema]
    return schema


def decision_component() -> dict[str, Any]:
    """The decision's schema as an OpenAPI component: the verifier's one definition
    (attest.verifier.pipeline.DECISION_SCHEMA) with its $defs inlined."""
    full = dict(DECISION_SCHEMA)
    defs = full.pop("$defs")
    for key in ("$schema", "$id", "title"):
        full.pop(key)
    full["description"] = "Exactly `attest verify --json` (specs/decision.schema.json)."
    out: dict[str, Any] = _inline_defs(full, defs)
    return out


_DECISION = decision_component()


def openapi_document(config: ServiceConfig, *, origin: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the service with ``config``'s limits."""
    entry = {
        "type": "object",
        "required": ["kind", "digest", "size", "type"],
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": sorted(KINDS)},
            "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
            "size": {"type": "integer", "minimum": 0, "maximum": 2**53 - 1},
            "type": {"type": "string", "description": "Media type, lowercase, no parameters."},
            "name": {"type": "string", "minLength": 1, "maxLength": 1024},
        },
    }
    submission = {
        "type": "object",
        "required": ["log", "time", "nonce", "entries"],
        "additionalProperties": False,
        "properties": {
            "log": {"type": "string", "description": f"The log's origin: {origin!r}."},
            "time": {"type": "integer", "minimum": 0, "description": "POSIX seconds."},
            "nonce": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
            "entries": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_ENTRIES,
                "items": {"$ref": "#/components/schemas/SubmittedEntry"},
            },
        },
    }
    logged = {
        "type": "object",
        "required": ["origin", "checkpointSize", "entries"],
        "properties": {
            "origin": {"type": "string"},
            "checkpointSize": {"type": "integer", "minimum": 1},
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "existing", "entry", "proofUrl"],
                    "properties": {
                        "index": {"type": "integer", "minimum": 0},
                        "existing": {"type": "boolean"},
                        "entry": {"type": "string", "contentEncoding": "base64"},
                        "proof": {
                            "type": "string",
                            "description": "c2sp.org/tlog-proof@v1 (200 answers only)",
                        },
                        "proofUrl": {"type": "string"},
                    },
                },
            },
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
            "decision": {"$ref": "#/components/schemas/Decision"},
        },
    }
    health = {
        "type": "object",
        "required": [
            "status",
            "origin",
            "checkpointSize",
            "submissions",
            "verification",
            "queued",
            "pending",
        ],
        "properties": {
            "status": {"enum": ["ok", "failing"]},
            "origin": {"type": "string"},
            "checkpointSize": {"type": "integer"},
            "submissions": {"type": "boolean"},
            "verification": {"type": "boolean"},
            "queued": {"type": "integer"},
            "pending": {"type": "integer"},
        },
    }
    bundle_body = {"schema": {"type": "string", "format": "binary"}}
    damaged = _error(
        "The server's log directory is damaged (`log.missing_tile`, `log.not_regular`)."
    )
    not_found = _error("Not found (`request.not_found`).")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "attest service",
            "version": __version__,
            "description": (
                "A shared evidence log served as C2SP tlog-tiles, signed submissions to it, "
                "and verification of attest bundles under the server's policy "
                "(specs/service.md)."
            ),
        },
        "paths": {
            "/checkpoint": {
                "get": {
                    "summary": "The latest signed checkpoint (C2SP tlog-checkpoint).",
                    "operationId": "getCheckpoint",
                    "responses": {
                        "200": {
                            "description": "The signed note.",
                            "content": {_TEXT: {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            "/tile/{tile}": {
                "get": {
                    "summary": "A hash tile or entry bundle (C2SP tlog-tiles).",
                    "operationId": "getTile",
                    "parameters": [
                        {
                            "name": "tile",
                            "in": "path",
                            "required": True,
                            "description": (
                                "The rest of the tile path: `<L>/<N>[.p/<W>]` or "
                                "`entries/<N>[.p/<W>]`, N in `x001/x234/067` groups."
                            ),
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The tile's bytes. Full tiles are immutable.",
                            "content": {
                                "application/octet-stream": {"schema": bundle_body["schema"]}
                            },
                        },
                        "404": _error("Not a tile path, or not in the tree (`tiles.*`)."),
                        "500": damaged,
                    },
                }
            },
            "/proof/{index}": {
                "get": {
                    "summary": "A C2SP tlog-proof of one entry under the latest checkpoint.",
                    "operationId": "getProof",
                    "parameters": [
                        {
                            "name": "index",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The tlog-proof text.",
                            "content": {_TEXT: {"schema": {"type": "string"}}},
                        },
                        "404": _error(
                            "No such entry (`log.no_such_entry`), or not under a checkpoint "
                            "yet (`log.pending`, with Retry-After).",
                            _RETRY_AFTER,
                        ),
                        "500": damaged,
                    },
                }
            },
            "/add": {
                "post": {
                    "summary": "Log evidence or credential digests (signed by a registered key).",
                    "operationId": "add",
                    "description": (
                        f"The body is a submission; `{SIGNATURE_HEADER}` is the Ed25519 "
                        "signature of `attest-submission/v1\\n` followed by the body's JCS "
                        f"bytes, by the key `{KEY_HEADER}` names. Answered 200 with proofs once "
                        "a checkpoint covers every item, or 202 without them once every item "
                        "is durable in the journal (with `Prefer: respond-async`, or when the "
                        f"checkpoint takes longer than {config.add_timeout:g} s)."
                    ),
                    "security": [{"submitterKey": [], "submitterSignature": []}],
                    "parameters": [
                        {
                            "name": "Prefer",
                            "in": "header",
                            "required": False,
                            "description": (
                                "`respond-async`: answer 202 once the items are durable in "
                                "the journal, before the checkpoint (RFC 7240)."
                            ),
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Submission"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Every item's index, entry and tlog-proof.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Logged"}
                                }
                            },
                        },
                        "202": {
                            "description": (
                                "Every item's index and entry, durable in the journal; no "
                                "checkpoint covers them yet: fetch the proofs at proofUrl."
                            ),
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Logged"}
                                }
                            },
                        },
                        "400": _error("Not a submission (`submission.*`, `json.*`, `entry.*`)."),
                        "401": _error(
                            "Missing, bad or stale signature (`auth.*`).",
                            {"WWW-Authenticate": {"schema": {"type": "string"}}},
                        ),
                        "403": _error(
                            "Key not registered, or no submissions here "
                            "(`auth.unknown_submitter`, `server.read_only`)."
                        ),
                        "408": _error("The body took too long (`request.timeout`)."),
                        "409": _error("A replayed request (`auth.replayed`)."),
                        "413": _error(
                            f"Body over {config.max_submission_bytes} bytes (`request.too_large`)."
                        ),
                        "415": _error("Not JSON (`request.unsupported_media_type`)."),
                        "429": _error("The queue is full (`server.busy`).", _RETRY_AFTER),
                        "503": _error(
                            "Not checkpointed in time, or the writer stopped "
                            "(`server.timeout`, `server.unavailable`).",
                            _RETRY_AFTER,
                        ),
                    },
                }
            },
            "/verify": {
                "post": {
                    "summary": "Verify one bundle, or several together, under the server's policy.",
                    "operationId": "verify",
                    "description": (
                        "200 with the decision for accept and for reject alike; 400 when a "
                        "bundle does not parse (the error and the decision). A JSON array of "
                        "1 to 16 JSON bundles is decided on together (k-of-n), as "
                        "`attest verify` does with several files."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            JSON_MEDIA_TYPE: bundle_body,
                            CBOR_MEDIA_TYPE: bundle_body,
                            "application/json": bundle_body,
                            "application/cbor": bundle_body,
                            "application/octet-stream": bundle_body,
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The decision, accept or reject.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Decision"}
                                }
                            },
                        },
                        "400": _error("Malformed bundle (`bundle.*`, `json.*`, `cbor.*`, …)."),
                        "404": _error("No policy on this server (`server.no_policy`)."),
                        "408": _error("The body took too long (`request.timeout`)."),
                        "413": _error(
                            f"Body over {config.max_bundle_bytes} bytes (`request.too_large`)."
                        ),
                        "415": _error("Not a bundle media type."),
                        "429": _error("Too many verifications (`server.busy`).", _RETRY_AFTER),
                        "503": _error("Took too long (`server.timeout`).", _RETRY_AFTER),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness and what this server offers.",
                    "operationId": "health",
                    "responses": {
                        "200": {
                            "description": "Serving.",
                            "content": {"application/json": {"schema": health}},
                        },
                        "503": {
                            "description": "The log writer stopped.",
                            "content": {"application/json": {"schema": health}},
                        },
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "operationId": "openapi",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": error,
                "Decision": _DECISION,
                "Submission": submission,
                "SubmittedEntry": entry,
                "Logged": logged,
            },
            "securitySchemes": {
                "submitterKey": {"type": "apiKey", "in": "header", "name": KEY_HEADER},
                "submitterSignature": {"type": "apiKey", "in": "header", "name": SIGNATURE_HEADER},
            },
            "responses": {"NotFound": not_found},
        },
    }


# --- the VC-API (specs/vc-api.md) ---------------------------------------------------------------

_VC_API = "The W3C CCG VC-API: issue and verify credentials and presentations (specs/vc-api.md)."


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _one_or_list(item: dict[str, Any], *, min_items: int = 0) -> dict[str, Any]:
    array: dict[str, Any] = {"type": "array", "items": item}
    if min_items:
        array["minItems"] = min_items
    return {"anyOf": [item, array]}


_URL = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+.\-]*:\S*$"}


def _type_names(required: str) -> dict[str, Any]:
    """A W3C ``type``: ``required`` alone, or a list of type names that contains it."""
    return {
        "anyOf": [
            {"const": required},
            {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "contains": {"const": required},
            },
        ]
    }


# The data model's shape (specs/vc-api.md §3), as far as a schema can say it; the server checks
# every rule and answers 400 `vc.*` for any other document.
_CREDENTIAL_PROPERTIES: dict[str, Any] = {
    "@context": {
        "type": "array",
        "minItems": 1,
        "description": f"First {CREDENTIALS_V2!r} (VC 2.0) or {CREDENTIALS_V1!r} (VC 1.1).",
        "prefixItems": [{"enum": [CREDENTIALS_V2, CREDENTIALS_V1]}],
        "items": {"anyOf": [_URL, {"type": "object"}]},
    },
    "id": _URL,
    "type": _type_names("VerifiableCredential"),
    "issuer": {
        "anyOf": [
            _URL,
            {"type": "object", "required": ["id"], "properties": {"id": _URL}},
        ]
    },
    "credentialSubject": _one_or_list({"type": "object", "minProperties": 1}, min_items=1),
    "validFrom": {"type": "string", "description": "XSD dateTimeStamp (VC 2.0)."},
    "validUntil": {"type": "string", "description": "XSD dateTimeStamp (VC 2.0)."},
    "issuanceDate": {"type": "string", "description": "XSD dateTime (VC 1.1)."},
    "expirationDate": {"type": "string", "description": "XSD dateTime (VC 1.1)."},
    "credentialStatus": _one_or_list(
        {"type": "object", "required": ["type"], "properties": {"id": _URL}}
    ),
}

_PROOF = {
    "type": "object",
    "description": "A Data Integrity proof (specs/data-integrity.md).",
    "required": ["type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue"],
    "properties": {
        "type": {"const": "DataIntegrityProof"},
        "cryptosuite": {"enum": list(CRYPTOSUITES)},
        "created": {"type": "string"},
        "verificationMethod": {"type": "string"},
        "proofPurpose": {"type": "string"},
        "proofValue": {"type": "string"},
        "challenge": {"type": "string"},
        "domain": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "previousProof": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
        },
    },
}

_PROBLEM = {
    "type": "object",
    "required": ["code", "message"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "description": "The project's dotted code."},
        "message": {"type": "string"},
    },
}


def _result(checks: tuple[str, ...], *, embedded: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "verified": {"type": "boolean"},
        "checks": {
            "type": "array",
            "items": {"enum": list(checks)},
            "uniqueItems": True,
            "description": "The checks that ran and passed, in order.",
        },
        "warnings": {"type": "array", "items": _ref("VcProblem")},
        "errors": {"type": "array", "items": _ref("VcProblem")},
    }
    if embedded:
        properties["credentialResults"] = {
            "type": "array",
            "minItems": 1,
            "description": "One result per embedded credential, in order.",
            "items": _ref("CredentialVerificationResult"),
        }
    return {
        "type": "object",
        "required": ["verified", "checks", "warnings", "errors"],
        "additionalProperties": False,
        "properties": properties,
        # Verified exactly when no check failed.
        "oneOf": [
            {"properties": {"verified": {"const": True}, "errors": {"maxItems": 0}}},
            {"properties": {"verified": {"const": False}, "errors": {"minItems": 1}}},
        ],
    }


def _verified(result: str, verified: bool) -> dict[str, Any]:
    return {"allOf": [_ref(result), {"properties": {"verified": {"const": verified}}}]}


def _vcapi_schemas() -> dict[str, Any]:
    credential = {
        "type": "object",
        "description": "A W3C credential, VC 2.0 or 1.1, following specs/vc-api.md §3.",
        "required": ["@context", "type", "issuer", "credentialSubject"],
        "properties": _CREDENTIAL_PROPERTIES,
    }
    secured = {
        "type": "object",
        "description": "A credential with one Data Integrity proof, a proof set or a chain.",
        "required": [*credential["required"], "proof"],
        "properties": {
            **_CREDENTIAL_PROPERTIES,
            "proof": _one_or_list(_ref("DataIntegrityProof"), min_items=1),
        },
    }
    presentation = {
        "type": "object",
        "description": "A W3C presentation, signed by its holder for `authentication`.",
        "required": ["@context", "type", "proof"],
        "properties": {
            "@context": _CREDENTIAL_PROPERTIES["@context"],
            "id": _URL,
            "type": _type_names("VerifiablePresentation"),
            "holder": _CREDENTIAL_PROPERTIES["issuer"],
            "verifiableCredential": _one_or_list({"type": "object"}),
            "proof": _one_or_list(_ref("DataIntegrityProof"), min_items=1),
        },
    }
    status_request = {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"const": ENTRY_TYPE},
            "statusPurpose": {"enum": list(PURPOSES), "default": "revocation"},
        },
    }
    issue_request = {
        "type": "object",
        "required": ["credential"],
        "properties": {
            "credential": _ref("Credential"),
            "options": {
                "type": "object",
                "properties": {
                    "cryptosuite": {"enum": list(CRYPTOSUITES)},
                    "credentialStatus": _one_or_list(status_request),
                },
            },
        },
    }
    issued = {
        "type": "object",
        "required": ["verifiableCredential"],
        "additionalProperties": False,
        "properties": {
            "verifiableCredential": {
                "allOf": [
                    _ref("VerifiableCredential"),
                    {
                        "description": (
                            "The request's credential with one proof added, and the "
                            "`credentialStatus` entries asked for."
                        ),
                        "properties": {
                            "proof": {
                                "allOf": [
                                    _ref("DataIntegrityProof"),
                                    {"properties": {"proofPurpose": {"const": "assertionMethod"}}},
                                ]
                            },
                        },
                    },
                ]
            }
        },
    }
    status_update = {
        "type": "object",
        "required": ["credentialStatus"],
        "properties": {
            "credential": {
                "type": "object",
                "description": "The issued credential, whose status entries name the bits.",
            },
            "credentialStatus": _one_or_list(
                {
                    "type": "object",
                    "required": ["statusPurpose", "status"],
                    "properties": {
                        "statusPurpose": {"enum": list(PURPOSES)},
                        "status": {"type": "boolean", "description": "Set (true) or clear."},
                    },
                }
            ),
        },
    }
    list_credential = {
        "type": "object",
        "required": [
            "@context",
            "id",
            "type",
            "issuer",
            "validFrom",
            "validUntil",
            "credentialSubject",
            "proof",
        ],
        "additionalProperties": False,
        "properties": {
            "@context": {"const": [CREDENTIALS_V2]},
            "id": {"type": "string"},
            "type": {"const": ["VerifiableCredential", CREDENTIAL_TYPE]},
            "issuer": {"type": "string", "pattern": "^did:key:z"},
            "validFrom": {"type": "string"},
            "validUntil": {"type": "string"},
            "credentialSubject": {
                "type": "object",
                "required": ["id", "type", "statusPurpose", "encodedList"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "type": {"const": LIST_TYPE},
                    "statusPurpose": {"enum": list(PURPOSES)},
                    "encodedList": {"type": "string", "pattern": "^u[A-Za-z0-9_-]+$"},
                },
            },
            "proof": {
                "allOf": [
                    _ref("DataIntegrityProof"),
                    {
                        "properties": {
                            "cryptosuite": {"const": "eddsa-jcs-2022"},
                            "proofPurpose": {"const": "assertionMethod"},
                        }
                    },
                ]
            },
        },
    }
    return {
        "Credential": credential,
        "VerifiableCredential": secured,
        "VerifiablePresentation": presentation,
        "DataIntegrityProof": _PROOF,
        "IssueRequest": issue_request,
        "IssuedCredential": issued,
        "VerifyCredentialRequest": {
            "type": "object",
            "required": ["verifiableCredential"],
            "properties": {
                "verifiableCredential": _ref("VerifiableCredential"),
                "options": {"type": "object"},
            },
        },
        "VerifyPresentationRequest": {
            "type": "object",
            "required": ["verifiablePresentation"],
            "properties": {
                "verifiablePresentation": _ref("VerifiablePresentation"),
                "options": {
                    "type": "object",
                    "properties": {
                        "challenge": {
                            "type": ["string", "null"],
                            "description": "Every proof's `challenge` must equal it.",
                        },
                        "domain": {
                            "type": ["string", "null"],
                            "description": "Every proof's `domain` must include it.",
                        },
                    },
                },
            },
        },
        "VcProblem": _PROBLEM,
        "CredentialVerificationResult": _result(CREDENTIAL_CHECKS, embedded=False),
        "PresentationVerificationResult": _result(PRESENTATION_CHECKS, embedded=True),
        "StatusUpdateRequest": status_update,
        "StatusListCredential": list_credential,
    }


def _vcapi_paths(vcapi: VcApi) -> dict[str, Any]:
    limit = vcapi.config.max_request_bytes
    body_errors = {
        "408": _error("The body took too long (`request.timeout`)."),
        "413": _error(f"Body over {limit} bytes (`request.too_large`, `json.too_large`)."),
        "415": _error(
            "Not `application/json` or `application/ld+json` (`request.unsupported_media_type`)."
        ),
    }
    guarded = (
        {
            "401": _error(
                "This server needs `Authorization: Bearer <token>` here (`auth.bad_token`)."
            )
        }
        if vcapi.config.token is not None
        else {}
    )
    request_errors = (
        "The request is not a JSON object with the members this operation reads "
        "(`json.*`, `request.not_an_object`, `request.missing`, `request.bad_member`, "
        "`request.bad_options`, `request.bad_length`)"
    )

    def body(schema: str, example: dict[str, Any] | None = None) -> dict[str, Any]:
        media: dict[str, Any] = {"schema": _ref(schema)}
        if example is not None:
            media["example"] = example
        return {
            "required": True,
            "content": {"application/json": media, "application/ld+json": media},
        }

    def verification(result: str, what: str) -> dict[str, Any]:
        return {
            "200": _json(_verified(result, True), f"The {what} verified: every check passed."),
            "400": _json(
                {"anyOf": [_verified(result, False), _ref("Error")]},
                f"{request_errors}, or the {what} is malformed: a verification result whose "
                "first error is `vc.*`, `vp.*`, `jsonld.*`, `context.*`, `di.*`, ….",
            ),
            "422": _json(
                _verified(result, False),
                f"The {what} is well formed and a check failed (a signature, a mismatch, an "
                "expiry, a status bit): the result names it.",
            ),
            **body_errors,
        }

    issuer = vcapi.issuer or "did:key:z6Mk…"
    example = {
        "credential": {
            "@context": [CREDENTIALS_V2, CREDENTIALS_EXAMPLES_V2],
            "type": ["VerifiableCredential", "ExampleAlumniCredential"],
            "issuer": issuer,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
                "alumniOf": {"name": "Example University"},
            },
        },
        "options": {"cryptosuite": vcapi.config.cryptosuite},
    }
    issuing = (
        f"Signed by {issuer} with `{vcapi.config.cryptosuite}` unless `options.cryptosuite` "
        "names the other suite. "
        if vcapi.issuer
        else "This server has no issuer key: every request is refused (`server.no_issuer`). "
    )
    paths: dict[str, Any] = {
        "/credentials/issue": {
            "post": {
                "summary": "Sign the caller's credential with the server's issuer key.",
                "operationId": "issueCredential",
                "description": issuing
                + (
                    "The credential's `issuer` must be the server's did:key; the server adds "
                    "one `DataIntegrityProof` (and, when asked, `credentialStatus` entries from "
                    "its status store) and changes nothing else (specs/vc-api.md §2)."
                ),
                "requestBody": body("IssueRequest", example),
                "responses": {
                    "201": _json(_ref("IssuedCredential"), "The signed credential."),
                    "400": _error(
                        f"{request_errors}; the credential breaks the data model or its "
                        "contexts (`vc.*`, `jsonld.*`, `context.*`); or it cannot be issued "
                        "here (`issue.*`, `status.*`, `status_store.full`, `server.no_issuer`)."
                    ),
                    **guarded,
                    **body_errors,
                },
            }
        },
        "/credentials/verify": {
            "post": {
                "summary": "Verify any issuer's credential, offline.",
                "operationId": "verifyCredential",
                "description": (
                    "200 only when verified; the result lists the checks that passed "
                    "(specs/vc-api.md §4). Status lists are this server's own: an entry "
                    "pointing elsewhere fails closed (`status.unavailable`)."
                ),
                "requestBody": body("VerifyCredentialRequest"),
                "responses": verification("CredentialVerificationResult", "credential"),
            }
        },
        "/presentations/verify": {
            "post": {
                "summary": "Verify a presentation and every credential in it, offline.",
                "operationId": "verifyPresentation",
                "description": (
                    "The holder's `authentication` proof, bound to `options.challenge` and "
                    "`options.domain` when given, then each embedded credential as "
                    "/credentials/verify does (specs/vc-api.md §5)."
                ),
                "requestBody": body("VerifyPresentationRequest"),
                "responses": verification("PresentationVerificationResult", "presentation"),
            }
        },
        "/credentials/status": {
            "post": {
                "summary": "Set or clear an issued credential's status bits.",
                "operationId": "updateCredentialStatus",
                "description": (
                    "Each change names a purpose of the credential's entries in this server's "
                    "lists; the change is durable before the answer (specs/vc-api.md §6)."
                    + ("" if vcapi.store else " This server keeps no status list.")
                ),
                "requestBody": body("StatusUpdateRequest"),
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["updated"],
                            "additionalProperties": False,
                            "properties": {"updated": {"const": True}},
                        },
                        "Every change is made (an empty list changes nothing).",
                    ),
                    "400": _error(
                        f"{request_errors}; no status list here (`server.no_status_list`); the "
                        "credential has no entry for the purpose in this server's lists "
                        "(`status.no_entry`) or its entries are malformed (`status.*`); or the "
                        "store refuses (`status_store.revocation_permanent`, "
                        "`status_store.not_allocated`, `status_store.bad_index`)."
                    ),
                    "403": _error(
                        "The credential's proof is not a valid proof by this server's key "
                        "(`status.not_issued_here`): only credentials issued here change status."
                    ),
                    **guarded,
                    **body_errors,
                },
            }
        },
    }
    if vcapi.store is not None:
        validity = vcapi.config.list_validity.total_seconds()
        for purpose in PURPOSES:
            url = vcapi.store.list_url(purpose)
            paths[urlsplit(url).path] = {
                "get": {
                    "summary": f"The {purpose} status list, as {url}.",
                    "operationId": f"get{purpose.capitalize()}StatusList",
                    "description": (
                        "A BitstringStatusListCredential signed (eddsa-jcs-2022) by the issuer "
                        f"key on each request, valid for {validity:g} s "
                        "(specs/vc-api.md §6)."
                    ),
                    "responses": {
                        "200": {
                            **_json(_ref("StatusListCredential"), "The signed list."),
                            "headers": {
                                "Cache-Control": {"schema": {"const": "no-store"}},
                            },
                        }
                    },
                }
            }
    return paths


def with_vcapi(document: dict[str, Any], vcapi: VcApi) -> dict[str, Any]:
    """``document`` (:func:`openapi_document`) with the VC-API's routes added to its own."""
    components = document["components"]
    return {
        **document,
        "info": {
            **document["info"],
            "description": f"{document['info']['description']} {_VC_API}",
        },
        "paths": {**document["paths"], **_vcapi_paths(vcapi)},
        "components": {**components, "schemas": {**components["schemas"], **_vcapi_schemas()}},
    }


def vcapi_document(vcapi: VcApi) -> dict[str, Any]:
    """The OpenAPI 3.1 description of a server of the VC-API alone (no log)."""
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": _PROBLEM},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "attest service", "version": __version__, "description": _VC_API},
        "paths": {
            **_vcapi_paths(vcapi),
            "/healthz": {
                "get": {
                    "summary": "Liveness.",
                    "operationId": "health",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["status"],
                                "additionalProperties": False,
                                "properties": {"status": {"const": "ok"}},
                            },
                            "Serving.",
                        )
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "operationId": "openapi",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1.")},
                }
            },
        },
        "components": {
            "schemas": {"Error": error, **_vcapi_schemas()},
            "responses": {"NotFound": _error("Not found (`request.not_found`).")},
        },
    }
