"""attest.vc."""
