"""The e-mail channel: one plain-text message per notice over SMTP, with aiosmtplib.

aiosmtplib is the maintained asyncio SMTP client (STARTTLS, implicit TLS, AUTH), so a slow
mail server never blocks the event loop. The `Message-ID` is `<notice-id@portal>`, so a
notice repeated after a crash is one message to mail systems that dedupe and to the bureau's
own checks. A 5xx answer is permanent; a 4xx answer or a lost connection is tried again.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from forms_api.notices.channels import ChannelError, Message
from forms_api.notices.outbox import Recipient
from forms_api.settings import Settings

FOOTER = "（本邮件由心育驿站自动发送，请勿直接回复。）"
TIMEOUT_SECONDS = 60.0


def message_id(notice_id: str) -> str:
    return f"<{notice_id}@portal>"


@dataclass(frozen=True)
class SmtpChannel:
    host: str
    port: int
    tls: str  # starttls | tls | none
    sender: str
    user: str | None = None
    password: str | None = None
    timeout: float = TIMEOUT_SECONDS
    name: str = "email"
    idempotent: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpChannel | None:
        if not settings.smtp_host:
            return None
        sender = settings.smtp_from or settings.smtp_user or "portal@localhost"
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_tls, sender,
                   settings.smtp_user, settings.smtp_password)

    def reaches(self, to: Recipient) -> bool:
        return bool(to.email)

    def compose(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = str(message.to.email)
        mail["Subject"] = message.subject
        mail["Message-ID"] = message_id(message.id)
        mail["Date"] = formatdate(localtime=True)
        mail.set_content(f"{message.body()}\n\n{FOOTER}\n", charset="utf-8")
        return mail

    async def send(self, message: Message) -> None:
        if not message.to.email:
            raise ChannelError("收件人没有电子邮箱", permanent=True)
        try:
            await aiosmtplib.send(
                self.compose(message), hostname=self.host, port=self.port,
                username=self.user, password=self.password, timeout=self.timeout,
                use_tls=self.tls == "tls", start_tls=self.tls == "starttls")
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise ChannelError(f"邮件服务器拒收收件人（{'、'.join(map(str, codes))}）",
                               permanent=all(c >= 500 for c in codes)) from None
        except aiosmtplib.SMTPResponseException as exc:
            # The server's own words may quote the address: keep only its code.
            raise ChannelError(f"邮件服务器答复 {exc.code}", permanent=exc.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise ChannelError(f"连接邮件服务器失败（{type(exc).__name__}）") from None
