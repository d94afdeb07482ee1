"""报名: registering ahead for a session, the waitlist, and moving it up when a seat frees.

A session opens registration with `registration: {capacity, deadline, required}`. Seats are
given in arrival order inside one transaction, so the last seat goes to exactly one teacher;
beyond capacity a teacher is waitlisted with a position, and the first on the waitlist is
promoted (and notified) when a registered teacher cancels or staff add seats. A teacher cancels
from her receipt: its link carries a per-registration token of which only a hash is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from forms_api import clock
from forms_api.errors import ApiError
from forms_api.notices.outbox import Recipient, enqueue
from forms_api.schools.links import resolve
from forms_api.storage import Database, new_id
from forms_api.trainings.forms import Registration
from forms_api.trainings.records import REGISTRATIONS, SESSIONS, cancelled, registrations_of
from forms_api.web.context import Portal
from forms_api.web.submit import Outcome

NOT_FOUND = "找不到这条报名记录，请核对回执中的链接。"
SCHEDULE = "/training/schedule/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def receipt_link(record_id: str, token: str) -> str:
    return f"/thanks/register/?id={record_id}&t={token}"


def position(db: Database, record: dict[str, Any]) -> int | None:
    """Where a waitlisted registration stands (1 is next); None for the others."""
    if record["status"] != "waitlisted":
        return None
    waiting = [r for r in registrations_of(db, record["session_id"]) if r["status"] == "waitlisted"]
    return next(n for n, r in enumerate(waiting, 1) if r["id"] == record["id"])


def answer(db: Database, record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": record["id"], "session_id": record["session_id"],
                           "status": record["status"]}
    place = position(db, record)
    if place is not None:
        out["position"] = place
    return out


def _when(session: dict[str, Any]) -> str:
    starts, ends = clock.parse_iso(session["starts_at"]), clock.parse_iso(session["ends_at"])
    return f"{clock.show_span(starts, ends)}，{session['location']}"


def _notify(db: Database, event: str, record: dict[str, Any], session: dict[str, Any],
            subject: str, line: str) -> None:
    # Teachers are adults: the notice goes to the phone she gave.
    to = Recipient("teacher", record["name"], record["phone"])
    text = f"{record['name']}老师：{line}培训：{session['title']}（{_when(session)}）。"
    enqueue(db, event, to, f"{subject}：{session['title']}", text,
            f"/training/register/?session={session['id']}")


def open_problem(session: dict[str, Any]) -> str | None:
    """Why registration is closed now, in Chinese; None while it is open."""
    rule = session.get("registration")
    if not rule:
        return "这场培训不需要报名，培训当天到现场扫码签到即可。"
    if cancelled(session):
        return "这场培训已取消，不再接受报名。"
    now = clock.now()
    if now > clock.parse_iso(rule["deadline"]) or now >= clock.parse_iso(session["starts_at"]):
        return "这场培训的报名已截止。"
    return None


def register(p: Portal, session_id: str, form: Registration, key: str | None) -> Outcome:
    """One registration per phone per session; a seat while there is one, else the waitlist."""
    db = p.db
    with db.transaction():
        session = db.table(SESSIONS).get_id(session_id)
        if session is None:
            raise ApiError(404, message="找不到这场培训。")
        problem = open_problem(session)
        if problem is not None:
            raise ApiError(409, "registration_closed", problem)
        table = db.table(REGISTRATIONS)
        mine = [r for r in table.find(session_id=session_id, phone=form.phone)
                if r["status"] != "cancelled"]
        if mine:
            return 200, answer(db, mine[0]), f"/thanks/register/?id={mine[0]['id']}"
        seats = int(session["registration"]["capacity"])
        taken = table.count(session_id=session_id, status="registered")
        status = "registered" if taken < seats else "waitlisted"
        token = secrets.token_urlsafe(24)
        school, school_id = resolve(db, form.school_id, form.school)
        form = form.model_copy(update={"school": school, "school_id": school_id})
        record = {"id": new_id(), "session_id": session_id, **form.model_dump(),
                  "notice_version": p.notice_version, "status": status,
                  "token_hash": _hash(token), "created_at": clock.iso(clock.now()),
                  "submission": key}
        table.insert(record)
        if status == "registered":
            _notify(db, "registration.confirmed", record, session, "培训报名成功",
                    "您已报名成功，签到时请使用报名的手机号。")
        else:
            place = position(db, record)
            _notify(db, "registration.waitlisted", record, session, "培训报名候补",
                    f"名额已满，您在候补名单第 {place} 位；有人取消时按顺序递补并通知您。")
        out = {**answer(db, record), "cancel": receipt_link(record["id"], token)}
    return 201, out, receipt_link(record["id"], token)


def holder(db: Database, record_id: str, token: str) -> dict[str, Any] | None:
    """The registration the receipt's token opens; None for a wrong id or token alike."""
    record = db.table(REGISTRATIONS).get_id(record_id)
    if record is None or not hmac.compare_digest(record["token_hash"], _hash(token)):
        return None
    return record


def cancel(db: Database, record_id: str, token: str) -> dict[str, Any]:
    """The teacher cancels from her receipt; a freed seat goes to the first on the waitlist."""
    with db.transaction():
        record = holder(db, record_id, token)
        if record is None:
            raise ApiError(404, message=NOT_FOUND)
        if record["status"] != "cancelled":
            freed = record["status"] == "registered"
            record = db.table(REGISTRATIONS).update_id(
                record_id, {"status": "cancelled", "cancelled_at": clock.iso(clock.now())}) or record
            session = db.table(SESSIONS).get_id(record["session_id"])
            if freed and session is not None:
                promote(db, session)
        return answer(db, record)


def promote(db: Database, session: dict[str, Any]) -> int:
    """Fill free seats from the waitlist, first come first; call inside a transaction."""
    rule = session.get("registration")
    if not rule or cancelled(session):
        return 0
    every = registrations_of(db, session["id"])
    free = int(rule["capacity"]) - sum(r["status"] == "registered" for r in every)
    moved = 0
    for record in (r for r in every if r["status"] == "waitlisted"):
        if moved >= free:
            break
        promoted = db.table(REGISTRATIONS).update_id(
            record["id"], {"status": "registered", "promoted_at": clock.iso(clock.now())})
        assert promoted is not None
        _notify(db, "registration.promoted", promoted, session, "候补转为正式报名",
                "有名额空出，您已由候补转为正式报名，签到时请使用报名的手机号。")
        moved += 1
    return moved


def notify_all(db: Database, session: dict[str, Any], event: str, subject: str,
               line: str) -> int:
    """Tell every teacher still registered or waitlisted (a cancelled or moved session)."""
    sent = 0
    for record in registrations_of(db, session["id"]):
        if record["status"] != "cancelled":
            _notify(db, event, record, session, subject, line)
            sent += 1
    return sent


def seat_holders(db: Database, session_id: str) -> set[str]:
    """The phones holding a seat (not the waitlist)."""
    return {r["phone"] for r in db.table(REGISTRATIONS).find(session_id=session_id,
                                                             status="registered")}
