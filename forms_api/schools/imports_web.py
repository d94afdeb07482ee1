"""The console's import: upload → a dry run shown row by row → 确认导入 applies the same file.

The console's `page()` guard reads no files, so this page checks the session and its CSRF token
itself. Between the preview and the confirmation the uploaded file waits in this process's
memory (at most `PENDING_MAX` files, for `PENDING_SECONDS`, for the admin who sent it); when
it is gone (a restart, another instance) the page asks for the file again.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from forms_api.admin.sessions import Session, csrf_ok
from forms_api.admin.web import current_session, redirect, render
from forms_api.errors import ApiError
from forms_api.schools.api import import_file, read_upload
from forms_api.schools.sheets import MAX_UPLOAD
from forms_api.web.context import blocking
from forms_api.web.intake import media_type, read_submission

PENDING_SECONDS = 30 * 60
PENDING_MAX = 10
TEMPLATE = "schools/import.html"
LIMIT_TEXT = f"{MAX_UPLOAD // (1024 * 1024)} MiB"


@dataclass(frozen=True)
class Pending:
    admin: str
    at: float
    filename: str
    data: bytes


_PENDING: dict[str, Pending] = {}


def _keep(admin: str, filename: str, data: bytes) -> str:
    now = time.monotonic()
    for token in [t for t, p in _PENDING.items() if now - p.at > PENDING_SECONDS]:
        del _PENDING[token]
    while len(_PENDING) >= PENDING_MAX:
        del _PENDING[min(_PENDING, key=lambda t: _PENDING[t].at)]
    token = secrets.token_urlsafe(16)
    _PENDING[token] = Pending(admin, now, filename, data)
    return token


def _take(admin: str, token: str) -> Pending | None:
    found = _PENDING.get(token)
    if found is None or found.admin != admin or time.monotonic() - found.at > PENDING_SECONDS:
        return None
    del _PENDING[token]
    return found


def _page(request: Request, session: Session, status: int = 200, **values: object) -> Response:
    values.setdefault("limit", LIMIT_TEXT)
    return render(request, TEMPLATE, status, admin=session.admin.name, csrf=session.csrf,
                  **values)


async def _post(request: Request, session: Session) -> Response:
    admin = session.admin.name
    if media_type(request) == "multipart/form-data":
        data, filename, fields = await read_upload(request)
        if not csrf_ok(session, fields.get("csrf")):
            return render(request, "admin/expired.html", 403, forbidden=True)
        report = await blocking(import_file, request, data, filename, True, admin)
        token = _keep(admin, filename, data)
        return _page(request, session, report=report, token=token, filename=filename)
    fields = {k: v for k, v in (await read_submission(request)).data.items()
              if isinstance(v, str)}
    if not csrf_ok(session, fields.get("csrf")):
        return render(request, "admin/expired.html", 403, forbidden=True)
    pending = _take(admin, fields.get("token", ""))
    if pending is None:
        return _page(request, session, 409,
                     message="预览已过期，请重新选择文件上传（先预览，再确认导入）。")
    report = await blocking(import_file, request, pending.data, pending.filename, False, admin)
    return _page(request, session, report=report, applied=True, filename=pending.filename)


async def import_page(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        if request.method in ("GET", "HEAD"):
            return redirect("/admin/?next=/admin/schools/import/")
        return render(request, "admin/expired.html", 401)
    try:
        if request.method == "POST":
            return await _post(request, session)
        return _page(request, session)
    except ApiError as exc:
        return _page(request, session, exc.status, message=exc.message)


# Guarded like every `page()`: a live session for any method, its CSRF token for a POST
# (checked in `_post`, after the multipart body is read).
import_page.admin_page = True  # type: ignore[attr-defined]
