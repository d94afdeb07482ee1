"""The public pages of trainings the server fills: `/attend/`, its receipt, the schedule."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.forms.render import render_form
from forms_api.storage import Database
from forms_api.trainings import codes, forms, records, registration, signout
from forms_api.trainings.records import ATTENDANCE, SESSIONS
from forms_api.web import tokens
from forms_api.web.context import Portal, blocking, portal
from forms_api.web.pages import ONLINE_ONLY, note, region

#: What the built pages show in these regions before (or without) the server.
SLOTS = {
    "session": note("请扫描培训现场投影的二维码打开本页；无法扫码时，请在线打开本页并输入现场公布的签到码。"),
    "schedule": note(f"培训安排{ONLINE_ONLY}"),
    "receipt": note("结果需要在线查看。"),
}


def session_block(p: Portal, session: dict[str, Any] | None, problem: str | None = None,
                  purpose: codes.Purpose = "checkin") -> str:
    """What a teacher sees first: which session this link is for, and whether check-in (or
    sign-out, on the sign-out page) is open."""
    if session is None:
        return region(p, "trainings/site/session.html", session=None, problem=problem)
    starts, ends = clock.parse_iso(session["starts_at"]), clock.parse_iso(session["ends_at"])
    noun = "签到" if purpose == "checkin" else "签退"
    opens, closes = records.window(session) if purpose == "checkin" else signout.window(session)
    now = clock.now()
    if records.cancelled(session):
        state = f"这场培训已取消，不再{noun}。", "portal-note--warn"
    elif now < opens:
        ahead = "（开始前 60 分钟）" if purpose == "checkin" else "（培训开始后）"
        state = f"{noun}将于 {clock.show_time(opens)} 开放{ahead}。", "portal-note--warn"
    elif now > closes:
        state = (f"这场培训已于 {closes.year}年{clock.show_date(closes.date())} 结束，{noun}已关闭。"
                 "如果您在参加今天的培训，请扫描今天现场的二维码。", "portal-note--warn")
    else:
        state = f"正在{noun}，请填写下面的信息。", "portal-note--ok"
    rows = [("培训", session["title"]), ("时间", clock.show_span(starts, ends)),
            ("地点", session["location"])]
    module = p.modules.get(session["module"])
    if module is not None:
        rows.insert(1, ("课程", module.title))
    return region(p, "trainings/site/session.html", session=session, rows=rows,
                  state=state[0], state_class=state[1])


def typed_code(raw: str) -> str:
    """A code as people type it: full-width digits and spaces (`６８２ ９４３`) understood."""
    return str(forms.typed_code(raw))[:8]


def find_by_code(db: Database, code: str) -> dict[str, Any] | None:
    """The session a typed code belongs to: the one open now, else the nearest in time.

    A rotating code is looked for among the sessions open now, by their recent codes.
    """
    now = clock.now()
    candidates = [s for s in db.table(SESSIONS).find(code=code) if not codes.rotation(s)]
    candidates += [s for s in db.table(SESSIONS).all()
                   if codes.rotation(s) and records.window(s)[0] <= now <= records.window(s)[1]
                   and codes.judge(s, code, now) == "ok"]
    if not candidates:
        return None
    open_now = [s for s in candidates if records.window(s)[0] <= now <= records.window(s)[1]]
    pool = open_now or candidates
    return min(pool, key=lambda s: abs((clock.parse_iso(s["starts_at"]) - now).total_seconds()))


async def attend_page(request: Request) -> Response:
    p = portal(request)
    session_id = request.query_params.get("session", "")[:40]
    code = typed_code(request.query_params.get("code", "")[:40])
    session = None
    if session_id:
        session = await blocking(p.db.table(SESSIONS).get_id, session_id)
    elif code:
        session = await blocking(find_by_code, p.db, code)
    if session is None:
        if session_id:
            block = session_block(p, None)
        elif code:
            block = session_block(p, None, "没有找到这个签到码对应的培训，请核对后重新输入。")
        else:
            block = note("请扫描培训现场投影的二维码打开本页；无法扫码时，请输入现场公布的签到码。")
        finder = region(p, "trainings/site/finder.html", code=code)
        html = p.pages.fill("attend/", {"attendance": finder}, {"session": block})
        return HTMLResponse(html, status_code=200)
    inner = render_form(p.forms["attendance"], values={"code": code} if code else {},
                        action=f"/api/trainings/{session['id']}/attendance",
                        token=tokens.issue(p.secret), online=True)
    html = p.pages.fill("attend/", {"attendance": inner}, {"session": session_block(p, session)})
    return HTMLResponse(html)


async def attend_thanks(request: Request) -> Response:
    p = portal(request)
    record_id = request.query_params.get("id", "")[:40]
    record = await blocking(p.db.table(ATTENDANCE).get_id, record_id) if record_id else None
    values: dict[str, Any] = {"record": record}
    if record is not None:
        session = await blocking(p.db.table(SESSIONS).get_id, record["session_id"])
        values.update(receipt=records.receipt(record), title=session["title"] if session else "")
    block = region(p, "trainings/site/receipt.html", **values)
    return HTMLResponse(p.pages.fill("thanks/attend/", slots={"receipt": block}))


async def schedule_page(request: Request) -> Response:
    p = portal(request)
    sessions = await blocking(records.listed_sessions, p.db)
    shown = [{**s, "span": clock.show_span(clock.parse_iso(s["starts_at"]),
                                           clock.parse_iso(s["ends_at"])),
              "module": p.modules.get(s["module"]), "module_slug": s["module"]}
             for s in sessions]
    block = region(p, "trainings/site/schedule.html", sessions=shown)
    return HTMLResponse(p.pages.fill("training/schedule/", slots={"schedule": block}))


async def signout_page(request: Request) -> Response:
    """The sign-out form of the session on the projector's second QR."""
    p = portal(request)
    session_id = request.query_params.get("session", "")[:40]
    code = typed_code(request.query_params.get("code", "")[:40])
    session = await blocking(p.db.table(SESSIONS).get_id, session_id) if session_id else None
    if session is None or not session.get("sign_out"):
        block = note("请扫描培训结束时现场投影的签退二维码打开本页。", "warn")
        return HTMLResponse(p.pages.fill("attend/signout/", {"signout": ""}, {"session": block}))
    inner = render_form(p.forms["signout"], values={"code": code} if code else {},
                        action=f"/api/trainings/{session['id']}/signout",
                        token=tokens.issue(p.secret), online=True)
    return HTMLResponse(p.pages.fill("attend/signout/", {"signout": inner},
                                     {"session": session_block(p, session, purpose="signout")}))


def registration_block(p: Portal, db: Database, session: dict[str, Any],
                       problem: str | None) -> str:
    rule = session["registration"] or {}
    starts, ends = clock.parse_iso(session["starts_at"]), clock.parse_iso(session["ends_at"])
    rows = [("培训", session["title"]), ("时间", clock.show_span(starts, ends)),
            ("地点", session["location"]),
            ("报名", f"已报名 {records.registered(db, session['id'])} / {rule.get('capacity')}"),
            ("截止", clock.show_time(clock.parse_iso(rule["deadline"])) if rule else "")]
    if rule.get("required"):
        rows.append(("签到", "仅限已报名教师（以报名手机号为准）"))
    state = (problem, "portal-note--warn") if problem else (
        "正在报名；名额已满时进入候补，有人取消时按顺序递补。", "portal-note--ok")
    return region(p, "trainings/site/session.html", session=session, rows=rows,
                  state=state[0], state_class=state[1])


async def register_page(request: Request) -> Response:
    p = portal(request)
    session_id = request.query_params.get("session", "")[:40]
    session = await blocking(p.db.table(SESSIONS).get_id, session_id) if session_id else None
    if session is None or not session.get("registration"):
        block = note("请在“培训安排”中选择一场开放报名的培训。", "warn")
        return HTMLResponse(p.pages.fill("training/register/", {"registration": ""},
                                         {"session": block}))
    problem = registration.open_problem(session)
    block = await blocking(registration_block, p, p.db, session, problem)
    inner = "" if problem else render_form(
        p.forms["registration"], action=f"/api/trainings/{session['id']}/registrations",
        token=tokens.issue(p.secret), online=True)
    return HTMLResponse(p.pages.fill("training/register/", {"registration": inner},
                                     {"session": block}))


async def register_thanks(request: Request) -> Response:
    """The receipt: status, place on the waitlist, and (with its token) the cancel button."""
    p = portal(request)
    record_id = request.query_params.get("id", "")[:40]
    token = request.query_params.get("t", "")[:64]

    def load() -> dict[str, Any]:
        record = registration.holder(p.db, record_id, token) if token else None
        if record is None:
            return {"record": None}
        session = p.db.table(SESSIONS).get_id(record["session_id"]) or {}
        return {"record": record, "session": session, "token": token,
                "position": registration.position(p.db, record),
                "status": records.REGISTRATION_STATUSES[record["status"]],
                "span": clock.show_span(clock.parse_iso(session["starts_at"]),
                                        clock.parse_iso(session["ends_at"])) if session else ""}

    block = region(p, "trainings/site/registration.html", **await blocking(load))
    return HTMLResponse(p.pages.fill("thanks/register/", slots={"receipt": block}))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/attend/", attend_page, methods=["GET"]),
        Route("/attend/signout/", signout_page, methods=["GET"]),
        Route("/training/register/", register_page, methods=["GET"]),
        Route("/thanks/register/", register_thanks, methods=["GET"]),
        Route("/training/schedule/", schedule_page, methods=["GET"]),
        Route("/thanks/attend/", attend_thanks, methods=["GET"]),
    )
