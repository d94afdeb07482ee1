"""Training sessions and check-in: every status and error code, and atomicity under load."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import assert_error
from tests.forms_support import ADMIN, ADMIN_TOKEN, check_in_body, make_session


def test_sessions_list_and_one_without_code(portal_client: TestClient) -> None:
    later = make_session(portal_client, opens_in=600)
    sooner = make_session(portal_client, opens_in=60)
    items = portal_client.get("/api/trainings").json()["items"]
    assert [s["id"] for s in items] == [sooner["id"], later["id"]]
    for item in items:
        assert set(item) == {"id", "module", "title", "starts_at", "ends_at", "location",
                             "capacity", "checked_in"}
        assert item["starts_at"].endswith("+08:00")
    one = portal_client.get(f"/api/trainings/{sooner['id']}")
    assert one.status_code == 200 and "code" not in one.json()
    assert_error(portal_client.get("/api/trainings/nope"), 404, "not_found")


def test_first_check_in_then_repeat_returns_the_original(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    url = f"/api/trainings/{session['id']}/attendance"
    first = portal_client.post(url, json=check_in_body(session, phone="+86 138-0013-8000"))
    assert first.status_code == 201, first.text
    record = first.json()
    assert set(record) == {"id", "session_id", "name", "checked_in_at", "receipt"}
    assert record["receipt"].startswith("已签到 ") and record["checked_in_at"].endswith("+08:00")
    assert "13800138000" not in first.text
    again = portal_client.post(url, json=check_in_body(session, name="王芳芳"))
    assert again.status_code == 200
    assert again.json() == record
    assert portal_client.get(f"/api/trainings/{session['id']}").json()["checked_in"] == 1


def test_a_full_width_code_is_read_as_digits(portal_client: TestClient) -> None:
    session = make_session(portal_client, code="1234")
    response = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                  json=check_in_body(session, code="１２３４"))
    assert response.status_code == 201


def test_wrong_code_is_403(portal_client: TestClient) -> None:
    session = make_session(portal_client, code="1234")
    response = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                  json=check_in_body(session, code="4321"))
    error = assert_error(response, 403, "wrong_code")
    assert "签到码" in error["message"]


def test_unknown_session_is_404(portal_client: TestClient) -> None:
    response = portal_client.post("/api/trainings/nope/attendance",
                                  json=check_in_body({"code": "1234"}))
    assert_error(response, 404, "not_found")


def test_window_opens_an_hour_before_and_closes_at_the_end(portal_client: TestClient) -> None:
    too_early = make_session(portal_client, opens_in=62)
    assert_error(portal_client.post(f"/api/trainings/{too_early['id']}/attendance",
                                    json=check_in_body(too_early)), 409, "checkin_closed")
    just_open = make_session(portal_client, opens_in=58)
    assert portal_client.post(f"/api/trainings/{just_open['id']}/attendance",
                              json=check_in_body(just_open)).status_code == 201
    ended = make_session(portal_client, opens_in=-120, minutes=119)
    assert_error(portal_client.post(f"/api/trainings/{ended['id']}/attendance",
                                    json=check_in_body(ended)), 409, "checkin_closed")


def test_capacity_is_exact(portal_client: TestClient) -> None:
    session = make_session(portal_client, capacity=2)
    url = f"/api/trainings/{session['id']}/attendance"
    for phone in ("13800000001", "13800000002"):
        assert portal_client.post(url, json=check_in_body(session, phone=phone)).status_code == 201
    assert_error(portal_client.post(url, json=check_in_body(session, phone="13800000003")),
                 409, "session_full")
    # Someone already in still gets their record.
    assert portal_client.post(url, json=check_in_body(session, phone="13800000001")).status_code == 200


def test_every_invalid_field_at_once_in_chinese(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    response = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                  json={"name": "王", "phone": "12345", "code": session["code"],
                                        "status": "x", "id": "y"})
    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"name", "school", "phone", "status", "id"}
    assert error["fields"]["phone"] == "请填写11位手机号，例如 13800138000"
    assert error["fields"]["school"] == "请填写学校"


def test_form_encoded_and_multipart_are_accepted(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    url = f"/api/trainings/{session['id']}/attendance"
    form = check_in_body(session, phone="13900139000")
    assert portal_client.post(url, data=form).status_code == 201
    multipart = portal_client.post(url, data=check_in_body(session, phone="13900139001"),
                                   files={"ignored": (None, "x")})
    # A text part named like an unknown field is refused like any unknown field.
    assert_error(multipart, 422, "validation_error")
    ok = portal_client.post(url, files={k: (None, v) for k, v in
                                        check_in_body(session, phone="13900139002").items()})
    assert ok.status_code == 201, ok.text


def test_concurrent_repeats_make_one_record(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    url = f"/api/trainings/{session['id']}/attendance"
    start = threading.Barrier(16)

    def post(_: int) -> int:
        start.wait()
        return portal_client.post(url, json=check_in_body(session)).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = sorted(pool.map(post, range(16)))
    assert statuses == [200] * 15 + [201]
    listed = portal_client.get(f"/api/admin/trainings/{session['id']}/attendance",
                               headers=ADMIN).json()["items"]
    assert len(listed) == 1


def test_concurrent_check_ins_fill_capacity_exactly(portal_client: TestClient) -> None:
    session = make_session(portal_client, capacity=10)
    url = f"/api/trainings/{session['id']}/attendance"
    start = threading.Barrier(24)

    def post(n: int) -> int:
        start.wait()
        return portal_client.post(url, json=check_in_body(session, phone=f"138{n:08d}")).status_code

    with ThreadPoolExecutor(24) as pool:
        statuses = list(pool.map(post, range(24)))
    assert statuses.count(201) == 10 and statuses.count(409) == 14
    assert portal_client.get(f"/api/trainings/{session['id']}").json()["checked_in"] == 10


def test_a_failed_save_is_a_5xx_never_a_success(make_settings: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from forms_api.app import create_app
    from forms_api.storage import StorageError, Table

    app = create_app(make_settings(admin_token=ADMIN_TOKEN, rate_limit=0))
    with TestClient(app, raise_server_exceptions=False) as client:
        session = make_session(client)

        def broken(self: Table, document: Any) -> str:
            raise StorageError("disk full")

        monkeypatch.setattr(Table, "insert", broken)
        response = client.post(f"/api/trainings/{session['id']}/attendance",
                               json=check_in_body(session))
        assert_error(response, 503, "unavailable")  # StorageError: try again later
        monkeypatch.undo()
        assert client.get(f"/api/trainings/{session['id']}").json()["checked_in"] == 0


def test_a_filled_honeypot_is_answered_as_a_check_in_and_stored_nowhere(
        portal_client: TestClient) -> None:
    session = make_session(portal_client)
    response = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                  json={**check_in_body(session), "website": "http://spam"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "session_id", "name", "checked_in_at", "receipt"}
    assert body["session_id"] == session["id"] and body["receipt"].startswith("已签到")
    listed = portal_client.get(f"/api/admin/trainings/{session['id']}/attendance",
                               headers=ADMIN).json()
    assert listed["items"] == []
    assert portal_client.get(f"/api/trainings/{session['id']}").json()["checked_in"] == 0
