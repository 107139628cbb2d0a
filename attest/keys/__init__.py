"""attest.keys."""
