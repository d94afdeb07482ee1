"""The outbox's admin API and console list: the contract's shape, failures shown, retry."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from forms_api.notices import sender as sending
from forms_api.notices.outbox import Recipient, enqueue, personal_link
from forms_api.notices.smtp import SmtpChannel
from forms_api.settings import Settings
from tests.admin_support import post_form
from tests.conftest import assert_error
from tests.forms_support import ADMIN, volunteer_body
from tests.notices.support import MailServer

SHAPE = {"id", "event", "channel", "to", "status", "attempts", "created_at", "sent_at"}


def test_the_outbox_lists_notices_in_the_contracts_shape(portal_client: TestClient) -> None:
    client = portal_client
    assert client.post("/api/volunteers", json=volunteer_body()).status_code == 201
    assert_error(client.get("/api/admin/outbox"), 401, "unauthorized")
    assert_error(client.get("/api/admin/outbox?status=lost", headers=ADMIN), 422,
                 "validation_error")
    items = client.get("/api/admin/outbox?status=waiting", headers=ADMIN).json()["items"]
    assert len(items) == 1
    notice = items[0]
    assert set(notice) >= SHAPE
    assert notice["event"] == "volunteer.received" and notice["status"] == "waiting"
    assert notice["channel"] is None and notice["attempts"] == 0 and notice["sent_at"] is None
    assert notice["to"] == {"role": "volunteer", "name": "张明", "phone": "13700137000",
                            "email": None}
    # Neither the text nor any link: a personal link is only ever minted, never listed.
    assert "text" not in notice and "link" not in notice and "/me/" not in str(items)
    assert client.get("/api/admin/outbox?status=sent", headers=ADMIN).json()["items"] == []
    handed = client.post(f"/api/admin/outbox/{notice['id']}/handed", headers=ADMIN)
    assert handed.status_code == 200 and handed.json()["status"] == "handed"
    assert_error(client.post(f"/api/admin/outbox/{notice['id']}/handed", headers=ADMIN), 409,
                 "invalid_transition")
    assert_error(client.post("/api/admin/outbox/NOPE/retry", headers=ADMIN), 404, "not_found")
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/admin/outbox" in paths and "/api/admin/outbox/{id}/retry" in paths


def test_a_failed_notice_shows_its_error_in_the_console_and_can_be_retried(
        console: tuple[TestClient, str]) -> None:
    client, csrf = console
    db = client.app.state.portal.db
    with db.transaction():
        notice_id = enqueue(db, "volunteer.approved", Recipient(
            "volunteer", "张明", "13700137000", "zhang.ming@hospital.example.org"),
            "【心育驿站】审核通过", "张明老师：您已通过审核。",
            personal_link("volunteer", "V1"))["id"]
    with MailServer() as mail:
        mail.handler.refuse = 554
        channel = SmtpChannel.from_settings(Settings(**mail.settings()))
        assert channel is not None
        asyncio.run(sending.Sender(db, [channel], site_url=None).tick())
    assert "条发送失败" in client.get("/admin/").text
    page = client.get("/admin/outbox/?status=failed").text
    assert "志愿者审核通过" in page and "邮件服务器答复 554" in page and "发送失败" in page
    failed = client.get("/api/admin/outbox?status=failed", headers=ADMIN).json()["items"]
    assert [(n["id"], n["channel"], n["attempts"]) for n in failed] == [(notice_id, "email", 1)]
    assert failed[0]["error"] == "邮件服务器答复 554"
    retried = post_form(client, f"/admin/outbox/{notice_id}/", csrf, action="retry")
    assert retried.status_code == 303
    again = client.get("/api/admin/outbox?status=waiting", headers=ADMIN).json()["items"]
    assert [n["id"] for n in again] == [notice_id]
    assert again[0]["channels"]["email"]["status"] == "retry"
    assert post_form(client, f"/admin/outbox/{notice_id}/", csrf, action="x").status_code == 422
    assert "/admin/outbox/" in client.get("/admin/").text  # the menu's 通知
