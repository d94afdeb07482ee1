"""Personal links: opening, the session cookie, bad, expired, revoked and tampered ones."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.web import personal
from tests.conftest import assert_error
from tests.forms_support import ADMIN
from tests.me.support import db_of, expert, issue_link, log_in, notices, open_link


def test_a_link_becomes_a_session_and_leaves_the_address(portal_client: TestClient,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    volunteer_id = expert(portal_client, name="李红")
    token = issue_link(portal_client, volunteer_id)
    with caplog.at_level(logging.DEBUG):
        opened = open_link(portal_client, token)
        assert opened.status_code == 303
        assert opened.headers["location"] == "/me/"
        assert token not in opened.headers["location"]
        assert opened.headers["referrer-policy"] == "no-referrer"
        assert personal.COOKIE in opened.headers["set-cookie"]
        assert "Path=/me/" in opened.headers["set-cookie"]
        assert "HttpOnly" in opened.headers["set-cookie"]
        page = portal_client.get("/me/")
    assert page.status_code == 200
    assert "李红老师，您好" in page.text
    assert page.headers["cache-control"] == "no-store"
    app_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert app_records  # the access log saw both requests
    assert not [r for r in app_records if token in r.getMessage() or token in str(
        getattr(r, "fields", ""))]


def test_issuing_sends_a_notice_without_the_token(portal_client: TestClient) -> None:
    volunteer_id = expert(portal_client)
    token = issue_link(portal_client, volunteer_id)
    sent = notices(portal_client, "volunteer.link")
    assert len(sent) == 1
    assert sent[0]["link"] == {"personal": {"kind": "volunteer", "id": volunteer_id}}
    assert token not in str(sent[0])


@pytest.mark.parametrize("token", ["x" * 43, "short", "A" * 300])
def test_an_unknown_link_says_nothing_of_anyone(portal_client: TestClient, token: str) -> None:
    expert(portal_client, name="王强")
    opened = open_link(portal_client, token)
    assert opened.status_code == 403
    assert "这个链接无法打开" in opened.text
    assert "王强" not in opened.text
    assert "set-cookie" not in opened.headers


def test_a_new_link_retires_the_old_one(portal_client: TestClient) -> None:
    volunteer_id = expert(portal_client)
    old = issue_link(portal_client, volunteer_id)
    new = issue_link(portal_client, volunteer_id)
    assert open_link(portal_client, old).status_code == 403
    assert open_link(portal_client, new).status_code == 303


def test_an_expired_link_does_not_open(portal_client: TestClient) -> None:
    volunteer_id = expert(portal_client)
    token = issue_link(portal_client, volunteer_id)
    db = db_of(portal_client)
    for link in db.table(personal.LINKS).find(subject_id=volunteer_id):
        db.table(personal.LINKS).update_id(link["id"], {
            "expires_at": clock.iso(clock.now() - dt.timedelta(minutes=1))})
    assert open_link(portal_client, token).status_code == 403


def test_revoking_ends_the_link_and_the_session(portal_client: TestClient) -> None:
    volunteer_id = expert(portal_client, name="赵敏")
    token = issue_link(portal_client, volunteer_id)
    assert open_link(portal_client, token).status_code == 303
    assert "赵敏老师" in portal_client.get("/me/").text
    revoked = portal_client.delete(f"/api/admin/volunteers/{volunteer_id}/link", headers=ADMIN)
    assert revoked.json() == {"revoked": 1}
    after = portal_client.get("/me/")
    assert "赵敏" not in after.text
    assert "请使用发给您的专属链接打开本页" in after.text
    assert open_link(portal_client, token).status_code == 403


def test_a_tampered_cookie_is_no_session(portal_client: TestClient) -> None:
    volunteer_id = expert(portal_client, name="钱进")
    other = expert(portal_client, name="孙立")
    log_in(portal_client, volunteer_id)
    value = portal_client.cookies[personal.COOKIE]
    kind, subject, at, signature = value.split(".")
    portal_client.cookies.clear()
    portal_client.cookies.set(personal.COOKIE, f"{kind}.{other}.{at}.{signature}", path="/me/")
    page = portal_client.get("/me/")
    assert "孙立" not in page.text and "钱进" not in page.text
    assert "请使用发给您的专属链接打开本页" in page.text


def test_issuing_needs_an_admin_and_a_volunteer(portal_client: TestClient) -> None:
    assert_error(portal_client.post("/api/admin/volunteers/x/link"), 401, "unauthorized")
    assert_error(portal_client.post("/api/admin/volunteers/nobody/link", headers=ADMIN), 404,
                 "not_found")
