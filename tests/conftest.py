"""Shared fixtures: one strict site build per run, and apps built in temporary directories."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from forms_api.app import create_app
from forms_api.build import build_site
from forms_api.settings import Settings
from tests.admin_support import login
from tests.forms_support import ADMIN_TOKEN
from tests.logcheck import pytest_sessionfinish, pytest_sessionstart, remember  # noqa: F401
from tests.pgcluster import Cluster, find_bindir


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole site, built strictly once for the test run."""
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL server for the run; skipped without PostgreSQL, except in CI."""
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries are missing: .ci/run installs postgresql")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    cluster = Cluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


#: ``PORTAL_TEST_DATABASE=postgresql``: every app the fixtures build stores in PostgreSQL.
ON_POSTGRES = os.environ.get("PORTAL_TEST_DATABASE", "").lower() in {"postgresql", "postgres"}


@pytest.fixture(scope="session")
def app_database(request: pytest.FixtureRequest) -> str | None:
    """The one database the apps of a PostgreSQL run share, or None on the embedded journal."""
    if not ON_POSTGRES:
        return None
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


@pytest.fixture
def app_database_url(app_database: str | None) -> str | None:
    """This test's PostgreSQL URL, emptied first (quicker than a database per test)."""
    if app_database is None:
        return None
    with psycopg.connect(app_database, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('portal_documents')").fetchone()
        if exists and exists[0] is not None:
            conn.execute("TRUNCATE portal_documents RESTART IDENTITY")
    return app_database


@pytest.fixture
def make_settings(built_site: Path, tmp_path: Path, app_database_url: str | None
                  ) -> Callable[..., Settings]:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"site_dir": built_site, "data_dir": tmp_path / "data",
                                  "database_url": app_database_url}
        # Starlette's TestClient sends `Host: testserver`.
        values["allowed_hosts"] = (*Settings().allowed_hosts, "testserver")
        values.update(overrides)
        remember(values.get("admin_token"))
        return Settings(**values)
    return factory


@pytest.fixture
def make_client(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., TestClient]]:
    """`make_client(**setting_overrides)` -> a TestClient whose lifespan has started."""
    clients: list[TestClient] = []

    def factory(**overrides: Any) -> TestClient:
        client = TestClient(create_app(make_settings(**overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def portal_client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client whose app has the admin token set and the rate limit off."""
    return make_client(admin_token=ADMIN_TOKEN, rate_limit=0)


@pytest.fixture
def console(make_client: Callable[..., TestClient]) -> tuple[TestClient, str]:
    """A client logged into the console, and its CSRF token."""
    client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0)
    return client, login(client)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The contract's one error shape; returns the `error` object for further checks."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"], error
    assert set(error) <= {"code", "message", "fields"}, error
    if "fields" in error:
        assert error["fields"] and all(isinstance(v, str) and v for v in error["fields"].values())
    return error


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an asyncio loop running in the main thread while its
    session-wide browser is open, so in-process tests that call `asyncio.run()` after it
    would fail; ordering keeps every test independent of where it sits in the run.
    """
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
