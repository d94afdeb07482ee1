"""Cross-origin writes are refused; scripts without `Origin` and same-origin pages are not."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from forms_api.web.origin import is_same_origin
from tests.conftest import assert_error


@pytest.mark.parametrize(("origin", "scheme", "host", "same"), [
    ("http://testserver", "http", "testserver", True),
    ("https://xinyu.example.cn", "https", "xinyu.example.cn", True),
    ("https://xinyu.example.cn", "https", "xinyu.example.cn:443", True),
    ("https://XINYU.example.cn:443", "https", "xinyu.example.cn", True),
    ("http://127.0.0.1:8000", "http", "127.0.0.1:8000", True),
    ("http://127.0.0.1:8001", "http", "127.0.0.1:8000", False),
    ("http://xinyu.example.cn", "https", "xinyu.example.cn", False),
    ("https://evil.example", "https", "xinyu.example.cn", False),
    ("https://xinyu.example.cn.evil.example", "https", "xinyu.example.cn", False),
    ("null", "https", "xinyu.example.cn", False),
    ("", "https", "xinyu.example.cn", False),
    ("https://user@xinyu.example.cn", "https", "xinyu.example.cn", False),
    ("https://xinyu.example.cn/path", "https", "xinyu.example.cn", False),
    ("file://", "https", "xinyu.example.cn", False),
    ("https://xinyu.example.cn:99999", "https", "xinyu.example.cn", False),
])
def test_is_same_origin(origin: str, scheme: str, host: str, same: bool) -> None:
    assert is_same_origin(origin, scheme, host) is same


WRITES = [("POST", "/api/volunteers"), ("POST", "/api/bookings"),
          ("POST", "/api/trainings/x/attendance"), ("PATCH", "/api/admin/bookings/x"),
          ("DELETE", "/api/health"), ("PUT", "/api/health"), ("POST", "/booking/status/")]


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://testserver:8080"])
def test_cross_origin_write_is_403(client: TestClient, method: str, path: str,
                                   origin: str) -> None:
    response = client.request(method, path, json={"name": "x"}, headers={"Origin": origin})
    error = assert_error(response, 403, "cross_origin")
    assert "其他网站" in error["message"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_same_origin_and_scripts_get_past_the_check(client: TestClient, method: str,
                                                    path: str) -> None:
    body = {"data": {"name": "x"}} if path.startswith("/booking") else {"json": {"name": "x"}}
    for headers in ({"Origin": "http://testserver"}, {}):
        response = client.request(method, path, headers=headers, **body)  # type: ignore[arg-type]
        assert response.status_code != 403, (path, headers, response.text)


def test_reads_from_anywhere_are_answered(client: TestClient) -> None:
    response = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
