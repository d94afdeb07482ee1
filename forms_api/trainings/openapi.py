"""The trainings' part of `/api/openapi.json`."""

from __future__ import annotations

from forms_api.trainings.forms import (
    Attendance,
    CancelRegistration,
    CorrectEntry,
    PaperEntry,
    Registration,
    RegistrationRule,
    RemoveEntry,
    SignOut,
    TrainingSession,
)
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
    models=(TrainingSession, RegistrationRule, PaperEntry, RemoveEntry, CorrectEntry,
            CancelRegistration),
    public_models=(Attendance, Registration, SignOut),
    answers={
        "Session": obj(id=TEXT, module=TEXT, title=TEXT, starts_at=TIME, ends_at=TIME,
                       location=TEXT, capacity={"type": "integer"},
                       checked_in={"type": "integer"}),
        "CheckIn": obj(id=TEXT, session_id=TEXT, name=TEXT, checked_in_at=TIME, receipt=TEXT),
        "RegistrationReceipt": {**obj(id=TEXT, session_id=TEXT, status={
            "type": "string", "enum": ["registered", "waitlisted", "cancelled"]}),
            "properties": {"id": TEXT, "session_id": TEXT,
                           "status": {"type": "string",
                                      "enum": ["registered", "waitlisted", "cancelled"]},
                           "position": {"type": "integer", "minimum": 1},
                           "cancel": {"type": "string", "description":
                                      "the receipt's link, with the token that cancels"}}},
        "Code": {**obj(code=TEXT, expires_at={"type": ["string", "null"], "format": "date-time"},
                       rotation_seconds={"type": "integer"}),
                 "description": "The code to show now and when it changes (null: fixed)"},
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
        "/api/trainings/{id}/signout": {"post": {
            "summary": "Sign out (培训签退), with the sign-out code", "parameters": [param("id")],
            "requestBody": body("SignOut"),
            "responses": answers(200, 403, 404, 409, *FORM_ERRORS, ok=ref("CheckIn"))}},
        "/api/trainings/{id}/registrations": {"post": {
            "summary": "Register ahead (培训报名); beyond capacity a waitlist",
            "parameters": [param("id")], "requestBody": body("Registration"),
            "responses": answers(200, 201, 404, 409, *FORM_ERRORS,
                                 ok=ref("RegistrationReceipt"))}},
        "/api/registrations/{id}/cancel": {"post": {
            "summary": "Cancel a registration with its receipt's token",
            "parameters": [param("id")], "requestBody": body("CancelRegistration"),
            "responses": answers(200, 404, *FORM_ERRORS, ok=ref("RegistrationReceipt"))}},
        "/api/admin/trainings/{id}/code": {"get": {
            "summary": "The code to show now (?purpose=signout for the sign-out code)",
            "security": ADMIN, "parameters": [param("id"), param(
                "purpose", "query", False, {"type": "string", "enum": ["checkin", "signout"]})],
            "responses": answers(200, 401, 404, ok=ref("Code"))}},
        "/api/admin/trainings/{id}/cancel": {"post": {
            "summary": "Cancel a session (registered teachers are notified)", "security": ADMIN,
            "parameters": [param("id")], "responses": answers(200, 401, 404)}},
        "/api/admin/trainings/{id}/registrations": {"get": {
            "summary": "Registrations of a session, with whether each checked in",
            "security": ADMIN, "parameters": [param("id"), *LIST_PARAMS[1:]],
            "responses": answers(200, 401, 404, 422)}},
        "/api/admin/trainings/{id}/attendance/{record}/remove": {"post": {
            "summary": "Remove a wrong entry (audited, with a reason)", "security": ADMIN,
            "parameters": [param("id"), param("record")], "requestBody": body("RemoveEntry"),
            "responses": answers(200, 401, 404, *FORM_ERRORS)}},
        "/api/admin/trainings/{id}/attendance/{record}/correct": {"post": {
            "summary": "Decide whether a check-in earns hours (audited, with a reason)",
            "security": ADMIN, "parameters": [param("id"), param("record")],
            "requestBody": body("CorrectEntry"),
            "responses": answers(200, 401, 404, *FORM_ERRORS)}},
        "/api/admin/trainings": {
            "post": {"summary": "Create a session", "security": ADMIN,
                     "requestBody": body("TrainingSession"),
                     "responses": answers(201, 401, 409, *FORM_ERRORS)},
            "get": {"summary": "All sessions, with codes", "security": ADMIN,
                    "parameters": LIST_PARAMS[1:], "responses": answers(200, 401, 422)}},
        "/api/admin/trainings/{id}/attendance": {
            "get": {"summary": "Attendance of a session", "security": ADMIN,
                    "parameters": [param("id"), *LIST_PARAMS[1:]],
                    "responses": answers(200, 401, 404, 422)},
            "post": {"summary": "补录: enter a row of the paper sign-in sheet (audited)",
                     "security": ADMIN, "parameters": [param("id")],
                     "requestBody": body("PaperEntry"),
                     "responses": answers(201, 401, 404, 409, *FORM_ERRORS)}},
    },
)
