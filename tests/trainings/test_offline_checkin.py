"""Check-ins queued on a phone: nonce, made_at, the late limit, earliest wins, `late: true`."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.web import tokens
from tests.conftest import assert_error
from tests.forms_support import ADMIN, HTML, check_in_body, make_session
from tests.trainings.timing import Clock


def _code(client: TestClient, session_id: str) -> str:
    return str(client.get(f"/api/admin/trainings/{session_id}/code", headers=ADMIN).json()["code"])


def test_a_repeated_nonce_answers_the_first_result(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    url = f"/api/trainings/{session['id']}/attendance"
    body = check_in_body(session, nonce="n0nce-abcdefgh1234", made_at=clock.iso(clock.now()))
    first = portal_client.post(url, json=body)
    assert first.status_code == 201 and "late" not in first.json()
    again = portal_client.post(url, json={**body, "name": "别人", "phone": "13900000000"})
    assert again.status_code == 200 and again.json() == first.json()
    assert portal_client.get(f"/api/trainings/{session['id']}").json()["checked_in"] == 1
    bad = portal_client.post(url, json=check_in_body(session, nonce="short"))
    assert "nonce" in assert_error(bad, 422, "validation_error")["fields"]


def test_late_check_in_judged_at_made_at(portal_client: TestClient,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    session = make_session(portal_client, opens_in=-100, minutes=110, code_rotation_seconds=30)
    made = clock.now()
    code = _code(portal_client, session["id"])
    now = Clock(monkeypatch)
    now.move(3 * 3600)  # the session ended; the phone syncs hours later
    url = f"/api/trainings/{session['id']}/attendance"
    body = check_in_body(session, code=code, nonce="queued-0000000001", made_at=clock.iso(made))
    late = portal_client.post(url, json=body)
    assert late.status_code == 201, late.text
    assert late.json()["late"] is True and late.json()["checked_in_at"] == clock.iso(made)
    # Without made_at the same code is long expired, and the session is over.
    assert_error(portal_client.post(url, json=check_in_body(session, code=code,
                                                            phone="13900000002")),
                 403, "code_expired")
    # A made_at before the code was shown is refused (the code did not exist yet), and so
    # is a check-in sent past the late limit.
    early = check_in_body(session, code=code, phone="13900000003", nonce="queued-0000000003",
                          made_at=clock.iso(made - dt.timedelta(hours=2)))
    assert_error(portal_client.post(url, json=early), 403, "wrong_code")
    now.move(24 * 3600)
    too_late = check_in_body(session, code=code, phone="13900000004", nonce="queued-0000000004",
                             made_at=clock.iso(made))
    assert_error(portal_client.post(url, json=too_late), 409, "checkin_closed")
    stored = portal_client.get(f"/api/admin/trainings/{session['id']}/attendance",
                               headers=ADMIN).json()["items"]
    assert [(r["phone"], r["late"]) for r in stored] == [("13800138000", True)]


def test_earliest_check_in_per_person_wins(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    url = f"/api/trainings/{session['id']}/attendance"
    online = portal_client.post(url, json=check_in_body(session)).json()
    earlier = clock.iso(clock.now() - dt.timedelta(minutes=5))
    queued = portal_client.post(url, json=check_in_body(session, nonce="queued-1234567890",
                                                        made_at=earlier))
    assert queued.status_code == 200
    assert queued.json()["id"] == online["id"] and queued.json()["checked_in_at"] == earlier
    assert queued.json()["late"] is True
    later = clock.iso(clock.now() + dt.timedelta(minutes=30))  # a phone clock running ahead
    ahead = portal_client.post(url, json=check_in_body(session, phone="13900000001",
                                                       nonce="queued-ahead-000001", made_at=later))
    assert ahead.status_code == 201 and ahead.json()["checked_in_at"] <= clock.iso(clock.now())
    assert portal_client.get(f"/api/trainings/{session['id']}").json()["checked_in"] == 2


def test_a_cancelled_session_refuses_check_ins(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    portal_client.post(f"/api/admin/trainings/{session['id']}/cancel", headers=ADMIN)
    error = assert_error(portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                            json=check_in_body(session)), 409, "checkin_closed")
    assert "取消" in error["message"]
    page = portal_client.get("/attend/", params={"session": session["id"]}).text
    assert "这场培训已取消" in page


def test_made_at_before_the_page_was_served_is_refused(portal_client: TestClient) -> None:
    """A queued check-in cannot have been made before its page existed: an old `made_at`
    (claiming a time the code was valid, the window open) is refused with 422 naming the field."""
    session = make_session(portal_client, opens_in=-100, minutes=110, sign_out=True)
    secret = portal_client.app.state.portal.secret  # type: ignore[attr-defined]
    opened = time.time() - 20 * 60  # the page was served 20 minutes ago
    url = f"/api/trainings/{session['id']}/attendance"

    def queued(phone: str, made: dt.datetime) -> dict[str, object]:
        return check_in_body(session, phone=phone, consent=True, nonce=f"queued-{phone}",
                             made_at=clock.iso(made), form_token=tokens.issue(secret, at=opened))

    made = clock.now()
    early = made - dt.timedelta(hours=1)  # inside the window, but 40 minutes before the page
    error = assert_error(portal_client.post(url, json=queued("13900000011", early)),
                         422, "validation_error")
    assert "页面打开" in error["fields"]["made_at"] and "签到时间（手机）" in error["message"]
    # The same from a browser without JavaScript: the page again, with the message.
    page = portal_client.post(url, data={k: str(v) for k, v in queued("13900000012", early).items()},
                              headers=HTML)
    assert page.status_code == 422 and "早于这个页面打开的时间" in page.text
    # Without the page's token (a script of the contract) the rule has nothing to go by.
    scripted = check_in_body(session, phone="13900000015", nonce="queued-script-1",
                             made_at=clock.iso(early))
    assert portal_client.post(url, json=scripted).status_code == 201
    # A phone whose clock runs a little behind the server's is not refused, and a check-in
    # made after the page was served is taken as made then.
    behind = portal_client.post(url, json=queued("13900000013", made - dt.timedelta(minutes=22)))
    assert behind.status_code == 201, behind.text
    fine = portal_client.post(url, json=queued("13900000014", made))
    assert fine.status_code == 201 and fine.json()["checked_in_at"] == clock.iso(made)
    stored = portal_client.get(f"/api/admin/trainings/{session['id']}/attendance",
                               headers=ADMIN).json()["items"]
    assert sorted(r["phone"] for r in stored) == ["13900000013", "13900000014", "13900000015"]
    # A queued sign-out is held to the same rule, in its own words.
    out = portal_client.get(f"/api/admin/trainings/{session['id']}/code",
                            params={"purpose": "signout"}, headers=ADMIN).json()["code"]
    refused = portal_client.post(f"/api/trainings/{session['id']}/signout", json={
        "phone": "13900000014", "code": out, "nonce": "queued-out-000001",
        "made_at": clock.iso(made - dt.timedelta(minutes=50)),
        "form_token": tokens.issue(secret, at=opened)})
    assert "签退时间（手机）" in assert_error(refused, 422, "validation_error")["message"]
