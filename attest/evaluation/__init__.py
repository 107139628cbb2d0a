"""Evaluations: what an agent promised, what was measured, the signed credential, the bundle.

The product's own formats, built from :mod:`attest.vc` (how a credential is signed) and
:mod:`attest.tlog` (how it and its evidence are logged):

- :mod:`~attest.evaluation.pact`: a pact, TOML or JSON; obligations of one metric, a
  comparator (``>=``, ``>``, ``<=``, ``<``, ``==``), a threshold, a unit and a trust
  dimension. Its digest is SHA-256 of the RFC 8785 JSON of its normalized form, so the same
  pact in either syntax has one digest (specs/pact.md §1-§2).
- :mod:`~attest.evaluation.results`: measurements, and outcomes *computed* from the pact,
  never typed in; the verdict is ``pass`` only when every obligation passes (§3-§4).
- :mod:`~attest.evaluation.credential`: the claims as a VC 2.0 document, secured as JSON with
  ``eddsa-jcs-2022`` or as COSE_Sign1 over deterministic CBOR; writer and reader side by side
  (specs/credential.md).
- :mod:`~attest.evaluation.bundle`: the offline bundle, ``{"mediaType":
  "application/vnd.attest.bundle+json", "version": 1, "credential", "log", "entries", …}``
  (or the same in CBOR): the credential, each entry with its tlog-proof to one checkpoint,
  optionally the evidence bytes and a status list. Parsing checks structure only
  (specs/bundle.md); the cryptography is :mod:`attest.verifier`'s.
- :mod:`~attest.evaluation.inspection`: an unverified, readable view of a bundle.

For example, a measurement that misses one obligation fails the verdict::

    >>> from attest.evaluation.pact import parse_pact
    >>> from attest.evaluation.results import evaluate, parse_results
    >>> pact = parse_pact(b'{"id": "urn:example:pact", "version": "1", "subject_kind": "agent",'
    ...     b' "obligations": [{"metric": "success_rate", "comparator": ">=", "threshold": 0.9,'
    ...     b' "unit": "ratio", "dimension": "reliability"}]}')
    >>> results = parse_results(b'{"method": "suite/1", "period_start": "2026-11-01T00:00:00Z",'
    ...     b' "period_end": "2026-11-20T00:00:00Z",'
    ...     b' "metrics": [{"name": "success_rate", "value": 0.85, "unit": "ratio"}]}')
    >>> evaluation = evaluate("did:web:agents.example:bot", pact, results)
    >>> [(o.obligation.metric, o.outcome) for o in evaluation.outcomes], evaluation.verdict
    ([('success_rate', 'fail')], 'fail')

Pure (the issuer's ``now`` is an argument; issuing into a log on disk is :mod:`attest.issue`).
Layer: above :mod:`attest.vc` and :mod:`attest.tlog`, below :mod:`attest.verifier`.
"""
