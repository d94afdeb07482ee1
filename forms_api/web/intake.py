"""Reading a public submission: size limit while reading, content types, form fields.

Limits: a body over 64 KiB is refused with 413 as soon as its declared length or the bytes
read so far pass the limit (chunked bodies too), before the rest is read. Forms may have no
file parts and a bounded number of fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from forms_api.errors import ApiError
from forms_api.forms.validation import properties

MAX_BODY = 64 * 1024
MAX_FIELDS = 64
MAX_PART_SIZE = 16 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class Submission:
    """A parsed body: `data` as a dict, and whether it came as JSON (checked strictly)."""

    data: dict[str, Any]
    json: bool


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The whole body, or 413 the moment it is known to exceed `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, message="Content-Length 无效。")
        if int(declared) > limit:
            raise ApiError(413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413)
        chunks.append(chunk)
    return b"".join(chunks)


def _form_dict(form: FormData, model: type[BaseModel] | None) -> dict[str, Any]:
    """Repeated keys fill list fields; a repeated scalar stays a list (and fails validation)."""
    list_fields = set()
    if model is not None:
        list_fields = {n for n, p in properties(model).items() if p.get("type") == "array"}
    data: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        if key in list_fields:
            data[key] = [v for v in values if v.strip()]
        else:
            data[key] = values[0] if len(values) == 1 else values
    return data


async def read_submission(request: Request, model: type[BaseModel] | None = None) -> Submission:
    """Parse a JSON, urlencoded or multipart body (no files) into a dict of fields."""
    kind = media_type(request)
    if kind != "application/json" and kind not in FORM_TYPES:
        raise ApiError(415)
    body = await read_body(request)
    if kind == "application/json":
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ApiError(400, message="请求内容不是有效的 JSON。") from None
        if not isinstance(data, dict):
            raise ApiError(422, message="提交的内容应为一个 JSON 对象。")
        return Submission(data, json=True)
    request._body = body  # request.form() parses what we have already read and measured
    try:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_PART_SIZE)
    except HTTPException as exc:
        raise ApiError(400, message=f"表单内容无法解析：{exc.detail}") from None
    except (ValueError, UnicodeDecodeError, AssertionError, KeyError):
        raise ApiError(400, message="表单内容无法解析。") from None
    return Submission(_form_dict(form, model), json=False)


def _quality(accept: str, wanted: tuple[str, ...]) -> float:
    best = 0.0
    for part in accept.split(","):
        kind, *params = [p.strip() for p in part.split(";")]
        if kind.lower() not in wanted:
            continue
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        best = max(best, q)
    return best


def wants_html(request: Request) -> bool:
    """A browser's plain form POST: form-encoded, and `Accept` prefers HTML to JSON."""
    if media_type(request) not in FORM_TYPES:
        return False
    accept = request.headers.get("accept", "")
    html = _quality(accept, ("text/html", "application/xhtml+xml"))
    json = _quality(accept, ("application/json",)) or _quality(accept, ("*/*",)) * 0.99
    return html > 0 and html >= json


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
