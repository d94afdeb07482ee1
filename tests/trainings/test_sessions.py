"""Admin: creating training sessions and reading their attendance."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from forms_api.build import build_site
from forms_api.trainings import venue
from tests.admin_support import login
from tests.conftest import assert_error
from tests.forms_support import ADMIN, ADMIN_TOKEN, check_in_body, make_session

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


def test_update_an_unknown_session_is_404(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    body = {k: session[k] for k in ("module", "title", "starts_at", "ends_at", "location",
                                    "capacity")}
    response = portal_client.patch("/api/admin/trainings/no-such-session", json=body,
                                   headers=ADMIN)
    assert_error(response, 404, "not_found")


def test_update_refuses_a_code_another_open_session_uses(portal_client: TestClient) -> None:
    first = make_session(portal_client, code="4321")
    second = make_session(portal_client)
    body = {k: second[k] for k in ("module", "title", "starts_at", "ends_at", "location",
                                   "capacity")}
    response = portal_client.patch(f"/api/admin/trainings/{second['id']}",
                                   json={**body, "code": first["code"]}, headers=ADMIN)
    assert_error(response, 409, "code_in_use")
    kept = portal_client.patch(f"/api/admin/trainings/{second['id']}", json=body, headers=ADMIN)
    assert kept.status_code == 200 and kept.json()["code"] == second["code"]


def test_update_refuses_a_capacity_below_the_check_ins(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    for phone in ("13800138001", "13800138002"):
        made = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                  json=check_in_body(session, phone=phone))
        assert made.status_code == 201, made.text
    body = {k: session[k] for k in ("module", "title", "starts_at", "ends_at", "location")}
    refused = portal_client.patch(f"/api/admin/trainings/{session['id']}",
                                  json={**body, "capacity": 1}, headers=ADMIN)
    error = assert_error(refused, 422, "validation_error")
    assert "capacity" in error["fields"]
    allowed = portal_client.patch(f"/api/admin/trainings/{session['id']}",
                                  json={**body, "capacity": 2}, headers=ADMIN)
    assert allowed.status_code == 200 and allowed.json()["capacity"] == 2


def test_the_projector_and_its_qr_use_the_sites_public_address(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0,
                         site_url="https://xinyu.example.edu.cn")
    login(client)
    session = make_session(client)
    page = client.get(f"/admin/trainings/{session['id']}/projector")
    assert page.status_code == 200
    assert "xinyu.example.edu.cn/attend/" in page.text
    detail = client.get(f"/admin/trainings/{session['id']}/")
    assert f"https://xinyu.example.edu.cn/attend/?session={session['id']}" in detail.text
    # The paper sign-in sheet's QR too (the very SVG the schedule page's address makes).
    sheet = client.get(f"/admin/trainings/{session['id']}/sheet").text
    assert venue.qr_svg("https://xinyu.example.edu.cn/training/schedule/", "培训安排页二维码") in sheet


def test_the_offline_forms_name_the_sites_address(tmp_path: Path) -> None:
    site = build_site(tmp_path / "site", site_url="https://xinyu.example.edu.cn")
    page = (site / "attend" / "index.html").read_text(encoding="utf-8")
    assert "本站网址（https://xinyu.example.edu.cn）上" in page
