"""Admin: list volunteers and approve or reject them (record: `forms_api.forms.volunteers`).

Moves: pending → approved | rejected; approved → rejected (approval withdrawn). Asking for more
information keeps the application pending and records the request (`info_requested`).
"""

from __future__ import annotations

from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse

from forms_api import clock
from forms_api.admin import audit
from forms_api.admin.auth import require_admin
from forms_api.admin.lists import by_status, page_of, status_filter
from forms_api.context import Portal, blocking, portal
from forms_api.errors import ApiError
from forms_api.forms._fields import PortalForm, field
from forms_api.forms.validation import validate
from forms_api.intake import read_submission

STATUSES = ("pending", "approved", "rejected")
MOVES: dict[str, tuple[str, ...]] = {"pending": ("approved", "rejected"), "approved": ("rejected",),
                                     "rejected": ()}


class Review(PortalForm):
    """审核志愿者"""

    status: Literal["approved", "rejected"] = field("审核结果", widget="radio",
                                                    choices={"approved": "通过", "rejected": "不通过"})
    note: str | None = field("备注", None, max_length=500)


def volunteers(p: Portal, status: str | None) -> list[dict[str, Any]]:
    return by_status(p.db.table("volunteers"), status)


def review(p: Portal, volunteer_id: str, form: Review, admin: str) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": form.status, "updated_at": clock.iso(clock.now()),
                               "reviewed_by": admin}
    if form.note is not None:
        changes["note"] = form.note
    db = p.db
    with db.transaction():
        current = db.table("volunteers").get_id(volunteer_id)
        if current is None:
            raise ApiError(404, message="找不到这位志愿者。")
        if form.status not in MOVES.get(current["status"], ()):
            raise ApiError(409, "invalid_transition",
                           f"志愿者不能从 {current['status']} 改为 {form.status}。")
        updated = db.table("volunteers").update_id(volunteer_id, changes)
        assert updated is not None
        audit.record(db, admin, "volunteer.review", f"volunteers/{volunteer_id}",
                     **{"from": current["status"], "to": form.status})
    return updated


def request_info(p: Portal, volunteer_id: str, note: str, admin: str) -> dict[str, Any]:
    """Keep a pending application pending and note what the bureau asked for."""
    db = p.db
    with db.transaction():
        current = db.table("volunteers").get_id(volunteer_id)
        if current is None:
            raise ApiError(404, message="找不到这位志愿者。")
        if current["status"] != "pending":
            raise ApiError(409, "invalid_transition", "只有待审核的报名可以请对方补充材料。")
        now = clock.iso(clock.now())
        updated = db.table("volunteers").update_id(volunteer_id, {
            "info_requested": {"note": note, "at": now, "by": admin}, "note": note,
            "updated_at": now})
        assert updated is not None
        audit.record(db, admin, "volunteer.request_info", f"volunteers/{volunteer_id}")
    return updated


async def list_volunteers(request: Request) -> JSONResponse:
    require_admin(request)
    status = status_filter(request, STATUSES)
    return JSONResponse(page_of(request, await blocking(volunteers, portal(request), status)))


async def patch_volunteer(request: Request) -> JSONResponse:
    admin = require_admin(request)
    submission = await read_submission(request, Review)
    form = validate(Review, submission.data, json=submission.json)
    return JSONResponse(await blocking(review, portal(request), request.path_params["id"], form,
                                       admin))
