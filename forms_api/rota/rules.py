"""Who may hold a hotline seat, and the rota's rules: each refusal is a 409 with its code.

Eligible: an approved volunteer with the `hotline` role and a check-in (same phone) at a
session of the line's training module. The rules: a seat free (`shift_full`), no overlap with
another shift held (`shift_overlap`), the least rest between two shifts (`rest_too_short`),
the weekly cap by each shift's start, Monday to Sunday (`weekly_cap`), and for a volunteer
the sign-up horizon (`beyond_horizon`), a shift not yet started (`shift_started`) and no
block after no-shows (`no_show_blocked`). Call `refusals` inside the transaction that takes
the seat, so that what was checked is what is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api.errors import ApiError
from forms_api.rota.records import HOTLINES, blocked, hours_of, of_volunteer, span, week_start
from forms_api.settings import Settings
from forms_api.storage import Database
from forms_api.trainings.records import ATTENDANCE, SESSIONS
from forms_api.volunteers.records import VOLUNTEERS

#: Refusals no override passes.
HARD = ("shift_cancelled", "already_on_shift")


def refusal(code: str, message: str) -> ApiError:
    return ApiError(409, code, message)


def roles_of(volunteer: dict[str, Any]) -> list[str]:
    return list(volunteer.get("roles") or ["visits"])


def trained(db: Database, phone: str, module: str) -> bool:
    """A check-in with this phone at a session of `module`."""
    sessions = db.table(SESSIONS)
    for record in db.table(ATTENDANCE).find(phone=phone):
        session = sessions.get_id(record["session_id"])
        if session is not None and session["module"] == module:
            return True
    return False


def ineligible(db: Database, volunteer_id: str, hotline: dict[str, Any]) -> str | None:
    """Why the volunteer may not take this line's shifts, or None."""
    volunteer = db.table(VOLUNTEERS).get_id(volunteer_id)
    if volunteer is None or volunteer["status"] != "approved":
        return "只有审核通过的志愿者才能热线值班。"
    if "hotline" not in roles_of(volunteer):
        return "报名时没有选择“热线值班”，请联系教育局补选。"
    if not trained(db, volunteer["phone"], hotline["training_module"]):
        return "还没有热线接听培训的签到记录，参加培训并签到后才能值班。"
    return None


def _gap(a: tuple[dt.datetime, dt.datetime], b: tuple[dt.datetime, dt.datetime]) -> dt.timedelta:
    """Time between two spans; negative when they overlap."""
    return max(b[0] - a[1], a[0] - b[1])


def refusals(db: Database, settings: Settings, shift: dict[str, Any], volunteer_id: str,
             now: dt.datetime, *, by_volunteer: bool, replacing: str | None = None
             ) -> list[ApiError]:
    """Every rule the volunteer taking this seat would break, hard ones first."""
    out: list[ApiError] = []
    starts, ends = span(shift)
    if shift["status"] != "open":
        out.append(refusal("shift_cancelled", "这个班次已取消。"))
    if volunteer_id in shift["volunteers"]:
        out.append(refusal("already_on_shift", "已在这个班次中。"))
    if by_volunteer and starts <= now:
        out.append(refusal("shift_started", "这个班次已经开始，不能再认领。"))
    if by_volunteer and blocked(db, volunteer_id, settings.rota_no_show_limit):
        out.append(refusal("no_show_blocked",
                           "缺勤次数已达上限，暂不能认领新班次；请联系热线值班协调人。"))
    hotline = db.table(HOTLINES).get_id(shift["hotline_id"])
    reason = ineligible(db, volunteer_id, hotline) if hotline else "找不到这条热线。"
    if reason:
        out.append(refusal("not_eligible", reason))
    if by_volunteer and starts > now + dt.timedelta(days=settings.rota_horizon_days):
        out.append(refusal("beyond_horizon",
                           f"只能认领 {settings.rota_horizon_days} 天以内的班次。"))
    seats_taken = len([v for v in shift["volunteers"] if v != replacing])
    if seats_taken >= shift["max_seats"]:
        out.append(refusal("shift_full", "这个班次已经满员。"))
    out += _against_own(db, settings, shift, volunteer_id, (starts, ends))
    return out


def _against_own(db: Database, settings: Settings, shift: dict[str, Any], volunteer_id: str,
                 this: tuple[dt.datetime, dt.datetime]) -> list[ApiError]:
    """Overlap, rest and weekly cap against the shifts the volunteer already holds."""
    out: list[ApiError] = []
    rest = dt.timedelta(hours=settings.rota_rest_hours)
    week = week_start(this[0].date())
    held = [s for s in of_volunteer(db, volunteer_id) if s["id"] != shift["id"]]
    spans = [span(s) for s in held]
    if any(_gap(this, other) < dt.timedelta(0) for other in spans):
        out.append(refusal("shift_overlap", "与您已认领的另一个班次时间重叠。"))
    elif any(_gap(this, other) < rest for other in spans):
        out.append(refusal("rest_too_short",
                           f"两个班次之间至少要休息 {settings.rota_rest_hours} 小时。"))
    in_week = sum(hours_of(*other) for other in spans if week_start(other[0].date()) == week)
    if in_week + hours_of(*this) > settings.rota_weekly_cap_hours:
        out.append(refusal("weekly_cap",
                           f"每周值班最多 {settings.rota_weekly_cap_hours} 小时，"
                           f"本周已有 {in_week:g} 小时。"))
    return out
