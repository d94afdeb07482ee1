"""Swaps after the cut-off, the coordinator's assignment with override, no-shows and their block."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from starlette.testclient import TestClient

from forms_api import clock
from tests.conftest import assert_error
from tests.forms_support import ADMIN
from tests.rota.support import (
    add_shift,
    at,
    cookie,
    make_hotline,
    outbox,
    portal_of,
    take,
    volunteer,
)


def _statuses(client: TestClient, shift_id: str) -> list[str]:
    items = client.get("/api/admin/rota/swaps", headers=ADMIN).json()["items"]
    return [w["status"] for w in items if w["shift_id"] == shift_id]


def test_swap_offered_accepted_approved_and_everyone_told(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    soon = add_shift(portal_client, line["id"], clock.now() + dt.timedelta(hours=20))
    giver = volunteer(portal_client, "13900139100", name="李红")
    taker = volunteer(portal_client, "13900139101", name="王刚")
    outsider = volunteer(portal_client, "13900139102", trained=False, name="赵亮")
    assert take(portal_client, soon["id"], giver).status_code == 200
    before = len(outbox(portal_client, "shift.swap"))
    offered = take(portal_client, soon["id"], giver, "offer")
    assert offered.status_code == 200 and offered.json()["status"] == "offered"
    assert take(portal_client, soon["id"], giver, "offer").json()["id"] == offered.json()["id"]
    swap_id = offered.json()["id"]
    # The taker sees the offer on their own page; the untrained volunteer may not accept.
    page = portal_client.get("/api/me/shifts", headers=cookie(portal_client, taker)).json()
    assert [w["id"] for w in page["swaps"]] == [swap_id]
    assert_error(portal_client.post(f"/api/me/swaps/{swap_id}/accept",
                                    headers=cookie(portal_client, outsider)), 409, "not_eligible")
    assert_error(portal_client.post(f"/api/me/swaps/{swap_id}/accept",
                                    headers=cookie(portal_client, giver)), 409, "own_swap")
    accepted = portal_client.post(f"/api/me/swaps/{swap_id}/accept",
                                  headers=cookie(portal_client, taker))
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    # Until the coordinator approves, the giver still holds the seat.
    listed = portal_client.get("/api/admin/shifts", headers=ADMIN).json()["items"]
    assert next(s for s in listed if s["id"] == soon["id"])["volunteers"] == [giver]
    approved = portal_client.post(f"/api/admin/rota/swaps/{swap_id}/approve", headers=ADMIN)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    listed = portal_client.get("/api/admin/shifts", headers=ADMIN).json()["items"]
    assert next(s for s in listed if s["id"] == soon["id"])["volunteers"] == [taker]
    notices = outbox(portal_client, "shift.swap")[before:]
    told = [(n["to"]["role"], n["to"]["phone"]) for n in notices]
    assert ("bureau", None) in told
    assert told.count(("volunteer", "13900139100")) == 3  # offered, accepted, approved
    assert told.count(("volunteer", "13900139101")) == 1  # approved
    assert all(n["link"] in ("/admin/rota/", {"personal": {"kind": "volunteer", "id": giver}},
                             {"personal": {"kind": "volunteer", "id": taker}})
               for n in notices)
    assert_error(portal_client.post(f"/api/admin/rota/swaps/{swap_id}/approve", headers=ADMIN),
                 409, "swap_closed")


def test_without_approval_a_swap_takes_effect_on_acceptance(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token="test-admin-token", rate_limit=0, rota_swap_approval=False)
    line = make_hotline(client)
    soon = add_shift(client, line["id"], clock.now() + dt.timedelta(hours=30))
    giver = volunteer(client, "13900139110")
    taker = volunteer(client, "13900139111")
    assert take(client, soon["id"], giver).status_code == 200
    swap_id = take(client, soon["id"], giver, "offer").json()["id"]
    accepted = client.post(f"/api/me/swaps/{swap_id}/accept", headers=cookie(client, taker))
    assert accepted.status_code == 200 and accepted.json()["status"] == "approved"
    shift = portal_of(client).db.table("shifts").get_id(soon["id"])
    assert shift is not None and shift["volunteers"] == [taker]


def test_a_withdrawn_or_declined_swap_keeps_the_rota(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    soon = add_shift(portal_client, line["id"], clock.now() + dt.timedelta(hours=20))
    giver = volunteer(portal_client, "13900139120")
    taker = volunteer(portal_client, "13900139121")
    assert take(portal_client, soon["id"], giver).status_code == 200
    first = take(portal_client, soon["id"], giver, "offer").json()["id"]
    withdrawn = portal_client.post(f"/api/me/swaps/{first}/withdraw",
                                   headers=cookie(portal_client, giver))
    assert withdrawn.json()["status"] == "withdrawn"
    second = take(portal_client, soon["id"], giver, "offer").json()["id"]
    assert second != first
    portal_client.post(f"/api/me/swaps/{second}/accept", headers=cookie(portal_client, taker))
    declined = portal_client.post(f"/api/admin/rota/swaps/{second}/decline", headers=ADMIN)
    assert declined.json()["status"] == "declined"
    assert _statuses(portal_client, soon["id"]) == ["withdrawn", "declined"]
    shift = portal_of(portal_client).db.table("shifts").get_id(soon["id"])
    assert shift is not None and shift["volunteers"] == [giver]


def test_assign_follows_the_rules_and_an_override_is_audited(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    shift = add_shift(portal_client, line["id"], at(9, 8), min_seats=1, max_seats=1)
    first = volunteer(portal_client, "13900139130")
    untrained = volunteer(portal_client, "13900139131", trained=False)
    path = f"/api/admin/shifts/{shift['id']}/assign"
    assert portal_client.post(path, json={"volunteer_id": first}, headers=ADMIN).status_code == 200
    assert_error(portal_client.post(path, json={"volunteer_id": untrained}, headers=ADMIN),
                 409, "not_eligible")
    other = volunteer(portal_client, "13900139132")
    assert_error(portal_client.post(path, json={"volunteer_id": other}, headers=ADMIN),
                 409, "shift_full")
    assert_error(portal_client.post(path, json={"volunteer_id": first, "override": True},
                                    headers=ADMIN), 409, "already_on_shift")
    assert_error(portal_client.post(path, json={"volunteer_id": "nobody"}, headers=ADMIN),
                 404, "not_found")
    forced = portal_client.post(path, json={"volunteer_id": untrained, "override": True},
                                headers=ADMIN)
    assert forced.status_code == 200 and forced.json()["volunteers"] == [first, untrained]
    entries = [e for e in portal_of(portal_client).db.table("audit_log").all()
               if e["action"] == "shift.assign"]
    assert [e["detail"]["override"] for e in entries] == [False, True]
    assert entries[1]["detail"]["rules"] == "not_eligible,shift_full"
    assert entries[1]["detail"]["volunteer"] == untrained


def test_no_shows_block_new_shifts_until_lifted(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    past = [add_shift(portal_client, line["id"], clock.now() - dt.timedelta(days=d, hours=5))
            for d in (3, 2)]
    future = add_shift(portal_client, line["id"], at(10, 8))
    upcoming = add_shift(portal_client, line["id"], at(11, 8))
    vid = volunteer(portal_client, "13900139140")
    for shift in past:
        assert portal_client.post(f"/api/admin/shifts/{shift['id']}/assign",
                                  json={"volunteer_id": vid}, headers=ADMIN).status_code == 200
    assert take(portal_client, future["id"], vid).status_code == 200
    assert_error(portal_client.post(f"/api/admin/shifts/{future['id']}/no-show",
                                    json={"volunteer_id": vid}, headers=ADMIN),
                 409, "shift_not_started")
    for shift in past:
        marked = portal_client.post(f"/api/admin/shifts/{shift['id']}/no-show",
                                    json={"volunteer_id": vid}, headers=ADMIN)
        assert marked.status_code == 200, marked.text
    error = assert_error(take(portal_client, upcoming["id"], vid), 409, "no_show_blocked")
    assert "协调人" in error["message"]
    # The shifts already held stay; hours are not counted for a no-show.
    assert portal_client.get(f"/api/admin/rota/volunteers/{vid}/hours",
                             headers=ADMIN).json()["items"] == []
    lifted = portal_client.post(f"/api/admin/rota/volunteers/{vid}/lift", headers=ADMIN)
    assert lifted.json() == {"lifted": 2}
    assert take(portal_client, upcoming["id"], vid).status_code == 200
