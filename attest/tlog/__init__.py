"""attest.tlog."""
