"""Offering a visit to an expert: accept, decline with a reason, concurrent offers."""

from __future__ import annotations

import threading
from typing import Any

from starlette.testclient import TestClient

from forms_api.bookings.forms import eligible_dates
from forms_api.bookings.records import BOOKINGS
from tests.conftest import assert_error
from tests.forms_support import ADMIN
from tests.me.support import booking, confirm, db_of, expert, log_in, notices


def _offer(client: TestClient, booking_id: str, expert_id: str, day: str,
           slot: str = "morning") -> Any:
    return client.post(f"/api/admin/bookings/{booking_id}/offer", headers=ADMIN,
                       json={"expert_id": expert_id, "date": day, "time_slot": slot})


def test_an_offer_is_accepted_and_confirms_the_visit(make_client: Any) -> None:
    client = make_client(admin_token="test-admin-token", rate_limit=0,
                         bureau_email="bureau@example.edu.cn")
    expert_id = expert(client, name="周密")
    made = booking(client)
    day = eligible_dates()[4].isoformat()
    offered = _offer(client, made["id"], expert_id, day)
    assert offered.status_code == 200, offered.text
    assert offered.json()["offer"]["status"] == "offered"
    sent = notices(client, "assignment.offered")
    assert len(sent) == 1 and sent[0]["to"]["role"] == "volunteer"
    assert sent[0]["link"] == {"personal": {"kind": "volunteer", "id": expert_id}}
    assert day in sent[0]["text"]
    log_in(client, expert_id)
    page = client.get("/me/").text
    assert "进校邀请（待您答复）" in page and "市实验小学" in page
    accepted = client.post("/me/accept/", data={"booking_id": made["id"]},
                           follow_redirects=False)
    assert accepted.status_code == 303, accepted.text
    stored = db_of(client).table(BOOKINGS).get_id(made["id"])
    assert stored is not None
    assert (stored["status"], stored["expert_id"], stored["date"]) == ("confirmed", expert_id, day)
    assert stored["offer"]["status"] == "accepted"
    assert stored["history"][-1]["by"] == "expert"
    again = client.post("/me/accept/", data={"booking_id": made["id"]})
    assert again.status_code == 409 and "这个邀请已经失效" in again.text


def test_a_declined_offer_tells_the_bureau_and_waits(make_client: Any) -> None:
    client = make_client(admin_token="test-admin-token", rate_limit=0,
                         bureau_email="bureau@example.edu.cn")
    expert_id = expert(client, name="吴越")
    made = booking(client)
    assert _offer(client, made["id"], expert_id, eligible_dates()[4].isoformat()
                  ).status_code == 200
    log_in(client, expert_id)
    missing = client.post("/me/decline/", data={"booking_id": made["id"], "reason": ""})
    assert missing.status_code == 422 and "婉拒原因" in missing.text
    declined = client.post("/me/decline/", data={"booking_id": made["id"],
                                                 "reason": "当天有门诊"}, follow_redirects=False)
    assert declined.status_code == 303
    stored = db_of(client).table(BOOKINGS).get_id(made["id"])
    assert stored is not None and stored["status"] == "requested" and stored["offer"] is None
    assert stored["offers"][-1]["reason"] == "当天有门诊"
    told = notices(client, "assignment.declined")
    assert len(told) == 1
    assert told[0]["to"] == {"role": "bureau", "name": "市教育局", "phone": None,
                             "email": "bureau@example.edu.cn"}
    assert "当天有门诊" in told[0]["text"]


def test_staff_can_still_confirm_directly(portal_client: TestClient) -> None:
    expert_id = expert(portal_client)
    made = booking(portal_client)
    day = eligible_dates()[6].isoformat()
    assert _offer(portal_client, made["id"], expert_id, day).status_code == 200
    confirm(portal_client, made["id"], expert_id, day)
    log_in(portal_client, expert_id)
    assert "进校邀请（待您答复）" not in portal_client.get("/me/").text
    assert portal_client.post("/me/accept/", data={"booking_id": made["id"]}).status_code == 409


def test_an_offer_needs_a_waiting_visit_and_a_free_expert(portal_client: TestClient) -> None:
    expert_id = expert(portal_client)
    first, second = booking(portal_client), booking(portal_client)
    day = eligible_dates()[8].isoformat()
    confirm(portal_client, first["id"], expert_id, day)
    assert_error(_offer(portal_client, first["id"], expert_id, day), 409, "invalid_transition")
    assert_error(_offer(portal_client, second["id"], expert_id, day), 409, "expert_busy")
    error = assert_error(_offer(portal_client, second["id"], expert_id, day, "evening"), 422,
                         "validation_error")
    assert "time_slot" in error["fields"]


def test_two_staff_offering_one_expert_one_slot_get_one_offer(portal_client: TestClient) -> None:
    expert_id = expert(portal_client)
    made = [booking(portal_client) for _ in range(6)]
    day = eligible_dates()[12].isoformat()
    barrier = threading.Barrier(len(made))
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def offer(b: dict[str, Any]) -> None:
        barrier.wait()
        response = _offer(portal_client, b["id"], expert_id, day)
        code = response.json()["error"]["code"] if response.status_code != 200 else ""
        with lock:
            results.append((response.status_code, code))

    threads = [threading.Thread(target=offer, args=(b,)) for b in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [(200, "")] + [(409, "expert_busy")] * 5
    holding = [b for b in db_of(portal_client).table(BOOKINGS).all()
               if (b.get("offer") or {}).get("status") == "offered"]
    assert len(holding) == 1
