"""Authentication over the whole API: schemathesis on the secured operations, and every route.

tests/test_openapi.py fuzzes each operation of the OpenAPI document with the bootstrap token.
This adds the other side: for every case schemathesis generates for an operation the document
marks as secured, the same request without credentials, with a wrong token and with a malformed
`Authorization` header must be refused with 401 in the contract's error shape, and with the
token schemathesis' `ignored_auth` check must hold. Routes the document does not (yet) list are
covered by walking the app's own route table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import ignored_auth, not_a_server_error
from schemathesis.python import asgi
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from forms_api.app import api_document as document
from forms_api.app import create_app
from forms_api.settings import Settings
from tests.conftest import assert_error

TOKEN = "auth-check-admin-token-5d1e8b"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
REFUSED = [{}, {"Authorization": "Bearer not-the-token-0000000000"},
           {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"},
           {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"bearer  {TOKEN[:-1]}"}]
EXAMPLES = 15

SECURED = [(method, path) for path, ops in document()["paths"].items()
           for method, op in ops.items() if op.get("security")]


def test_the_document_secures_every_admin_operation() -> None:
    for path, ops in document()["paths"].items():
        for method, op in ops.items():
            assert bool(op.get("security")) == path.startswith("/api/admin/"), (method, path)


def unthrottled(app: Any) -> None:
    """Lift the failed-login lock-out (10 a quarter hour): this test fails logins on purpose."""
    app.state.admin.failures.limit = 10**9


def assert_refused(response: Any) -> None:
    assert response.status_code == 401, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == "unauthorized", body
    assert body["error"]["message"], body


@pytest.fixture
def api_schema(make_settings: Callable[..., Settings]) -> Iterator[Any]:
    app = create_app(make_settings(admin_token=TOKEN, rate_limit=0))
    unthrottled(app)
    try:
        yield schemathesis.openapi.from_asgi("/api/openapi.json", app)
    finally:
        asgi.shutdown_lifespans()


@pytest.mark.parametrize("method,path", SECURED, ids=[f"{m.upper()} {p}" for m, p in SECURED])
def test_secured_operations_refuse_without_valid_credentials(api_schema: Any, method: str,
                                                            path: str) -> None:
    operation = api_schema[path][method]
    refusals = 0

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        nonlocal refusals
        case.call_and_validate(headers=ADMIN, checks=[not_a_server_error, ignored_auth])
        for headers in REFUSED:
            assert_refused(case.call(headers=headers))
            refusals += 1

    run()
    assert refusals >= len(REFUSED)


def _admin_routes(client: TestClient) -> list[tuple[str, str]]:
    api = next(r for r in client.app.routes if isinstance(r, Mount) and r.path == "/api")  # type: ignore[attr-defined]
    found = []
    for route in api.routes:
        if isinstance(route, Route) and route.path.startswith("/admin/"):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                path = route.path.replace("{name}.{format}", "bookings.csv")
                found.append((method, "/api" + re.sub(r"\{[^}]+\}", "x", path)))
    return found


def test_every_admin_route_refuses_without_valid_credentials(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=TOKEN, rate_limit=0)
    unthrottled(client.app)
    routes = _admin_routes(client)
    assert len(routes) >= len(SECURED), routes
    for method, path in routes:
        for headers in REFUSED:
            response = client.request(method, path, headers=headers, json={})
            assert_error(response, 401, "unauthorized")
        with_token = client.request(method, path, headers=ADMIN, json={})
        assert with_token.status_code != 401, (method, path)

