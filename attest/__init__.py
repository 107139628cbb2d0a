"""attest: cryptographic attestations and portable credentials for AI agent evaluations."""

from __future__ import annotations

__version__ = "0.1.0"
