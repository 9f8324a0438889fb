"""HTTP API: thin FastAPI routers over the domain packages."""

from baton.api.app import create_app

__all__ = ["create_app"]
