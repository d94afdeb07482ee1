"""File answers shared by the admin API and the console: exports and personal data.

Every download is written to the audit log (what, which filter, how many rows), never what
the rows hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import orjson
from starlette.responses import Response

from forms_api import clock
from forms_api.admin import audit, exports
from forms_api.admin.privacy import PersonalData, lookup
from forms_api.errors import ApiError
from forms_api.web.context import Portal, blocking

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "ics": "text/calendar; charset=utf-8", "json": "application/json"}


def attachment(body: bytes, name: str, extension: str) -> Response:
    ascii_name = f"{name}.{extension}" if name.isascii() else f"export.{extension}"
    disposition = (f"attachment; filename=\"{ascii_name}\"; "
                   f"filename*=UTF-8''{quote(name)}.{quote(extension)}")
    return Response(body, media_type=MEDIA[extension],
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


async def export_file(p: Portal, known: Mapping[str, exports.Export], name: str, extension: str,
                      query: dict[str, str], actor: str) -> Response:
    """The export `name` as CSV or XLSX, filtered by `query`."""
    if extension not in ("csv", "xlsx"):
        raise ApiError(404, message="导出格式只能是 csv 或 xlsx。")
    spec = known.get(name)
    if spec is None:
        raise ApiError(404, message="没有这种导出。")
    filters = exports.check_filters(spec, query)

    def build() -> bytes:
        db = p.db
        with db.transaction():
            header, rows = spec.rows(db, p.modules, filters)
            audit.record(db, actor, "export", name, format=extension, rows=len(rows), **filters)
        if extension == "csv":
            return exports.to_csv(header, rows)
        return exports.to_xlsx(spec.title, header, rows)

    body = await blocking(build)
    return attachment(body, exports.filename(name, extension).rsplit(".", 1)[0], extension)


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


