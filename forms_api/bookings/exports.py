"""The bookings' export: every request with how it was handled."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms_api.admin.exports import Cell, Export, Rows, show_time
from forms_api.admin.lists import by_status
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


EXPORTS = (Export("bookings", "进校预约", ("status",), booking_rows, STATUSES),)
