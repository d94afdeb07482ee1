"""Admin access: every admin route refuses without credentials; tokens, sessions, CSRF, throttle."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from forms_api.admin import accounts, control
from forms_api.admin.accounts import Accounts, Admin
from forms_api.admin.sessions import COOKIE, FailedLogins, SessionStore
from tests.admin_support import ADMIN, ADMIN_TOKEN, csrf_of, login, post_form
from tests.conftest import assert_error

# Reachable without a session: the login form (the contract's `/admin/` page), the login
# itself, and the redirect from `/admin` to `/admin/`.
OPEN_CONSOLE = {"/admin/", "/admin/login", "/admin"}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "01TESTID", path)


def admin_routes(app: Any) -> Iterator[tuple[str, str, str]]:
    """(kind, method, path) of every admin route of the app: `api` or `console`."""
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/api":
            for inner in route.app.routes:
                if isinstance(inner, Route) and inner.path.startswith("/admin"):
                    for method in sorted(inner.methods or ()):
                        yield "api", method, "/api" + _concrete(inner.path)
        elif isinstance(route, Route) and route.path.startswith("/admin"):
            for method in sorted(route.methods or ()):
                yield "console", method, _concrete(route.path)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(admin_token=ADMIN_TOKEN, rate_limit=0)


def test_the_route_list_covers_the_admin_side(client: TestClient) -> None:
    found = {(kind, method, path) for kind, method, path in admin_routes(client.app)}
    paths = {path for _, _, path in found}
    # The contract's endpoints and the console's pages are all there to be checked.
    for expected in ("/api/admin/trainings", "/api/admin/volunteers", "/api/admin/bookings",
                     "/api/admin/export/01TESTID.01TESTID", "/api/admin/calendar.ics",
                     "/admin/trainings/", "/admin/bookings/01TESTID/", "/admin/privacy/"):
        assert expected in paths, expected
    assert len(found) > 40


def test_every_api_admin_route_refuses_without_valid_credentials(client: TestClient) -> None:
    for kind, method, path in admin_routes(client.app):
        if kind != "api" or method == "HEAD":
            continue
        for headers in ({}, {"Authorization": "Bearer wrong-token"},
                        {"Authorization": f"Basic {ADMIN_TOKEN}"}):
            response = client.request(method, path, headers=headers, json={})
            assert_error(response, 401, "unauthorized")
            assert "bearer" in response.headers["www-authenticate"].lower()
            client.app.state.admin.failures.succeed("testclient")  # keep the throttle out of it


def test_every_console_route_refuses_without_a_session(client: TestClient) -> None:
    client.cookies.set(COOKIE, "made-up-session", path="/admin")
    for kind, method, path in admin_routes(client.app):
        if kind != "console" or path in OPEN_CONSOLE:
            continue
        response = client.request(method, path, data={"csrf": "x"}, follow_redirects=False)
        if method in ("GET", "HEAD"):
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/admin/?next=/admin/"), path
        else:
            assert response.status_code == 401, (method, path)
            assert "重新登录" in response.text
    page = client.get("/admin/")
    assert page.status_code == 200
    assert 'name="token"' in page.text and "退出" not in page.text
    assert "/admin/logout" not in page.text


def test_console_handlers_are_all_guarded(client: TestClient) -> None:
    for route in client.app.routes:
        if (isinstance(route, Route) and route.path.startswith("/admin")
                and route.path not in OPEN_CONSOLE):
            assert getattr(route.endpoint, "admin_page", False), route.path


def test_bearer_token_and_bootstrap(client: TestClient) -> None:
    assert client.get("/api/admin/volunteers", headers=ADMIN).status_code == 200


def test_added_admin_token_works_until_removed(client: TestClient) -> None:
    state = client.app.state.admin
    db = client.app.state.portal.db
    token = accounts.new_token()
    assert len(token) >= len("pa_") + 43  # 32 random bytes
    reply = control.execute(db, client.app.state.settings,
                            {"op": "admin.add", "name": "li.wei", "token_hash": accounts.token_hash(token)},
                            "cli:test", state.accounts)
    assert reply["ok"], reply
    stored = db.table("admins").all()
    assert token not in str(stored) and stored[0]["token_hash"] == accounts.token_hash(token)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/admin/bookings", headers=headers).status_code == 200
    csrf = login(client, token)
    assert client.get("/admin/trainings/").status_code == 200
    assert csrf
    reply = control.execute(db, client.app.state.settings, {"op": "admin.remove", "name": "li.wei"},
                            "cli:test", state.accounts)
    assert reply["ok"], reply
    assert_error(client.get("/api/admin/bookings", headers=headers), 401, "unauthorized")
    # The removed admin's console session ends at once.
    assert client.get("/admin/trainings/", follow_redirects=False).status_code == 303


def test_admin_names_are_checked(client: TestClient) -> None:
    db = client.app.state.portal.db
    settings = client.app.state.settings
    good = accounts.token_hash("x")
    for name in ("", "bootstrap", "a b", "<script>", "x" * 41):
        reply = control.execute(db, settings, {"op": "admin.add", "name": name, "token_hash": good}, "t")
        assert not reply["ok"], name
    assert control.execute(db, settings, {"op": "admin.add", "name": "wang", "token_hash": good}, "t")["ok"]
    again = control.execute(db, settings, {"op": "admin.add", "name": "wang", "token_hash": good}, "t")
    assert not again["ok"] and "already" in again["error"]
    assert not control.execute(db, settings, {"op": "admin.remove", "name": "nobody"}, "t")["ok"]


def test_login_sets_a_strict_http_only_cookie(client: TestClient) -> None:
    response = client.post("/admin/login", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    assert ADMIN_TOKEN not in cookie


def test_cookie_is_secure_over_https(make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=ADMIN_TOKEN)
    client.base_url = client.base_url.copy_with(scheme="https")
    response = client.post("/admin/login", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_token_is_refused_and_nothing_shown(client: TestClient) -> None:
    response = client.post("/admin/login", data={"token": "nope"}, follow_redirects=False)
    assert response.status_code == 401
    assert "令牌不正确" in response.text and "set-cookie" not in response.headers


def test_failed_logins_are_throttled(client: TestClient) -> None:
    for _ in range(10):
        assert client.post("/admin/login", data={"token": "nope"}).status_code == 401
    locked = client.post("/admin/login", data={"token": "nope"}, follow_redirects=False)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    api = client.get("/api/admin/bookings", headers={"Authorization": "Bearer nope"})
    assert_error(api, 429, "rate_limited")


def test_a_valid_token_is_never_locked_out_by_others_failures(client: TestClient) -> None:
    # Everyone behind the bureau's NAT shares one address: a colleague's (or an attacker's)
    # wrong guesses must not refuse a valid token, by API or console.
    for _ in range(10):
        client.get("/api/admin/bookings", headers={"Authorization": "Bearer wrong"})
    assert_error(client.get("/api/admin/bookings", headers={"Authorization": "Bearer wrong"}),
                 429, "rate_limited")
    assert client.get("/api/admin/bookings", headers=ADMIN).status_code == 200
    page = client.post("/admin/login", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert page.status_code == 303 and "set-cookie" in page.headers
    # The valid login did not reset the count: further wrong guesses are still refused.
    again = client.post("/admin/login", data={"token": "nope"}, follow_redirects=False)
    assert again.status_code == 429


def test_state_changes_need_the_csrf_token(client: TestClient) -> None:
    login(client)
    response = client.post("/admin/limits/", data={"per_school_per_term": "2"},
                           follow_redirects=False)
    assert response.status_code == 403
    response = client.post("/admin/limits/", data={"per_school_per_term": "2", "csrf": "forged"},
                           follow_redirects=False)
    assert response.status_code == 403
    rules = client.get("/api/admin/limits", headers=ADMIN).json()
    assert rules["per_school_per_term"] is None  # nothing changed


def test_cross_site_posts_are_refused(client: TestClient) -> None:
    csrf = login(client)
    response = client.post("/admin/limits/", data={"csrf": csrf, "per_school_per_term": "2"},
                           headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert response.status_code == 403


def test_logout_revokes_the_session(client: TestClient) -> None:
    csrf = login(client)
    cookie = client.cookies.get(COOKIE)
    assert post_form(client, "/admin/logout", csrf).status_code == 303
    client.cookies.set(COOKIE, cookie or "", path="/admin")  # a copied cookie is dead too
    assert client.get("/admin/bookings/", follow_redirects=False).status_code == 303
    assert 'name="token"' in client.get("/admin/").text


def test_next_only_leads_into_the_console(client: TestClient) -> None:
    for target, expected in (("/admin/bookings/", "/admin/bookings/"),
                             ("https://evil.example/", "/admin/"), ("//evil.example", "/admin/"),
                             ("/admin/..//evil", "/admin/")):
        client.cookies.clear()
        response = client.post("/admin/login", data={"token": ADMIN_TOKEN, "next": target},
                               follow_redirects=False)
        assert response.headers["location"] == expected


def test_sessions_expire_when_idle_and_absolutely(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("forms_api.admin.sessions.time.monotonic", lambda: now[0])
    store = SessionStore(idle=60, absolute=300)
    known = Accounts("boot")
    admin = Admin("bootstrap", "bootstrap")
    sid, _ = store.create(admin)
    for _ in range(5):
        now[0] += 50
        assert store.get(sid, known) is not None  # kept alive by use
    now[0] += 51
    assert store.get(sid, known) is None  # past the absolute limit
    sid, _ = store.create(admin)
    now[0] += 61
    assert store.get(sid, known) is None  # idle too long
    sid, _ = store.create(admin)
    assert store.get(sid, Accounts(None)) is None  # the bootstrap token was unset


def test_failed_login_window(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr("forms_api.admin.sessions.time.monotonic", lambda: now[0])
    failures = FailedLogins(limit=3, window=100)
    for _ in range(3):
        assert failures.retry_after("a") == 0
        failures.fail("a")
    assert failures.retry_after("a") > 0 and failures.retry_after("b") == 0
    now[0] += 101
    assert failures.retry_after("a") == 0


def test_console_pages_answer_with_no_store(client: TestClient) -> None:
    login(client)
    page = client.get("/admin/trainings/")
    assert page.headers["cache-control"] == "no-store"
    assert csrf_of(page.text)
