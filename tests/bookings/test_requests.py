"""Campus visit bookings: dates, references, lookup by reference and phone, cancel."""

from __future__ import annotations

import datetime as dt
import re

from starlette.testclient import TestClient

from forms_api import clock
from forms_api.bookings.forms import REFERENCE_ALPHABET, eligible_dates, new_reference
from tests.conftest import assert_error
from tests.forms_support import ADMIN, approved_expert, booking_body


def test_booking_gets_a_reference(portal_client: TestClient) -> None:
    response = portal_client.post("/api/bookings", json=booking_body())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "reference", "status"} and body["status"] == "requested"
    assert re.fullmatch(r"BK-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", body["reference"])


def test_references_have_40_bits_and_no_ambiguous_symbols() -> None:
    assert len(REFERENCE_ALPHABET) == 32 and not set("01IO") & set(REFERENCE_ALPHABET)
    assert len({new_reference() for _ in range(2000)}) == 2000


def test_eligible_dates_are_weekdays_7_to_180_days_ahead() -> None:
    days = eligible_dates(dt.date(2026, 11, 30))  # a Monday
    assert days[0] == dt.date(2026, 12, 7) and all(d.weekday() < 5 for d in days)
    assert (days[-1] - dt.date(2026, 11, 30)).days <= 180


def _weekday_after(days: int) -> str:
    day = clock.today() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day.isoformat()


def test_dates_are_checked(portal_client: TestClient) -> None:
    today = clock.today()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 + 7)
    for dates, words in (([saturday.isoformat()], "周末"),
                         ([_weekday_after(2)], "7 到 180"),
                         ([_weekday_after(181)], "7 到 180"),
                         (["2026/12/07"], "年-月-日"), ([], "至少"),
                         ([d.isoformat() for d in eligible_dates()[:4]], "最多")):
        error = assert_error(portal_client.post("/api/bookings", json=booking_body(
            preferred_dates=dates)), 422, "validation_error")
        assert words in error["fields"]["preferred_dates"], (dates, error)


def test_phone_may_be_a_landline_and_is_normalised(portal_client: TestClient) -> None:
    ref = portal_client.post("/api/bookings", json=booking_body(phone="(0391) 123 4567")).json()["reference"]
    status = portal_client.get(f"/api/bookings/{ref}", params={"phone": "0391-1234567"})
    assert status.status_code == 200
    mobile = portal_client.post("/api/bookings", json=booking_body(phone="86 139 0013 9000")).json()
    assert portal_client.get(f"/api/bookings/{mobile['reference']}",
                             params={"phone": "13900139000"}).status_code == 200


def test_lookup_needs_the_matching_phone(portal_client: TestClient) -> None:
    ref = portal_client.post("/api/bookings", json=booking_body()).json()["reference"]
    found = portal_client.get(f"/api/bookings/{ref.lower().replace('-', '')}",
                              params={"phone": "0391-1234567"})
    assert found.status_code == 200
    body = found.json()
    assert {"reference", "status", "school", "date", "time_slot", "expert"} <= set(body)
    assert body["date"] is None and body["expert"] is None and "phone" not in body
    wrong = assert_error(portal_client.get(f"/api/bookings/{ref}", params={"phone": "13800138000"}),
                         404, "not_found")
    unknown = assert_error(portal_client.get("/api/bookings/BK-2222-2222",
                                             params={"phone": "0391-1234567"}), 404, "not_found")
    assert wrong == unknown
    assert_error(portal_client.get(f"/api/bookings/{ref}"), 404, "not_found")


def test_cancel(portal_client: TestClient) -> None:
    ref = portal_client.post("/api/bookings", json=booking_body()).json()["reference"]
    assert_error(portal_client.post(f"/api/bookings/{ref}/cancel", json={"phone": "13800138000"}),
                 404, "not_found")
    done = portal_client.post(f"/api/bookings/{ref}/cancel", json={"phone": "0391-1234567"})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    again = portal_client.post(f"/api/bookings/{ref}/cancel", data={"phone": "03911234567"})
    assert again.status_code == 200 and again.json()["status"] == "cancelled"


def test_completed_booking_cannot_be_cancelled(portal_client: TestClient) -> None:
    expert = approved_expert(portal_client)
    made = portal_client.post("/api/bookings", json=booking_body()).json()
    day = eligible_dates()[0].isoformat()
    for change in ({"status": "confirmed", "date": day, "time_slot": "morning",
                    "expert_id": expert}, {"status": "completed"}):
        assert portal_client.patch(f"/api/admin/bookings/{made['id']}", json=change,
                                   headers=ADMIN).status_code == 200
    assert_error(portal_client.post(f"/api/bookings/{made['reference']}/cancel",
                                    json={"phone": "0391-1234567"}), 409, "invalid_transition")
    shown = portal_client.get(f"/api/bookings/{made['reference']}",
                              params={"phone": "0391-1234567"}).json()
    assert shown["date"] == day and shown["expert"] == {"name": "张明", "title": "主任医师"}


def test_expert_must_be_approved(portal_client: TestClient) -> None:
    assert_error(portal_client.post("/api/bookings", json=booking_body(expert_id="nobody")),
                 404, "not_found")
    pending = portal_client.post("/api/volunteers", json={
        "name": "李华", "phone": "13500135000", "organization": "市第二医院",
        "qualifications": ["psychiatrist"], "years_experience": 5, "expertise": ["crisis"],
        "consent": True}).json()["id"]
    assert_error(portal_client.post("/api/bookings", json=booking_body(expert_id=pending)),
                 404, "not_found")
    expert = approved_expert(portal_client)
    assert portal_client.post("/api/bookings", json=booking_body(expert_id=expert)).status_code == 201


def test_choices_and_sizes_are_checked(portal_client: TestClient) -> None:
    error = assert_error(portal_client.post("/api/bookings", json=booking_body(
        stage="college", time_slot="evening", topic="x", audience="all", audience_size=0,
        topic_detail="长" * 501, consent=False)), 422, "validation_error")
    assert set(error["fields"]) == {"stage", "time_slot", "topic", "audience", "audience_size",
                                    "topic_detail", "consent"}
    assert "1 到 3000" in error["fields"]["audience_size"]
