"""Hours served: each ended shift counts its actual hours; the coordinator corrects with a reason."""

from __future__ import annotations

import datetime as dt

from starlette.testclient import TestClient

from forms_api import clock
from forms_api.rota import hours
from tests.conftest import assert_error
from tests.forms_support import ADMIN
from tests.rota.support import add_shift, make_hotline, portal_of, volunteer


def test_served_shifts_count_their_hours_and_corrections_are_audited(
        portal_client: TestClient) -> None:
    line = make_hotline(portal_client, name="菏泽市学生心理援助热线")
    # A week back: always in an earlier week than the running shift (weekly cap 12 h).
    night = clock.now().replace(hour=20, minute=0, second=0) - dt.timedelta(days=7)
    served = add_shift(portal_client, line["id"], night, hours=12)
    running = add_shift(portal_client, line["id"], clock.now() - dt.timedelta(hours=1))
    vid = volunteer(portal_client, "13900139300")
    for shift in (served, running):
        assert portal_client.post(f"/api/admin/shifts/{shift['id']}/assign",
                                  json={"volunteer_id": vid}, headers=ADMIN).status_code == 200
    db = portal_of(portal_client).db
    record = hours.served(db, vid)
    assert record == [{"date": night.date().isoformat(), "place": "菏泽市学生心理援助热线",
                       "content": "热线值班 20:00–08:00", "hours": 12.0,
                       "shift_id": served["id"]}]
    fixed = portal_client.post(f"/api/admin/shifts/{served['id']}/served", json={
        "volunteer_id": vid, "starts_at": night.isoformat(),
        "ends_at": (night + dt.timedelta(hours=10, minutes=30)).isoformat(),
        "reason": "提前交班，由督导接听"}, headers=ADMIN)
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["hours"] == 10.5
    listed = portal_client.get(f"/api/admin/rota/volunteers/{vid}/hours", headers=ADMIN).json()
    assert [r["hours"] for r in listed["items"]] == [10.5]
    entry = [e for e in db.table("audit_log").all() if e["action"] == "shift.correct"][0]
    assert entry["detail"] == {"volunteer": vid, "hours": 10.5}  # the reason stays on the shift
    stored = db.table("shifts").get_id(served["id"])
    assert stored is not None and stored["served"][vid]["reason"] == "提前交班，由督导接听"
    error = assert_error(portal_client.post(f"/api/admin/shifts/{served['id']}/served", json={
        "volunteer_id": vid, "starts_at": night.isoformat(), "ends_at": night.isoformat(),
        "reason": "x"}, headers=ADMIN), 422, "validation_error")
    assert "reason" in error["fields"]
    error = assert_error(portal_client.post(f"/api/admin/shifts/{served['id']}/served", json={
        "volunteer_id": vid, "starts_at": night.isoformat(), "ends_at": night.isoformat(),
        "reason": "记错了时间"}, headers=ADMIN), 422, "validation_error")
    assert error["fields"] == {"ends_at": "结束时间应晚于开始时间"}
