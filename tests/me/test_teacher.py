"""The teacher's own record: opened from the check-in receipt or by the lookup; a period; print."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from forms_api import clock
from forms_api.trainings.records import SESSIONS
from forms_api.web import personal
from tests.forms_support import ADMIN_TOKEN, HTML, check_in_body, make_session
from tests.logcheck import remember
from tests.me.support import db_of, expert, log_in, notices
from tests.notices.support import SITE_URL, WebhookServer, wait_for

PHONE = "13600136001"
LINK = re.compile(r'href="(?:[^"]*)/me/\?t=([\w-]+)"')


def _check_in(client: TestClient, title: str, **fields: Any) -> dict[str, Any]:
    session = make_session(client, title=title)
    done = client.post(f"/api/trainings/{session['id']}/attendance",
                       json=check_in_body(session, phone=PHONE, name="周敏", **fields))
    assert done.status_code == 201, done.text
    return session


def _move_back(client: TestClient, session_id: str, days: int) -> None:
    db = db_of(client)
    session = db.table(SESSIONS).get_id(session_id)
    assert session is not None
    back = dt.timedelta(days=days)
    db.table(SESSIONS).update_id(session_id, {
        "starts_at": clock.iso(clock.parse_iso(session["starts_at"]) - back),
        "ends_at": clock.iso(clock.parse_iso(session["ends_at"]) - back)})


def test_the_check_in_opens_her_own_record(portal_client: TestClient) -> None:
    session = make_session(portal_client, title="学生心理危机识别（第二期）")
    done = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                              json=check_in_body(session, phone=PHONE, name="周敏"))
    assert done.status_code == 201
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{personal.CHECKIN_COOKIE}=teacher.") and "Path=/me/" in cookie
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert PHONE not in cookie and PHONE not in done.text
    page = portal_client.get("/me/")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    for needed in ("继续教育培训学时记录", "周敏", "市第一中学", "学生心理危机识别（第二期）",
                   "合计", "编号：XY-JX-", "出具单位：市教育局", "（盖章）", "me-print.css"):
        assert needed in text, needed
    assert PHONE not in text
    # The no-JS receipt links to the same page, and its check-in sets the same session.
    portal_client.cookies.clear()
    form = portal_client.post(f"/api/trainings/{session['id']}/attendance", headers=HTML,
                              data=check_in_body(session, phone=PHONE, name="周敏"),
                              follow_redirects=False)
    assert form.status_code == 303 and personal.CHECKIN_COOKIE in form.headers["set-cookie"]
    receipt = portal_client.get(form.headers["location"])
    assert 'href="/me/"' in receipt.text and "查看我的继续教育学时记录" in receipt.text
    assert "周敏" in portal_client.get("/me/").text


def test_a_bot_gets_a_receipt_but_no_session(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    fake = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                              json={**check_in_body(session, phone=PHONE), "website": "x"})
    assert fake.status_code == 201
    assert "set-cookie" not in fake.headers
    assert "请使用发给您的专属链接打开本页" in portal_client.get("/me/").text


def test_a_wrong_code_opens_nothing(portal_client: TestClient) -> None:
    session = make_session(portal_client, code="1234")
    refused = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                 json=check_in_body(session, code="4321", phone=PHONE))
    assert refused.status_code == 403 and "set-cookie" not in refused.headers


def test_the_page_shows_the_chosen_period(portal_client: TestClient) -> None:
    now = _check_in(portal_client, "本学年的培训")
    old = _check_in(portal_client, "上学年的培训")
    _move_back(portal_client, old["id"], 400)
    this_year = portal_client.get("/me/").text
    assert "本学年的培训" in this_year and "上学年的培训" not in this_year
    assert re.search(r"合计</th><td>2</td>", this_year), this_year  # the policy module: 2 hours
    first = (clock.today() - dt.timedelta(days=500)).isoformat()
    last = (clock.today() - dt.timedelta(days=300)).isoformat()
    chosen = portal_client.get(f"/me/?from={first}&to={last}").text
    assert "上学年的培训" in chosen and "本学年的培训" not in chosen
    assert f"{first} 至 {last}" in chosen
    both = portal_client.get(f"/me/?from={first}&to={clock.today().isoformat()}").text
    assert "上学年的培训" in both and "本学年的培训" in both
    assert re.search(r"合计</th><td>4</td>", both)
    # The serial number is the same on a reprint, and differs per period.
    serial = re.findall(r"编号：(XY-JX-\w+-\w+)", chosen)
    assert serial == re.findall(r"编号：(XY-JX-\w+-\w+)",
                                portal_client.get(f"/me/?from={first}&to={last}").text)
    assert serial != re.findall(r"编号：(XY-JX-\w+-\w+)", both)
    for bad in ("?from=2026-13-01", f"?from={last}&to={first}"):
        shown = portal_client.get(f"/me/{bad}").text
        assert "已显示本学年" in shown and "本学年的培训" in shown, bad
    assert now["id"] != old["id"]


def _lookup_page(client: TestClient, phone: str, name: str) -> Any:
    return client.post("/me/lookup/", data={"phone": phone, "name": name}, headers=HTML)


def test_the_lookup_answers_alike_and_shows_the_link_only_on_a_match(
        portal_client: TestClient) -> None:
    _check_in(portal_client, "家校沟通专题")
    portal_client.cookies.clear()
    answers = [portal_client.post("/api/me/lookup", json={"phone": phone, "name": name})
               for phone, name in ((PHONE, "周敏"), (PHONE, "周明"), ("13600136999", "周敏"))]
    assert {a.status_code for a in answers} == {202}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert "/me/?t=" not in answers[0].text
    # No channel can reach a phone here: the page shows the link, only for phone and name.
    mismatch = _lookup_page(portal_client, PHONE, "周明")
    nobody = _lookup_page(portal_client, "13600136999", "周敏")
    assert mismatch.status_code == nobody.status_code == 200
    assert mismatch.text == nobody.text
    assert "/me/?t=" not in nobody.text and "已收到" in nobody.text
    matched = _lookup_page(portal_client, PHONE, "周敏")
    found = LINK.search(matched.text)
    assert found, matched.text
    remember(found[1])
    opened = portal_client.get(f"/me/?t={found[1]}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/me/"
    page = portal_client.get("/me/").text
    assert "家校沟通专题" in page and "周敏" in page
    refused = _lookup_page(portal_client, "123", "")
    assert refused.status_code == 422 and "手机号" in refused.text


def test_the_lookup_sends_the_link_when_a_channel_reaches_phones(
        make_client: Callable[..., TestClient]) -> None:
    with WebhookServer() as hook:
        client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0, site_url=SITE_URL,
                             **hook.settings())
        _check_in(client, "班主任心理辅导")
        client.cookies.clear()
        assert client.post("/api/me/lookup",
                           json={"phone": "13600136999", "name": "周敏"}).status_code == 202
        shown = _lookup_page(client, PHONE, "周敏")
        assert "/me/?t=" not in shown.text and "链接已通过短信发送到您的手机" in shown.text
        sent = wait_for(lambda: hook.events("teacher.link"))
        assert len(sent) == 1 and sent[0].verifies()
        document = sent[0].json
        assert document["to"] == {"phone": PHONE, "email": None}
        assert document["link"].startswith(f"{SITE_URL}/me/?t=")
        token = document["link"].rsplit("t=", 1)[1]
        remember(token)
        secure = "https://testserver"  # the site is https: the session cookie is Secure
        assert client.get(f"{secure}/me/?t={token}", follow_redirects=False).status_code == 303
        assert "班主任心理辅导" in client.get(f"{secure}/me/").text
        assert len(notices(client, "teacher.link")) == 1


def test_without_the_site_address_the_link_is_shown(make_client: Callable[..., TestClient]
                                                     ) -> None:
    with WebhookServer() as hook:  # a notice could not carry a link: shown instead
        client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0, **hook.settings())
        _check_in(client, "班主任心理辅导")
        client.cookies.clear()
        shown = _lookup_page(client, PHONE, "周敏")
        found = LINK.search(shown.text)
        assert found and "您的专属链接会显示在下面" in shown.text
        remember(found[1])
        assert not notices(client, "teacher.link")


def test_the_lookup_is_rate_limited(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=3)
    body = {"phone": PHONE, "name": "周敏"}
    statuses = [client.post("/api/me/lookup", json=body).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = _lookup_page(client, PHONE, "周敏")
    assert limited.status_code == 429 and "提交过于频繁" in limited.text


def test_a_volunteers_session_on_the_phone_is_kept(portal_client: TestClient) -> None:
    volunteer_id = expert(portal_client, name="孟琳", phone=PHONE)
    log_in(portal_client, volunteer_id)
    session = make_session(portal_client)
    done = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                              json=check_in_body(session, phone=PHONE, name="孟琳"))
    assert done.status_code == 201 and personal.CHECKIN_COOKIE in done.headers["set-cookie"]
    assert "孟琳老师，您好" in portal_client.get("/me/").text  # her link's session comes first
    portal_client.post("/me/logout/")
    assert not portal_client.cookies  # both sessions end
    assert "请使用发给您的专属链接打开本页" in portal_client.get("/me/").text
