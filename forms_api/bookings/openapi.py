"""The bookings' part of `/api/openapi.json`."""

from __future__ import annotations

from forms_api.bookings.forms import REFERENCE_PATTERN, Booking, BookingCancel, BookingChange
from forms_api.bookings.offers_web import Offer
from forms_api.web.openapi import (
                                   ADMIN,
                                   FORM_ERRORS,
                                   LIST_PARAMS,
                                   NULLABLE_TEXT,
                                   TEXT,
                                   OpenApiPart,
                                   answers,
                                   body,
                                   obj,
                                   param,
                                   ref,
)

_NULLABLE_LIST = {"type": ["array", "null"], "items": TEXT}
#: Feedback results: `results` null below 5 answers, `comments` null below 10.
_FEEDBACK = obj(answers={"type": "integer", "minimum": 0},
                results={"type": ["object", "null"]}, comments=_NULLABLE_LIST)

PART = OpenApiPart(
    models=(BookingCancel, BookingChange, Offer),
    public_models=(Booking,),
    answers={
        "BookingCreated": obj(id=TEXT, reference=TEXT, status=TEXT),
        "BookingStatus": obj(reference=TEXT, status=TEXT, school=TEXT,
                             date={"type": ["string", "null"], "format": "date"},
                             time_slot=TEXT,
                             expert={"anyOf": [obj(name=TEXT, title=NULLABLE_TEXT),
                                               {"type": "null"}]}),
    },
    paths={
        "/api/bookings": {"post": {
            "summary": "Book an expert visit (预约专家进校园)", "requestBody": body("Booking"),
            "responses": answers(201, 404, *FORM_ERRORS, ok=ref("BookingCreated"))}},
        "/api/bookings/{reference}": {"get": {
            "summary": "Booking status by reference and phone",
            "parameters": [param("reference", schema={"type": "string", "maxLength": 20,
                                                      "pattern": f"^{REFERENCE_PATTERN}$"}),
                           param("phone", "query", True, {"type": "string", "maxLength": 20})],
            "responses": answers(200, 404, 429, ok=ref("BookingStatus"))}},
        "/api/bookings/{reference}/cancel": {"post": {
            "summary": "Cancel a booking", "parameters": [param("reference")],
            "requestBody": body("BookingCancel"),
            "responses": answers(200, 404, 409, *FORM_ERRORS, ok=ref("BookingStatus"))}},
        "/api/admin/bookings": {"get": {"summary": "Bookings", "security": ADMIN,
                                        "parameters": LIST_PARAMS,
                                        "responses": answers(200, 401, 422)}},
        "/api/admin/bookings/{id}": {"patch": {
            "summary": "Move a booking through its statuses", "security": ADMIN,
            "parameters": [param("id")], "requestBody": body("BookingChange"),
            "responses": answers(200, 401, 404, 409, *FORM_ERRORS)}},
        "/api/admin/bookings/{id}/offer": {"post": {
            "summary": "Offer the visit to an expert, who accepts or declines on their own page",
            "security": ADMIN, "parameters": [param("id")], "requestBody": body("Offer"),
            "responses": answers(200, 401, 404, 409, *FORM_ERRORS)}},
        "/api/admin/bookings/{id}/feedback": {"get": {
            "summary": "A visit's feedback (results from 5 answers, comments from 10)",
            "security": ADMIN, "parameters": [param("id")],
            "responses": answers(200, 401, 404, ok=_FEEDBACK)}},
        "/api/admin/volunteers/{id}/feedback": {"get": {
            "summary": "An expert's feedback over all visits (results from 5, comments from 10)",
            "security": ADMIN, "parameters": [param("id")],
            "responses": answers(200, 401, 404, ok=_FEEDBACK)}},
    },
)
