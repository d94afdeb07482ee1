"""Reading submissions: the 64 KiB limit while reading, content types, malformed bodies."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from starlette.testclient import TestClient

from forms_api.web.intake import MAX_BODY, MAX_FIELDS
from tests.conftest import assert_error
from tests.forms_support import volunteer_body


def _raw_post(client: TestClient, headers: list[tuple[bytes, bytes]],
              chunks: list[bytes]) -> tuple[int, int]:
    """POST through the ASGI interface; return (status, chunks the app consumed)."""
    consumed = 0
    pending = iter(chunks)
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal consumed
        chunk = next(pending, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        consumed += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/volunteers", "raw_path": b"/api/volunteers",
             "root_path": "", "query_string": b"", "server": ("testserver", 80),
             "client": ("127.0.0.1", 50000),
             "headers": [(b"host", b"testserver"), *headers]}

    async def run() -> None:
        await client.app(scope, receive, send)

    anyio.run(run)
    return status, consumed


def test_declared_oversize_body_is_refused_unread(portal_client: TestClient) -> None:
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(10 * MAX_BODY).encode())]
    status, consumed = _raw_post(portal_client, headers, [b"x" * 1024] * 640)
    assert status == 413 and consumed == 0


def test_chunked_oversize_body_is_refused_midway(portal_client: TestClient) -> None:
    headers = [(b"content-type", b"application/x-www-form-urlencoded"),
               (b"transfer-encoding", b"chunked")]
    status, consumed = _raw_post(portal_client, headers, [b"a" * 4096] * 100)
    assert status == 413
    assert consumed == MAX_BODY // 4096 + 1  # stopped at the first chunk past the limit


def test_413_shape(portal_client: TestClient) -> None:
    response = portal_client.post("/api/volunteers", content=b"{" + b" " * MAX_BODY + b"}",
                                  headers={"content-type": "application/json"})
    assert_error(response, 413, "body_too_large")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
def test_other_content_types_are_415(portal_client: TestClient, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = portal_client.post("/api/volunteers", content=b"name=x", headers=headers)
    assert_error(response, 415, "unsupported_media_type")


def test_bad_json_is_400(portal_client: TestClient) -> None:
    response = portal_client.post("/api/volunteers", content=b'{"name": ',
                                  headers={"content-type": "application/json"})
    assert_error(response, 400, "malformed_body")


def test_json_that_is_not_an_object_is_422(portal_client: TestClient) -> None:
    assert_error(portal_client.post("/api/volunteers", json=["a"]), 422, "validation_error")


def test_file_parts_are_refused(portal_client: TestClient) -> None:
    response = portal_client.post("/api/volunteers", data={"name": "张明"},
                                  files={"bio": ("bio.txt", b"hello", "text/plain")})
    assert_error(response, 400, "malformed_body")


def test_broken_multipart_is_400(portal_client: TestClient) -> None:
    response = portal_client.post("/api/volunteers", content=b"--x\r\nnonsense",
                                  headers={"content-type": "multipart/form-data"})  # no boundary
    assert_error(response, 400, "malformed_body")


def test_too_many_fields_is_400(portal_client: TestClient) -> None:
    body = "&".join(f"f{n}=1" for n in range(MAX_FIELDS + 5)).encode()
    assert_error(portal_client.post("/api/volunteers", content=body, headers={
        "content-type": "application/x-www-form-urlencoded"}), 400, "malformed_body")
    fields = {f"f{n}": (None, "1") for n in range(MAX_FIELDS + 5)}
    assert_error(portal_client.post("/api/volunteers", files=fields), 400, "malformed_body")


def test_form_values_of_unknown_fields_are_refused(portal_client: TestClient) -> None:
    error = assert_error(portal_client.post("/api/volunteers", data={
        **{k: v for k, v in volunteer_body().items() if not isinstance(v, list)},
        "qualifications": "psychiatrist", "expertise": "crisis", "consent": "on",
        "public_profile": "on", "status": "approved"}), 422, "validation_error")
    assert set(error["fields"]) == {"status"}
