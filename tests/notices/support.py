"""Real receivers for the notice tests: an SMTP server (aiosmtpd) and a webhook (http.server).

Both run on 127.0.0.1 in threads of the test process and record what arrives. The SMTP
server can refuse (`refuse = 451` or `554`) or hold a message until released (`hold`), which
lets a test kill the portal while it is sending.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.servers import free_port

# aiosmtpd logs every SMTP command line, addresses included, at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)

WEBHOOK_SECRET = "test-webhook-secret-" + "9" * 12
SITE_URL = "https://xinyu.example.edu.cn"
BUREAU_EMAIL = "office@bureau.example.org"


def wait_for(check: Callable[[], Any], timeout: float = 10.0, step: float = 0.05) -> Any:
    """Poll until `check()` is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(step)
    raise AssertionError(f"not true within {timeout} s: {check}")


@dataclass
class MailHandler:
    """aiosmtpd handler: keep each accepted message, or refuse / hold as told."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: int | None = None
    hold: bool = False
    data_seen: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    attempts: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.attempts += 1
        if self.refuse is not None:
            return f"{self.refuse} {'4.3.0 try later' if self.refuse < 500 else '5.7.1 refused'}"
        if self.hold:
            self.data_seen.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 held, then dropped"
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


class MailServer:
    def __init__(self) -> None:
        self.handler = MailHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.handler.released.set()
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def settings(self) -> dict[str, Any]:
        return {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_tls": "none",
                "smtp_from": "心育驿站 <noreply@xinyu.example.edu.cn>"}


@dataclass
class Hook:
    """What the webhook received: the body's bytes and its signature header."""

    body: bytes
    signature: str

    @property
    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document

    def verifies(self, secret: str = WEBHOOK_SECRET) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.signature)


class WebhookServer:
    """A local HTTP receiver; `status` is what it answers (200 by default)."""

    def __init__(self) -> None:
        self.received: list[Hook] = []
        self.status = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                owner.received.append(Hook(self.rfile.read(length),
                                           self.headers.get("X-Portal-Signature", "")))
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test log must not carry what the portal sent."""

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/notices"

    def settings(self) -> dict[str, Any]:
        return {"webhook_url": self.url, "webhook_secret": WEBHOOK_SECRET}

    def events(self, event: str) -> list[Hook]:
        return [h for h in self.received if h.json["event"] == event]


def receivers() -> Iterator[tuple[MailServer, WebhookServer]]:
    with MailServer() as mail, WebhookServer() as hook:
        yield mail, hook
