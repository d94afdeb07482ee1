"""Forms link to the registry by school_id or exact name; the term limit counts by school."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.testclient import TestClient

from forms_api import clock
from forms_api.bookings.records import BOOKINGS
from forms_api.trainings.records import ATTENDANCE, REGISTRATIONS
from forms_api.volunteers.records import VOLUNTEERS
from tests.conftest import assert_error
from tests.forms_support import (
    ADMIN,
    booking_body,
    check_in_body,
    make_session,
    volunteer_body,
)
from tests.schools.support import import_city


def stored(client: TestClient, table: str, record_id: str) -> dict[str, Any]:
    record = client.app.state.portal.db.table(table).get_id(record_id)  # type: ignore[attr-defined]
    assert record is not None
    found: dict[str, Any] = record
    return found


def test_a_check_in_with_school_id_stores_the_registry_name(portal_client: TestClient) -> None:
    six = import_city(portal_client)["第六中学"]
    session = make_session(portal_client)
    body = check_in_body(session, school="六中（初中部）", school_id=six["id"])
    response = portal_client.post(f"/api/trainings/{session['id']}/attendance", json=body)
    assert response.status_code == 201, response.text
    record = stored(portal_client, ATTENDANCE, response.json()["id"])
    assert record["school_id"] == six["id"] and record["school"] == "第六中学"


def test_an_exact_name_or_alias_links_and_anything_else_is_kept(portal_client: TestClient) -> None:
    found = import_city(portal_client)
    session = make_session(portal_client)
    cases = [("13800000001", "市六中", found["第六中学"]["id"]),        # alias
             ("13800000002", "第 六 中 学", found["第六中学"]["id"]),  # spaces
             ("13800000003", "光明私立学校", None),                   # not in the registry
             ("13800000004", "第六", None)]                           # not exact
    for phone, school, expected in cases:
        body = check_in_body(session, phone=phone, school=school)
        response = portal_client.post(f"/api/trainings/{session['id']}/attendance", json=body)
        assert response.status_code == 201, response.text
        record = stored(portal_client, ATTENDANCE, response.json()["id"])
        assert record["school_id"] == expected, school
        assert record["school"] == school, "a typed name is kept as typed"


def test_an_unknown_or_closed_school_id_is_ignored_never_refused(portal_client: TestClient) -> None:
    found = import_city(portal_client)
    closed = found["实验小学"]["id"]
    portal_client.post(f"/api/admin/schools/{closed}/close", headers=ADMIN)
    session = make_session(portal_client)
    for phone, school_id in (("13800000011", "NOSUCHSCHOOL"), ("13800000012", closed)):
        body = check_in_body(session, phone=phone, school="实验小学", school_id=school_id)
        response = portal_client.post(f"/api/trainings/{session['id']}/attendance", json=body)
        assert response.status_code == 201, response.text
        assert stored(portal_client, ATTENDANCE, response.json()["id"])["school_id"] is None


def test_registration_booking_and_volunteer_forms_link_too(portal_client: TestClient) -> None:
    found = import_city(portal_client)
    six, high = found["第六中学"]["id"], found["第一高级中学"]["id"]
    deadline = (clock.now() + dt.timedelta(hours=5)).isoformat()
    session = make_session(portal_client, opens_in=600, registration={
        "capacity": 10, "deadline": deadline})
    reg = portal_client.post(f"/api/trainings/{session['id']}/registrations", json={
        "name": "王芳", "school": "六中", "phone": "13800138000", "consent": True})
    assert reg.status_code == 201, reg.text
    assert stored(portal_client, REGISTRATIONS, reg.json()["id"])["school_id"] == six
    booking = portal_client.post("/api/bookings", json=booking_body(
        school="一高", school_id=high, district="西城区", stage="senior"))
    assert booking.status_code == 201, booking.text
    record = stored(portal_client, BOOKINGS, booking.json()["id"])
    assert (record["school_id"], record["school"]) == (high, "第一高级中学")
    volunteer = portal_client.post("/api/volunteers", json=volunteer_body(
        organization="第六中学"))
    assert volunteer.status_code == 201, volunteer.text
    assert stored(portal_client, VOLUNTEERS, volunteer.json()["id"])["school_id"] == six
    hospital = portal_client.post("/api/volunteers", json=volunteer_body(phone="13700137001"))
    assert stored(portal_client, VOLUNTEERS, hospital.json()["id"])["school_id"] is None


def test_the_term_limit_counts_a_school_under_every_name(portal_client: TestClient) -> None:
    six = import_city(portal_client)["第六中学"]["id"]
    limits = portal_client.put("/api/admin/limits", json={"per_school_per_term": 2},
                               headers=ADMIN)
    assert limits.status_code == 200, limits.text
    for n, school in enumerate(("第六中学", "市六中")):
        body = booking_body(school=school, district="东城区", stage="junior",
                            phone=f"0391-123456{n}")
        response = portal_client.post("/api/bookings", json=body)
        assert response.status_code == 201, response.text
    third = booking_body(school="六中（东校区）", school_id=six, district="东城区",
                         stage="junior", phone="0391-1234569")
    assert_error(portal_client.post("/api/bookings", json=third), 409, "school_limit")
    other = booking_body(school="实验小学", district="东城区", phone="0391-1234568")
    assert portal_client.post("/api/bookings", json=other).status_code == 201
    unlinked = booking_body(school="光明私立学校", phone="0391-1234567")
    assert portal_client.post("/api/bookings", json=unlinked).status_code == 201
