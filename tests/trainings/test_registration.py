"""报名: seats, the waitlist and its promotion, the last seat under threads, notices, rules."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from forms_api import clock
from tests.conftest import assert_error
from tests.forms_support import ADMIN, HTML, check_in_body, make_session


def _open(client: TestClient, seats: int, required: bool = False, **fields: Any) -> dict[str, Any]:
    deadline = clock.iso(clock.now() + dt.timedelta(days=1))
    return make_session(client, opens_in=60 * 24 * 2, capacity=max(seats, 5),
                        registration={"capacity": seats, "deadline": deadline,
                                      "required": required}, **fields)


def _body(phone: str, **fields: Any) -> dict[str, Any]:
    return {"name": "王芳", "school": "市第一中学", "phone": phone, "consent": True, **fields}


def _outbox(client: TestClient) -> list[dict[str, Any]]:
    from forms_api.notices.outbox import OUTBOX

    db = client.app.state.portal.db  # type: ignore[attr-defined]
    return sorted(db.table(OUTBOX).all(), key=lambda n: n["created_at"])


def test_register_waitlist_cancel_promotes(portal_client: TestClient) -> None:
    session = _open(portal_client, seats=1)
    url = f"/api/trainings/{session['id']}/registrations"
    first = portal_client.post(url, json=_body("13800000001"))
    assert first.status_code == 201, first.text
    seat = first.json()
    assert seat["status"] == "registered" and "position" not in seat
    assert "13800000001" not in first.text
    again = portal_client.post(url, json=_body("138 0000 0001"))
    assert again.status_code == 200 and again.json()["id"] == seat["id"]
    second = portal_client.post(url, json=_body("13800000002")).json()
    third = portal_client.post(url, json=_body("13800000003")).json()
    assert (second["status"], second["position"]) == ("waitlisted", 1)
    assert third["position"] == 2
    events = [n["event"] for n in _outbox(portal_client)]
    assert events == ["registration.confirmed", "registration.waitlisted",
                      "registration.waitlisted"]
    # Only the hash of the cancel token is stored; the link opens the receipt and cancels.
    link = urlsplit(seat["cancel"])
    token = parse_qs(link.query)["t"][0]
    db = portal_client.app.state.portal.db  # type: ignore[attr-defined]
    assert token not in str(db.table("registrations").all())
    receipt = portal_client.get(seat["cancel"])
    assert receipt.status_code == 200 and "取消报名" in receipt.text and "已报名" in receipt.text
    assert_error(portal_client.post(f"/api/registrations/{seat['id']}/cancel",
                                    json={"token": "x" * 32}), 404, "not_found")
    done = portal_client.post(f"/api/registrations/{seat['id']}/cancel", data={"token": token},
                              headers=HTML, follow_redirects=False)
    assert done.status_code == 303
    assert "已取消" in portal_client.get(done.headers["location"]).text
    listed = portal_client.get(f"/api/admin/trainings/{session['id']}/registrations",
                               headers=ADMIN).json()["items"]
    assert [(r["phone"], r["status"]) for r in listed] == [
        ("13800000001", "cancelled"), ("13800000002", "registered"),
        ("13800000003", "waitlisted")]
    assert listed[2]["position"] == 1 and all("token_hash" not in r for r in listed)
    promoted = _outbox(portal_client)[-1]
    assert promoted["event"] == "registration.promoted"
    assert promoted["to"]["phone"] == "13800000002"


def test_the_last_seat_goes_to_exactly_one(portal_client: TestClient) -> None:
    session = _open(portal_client, seats=5)
    url = f"/api/trainings/{session['id']}/registrations"
    start = threading.Barrier(20)

    def post(n: int) -> str:
        start.wait()
        return str(portal_client.post(url, json=_body(f"139{n:08d}")).json()["status"])

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(post, range(20)))
    assert statuses.count("registered") == 5 and statuses.count("waitlisted") == 15
    listed = portal_client.get(f"/api/admin/trainings/{session['id']}/registrations",
                               headers=ADMIN).json()["items"]
    positions = sorted(r["position"] for r in listed if r["status"] == "waitlisted")
    assert positions == list(range(1, 16))


def test_closed_after_the_deadline_and_when_cancelled(portal_client: TestClient) -> None:
    past = clock.iso(clock.now() - dt.timedelta(minutes=1))
    late = make_session(portal_client, opens_in=600, registration={
        "capacity": 5, "deadline": past, "required": False})
    error = assert_error(portal_client.post(f"/api/trainings/{late['id']}/registrations",
                                            json=_body("13800000001")), 409, "registration_closed")
    assert "截止" in error["message"]
    session = _open(portal_client, seats=5)
    portal_client.post(f"/api/trainings/{session['id']}/registrations", json=_body("13800000001"))
    cancelled = portal_client.post(f"/api/admin/trainings/{session['id']}/cancel", headers=ADMIN)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _outbox(portal_client)[-1]["event"] == "session.cancelled"
    error = assert_error(portal_client.post(f"/api/trainings/{session['id']}/registrations",
                                            json=_body("13800000002")), 409, "registration_closed")
    assert "取消" in error["message"]
    assert portal_client.get(f"/api/trainings/{session['id']}").json()["status"] == "cancelled"
    none = make_session(portal_client)
    assert_error(portal_client.post(f"/api/trainings/{none['id']}/registrations",
                                    json=_body("13800000001")), 409, "registration_closed")


def test_required_registration_at_the_door(portal_client: TestClient) -> None:
    session = make_session(portal_client, capacity=3)
    # Open registration first (a deadline before the start), then let the session start.
    ahead = clock.iso(clock.now() + dt.timedelta(days=1))
    start = clock.iso(clock.now() + dt.timedelta(days=2))
    end = clock.iso(clock.now() + dt.timedelta(days=2, hours=2))
    body = {"module": "policy", "title": session["title"], "starts_at": start, "ends_at": end,
            "location": session["location"], "capacity": 3,
            "registration": {"capacity": 2, "deadline": ahead, "required": True}}
    assert portal_client.patch(f"/api/admin/trainings/{session['id']}", json=body,
                               headers=ADMIN).status_code == 200
    url = f"/api/trainings/{session['id']}/registrations"
    for phone in ("13800000001", "13800000002", "13800000003"):
        portal_client.post(url, json=_body(phone))
    starts = clock.now() - dt.timedelta(minutes=10)
    body.update(starts_at=clock.iso(starts), ends_at=clock.iso(starts + dt.timedelta(hours=2)),
                registration={"capacity": 2, "deadline": clock.iso(starts - dt.timedelta(hours=1)),
                              "required": True})
    moved = portal_client.patch(f"/api/admin/trainings/{session['id']}", json=body, headers=ADMIN)
    assert moved.status_code == 200, moved.text
    assert _outbox(portal_client)[-1]["event"] == "session.changed"
    attend = f"/api/trainings/{session['id']}/attendance"
    assert portal_client.post(attend, json=check_in_body(session, phone="13800000001")).status_code == 201
    error = assert_error(portal_client.post(attend, json=check_in_body(session, phone="13800000003")),
                         409, "not_registered")
    assert "报名" in error["message"]
    assert_error(portal_client.post(attend, json=check_in_body(session, phone="13800000009")),
                 409, "not_registered")
    # Without `required`, walk-ins come in, but never into seats kept for the registered.
    body["registration"] = {"capacity": 2, "deadline": clock.iso(starts - dt.timedelta(hours=1)),
                            "required": False}
    assert portal_client.patch(f"/api/admin/trainings/{session['id']}", json=body,
                               headers=ADMIN).status_code == 200
    assert portal_client.post(attend, json=check_in_body(session, phone="13800000009")).status_code == 201
    assert_error(portal_client.post(attend, json=check_in_body(session, phone="13800000008")),
                 409, "session_full")
    assert portal_client.post(attend, json=check_in_body(session, phone="13800000002")).status_code == 201


def test_register_page_and_schedule_link(portal_client: TestClient) -> None:
    session = _open(portal_client, seats=3)
    schedule = portal_client.get("/training/schedule/").text
    assert f"../register/?session={session['id']}" in schedule and "已报名 0/3" in schedule
    page = portal_client.get("/training/register/", params={"session": session["id"]})
    assert page.status_code == 200
    assert f'action="/api/trainings/{session["id"]}/registrations"' in page.text
    assert 'name="consent"' in page.text
    missing = portal_client.get("/training/register/", params={"session": "nope"})
    assert missing.status_code == 200 and "开放报名" in missing.text
