"""The channels a notice goes out on, and the interface a new one (an SMS adapter) implements.

A channel is told one `Message` at a time and either returns (delivered) or raises
`ChannelError`: `permanent=True` when trying again cannot help (a refused address, a 4xx
answer), otherwise the sender tries again later. `idempotent` says whether the receiver
dedupes by the notice id: e-mail (`Message-ID: <id@portal>`) and the webhook (body `id`) do,
so an attempt whose outcome a crash left unknown may be repeated; an SMS provider such as
Aliyun's SendSms does not, so such an attempt is marked failed for a person to check instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from forms_api.notices.outbox import Recipient


@dataclass(frozen=True)
class Message:
    """One notice as it is sent: the link is absolute (a personal link already minted)."""

    id: str
    event: str
    to: Recipient
    subject: str
    text: str
    link: str | None

    def body(self) -> str:
        """The plain text people read: the notice, then the link on a line of its own."""
        return self.text if not self.link else f"{self.text}\n\n{self.link}"


class ChannelError(Exception):
    """A delivery that did not happen; `permanent` when a retry cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    """What the sender needs of a channel (e-mail, webhook, a future SMS adapter)."""

    @property
    def name(self) -> str:
        """Short code stored with each attempt (`email`, `webhook`, `sms`)."""
        ...

    @property
    def idempotent(self) -> bool:
        """Whether the receiver treats a repeated notice id as one notice."""
        ...

    def reaches(self, to: Recipient) -> bool:
        """Whether this channel can deliver to the recipient at all (an address, a phone)."""
        ...

    async def send(self, message: Message) -> None:
        """Deliver the message or raise `ChannelError`."""
        ...
