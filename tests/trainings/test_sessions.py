"""Admin: creating training sessions and reading their attendance."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import assert_error
from tests.forms_support import ADMIN, check_in_body, make_session

BODY = {"module": "policy", "title": "第一期", "starts_at": "2030-03-04T09:00:00",
        "ends_at": "2030-03-04T11:30:00+08:00", "location": "市教育局三楼", "capacity": 100}


def test_create_generates_a_code_and_reads_times_in_shanghai(portal_client: TestClient) -> None:
    response = portal_client.post("/api/admin/trainings", json=BODY, headers=ADMIN)
    assert response.status_code == 201
    session = response.json()
    assert re.fullmatch(r"\d{6}", session["code"])
    assert session["starts_at"] == "2030-03-04T09:00:00+08:00"
    assert session["checked_in"] == 0


def test_create_checks_module_times_and_code(portal_client: TestClient) -> None:
    error = assert_error(portal_client.post("/api/admin/trainings", headers=ADMIN, json={
        **BODY, "module": "nope", "ends_at": "2030-03-04T08:00:00+08:00"}), 422, "validation_error")
    assert set(error["fields"]) == {"module", "ends_at"}
    error = assert_error(portal_client.post("/api/admin/trainings", headers=ADMIN, json={
        **BODY, "code": "12ab", "capacity": 0, "starts_at": "next monday"}), 422, "validation_error")
    assert set(error["fields"]) == {"code", "capacity", "starts_at"}


def test_a_code_in_use_is_409(portal_client: TestClient) -> None:
    portal_client.post("/api/admin/trainings", json={**BODY, "code": "5555"}, headers=ADMIN)
    assert_error(portal_client.post("/api/admin/trainings", json={**BODY, "code": "5555"},
                                    headers=ADMIN), 409, "code_in_use")


def test_attendance_lists_whole_records(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    portal_client.post(f"/api/trainings/{session['id']}/attendance", json=check_in_body(session))
    items = portal_client.get(f"/api/admin/trainings/{session['id']}/attendance",
                              headers=ADMIN).json()["items"]
    assert items[0]["phone"] == "13800138000" and items[0]["school"] == "市第一中学"
    assert_error(portal_client.get("/api/admin/trainings/nope/attendance", headers=ADMIN),
                 404, "not_found")
    assert_error(portal_client.get(f"/api/admin/trainings/{session['id']}/attendance"),
                 401, "unauthorized")
