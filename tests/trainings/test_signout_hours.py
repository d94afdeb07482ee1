"""Sign-out and minimum attendance in the hours; 补录, removal and corrections in the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from starlette.testclient import TestClient

from forms_api import clock
from tests.conftest import assert_error
from tests.forms_support import ADMIN, check_in_body, make_session
from tests.trainings.timing import Clock


def _hours(client: TestClient) -> dict[str, dict[str, Any]]:
    items = client.get("/api/admin/hours", headers=ADMIN).json()["items"]
    return {str(t["phone"]): t for t in items}


def _signout_code(client: TestClient, session_id: str) -> str:
    answer = client.get(f"/api/admin/trainings/{session_id}/code",
                        params={"purpose": "signout"}, headers=ADMIN)
    return str(answer.json()["code"])


def test_sign_out_and_minimum_attendance(portal_client: TestClient,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    session = make_session(portal_client, opens_in=-5, minutes=100, sign_out=True,
                           min_attendance=0.8)
    url = f"/api/trainings/{session['id']}"
    for phone in ("13800000001", "13800000002", "13800000003"):
        assert portal_client.post(f"{url}/attendance",
                                  json=check_in_body(session, phone=phone)).status_code == 201
    out = _signout_code(portal_client, session["id"])
    assert out != session["code"]
    assert_error(portal_client.post(f"{url}/signout",
                                    json={"phone": "13800000001", "code": session["code"]}),
                 403, "wrong_code")
    now = Clock(monkeypatch)
    now.move(20 * 60)  # 13800000002 leaves after a fifth of the session
    early = portal_client.post(f"{url}/signout", json={"phone": "13800000002", "code": out})
    assert early.status_code == 200 and early.json()["receipt"].startswith("已签退")
    now.move(80 * 60)  # the end
    done = portal_client.post(f"{url}/signout", json={"phone": "138 0000 0001", "code": out})
    assert done.status_code == 200 and "signed_out_at" in done.json()
    assert_error(portal_client.post(f"{url}/signout", json={"phone": "13900000009", "code": out}),
                 404, "not_found")
    hours = _hours(portal_client)
    assert hours["13800000001"]["hours"] > 0 and not hours["13800000001"]["incomplete"]
    assert hours["13800000002"]["hours"] == 0
    assert "低于本场要求的 80%" in hours["13800000002"]["incomplete"][0]["reason"]
    assert hours["13800000003"]["incomplete"][0]["reason"] == "未签退"
    # The exports say the same.
    export = portal_client.get("/api/admin/export/hours.csv", headers=ADMIN).text
    assert "未签退" in export
    plain = make_session(portal_client)
    assert_error(portal_client.post(f"/api/trainings/{plain['id']}/signout",
                                    json={"phone": "13800000001", "code": "123456"}),
                 409, "signout_closed")


def test_paper_entry_removal_and_correction_are_audited(portal_client: TestClient) -> None:
    session = make_session(portal_client, sign_out=True)
    url = f"/api/admin/trainings/{session['id']}/attendance"
    starts = clock.parse_iso(session["starts_at"])
    paper = portal_client.post(url, headers=ADMIN, json={
        "name": "李老师", "school": "市第二中学", "phone": "13700000001",
        "arrived_at": clock.iso(starts), "left_at": clock.iso(starts + dt.timedelta(hours=2))})
    assert paper.status_code == 201, paper.text
    assert paper.json()["source"] == "paper"
    assert_error(portal_client.post(url, headers=ADMIN, json={
        "name": "李老师", "school": "市第二中学", "phone": "13700000001"}), 409,
        "already_checked_in")
    assert portal_client.post(url, json={"name": "x"}).status_code == 401
    phone = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                               json=check_in_body(session, phone="13700000002")).json()
    assert _hours(portal_client)["13700000002"]["incomplete"]
    base = f"{url}/{phone['id']}"
    fixed = portal_client.post(f"{base}/correct", headers=ADMIN,
                               json={"counted": True, "reason": "device_failed",
                                     "note": "手机没电，现场签名为证"})
    assert fixed.status_code == 200
    assert _hours(portal_client)["13700000002"]["hours"] > 0
    wrong = portal_client.post(f"{base}/correct", headers=ADMIN, json={"reason": "maybe"})
    assert "reason" in assert_error(wrong, 422, "validation_error")["fields"]
    gone = portal_client.post(f"{url}/{paper.json()['id']}/remove", headers=ADMIN,
                              json={"reason": "duplicate"})
    assert gone.status_code == 200
    assert_error(portal_client.post(f"{url}/{paper.json()['id']}/remove", headers=ADMIN,
                                    json={"reason": "duplicate"}), 404, "not_found")
    db = portal_client.app.state.portal.db  # type: ignore[attr-defined]
    from forms_api.admin import audit

    log = {e["action"]: e for e in audit.entries(db)}
    assert log["training.paper_entry"]["detail"] == {"session": session["id"]}
    assert log["training.attendance_remove"]["detail"]["reason"] == "duplicate"
    assert log["training.attendance_correct"]["detail"] == {
        "session": session["id"], "reason": "device_failed", "counted": True}
    assert "手机没电" not in str(audit.entries(db)) and "13700000001" not in str(audit.entries(db))


def test_patch_keeps_rules_it_leaves_out(portal_client: TestClient) -> None:
    session = make_session(portal_client, code_rotation_seconds=30, sign_out=True,
                           min_attendance=0.5)
    body = {k: session[k] for k in ("module", "title", "starts_at", "ends_at", "location",
                                    "capacity")}
    kept = portal_client.patch(f"/api/admin/trainings/{session['id']}", json=body,
                               headers=ADMIN).json()
    assert (kept["code_rotation_seconds"], kept["sign_out"], kept["min_attendance"]) == (30, True, 0.5)
    off = portal_client.patch(f"/api/admin/trainings/{session['id']}", headers=ADMIN,
                              json={**body, "code_rotation_seconds": 0, "sign_out": False})
    assert off.json()["code_rotation_seconds"] == 0 and off.json()["sign_out"] is False
    assert off.json()["code"] == session["code"]


def test_made_at_before_the_window_is_closed(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    early = clock.iso(clock.parse_iso(session["starts_at"]) - dt.timedelta(hours=2))
    assert_error(portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                    json=check_in_body(session, nonce="early-000000001",
                                                       made_at=early)), 409, "checkin_closed")
