"""The expert's own page: resubmission after "more material", profile, withdrawal."""

from __future__ import annotations

from starlette.testclient import TestClient

from forms_api.admin import audit
from forms_api.volunteers.records import VOLUNTEERS
from tests.forms_support import ADMIN
from tests.me.support import booking, confirm, db_of, expert, log_in, pending_volunteer

RESUBMIT = {"organization": "市第二人民医院", "title": "主治医师",
            "qualifications": ["psychiatrist", "counselor_cert"], "years_experience": "8",
            "expertise": ["crisis"], "bio": "已补充：精神科执业证书编号见附件说明。",
            "reply": "已补充资质"}


def _ask(client: TestClient, volunteer_id: str) -> None:
    asked = client.post(f"/api/admin/volunteers/{volunteer_id}/request-info", headers=ADMIN,
                        json={"note": "请补充执业证书的发证机关"})
    assert asked.status_code == 200, asked.text


def test_resubmission_after_more_material_goes_back_to_the_queue(portal_client: TestClient
                                                                  ) -> None:
    volunteer_id = pending_volunteer(portal_client)
    _ask(portal_client, volunteer_id)
    log_in(portal_client, volunteer_id)
    page = portal_client.get("/me/").text
    assert "请补充执业证书的发证机关" in page
    assert 'action="/me/resubmit/"' in page
    sent = portal_client.post("/me/resubmit/", data=RESUBMIT, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/me/?done=resubmitted"
    record = db_of(portal_client).table(VOLUNTEERS).get_id(volunteer_id)
    assert record is not None
    assert record["status"] == "pending"
    assert record["organization"] == "市第二人民医院"
    events = [h["event"] for h in record["history"]]
    assert events == ["needs_info", "resubmitted"]
    assert record["history"][1]["previous"]["organization"] == "市精神卫生中心"
    assert "已重新提交" in portal_client.get("/me/?done=resubmitted").text
    again = portal_client.post("/me/resubmit/", data=RESUBMIT)
    assert again.status_code == 409
    assert "当前不需要补充材料" in again.text
    actions = [e["action"] for e in audit.entries(db_of(portal_client))]
    assert "volunteer.resubmit" in actions


def test_a_needs_info_status_is_resubmitted_too(portal_client: TestClient) -> None:
    volunteer_id = pending_volunteer(portal_client)
    db = db_of(portal_client)
    db.table(VOLUNTEERS).update_id(volunteer_id, {  # as part A's PATCH status=needs_info stores
        "status": "needs_info", "note": "请补充从业经历"})
    log_in(portal_client, volunteer_id)
    assert "待补充材料" in portal_client.get("/me/").text
    assert portal_client.post("/me/resubmit/", data=RESUBMIT,
                              follow_redirects=False).status_code == 303
    assert db.table(VOLUNTEERS).get_id(volunteer_id)["status"] == "pending"  # type: ignore[index]


def test_a_resubmission_is_checked_like_an_application(portal_client: TestClient) -> None:
    volunteer_id = pending_volunteer(portal_client)
    _ask(portal_client, volunteer_id)
    log_in(portal_client, volunteer_id)
    refused = portal_client.post("/me/resubmit/", data={**RESUBMIT, "years_experience": "1",
                                                        "qualifications": ["other"]})
    assert refused.status_code == 422
    assert "暂不符合报名条件" in refused.text
    assert "需要至少一项“其他”以外的专业资质" in refused.text
    assert "市第二人民医院" in refused.text  # what was typed is kept


def test_the_profile_is_updated(portal_client: TestClient) -> None:
    volunteer_id = expert(portal_client)
    log_in(portal_client, volunteer_id)
    saved = portal_client.post("/me/profile/", data={
        "title": "副主任医师", "districts": "东城区、西城区", "availability": "每周四上午",
        "public_profile": "on"}, follow_redirects=False)
    assert saved.status_code == 303
    record = db_of(portal_client).table(VOLUNTEERS).get_id(volunteer_id)
    assert record is not None
    assert record["districts"] == ["东城区", "西城区"]
    assert record["availability"] == "每周四上午"
    listed = portal_client.get("/api/experts").json()["items"]
    assert any(e["id"] == volunteer_id and e["title"] == "副主任医师" for e in listed)


def test_withdrawing_leaves_the_visits_to_be_rearranged(portal_client: TestClient) -> None:
    from forms_api.bookings.forms import eligible_dates

    volunteer_id = expert(portal_client)
    made = booking(portal_client)
    confirm(portal_client, made["id"], volunteer_id, eligible_dates()[3].isoformat())
    log_in(portal_client, volunteer_id)
    refused = portal_client.post("/me/withdraw/", data={"confirm": ""})
    assert refused.status_code == 422 and "请勾选“我确认退出专家志愿者服务”" in refused.text
    assert '<base href="/me/">' in refused.text  # answered at /me/withdraw/, links hold
    gone = portal_client.post("/me/withdraw/", data={"confirm": "on"}, follow_redirects=False)
    assert gone.status_code == 303
    record = db_of(portal_client).table(VOLUNTEERS).get_id(volunteer_id)
    assert record is not None and record["status"] == "withdrawn"
    assert not [e for e in portal_client.get("/api/experts").json()["items"]
                if e["id"] == volunteer_id]
    status = portal_client.get(f"/api/bookings/{made['reference']}?phone=0391-1234567").json()
    assert status["reassigning"] is True
