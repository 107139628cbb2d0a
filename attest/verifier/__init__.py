"""attest.verifier."""
