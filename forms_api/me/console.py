"""Console parts of the me domain: a volunteer's link (issue, revoke) and visits left without
an expert (the overview's card; the privacy page's warning before such a deletion).

A visit is *orphaned* when it is confirmed, still ahead, and its expert's record is gone (a
deletion by phone) or no longer approved (withdrawn, approval revoked). It is worked out from
the records each time, so no flag can go stale; the school's status page says a new expert
will be arranged (`bookings.records.public_booking`'s `reassigning`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin.web import Ctx, page, redirect
from forms_api.bookings.forms import TIME_SLOTS
from forms_api.bookings.records import BOOKINGS
from forms_api.me import links
from forms_api.me.prints import site_base
from forms_api.storage import Database
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import blocking


def upcoming_of(db: Database, expert_id: str) -> list[dict[str, Any]]:
    today = clock.today().isoformat()
    return sorted((b for b in db.table(BOOKINGS).find(expert_id=expert_id, status="confirmed")
                   if (b.get("date") or "") >= today), key=lambda b: (b["date"], b["id"]))


def orphans(db: Database) -> dict[str, Any]:
    """The overview's card: upcoming confirmed visits whose expert is gone or not approved."""
    today = clock.today().isoformat()
    experts = {v["id"]: v for v in db.table(VOLUNTEERS).all()}
    found = sorted((b for b in db.table(BOOKINGS).find(status="confirmed")
                    if (b.get("date") or "") >= today and b.get("expert_id")
                    and experts.get(b["expert_id"], {}).get("status") != "approved"),
                   key=lambda b: (b["date"], b["id"]))
    return {"orphans": found, "slots": TIME_SLOTS}


def before_deletion(db: Database, found: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """The privacy page's warning: this phone's expert has visits ahead."""
    warnings = []
    for person in found.get(VOLUNTEERS, []):
        visits = upcoming_of(db, person["id"])
        if visits:
            listed = "；".join(f"{b['date']} {TIME_SLOTS.get(b.get('time_slot') or '', '')} "
                              f"{b['school']}（{b['reference']}）" for b in visits)
            warnings.append(f"这位专家还有 {len(visits)} 个尚未进行的进校活动：{listed}。删除后这些"
                            "活动会在控制台首页标记为“待重新安排专家”，学校查询时会看到教育局将另行"
                            "安排专家；请尽快改派并告知学校。")
    return warnings


@page
async def issue(request: Request, ctx: Ctx) -> Response:
    volunteer_id = request.path_params["id"]
    link = await blocking(links.issue, ctx.p, volunteer_id, ctx.admin,
                          site_base(ctx.p, request))
    person = await blocking(ctx.p.db.table(VOLUNTEERS).get_id, volunteer_id)
    return ctx.render("me/link.html", person=person, link=link)


@page
async def revoke(request: Request, ctx: Ctx) -> Response:
    volunteer_id = request.path_params["id"]
    await blocking(links.revoke, ctx.p, volunteer_id, ctx.admin)
    return redirect(f"/admin/volunteers/{volunteer_id}/?done=revoked")


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/me/volunteers/{id}/link/", issue, methods=["POST"]),
        Route("/admin/me/volunteers/{id}/revoke/", revoke, methods=["POST"]),
    )
