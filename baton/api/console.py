"""The web console: the built single-page app of `ui/`, served at `/`.

Its hashed assets are cached for good; every other path that is not the API's answers
`index.html`, so a deep link (`/journeys/cart`) opens the app at that page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.convertors import PathConvertor, register_url_convertor
from starlette.types import Scope

# `make install` builds here; BATON_CONSOLE_DIR points elsewhere.
DEFAULT_BUILD = Path(__file__).resolve().parents[2] / "ui" / "dist"
_PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
        "frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Baton</title></head><body><main><h1>Baton</h1>
<p>The console is not built. Run <code>make install</code> (Node.js 20 or newer), then
restart <code>baton serve</code>.</p></main></body></html>"""


class _ConsolePath(PathConvertor):
    """Any path but the API's and the assets': the console's route does not even match
    those, so an unknown one stays the API's JSON 404 for every method (matched, a POST
    would be told 405 Method Not Allowed)."""

    regex = "(?!api/|v1/|assets/).*"


register_url_convertor("console_path", _ConsolePath())


class _ImmutableAssets(StaticFiles):
    """Vite names each asset after its content: a browser may keep it for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def install_console(app: FastAPI, build: Path) -> None:
    """Serve the console built into `build` (its `index.html` and `assets/`)."""
    index = build / "index.html"
    if (build / "assets").is_dir():
        app.mount("/assets", _ImmutableAssets(directory=build / "assets"), name="assets")
    router = APIRouter(include_in_schema=False)

    @router.get("/{path:console_path}")
    def page(path: str) -> Response:
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT, 404)  # no page here yet; the server is fine
        shipped = (build / path).resolve()
        if not (path and shipped.is_file() and shipped.is_relative_to(build.resolve())):
            shipped = index
        # The page's headers go with every file: `/index.html` is the page too.
        return FileResponse(shipped, headers=_PAGE_HEADERS)

    app.include_router(router)
