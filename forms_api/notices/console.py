"""The console's outbox page `/admin/outbox/`: what was sent, what waits, what failed."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.web import Ctx, FormState, page, redirect
from forms_api.errors import ApiError, found
from forms_api.notices import handling
from forms_api.notices.outbox import EVENTS, OUTBOX, STATUSES
from forms_api.storage import Database
from forms_api.web.context import blocking

ROLES = {"volunteer": "专家志愿者", "school": "学校联系人", "teacher": "教师", "bureau": "市教育局"}
CHANNEL_STATES = {"sending": "发送中", "retry": "等待重试", "sent": "已送达", "failed": "失败"}
CHANNELS = {"email": "邮件", "webhook": "短信/政务微信接口", "sms": "短信"}
ACTIONS = {"retry", "handed", "link"}


def labels() -> dict[str, Any]:
    return {"statuses": STATUSES, "events": EVENTS, "roles": ROLES,
            "channel_states": CHANNEL_STATES, "channels": CHANNELS}


def tile(db: Database) -> dict[str, Any]:
    return handling.counts(db)


def _base(ctx: Ctx) -> str:
    return ctx.p.settings.site_url or str(ctx.request.base_url).rstrip("/")


@page
async def outbox(request: Request, ctx: Ctx) -> Response:
    status = request.query_params.get("status", "waiting")
    if status not in (*STATUSES, "all"):
        status = "waiting"

    def load() -> tuple[list[dict[str, Any]], dict[str, int]]:
        rows = handling.notices(ctx.p.db, None if status == "all" else status)
        table = ctx.p.db.table(OUTBOX)
        tally = {s: table.count(status=s) for s in STATUSES}
        tally["all"] = len(table)
        return rows, tally

    rows, tally = await blocking(load)
    return ctx.render("notices/outbox.html", rows=rows, status=status, counts=tally, **labels())


@page
async def notice(request: Request, ctx: Ctx) -> Response:
    notice_id = request.path_params["id"]
    state = FormState()
    minted: str | None = None
    if request.method == "POST":
        action = ctx.text("action")
        state.values = {"action": action}
        if action not in ACTIONS:
            raise ApiError(422, message="不认识的操作。", fields={"action": "不认识的操作"})
        if action == "link":
            minted = await blocking(handling.link_to_pass_on, ctx.p.db, notice_id, ctx.admin,
                                    _base(ctx), True)
        else:
            act = handling.retry if action == "retry" else handling.hand
            await blocking(act, ctx.p.db, notice_id, ctx.admin)
            return redirect(f"/admin/outbox/{notice_id}/?done={action}")
    row = found(await blocking(ctx.p.db.table(OUTBOX).get_id, notice_id), handling.NOT_FOUND)
    link = minted or await blocking(handling.link_to_pass_on, ctx.p.db, notice_id, ctx.admin,
                                    _base(ctx))
    return ctx.render("notices/notice.html", state.status, **state.context(), notice=row,
                      link=link, minted=minted is not None,
                      personal=isinstance(row.get("link"), dict),
                      done=request.query_params.get("done"), **labels())


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/outbox/", outbox, methods=["GET"]),
        Route("/admin/outbox/{id}/", notice, methods=["GET", "POST"]),
    )
