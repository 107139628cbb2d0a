"""attest.evaluation."""
