"""The service's OpenAPI 3.1 document, written by hand and served at ``/openapi.json``.

Limits come from the running configuration so the document says what this server enforces.
The decision schema summarizes specs/decision.schema.json (the suite checks they agree).
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..submission import KEY_HEADER, KINDS, MAX_ENTRIES, SIGNATURE_HEADER
from .config import ServiceConfig

__all__ = ["openapi_document"]

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

_STRING_OR_NULL = {"type": ["string", "null"]}

_DECISION: dict[str, Any] = {
    "type": "object",
    "description": "Exactly `attest verify --json` (specs/decision.schema.json).",
    "required": [
        "decision",
        "reasons",
        "subject",
        "pact",
        "verifiedAt",
        "expires",
        "evidenceAgeSeconds",
        "evaluators",
        "dimensions",
        "bundles",
    ],
    "additionalProperties": False,
    "properties": {
        "decision": {"enum": ["accept", "reject"]},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "subject": _STRING_OR_NULL,
        "pact": _STRING_OR_NULL,
        "verifiedAt": {"type": "string"},
        "expires": _STRING_OR_NULL,
        "evidenceAgeSeconds": {"type": ["integer", "null"]},
        "evaluators": {
            "type": "object",
            "required": ["counted", "required"],
            "properties": {
                "counted": {"type": "array", "items": {"type": "string"}},
                "required": {"type": "integer"},
            },
        },
        "dimensions": {"type": "array", "items": {"type": "object"}},
        "bundles": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["bundle", "counted", "checks"],
                "properties": {
                    "bundle": {"type": "string"},
                    "counted": {"type": "boolean"},
                    "checks": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["step", "result", "code", "reason"],
                            "properties": {
                                "step": {"type": "string"},
                                "result": {"enum": ["pass", "fail", "not-applicable"]},
                                "code": _STRING_OR_NULL,
                                "reason": {"type": "string"},
                                "malformed": {"type": "boolean"},
                            },
                        },
                    },
                },
            },
        },
    },
}


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
                    "summary": "Verify one bundle under the server's policy.",
                    "operationId": "verify",
                    "description": (
                        "200 with the decision for accept and for reject alike; 400 when the "
                        "bundle does not parse (the error and the decision)."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/vnd.attest.bundle+json": bundle_body,
                            "application/vnd.attest.bundle+cbor": bundle_body,
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
