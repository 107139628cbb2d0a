"""attest.codec."""
