"""File answers shared by the admin API and the console: exports, the calendar, personal data.

Every download is written to the audit log (what, which filter, how many rows), never what
the rows hold.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from starlette.responses import Response

from forms_api.admin import audit, calendar, exports
from forms_api.admin.privacy_ops import lookup
from forms_api.context import Portal, blocking
from forms_api.errors import ApiError

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "ics": "text/calendar; charset=utf-8", "json": "application/json"}


def attachment(body: bytes, name: str, extension: str) -> Response:
    ascii_name = f"{name}.{extension}" if name.isascii() else f"export.{extension}"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}.{quote(extension)}"
    return Response(body, media_type=MEDIA[extension],
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


def module_hours(p: Portal) -> dict[str, float]:
    return {slug: m.hours for slug, m in p.modules.items()}


async def export_file(p: Portal, name: str, extension: str, query: dict[str, str],
                      actor: str) -> Response:
    """`name` (attendance, volunteers, bookings, hours) as CSV or XLSX, filtered by `query`."""
    if extension not in ("csv", "xlsx"):
        raise ApiError(404, message="导出格式只能是 csv 或 xlsx。")
    filters = exports.check_filters(name, query)
    spec = exports.EXPORTS[name]

    def build() -> bytes:
        db = p.db
        with db.transaction():
            header, rows = spec.rows(db, module_hours(p), filters)
            audit.record(db, actor, "export", name, format=extension, rows=len(rows), **filters)
        if extension == "csv":
            return exports.to_csv(header, rows)
        return exports.to_xlsx(spec.title, header, rows)

    body = await blocking(build)
    return attachment(body, exports.filename(name, extension).rsplit(".", 1)[0], extension)


async def calendar_file(p: Portal, actor: str) -> Response:
    def build() -> bytes:
        with p.db.transaction():
            audit.record(p.db, actor, "export", "calendar", format="ics")
            return calendar.ics(p.db)

    return attachment(await blocking(build), "xinyu-calendar", "ics")


def personal_data(p: Portal, phone: str, actor: str) -> dict[str, Any]:
    """Everything held about `phone`, as one JSON document (the PIPL access right)."""
    found = lookup(p.db, phone, actor, action="privacy.export")
    return {"phone": phone, "collections": found,
            "note": "心育驿站保存的与该手机号有关的全部记录（培训签到、专家志愿者报名、进校预约）。"}


async def personal_data_file(p: Portal, phone: str, actor: str) -> Response:
    data = await blocking(personal_data, p, phone, actor)
    body = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    return attachment(body, "personal-data", "json")
