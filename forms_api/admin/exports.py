"""Exports of the admin lists: CSV (UTF-8 with a BOM, Chinese headers) and XLSX (openpyxl).

No cell is ever evaluated as a formula: a text cell that begins with `=`, `+`, `-`, `@`, a tab
or a carriage return (also after leading spaces) gets a leading apostrophe, and XLSX cells are
written as text explicitly. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Callable

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]

from forms_api import clock
from forms_api.admin.lists import by_status
from forms_api.errors import ApiError
from forms_api.forms._fields import EXPERTISE
from forms_api.forms.bookings import AUDIENCES, STAGES, STATUSES, TIME_SLOTS
from forms_api.forms.volunteers import QUALIFICATIONS
from forms_api.storage import Database

Cell = str | int | float | None
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
VOLUNTEER_STATUSES = {"pending": "待审核", "approved": "已通过", "rejected": "未通过"}
BOOKING_STATUSES = {"requested": "待安排", "confirmed": "已确认", "completed": "已完成",
                    "cancelled": "学校已取消", "declined": "未能安排"}
assert set(BOOKING_STATUSES) == set(STATUSES)


def neutralise(value: Cell) -> Cell:
    """A cell that no spreadsheet will evaluate."""
    if not isinstance(value, str):
        return value
    if value.startswith(DANGEROUS) or value.lstrip(" ").startswith(DANGEROUS):
        return "'" + value
    return value


def _labels(codes: Any, names: dict[str, str]) -> str:
    return "、".join(names.get(str(c), str(c)) for c in (codes or []))


def _time(text: Any) -> str:
    return clock.parse_iso(text).strftime("%Y-%m-%d %H:%M") if text else ""


def _yes(value: Any) -> str:
    return "是" if value else "否"


@dataclass(frozen=True)
class Export:
    """One exportable list: its Chinese name, the filter it accepts, how rows are made."""

    title: str
    filters: tuple[str, ...]
    rows: Callable[[Database, dict[str, float], dict[str, str]], tuple[list[str], list[list[Cell]]]]


def attendance_rows(db: Database, hours: dict[str, float], filters: dict[str, str]
                    ) -> tuple[list[str], list[list[Cell]]]:
    sessions = {s["id"]: s for s in db.table("trainings").all()}
    session_id = filters.get("session")
    found = (db.table("attendance").find(session_id=session_id) if session_id
             else db.table("attendance").all())
    found.sort(key=lambda r: (r["checked_in_at"], r["id"]))
    header = ["培训场次", "课程", "开始时间", "姓名", "学校", "手机号", "区县", "任教学科", "签到时间"]
    rows: list[list[Cell]] = []
    for r in found:
        s = sessions.get(r["session_id"], {})
        rows.append([s.get("title", ""), s.get("module", ""), _time(s.get("starts_at")),
                     r.get("name"), r.get("school"), r.get("phone"), r.get("district"),
                     r.get("subject"), _time(r.get("checked_in_at"))])
    return header, rows


def volunteer_rows(db: Database, hours: dict[str, float], filters: dict[str, str]
                   ) -> tuple[list[str], list[list[Cell]]]:
    found = by_status(db.table("volunteers"), filters.get("status"))
    header = ["状态", "姓名", "手机号", "电子邮箱", "工作单位", "职称/职务", "专业资质", "从业年限",
              "擅长领域", "可服务区县", "可服务时间", "个人简介", "公开资料", "报名时间", "审核备注"]
    rows: list[list[Cell]] = [[
        VOLUNTEER_STATUSES.get(v["status"], v["status"]), v.get("name"), v.get("phone"),
        v.get("email"), v.get("organization"), v.get("title"),
        _labels(v.get("qualifications"), QUALIFICATIONS), v.get("years_experience"),
        _labels(v.get("expertise"), EXPERTISE), "、".join(v.get("districts") or []),
        v.get("availability"), v.get("bio"), _yes(v.get("public_profile")),
        _time(v.get("created_at")), v.get("note")] for v in found]
    return header, rows


def booking_rows(db: Database, hours: dict[str, float], filters: dict[str, str]
                 ) -> tuple[list[str], list[list[Cell]]]:
    found = by_status(db.table("bookings"), filters.get("status"))
    experts = {v["id"]: v for v in db.table("volunteers").all()}
    header = ["预约编号", "状态", "学校", "区县", "学段", "联系人", "联系电话", "电子邮箱",
              "希望日期", "时段", "主题", "主题说明", "对象", "人数", "确认日期", "专家",
              "补充说明", "处理说明", "提交时间"]
    rows: list[list[Cell]] = []
    for b in found:
        expert = experts.get(b.get("expert_id") or "")
        rows.append([
            b.get("reference"), BOOKING_STATUSES.get(b["status"], b["status"]), b.get("school"),
            b.get("district"), STAGES.get(b.get("stage") or "", b.get("stage")),
            b.get("contact_name"), b.get("phone"), b.get("email"),
            "、".join(b.get("preferred_dates") or []),
            TIME_SLOTS.get(b.get("time_slot") or "", b.get("time_slot")),
            EXPERTISE.get(b.get("topic") or "", b.get("topic")), b.get("topic_detail"),
            AUDIENCES.get(b.get("audience") or "", b.get("audience")), b.get("audience_size"),
            b.get("date"), expert["name"] if expert else "", b.get("notes"),
            b.get("reason") or b.get("note"), _time(b.get("created_at"))])
    return header, rows


def hours_rows(db: Database, hours: dict[str, float], filters: dict[str, str]
               ) -> tuple[list[str], list[list[Cell]]]:
    from forms_api.admin.hours import teachers

    header = ["姓名", "学校", "手机号", "参加场次", "继续教育学时"]
    return header, [[t.name, t.school, t.phone, len(t.sessions), t.hours]
                    for t in teachers(db, hours)]


EXPORTS: dict[str, Export] = {
    "attendance": Export("培训签到", ("session",), attendance_rows),
    "volunteers": Export("专家志愿者", ("status",), volunteer_rows),
    "bookings": Export("进校预约", ("status",), booking_rows),
    "hours": Export("继续教育学时", (), hours_rows),
}
ALLOWED_STATUS = {"volunteers": tuple(VOLUNTEER_STATUSES), "bookings": tuple(BOOKING_STATUSES)}


def check_filters(name: str, query: dict[str, str]) -> dict[str, str]:
    """The filters of export `name` present in `query`; 422 for an unknown status."""
    export = EXPORTS.get(name)
    if export is None:
        raise ApiError(404, message="没有这种导出。")
    chosen = {k: query[k] for k in export.filters if query.get(k)}
    status = chosen.get("status")
    if status is not None and status not in ALLOWED_STATUS.get(name, ()):
        raise ApiError(422, message=f"status 只能是 {'、'.join(ALLOWED_STATUS[name])}，收到 {status!r}",
                       fields={"status": "不认识的状态"})
    return chosen


def to_csv(header: list[str], rows: list[list[Cell]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if c is None else neutralise(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, header: list[str], rows: list[list[Cell]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append([None if c is None else c for c in row])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(neutralise(cell.value)))
                cell.data_type = "s"  # text, whatever it looks like
    for column in sheet.columns:
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = min(40, max(
            8, *(len(str(c.value or "")) * 2 for c in column[:200])))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(name: str, extension: str) -> str:
    return f"{name}-{clock.now().strftime('%Y%m%d-%H%M')}.{extension}"
