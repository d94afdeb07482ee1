"""The coordinator's console `/admin/rota/`: the week grid with gaps first, lines, one shift."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin.web import Ctx, FormState, page, redirect
from forms_api.errors import ApiError, found
from forms_api.forms.validation import validate
from forms_api.rota import calendar, hours, lines, seats, swaps, views
from forms_api.rota.forms import Generate, Hotline, Served, ShiftChange
from forms_api.rota.lines import NO_SHIFT
from forms_api.rota.records import (
    HOTLINES,
    OPEN_SWAPS,
    SHIFTS,
    SWAPS,
    blocked_volunteers,
    hotlines,
)
from forms_api.rota.rules import ineligible, roles_of
from forms_api.storage import Database
from forms_api.volunteers.records import approved
from forms_api.web.context import blocking

LINE_FIELDS = ("name", "number", "hours", "training_module", "pattern")
PATTERN_HELP = ("每行一个班次：开始-结束 最少人数 最多人数 督导（后三项可省略），"
                "例如 “20:00-08:00 2 3 李老师”；结束不晚于开始的为跨夜班。")


def parse_pattern(text: str) -> list[dict[str, Any]]:
    """The console's pattern textarea as the API's pattern list."""
    out: list[dict[str, Any]] = []
    for line in text.splitlines():
        parts = line.replace("–", "-").replace("—", "-").split()
        if not parts:
            continue
        start, _, end = parts[0].partition("-")
        slot: dict[str, Any] = {"start": start, "end": end}
        for key, part in zip(("min_seats", "max_seats"), parts[1:3], strict=False):
            slot[key] = int(part) if part.isdigit() and len(part) < 4 else part
        if len(parts) > 3:
            slot["supervisor"] = " ".join(parts[3:])
        out.append(slot)
    return out


def overview(db: Database, monday: dt.date, limit: int) -> dict[str, Any]:
    grid = views.week(db, monday, clock.now())
    names = views.names_of(db)
    shifts = db.table(SHIFTS)
    pending = [{**w, "shift": views.shown(db, s, hotlines(db), names),
                "from_name": names.get(w["from_id"], "?"),
                "to_name": names.get(w["to_id"] or "", "")}
               for w in db.table(SWAPS).all() if w["status"] in OPEN_SWAPS
               and (s := shifts.get_id(w["shift_id"])) is not None]
    blocks = [{"id": v, "name": names.get(v, "?"), "count": c}
              for v, c in blocked_volunteers(db, limit).items()]
    return {**grid, "swaps": pending, "blocks": blocks,
            "lines": sorted(db.table(HOTLINES).all(), key=lambda h: h["name"])}


@page
async def week_page(request: Request, ctx: Ctx) -> Response:
    monday = views.day_param(request.query_params.get("week"), "week", clock.today())
    data = await blocking(overview, ctx.p.db, monday, ctx.p.settings.rota_no_show_limit)
    return ctx.render("rota/week.html", **data, done=request.query_params.get("done"),
                      printing=bool(request.query_params.get("print")))


@page
async def line_new(request: Request, ctx: Ctx) -> Response:
    state = FormState({"pattern": "08:00-12:00 2 3\n12:00-16:00 2 3\n16:00-20:00 2 3\n"
                                  "20:00-24:00 2 3\n00:00-08:00 2 3"})
    if request.method == "POST":
        state.values = {k: ctx.text(k) for k in LINE_FIELDS}

        async def save() -> Response:
            body = {**state.values, "pattern": parse_pattern(state.values["pattern"])}
            form = validate(Hotline, body, json=True)
            await blocking(lines.create_hotline, ctx.p, form, ctx.admin)
            return redirect("/admin/rota/?done=line")

        if done := await state.attempt(save):
            return done
    modules = [(slug, m.title) for slug, m in ctx.p.modules.items()]
    return ctx.render("rota/line_form.html", state.status, **state.context(), modules=modules,
                      pattern_help=PATTERN_HELP)


@page
async def line_generate(request: Request, ctx: Ctx) -> Response:
    form = validate(Generate, {"from": ctx.text("from"), "to": ctx.text("to")}, json=False)
    made = await blocking(lines.generate, ctx.p, request.path_params["id"], form, ctx.admin)
    return redirect(f"/admin/rota/?week={form.from_.isoformat()}&done=generated-{made}")


def shift_detail(db: Database, shift_id: str) -> dict[str, Any] | None:
    shift = db.table(SHIFTS).get_id(shift_id)
    if shift is None:
        return None
    lines_ = hotlines(db)
    shown = views.shown(db, shift, lines_, views.names_of(db))
    line = lines_.get(shift["hotline_id"])
    candidates = []
    for v in approved(db):
        if "hotline" in roles_of(v) and v["id"] not in shift["volunteers"]:
            why = ineligible(db, v["id"], line) if line else None
            candidates.append((v["id"], v["name"] + (f"（{why}）" if why else "")))
    people = [{"id": vid, "name": name, "no_show": vid in shift.get("no_shows", []),
               "served": (shift.get("served") or {}).get(vid),
               "hours": hours.actual(shift, vid)}
              for vid, name in zip(shift["volunteers"], shown["names"], strict=True)]
    return {"shift": shown, "raw": shift, "line": line, "people": people,
            "candidates": candidates,
            "swaps": [w for w in db.table(SWAPS).find(shift_id=shift_id)
                      if w["status"] in OPEN_SWAPS]}


@page
async def shift_page(request: Request, ctx: Ctx) -> Response:
    data = found(await blocking(shift_detail, ctx.p.db, request.path_params["id"]), NO_SHIFT)
    return ctx.render("rota/shift.html", **data, done=request.query_params.get("done"),
                      message=None, now=clock.now())


def _act(ctx: Ctx, shift_id: str, action: str) -> None:
    vid = ctx.text("volunteer_id")
    if action == "assign":
        seats.assign(ctx.p, shift_id, vid, ctx.text("override") in ("on", "1", "true"),
                     ctx.admin)
    elif action == "remove":
        seats.remove(ctx.p, shift_id, vid, ctx.admin)
    elif action == "no-show":
        seats.no_show(ctx.p, shift_id, vid, ctx.admin)
    elif action == "served":
        form = validate(Served, {k: ctx.text(k) for k in ("volunteer_id", "starts_at",
                                                          "ends_at", "reason")}, json=False)
        hours.correct(ctx.p, shift_id, form, ctx.admin)
    elif action in ("cancel", "reopen"):
        status = "cancelled" if action == "cancel" else "open"
        lines.change_shift(ctx.p, shift_id, ShiftChange(status=status), ctx.admin)
    else:
        raise ApiError(404)


@page
async def shift_action(request: Request, ctx: Ctx) -> Response:
    shift_id, action = request.path_params["id"], request.path_params["action"]
    try:
        await blocking(_act, ctx, shift_id, action)
    except ApiError as exc:
        data = found(await blocking(shift_detail, ctx.p.db, shift_id), NO_SHIFT)
        return ctx.render("rota/shift.html", exc.status, **data, done=None,
                          message=exc.message, now=clock.now())
    return redirect(f"/admin/rota/shifts/{shift_id}/?done={action}")


@page
async def swap_action(request: Request, ctx: Ctx) -> Response:
    act = swaps.approve if request.path_params["action"] == "approve" else swaps.decline
    await blocking(act, ctx.p, request.path_params["id"], ctx.admin)
    return redirect(f"/admin/rota/?done=swap-{request.path_params['action']}")


@page
async def lift_block(request: Request, ctx: Ctx) -> Response:
    await blocking(seats.lift, ctx.p, request.path_params["id"], ctx.admin)
    return redirect("/admin/rota/?done=lifted")


@page
async def coordinator_calendar(request: Request, ctx: Ctx) -> Response:
    body = await blocking(calendar.coordinator_feed, ctx.p.db)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "no-store",
                             "Content-Disposition": 'attachment; filename="rota.ics"'})


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/rota/", week_page, methods=["GET"]),
        Route("/admin/rota/calendar.ics", coordinator_calendar, methods=["GET"]),
        Route("/admin/rota/lines/new", line_new, methods=["GET", "POST"]),
        Route("/admin/rota/lines/{id}/generate", line_generate, methods=["POST"]),
        Route("/admin/rota/shifts/{id}/", shift_page, methods=["GET"]),
        Route("/admin/rota/shifts/{id}/{action:str}", shift_action, methods=["POST"]),
        Route("/admin/rota/swaps/{id}/{action:str}", swap_action, methods=["POST"]),
        Route("/admin/rota/volunteers/{id}/lift", lift_block, methods=["POST"]),
    )
