"""Privacy operations: everything about one phone number, its deletion, retention, the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import orjson
import psycopg
import pytest
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.admin import audit, privacy
from forms_api.app import REGISTRY
from forms_api.settings import Settings
from forms_api.storage import Database
from tests.admin_support import ADMIN, ADMIN_TOKEN, login, post_form
from tests.conftest import assert_error
from tests.forms_support import booking_body, check_in_body, make_session, volunteer_body

PHONE = "13912345678"


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(admin_token=ADMIN_TOKEN, rate_limit=0)


def _seed(client: TestClient) -> None:
    session = make_session(client)
    assert client.post(f"/api/trainings/{session['id']}/attendance",
                       json=check_in_body(session, phone=PHONE)).status_code == 201
    assert client.post(f"/api/trainings/{session['id']}/attendance",
                       json=check_in_body(session, phone="13800000001")).status_code == 201
    assert client.post("/api/volunteers", json=volunteer_body(phone=PHONE)).status_code == 201
    assert client.post("/api/volunteers", json=volunteer_body(phone="13700000002")).status_code == 201
    assert client.post("/api/bookings", json=booking_body(phone=f"+86 {PHONE}")).status_code == 201
    assert client.post("/api/bookings", json=booking_body()).status_code == 201


def _data_files(client: TestClient) -> bytes:
    """Everything the store holds: the journal's files, or every row on PostgreSQL."""
    url = client.app.state.settings.database_url
    if url:
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT doc::text FROM portal_documents").fetchall()
        return "".join(text for text, in rows).encode()
    data_dir: Path = client.app.state.settings.data_dir
    return b"".join(p.read_bytes() for p in data_dir.glob("portal.*") if p.is_file())


def test_everything_about_one_phone_is_found_exported_and_deleted(client: TestClient) -> None:
    _seed(client)
    found = client.post("/api/admin/privacy/lookup", json={"phone": "139 1234 5678"},
                        headers=ADMIN).json()["collections"]
    assert {k: len(v) for k, v in found.items()} == {"volunteers": 1, "bookings": 1, "attendance": 1,
                                                       "registrations": 0, "outbox": 2}
    exported = client.post("/api/admin/privacy/export", json={"phone": PHONE}, headers=ADMIN)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    assert "filename*=UTF-8''%E4%B8%AA%E4%BA%BA%E4%BF%A1%E6%81%AF-" in exported.headers[
        "content-disposition"]  # 个人信息-YYYYMMDD.json
    document = orjson.loads(exported.content)
    assert set(document) == {"说明", "手机号", "导出时间", "记录"}
    assert set(document["记录"]) == {"培训签到", "培训报名", "专家志愿者报名", "进校预约", "通知"}
    application = document["记录"]["专家志愿者报名"][0]
    assert application["手机号"] == PHONE and application["状态"] in ("待审核", "已通过")
    assert "status" not in application and "id" not in application
    assert document["记录"]["培训签到"][0]["课程"] != "policy"  # the module's title, not its slug
    assert PHONE.encode() in _data_files(client)
    deleted = client.post("/api/admin/privacy/delete", json={"phone": PHONE}, headers=ADMIN)
    assert deleted.json() == {"deleted": {"volunteers": 1, "bookings": 1, "attendance": 1,
                                            "registrations": 0, "outbox": 2}}
    again = client.post("/api/admin/privacy/lookup", json={"phone": PHONE}, headers=ADMIN)
    assert all(not rows for rows in again.json()["collections"].values())
    # The others are untouched, and the number is gone from the files on disk too.
    assert len(client.get("/api/admin/volunteers", headers=ADMIN).json()["items"]) == 1
    assert len(client.get("/api/admin/bookings", headers=ADMIN).json()["items"]) == 1
    assert PHONE.encode() not in _data_files(client)
    assert b"13700000002" in _data_files(client)


def test_privacy_actions_are_audited_without_the_number(client: TestClient) -> None:
    _seed(client)
    for action in ("lookup", "export", "delete"):
        client.post(f"/api/admin/privacy/{action}", json={"phone": PHONE}, headers=ADMIN)
    entries = client.get("/api/admin/audit", headers=ADMIN).json()["items"]
    actions = [e["action"] for e in entries]
    assert {"privacy.lookup", "privacy.export", "privacy.delete"} <= set(actions)
    delete = next(e for e in entries if e["action"] == "privacy.delete")
    assert delete["detail"] == {"volunteers": 1, "bookings": 1, "attendance": 1,
                                "registrations": 0, "outbox": 2}
    assert delete["actor"] == "bootstrap" and delete["at"]
    text = orjson.dumps(entries).decode()
    assert PHONE not in text and "5678" not in text and "王芳" not in text


def test_audit_refuses_free_text() -> None:
    db = Database.memory()
    with pytest.raises(TypeError):
        audit.record(db, "a", "export", "x", rows=["13912345678"])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        audit.record(db, "a", "export", "x", note="这是一段很长的自由文本，" * 5)
    audit.record(db, "a", "export", "bookings", rows=3, status="confirmed")
    assert audit.entries(db)[0]["detail"] == {"rows": 3, "status": "confirmed"}


def test_admin_changes_are_audited(client: TestClient) -> None:
    _seed(client)
    volunteer = client.get("/api/admin/volunteers", headers=ADMIN).json()["items"][0]
    booking = client.get("/api/admin/bookings", headers=ADMIN).json()["items"][0]
    client.patch(f"/api/admin/volunteers/{volunteer['id']}", json={"status": "rejected",
                 "note": "资质不符"}, headers=ADMIN)
    client.patch(f"/api/admin/bookings/{booking['id']}", json={"status": "declined",
                 "reason": "日期冲突"}, headers=ADMIN)
    client.put("/api/admin/limits", json={"per_school_per_term": 3}, headers=ADMIN)
    entries = client.get("/api/admin/audit", headers=ADMIN).json()["items"]
    by_action = {e["action"]: e for e in entries}
    assert by_action["volunteer.review"]["target"] == f"volunteers/{volunteer['id']}"
    assert by_action["volunteer.review"]["detail"] == {"from": "pending", "to": "rejected"}
    assert by_action["booking.change"]["detail"] == {"from": "requested", "to": "declined"}
    assert by_action["training.create"]["actor"] == "bootstrap"
    assert "limits.update" in by_action
    assert "资质不符" not in str(entries) and "日期冲突" not in str(entries)


def _old(days: int) -> str:
    return clock.iso(clock.now() - dt.timedelta(days=days))


def _retention_db() -> Database:
    db = Database.memory()
    db.table("attendance").insert_multiple([
        {"id": "a-old", "phone": "1", "checked_in_at": _old(1900)},
        {"id": "a-new", "phone": "2", "checked_in_at": _old(100)}])
    db.table("volunteers").insert_multiple([
        {"id": "v-rejected-old", "status": "rejected", "created_at": _old(900), "updated_at": _old(800)},
        {"id": "v-pending-old", "status": "pending", "created_at": _old(800), "updated_at": _old(800)},
        {"id": "v-approved-old", "status": "approved", "created_at": _old(900), "updated_at": _old(800)},
        {"id": "v-rejected-new", "status": "rejected", "created_at": _old(900), "updated_at": _old(10)}])
    db.table("bookings").insert_multiple([
        {"id": "b-done-old", "status": "completed", "created_at": _old(900), "updated_at": _old(731)},
        {"id": "b-confirmed-old", "status": "confirmed", "created_at": _old(900), "updated_at": _old(800)},
        {"id": "b-done-new", "status": "cancelled", "created_at": _old(900), "updated_at": _old(700)}])
    db.table("outbox").insert_multiple([  # notices: sent or handed ones go after 180 days
        {"id": "n-sent-old", "status": "sent", "phone": "3", "created_at": _old(200)},
        {"id": "n-handed-old", "status": "handed", "phone": "3", "created_at": _old(181)},
        {"id": "n-failed-old", "status": "failed", "phone": "3", "created_at": _old(400)},
        {"id": "n-sent-new", "status": "sent", "phone": "3", "created_at": _old(10)}])
    db.table("audit_log").insert_multiple([
        {"id": "l-old", "at": _old(1830), "actor": "a", "action": "x", "target": "t", "detail": {}},
        {"id": "l-new", "at": _old(1), "actor": "a", "action": "x", "target": "t", "detail": {}}])
    return db


def _ids(db: Database, table: str) -> set[str]:
    return {r["id"] for r in db.table(table).all()}


def test_purge_deletes_what_is_past_its_retention_period() -> None:
    db = _retention_db()
    removed = privacy.purge(db, REGISTRY.personal, Settings(), "cli:test")
    assert removed == {"outbox": 2, "attendance": 1, "volunteers": 2, "bookings": 1, "audit_log": 1,
                       "registrations": 0}
    assert _ids(db, "outbox") == {"n-failed-old", "n-sent-new"}
    assert _ids(db, "attendance") == {"a-new"}
    assert _ids(db, "volunteers") == {"v-approved-old", "v-rejected-new"}
    assert _ids(db, "bookings") == {"b-confirmed-old", "b-done-new"}
    assert "l-old" not in _ids(db, "audit_log")
    last = audit.entries(db)[0]
    assert last["action"] == "purge" and last["detail"]["volunteers"] == 2


def test_zero_keeps_a_collection() -> None:
    db = _retention_db()
    settings = Settings(retention_attendance_days=0, retention_volunteers_days=0,
                        retention_bookings_days=0, retention_audit_days=0,
                        retention_notices_days=0)
    assert privacy.purge(db, REGISTRY.personal, settings, "t") == {}
    assert len(_ids(db, "attendance")) == 2
    shorter = Settings(retention_bookings_days=30)
    assert privacy.purge(db, REGISTRY.personal, shorter, "t")["bookings"] == 2


def test_retention_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"PORTAL_RETENTION_ATTENDANCE_DAYS": "30",
                                  "PORTAL_RETENTION_AUDIT_DAYS": "0"})
    assert settings.retention_attendance_days == 30 and settings.retention_audit_days == 0
    with pytest.raises(SystemExit, match="PORTAL_RETENTION_BOOKINGS_DAYS"):
        Settings.from_env({"PORTAL_RETENTION_BOOKINGS_DAYS": "-1"})


def test_console_privacy_page(client: TestClient) -> None:
    _seed(client)
    csrf = login(client)
    found = post_form(client, "/admin/privacy/", csrf, action="lookup", phone=PHONE)
    assert found.status_code == 200 and "培训签到（1 条）" in found.text
    bad = post_form(client, "/admin/privacy/", csrf, action="lookup", phone="12")
    assert bad.status_code == 422 and "手机号" in bad.text
    unconfirmed = post_form(client, "/admin/privacy/", csrf, action="delete", phone=PHONE)
    assert unconfirmed.status_code == 422
    assert client.post("/api/admin/privacy/lookup", json={"phone": PHONE},
                       headers=ADMIN).json()["collections"]["volunteers"]
    exported = post_form(client, "/admin/privacy/", csrf, action="export", phone=PHONE)
    assert exported.headers["content-type"] == "application/json"
    done = post_form(client, "/admin/privacy/", csrf, action="delete", phone=PHONE, confirm="on")
    assert done.status_code == 200 and "已删除" in done.text
    assert not client.post("/api/admin/privacy/lookup", json={"phone": PHONE},
                           headers=ADMIN).json()["collections"]["volunteers"]
    purged = post_form(client, "/admin/privacy/", csrf, action="purge")
    assert purged.status_code == 200 and "已清理" in purged.text


def test_bad_phone_is_a_validation_error(client: TestClient) -> None:
    error = assert_error(client.post("/api/admin/privacy/delete", json={"phone": "abc"},
                                     headers=ADMIN), 422, "validation_error")
    assert "phone" in error["fields"]


def test_retention_is_documented_in_the_readme() -> None:
    from forms_api.settings import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("ATTENDANCE", "VOLUNTEERS", "BOOKINGS", "AUDIT"):
        assert f"`PORTAL_RETENTION_{name}_DAYS`" in readme
    assert "portal purge" in readme


