"""The browser script: shipped in the package, small, served with its type and caching."""

from __future__ import annotations

import gzip
import tomllib
from pathlib import Path

import httpx

from baton.personalize import SDK_PATH

ROOT = Path(__file__).resolve().parents[2]


def test_the_script_is_package_data_and_under_10_kb_gzipped() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    assert SDK_PATH.name in package_data["baton.personalize"]
    assert len(gzip.compress(SDK_PATH.read_bytes(), 9)) < 10 * 1024


def test_the_script_is_served_as_javascript_and_cached(client: httpx.Client) -> None:
    answer = client.get("/sdk/baton.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    assert answer.headers["cache-control"] == "public, max-age=3600"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.content == SDK_PATH.read_bytes()
    again = client.get("/sdk/baton.js", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
