"""The bookings' exports: every request with how it was handled; the feedback after visits.

The feedback export goes through `feedback.summary` like the API and the console: a visit's or
an expert's scores only from `MIN_RESULTS` answers (below, the count reads "少于 5 份"), the
free text only from `MIN_COMMENTS`; single answers are never exported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms_api.admin.exports import Cell, Export, Rows, show_time
from forms_api.admin.lists import by_status
from forms_api.bookings import feedback
from forms_api.bookings.forms import AUDIENCES, TIME_SLOTS
from forms_api.bookings.records import BOOKINGS, STATUSES
from forms_api.modules import Module
from forms_api.schools.records import STAGES
from forms_api.storage import Database
from forms_api.volunteers.forms import EXPERTISE
from forms_api.volunteers.records import VOLUNTEERS


def booking_rows(db: Database, modules: Mapping[str, Module], filters: dict[str, str]) -> Rows:
    return request_rows(db, modules, by_status(db.table(BOOKINGS), filters.get("status")))


def request_rows(db: Database, modules: Mapping[str, Module], found: list[dict[str, Any]]) -> Rows:
    """These bookings as the export shows them (also the personal-data export's)."""
    experts = {v["id"]: v for v in db.table(VOLUNTEERS).all()}
    header = ["预约编号", "状态", "学校", "区县", "学段", "联系人", "联系电话", "电子邮箱",
              "希望日期", "时段", "主题", "主题说明", "对象", "人数", "确认日期", "专家",
              "补充说明", "处理说明", "提交时间"]
    rows: list[list[Cell]] = []
    for b in found:
        expert = experts.get(b.get("expert_id") or "")
        rows.append([
            b.get("reference"), STATUSES.get(b["status"], b["status"]), b.get("school"),
            b.get("district"), STAGES.get(b.get("stage") or "", b.get("stage")),
            b.get("contact_name"), b.get("phone"), b.get("email"),
            "、".join(b.get("preferred_dates") or []),
            TIME_SLOTS.get(b.get("time_slot") or "", b.get("time_slot")),
            EXPERTISE.get(b.get("topic") or "", b.get("topic")), b.get("topic_detail"),
            AUDIENCES.get(b.get("audience") or "", b.get("audience")), b.get("audience_size"),
            b.get("date"), expert["name"] if expert else "", b.get("notes"),
            b.get("reason") or b.get("note"), show_time(b.get("created_at"))])
    return header, rows


def _summary_cells(answers: list[dict[str, Any]]) -> list[Cell]:
    shown = feedback.summary(answers)
    results = shown["results"] or {}
    scores: list[Cell] = [results[q]["average"] if q in results else ""
                          for q in feedback.QUESTIONS]
    comments = shown["comments"]
    text = ("；".join(comments) if comments is not None
            else f"少于 {feedback.MIN_COMMENTS} 份时不显示")
    return [feedback.shown_count(shown["answers"]), *scores, text]


def feedback_rows(db: Database, modules: Mapping[str, Module], filters: dict[str, str]) -> Rows:
    """One row per visit with feedback, then one per expert: only what `summary` lets out."""
    header = ["范围", "预约编号", "学校", "活动日期", "专家", "反馈份数",
              *(f"{label}（平均分）" for label in feedback.QUESTIONS.values()), "意见和建议"]
    answers = db.table(feedback.FEEDBACK).all()
    bookings = {b["id"]: b for b in db.table(BOOKINGS).all()}
    experts = {v["id"]: v for v in db.table(VOLUNTEERS).all()}
    by_booking: dict[str, list[dict[str, Any]]] = {}
    by_expert: dict[str, list[dict[str, Any]]] = {}
    for a in answers:
        by_booking.setdefault(a["booking_id"], []).append(a)
        if a.get("expert_id"):
            by_expert.setdefault(a["expert_id"], []).append(a)
    rows: list[list[Cell]] = []
    for booking_id, given in sorted(by_booking.items(),
                                    key=lambda kv: bookings.get(kv[0], {}).get("date") or ""):
        b = bookings.get(booking_id, {})
        expert = experts.get(b.get("expert_id") or "")
        rows.append(["单次活动", b.get("reference"), b.get("school"), b.get("date"),
                     expert["name"] if expert else "", *_summary_cells(given)])
    for expert_id, given in sorted(by_expert.items()):
        expert = experts.get(expert_id)
        rows.append(["专家（全部活动）", "", "", "", expert["name"] if expert else "",
                     *_summary_cells(given)])
    return header, rows


EXPORTS = (Export("bookings", "进校预约", ("status",), booking_rows, STATUSES),
           Export("feedback", "活动反馈汇总", (), feedback_rows))
