"""The school registry's part of `/api/openapi.json`."""

from __future__ import annotations

from typing import Any

from forms_api.schools.forms import Mapping, Merge, School
from forms_api.schools.sheets import MAX_UPLOAD
from forms_api.web.openapi import (
    ADMIN,
    FORM_ERRORS,
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

COUNT = {"type": "integer", "minimum": 0}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
PUBLIC_SCHOOL = obj(id=TEXT, code=NULLABLE_TEXT, name=TEXT, district=NULLABLE_TEXT,
                    stage=NULLABLE_TEXT)
ADMIN_SCHOOL = obj(id=TEXT, code=NULLABLE_TEXT, name=TEXT,
                   aliases={"type": "array", "items": TEXT}, district=NULLABLE_TEXT,
                   district_code=NULLABLE_TEXT, stage=NULLABLE_TEXT,
                   active={"type": "boolean"}, merged_into=NULLABLE_TEXT,
                   created_at=NULLABLE_TIME, updated_at=NULLABLE_TIME)
ROW = {"type": "object", "required": ["row", "action", "name"], "properties": {
    "row": COUNT, "action": {"enum": ["created", "updated", "unchanged", "refused"]},
    "name": TEXT, "message": TEXT, "changes": {"type": "array", "items": TEXT}}}
IMPORTED = obj(created=COUNT, updated=COUNT, unchanged=COUNT,
               errors={"type": "array", "items": obj(row=COUNT, message=TEXT)},
               rows={"type": "array", "items": ROW}, linked=COUNT,
               dry_run={"type": "boolean"})
UNLINKED = obj(key=TEXT, text=TEXT, total=COUNT,
               counts={"type": "object", "additionalProperties": COUNT})
UPLOAD: dict[str, Any] = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": f"XLSX or CSV (UTF-8 or GB18030), at most {MAX_UPLOAD} bytes; "
                                "headers 学校标识码, 学校名称, 区县, 学段, optional 别名, 区县代码"},
        "dry_run": {"type": "string", "enum": ["0", "1"],
                    "description": "1: report what would change, write nothing"}}}}}}
SEARCH_PARAMS = [param("q", "query", False, {"type": "string", "maxLength": 40}),
                 param("district", "query", False, {"type": "string", "maxLength": 20})]
ID = [param("id")]

PART = OpenApiPart(
    models=(School, Merge, Mapping),
    answers={"PublicSchool": PUBLIC_SCHOOL, "School": ADMIN_SCHOOL, "SchoolImport": IMPORTED,
             "UnlinkedSchool": UNLINKED},
    paths={
        "/api/schools": {"get": {
            "summary": "Search the school registry (name, alias, pinyin initials, code)",
            "parameters": SEARCH_PARAMS,
            "responses": answers(200, ok=items(ref("PublicSchool")))}},
        "/api/admin/schools": {
            "get": {"summary": "The school registry (学校名录)", "security": ADMIN,
                    "parameters": SEARCH_PARAMS,
                    "responses": answers(200, 401, ok=items(ref("School")))},
            "post": {"summary": "Add a school", "security": ADMIN, "requestBody": body("School"),
                     "responses": answers(201, 401, 409, *FORM_ERRORS, ok=ref("School"))}},
        "/api/admin/schools/import": {"post": {
            "summary": "Import the bureau's school list (XLSX or CSV), optionally as a dry run",
            "security": ADMIN, "requestBody": UPLOAD,
            "responses": answers(200, 400, 401, 413, 415, 422, ok=ref("SchoolImport"))}},
        "/api/admin/schools/unlinked": {"get": {
            "summary": "School texts typed on forms that name no registry entry",
            "security": ADMIN, "responses": answers(200, 401, ok=items(ref("UnlinkedSchool")))}},
        "/api/admin/schools/map": {"post": {
            "summary": "Map a typed school text to a school: every record with it is linked",
            "security": ADMIN, "requestBody": body("Mapping"),
            "responses": answers(200, 401, *FORM_ERRORS, ok=obj(
                school_id=TEXT, linked=COUNT, alias_added={"type": "boolean"}))}},
        "/api/admin/schools/link": {"post": {
            "summary": "Link unlinked records whose text is a school's name or alias exactly",
            "security": ADMIN, "responses": answers(200, 401, ok=obj(linked=COUNT))}},
        "/api/admin/schools/{id}": {"patch": {
            "summary": "Edit a school (fields left out keep their values)", "security": ADMIN,
            "parameters": ID, "requestBody": body("School"),
            "responses": answers(200, 401, 404, 409, *FORM_ERRORS, ok=ref("School"))}},
        "/api/admin/schools/{id}/close": {"post": {
            "summary": "Close a school", "security": ADMIN, "parameters": ID,
            "responses": answers(200, 401, 404, 409, ok=ref("School"))}},
        "/api/admin/schools/{id}/reopen": {"post": {
            "summary": "Reopen a closed school", "security": ADMIN, "parameters": ID,
            "responses": answers(200, 401, 404, 409, ok=ref("School"))}},
        "/api/admin/schools/{id}/merge": {"post": {
            "summary": "Merge another school into this one (its records follow)",
            "security": ADMIN, "parameters": ID, "requestBody": body("Merge"),
            "responses": answers(200, 401, 404, 409, *FORM_ERRORS, ok=ref("School"))}},
    },
)
