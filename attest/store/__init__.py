"""attest.store."""
