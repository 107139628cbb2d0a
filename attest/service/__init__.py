"""The HTTP service (optional extra ``attest[server]``): a shared log and a verification API.

``create_app`` builds the ASGI application; ``attest serve`` runs it with uvicorn. The
protocol is in specs/service.md.
"""

from __future__ import annotations

from .app import create_app
from .config import ServiceConfig

__all__ = ["ServiceConfig", "create_app"]
