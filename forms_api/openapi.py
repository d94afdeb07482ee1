"""`/api/openapi.json`: the contract's endpoints, with request schemas taken from the forms.

The form declarations are the single source: their JSON schema (labels, help, limits,
choices with Chinese labels in `x-choices`) is what the pages are rendered from too. Bodies
are documented as JSON; the same fields may be posted form-encoded (see the contract).
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from forms_api.admin.bookings import BookingChange
from forms_api.admin.trainings import TrainingSession
from forms_api.admin.volunteers import Review
from forms_api.forms import HONEYPOT, TOKEN
from forms_api.forms.attendance import Attendance
from forms_api.forms.bookings import REFERENCE_PATTERN, Booking, BookingCancel
from forms_api.forms.volunteers import Volunteer

PUBLIC_FORMS: tuple[type[BaseModel], ...] = (Attendance, Volunteer, Booking)
META = {
    HONEYPOT: {"type": "string", "maxLength": 200,
               "description": "Honeypot: leave empty. A filled one is answered as a success "
                              "and stored nowhere."},
    TOKEN: {"type": "string", "maxLength": 200,
            "description": "Signed fill-time token of a rendered form; also its idempotency "
                           "key (a retry answers with the first record)."},
}


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    if model in PUBLIC_FORMS:
        schema["properties"] = {**schema["properties"], **META}
    return schema


def _error() -> dict[str, Any]:
    return {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "fields": {"type": "object",
                                  "additionalProperties": {"type": "string"}}}}}}


_TEXT = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TEXT = {"type": ["string", "null"]}


def _object(**props: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(props), "properties": props}


def _items(schema: dict[str, Any]) -> dict[str, Any]:
    return _object(items={"type": "array", "items": schema})


# What the public endpoints answer (extra properties may be added later, never removed).
ANSWERS: dict[str, dict[str, Any]] = {
    "Session": _object(id=_TEXT, module=_TEXT, title=_TEXT, starts_at=_TIME, ends_at=_TIME,
                       location=_TEXT, capacity={"type": "integer"},
                       checked_in={"type": "integer"}),
    "CheckIn": _object(id=_TEXT, session_id=_TEXT, name=_TEXT, checked_in_at=_TIME,
                       receipt=_TEXT),
    "Expert": _object(id=_TEXT, name=_TEXT, title=_NULLABLE_TEXT, organization=_TEXT,
                      expertise={"type": "array", "items": _TEXT}),
    "VolunteerCreated": _object(id=_TEXT, status={"const": "pending"}),
    "BookingCreated": _object(id=_TEXT, reference=_TEXT, status=_TEXT),
    "BookingStatus": _object(reference=_TEXT, status=_TEXT, school=_TEXT,
                             date={"type": ["string", "null"], "format": "date"},
                             time_slot=_TEXT,
                             expert={"anyOf": [_object(name=_TEXT, title=_NULLABLE_TEXT),
                                               {"type": "null"}]}),
}


def _answers(*statuses: int, ok: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status in statuses:
        if status < 300:
            out[str(status)] = {"description": "OK", "content": {"application/json": {
                "schema": ok or {"type": "object"}}}}
        else:
            out[str(status)] = {"description": "error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
    return out


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _param(name: str, where: str = "path", required: bool = True,
           schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required,
            "schema": schema or {"type": "string", "maxLength": 40}}


ADMIN: list[dict[str, list[str]]] = [{"bearer": []}]
LIST_PARAMS = [_param("status", "query", False, {"type": "string", "maxLength": 20}),
               _param("limit", "query", False, {"type": "integer", "minimum": 0}),
               _param("offset", "query", False, {"type": "integer", "minimum": 0})]


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API."""
    schemas = {m.__name__: _schema(m) for m in (Attendance, Volunteer, Booking, BookingCancel,
                                                TrainingSession, Review, BookingChange)}
    schemas["Error"] = _error()
    schemas.update(ANSWERS)
    form = (400, 413, 415, 422, 429)
    paths: dict[str, Any] = {
        "/api/health": {"get": {"summary": "Health", "responses": _answers(200)}},
        "/api/modules": {"get": {"summary": "Training modules", "responses": _answers(200)}},
        "/api/trainings": {"get": {"summary": "Upcoming and recent sessions",
                                   "responses": _answers(200, ok=_items(_ref("Session")))}},
        "/api/trainings/{id}": {"get": {"summary": "One session", "parameters": [_param("id")],
                                        "responses": _answers(200, 404, ok=_ref("Session"))}},
        "/api/trainings/{id}/attendance": {"post": {
            "summary": "Check in (培训签到)", "parameters": [_param("id")],
            "requestBody": _body("Attendance"),
            "responses": _answers(200, 201, 403, 404, 409, *form, ok=_ref("CheckIn"))}},
        "/api/volunteers": {"post": {
            "summary": "Sign up as an expert volunteer (专家志愿者报名)",
            "requestBody": _body("Volunteer"),
            "responses": _answers(201, 409, *form, ok=_ref("VolunteerCreated"))}},
        "/api/experts": {"get": {"summary": "Approved public experts",
                                 "responses": _answers(200, ok=_items(_ref("Expert")))}},
        "/api/bookings": {"post": {
            "summary": "Book an expert visit (预约专家进校园)", "requestBody": _body("Booking"),
            "responses": _answers(201, 404, *form, ok=_ref("BookingCreated"))}},
        "/api/bookings/{reference}": {"get": {
            "summary": "Booking status by reference and phone",
            "parameters": [_param("reference", schema={"type": "string", "maxLength": 20,
                                                       "pattern": f"^{REFERENCE_PATTERN}$"}),
                           _param("phone", "query", True, {"type": "string", "maxLength": 20})],
            "responses": _answers(200, 404, 429, ok=_ref("BookingStatus"))}},
        "/api/bookings/{reference}/cancel": {"post": {
            "summary": "Cancel a booking", "parameters": [_param("reference")],
            "requestBody": _body("BookingCancel"),
            "responses": _answers(200, 404, 409, *form, ok=_ref("BookingStatus"))}},
        "/api/admin/trainings": {
            "post": {"summary": "Create a session", "security": ADMIN,
                     "requestBody": _body("TrainingSession"),
                     "responses": _answers(201, 401, 409, *form)},
            "get": {"summary": "All sessions, with codes", "security": ADMIN,
                    "parameters": LIST_PARAMS[1:], "responses": _answers(200, 401, 422)}},
        "/api/admin/trainings/{id}/attendance": {"get": {
            "summary": "Attendance of a session", "security": ADMIN,
            "parameters": [_param("id"), *LIST_PARAMS[1:]],
            "responses": _answers(200, 401, 404, 422)}},
        "/api/admin/volunteers": {"get": {"summary": "Volunteers", "security": ADMIN,
                                          "parameters": LIST_PARAMS,
                                          "responses": _answers(200, 401, 422)}},
        "/api/admin/volunteers/{id}": {"patch": {
            "summary": "Approve or reject", "security": ADMIN, "parameters": [_param("id")],
            "requestBody": _body("Review"), "responses": _answers(200, 401, 404, *form)}},
        "/api/admin/bookings": {"get": {"summary": "Bookings", "security": ADMIN,
                                        "parameters": LIST_PARAMS,
                                        "responses": _answers(200, 401, 422)}},
        "/api/admin/bookings/{id}": {"patch": {
            "summary": "Move a booking through its statuses", "security": ADMIN,
            "parameters": [_param("id")], "requestBody": _body("BookingChange"),
            "responses": _answers(200, 401, 404, 409, *form)}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "心育驿站 forms API", "version": "1",
                 "description": "See shared/spec/api.md. POST bodies may also be sent as "
                                "application/x-www-form-urlencoded or multipart/form-data. "
                                "A script may send an `Idempotency-Key` header (8-100 "
                                "characters) with a public form: a retry with the same key "
                                "and phone answers with the first record."},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
    }


async def schema(request: Request) -> JSONResponse:
    return JSONResponse(document())
