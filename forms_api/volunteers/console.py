"""Console pages for expert volunteers: the review queue and one application."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin.web import Ctx, FormState, page, redirect
from forms_api.errors import ApiError, found
from forms_api.forms.validation import validate
from forms_api.storage import Database
from forms_api.volunteers import review
from forms_api.volunteers.forms import EXPERTISE, QUALIFICATIONS, ROLES, Review
from forms_api.volunteers.records import MOVES, STATUSES, VOLUNTEERS
from forms_api.web.context import blocking

ACTIONS = {"approved": "通过", "rejected": "不通过", "request_info": "请补充材料"}


def days_since(text: str) -> int:
    return (clock.now() - clock.parse_iso(text)).days


def labels() -> dict[str, Any]:
    """The label tables the volunteers' templates show codes with."""
    return {"qualifications": QUALIFICATIONS, "expertise": EXPERTISE, "statuses": STATUSES,
            "roles": ROLES}


def counts(db: Database) -> dict[str, Any]:
    """The overview's tile: applications waiting for review."""
    return {"pending": db.table(VOLUNTEERS).count(status="pending")}


def for_exports(db: Database) -> dict[str, Any]:
    return {"statuses": STATUSES}


@page
async def queue(request: Request, ctx: Ctx) -> Response:
    status = request.query_params.get("status", "pending")
    if status not in (*STATUSES, "all"):
        status = "pending"

    def load() -> tuple[list[dict[str, Any]], dict[str, int]]:
        rows = review.volunteers(ctx.p, None if status == "all" else status)
        every = ctx.p.db.table(VOLUNTEERS).all()
        tally = {s: sum(1 for v in every if v["status"] == s) for s in STATUSES}
        tally["all"] = len(every)
        for v in rows:
            v["days"] = days_since(v["created_at"])
        return rows, tally

    rows, tally = await blocking(load)
    return ctx.render("volunteers/volunteers.html", rows=rows, status=status, counts=tally,
                      **labels())


@page
async def application(request: Request, ctx: Ctx) -> Response:
    volunteer_id = request.path_params["id"]
    state = FormState()
    if request.method == "POST":
        state.values = {"action": ctx.text("action"), "note": ctx.text("note")}

        async def act() -> Response:
            action, text = state.values["action"], state.values["note"]
            if action == "request_info":
                if not text:
                    raise ApiError(422, message="请写明需要对方补充的内容。",
                                   fields={"note": "请写明需要对方补充的内容"})
                await blocking(review.request_info, ctx.p, volunteer_id, text, ctx.admin)
            else:
                form = validate(Review, {"status": action, "note": text}, json=False)
                await blocking(review.review, ctx.p, volunteer_id, form, ctx.admin)
            return redirect(f"/admin/volunteers/{volunteer_id}/?done={action}")

        if done := await state.attempt(act):
            return done
    person = found(await blocking(ctx.p.db.table(VOLUNTEERS).get_id, volunteer_id),
                   review.NOT_FOUND)
    person["days"] = days_since(person["created_at"])
    moves = MOVES.get(person["status"], ())
    actions = {k: v for k, v in ACTIONS.items()
               if k in moves or (k == "request_info" and person["status"] == "pending")}
    return ctx.render("volunteers/volunteer.html", state.status, **state.context(),
                      person=person, actions=actions, done=request.query_params.get("done"),
                      **labels())


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/volunteers/", queue, methods=["GET"]),
        Route("/admin/volunteers/{id}/", application, methods=["GET", "POST"]),
    )
