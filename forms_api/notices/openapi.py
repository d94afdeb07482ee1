"""The outbox's part of `/api/openapi.json`."""

from __future__ import annotations

from forms_api.notices.outbox import EVENTS, STATUSES
from forms_api.web.openapi import ADMIN, LIST_PARAMS, NULLABLE_TEXT, TEXT, TIME, OpenApiPart, answers, obj, param, ref

_TO = obj(role=TEXT, name=NULLABLE_TEXT, phone=NULLABLE_TEXT, email=NULLABLE_TEXT)
_NOTICE = obj(id=TEXT, event={"enum": list(EVENTS)}, channel=NULLABLE_TEXT, to=_TO,
              status={"enum": list(STATUSES)}, attempts={"type": "integer", "minimum": 0},
              created_at=TIME, sent_at={"type": ["string", "null"]})

PART = OpenApiPart(
    answers={"Notice": _NOTICE,
             "Notices": obj(items={"type": "array", "items": ref("Notice")},
                            total={"type": "integer"})},
    paths={
        "/api/admin/outbox": {"get": {
            "summary": "The outbox of notices (waiting, sent, failed, handed)", "security": ADMIN,
            "parameters": LIST_PARAMS, "responses": answers(200, 401, 422, ok=ref("Notices"))}},
        "/api/admin/outbox/{id}/retry": {"post": {
            "summary": "Send a failed notice again", "security": ADMIN,
            "parameters": [param("id")], "responses": answers(200, 401, 404, 409, ok=ref("Notice"))}},
        "/api/admin/outbox/{id}/handed": {"post": {
            "summary": "Mark a notice passed on by hand (已通知)", "security": ADMIN,
            "parameters": [param("id")], "responses": answers(200, 401, 404, 409, ok=ref("Notice"))}},
    },
)
