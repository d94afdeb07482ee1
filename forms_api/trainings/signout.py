"""签退: a second code shown at the end of a session that requires it.

Signing out is open from the start until an hour after the end (a queued sign-out is judged
at its `made_at`, within the late limit); the latest sign-out of a teacher is kept, so one made
by mistake at the break does not cost her the afternoon.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.errors import ApiError
from forms_api.trainings.checkin import judge_code, moment
from forms_api.trainings.forms import SignOut
from forms_api.trainings.records import ATTENDANCE, SESSIONS, cancelled, public_attendance
from forms_api.web.context import Portal
from forms_api.web.submit import Outcome

CLOSES_AFTER = dt.timedelta(hours=1)


def window(session: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """From the start until an hour after the end."""
    return clock.parse_iso(session["starts_at"]), clock.parse_iso(session["ends_at"]) + CLOSES_AFTER


def receipt(record: dict[str, Any]) -> str:
    return f"已签退 {clock.show_time(clock.parse_iso(record['signed_out_at']))}"


def thanks(record_id: str) -> str:
    return f"/thanks/attend/?id={record_id}"


def sign_out(p: Portal, session_id: str, form: SignOut, key: str | None) -> Outcome:
    db = p.db
    with db.transaction():
        session = db.table(SESSIONS).get_id(session_id)
        if session is None:
            raise ApiError(404, message="找不到这场培训。")
        if cancelled(session) or not session.get("sign_out"):
            raise ApiError(409, "signout_closed", "这场培训不需要签退。" if not cancelled(session)
                           else "这场培训已取消。")
        attendance = db.table(ATTENDANCE)
        if form.nonce is not None:
            first = [r for r in attendance.find(session_id=session_id)
                     if r.get("signout_nonce") == form.nonce]
            if first:
                return 200, _answer(first[0]), thanks(first[0]["id"])
        now = clock.now()
        at = moment(form.made_at, now)
        judge_code(session, form.code, at, "signout")
        opens, closes = window(session)
        late_limit = closes + dt.timedelta(hours=p.settings.late_checkin_hours)
        if not opens <= at <= closes or now > late_limit:
            raise ApiError(409, "signout_closed",
                           f"签退时间为 {clock.show_time(opens)} 至 {clock.show_time(closes)}。")
        found = attendance.find(session_id=session_id, phone=form.phone)
        if not found:
            raise ApiError(404, message="没有找到这个手机号在本场培训的签到记录，请核对手机号或联系现场工作人员。",
                           fields={"phone": "没有这个手机号的签到记录"})
        record = found[0]
        if record.get("signed_out_at") and clock.parse_iso(record["signed_out_at"]) >= at:
            return 200, _answer(record), thanks(record["id"])
        if at < clock.parse_iso(record["checked_in_at"]):
            raise ApiError(409, "signout_closed", "签退时间早于签到时间，请在培训结束时签退。")
        record = attendance.update_id(record["id"], {
            "signed_out_at": clock.iso(at), "signout_nonce": form.nonce}) or record
    return 200, _answer(record), thanks(record["id"])


def _answer(record: dict[str, Any]) -> dict[str, Any]:
    return {**public_attendance(record), "receipt": receipt(record)}


def pretend(session_id: str, form: SignOut) -> Outcome:
    now = clock.iso(clock.now())
    record = {"id": "x", "session_id": session_id, "name": "", "checked_in_at": now,
              "signed_out_at": now}
    return 200, _answer(record), thanks("x")
