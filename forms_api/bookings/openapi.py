"""The bookings' part of `/api/openapi.json`."""

from __future__ import annotations

from forms_api.bookings.forms import REFERENCE_PATTERN, Booking, BookingCancel, BookingChange
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

PART = OpenApiPart(
    models=(BookingCancel, BookingChange),
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
    },
)
