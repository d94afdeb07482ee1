"""Console pages for expert volunteers: the review queue, one application, the directory."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin import experts, volunteers
from forms_api.admin.exports import VOLUNTEER_STATUSES
from forms_api.admin.web import Ctx, errors_of, page, redirect
from forms_api.context import blocking
from forms_api.errors import ApiError
from forms_api.forms._fields import EXPERTISE
from forms_api.forms.validation import validate
from forms_api.forms.volunteers import QUALIFICATIONS

ACTIONS = {"approved": "通过", "rejected": "不通过", "request_info": "请补充材料"}


def days_since(text: str) -> int:
    return (clock.now() - clock.parse_iso(text)).days


def _labels() -> dict[str, Any]:
    return {"qualifications": QUALIFICATIONS, "expertise": EXPERTISE,
            "statuses": VOLUNTEER_STATUSES}


@page
async def queue(request: Request, ctx: Ctx) -> Response:
    status = request.query_params.get("status", "pending")
    if status not in (*VOLUNTEER_STATUSES, "all"):
        status = "pending"

    def load() -> tuple[list[dict[str, Any]], dict[str, int]]:
        rows = volunteers.volunteers(ctx.p, None if status == "all" else status)
        every = ctx.p.db.table("volunteers").all()
        counts = {s: sum(1 for v in every if v["status"] == s) for s in VOLUNTEER_STATUSES}
        counts["all"] = len(every)
        for v in rows:
            v["days"] = days_since(v["created_at"])
        return rows, counts

    rows, counts = await blocking(load)
    return ctx.render("volunteers.html", rows=rows, status=status, counts=counts, **_labels())


@page
async def application(request: Request, ctx: Ctx) -> Response:
    volunteer_id = request.path_params["id"]
    errors: dict[str, str] = {}
    message = None
    status = 200
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = {"action": ctx.text("action"), "note": ctx.text("note")}
        try:
            action = values["action"]
            if action == "request_info":
                if not values["note"]:
                    raise ApiError(422, message="请写明需要对方补充的内容。",
                                   fields={"note": "请写明需要对方补充的内容"})
                await blocking(volunteers.request_info, ctx.p, volunteer_id, values["note"],
                               ctx.admin)
            else:
                form = validate(volunteers.Review, {"status": action, "note": values["note"]},
                                json=False)
                await blocking(volunteers.review, ctx.p, volunteer_id, form, ctx.admin)
            return redirect(f"/admin/volunteers/{volunteer_id}/?done={action}")
        except ApiError as exc:
            errors, message, status = errors_of(exc), exc.message, exc.status
    person = await blocking(ctx.p.db.table("volunteers").get_id, volunteer_id)
    if person is None:
        raise ApiError(404, message="找不到这位志愿者。")
    person["days"] = days_since(person["created_at"])
    moves = volunteers.MOVES.get(person["status"], ())
    actions = {k: v for k, v in ACTIONS.items()
               if k in moves or (k == "request_info" and person["status"] == "pending")}
    return ctx.render("volunteer.html", status, person=person,
                      actions=actions, values=values, errors=errors, message=message,
                      done=request.query_params.get("done"), **_labels())


@page
async def directory(request: Request, ctx: Ctx) -> Response:
    rows = await blocking(experts.directory, ctx.p.db)
    return ctx.render("experts.html", rows=rows, **_labels())


@page
async def expert(request: Request, ctx: Ctx) -> Response:
    expert_id = request.path_params["id"]
    person = await blocking(ctx.p.db.table("volunteers").get_id, expert_id)
    if person is None or person["status"] != "approved":
        raise ApiError(404, message="找不到这位专家。")
    visits = await blocking(experts.service_record, ctx.p.db, expert_id)
    today = clock.today().isoformat()
    return ctx.render("expert.html", person=person, visits=visits, today=today, **_labels())


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/volunteers/", queue, methods=["GET"]),
        Route("/admin/volunteers/{id}/", application, methods=["GET", "POST"]),
        Route("/admin/experts/", directory, methods=["GET"]),
        Route("/admin/experts/{id}/", expert, methods=["GET"]),
    ]
