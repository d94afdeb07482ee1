"""The sender: a background job that delivers waiting notices, at most once per channel.

Each round claims, in one transaction, every due (notice, channel) pair: the channel's state
becomes `sending` with the attempt's time and this process's run id, and only then is the
message sent, outside the transaction. Its outcome is written in a second transaction:
`sent`, `retry` (with exponential back-off: 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 6 h) or
`failed` (a permanent refusal, or the last of `MAX_ATTEMPTS`). A `sending` state left by an
earlier process (a crash) or older than `SENDING_TIMEOUT` has an unknown outcome: an idempotent
channel (the receiver dedupes by the notice id) tries again; any other is marked failed for a
person to check, so a non-idempotent SMS is never sent twice.

A personal link is minted in the claiming transaction, once per round and shared by the
channels claimed in it; the token lives only in memory until sent. (A later retry on another
channel mints anew, and the newer link supersedes the earlier one.) A notice that fails on
every channel tells the bureau's mailbox. The log holds notice ids and events, never an
address, a phone, the text or the link.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from forms_api import clock
from forms_api.notices.channels import Channel, ChannelError, Message
from forms_api.notices.outbox import EVENTS, OUTBOX, Recipient, bureau, enqueue
from forms_api.notices.smtp import SmtpChannel
from forms_api.notices.webhook import WebhookChannel
from forms_api.settings import Settings
from forms_api.storage import Database, new_id
from forms_api.web import personal
from forms_api.web.context import Portal

log = logging.getLogger(__name__)

#: Seconds before the 2nd, 3rd, … attempt on a channel.
BACKOFF: tuple[float, ...] = (60, 300, 900, 1800, 3600, 7200, 21600)
MAX_ATTEMPTS = len(BACKOFF) + 1
#: A `sending` claim older than this lost its sender (a send itself times out much sooner).
SENDING_TIMEOUT = dt.timedelta(minutes=10)
SEND_TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 1.0
LOG_LIMIT = 30
UNKNOWN = "发送中服务中断，结果未知；此渠道不能重复发送，请人工核实对方是否已收到。"
TERMINAL = ("sent", "failed")


def configured(settings: Settings) -> tuple[Channel, ...]:
    """The channels the settings turn on (none: notices wait for staff)."""
    found: list[Channel] = []
    if (mail := SmtpChannel.from_settings(settings)) is not None:
        found.append(mail)
    if (hook := WebhookChannel.from_settings(settings)) is not None:
        found.append(hook)
    elif settings.webhook_url:
        log.warning("PORTAL_WEBHOOK_URL is set without PORTAL_WEBHOOK_SECRET: webhook off")
    return tuple(found)


def _now() -> dt.datetime:
    return dt.datetime.now(clock.TZ)


@dataclass(frozen=True)
class Claim:
    """One channel attempt of one notice, claimed before it is made."""

    notice_id: str
    channel: Channel
    message: Message


class Sender:
    """Claims, sends and records; `tick()` is one round (the job loops over it)."""

    def __init__(self, db: Database, channels: Sequence[Channel], *, site_url: str | None,
                 bureau_to: Recipient | None = None, now: Callable[[], dt.datetime] = _now,
                 backoff: Sequence[float] = BACKOFF) -> None:
        self.db = db
        self.channels = tuple(channels)
        self.site_url = site_url
        self.bureau_to = bureau_to
        self.now = now
        self.backoff = tuple(backoff)
        self.max_attempts = len(self.backoff) + 1
        self.run = new_id()  # claims of an earlier process carry another run id

    async def tick(self) -> int:
        """Deliver every due notice once; return how many channel attempts were made."""
        claims = await self.db.run(self.claim)
        await asyncio.gather(*(self._attempt(c) for c in claims))
        return len(claims)

    async def _attempt(self, claim: Claim) -> None:
        error: ChannelError | None = None
        try:
            await asyncio.wait_for(claim.channel.send(claim.message), SEND_TIMEOUT_SECONDS)
        except ChannelError as exc:
            error = exc
        except TimeoutError:
            error = ChannelError("发送超时")
        await self.db.run(self.record, claim, error)
        outcome = "sent" if error is None else ("failed" if error.permanent else "error")
        log.info("notice %s", outcome, extra={"fields": {
            "event": f"notice.{outcome}", "notice": claim.notice_id,
            "kind": claim.message.event, "channel": claim.channel.name}})

    # -- inside transactions

    def _applicable(self, to: Recipient) -> list[Channel]:
        return [c for c in self.channels if c.reaches(to)]

    def _stale(self, state: dict[str, Any], now: dt.datetime) -> bool:
        return (state.get("run") != self.run
                or clock.parse_iso(state["at"]) + SENDING_TIMEOUT <= now)

    def _due(self, notice: dict[str, Any], now: dt.datetime) -> bool:
        if clock.parse_iso(notice["next_attempt_at"]) <= now:
            return True
        return any(s.get("status") == "sending" and s.get("run") != self.run
                   for s in notice["channels"].values())

    def claim(self) -> list[Claim]:
        """Mark every due channel attempt `sending` (call in a transaction)."""
        now, table, claims = self.now(), self.db.table(OUTBOX), []
        for notice in table.find(status="waiting"):
            if not self._due(notice, now):
                continue
            to = Recipient(**notice["to"])
            states: dict[str, dict[str, Any]] = dict(notice["channels"])
            entries: list[dict[str, Any]] = []
            chosen: list[Channel] = []
            for channel in self._applicable(to):
                state = states.get(channel.name)
                if state is None or (state["status"] == "retry"
                                     and clock.parse_iso(state["next_at"]) <= now):
                    chosen.append(channel)
                elif state["status"] == "sending" and self._stale(state, now):
                    if channel.idempotent:
                        entries.append(_entry(channel.name, now, "unknown", "结果未知，重新发送"))
                        chosen.append(channel)
                    else:
                        states[channel.name] = {**state, "status": "failed", "error": UNKNOWN,
                                                "at": clock.iso(now)}
                        entries.append(_entry(channel.name, now, "failed", UNKNOWN))
            if not chosen and not entries:
                continue
            link = self._link(notice) if chosen else None
            for channel in chosen:
                prior = states.get(channel.name) or {}
                states[channel.name] = {"status": "sending", "at": clock.iso(now),
                                        "attempts": int(prior.get("attempts", 0)) + 1,
                                        "run": self.run}
                claims.append(Claim(notice["id"], channel, Message(
                    notice["id"], notice["event"], to, notice["subject"], notice["text"], link)))
            changes = {"channels": states, "attempts": notice["attempts"] + len(chosen),
                       "log": (notice.get("log") or [])[-LOG_LIMIT:] + entries}
            self._save(notice, changes, now)
        return claims

    def record(self, claim: Claim, error: ChannelError | None) -> None:
        """Write one attempt's outcome (call in a transaction)."""
        table = self.db.table(OUTBOX)
        notice = table.get_id(claim.notice_id)
        name = claim.channel.name
        if notice is None:  # deleted meanwhile (a privacy request)
            return
        state = dict(notice["channels"].get(name) or {})
        if state.get("status") != "sending" or state.get("run") != self.run:
            return
        now = self.now()
        state["at"] = clock.iso(now)
        state.pop("next_at", None)
        changes: dict[str, Any] = {}
        if error is None:
            state.update(status="sent", error=None)
            entry = _entry(name, now, "sent")
        elif error.permanent or state["attempts"] >= self.max_attempts:
            state.update(status="failed", error=str(error))
            entry = _entry(name, now, "failed", str(error))
        else:
            wait = self.backoff[min(state["attempts"], len(self.backoff)) - 1]
            state.update(status="retry", error=str(error),
                         next_at=clock.iso(now + dt.timedelta(seconds=wait)))
            entry = _entry(name, now, "retry", str(error))
        changes["channels"] = {**notice["channels"], name: state}
        changes["log"] = (notice.get("log") or [])[-LOG_LIMIT:] + [entry]
        self._save(notice, changes, now)

    def _save(self, notice: dict[str, Any], changes: dict[str, Any], now: dt.datetime) -> None:
        """Store the changes with the notice's resulting status; a failure tells the bureau."""
        merged = {**notice, **changes}
        if notice["status"] == "waiting":
            changes.update(self._settle(merged, now))
        self.db.table(OUTBOX).update_id(notice["id"], changes)
        if changes.get("status") == "failed":
            self._tell_bureau(merged)

    def _settle(self, notice: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        states = notice["channels"]
        names = [c.name for c in self._applicable(Recipient(**notice["to"]))]
        if not names:
            return {}
        current = [states.get(n) or {} for n in names]
        if all(s.get("status") in TERMINAL for s in current):
            sent = sorted(s["at"] for s in current if s["status"] == "sent")
            if sent:
                return {"status": "sent", "sent_at": sent[0]}
            return {"status": "failed"}
        upcoming = []
        for s in current:
            if s.get("status") == "retry":
                upcoming.append(clock.parse_iso(s["next_at"]))
            elif s.get("status") == "sending":
                upcoming.append(clock.parse_iso(s["at"]) + SENDING_TIMEOUT)
            elif not s:
                upcoming.append(now)
        return {"next_attempt_at": clock.iso(min(upcoming) if upcoming else now)}

    def _tell_bureau(self, notice: dict[str, Any]) -> None:
        if notice["to"].get("role") == "bureau" or self.bureau_to is None:
            return  # never a notice about a notice to the bureau: that could loop
        if not self.bureau_to.email:
            return
        errors = "；".join(f"{k}：{v.get('error')}" for k, v in notice["channels"].items()
                          if v.get("status") == "failed")
        label = EVENTS.get(notice["event"], notice["event"])
        enqueue(self.db, "notice.failed", self.bureau_to, "【心育驿站】一条通知发送失败",
                f"通知“{label}”（编号 {notice['id']}）多次发送未成功（{errors}）。"
                "请在管理后台“通知”页面查看，并电话或当面告知对方。",
                "/admin/outbox/?status=failed")

    def _link(self, notice: dict[str, Any]) -> str | None:
        """The notice's link as sent: absolute, a personal one freshly minted."""
        link = notice.get("link")
        if not link or not self.site_url:
            return None
        if isinstance(link, dict):
            target = link.get("personal") or {}
            token = personal.mint(self.db, target["kind"], target["id"])
            return f"{self.site_url}/me/?t={token}"
        return f"{self.site_url}{link}" if str(link).startswith("/") else str(link)


def _entry(channel: str, now: dt.datetime, outcome: str, error: str | None = None
           ) -> dict[str, Any]:
    return {"channel": channel, "at": clock.iso(now), "outcome": outcome, "error": error}


async def deliver(p: Portal) -> None:
    """The job: deliver notices for as long as the app runs; no channel, nothing to do."""
    channels = configured(p.settings)
    if not channels:
        log.info("no notice channel configured: notices wait for staff to pass them on")
        return
    sender = Sender(p.db, channels, site_url=p.settings.site_url, bureau_to=bureau(p.settings))
    while True:
        try:
            await sender.tick()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the notice sender's round failed; trying again")
        await asyncio.sleep(POLL_SECONDS)
