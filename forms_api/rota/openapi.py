"""The rota's part of `/api/openapi.json`."""

from __future__ import annotations

from collections.abc import Mapping

from forms_api.rota.forms import Assign, Generate, Hotline, Served, ShiftChange, ShiftForm, VolunteerRef
from forms_api.web.openapi import (
    ADMIN,
    FORM_ERRORS,
    LIST_PARAMS,
    TEXT,
    TIME,
    OpenApiPart,
    answers,
    body,
    obj,
    param,
    ref,
)

INT = {"type": "integer"}
ICS = {"description": "iCalendar (RFC 5545), UTF-8",
       "content": {"text/calendar": {"schema": {"type": "string"}}}}
_SHIFTS = {"type": "array", "items": {"type": "object"}}


def _action(*allowed: str) -> dict[str, object]:
    return param("action", schema={"type": "string", "enum": list(allowed)})
DAY = {"type": "string", "format": "date"}


def _query(name: str, schema: Mapping[str, object]) -> dict[str, object]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


PART = OpenApiPart(
    models=(Hotline, Generate, ShiftForm, ShiftChange, Assign, VolunteerRef, Served),
    answers={
        "Shift": obj(id=TEXT, hotline_id=TEXT, starts_at=TIME, ends_at=TIME, min_seats=INT,
                     max_seats=INT, volunteers={"type": "array", "items": TEXT}, status=TEXT,
                     filled=INT, gap={"type": "boolean"}),
    },
    paths={
        "/api/admin/hotlines": {
            "post": {"summary": "Create a hotline with its shift pattern", "security": ADMIN,
                     "requestBody": body("Hotline"), "responses": answers(201, 401, *FORM_ERRORS)},
            "get": {"summary": "Every hotline", "security": ADMIN,
                    "parameters": LIST_PARAMS[1:], "responses": answers(200, 401, 422)}},
        "/api/admin/hotlines/{id}/shifts/generate": {"post": {
            "summary": "Generate the pattern's shifts for a range of days (idempotent)",
            "security": ADMIN, "parameters": [param("id")], "requestBody": body("Generate"),
            "responses": answers(200, 401, 404, *FORM_ERRORS, ok=obj(created=INT))}},
        "/api/admin/hotlines/{id}/shifts": {"post": {
            "summary": "Add a single shift", "security": ADMIN, "parameters": [param("id")],
            "requestBody": body("ShiftForm"),
            "responses": answers(201, 401, 404, *FORM_ERRORS, ok=ref("Shift"))}},
        "/api/admin/shifts": {"get": {
            "summary": "Shifts starting between two days; gaps=1: only those below min_seats",
            "security": ADMIN,
            "parameters": [_query("from", DAY), _query("to", DAY),
                           _query("gaps", {"type": "string", "enum": ["0", "1"]}),
                           _query("hotline_id", TEXT), *LIST_PARAMS[1:]],
            "responses": answers(200, 401, 422)}},
        "/api/admin/shifts/{id}": {"patch": {
            "summary": "Change or cancel a shift", "security": ADMIN,
            "parameters": [param("id")], "requestBody": body("ShiftChange"),
            "responses": answers(200, 401, 404, 409, *FORM_ERRORS, ok=ref("Shift"))}},
        **{f"/api/admin/shifts/{{id}}/{action}": {"post": {
            "summary": summary, "security": ADMIN, "parameters": [param("id")],
            "requestBody": body(model),
            "responses": answers(200, 401, 404, 409, *FORM_ERRORS)}}
           for action, summary, model in (
               ("assign", "Assign a volunteer (override: pass a rule, audited)", "Assign"),
               ("remove", "Take a volunteer off a shift", "VolunteerRef"),
               ("no-show", "Record a no-show", "VolunteerRef"),
               ("served", "Correct the times a volunteer served, with a reason", "Served"))},
        "/api/admin/rota/volunteers/{id}/lift": {"post": {
            "summary": "Lift a volunteer's no-show block", "security": ADMIN,
            "parameters": [param("id")], "responses": answers(200, 401, 404)}},
        "/api/admin/rota/volunteers/{id}/hours": {"get": {
            "summary": "Hotline hours a volunteer served", "security": ADMIN,
            "parameters": [param("id"), *LIST_PARAMS[1:]],
            "responses": answers(200, 401, 404, 422)}},
        "/api/admin/rota/swaps": {"get": {
            "summary": "Swaps", "security": ADMIN, "parameters": LIST_PARAMS,
            "responses": answers(200, 401, 422)}},
        "/api/admin/rota/swaps/{id}/{action}": {"post": {
            "summary": "The coordinator approves or declines an accepted swap", "security": ADMIN,
            "parameters": [param("id"), _action("approve", "decline")],
            "responses": answers(200, 401, 404, 409)}},
        "/api/admin/rota/volunteers/{id}/feed": {
            "post": {"summary": "Make a volunteer's private shift calendar address (the old "
                                "one stops)", "security": ADMIN, "parameters": [param("id")],
                     "responses": answers(200, 401, 404, ok=obj(url=TEXT))},
            "delete": {"summary": "Stop a volunteer's shift calendar address", "security": ADMIN,
                       "parameters": [param("id")],
                       "responses": answers(200, 401, 404,
                                            ok=obj(revoked={"type": "boolean"}))}},
        "/api/admin/rota/calendar.ics": {"get": {
            "summary": "The coordinator's calendar of every shift", "security": ADMIN,
            "responses": {"200": ICS, **answers(401)}}},
        "/api/rota/feed/{token}.ics": {"get": {
            "summary": "A volunteer's private calendar feed of their shifts (the token is the "
                       "credential)",
            "parameters": [param("token", schema={"type": "string", "maxLength": 100})],
            "responses": {"200": ICS, **answers(404)}}},
        "/api/me/shifts": {"get": {
            "summary": "The signed-in volunteer's shifts, open seats and swaps offered "
                       "(own-page session cookie)",
            "responses": answers(200, 401, ok=obj(
                eligible={"type": "boolean"}, rule=TEXT, mine=_SHIFTS, open=_SHIFTS,
                swaps={"type": "array", "items": {"type": "object"}}))}},
        "/api/me/shifts/{id}/{action}": {"post": {
            "summary": "Take or leave a shift, or offer it for a swap (session cookie; the "
                       "rules answer 409 with their code)",
            "parameters": [param("id"), _action("take", "leave", "offer")],
            "responses": answers(200, 401, 404, 409)}},
        "/api/me/swaps/{id}/{action}": {"post": {
            "summary": "Accept a swap offered by another volunteer, or withdraw one's own",
            "parameters": [param("id"), _action("accept", "withdraw")],
            "responses": answers(200, 401, 404, 409)}},
    },
)
