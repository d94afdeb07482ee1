"""Admin: list volunteers and approve or reject them (record: `forms_api.forms.volunteers`)."""

from __future__ import annotations

from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse

from forms_api import clock
from forms_api.admin.auth import require_admin
from forms_api.admin.lists import page_of, status_filter
from forms_api.context import Portal, blocking, portal
from forms_api.errors import ApiError
from forms_api.forms._fields import PortalForm, field
from forms_api.forms.validation import validate
from forms_api.intake import read_submission

STATUSES = ("pending", "approved", "rejected")


class Review(PortalForm):
    """审核志愿者"""

    status: Literal["approved", "rejected"] = field("审核结果", widget="radio",
                                                    choices={"approved": "通过", "rejected": "不通过"})
    note: str | None = field("备注", None, max_length=500)


def volunteers(p: Portal, status: str | None) -> list[dict[str, Any]]:
    table = p.db.table("volunteers")
    found = table.find(status=status) if status else table.all()
    return sorted(found, key=lambda v: (v["created_at"], v["id"]))


def review(p: Portal, volunteer_id: str, form: Review, admin: str) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": form.status, "updated_at": clock.iso(clock.now()),
                               "reviewed_by": admin}
    if form.note is not None:
        changes["note"] = form.note
    updated = p.db.table("volunteers").update_id(volunteer_id, changes)
    if updated is None:
        raise ApiError(404, message="找不到这位志愿者。")
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
