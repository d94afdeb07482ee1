"""Console pages for the day of a session: the projector (QR, code, countdown, count), the
printable sign-in sheet, 补录 and removal of entries, 学时 corrections, cancelling a session.

The projector's script (`/assets/admin/admin.js`) refreshes the code from `code` and the QR
image from `qr.svg` before each period ends; both answer only to a console session.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin.web import Ctx, page, redirect
from forms_api.errors import found
from forms_api.forms.validation import validate
from forms_api.trainings import codes, corrections, sessions
from forms_api.trainings.forms import (
    CORRECT_REASONS,
    REMOVE_REASONS,
    CorrectEntry,
    PaperEntry,
    RemoveEntry,
)
from forms_api.trainings.records import SESSIONS, checked_in, registrations_of
from forms_api.web.context import blocking, portal

NO_SESSION = "找不到这场培训。"
BLANK_ROWS = 15


def _purpose(request: Request) -> codes.Purpose:
    return "signout" if request.query_params.get("purpose") == "signout" else "checkin"


def site_base(request: Request) -> str:
    return portal(request).settings.site_url or str(request.base_url).rstrip("/")


def link(request: Request, session: dict[str, Any], purpose: codes.Purpose = "checkin") -> str:
    """The link the QR carries: the page and the code of this moment, under the site's public
    address (`PORTAL_SITE_URL`) when it is set, else this request's."""
    base = site_base(request)
    shown, _ = codes.current(session, purpose)
    where = "/attend/" if purpose == "checkin" else "/attend/signout/"
    return f"{base}{where}?{urlencode({'session': session['id'], 'code': shown})}"


def qr_svg(target: str, title: str) -> str:
    # Error correction "m" or higher and a quiet zone of 2 modules hold up when photographed
    # from an angle across a hall.
    qr = segno.make(target, error="m")
    return str(qr.svg_inline(scale=1, border=2, dark="#000", light="#fff", omitsize=True,
                             title=title))


async def _session(ctx: Ctx, request: Request) -> dict[str, Any]:
    return found(await blocking(ctx.p.db.table(SESSIONS).get_id, request.path_params["id"]),
                 NO_SESSION)


@page
async def projector(request: Request, ctx: Ctx) -> Response:
    session = await _session(ctx, request)
    purpose = _purpose(request)
    shown, changes = codes.current(session, purpose)
    count = await blocking(checked_in, ctx.p.db, session["id"])
    target = link(request, session, purpose)
    return ctx.render("trainings/projector.html", session=session, purpose=purpose,
                      qr_svg=qr_svg(target, "签到二维码" if purpose == "checkin" else "签退二维码"),
                      link=target, code=shown, count=count,
                      expires_at=clock.iso(changes) if changes else "",
                      rotation=codes.rotation(session), module=ctx.p.modules.get(session["module"]),
                      address=site_base(request).split("://", 1)[-1]
                      + ("/attend/" if purpose == "checkin" else "/attend/signout/"))


@page
async def code(request: Request, ctx: Ctx) -> Response:
    """The projector's refresh: the code of now and when it changes (console session)."""
    session = await _session(ctx, request)
    shown, changes = codes.current(session, _purpose(request))
    return JSONResponse({"code": shown, "expires_at": clock.iso(changes) if changes else None,
                         "rotation_seconds": codes.rotation(session)},
                        headers={"Cache-Control": "no-store"})


@page
async def qr(request: Request, ctx: Ctx) -> Response:
    """The QR of the current link as an image (the projector swaps it each period)."""
    session = await _session(ctx, request)
    purpose = _purpose(request)
    out = io.BytesIO()
    # A standalone SVG document (with its namespace), unlike the inline one in the page.
    segno.make(link(request, session, purpose), error="m").save(
        out, kind="svg", scale=10, border=2, dark="#000", light="#fff", title="签到二维码")
    return Response(out.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "no-store"})


@page
async def sheet(request: Request, ctx: Ctx) -> Response:
    """The A4 sign-in sheet: registered teachers pre-filled, blank rows for walk-ins."""
    session = await _session(ctx, request)
    registered = [r for r in await blocking(registrations_of, ctx.p.db, session["id"])
                  if r["status"] == "registered"]
    page_link = f"{site_base(request)}/training/schedule/"
    return ctx.render("trainings/sheet.html", session=session, registered=registered,
                      blank=range(len(registered) + 1, len(registered) + 1 + BLANK_ROWS),
                      qr_svg=qr_svg(page_link, "培训安排页二维码"), page_link=page_link,
                      module=ctx.p.modules.get(session["module"]))


def _back(session_id: str, done: str) -> Response:
    return redirect(f"/admin/trainings/{session_id}/?done={done}")


@page
async def paper(request: Request, ctx: Ctx) -> Response:
    session_id = request.path_params["id"]
    data = {k: ctx.text(k) for k in ("name", "school", "phone", "arrived_at", "left_at")}
    form = validate(PaperEntry, data, json=False)
    await blocking(corrections.paper_entry, ctx.p, session_id, form, ctx.admin)
    return _back(session_id, "paper")


@page
async def remove(request: Request, ctx: Ctx) -> Response:
    session_id = request.path_params["id"]
    form = validate(RemoveEntry, {"reason": ctx.text("reason"), "note": ctx.text("note")},
                    json=False)
    await blocking(corrections.remove, ctx.p, session_id, request.path_params["record"], form,
                   ctx.admin)
    return _back(session_id, "removed")


@page
async def correct(request: Request, ctx: Ctx) -> Response:
    session_id = request.path_params["id"]
    counted = {"yes": "true", "no": "false"}.get(ctx.text("counted"))
    form = validate(CorrectEntry, {"counted": counted, "reason": ctx.text("reason"),
                                   "note": ctx.text("note")}, json=False)
    await blocking(corrections.correct, ctx.p, session_id, request.path_params["record"], form,
                   ctx.admin)
    return _back(session_id, "corrected")


@page
async def cancel(request: Request, ctx: Ctx) -> Response:
    session_id = request.path_params["id"]
    await blocking(sessions.cancel, ctx.p, session_id, ctx.admin)
    return _back(session_id, "cancelled")


REASONS = {"remove": REMOVE_REASONS, "correct": CORRECT_REASONS}


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/trainings/{id}/projector", projector, methods=["GET"]),
        Route("/admin/trainings/{id}/code", code, methods=["GET"]),
        Route("/admin/trainings/{id}/qr.svg", qr, methods=["GET"]),
        Route("/admin/trainings/{id}/sheet", sheet, methods=["GET"]),
        Route("/admin/trainings/{id}/paper", paper, methods=["POST"]),
        Route("/admin/trainings/{id}/cancel", cancel, methods=["POST"]),
        Route("/admin/trainings/{id}/attendance/{record}/remove", remove, methods=["POST"]),
        Route("/admin/trainings/{id}/attendance/{record}/correct", correct, methods=["POST"]),
    )
