"""Two app instances on one PostgreSQL database: what one instance knows, the other knows too."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from starlette.testclient import TestClient

from forms_api.admin import commands, shared
from forms_api.admin.accounts import new_token, token_hash
from forms_api.admin.sessions import COOKIE
from forms_api.app import create_app, job_name
from forms_api.bookings.reminders import remind
from forms_api.domain import Job
from forms_api.rota.reminders import job as rota_job
from forms_api.settings import Settings
from forms_api.storage.postgres import PgDatabase, singleton_key
from forms_api.web import tokens
from tests.admin_support import ADMIN, ADMIN_TOKEN, csrf_of, login
from tests.conftest import assert_error
from tests.forms_support import booking_body
from tests.pgcluster import Cluster
from tests.pgloop import on_the_loop

Pair = tuple[TestClient, TestClient]


def _logged_out(html: str) -> bool:
    """The login form is shown, and no session's CSRF token."""
    return 'name="token"' in html and 'name="csrf"' not in html


@pytest.fixture
def pair(make_client: Callable[..., TestClient], pg_cluster: Cluster, tmp_path: Path) -> Pair:
    """Instances A and B: one database, their own data directories (as on two hosts)."""
    url = pg_cluster.new_database()
    a = make_client(admin_token=ADMIN_TOKEN, rate_limit=0, database_url=url,
                    data_dir=tmp_path / "a")
    b = make_client(admin_token=ADMIN_TOKEN, rate_limit=0, database_url=url,
                    data_dir=tmp_path / "b")
    return a, b


def test_a_console_session_made_on_a_works_on_b(pair: Pair) -> None:
    a, b = pair
    csrf = login(a)
    b.cookies.set(COOKIE, a.cookies[COOKIE], path="/admin")
    page = b.get("/admin/", follow_redirects=False)
    assert page.status_code == 200 and csrf_of(page.text) == csrf and not _logged_out(page.text)
    # Logging out on B ends the session on A as well.
    assert b.post("/admin/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert _logged_out(a.get("/admin/", follow_redirects=False).text)


def test_an_unknown_cookie_is_refused_on_both(pair: Pair) -> None:
    for client in pair:
        client.cookies.set(COOKIE, "made-up", path="/admin")
        assert _logged_out(client.get("/admin/", follow_redirects=False).text)


def test_failed_logins_count_across_instances(pair: Pair) -> None:
    a, b = pair
    for i in range(10):
        client = a if i % 2 else b
        assert client.post("/admin/login", data={"token": "nope"}).status_code == 401
    for client in pair:
        locked = client.post("/admin/login", data={"token": "nope"}, follow_redirects=False)
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert_error(b.get("/api/admin/bookings", headers={"Authorization": "Bearer nope"}),
                 429, "rate_limited")
    assert b.get("/api/admin/bookings", headers=ADMIN).status_code == 200


def test_a_form_token_signed_on_a_is_accepted_on_b(pair: Pair) -> None:
    a, b = pair
    secret = a.app.state.portal.secret  # type: ignore[attr-defined]
    token = tokens.issue(secret, at=time.time() - 30)
    first = a.post("/api/bookings", json=booking_body(form_token=token))
    again = b.post("/api/bookings", json=booking_body(form_token=token))
    assert first.status_code == again.status_code == 201
    # B verified A's signature, so the token's nonce served as the idempotency key there too.
    assert first.json()["reference"] == again.json()["reference"]
    assert len(b.get("/api/admin/bookings", headers=ADMIN).json()["items"]) == 1


def _job_holders(url: str, job: Job) -> list[int]:
    """The PostgreSQL backends holding the advisory lock of ``job``."""
    key = singleton_key(job_name(job)) & 0xFFFFFFFFFFFFFFFF
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                            " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
                            (key >> 32, key & 0xFFFFFFFF)).fetchall()
    return [pid for pid, in rows]


def test_each_background_job_runs_on_one_instance_and_moves_when_it_stops(
        make_settings: Callable[..., Settings], pg_cluster: Cluster, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PgDatabase, "SINGLETON_RETRY", 0.1)
    url = pg_cluster.new_database()
    looping: list[Job] = [remind, rota_job]  # the sender returns at once with no channel
    a = TestClient(create_app(make_settings(database_url=url, data_dir=tmp_path / "a")))
    b = TestClient(create_app(make_settings(database_url=url, data_dir=tmp_path / "b")))
    with a:
        with b:
            time.sleep(0.5)
            holders = {job_name(job): _job_holders(url, job) for job in looping}
            assert all(len(pids) == 1 for pids in holders.values()), holders
        time.sleep(0.5)  # B stopped: whatever it held is A's now, and still held once
        for job in looping:
            assert len(_job_holders(url, job)) == 1
    with b:  # A stopped: B takes every job over
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(_job_holders(url, j) for j in looping):
            time.sleep(0.1)
        now = {job_name(job): _job_holders(url, job) for job in looping}
        assert all(len(pids) == 1 for pids in now.values()), now


def test_portal_admin_writes_to_postgresql_and_every_instance_sees_it(
        pair: Pair, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    a, b = pair
    monkeypatch.setattr(shared, "ACCOUNTS_SECONDS", 0.0)
    monkeypatch.setenv("PORTAL_DATABASE_URL", a.app.state.settings.database_url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "cli"))  # no server's socket there
    token = new_token()
    bearer = {"Authorization": f"Bearer {token}"}
    for client in pair:
        assert client.get("/api/admin/bookings", headers=bearer).status_code == 401
    added = commands.run({"op": "admin.add", "name": "王老师", "token_hash": token_hash(token)})
    assert added["ok"] and added["admin"]["name"] == "王老师"
    assert [x["name"] for x in commands.run({"op": "admin.list"})["admins"]] == ["王老师"]
    for client in pair:
        assert client.get("/api/admin/bookings", headers=bearer).status_code == 200
    assert commands.run({"op": "admin.remove", "name": "王老师"})["ok"]
    for client in pair:
        assert client.get("/api/admin/bookings", headers=bearer).status_code == 401
    assert not (tmp_path / "cli").exists()  # nothing was written beside PostgreSQL


def test_console_and_bearer_checks_query_postgresql_off_the_event_loop(
        pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sessions, CSRF, the throttle and the admins are queries on PostgreSQL: each one made on
    the event loop would stall every request of the instance until PostgreSQL answered."""
    a, b = pair
    seen = on_the_loop(monkeypatch)
    csrf = login(a)  # a wrong-token check, the admins, a new session
    b.cookies.set(COOKIE, a.cookies[COOKIE], path="/admin")
    page = b.get("/admin/", follow_redirects=False)  # the session read on the other instance
    assert page.status_code == 200 and csrf_of(page.text) == csrf
    assert b.post("/admin/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert a.post("/admin/login", data={"token": "nope"}).status_code == 401  # counted
    assert a.get("/api/admin/bookings", headers=ADMIN).status_code == 200
    wrong = a.get("/api/admin/bookings", headers={"Authorization": "Bearer nope"})
    assert_error(wrong, 401, "unauthorized")
    stored = a.app.state.portal.db.table(shared.FAILED_LOGINS).all()  # type: ignore[attr-defined]
    assert [len(doc["times"]) for doc in stored] == [2]  # both failures reached PostgreSQL
    assert seen == [], "\n".join(seen)
