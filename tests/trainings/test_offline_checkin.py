"""Check-ins queued on a phone: nonce, made_at, the late limit, earliest wins, `late: true`."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.testclient import TestClient

from forms_api import clock
from tests.conftest import assert_error
from tests.forms_support import ADMIN, check_in_body, make_session
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
