"""`/api/openapi.json`: the contract's endpoints, with request schemas taken from the forms.

The form declarations are the single source: their JSON schema (labels, help, limits,
choices with Chinese labels in `x-choices`) is what the pages are rendered from too. Bodies
are documented as JSON; the same fields may be posted form-encoded (see the contract). Each
domain declares its part (`OpenApiPart`); `document()` assembles them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from forms_api.forms import HONEYPOT, TOKEN

META = {
    HONEYPOT: {"type": "string", "maxLength": 200,
               "description": "Honeypot: leave empty. A filled one is answered as a success "
                              "and stored nowhere."},
    TOKEN: {"type": "string", "maxLength": 200,
            "description": "Signed fill-time token of a rendered form; also its idempotency "
                           "key (a retry answers with the first record)."},
}



@dataclass(frozen=True)
class OpenApiPart:
    """A domain's share of the document: request models, answer schemas, paths."""

    models: tuple[type[BaseModel], ...] = ()
    public_models: tuple[type[BaseModel], ...] = ()  # public forms: honeypot and token too
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    paths: dict[str, Any] = field(default_factory=dict)


def _schema(model: type[BaseModel], public: bool) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    if public:
        schema["properties"] = {**schema["properties"], **META}
    return schema


def _error() -> dict[str, Any]:
    return {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "fields": {"type": "object",
                                  "additionalProperties": {"type": "string"}}}}}}


TEXT = {"type": "string"}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TEXT = {"type": ["string", "null"]}


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(props), "properties": props}


def items(schema: dict[str, Any]) -> dict[str, Any]:
    return obj(items={"type": "array", "items": schema})


def answers(*statuses: int, ok: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status in statuses:
        if status < 300:
            out[str(status)] = {"description": "OK", "content": {"application/json": {
                "schema": ok or {"type": "object"}}}}
        else:
            out[str(status)] = {"description": "error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
    return out


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{name}"}}}}


def param(name: str, where: str = "path", required: bool = True,
          schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required,
            "schema": schema or {"type": "string", "maxLength": 40}}


ADMIN: list[dict[str, list[str]]] = [{"bearer": []}]
LIST_PARAMS = [param("status", "query", False, {"type": "string", "maxLength": 20}),
               param("limit", "query", False, {"type": "integer", "minimum": 0}),
               param("offset", "query", False, {"type": "integer", "minimum": 0})]


def document(parts: Iterable[OpenApiPart]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API."""
    parts = list(parts)
    schemas: dict[str, Any] = {}
    for part in parts:
        schemas.update({m.__name__: _schema(m, m in part.public_models)
                        for m in (*part.public_models, *part.models)})
    schemas["Error"] = _error()
    paths: dict[str, Any] = {
        "/api/health": {"get": {"summary": "Health", "responses": answers(200)}},
        "/api/modules": {"get": {"summary": "Training modules", "responses": answers(200)}},
    }
    for part in parts:
        schemas.update(part.answers)
        paths.update(part.paths)
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


#: The errors every form endpoint may answer.
FORM_ERRORS = (400, 413, 415, 422, 429)


async def schema(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.openapi)
