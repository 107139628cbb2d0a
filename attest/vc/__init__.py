"""W3C Verifiable Credentials: the data model, Data Integrity and COSE proofs, status lists.

attest writes its own evaluation credentials (:mod:`attest.evaluation.credential`) with these
parts, and verifies credentials any issuer wrote, offline: every JSON-LD context comes from
the copies shipped in :mod:`attest.vc.contexts` (pinned by SHA-256; nothing is fetched) and
every key is a did:key.

- :mod:`~attest.vc.data_integrity`: a ``DataIntegrityProof`` in the document's ``proof``;
  Ed25519 over SHA-256(canonical proof options) ‖ SHA-256(canonical document without proof),
  written ``proofValue = "z" + base58btc(signature)``. ``eddsa-jcs-2022`` canonicalizes with
  RFC 8785, ``eddsa-rdfc-2022`` with RDFC-1.0 N-Quads (specs/data-integrity.md).
- :mod:`~attest.vc.jsonld`: safe-mode JSON-LD expansion and RDFC-1.0, bounded; an undefined
  term is an error, never silently dropped (specs/context.md §6-§7).
- :mod:`~attest.vc.cose`: COSE_Sign1 with Ed25519 over deterministic CBOR (specs/cose.md).
- :mod:`~attest.vc.status_list`: Bitstring Status List, one bit per credential, index 0 the
  high bit of byte 0, ``encodedList = "u" + base64url(GZIP(bits))`` (specs/status.md).
- :mod:`~attest.vc.model`, :mod:`~attest.vc.issuer`, :mod:`~attest.vc.verifier`: the data
  model rules, issuing a caller's credential, verifying one to a typed result (specs/vc-api.md).

For example, sign with eddsa-jcs-2022, verify, and see a changed issuer refused::

    >>> from attest.keys.did_key import encode_did_key
    >>> from attest.keys.ed25519 import PrivateKey
    >>> from attest.vc import data_integrity as di
    >>> key = PrivateKey(bytes(range(32)))
    >>> doc = {"@context": ["https://www.w3.org/ns/credentials/v2"],
    ...        "type": ["VerifiableCredential"], "issuer": encode_did_key(key.public_key),
    ...        "credentialSubject": {"id": "did:example:bot"}}
    >>> secured = di.add_proof(doc, key)
    >>> secured["proof"]["cryptosuite"], secured["proof"]["proofValue"][:12]
    ('eddsa-jcs-2022', 'z5Kwn8osXz6s')
    >>> di.verify_proof(secured).controller == doc["issuer"]
    True
    >>> di.verify_proof({**secured, "issuer": "did:example:mallory"})
    Traceback (most recent call last):
    attest.errors.VerificationError: signature.invalid: the Ed25519 signature does not verify

Pure (``now`` is an argument; the issuer's status store on disk is :mod:`attest.store.status`).
Layer: above :mod:`attest.keys`, independent of :mod:`attest.tlog`.
"""
