"""The trainings' part of `/api/openapi.json`."""

from __future__ import annotations

from forms_api.trainings.forms import Attendance, TrainingSession
from forms_api.web.openapi import (
                                   ADMIN,
                                   FORM_ERRORS,
                                   LIST_PARAMS,
                                   TEXT,
                                   TIME,
                                   OpenApiPart,
                                   answers,
                                   body,
                                   items,
                                   obj,
                                   param,
                                   ref,
)

PART = OpenApiPart(
    models=(TrainingSession,),
    public_models=(Attendance,),
    answers={
        "Session": obj(id=TEXT, module=TEXT, title=TEXT, starts_at=TIME, ends_at=TIME,
                       location=TEXT, capacity={"type": "integer"},
                       checked_in={"type": "integer"}),
        "CheckIn": obj(id=TEXT, session_id=TEXT, name=TEXT, checked_in_at=TIME, receipt=TEXT),
    },
    paths={
        "/api/trainings": {"get": {"summary": "Upcoming and recent sessions",
                                   "responses": answers(200, ok=items(ref("Session")))}},
        "/api/trainings/{id}": {"get": {"summary": "One session", "parameters": [param("id")],
                                        "responses": answers(200, 404, ok=ref("Session"))}},
        "/api/trainings/{id}/attendance": {"post": {
            "summary": "Check in (培训签到)", "parameters": [param("id")],
            "requestBody": body("Attendance"),
            "responses": answers(200, 201, 403, 404, 409, *FORM_ERRORS, ok=ref("CheckIn"))}},
        "/api/admin/trainings": {
            "post": {"summary": "Create a session", "security": ADMIN,
                     "requestBody": body("TrainingSession"),
                     "responses": answers(201, 401, 409, *FORM_ERRORS)},
            "get": {"summary": "All sessions, with codes", "security": ADMIN,
                    "parameters": LIST_PARAMS[1:], "responses": answers(200, 401, 422)}},
        "/api/admin/trainings/{id}/attendance": {"get": {
            "summary": "Attendance of a session", "security": ADMIN,
            "parameters": [param("id"), *LIST_PARAMS[1:]],
            "responses": answers(200, 401, 404, 422)}},
    },
)
