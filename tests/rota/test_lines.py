"""Hotlines and shifts: generation across midnight and month ends, idempotent; single changes."""

from __future__ import annotations

import datetime as dt

from starlette.testclient import TestClient

from forms_api import clock
from tests.conftest import assert_error
from tests.forms_support import ADMIN
from tests.rota.support import add_shift, at, make_hotline, outbox, portal_of, volunteer


def _shifts(client: TestClient, first: str, last: str, gaps: bool = False) -> list[dict]:
    query = f"from={first}&to={last}" + ("&gaps=1" if gaps else "")
    response = client.get(f"/api/admin/shifts?{query}", headers=ADMIN)
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


def test_generation_makes_night_shifts_across_midnight_and_the_month_end(
        portal_client: TestClient) -> None:
    line = make_hotline(portal_client, [{"start": "08:00", "end": "20:00", "min_seats": 2,
                                         "max_seats": 3},
                                        {"start": "20:00", "end": "08:00"}])
    assert line["pattern"][1] == {"start": "20:00", "end": "08:00", "min_seats": 2,
                                  "max_seats": 2, "supervisor": None}
    response = portal_client.post(f"/api/admin/hotlines/{line['id']}/shifts/generate",
                                  json={"from": "2027-01-30", "to": "2027-02-01"}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 6}
    shifts = _shifts(portal_client, "2027-01-30", "2027-02-01")
    assert len(shifts) == 6
    night = [s for s in shifts if s["starts_at"] == "2027-01-31T20:00:00+08:00"]
    assert len(night) == 1  # one shift across midnight and the month's end
    assert night[0]["ends_at"] == "2027-02-01T08:00:00+08:00"
    assert night[0]["min_seats"] == 2 and night[0]["status"] == "open"
    assert night[0]["volunteers"] == [] and night[0]["gap"] is True
    last = max(shifts, key=lambda s: s["starts_at"])
    assert last["ends_at"] == "2027-02-02T08:00:00+08:00"


def test_generation_is_idempotent_and_keeps_a_cancelled_shift_cancelled(
        portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    path = f"/api/admin/hotlines/{line['id']}/shifts/generate"
    assert portal_client.post(path, json={"from": "2027-03-01", "to": "2027-03-07"},
                              headers=ADMIN).json() == {"created": 28}
    assert portal_client.post(path, json={"from": "2027-03-01", "to": "2027-03-07"},
                              headers=ADMIN).json() == {"created": 0}
    first = _shifts(portal_client, "2027-03-01", "2027-03-01")[0]
    cancel = portal_client.patch(f"/api/admin/shifts/{first['id']}", json={"status": "cancelled"},
                                 headers=ADMIN)
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    # Overlapping range: only the new days are made; the cancelled shift is not made again.
    assert portal_client.post(path, json={"from": "2027-03-05", "to": "2027-03-08"},
                              headers=ADMIN).json() == {"created": 4}
    day_one = _shifts(portal_client, "2027-03-01", "2027-03-01")
    assert len(day_one) == 4 and [s["status"] for s in day_one].count("cancelled") == 1


def test_the_days_of_a_generation_are_checked(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    path = f"/api/admin/hotlines/{line['id']}/shifts/generate"
    error = assert_error(portal_client.post(path, json={"from": "2027-03-08", "to": "2027-03-01"},
                                            headers=ADMIN), 422, "validation_error")
    assert "to" in error["fields"]
    error = assert_error(portal_client.post(path, json={"from": "2027-03-01"}, headers=ADMIN),
                         422, "validation_error")
    assert "to" in error["fields"]
    assert_error(portal_client.post("/api/admin/hotlines/nope/shifts/generate",
                                    json={"from": "2027-03-01", "to": "2027-03-01"},
                                    headers=ADMIN), 404, "not_found")


def test_a_hotline_names_a_known_module_and_sane_seats(portal_client: TestClient) -> None:
    body = {"name": "市学生心理援助热线", "number": "0530-1234567", "training_module": "nope",
            "pattern": [{"start": "08:00", "end": "12:00", "min_seats": 3, "max_seats": 2}]}
    error = assert_error(portal_client.post("/api/admin/hotlines", json=body, headers=ADMIN),
                         422, "validation_error")
    assert "training_module" in error["fields"]
    body["training_module"] = "policy"
    error = assert_error(portal_client.post("/api/admin/hotlines", json=body, headers=ADMIN),
                         422, "validation_error")
    assert error["fields"] == {"pattern.0.max_seats": "最多人数不能少于最少人数"}
    body["pattern"] = [{"start": "8点", "end": "12:00"}]
    error = assert_error(portal_client.post("/api/admin/hotlines", json=body, headers=ADMIN),
                         422, "validation_error")
    assert "pattern" in error["fields"]
    assert_error(portal_client.post("/api/admin/hotlines", json=body), 401, "unauthorized")


def test_a_single_shift_is_added_changed_and_cancelled_with_notices(
        portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    shift = add_shift(portal_client, line["id"], at(40, 9), min_seats=1, max_seats=2)
    assert shift["max_seats"] == 2 and shift["gap"] is True
    vid = volunteer(portal_client, "13900139001")
    assigned = portal_client.post(f"/api/admin/shifts/{shift['id']}/assign",
                                  json={"volunteer_id": vid}, headers=ADMIN)
    assert assigned.status_code == 200, assigned.text
    changed = portal_client.patch(f"/api/admin/shifts/{shift['id']}",
                                  json={"ends_at": at(40, 14).isoformat(), "min_seats": 2},
                                  headers=ADMIN)
    assert changed.status_code == 200, changed.text
    assert changed.json()["ends_at"] == at(40, 14).isoformat()
    assert changed.json()["gap"] is True
    error = assert_error(portal_client.patch(f"/api/admin/shifts/{shift['id']}",
                                             json={"ends_at": at(40, 8).isoformat()},
                                             headers=ADMIN), 422, "validation_error")
    assert "ends_at" in error["fields"]
    before = len(outbox(portal_client))
    cancelled = portal_client.patch(f"/api/admin/shifts/{shift['id']}",
                                    json={"status": "cancelled"}, headers=ADMIN)
    assert cancelled.status_code == 200
    notices = outbox(portal_client)[before:]
    assert [n["to"]["role"] for n in notices] == ["volunteer"]
    assert "取消" in notices[0]["text"] and notices[0]["to"]["phone"] == "13900139001"
    # A cancelled shift is not a gap and takes nobody.
    assert _shifts(portal_client, clock.today().isoformat(),
                   (clock.today() + dt.timedelta(days=60)).isoformat(), gaps=True) == []
    actions = [e["action"] for e in portal_of(portal_client).db.table("audit_log").all()]
    assert {"hotline.create", "shift.add", "shift.change", "shift.cancel"} <= set(actions)


def test_shift_listing_filters_gaps_and_checks_dates(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    full = add_shift(portal_client, line["id"], at(3, 8), min_seats=1, max_seats=1)
    add_shift(portal_client, line["id"], at(4, 8), min_seats=1)
    vid = volunteer(portal_client, "13900139002")
    assert portal_client.post(f"/api/admin/shifts/{full['id']}/assign",
                              json={"volunteer_id": vid}, headers=ADMIN).status_code == 200
    first, last = at(3, 0).date().isoformat(), at(4, 0).date().isoformat()
    assert len(_shifts(portal_client, first, last)) == 2
    gaps = _shifts(portal_client, first, last, gaps=True)
    assert [s["starts_at"] for s in gaps] == [at(4, 8).isoformat()]
    error = assert_error(portal_client.get("/api/admin/shifts?from=tomorrow", headers=ADMIN),
                         422, "validation_error")
    assert "from" in error["fields"]
