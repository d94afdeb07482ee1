"""The experts' directory: visits completed and upcoming per expert (bookings/experts.py)."""

from __future__ import annotations

from starlette.testclient import TestClient

from forms_api.bookings.forms import eligible_dates
from tests.forms_support import ADMIN, approved_expert, booking_body


def _confirmed(client: TestClient, expert_id: str, day: str, slot: str = "morning") -> str:
    made = client.post("/api/bookings", json=booking_body(time_slot=slot))
    assert made.status_code == 201, made.text
    booking_id: str = made.json()["id"]
    confirmed = client.patch(f"/api/admin/bookings/{booking_id}", headers=ADMIN, json={
        "status": "confirmed", "date": day, "time_slot": slot, "expert_id": expert_id})
    assert confirmed.status_code == 200, confirmed.text
    return booking_id


def test_the_directory_counts_each_experts_visits(portal_client: TestClient) -> None:
    busy = approved_expert(portal_client, name="刘敏", phone="13900139001")
    idle = approved_expert(portal_client, name="陈静", phone="13900139002")
    days = [d.isoformat() for d in eligible_dates()]
    done = _confirmed(portal_client, busy, days[0])
    _confirmed(portal_client, busy, days[1])
    _confirmed(portal_client, busy, days[2], "afternoon")
    completed = portal_client.patch(f"/api/admin/bookings/{done}", headers=ADMIN,
                                    json={"status": "completed"})
    assert completed.status_code == 200, completed.text
    cancelled = _confirmed(portal_client, busy, days[3])
    assert portal_client.patch(f"/api/admin/bookings/{cancelled}", headers=ADMIN,
                               json={"status": "cancelled"}).status_code == 200

    rows = {r["id"]: r for r in portal_client.get("/api/admin/experts", headers=ADMIN).json()["items"]}
    assert (rows[busy]["visits_completed"], rows[busy]["visits_upcoming"]) == (1, 2)
    assert (rows[idle]["visits_completed"], rows[idle]["visits_upcoming"]) == (0, 0)
    record = portal_client.get(f"/api/admin/experts/{busy}", headers=ADMIN).json()
    assert [v["id"] for v in record["visits"]][-1] == done  # latest first, cancelled left out
    assert len(record["visits"]) == 3
