"""The mapping list, the linking step after an import, merges, edits, and their audit entries."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from forms_api.admin import audit
from forms_api.bookings.records import BOOKINGS
from forms_api.storage import Database
from forms_api.trainings.records import ATTENDANCE
from forms_api.volunteers.records import VOLUNTEERS
from tests.conftest import assert_error
from tests.forms_support import ADMIN, booking_body, check_in_body, make_session
from tests.schools.support import CITY, csv_bytes, import_city, schools, upload


def db_of(client: TestClient) -> Database:
    db: Database = client.app.state.portal.db  # type: ignore[attr-defined]
    return db


def check_in(client: TestClient, session: dict[str, Any], phone: str, school: str) -> str:
    response = client.post(f"/api/trainings/{session['id']}/attendance",
                           json=check_in_body(session, phone=phone, school=school))
    assert response.status_code == 201, response.text
    record_id: str = response.json()["id"]
    return record_id


def unlinked(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/api/admin/schools/unlinked", headers=ADMIN)
    assert response.status_code == 200, response.text
    return {i["text"]: i for i in response.json()["items"]}


def test_records_made_before_the_first_import_are_linked_by_it(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    early = check_in(portal_client, session, "13800000001", "第六中学")
    alias = check_in(portal_client, session, "13800000002", "市六中")
    stray = check_in(portal_client, session, "13800000003", "六中初中部")
    assert set(unlinked(portal_client)) == {"第六中学", "市六中", "六中初中部"}
    body = upload(portal_client, csv_bytes(CITY))
    assert body["linked"] == 2
    six = schools(portal_client)["第六中学"]["id"]
    db = db_of(portal_client)
    assert db.table(ATTENDANCE).get_id(early)["school_id"] == six  # type: ignore[index]
    assert db.table(ATTENDANCE).get_id(alias)["school_id"] == six  # type: ignore[index]
    assert db.table(ATTENDANCE).get_id(stray)["school_id"] is None  # type: ignore[index]
    assert list(unlinked(portal_client)) == ["六中初中部"]


def test_mapping_a_text_links_every_record_and_future_ones(portal_client: TestClient) -> None:
    found = import_city(portal_client)
    six = found["第六中学"]["id"]
    session = make_session(portal_client)
    ids = [check_in(portal_client, session, f"1380000001{n}", "六中初中部") for n in range(3)]
    other = check_in(portal_client, session, "13800000020", "光明私立学校")
    booking = portal_client.post("/api/bookings", json=booking_body(school="六中初中部"))
    assert booking.status_code == 201
    listed = unlinked(portal_client)
    assert listed["六中初中部"]["counts"] == {"培训签到": 3, "进校预约": 1}
    assert listed["六中初中部"]["total"] == 4
    mapped = portal_client.post("/api/admin/schools/map", headers=ADMIN,
                                json={"text": "六中初中部", "school_id": six})
    assert mapped.status_code == 200, mapped.text
    assert mapped.json() == {"school_id": six, "linked": 4, "alias_added": True}
    db = db_of(portal_client)
    for record_id in ids:
        assert db.table(ATTENDANCE).get_id(record_id)["school_id"] == six  # type: ignore[index]
    assert db.table(BOOKINGS).get_id(booking.json()["id"])["school_id"] == six  # type: ignore[index]
    assert db.table(ATTENDANCE).get_id(other)["school_id"] is None  # type: ignore[index]
    assert set(unlinked(portal_client)) == {"光明私立学校"}
    assert "六中初中部" in schools(portal_client)["第六中学"]["aliases"]
    later = check_in(portal_client, session, "13800000030", "六中初中部")
    assert db.table(ATTENDANCE).get_id(later)["school_id"] == six  # type: ignore[index]
    entry = next(e for e in audit.entries(db) if e["action"] == "school.map")
    assert entry["detail"] == {"records": 4, "alias_added": True}
    refused = portal_client.post("/api/admin/schools/map", headers=ADMIN,
                                 json={"text": "光明私立学校", "school_id": "NOSUCH"})
    assert_error(refused, 422, "validation_error")


def test_a_merge_moves_records_names_and_counts_as_the_kept_school(
        portal_client: TestClient) -> None:
    found = import_city(portal_client)
    kept, absorbed = found["第一高级中学"]["id"], found["育才中学"]["id"]
    session = make_session(portal_client)
    moved = check_in(portal_client, session, "13800000041", "育才中学")
    volunteer = portal_client.post("/api/volunteers", json={
        "name": "张明", "phone": "13700137000", "organization": "育才中学",
        "qualifications": ["psychiatrist"], "years_experience": 10, "expertise": ["crisis"],
        "consent": True})
    assert volunteer.status_code == 201, volunteer.text
    merged = portal_client.post(f"/api/admin/schools/{kept}/merge", headers=ADMIN,
                                json={"absorbed_id": absorbed})
    assert merged.status_code == 200, merged.text
    assert merged.json()["moved"] == 2
    assert "育才中学" in merged.json()["aliases"]
    db = db_of(portal_client)
    assert db.table(ATTENDANCE).get_id(moved)["school_id"] == kept  # type: ignore[index]
    assert db.table(VOLUNTEERS).get_id(volunteer.json()["id"])["school_id"] == kept  # type: ignore[index]
    gone = next(s for s in portal_client.get("/api/admin/schools", headers=ADMIN).json()["items"]
                if s["id"] == absorbed)
    assert gone["merged_into"] == kept and gone["active"] is False
    # The absorbed name now links to the kept school; the search no longer offers it.
    later = check_in(portal_client, session, "13800000042", "育才中学")
    assert db.table(ATTENDANCE).get_id(later)["school_id"] == kept  # type: ignore[index]
    hits = portal_client.get("/api/schools", params={"q": "育才"}).json()["items"]
    assert [h["id"] for h in hits] == [kept]
    # A re-import of the original list does not bring the absorbed school back.
    again = upload(portal_client, csv_bytes(CITY))
    assert again["created"] == 0, again
    assert next(e for e in audit.entries(db) if e["action"] == "school.merge")["detail"] == {
        "absorbed": absorbed, "records": 2}
    assert_error(portal_client.post(f"/api/admin/schools/{kept}/merge", headers=ADMIN,
                                    json={"absorbed_id": kept}), 422, "validation_error")
    assert_error(portal_client.post(f"/api/admin/schools/{kept}/merge", headers=ADMIN,
                                    json={"absorbed_id": absorbed}), 409, "school_merged")


def test_create_edit_close_are_checked_and_audited(portal_client: TestClient) -> None:
    found = import_city(portal_client)
    six = found["第六中学"]["id"]
    created = portal_client.post("/api/admin/schools", headers=ADMIN, json={
        "code": "2141000009", "name": "红旗小学", "district": "北区", "stage": "小学",
        "aliases": "红小、红旗路小学"})
    assert created.status_code == 201, created.text
    assert created.json()["aliases"] == ["红小", "红旗路小学"]
    assert created.json()["stage"] == "primary"
    duplicate = portal_client.post("/api/admin/schools", headers=ADMIN, json={
        "code": "3141000001", "name": "别的中学", "district": "北区", "stage": "junior"})
    assert "3141000001" in assert_error(duplicate, 409, "school_exists")["message"]
    bad = portal_client.post("/api/admin/schools", headers=ADMIN, json={
        "code": "12345", "name": "某中学", "district": "北区", "stage": "junior"})
    error = assert_error(bad, 422, "validation_error")
    assert "10 位数字" in error["fields"]["code"]
    edited = portal_client.patch(f"/api/admin/schools/{six}", headers=ADMIN,
                                 json={"district_code": "411102"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["district_code"] == "411102" and edited.json()["name"] == "第六中学"
    closed = portal_client.post(f"/api/admin/schools/{six}/close", headers=ADMIN)
    assert closed.json()["active"] is False
    actions = [e["action"] for e in audit.entries(db_of(portal_client))]
    for action in ("school.create", "school.update", "school.close", "school.import"):
        assert action in actions
    assert portal_client.get("/api/admin/schools").status_code == 401
