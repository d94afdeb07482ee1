"""The rota's export: every shift with its line, seats and who is on duty (`rota.xlsx`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from forms_api import clock
from forms_api.admin.exports import Cell, Export, Rows
from forms_api.modules import Module
from forms_api.rota.records import SHIFTS, STATUSES, hotlines, hours_of, is_gap, span
from forms_api.storage import Database
from forms_api.volunteers.records import VOLUNTEERS


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def rota_rows(db: Database, modules: Mapping[str, Module], filters: dict[str, str]) -> Rows:
    first, last = _day(filters.get("from")), _day(filters.get("to"))
    lines = hotlines(db)
    names = {v["id"]: v["name"] for v in db.table(VOLUNTEERS).all()}
    header = ["日期", "热线", "开始", "结束", "时长（小时）", "最少人数", "最多人数", "已排人数",
              "值班人员", "督导（备班）", "状态", "缺岗"]
    rows: list[list[Cell]] = []
    for shift in sorted(db.table(SHIFTS).all(), key=lambda s: (s["starts_at"], s["id"])):
        starts, ends = span(shift)
        if (first and starts.date() < first) or (last and starts.date() > last):
            continue
        line = lines.get(shift["hotline_id"])
        rows.append([starts.date().isoformat(), line["name"] if line else "",
                     clock.show_time(starts),
                     clock.show_time(ends) + ("（次日）" if ends.date() != starts.date() else ""),
                     hours_of(starts, ends), shift["min_seats"], shift["max_seats"],
                     len(shift["volunteers"]),
                     "、".join(names.get(v, "?") for v in shift["volunteers"]),
                     shift.get("supervisor"), STATUSES.get(shift["status"], shift["status"]),
                     "是" if is_gap(shift) else ""])
    return header, rows


EXPORTS = (Export("rota", "热线值班表", ("from", "to"), rota_rows),)
