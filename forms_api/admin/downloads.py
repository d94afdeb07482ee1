"""File answers shared by the admin API and the console: exports and personal data.

Every download is written to the audit log (what, which filter, how many rows), never what
the rows hold.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import orjson
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from forms_api import clock
from forms_api.admin import audit, exports
from forms_api.admin.privacy import PersonalData, lookup
from forms_api.admin.state import AdminState
from forms_api.errors import ApiError
from forms_api.web.context import Portal, blocking

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "ics": "text/calendar; charset=utf-8", "json": "application/json"}


def _disposition(name: str, extension: str) -> dict[str, str]:
    ascii_name = f"{name}.{extension}" if name.isascii() else f"export.{extension}"
    disposition = (f"attachment; filename=\"{ascii_name}\"; "
                   f"filename*=UTF-8''{quote(name)}.{quote(extension)}")
    return {"Content-Disposition": disposition, "Cache-Control": "no-store"}


def attachment(body: bytes, name: str, extension: str) -> Response:
    return Response(body, media_type=MEDIA[extension], headers=_disposition(name, extension))


async def export_file(p: Portal, state: AdminState, name: str, extension: str,
                      query: dict[str, str], actor: str) -> Response:
    """The export `name` as CSV or XLSX, filtered by `query` (see `admin.exporter`)."""
    if extension not in ("csv", "xlsx"):
        raise ApiError(404, message="导出格式只能是 csv 或 xlsx。")
    spec = state.registry.exports.get(name)
    if spec is None:
        raise ApiError(404, message="没有这种导出。")
    filters = exports.check_filters(spec, query)

    def collect() -> exports.Rows:
        db = p.db
        # No transaction around the reads: each table is copied under the lock by itself,
        # so an export never holds the lock while it builds its rows.
        header, rows = spec.rows(db, p.modules, filters)
        with db.transaction():
            audit.record(db, actor, "export", name, format=extension, rows=len(rows), **filters)
        return header, rows

    header, rows = await blocking(collect)
    path = await state.exporter.write(p.settings.data_dir, extension, spec.title, header, rows)
    shown = exports.filename(name, extension).rsplit(".", 1)[0]
    return FileResponse(path, media_type=MEDIA[extension], headers=_disposition(shown, extension),
                        background=BackgroundTask(os.unlink, path))


def personal_data(p: Portal, collections: Sequence[PersonalData], phone: str, actor: str
                  ) -> dict[str, Any]:
    """Everything held about `phone`, as one JSON document a person can read (PIPL access).

    Chinese field names and labels, as the exports show them; internal ids and codes only
    where a collection has no export shape.
    """
    found = lookup(p.db, collections, phone, actor, action="privacy.export")
    names = "、".join(c.label for c in collections)
    records: dict[str, list[dict[str, Any]]] = {}
    for c in collections:
        rows = found.get(c.table, [])
        if c.rows is None:
            records[c.label] = rows
            continue
        header, shown = c.rows(p.db, p.modules, rows)
        records[c.label] = [dict(zip(header, row, strict=True)) for row in shown]
    return {"说明": f"{p.settings.bureau_name}心育驿站保存的与该手机号有关的全部记录（{names}）。",
            "手机号": phone, "导出时间": clock.now().strftime("%Y-%m-%d %H:%M"),
            "记录": records}


async def personal_data_file(p: Portal, collections: Sequence[PersonalData], phone: str,
                             actor: str) -> Response:
    data = await blocking(personal_data, p, collections, phone, actor)
    body = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    return attachment(body, f"个人信息-{clock.now().strftime('%Y%m%d')}", "json")


