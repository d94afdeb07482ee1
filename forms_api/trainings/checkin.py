"""What happens when a teacher checks in: one record per phone per session, under one lock.

The window (60 minutes before the start until the end), the code and the capacity are judged
inside the same transaction that inserts the record, so two phones racing for the last place
cannot both get it, and a retried POST of the same phone answers with the first record.

A check-in queued on the phone while offline carries a `nonce` and `made_at`: a repeated nonce
answers the first result; the window and the code are judged at `made_at` (not before the page
could have been open, never after arrival), accepted up to `late_checkin_hours` after the
session, and the earliest check-in per person wins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.errors import ApiError
from forms_api.schools.links import resolve
from forms_api.storage import Database, new_id
from forms_api.trainings import codes
from forms_api.trainings.forms import Attendance
from forms_api.trainings.records import (
    ATTENDANCE,
    REGISTRATIONS,
    SESSIONS,
    cancelled,
    public_attendance,
    window,
)
from forms_api.web import personal
from forms_api.web.context import Portal
from forms_api.web.submit import Outcome

CONSENT_NEEDED = "请勾选同意《个人信息保护说明》后再签到。"
WRONG_CODE = "签到码不正确，请核对现场公布的签到码。"
EXPIRED = "签到码已过期，请扫描现场正在投影的二维码，或输入屏幕上的最新签到码。"
#: A check-in that reaches the server this long after it was made counts as sent late.
LATE_AFTER = dt.timedelta(seconds=60)


def thanks(record_id: str) -> str:
    return f"/thanks/attend/?id={record_id}"


def moment(made_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When the check-in happened: the phone's time if earlier than arrival, else arrival."""
    return now if made_at is None or made_at > now else made_at


def judge_code(session: dict[str, Any], code: str, at: dt.datetime,
               purpose: codes.Purpose = "checkin") -> None:
    verdict = codes.judge(session, code, at, purpose)
    label = "签到码" if purpose == "checkin" else "签退码"
    if verdict == "expired":
        raise ApiError(403, "code_expired", EXPIRED.replace("签到码", label),
                       fields={"code": f"{label}已过期，请使用屏幕上的最新{label}"})
    if verdict == "wrong":
        raise ApiError(403, "wrong_code", WRONG_CODE.replace("签到码", label),
                       fields={"code": f"{label}不正确，请核对现场公布的{label}"})


def judge_window(p: Portal, session: dict[str, Any], at: dt.datetime, now: dt.datetime) -> None:
    if cancelled(session):
        raise ApiError(409, "checkin_closed", "这场培训已取消，不再签到。")
    opens, closes = window(session)
    if not opens <= at <= closes:
        when = "尚未开始（开始前 60 分钟开放）" if at < opens else "已经结束"
        raise ApiError(409, "checkin_closed", f"这场培训的签到{when}。")
    if now > closes + dt.timedelta(hours=p.settings.late_checkin_hours):
        raise ApiError(409, "checkin_closed",
                       "这条离线签到提交得太晚（超过培训结束后的补交时限），请联系培训组织者。")


def _seat(db: Database, session: dict[str, Any], phone: str) -> None:
    """Registration rules: only seat holders when required; walk-ins never take their seats."""
    rule = session.get("registration") or {}
    session_id = session["id"]
    holders = {r["phone"] for r in db.table(REGISTRATIONS).find(session_id=session_id,
                                                                status="registered")}
    if rule.get("required") and phone not in holders:
        raise ApiError(409, "not_registered",
                       "这场培训只接受已报名的教师签到（以报名手机号为准）。如已报名，请核对手机号；"
                       "候补未递补的，请联系现场工作人员。")
    attendance = db.table(ATTENDANCE)
    count = attendance.count(session_id=session_id)
    if phone not in holders and holders:
        arrived = {r["phone"] for r in attendance.find(session_id=session_id)}
        count += len(holders - arrived)  # seats kept for registered teachers still on the way
    if count >= int(session["capacity"]):
        raise ApiError(409, "session_full", "这场培训的签到名额已满，请联系现场工作人员。")


def own_page(db: Database, phone: str) -> str:
    """The teacher's key (her first check-in's id, `hours.Teacher.key`), with a live link kept
    so the receipt's session cookie opens her own record (call in the check-in's transaction)."""
    first = min(db.table(ATTENDANCE).find(phone=phone),
                key=lambda r: (r["checked_in_at"], r["id"]))
    personal.ensure(db, "teacher", first["id"])
    return str(first["id"])


def check_in(p: Portal, session_id: str, form: Attendance, key: str | None,
             teacher: list[str] | None = None) -> Outcome:
    """One record per phone per session; window, code and capacity checked under one lock.

    A successful check-in appends the teacher's key to `teacher` (see `own_page`).
    """
    with p.db.transaction():
        outcome = _check_in(p, session_id, form, key)
        record = p.db.table(ATTENDANCE).get_id(outcome[1]["id"])
        if teacher is not None and record is not None:
            teacher.append(own_page(p.db, record["phone"]))
    return outcome


def _check_in(p: Portal, session_id: str, form: Attendance, key: str | None) -> Outcome:
    db = p.db
    if key is not None and not form.consent:
        # Came from the page, where agreeing to the notice is required.
        raise ApiError(422, message=CONSENT_NEEDED,
                       fields={"consent": "请阅读《个人信息保护说明》并勾选同意后再提交"})
    with db.transaction():
        session = db.table(SESSIONS).get_id(session_id)
        if session is None:
            raise ApiError(404, message="找不到这场培训，请重新扫描现场的二维码。")
        attendance = db.table(ATTENDANCE)
        if form.nonce is not None:
            first = attendance.find(nonce=form.nonce)
            if first and first[0]["session_id"] == session_id:
                return 200, public_attendance(first[0]), thanks(first[0]["id"])
        now = clock.now()
        at = moment(form.made_at, now)
        late = now - at > LATE_AFTER
        if cancelled(session):
            judge_window(p, session, at, now)
        judge_code(session, form.code, at)
        existing = attendance.find(session_id=session_id, phone=form.phone)
        if existing:
            record = existing[0]
            if at < clock.parse_iso(record["checked_in_at"]):
                judge_window(p, session, at, now)
                # The earliest check-in per person wins (a queued one may arrive second).
                record = attendance.update_id(record["id"], {
                    "checked_in_at": clock.iso(at), "late": late, "nonce": form.nonce,
                    "received_at": clock.iso(now)}) or record
            return 200, public_attendance(record), thanks(record["id"])
        judge_window(p, session, at, now)
        _seat(db, session, form.phone)
        school, school_id = resolve(db, form.school_id, form.school, form.district)
        form = form.model_copy(update={"school": school, "school_id": school_id})
        record = {"id": new_id(), "session_id": session_id,
                  **form.model_dump(exclude={"code", "made_at"}),
                  "notice_version": p.notice_version, "checked_in_at": clock.iso(at),
                  "submission": key, "source": "phone"}
        if late:
            record.update(late=True, received_at=clock.iso(now))
        attendance.insert(record)
    return 201, public_attendance(record, at), thanks(record["id"])


def pretend(session_id: str, form: Attendance) -> Outcome:
    """The answer a bot gets (honeypot, too fast): shaped like a success, stored nowhere."""
    record = {"id": new_id(), "session_id": session_id, "name": form.name,
              "checked_in_at": clock.iso(clock.now())}
    return 201, public_attendance(record), thanks(record["id"])
