"""The contract's one error shape, and the handlers that render it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from forms_api.storage import StorageError

log = logging.getLogger("portal.errors")
T = TypeVar("T")

# Default code and Chinese message for each status the API answers with.
STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("malformed_body", "请求内容无法解析，请检查格式后重试。"),
    401: ("unauthorized", "需要有效的管理员凭证。"),
    403: ("forbidden", "没有权限执行此操作。"),
    404: ("not_found", "找不到请求的内容。"),
    405: ("method_not_allowed", "不支持这种请求方式。"),
    409: ("conflict", "请求与当前状态冲突。"),
    413: ("body_too_large", "提交的内容过大（上限 64 KiB）。"),
    415: ("unsupported_media_type", "不支持的内容类型，请以 JSON 或表单方式提交。"),
    422: ("validation_error", "填写的内容有误，请按提示修改。"),
    429: ("rate_limited", "提交过于频繁，请稍后再试。"),
    500: ("internal_error", "服务器出错了，请稍后再试。您的数据没有被标记为已保存。"),
    503: ("unavailable", "服务暂时不可用，请稍后再试。"),
}


class ApiError(Exception):
    """An error the API answers with; `fields` maps field names to Chinese messages."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        default_code, default_message = STATUS_CODES.get(status, ("error", "请求失败。"))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.fields = dict(fields) if fields else None
        self.headers = dict(headers) if headers else None
        super().__init__(f"{status} {self.code}: {self.message}")

    def body(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.fields is not None:
            error["fields"] = self.fields
        return {"error": error}


def found(record: T | None, message: str = "找不到请求的内容。") -> T:
    """`record`, or the 404 that says what was not found."""
    if record is None:
        raise ApiError(404, message=message)
    return record


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(ApiError(exc.status_code, headers=headers))


async def server_error_handler(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s: %s", request.method, request.url.path,
              type(exc).__name__)
    return error_response(ApiError(500))


async def storage_error_handler(request: Request, exc: Exception) -> Response:
    # Handled here rather than as a 500 re-raised to the server: uvicorn closes the connection
    # after an exception escapes, and a client reusing it sees a reset instead of this answer.
    log.error("storage refused the change on %s %s: %s", request.method, request.url.path, exc)
    return error_response(ApiError(
        503, message="数据暂时无法保存，请稍后再试。这次提交没有保存。",
        headers={"Retry-After": "30"}))


EXCEPTION_HANDLERS = {
    ApiError: api_error_handler,
    HTTPException: http_exception_handler,
    StorageError: storage_error_handler,
    Exception: server_error_handler,
}
