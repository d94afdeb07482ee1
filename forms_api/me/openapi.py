"""The me domain's part of `/api/openapi.json`: personal links, the teacher's lookup, the feed."""

from __future__ import annotations

from forms_api.me.forms import Lookup
from forms_api.web.openapi import ADMIN, FORM_ERRORS, TEXT, OpenApiPart, answers, body, obj, param

#: A private calendar feed's answer (the token in the address is the credential).
ICS = {"description": "iCalendar (RFC 5545), UTF-8",
       "content": {"text/calendar": {"schema": {"type": "string"}}}}

PART = OpenApiPart(
    public_models=(Lookup,),
    paths={
        "/api/admin/volunteers/{id}/link": {
            "post": {"summary": "Issue the volunteer a new personal link (the old one stops) "
                                "and send it as a notice", "security": ADMIN,
                     "parameters": [param("id")],
                     "responses": answers(200, 401, 404, ok=obj(link=TEXT))},
            "delete": {"summary": "Revoke the volunteer's links, sessions and calendar feed",
                       "security": ADMIN, "parameters": [param("id")],
                       "responses": answers(200, 401, 404,
                                            ok=obj(revoked={"type": "integer"}))}},
        "/api/me/lookup": {"post": {
            "summary": "A teacher asks for her record's link by phone and name: always 202, "
                       "the same answer whether or not they match",
            "requestBody": body("Lookup"),
            "responses": answers(202, *FORM_ERRORS, ok=obj(status=TEXT, message=TEXT))}},
        "/me/calendar.ics": {"get": {
            "summary": "An expert's private calendar feed of their own visits",
            "parameters": [param("t", "query", schema={"type": "string", "maxLength": 200})],
            "responses": {"200": ICS, **answers(404)}}},
    },
)
