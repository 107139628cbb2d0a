"""attest.verifier: from bundles, a policy and a time to a decision a program can act on.

Verification is a table of named steps (specs/verification.md §2), run in order on each
bundle by :func:`attest.verifier.pipeline.verify`::

    bundle.format          the bundle parses (specs/bundle.md)
    credential.signature   the credential's proof verifies by its issuer's key; claims read
    issuer.trusted         a policy issuer, inside its key window, before any compromise
    credential.validity    inside validFrom/validUntil at now, not older than the policy allows
    checkpoint.signature   a trusted log signed the checkpoint the proofs lead to
    checkpoint.witnesses   enough policy witnesses cosigned it
    checkpoint.consistency it reconciles with the checkpoint remembered for that log
    inclusion.credential   the credential is logged under that checkpoint
    inclusion.evidence     every evidence item it cites is logged under it too
    evidence.bytes         evidence bytes held or embedded hash to the logged digests
    credential.status      the issuer's status lists say neither revoked nor suspended
    evidence.freshness     the evaluation is recent enough
    evidence.decay         its decayed weight is above the policy's floor
    policy.subject         about the policy's subject and pact
    policy.verdict         the evaluator's verdict is pass (unless the policy looks past it)
    policy.thresholds      every threshold in a dimension the issuer is trusted for is met

Every step ends ``pass``, ``fail`` (with a stable code) or ``not-applicable``, with a reason.
A bundle whose steps all hold counts; the decision (§3) then applies the policy across the
counted bundles: k distinct trusted evaluators, each trust dimension on its own, and the
earliest time any of it stops being good.

The modules:

- :mod:`~attest.verifier.steps`: one function per step and the table ``STEPS``. A new step
  is one function and one row (and one row of the spec's table; a test compares them).
- :mod:`~attest.verifier.pipeline`: runs the table on each bundle and decides.
- :mod:`~attest.verifier.decision`: the report types (``Check``, ``BundleReport``,
  ``DimensionView``, ``Decision``) and the JSON Schema of ``Decision.to_json``.
- :mod:`~attest.verifier.policy`: the counterparty's TOML policy (specs/policy.md), parsed.
- :mod:`~attest.verifier.state`: what a verifier remembers between runs (the largest verified
  checkpoint per log) and how a new checkpoint reconciles with it (§4).

The package is pure: the caller passes the time, the policy, the remembered state and any
status lists; reading and writing files is :mod:`attest.files`'s job.
"""
