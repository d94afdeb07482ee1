"""The volunteers' part of `/api/openapi.json`."""

from __future__ import annotations

from forms_api.volunteers.forms import Review, Volunteer
from forms_api.web.openapi import (
                                   ADMIN,
                                   FORM_ERRORS,
                                   LIST_PARAMS,
                                   NULLABLE_TEXT,
                                   TEXT,
                                   OpenApiPart,
                                   answers,
                                   body,
                                   items,
                                   obj,
                                   param,
                                   ref,
)

PART = OpenApiPart(
    models=(Review,),
    public_models=(Volunteer,),
    answers={
        "Expert": obj(id=TEXT, name=TEXT, title=NULLABLE_TEXT, organization=TEXT,
                      expertise={"type": "array", "items": TEXT}),
        "VolunteerCreated": obj(id=TEXT, status={"const": "pending"}),
    },
    paths={
        "/api/volunteers": {"post": {
            "summary": "Sign up as an expert volunteer (专家志愿者报名)",
            "requestBody": body("Volunteer"),
            "responses": answers(201, 409, *FORM_ERRORS, ok=ref("VolunteerCreated"))}},
        "/api/experts": {"get": {"summary": "Approved public experts",
                                 "responses": answers(200, ok=items(ref("Expert")))}},
        "/api/admin/volunteers": {"get": {"summary": "Volunteers", "security": ADMIN,
                                          "parameters": LIST_PARAMS,
                                          "responses": answers(200, 401, 422)}},
        "/api/admin/volunteers/{id}": {"patch": {
            "summary": "Approve or reject", "security": ADMIN, "parameters": [param("id")],
            "requestBody": body("Review"),
            "responses": answers(200, 401, 404, *FORM_ERRORS)}},
    },
)
