"""The volunteers' export: every application with its review."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms_api.admin.exports import Cell, Export, Rows, show_time, yes
from forms_api.admin.lists import by_status
from forms_api.forms.fields import labels
from forms_api.modules import Module
from forms_api.storage import Database
from forms_api.volunteers.forms import EXPERTISE, QUALIFICATIONS
from forms_api.volunteers.records import STATUSES, VOLUNTEERS


def volunteer_rows(db: Database, modules: Mapping[str, Module], filters: dict[str, str]) -> Rows:
    return application_rows(db, modules, by_status(db.table(VOLUNTEERS), filters.get("status")))


def application_rows(db: Database, modules: Mapping[str, Module], found: list[dict[str, Any]]
                     ) -> Rows:
    """These applications as the export shows them (also the personal-data export's)."""
    header = ["状态", "姓名", "手机号", "电子邮箱", "工作单位", "职称/职务", "专业资质", "从业年限",
              "擅长领域", "可服务区县", "可服务时间", "个人简介", "公开资料", "报名时间", "审核备注"]
    rows: list[list[Cell]] = [[
        STATUSES.get(v["status"], v["status"]), v.get("name"), v.get("phone"),
        v.get("email"), v.get("organization"), v.get("title"),
        labels(v.get("qualifications"), QUALIFICATIONS), v.get("years_experience"),
        labels(v.get("expertise"), EXPERTISE), "、".join(v.get("districts") or []),
        v.get("availability"), v.get("bio"), yes(v.get("public_profile")),
        show_time(v.get("created_at")), v.get("note")] for v in found]
    return header, rows


EXPORTS = (Export("volunteers", "专家志愿者", ("status",), volunteer_rows, STATUSES),)
