"""`baton serve` serves the built console at `/`: deep links open the app, the API's own
paths keep their JSON 404, assets are cached for good, and nothing outside the build is
ever served; over real HTTP, with a build made here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from baton.core.config import Settings
from baton.runtime import Runtime
from tests.conftest import serve_in_thread

INDEX = "<!doctype html><title>Baton console</title><script src='/assets/app-1a2b.js'></script>"


def _served(build: Path, tmp_path: Path) -> Iterator[httpx.Client]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'baton.db'}",
        analytics_path="off",
        console_dir=str(build),
    )
    runtime = Runtime.create(settings, run_processor=False)
    with serve_in_thread(runtime) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client
    runtime.engine.dispose()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[httpx.Client]:
    build = tmp_path / "dist"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text(INDEX)
    (build / "assets" / "app-1a2b.js").write_text("console.log('baton')")
    (build / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("not for browsers")
    yield from _served(build, tmp_path)


@pytest.mark.parametrize(
    "path", ["/", "/journeys/cart-abandonment", "/profiles/p_123", "/settings", "/analytics"]
)
def test_every_page_of_the_app_answers_its_index(console: httpx.Client, path: str) -> None:
    answer = console.get(path)
    assert answer.status_code == 200
    assert answer.text == INDEX
    assert answer.headers["cache-control"] == "no-cache"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/v1/nothing", "/assets/gone.js"])
def test_the_apis_paths_and_missing_assets_stay_json_404s(console: httpx.Client, path: str) -> None:
    answer = console.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_an_unknown_api_path_is_a_404_whatever_the_method(
    console: httpx.Client, method: str
) -> None:
    answer = console.request(method, "/v1/nothing")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    # A known path keeps its 405 for a method it does not answer.
    assert console.delete("/v1/batch").status_code == 405


def test_the_index_by_its_own_name_carries_the_pages_headers(console: httpx.Client) -> None:
    answer = console.get("/index.html")
    assert answer.text == INDEX
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_good(console: httpx.Client) -> None:
    answer = console.get("/assets/app-1a2b.js")
    assert answer.text == "console.log('baton')"
    assert "immutable" in answer.headers["cache-control"]
    assert console.get("/favicon.svg").text == "<svg/>"


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/..%2fsecret.txt"]
)
def test_nothing_outside_the_build_is_served(console: httpx.Client, path: str) -> None:
    answer = console.get(path)
    assert "not for browsers" not in answer.text


def test_without_a_build_the_root_says_how_to_make_one(tmp_path: Path) -> None:
    for client in _served(tmp_path / "missing", tmp_path):
        answer = client.get("/journeys/x")
        assert answer.status_code == 404
        assert "make install" in answer.text
        assert client.get("/healthz").json() == {"status": "ok"}
