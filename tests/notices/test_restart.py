"""A real `portal serve` killed while it is sending a notice delivers it after restart, once."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from forms_api.notices.sender import POLL_SECONDS
from tests.forms_support import volunteer_body
from tests.notices.support import SITE_URL, MailServer, wait_for
from tests.servers import Server, admin_headers

EXPERT_EMAIL = "zhang.ming@hospital.example.org"


def _env(mail: MailServer) -> dict[str, str]:
    return {"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(mail.port),
            "PORTAL_SMTP_TLS": "none", "PORTAL_SMTP_FROM": "noreply@xinyu.example.edu.cn",
            "PORTAL_SITE_URL": SITE_URL}


def _outbox(server: Server) -> list[dict[str, object]]:
    items: list[dict[str, object]] = httpx.get(f"{server.url}/api/admin/outbox",
                                               headers=admin_headers(), timeout=5).json()["items"]
    return items


def test_killed_while_sending_the_notice_goes_out_after_restart_once(built_site: Path,
                                                                      tmp_path: Path) -> None:
    data = tmp_path / "data"
    with MailServer() as mail:
        mail.handler.hold = True  # the first delivery hangs inside DATA
        server = Server(built_site, data, env=_env(mail)).start()
        try:
            made = httpx.post(f"{server.url}/api/volunteers", timeout=5,
                              json=volunteer_body(email=EXPERT_EMAIL))
            assert made.status_code == 201, made.text
            assert mail.handler.data_seen.wait(15), "the portal never started sending"
            assert [n["status"] for n in _outbox(server)] == ["waiting"]
        finally:
            server.kill()  # SIGKILL between the claim and the outcome
        mail.handler.hold = False
        mail.handler.released.set()
        assert mail.messages == []
        with Server(built_site, data, env=_env(mail)) as restarted:
            delivered = wait_for(lambda: [n for n in _outbox(restarted) if n["status"] == "sent"],
                                 timeout=20)
            assert len(delivered) == 1 and delivered[0]["attempts"] == 2
            assert [m["Message-ID"] for m in mail.messages] == [f"<{delivered[0]['id']}@portal>"]
            assert "已收到您的专家志愿者报名" in mail.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        # A second restart finds nothing left to send (given two of the sender's rounds).
        with Server(built_site, data, env=_env(mail)) as again:
            time.sleep(2 * POLL_SECONDS + 0.5)
            assert [n["status"] for n in _outbox(again)] == ["sent"]
        assert len(mail.messages) == 1
