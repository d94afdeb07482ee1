"""The webhook channel: each notice as signed JSON, for the bureau's SMS gateway or 政务微信.

`POST` of `{"id", "event", "to": {"phone", "email"}, "text", "link"}` with
`X-Portal-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>` keyed with
`PORTAL_WEBHOOK_SECRET`. A 2xx answer is delivery; 408, 429 and 5xx (and a lost connection)
are tried again; any other answer is permanent. `to.phone` is a mobile number or null (a
landline cannot take a text message). The receiver dedupes by `id`: after a crash
the same notice may arrive twice. httpx is the client because the project's tests use it
already and it is async.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import httpx

from forms_api.notices.channels import ChannelError, Message
from forms_api.notices.outbox import Recipient
from forms_api.settings import Settings

HEADER = "X-Portal-Signature"
TIMEOUT_SECONDS = 30.0
RETRIED = (408, 425, 429)


def body_of(message: Message) -> bytes:
    """The exact bytes that are signed and sent."""
    document = {"id": message.id, "event": message.event,
                "to": {"phone": message.to.mobile, "email": message.to.email},
                "text": message.text, "link": message.link}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookChannel:
    url: str
    secret: str
    timeout: float = TIMEOUT_SECONDS
    name: str = "webhook"
    idempotent: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookChannel | None:
        if not settings.webhook_url or not settings.webhook_secret:
            return None
        return cls(settings.webhook_url, settings.webhook_secret)

    def reaches(self, to: Recipient) -> bool:
        return bool(to.mobile or to.email)

    async def send(self, message: Message) -> None:
        body = body_of(message)
        headers = {"Content-Type": "application/json; charset=utf-8",
                   HEADER: signature(self.secret, body)}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                answer = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"连接接收地址失败（{type(exc).__name__}）") from None
        if 200 <= answer.status_code < 300:
            return
        code = answer.status_code
        raise ChannelError(f"接收地址答复 {code}",
                           permanent=code < 500 and code not in RETRIED)
