"""The volunteer's own shifts page `/me/shifts/`: my shifts, open seats, swaps, my calendar.

The page is a built page whose `shifts` region the server fills for the volunteer of the
own-page session (`forms_api.web.personal`, cookie on `/me/`). Its buttons are plain forms
that post under `/me/shifts/…` (where the cookie is sent) and come back here with 303; a
refusal is shown on the page with its reason. Nothing here needs JavaScript.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.errors import ApiError
from forms_api.rota import calendar, seats, swaps, views
from forms_api.web.context import Portal, blocking, portal
from forms_api.web.pages import note, region
from forms_api.web.personal import current, live

PAGE = "me/shifts/"
SLOTS = {"shifts": note("“我的值班”需要在线查看：请通过个人链接打开本站。")}
DONE = {"take": "已认领这个班次。", "leave": "已退出这个班次。", "offer": "换班申请已发出。",
        "accept": "已接替这个班次。", "withdraw": "换班申请已撤回。",
        "revoke": "日历订阅地址已停用。"}
NO_STORE = {"Cache-Control": "no-store"}


async def _volunteer(request: Request) -> str | None:
    """The volunteer of the session, while they still have a live link (revoking ends it)."""
    p = portal(request)
    person = current(request, p.secret)
    if person is None or person.kind != "volunteer" or not await blocking(live, p.db, person):
        return None
    return person.subject_id


async def _page(request: Request, volunteer_id: str | None, *, message: str | None = None,
                problem: str | None = None, feed_url: str | None = None,
                status: int = 200) -> Response:
    p = portal(request)
    if volunteer_id is None:
        block = note("请先通过教育局发给您的个人链接打开“我的页面”，再来管理值班。", "warn")
        # A page for people, not a refusal: it says how to sign in (no 401 for a browser).
        return HTMLResponse(p.pages.fill(PAGE, slots={"shifts": block}), headers=NO_STORE)
    page = await blocking(views.for_volunteer, p.db, p.settings, volunteer_id, clock.now())
    has_feed = await blocking(calendar.has_feed, p.db, volunteer_id)
    block = region(p, "rota/site/shifts.html", **page, message=message, problem=problem,
                   feed_url=feed_url, has_feed=has_feed)
    return HTMLResponse(p.pages.fill(PAGE, slots={"shifts": block}), status, headers=NO_STORE)


async def shifts_page(request: Request) -> Response:
    done = DONE.get(request.query_params.get("done", ""))
    return await _page(request, await _volunteer(request), message=done)


async def _act(request: Request, action: str, fn: Any, target: str) -> Response:
    volunteer_id = await _volunteer(request)
    if volunteer_id is None:
        return await _page(request, None)
    try:
        await blocking(fn, portal(request), target, volunteer_id)
    except ApiError as exc:
        return await _page(request, volunteer_id, problem=exc.message, status=exc.status)
    return RedirectResponse(f"/{PAGE}?done={action}", status_code=303, headers=NO_STORE)


async def shift_action(request: Request) -> Response:
    action = request.path_params["action"]
    fn = {"take": seats.take, "leave": seats.leave, "offer": swaps.offer}.get(action)
    if fn is None:
        raise ApiError(404)
    return await _act(request, action, fn, request.path_params["id"])


async def swap_action(request: Request) -> Response:
    action = request.path_params["action"]
    fn = {"accept": swaps.accept, "withdraw": swaps.withdraw}.get(action)
    if fn is None:
        raise ApiError(404)
    return await _act(request, action, fn, request.path_params["id"])


def _mint(p: Portal, volunteer_id: str) -> str:
    with p.db.transaction():
        return calendar.mint(p.db, volunteer_id)


def _revoke(p: Portal, volunteer_id: str) -> int:
    with p.db.transaction():
        return calendar.revoke(p.db, volunteer_id)


async def feed_action(request: Request) -> Response:
    """Mint (the address is shown once, never stored) or revoke my calendar feed."""
    volunteer_id = await _volunteer(request)
    if volunteer_id is None:
        return await _page(request, None)
    p = portal(request)
    if request.path_params["action"] not in ("mint", "revoke"):
        raise ApiError(404)
    if request.path_params["action"] == "revoke":
        await blocking(_revoke, p, volunteer_id)
        return RedirectResponse(f"/{PAGE}?done=revoke", status_code=303, headers=NO_STORE)
    token = await blocking(_mint, p, volunteer_id)
    base = p.settings.site_url or str(request.base_url).rstrip("/")
    return await _page(request, volunteer_id, feed_url=f"{base}/api/rota/feed/{token}.ics",
                       message="新的日历订阅地址已生成（旧地址已停用）。")


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/me/shifts/", shifts_page, methods=["GET"]),
        Route("/me/shifts/feed/{action:str}", feed_action, methods=["POST"]),
        Route("/me/shifts/{id}/{action:str}", shift_action, methods=["POST"]),
        Route("/me/swaps/{id}/{action:str}", swap_action, methods=["POST"]),
    )
