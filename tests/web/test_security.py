"""Security headers on every response, refusals included; nothing personal is cached."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import assert_error

BASELINE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "x-permitted-cross-domain-policies": "none",
}


def assert_security_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in BASELINE.items():
        assert headers.get(name) == value, (name, headers.get(name))
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "camera=()" in headers["permissions-policy"]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/", 200), ("GET", "/admin/", 200), ("GET", "/no-such-page/", 404),
    ("GET", "/api/health", 200), ("GET", "/api/nothing", 404), ("DELETE", "/api/health", 405),
    ("GET", "/api/admin/bookings", 401), ("GET", "/api/admin/export/bookings.csv", 401),
    ("POST", "/api/volunteers", 415),
])
def test_every_response_carries_the_headers(client: TestClient, method: str, path: str,
                                            status: int) -> None:
    response = client.request(method, path)
    assert response.status_code == status, response.text
    assert_security_headers(response)


def test_a_refused_host_carries_the_headers(client: TestClient) -> None:
    response = client.get("/api/health", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert_security_headers(response)


def test_hosts_come_from_the_setting(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(allowed_hosts=("xinyu.example.cn",))
    assert client.get("/api/health").status_code == 400  # testserver is not in the list
    ok = client.get("/api/health", headers={"Host": "xinyu.example.cn"})
    assert ok.status_code == 200
    assert client.get("/", headers={"Host": "xinyu.example.cn:8443"}).status_code == 200
    assert client.get("/", headers={"Host": "www.xinyu.example.cn"}).status_code == 400


def test_a_body_too_large_carries_the_headers(client: TestClient) -> None:
    response = client.post("/api/volunteers", content=b"{" + b" " * 70000 + b"}",
                           headers={"Content-Type": "application/json"})
    assert_error(response, 413, "body_too_large")
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/admin/", "/api/health", "/api/admin/bookings",
                                  "/api/admin/export/bookings.csv"])
def test_admin_and_api_are_never_stored(client: TestClient, path: str) -> None:
    assert client.get(path).headers["cache-control"] == "no-store"


def test_exports_are_never_stored(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(admin_token="sec-admin-token-0123456789")
    auth = {"Authorization": "Bearer sec-admin-token-0123456789"}
    for name in ("attendance", "volunteers", "bookings"):
        for kind in ("csv", "xlsx"):
            response = client.get(f"/api/admin/export/{name}.{kind}", headers=auth)
            assert response.status_code == 200, (name, kind, response.text)
            assert response.headers["cache-control"] == "no-store"
            assert_security_headers(response)


def test_public_pages_may_be_cached(client: TestClient) -> None:
    assert "no-store" not in client.get("/").headers.get("cache-control", "")


def test_headers_over_the_cap_get_431(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(max_header_bytes=2048)
    assert client.get("/api/health", headers={"X-Pad": "a" * 1000}).status_code == 200
    response = client.get("/api/health", headers={"X-Pad": "a" * 3000})
    assert_error(response, 431, "headers_too_large")
    assert_security_headers(response)
    long_path = client.get("/" + "p" * 3000)
    assert long_path.status_code == 431
