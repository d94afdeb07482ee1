"""What happens when a teacher checks in: one record per phone per session, under one lock.

The window (60 minutes before the start until the end), the code and the capacity are judged
inside the same transaction that inserts the record, so two phones racing for the last place
cannot both get it, and a retried POST of the same phone answers with the first record.
"""

from __future__ import annotations

import hmac

from forms_api import clock
from forms_api.errors import ApiError
from forms_api.storage import new_id
from forms_api.trainings.forms import Attendance
from forms_api.trainings.records import ATTENDANCE, SESSIONS, public_attendance, window
from forms_api.web.context import Portal
from forms_api.web.submit import Outcome

CONSENT_NEEDED = "请勾选同意《个人信息保护说明》后再签到。"


def thanks(record_id: str) -> str:
    return f"/thanks/attend/?id={record_id}"


def check_in(p: Portal, session_id: str, form: Attendance, key: str | None) -> Outcome:
    """One record per phone per session; window, code and capacity checked under one lock."""
    db = p.db
    if key is not None and not form.consent:
        # Came from the page, where agreeing to the notice is required.
        raise ApiError(422, message=CONSENT_NEEDED,
                       fields={"consent": "请阅读《个人信息保护说明》并勾选同意后再提交"})
    with db.transaction():
        session = db.table(SESSIONS).get_id(session_id)
        if session is None:
            raise ApiError(404, message="找不到这场培训，请重新扫描现场的二维码。")
        if not hmac.compare_digest(form.code.encode(), str(session["code"]).encode()):
            raise ApiError(403, "wrong_code", "签到码不正确，请核对现场公布的签到码。",
                           fields={"code": "签到码不正确，请核对现场公布的签到码"})
        attendance = db.table(ATTENDANCE)
        existing = attendance.find(session_id=session_id, phone=form.phone)
        if existing:
            record = existing[0]
            return 200, public_attendance(record), thanks(record["id"])
        now = clock.now()
        opens, closes = window(session)
        if not opens <= now <= closes:
            when = "尚未开始（开始前 60 分钟开放）" if now < opens else "已经结束"
            raise ApiError(409, "checkin_closed", f"这场培训的签到{when}。")
        if attendance.count(session_id=session_id) >= int(session["capacity"]):
            raise ApiError(409, "session_full", "这场培训的签到名额已满，请联系现场工作人员。")
        record = {"id": new_id(), "session_id": session_id, **form.model_dump(exclude={"code"}),
                  "notice_version": p.notice_version, "checked_in_at": clock.iso(now),
                  "submission": key}
        attendance.insert(record)
    return 201, public_attendance(record, now), thanks(record["id"])


def pretend(session_id: str, form: Attendance) -> Outcome:
    """The answer a bot gets (honeypot, too fast): shaped like a success, stored nowhere."""
    record = {"id": new_id(), "session_id": session_id, "name": form.name,
              "checked_in_at": clock.iso(clock.now())}
    return 201, public_attendance(record), thanks(record["id"])
