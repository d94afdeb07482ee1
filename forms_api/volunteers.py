"""Expert volunteers (table `volunteers`): sign-up and the public list of experts.

The record shape is documented in `forms_api.forms.volunteers`. Only approved volunteers who
chose `public_profile` are listed, and never with a phone, an email or a note.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.context import Portal, blocking, portal
from forms_api.errors import ApiError
from forms_api.forms.volunteers import Volunteer, unmet_criteria
from forms_api.storage import Database, new_id
from forms_api.submit import Outcome, submit

ACTIVE = ("pending", "approved")
THANKS = "/thanks/volunteer/"
EXPERT_FIELDS = ("id", "name", "title", "organization", "expertise")


def public_experts(db: Database) -> list[dict[str, Any]]:
    """Approved volunteers who chose a public profile, by name; contact fields never."""
    found = db.table("volunteers").find(status="approved", public_profile=True)
    found.sort(key=lambda v: (v["name"], v["id"]))
    return [{k: v.get(k) for k in EXPERT_FIELDS} for v in found]


def register(p: Portal, form: Volunteer, key: str | None) -> Outcome:
    """A pending volunteer; a retry of the same submission answers with the first record."""
    unmet = unmet_criteria(form)
    if unmet:
        fields = {}
        if any("资质" in c for c in unmet):
            fields["qualifications"] = "需要至少一项“其他”以外的专业资质"
        if any("年" in c for c in unmet):
            fields["years_experience"] = "需要 3 年以上心理健康相关工作经历"
        raise ApiError(422, message="暂不符合报名条件：" + "；".join(unmet) + "。", fields=fields)
    db = p.db
    table = db.table("volunteers")
    with db.transaction():
        if key is not None:
            for prior in table.find(submission=key):
                if prior["phone"] == form.phone:
                    return 201, {"id": prior["id"], "status": prior["status"]}, THANKS
        if any(v["status"] in ACTIVE for v in table.find(phone=form.phone)):
            raise ApiError(409, "already_registered",
                           "这个手机号已经报名过（正在审核或已通过），无需重复报名。")
        now = clock.iso(clock.now())
        record = {"id": new_id(), "status": "pending", **form.model_dump(mode="json"),
                  "notice_version": p.notice_version, "note": None, "created_at": now,
                  "updated_at": now, "submission": key}
        table.insert(record)
    return 201, {"id": record["id"], "status": "pending"}, THANKS


async def create_volunteer(request: Request) -> Response:
    p = portal(request)

    def act(form: Volunteer, key: str | None) -> Outcome:
        return register(p, form, key)

    def fake(form: Volunteer) -> Outcome:
        return 201, {"id": new_id(), "status": "pending"}, THANKS

    return await submit(request, "volunteers", act, fake)


async def list_experts(request: Request) -> JSONResponse:
    return JSONResponse({"items": await blocking(public_experts, portal(request).db)})


def routes() -> list[BaseRoute]:
    return [
        Route("/volunteers", create_volunteer, methods=["POST"]),
        Route("/experts", list_experts, methods=["GET"]),
    ]
