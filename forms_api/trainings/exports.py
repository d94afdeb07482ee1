"""The trainings' exports: check-ins (by session) and 继续教育学时 per teacher."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms_api.admin.exports import Cell, Export, Rows, show_time
from forms_api.modules import Module
from forms_api.storage import Database
from forms_api.trainings.hours import problem, teachers
from forms_api.trainings.records import ATTENDANCE, SESSIONS, SOURCES


def _title(modules: Mapping[str, Module], slug: str) -> str:
    module = modules.get(slug)
    return module.title if module is not None else slug


def attendance_rows(db: Database, modules: Mapping[str, Module], filters: dict[str, str]) -> Rows:
    session_id = filters.get("session")
    table = db.table(ATTENDANCE)
    found = table.find(session_id=session_id) if session_id else table.all()
    return check_in_rows(db, modules, found)


def check_in_rows(db: Database, modules: Mapping[str, Module], found: list[dict[str, Any]]) -> Rows:
    """These check-ins as the export shows them (also the personal-data export's)."""
    sessions = {s["id"]: s for s in db.table(SESSIONS).all()}
    found = sorted(found, key=lambda r: (r["checked_in_at"], r["id"]))
    header = ["培训场次", "课程", "开始时间", "姓名", "学校", "手机号", "区县", "任教学科", "签到时间",
              "签退时间", "来源", "离线补交", "学时认定"]
    rows: list[list[Cell]] = []
    for r in found:
        s = sessions.get(r["session_id"], {})
        why = problem(s, r) if s else None
        rows.append([s.get("title", ""), _title(modules, s.get("module", "")),
                     show_time(s.get("starts_at")), r.get("name"), r.get("school"),
                     r.get("phone"), r.get("district"), r.get("subject"),
                     show_time(r.get("checked_in_at")), show_time(r.get("signed_out_at")),
                     SOURCES.get(r.get("source") or "phone", ""), "是" if r.get("late") else "",
                     why or "计入"])
    return header, rows


def hours_rows(db: Database, modules: Mapping[str, Module], filters: dict[str, str]) -> Rows:
    hours = {slug: m.hours for slug, m in modules.items()}
    header = ["姓名", "学校", "手机号", "参加场次", "继续教育学时", "未计学时的场次"]
    return header, [[t.name, t.school, t.phone, len(t.sessions), t.hours,
                     "；".join(f"{s['title']}：{why}" for s, _, why in t.incomplete)]
                    for t in teachers(db, hours)]


EXPORTS = (
    Export("attendance", "培训签到", ("session",), attendance_rows),
    Export("hours", "继续教育学时", (), hours_rows),
)
