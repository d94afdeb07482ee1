"""Who may take a shift and the rota's rules, each refusal with its code; the last seat once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from starlette.testclient import TestClient

from forms_api import clock
from forms_api.errors import ApiError
from forms_api.rota import seats
from forms_api.rota.records import week_start
from tests.conftest import assert_error
from tests.forms_support import ADMIN, volunteer_body
from tests.rota.support import add_shift, at, cookie, make_hotline, portal_of, take, volunteer


def _monday(weeks: int) -> int:
    """Days from today to the Monday `weeks` weeks on."""
    today = clock.today()
    return (week_start(today) + dt.timedelta(weeks=weeks) - today).days


def test_only_approved_trained_hotline_volunteers_may_take(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    shift = add_shift(portal_client, line["id"], at(5, 8))
    no_role = volunteer(portal_client, "13900139010", roles=("visits",))
    untrained = volunteer(portal_client, "13900139011", trained=False)
    pending = portal_client.post("/api/volunteers", json=volunteer_body(
        phone="13900139012", roles=["hotline"])).json()["id"]
    for vid, words in ((no_role, "热线值班"), (untrained, "培训"), (pending, "审核通过")):
        error = assert_error(take(portal_client, shift["id"], vid), 409, "not_eligible")
        assert words in error["message"]
    ready = volunteer(portal_client, "13900139013")
    taken = take(portal_client, shift["id"], ready)
    assert taken.status_code == 200, taken.text
    assert taken.json()["volunteers"] == [ready]
    # A second tap is answered with the same shift, not a second seat.
    assert take(portal_client, shift["id"], ready).json()["volunteers"] == [ready]


def test_the_volunteer_form_takes_roles_with_visits_by_default(portal_client: TestClient) -> None:
    made = portal_client.post("/api/volunteers", json=volunteer_body(phone="13900139014"))
    assert made.status_code == 201, made.text
    record = portal_of(portal_client).db.table("volunteers").get_id(made.json()["id"])
    assert record is not None and record["roles"] == ["visits"]
    bad = portal_client.post("/api/volunteers", json=volunteer_body(phone="13900139015",
                                                                    roles=["cooking"]))
    assert "roles" in assert_error(bad, 422, "validation_error")["fields"]
    page = portal_client.get("/volunteer/").text
    assert "热线值班" in page and "热线接听培训签到" in page


def test_overlap_and_rest_between_shifts(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    day = _monday(2)
    first = add_shift(portal_client, line["id"], at(day, 8))
    overlapping = add_shift(portal_client, line["id"], at(day, 10))
    too_close = add_shift(portal_client, line["id"], at(day, 20))
    rested = add_shift(portal_client, line["id"], at(day + 1, 8))  # 20 h after the first ends
    vid = volunteer(portal_client, "13900139020")
    assert take(portal_client, first["id"], vid).status_code == 200
    assert_error(take(portal_client, overlapping["id"], vid), 409, "shift_overlap")
    error = assert_error(take(portal_client, too_close["id"], vid), 409, "rest_too_short")
    assert "11 小时" in error["message"]
    assert take(portal_client, rested["id"], vid).status_code == 200


def test_rest_is_a_setting(make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token="test-admin-token", rate_limit=0, rota_rest_hours=2)
    line = make_hotline(client)
    day = _monday(2)
    first = add_shift(client, line["id"], at(day, 8))
    later = add_shift(client, line["id"], at(day, 14))
    vid = volunteer(client, "13900139021")
    assert take(client, first["id"], vid).status_code == 200
    assert take(client, later["id"], vid).status_code == 200


def test_weekly_cap_counts_the_week_of_each_start(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    monday = _monday(1)
    shifts = [add_shift(portal_client, line["id"], at(monday + i, 8)) for i in range(4)]
    next_week = add_shift(portal_client, line["id"], at(monday + 7, 8))
    vid = volunteer(portal_client, "13900139030")
    for shift in shifts[:3]:
        assert take(portal_client, shift["id"], vid).status_code == 200
    error = assert_error(take(portal_client, shifts[3]["id"], vid), 409, "weekly_cap")
    assert "12 小时" in error["message"]
    assert take(portal_client, next_week["id"], vid).status_code == 200


def test_sign_up_horizon_and_started_shifts(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    far = add_shift(portal_client, line["id"], at(30, 8))
    started = add_shift(portal_client, line["id"], clock.now() - dt.timedelta(hours=1))
    vid = volunteer(portal_client, "13900139040")
    error = assert_error(take(portal_client, far["id"], vid), 409, "beyond_horizon")
    assert "28 天" in error["message"]
    assert_error(take(portal_client, started["id"], vid), 409, "shift_started")
    # The coordinator may plan further ahead than the volunteers' horizon.
    assigned = portal_client.post(f"/api/admin/shifts/{far['id']}/assign",
                                  json={"volunteer_id": vid}, headers=ADMIN)
    assert assigned.status_code == 200, assigned.text


def test_leaving_is_free_until_the_cut_off(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    soon = add_shift(portal_client, line["id"], clock.now() + dt.timedelta(hours=10))
    later = add_shift(portal_client, line["id"], at(5, 8))
    vid = volunteer(portal_client, "13900139050")
    assert take(portal_client, soon["id"], vid).status_code == 200
    assert take(portal_client, later["id"], vid).status_code == 200
    error = assert_error(take(portal_client, soon["id"], vid, "leave"), 409, "leave_cutoff")
    assert "换班" in error["message"]
    left = take(portal_client, later["id"], vid, "leave")
    assert left.status_code == 200 and left.json()["volunteers"] == []
    assert_error(take(portal_client, later["id"], vid, "leave"), 409, "not_on_shift")


def test_a_full_shift_and_the_session_cookie(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    shift = add_shift(portal_client, line["id"], at(6, 8), min_seats=1, max_seats=1)
    first = volunteer(portal_client, "13900139060")
    second = volunteer(portal_client, "13900139061")
    assert take(portal_client, shift["id"], first).status_code == 200
    assert_error(take(portal_client, shift["id"], second), 409, "shift_full")
    assert_error(portal_client.post(f"/api/me/shifts/{shift['id']}/take"), 401, "unauthorized")
    forged = {"Cookie": cookie(portal_client, second)["Cookie"][:-3] + "abc"}
    assert_error(portal_client.post(f"/api/me/shifts/{shift['id']}/take", headers=forged),
                 401, "unauthorized")
    mine = portal_client.get("/api/me/shifts", headers=cookie(portal_client, first)).json()
    assert [s["id"] for s in mine["mine"]] == [shift["id"]]
    assert mine["eligible"] is True and mine["open"] == []


def test_the_last_seat_goes_to_exactly_one_when_many_take_at_once(
        portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    shift = add_shift(portal_client, line["id"], at(7, 8), min_seats=1, max_seats=2)
    early = volunteer(portal_client, "13900139070")
    assert take(portal_client, shift["id"], early).status_code == 200
    racers = [volunteer(portal_client, f"1390013908{i}") for i in range(8)]
    p = portal_of(portal_client)
    barrier = threading.Barrier(len(racers))
    won: list[str] = []
    refused: list[str] = []

    def race(vid: str) -> None:
        barrier.wait()
        try:
            seats.take(p, shift["id"], vid)
            won.append(vid)
        except ApiError as exc:
            refused.append(exc.code)

    threads = [threading.Thread(target=race, args=(vid,)) for vid in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and refused == ["shift_full"] * 7
    stored = p.db.table("shifts").get_id(shift["id"])
    assert stored is not None and stored["volunteers"] == [early, won[0]]
