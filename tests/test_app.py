"""The app shell: health, the JSON error shape under /api, the site's pages and headers."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import assert_error

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


def test_health(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_new_data_directory_is_private_from_the_start(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    data_dir = tmp_path / "new" / "data"
    make_client(data_dir=data_dir)
    assert data_dir.stat().st_mode & 0o777 == 0o700
    for path in data_dir.rglob("*"):  # the signing secret, the lock, the journal, ...
        mode = path.stat().st_mode
        if not stat.S_ISSOCK(mode):  # the control socket's own folder is 0700
            assert mode & 0o077 == 0, f"{path.name} is readable by others"


def test_unknown_api_path_is_json_404(client: TestClient) -> None:
    assert_error(client.get("/api/no/such/thing"), 404, "not_found")


def test_wrong_method_is_json_405(client: TestClient) -> None:
    assert_error(client.delete("/api/health"), 405, "method_not_allowed")


def test_unhandled_error_is_json_500(make_settings) -> None:  # type: ignore[no-untyped-def]
    from forms_api.app import create_app

    app = create_app(make_settings())
    api = app.routes[0].app  # the /api mount
    api.state.modules = None  # the modules endpoint now fails
    with TestClient(app, raise_server_exceptions=False) as client:
        assert_error(client.get("/api/modules"), 500, "internal_error")


@pytest.mark.parametrize("path", ["/", "/about/", "/privacy/", "/training/"])
def test_pages_answer(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "心育驿站" in response.text


def test_unknown_page_is_the_sites_404(client: TestClient) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "心育驿站" in response.text


@pytest.mark.parametrize("path", ["/", "/api/health", "/api/nothing", "/nothing", "/assets/css/portal.css"])
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    response = client.get(path)
    for header in SECURITY_HEADERS:
        assert header in response.headers, (path, header)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_api_is_not_cached(client: TestClient) -> None:
    assert client.get("/api/health").headers["cache-control"] == "no-store"


def test_pages_inline_scripts_are_allowed_by_hash(client: TestClient) -> None:
    import base64
    import hashlib
    import re

    page = client.get("/training/")
    csp = page.headers["content-security-policy"]
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S):
        if "src=" in attrs or "application/json" in attrs or not body.strip():
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_responses_are_gzipped(client: TestClient) -> None:
    response = client.get("/search/search_index.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    raw = client.get("/search/search_index.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers


def test_modules_list_front_matter(client: TestClient) -> None:
    items = client.get("/api/modules").json()["items"]
    assert len(items) >= 10
    for item in items:
        assert set(item) == {"slug", "title", "hours"}
