"""The registry's API: the public search, and the admin list, edits, import and mapping."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from forms_api.admin.auth import admin_form, require_admin
from forms_api.errors import ApiError
from forms_api.forms.validation import validate
from forms_api.schools import links, registry
from forms_api.schools.forms import Mapping, Merge, School
from forms_api.schools.imports import run_import
from forms_api.schools.records import admin_view, all_schools, key
from forms_api.schools.search import search
from forms_api.schools.sheets import MAX_UPLOAD, SheetError, read_rows
from forms_api.web.context import blocking, portal
from forms_api.web.intake import media_type, read_body, read_submission

TRUE = {"1", "true", "on", "yes"}


async def public_search(request: Request) -> JSONResponse:
    q = request.query_params.get("q")
    district = request.query_params.get("district")
    items = await blocking(search, portal(request).db, q, district)
    return JSONResponse({"items": items})


def _listed(request: Request, schools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    q, district = key(request.query_params.get("q")), key(request.query_params.get("district"))
    out = []
    for school in schools:
        if district and key(school.get("district")) != district:
            continue
        if q and q not in key(school.get("name")) and q != school.get("code") and not any(
                q in key(a) for a in school.get("aliases") or []):
            continue
        out.append(admin_view(school))
    return out


async def list_schools(request: Request) -> JSONResponse:
    await require_admin(request)
    schools = await blocking(all_schools, portal(request).db)
    return JSONResponse({"items": _listed(request, schools)})


async def create_school(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, School)
    p = portal(request)
    created = await blocking(registry.create, p.db, form, admin, p.school_links)
    return JSONResponse(created, status_code=201)


async def patch_school(request: Request) -> JSONResponse:
    """Change some fields: the others keep their values."""
    admin = await require_admin(request)
    submission = await read_submission(request)
    p = portal(request)
    school_id = request.path_params["id"]
    before = admin_view(await blocking(registry.get, p.db, school_id))
    fields = ("code", "name", "aliases", "district", "district_code", "stage")
    merged = {k: before[k] for k in fields if before.get(k) not in (None, [])}
    merged.update(submission.data)
    form = validate(School, merged, json=submission.json)
    return JSONResponse(await blocking(registry.update, p.db, school_id, form, admin))


def _set_active(active: bool) -> Any:
    async def handler(request: Request) -> JSONResponse:
        admin = await require_admin(request)
        return JSONResponse(await blocking(registry.set_active, portal(request).db,
                                           request.path_params["id"], active, admin))
    return handler


async def merge_school(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, Merge)
    p = portal(request)
    return JSONResponse(await blocking(registry.merge, p.db, request.path_params["id"],
                                       form.absorbed_id, admin, p.school_links))


async def read_upload(request: Request) -> tuple[bytes, str, dict[str, str]]:
    """The uploaded file part `file` (its bytes and name) and the other (text) fields."""
    if media_type(request) != "multipart/form-data":
        raise ApiError(415, message="请以 multipart/form-data 上传文件（字段名 file）。")
    body = await read_body(request, MAX_UPLOAD + 64 * 1024)
    request._body = body
    try:
        form = await request.form(max_files=1, max_fields=8)
    except HTTPException as exc:
        raise ApiError(400, message=f"上传内容无法解析：{exc.detail}") from None
    except (ValueError, UnicodeDecodeError, AssertionError, KeyError):
        raise ApiError(400, message="上传内容无法解析。") from None
    try:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ApiError(422, message="请选择要导入的 Excel 或 CSV 文件。",
                           fields={"file": "请选择文件"})
        data = await upload.read()
        filename = upload.filename or ""
    finally:
        await form.close()
    if len(data) > MAX_UPLOAD:
        raise ApiError(413, message=f"文件超过 {MAX_UPLOAD // (1024 * 1024)} MiB，请分成几个文件。")
    return data, filename, fields


def is_dry_run(request: Request, fields: dict[str, str]) -> bool:
    flag = fields.get("dry_run") or request.query_params.get("dry_run") or ""
    return flag.lower() in TRUE


def import_file(request: Request, data: bytes, filename: str, dry_run: bool,
                admin: str) -> dict[str, Any]:
    p = portal(request)
    try:
        rows = read_rows(data, filename)
    except SheetError as exc:
        raise ApiError(422, message=str(exc), fields={"file": str(exc)}) from None
    return run_import(p.db, rows, admin, dry_run, p.school_links)


async def import_schools(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    data, filename, fields = await read_upload(request)
    return JSONResponse(await blocking(import_file, request, data, filename,
                                       is_dry_run(request, fields), admin))


async def unlinked(request: Request) -> JSONResponse:
    await require_admin(request)
    p = portal(request)
    return JSONResponse({"items": await blocking(links.unlinked, p.db, p.school_links)})


async def map_text(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, Mapping)
    p = portal(request)
    return JSONResponse(await blocking(links.map_text, p.db, p.school_links, form.text,
                                       form.school_id, admin))


async def link_existing(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    p = portal(request)
    return JSONResponse(await blocking(links.link_now, p.db, p.school_links, admin))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/schools", public_search, methods=["GET"]),
        Route("/admin/schools", list_schools, methods=["GET"]),
        Route("/admin/schools", create_school, methods=["POST"]),
        Route("/admin/schools/import", import_schools, methods=["POST"]),
        Route("/admin/schools/unlinked", unlinked, methods=["GET"]),
        Route("/admin/schools/map", map_text, methods=["POST"]),
        Route("/admin/schools/link", link_existing, methods=["POST"]),
        Route("/admin/schools/{id}", patch_school, methods=["PATCH"]),
        Route("/admin/schools/{id}/close", _set_active(False), methods=["POST"]),
        Route("/admin/schools/{id}/reopen", _set_active(True), methods=["POST"]),
        Route("/admin/schools/{id}/merge", merge_school, methods=["POST"]),
    )
