"""Status moves through the admin API: each allowed and refused, double booking, limits."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from forms_api.bookings import handling as admin_bookings
from forms_api.bookings import records as booking_records
from forms_api.bookings.forms import BookingChange, eligible_dates
from forms_api.volunteers import records as admin_volunteers
from tests.conftest import assert_error
from tests.forms_support import ADMIN, approved_expert, booking_body, volunteer_body

_phones = (f"139{n:08d}" for n in itertools.count(1000))
_days = itertools.count(0)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    from tests.forms_support import ADMIN_TOKEN

    return make_client(admin_token=ADMIN_TOKEN, rate_limit=0)


def _volunteer(client: TestClient, status: str) -> str:
    made = client.post("/api/volunteers", json=volunteer_body(phone=next(_phones)))
    assert made.status_code == 201, made.text
    volunteer_id: str = made.json()["id"]
    if status != "pending":
        moved = client.patch(f"/api/admin/volunteers/{volunteer_id}", json={"status": status},
                             headers=ADMIN)
        assert moved.status_code == 200, moved.text
    return volunteer_id


VOLUNTEER_MOVES = [(a, b) for a in ("pending", "approved", "rejected")
                   for b in ("approved", "rejected")]


@pytest.mark.parametrize(("start", "target"), VOLUNTEER_MOVES)
def test_volunteer_moves(client: TestClient, start: str, target: str) -> None:
    volunteer_id = _volunteer(client, start)
    response = client.patch(f"/api/admin/volunteers/{volunteer_id}",
                            json={"status": target, "note": "资质核实"}, headers=ADMIN)
    if target in admin_volunteers.MOVES[start]:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == target
        assert response.json()["reviewed_by"] == "bootstrap"
    else:
        assert_error(response, 409, "invalid_transition")
        listed = client.get("/api/admin/volunteers", headers=ADMIN).json()["items"]
        assert next(v for v in listed if v["id"] == volunteer_id)["status"] == start


def test_volunteer_moves_table_is_as_documented() -> None:
    assert admin_volunteers.MOVES == {"pending": ("approved", "rejected", "needs_info"),
                                      "needs_info": ("pending", "approved", "rejected"),
                                      "approved": ("rejected",), "rejected": (), "withdrawn": ()}


def test_ask_for_more_information_moves_it_to_needs_info(client: TestClient) -> None:
    volunteer_id = _volunteer(client, "pending")
    path = f"/api/admin/volunteers/{volunteer_id}/request-info"
    assert_error(client.post(path, json={}, headers=ADMIN), 422, "validation_error")
    response = client.post(path, json={"note": "请补充心理咨询师证书编号"}, headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "needs_info" and body["info_requested"]["note"] == "请补充心理咨询师证书编号"
    patched = _volunteer(client, "pending")
    path = f"/api/admin/volunteers/{patched}"
    assert_error(client.patch(path, json={"status": "needs_info"}, headers=ADMIN), 422,
                 "validation_error")
    asked = client.patch(path, json={"status": "needs_info", "note": "请补充证书照片"}, headers=ADMIN)
    assert asked.status_code == 200 and asked.json()["status"] == "needs_info", asked.text
    approved = _volunteer(client, "approved")
    assert_error(client.post(f"/api/admin/volunteers/{approved}/request-info",
                             json={"note": "x"}, headers=ADMIN), 409, "invalid_transition")


def _booking(client: TestClient, **fields: Any) -> dict[str, Any]:
    made = client.post("/api/bookings", json=booking_body(**fields))
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _confirm_body(expert_id: str, day_index: int | None = None, slot: str = "morning"
                  ) -> dict[str, Any]:
    day = eligible_dates()[next(_days) if day_index is None else day_index]
    return {"status": "confirmed", "date": day.isoformat(), "time_slot": slot,
            "expert_id": expert_id}


def _booking_in(client: TestClient, status: str, expert_id: str) -> dict[str, Any]:
    made = _booking(client)
    path = f"/api/admin/bookings/{made['id']}"
    if status in ("confirmed", "completed"):
        assert client.patch(path, json=_confirm_body(expert_id), headers=ADMIN).status_code == 200
    if status == "completed":
        assert client.patch(path, json={"status": "completed"}, headers=ADMIN).status_code == 200
    if status == "declined":
        assert client.patch(path, json={"status": "declined", "reason": "日期冲突"},
                            headers=ADMIN).status_code == 200
    if status == "cancelled":
        cancel = client.post(f"/api/bookings/{made['reference']}/cancel",
                             json={"phone": "0391-1234567"})
        assert cancel.status_code == 200, cancel.text
    return made


BOOKING_MOVES = [(a, b) for a in ("requested", "confirmed", "completed", "cancelled", "declined")
                 for b in ("confirmed", "completed", "declined", "cancelled")]


@pytest.mark.parametrize(("start", "target"), BOOKING_MOVES)
def test_booking_moves(client: TestClient, start: str, target: str) -> None:
    expert_id = approved_expert(client, phone=next(_phones))
    made = _booking_in(client, start, expert_id)
    body: dict[str, Any] = {"status": target}
    if target == "confirmed":
        body = _confirm_body(expert_id)
    if target == "declined":
        body["reason"] = "专家档期已满，请改选下月日期"
    response = client.patch(f"/api/admin/bookings/{made['id']}", json=body, headers=ADMIN)
    if target in booking_records.MOVES[start]:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == target
    else:
        assert_error(response, 409, "invalid_transition")


def test_confirm_needs_date_slot_and_expert(client: TestClient) -> None:
    made = _booking(client)
    error = assert_error(client.patch(f"/api/admin/bookings/{made['id']}",
                                      json={"status": "confirmed"}, headers=ADMIN),
                         422, "validation_error")
    assert set(error["fields"]) == {"date", "time_slot", "expert_id"}


def test_decline_needs_a_reason_the_school_then_sees(client: TestClient) -> None:
    made = _booking(client)
    path = f"/api/admin/bookings/{made['id']}"
    error = assert_error(client.patch(path, json={"status": "declined"}, headers=ADMIN),
                         422, "validation_error")
    assert "reason" in error["fields"]
    response = client.patch(path, json={"status": "declined", "reason": "该周为期中考试周",
                                        "note": "内部：专家均无空"}, headers=ADMIN)
    assert response.status_code == 200
    seen = client.get(f"/api/bookings/{made['reference']}", params={"phone": "0391-1234567"})
    assert seen.json()["status"] == "declined"
    assert seen.json()["reason"] == "该周为期中考试周"
    assert "内部" not in seen.text
    page = client.post("/booking/status/", data={"reference": made["reference"],
                                                 "phone": "0391-1234567"},
                       headers={"Accept": "text/html"})
    assert "该周为期中考试周" in page.text
    # Issue 12: the lookup said 日期/专家 "待安排" for a visit that will not take place.
    facts = page.text[page.text.index("data-booking"):page.text.index("</dl>")]
    assert "这次进校活动不会进行" in facts and "待安排" not in facts
    assert "<dt>说明</dt><dd>该周为期中考试周</dd>" in facts


def test_expert_busy_on_the_same_date_and_slot(client: TestClient) -> None:
    expert_id = approved_expert(client, phone=next(_phones))
    first, second, third = _booking(client), _booking(client), _booking(client)
    body = _confirm_body(expert_id, day_index=3)
    assert client.patch(f"/api/admin/bookings/{first['id']}", json=body,
                        headers=ADMIN).status_code == 200
    assert_error(client.patch(f"/api/admin/bookings/{second['id']}", json=body, headers=ADMIN),
                 409, "expert_busy")
    other_slot = {**body, "time_slot": "afternoon"}
    assert client.patch(f"/api/admin/bookings/{third['id']}", json=other_slot,
                        headers=ADMIN).status_code == 200
    # Once the first is declined, the slot is free again.
    assert client.patch(f"/api/admin/bookings/{first['id']}",
                        json={"status": "declined", "reason": "学校改期"}, headers=ADMIN).status_code == 200
    assert client.patch(f"/api/admin/bookings/{second['id']}", json=body,
                        headers=ADMIN).status_code == 200


def test_no_double_booking_under_concurrency(client: TestClient) -> None:
    expert_id = approved_expert(client, phone=next(_phones))
    made = [_booking(client) for _ in range(8)]
    body = _confirm_body(expert_id, day_index=10)
    barrier = threading.Barrier(len(made))
    results: list[int] = []
    codes: list[str] = []
    lock = threading.Lock()

    def confirm(booking: dict[str, Any]) -> None:
        barrier.wait()
        response = client.patch(f"/api/admin/bookings/{booking['id']}", json=body, headers=ADMIN)
        with lock:
            results.append(response.status_code)
            if response.status_code == 409:
                codes.append(response.json()["error"]["code"])

    threads = [threading.Thread(target=confirm, args=(b,)) for b in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [409] * 7
    assert codes == ["expert_busy"] * 7
    confirmed = client.get("/api/admin/bookings?status=confirmed", headers=ADMIN).json()["items"]
    assert len([b for b in confirmed if b["date"] == body["date"]]) == 1


def test_no_double_booking_when_threads_call_the_store_directly(client: TestClient) -> None:
    from forms_api.errors import ApiError

    p = client.app.state.portal
    expert_id = approved_expert(client, phone=next(_phones))
    made = [_booking(client) for _ in range(6)]
    body = _confirm_body(expert_id, day_index=12)
    form = BookingChange.model_validate(body)
    barrier = threading.Barrier(len(made))
    outcomes: list[str] = []

    def confirm(booking: dict[str, Any]) -> None:
        barrier.wait()
        try:
            admin_bookings.change(p, booking["id"], form, "t")
            outcomes.append("ok")
        except ApiError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=confirm, args=(b,)) for b in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["expert_busy"] * 5 + ["ok"]


def test_limits_are_off_until_set(client: TestClient) -> None:
    assert client.get("/api/admin/limits", headers=ADMIN).json() == {
        "per_school_per_term": None, "per_expert_per_month": None, "blackout": []}
    for _ in range(3):
        _booking(client)


def test_blackout_dates_and_school_limit_on_the_public_form(client: TestClient) -> None:
    days = eligible_dates()
    closed = days[2].isoformat()
    response = client.put("/api/admin/limits", headers=ADMIN, json={
        "per_school_per_term": 1, "blackout": [{"date": closed, "reason": "期末考试"}]})
    assert response.status_code == 200, response.text
    error = assert_error(client.post("/api/bookings", json=booking_body(preferred_dates=[closed])),
                         422, "validation_error")
    assert "期末考试" in error["fields"]["preferred_dates"]
    form = client.get("/booking/")
    assert f'value="{closed}"' not in form.text and f'value="{days[3].isoformat()}"' in form.text
    _booking(client, preferred_dates=[days[0].isoformat()])
    again = client.post("/api/bookings", json=booking_body(preferred_dates=[days[1].isoformat()],
                                                            school="市实验 小学"))
    error = assert_error(again, 409, "school_limit")
    assert "preferred_dates" in error["fields"]
    _booking(client, school="市第二中学", preferred_dates=[days[1].isoformat()])


def test_limit_settings_are_validated(client: TestClient) -> None:
    error = assert_error(client.put("/api/admin/limits", headers=ADMIN, json={
        "per_school_per_term": 0, "per_expert_per_month": "x", "blackout": "2026-13-01 假"}),
        422, "validation_error")
    assert set(error["fields"]) == {"per_school_per_term", "per_expert_per_month", "blackout"}
    ranged = client.put("/api/admin/limits", headers=ADMIN,
                        json={"blackout": "2027-01-11 至 2027-01-15 期末考试\n2027-02-01"})
    assert [b["date"] for b in ranged.json()["blackout"]] == [
        "2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15", "2027-02-01"]


@pytest.mark.parametrize("line", [
    "2027-01-04～2027-01-05 教研活动", "2027-01-04 ~ 2027-01-05 教研活动",
    "2027-01-04至2027-01-05 教研活动", "2027-01-04 到 2027-01-05 教研活动",
    "2027-01-04—2027-01-05 教研活动", "2027-01-04——2027-01-05 教研活动",
    "2027-01-04-2027-01-05 教研活动", "2027-01-04 - 2027-01-05 教研活动",
    "２０２７－０１－０４～２０２７－０１－０５　教研活动", "2027-01-04 ～ 01-05 教研活动"])
def test_blackout_ranges_as_people_type_them(client: TestClient, line: str) -> None:
    """Issue 12: a range with a full-width tilde was saved as its first day only."""
    saved = client.put("/api/admin/limits", headers=ADMIN, json={"blackout": line})
    assert saved.status_code == 200, saved.text
    assert saved.json()["blackout"] == [{"date": "2027-01-04", "reason": "教研活动"},
                                        {"date": "2027-01-05", "reason": "教研活动"}]


@pytest.mark.parametrize("line", ["2027-01-04至1月5日 教研活动", "2027-01-04 ～ 2027年1月5日 教研活动",
                                  "2027-01-04 ~ 2027/01/05 教研活动", "2027年1月4日 教研活动"])
def test_a_blackout_line_it_cannot_read_is_refused(client: TestClient, line: str) -> None:
    """Never half-read: a second date in another format is refused with the line, not dropped."""
    error = assert_error(client.put("/api/admin/limits", headers=ADMIN, json={"blackout": line}),
                         422, "validation_error")
    assert "无法识别这一行" in error["fields"]["blackout"] and "2027-01-04 至" in error[
        "fields"]["blackout"]
    assert client.get("/api/admin/limits", headers=ADMIN).json()["blackout"] == []


def test_a_blackout_range_across_new_year_without_its_year(client: TestClient) -> None:
    saved = client.put("/api/admin/limits", headers=ADMIN,
                       json={"blackout": "2027-12-31～01-01 元旦"}).json()["blackout"]
    assert [b["date"] for b in saved] == ["2027-12-31", "2028-01-01"]


def test_expert_monthly_limit_and_blackout_on_confirm(client: TestClient) -> None:
    expert_id = approved_expert(client, phone=next(_phones))
    days = eligible_dates()
    first = days[30]
    same_month = next(d for d in days[31:] if d.month == first.month and d != first)
    closed = next(d for d in days[31:] if d.month != first.month)
    assert client.put("/api/admin/limits", headers=ADMIN, json={
        "per_expert_per_month": 1, "blackout": [{"date": closed.isoformat(), "reason": "节假日"}]
    }).status_code == 200
    a, b, c = _booking(client), _booking(client), _booking(client)
    body = {"status": "confirmed", "time_slot": "morning", "expert_id": expert_id}
    assert client.patch(f"/api/admin/bookings/{a['id']}", headers=ADMIN,
                        json={**body, "date": first.isoformat()}).status_code == 200
    assert_error(client.patch(f"/api/admin/bookings/{b['id']}", headers=ADMIN,
                              json={**body, "date": same_month.isoformat()}), 409, "expert_limit")
    assert_error(client.patch(f"/api/admin/bookings/{c['id']}", headers=ADMIN,
                              json={**body, "date": closed.isoformat()}), 409, "blackout_date")


def test_lists_filter_and_page(client: TestClient) -> None:
    for status in ("pending", "pending", "approved", "rejected"):
        _volunteer(client, status)
    everything = client.get("/api/admin/volunteers", headers=ADMIN).json()
    assert everything["total"] == 4 and len(everything["items"]) == 4
    pending = client.get("/api/admin/volunteers?status=pending", headers=ADMIN).json()["items"]
    assert [v["status"] for v in pending] == ["pending", "pending"]
    assert pending[0]["phone"]  # whole records, contact fields included
    page = client.get("/api/admin/volunteers?limit=2&offset=1", headers=ADMIN).json()
    assert [v["id"] for v in page["items"]] == [v["id"] for v in everything["items"][1:3]]
    assert_error(client.get("/api/admin/volunteers?status=nope", headers=ADMIN),
                 422, "validation_error")
