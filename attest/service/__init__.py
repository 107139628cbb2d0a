"""The HTTP service (optional extra ``attest[server]``): a shared log, a verification API and
the W3C VC-API.

``create_app`` builds the ASGI application; ``attest serve`` runs it with uvicorn. The
protocol is in specs/service.md.
"""

from __future__ import annotations

from attest.service.app import create_app
from attest.service.config import ServiceConfig
from attest.service.vcapi import VcApi, VcApiConfig

__all__ = ["ServiceConfig", "VcApi", "VcApiConfig", "create_app"]
