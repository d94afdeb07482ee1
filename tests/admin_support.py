"""Helpers for the admin tests: a logged-in console client and the CSRF token of a page."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.forms_support import ADMIN, ADMIN_TOKEN

__all__ = ["ADMIN", "ADMIN_TOKEN", "csrf_of", "login", "post_form"]

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match[1]


def login(client: TestClient, token: str = ADMIN_TOKEN) -> str:
    """Log the console in; return the session's CSRF token."""
    response = client.post("/admin/login", data={"token": token, "next": "/admin/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/admin/").text)


def post_form(client: TestClient, path: str, csrf: str, **fields: Any) -> Any:
    return client.post(path, data={"csrf": csrf, **fields}, follow_redirects=False)
