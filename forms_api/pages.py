"""Pages served from the built site with their marked regions filled on the server.

The static pages cannot know a session, a reference or a fresh fill-time token, so these
routes read the built HTML and fill its `portal:` regions (every value escaped): the form
pages get a signed token, `/attend/` shows the session of its link before anything else,
`/experts/` and `/training/schedule/` list from the database, the thank-you pages show the
receipt or the reference. Without the server (file://) the regions keep their offline text.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock, tokens
from forms_api.context import Portal, blocking, portal
from forms_api.errors import ApiError
from forms_api.forms import FORMS
from forms_api.forms._fields import EXPERTISE, half_width
from forms_api.forms.bookings import (REFERENCE_PATTERN, STATUSES, TIME_SLOTS, BookingLookup,
                                      eligible_dates, normalize_reference)
from forms_api.forms.render import render_form, replace_region
from forms_api.forms.validation import validate
from forms_api.intake import client_address, read_submission
from forms_api.storage import Database

ONLINE_ONLY = "需要在线查看：请在本站网址上打开本页。"
SLOT_DEFAULTS: dict[str, str] = {
    "session": '<p class="portal-note">请扫描培训现场投影的二维码打开本页；无法扫码时，'
               "请在线打开本页并输入现场公布的签到码。</p>",
    "experts": f'<p class="portal-note">专家名单{ONLINE_ONLY}</p>',
    "schedule": f'<p class="portal-note">培训安排{ONLINE_ONLY}</p>',
    "receipt": '<p class="portal-note">签到结果需要在线查看。</p>',
    "reference": '<p class="portal-note">预约编号需要在线查看。</p>',
    "booking": "",
}


class SitePages:
    """The built pages, read once each."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self._cache: dict[str, str] = {}

    def html(self, page: str) -> str:
        if page not in self._cache:
            self._cache[page] = (self.site_dir / page / "index.html").read_text(encoding="utf-8")
        return self._cache[page]

    def fill(self, page: str, forms: dict[str, str] | None = None,
             slots: dict[str, str] | None = None, base: bool = False) -> str:
        html = self.html(page)
        for name, inner in (forms or {}).items():
            html = replace_region(html, "form", name, inner)
        for name, inner in (slots or {}).items():
            html = replace_region(html, "slot", name, inner)
        if base:
            # Served at another URL (an error page answering a POST): resolve links as the page.
            html = html.replace("<head>", f'<head><base href="/{page}">', 1)
        return html

    def form_page(self, form: str, *, values: dict[str, Any], errors: dict[str, str],
                  message: str, token: str, action: str,
                  slots: dict[str, str] | None = None, choices: Any = None) -> str:
        """The page of `form` again, with what was typed and every error (no-JS path)."""
        spec = FORMS[form]
        # Answered at the POST's address: the page's relative links hold if it is as deep as
        # the page; otherwise a <base> fixes them, and in-page links (#field) would then leave
        # the page and lose what was typed, so the summary does without them.
        same_depth = _depth(action) == _depth("/" + spec.page)
        inner = render_form(form, values=values, errors=errors, message=message,
                            action=action, token=token, online=True,
                            choices=choices, links=same_depth)
        return self.fill(spec.page, {form: inner}, slots, base=not same_depth)


def _depth(path: str) -> int:
    """How many directories deep a URL path's relative links start from."""
    return path[:path.rfind("/") + 1].count("/")


def serve_time_choices(form: str, db: Database) -> dict[str, list[tuple[str, str]]]:
    """Choices known only when serving: today's eligible dates, the approved public experts."""
    if form != "bookings":
        return {}
    from forms_api.admin.limits import open_dates
    from forms_api.volunteers import public_experts

    dates = [(d.isoformat(), f"{d.isoformat()} {clock.show_date(d)}")
             for d in open_dates(db, eligible_dates())]  # without the bureau's blackout dates
    experts = [(e["id"], f"{e['name']}（{e['organization']}）") for e in public_experts(db)]
    return {"preferred_dates": dates, "expert_id": experts}


def _p(text: str, cls: str = "portal-note") -> str:
    return f'<p class="{cls}">{text}</p>'


# ---- sessions and check-in ----------------------------------------------------------------------

def session_block(p: Portal, session: dict[str, Any] | None, problem: str | None = None) -> str:
    """What a teacher sees first: which session this link is for, and whether check-in is open."""
    if session is None:
        return _p(escape(problem or "找不到这场培训：请重新扫描培训现场的二维码，"
                         "或输入现场公布的签到码。"), "portal-note portal-note--warn")
    from forms_api.trainings import window

    starts, ends = clock.parse_iso(session["starts_at"]), clock.parse_iso(session["ends_at"])
    opens, closes = window(session)
    now = clock.now()
    module = p.modules.get(session["module"])
    if now < opens:
        state = f"签到将于 {clock.show_time(opens)} 开放（开始前 60 分钟）。", "portal-note--warn"
    elif now > closes:
        state = (f"这场培训已于 {closes.year}年{clock.show_date(closes.date())} 结束，签到已关闭。"
                 "如果您在参加今天的培训，请扫描今天现场的二维码。", "portal-note--warn")
    else:
        state = "正在签到，请填写下面的信息。", "portal-note--ok"
    rows = [("培训", session["title"]), ("时间", clock.show_span(starts, ends)),
            ("地点", session["location"])]
    if module is not None:
        rows.insert(1, ("课程", module.title))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    return (f'<div class="portal-session" data-session="{escape(session["id"])}">'
            f'<dl class="portal-session__facts">{items}</dl>'
            f'<p class="portal-note {state[1]}">{escape(state[0])}</p></div>')


CODE_FINDER = (
    '<form class="portal-form portal-form--finder" method="get" action="/attend/">'
    '<div class="portal-field"><label for="f-finder-code">签到码</label>'
    '<p class="portal-field__help" id="f-finder-code-help">手机无法扫码时，输入现场公布的数字签到码。</p>'
    '<input type="text" name="code" id="f-finder-code" inputmode="numeric" pattern="[0-9]*"'
    ' maxlength="8" autocomplete="off" required aria-describedby="f-finder-code-help" value="{value}">'
    "</div><div class=\"portal-form__actions\"><button type=\"submit\" "
    'class="md-button md-button--primary">查找培训</button></div></form>')


def find_by_code(db: Database, code: str) -> dict[str, Any] | None:
    """The session a typed code belongs to: the one open now, else the nearest in time."""
    candidates = db.table("trainings").find(code=code)
    if not candidates:
        return None
    from forms_api.trainings import window

    now = clock.now()
    open_now = [s for s in candidates if window(s)[0] <= now <= window(s)[1]]
    pool = open_now or candidates
    return min(pool, key=lambda s: abs((clock.parse_iso(s["starts_at"]) - now).total_seconds()))


async def attend_page(request: Request) -> Response:
    p = portal(request)
    session_id = request.query_params.get("session", "")[:40]
    code = half_width(request.query_params.get("code", "")).strip()[:8]
    session = None
    if session_id:
        session = await blocking(p.db.table("trainings").get_id, session_id)
    elif code:
        session = await blocking(find_by_code, p.db, code)
    if session is None:
        if session_id:
            block = session_block(p, None)
        elif code:
            block = session_block(p, None, "没有找到这个签到码对应的培训，请核对后重新输入。")
        else:
            block = _p("请扫描培训现场投影的二维码打开本页；无法扫码时，请输入现场公布的签到码。")
        finder = CODE_FINDER.replace("{value}", escape(code))
        html = p.pages.fill("attend/", {"attendance": finder}, {"session": block})
        return HTMLResponse(html, status_code=200)
    inner = render_form("attendance", values={"code": code} if code else {},
                        action=f"/api/trainings/{session['id']}/attendance",
                        token=tokens.issue(p.secret), online=True)
    html = p.pages.fill("attend/", {"attendance": inner}, {"session": session_block(p, session)})
    return HTMLResponse(html)


async def attend_thanks(request: Request) -> Response:
    p = portal(request)
    record_id = request.query_params.get("id", "")[:40]
    record = await blocking(p.db.table("attendance").get_id, record_id) if record_id else None
    if record is None:
        block = _p("没有找到这条签到记录。如已提交，请回到签到页面用同一手机号再次提交查看结果。",
                   "portal-note portal-note--warn")
    else:
        from forms_api.trainings import receipt

        session = await blocking(p.db.table("trainings").get_id, record["session_id"])
        title = session["title"] if session else ""
        block = (f'<p class="portal-receipt"><strong>{escape(receipt(record))}</strong></p>'
                 f"<p>{escape(record['name'])} · {escape(title)}</p>")
    return HTMLResponse(p.pages.fill("thanks/attend/", slots={"receipt": block}))


# ---- forms with only a token to fill ------------------------------------------------------------

def form_page_route(form: str) -> Any:
    async def page(request: Request) -> Response:
        p = portal(request)
        spec = FORMS[form]
        choices = await blocking(serve_time_choices, form, p.db)
        inner = render_form(form, token=tokens.issue(p.secret),
                            online=True, choices=choices)
        return HTMLResponse(p.pages.fill(spec.page, {form: inner}))
    return page


# ---- lists --------------------------------------------------------------------------------------

async def experts_page(request: Request) -> Response:
    p = portal(request)
    from forms_api.volunteers import public_experts

    experts = await blocking(public_experts, p.db)
    if not experts:
        block = _p("专家名单正在审核整理中，敬请关注。")
    else:
        cards = []
        for e in experts:
            fields = "、".join(EXPERTISE.get(code, code) for code in e["expertise"])
            title = f"，{escape(e['title'])}" if e.get("title") else ""
            cards.append(f'<li class="portal-expert"><strong>{escape(e["name"])}</strong>{title}'
                         f'<br><span>{escape(e["organization"])}</span>'
                         f'<br><span class="portal-expert__fields">擅长：{escape(fields)}</span></li>')
        block = f'<ul class="portal-experts">{"".join(cards)}</ul>'
    return HTMLResponse(p.pages.fill("experts/", slots={"experts": block}))


async def schedule_page(request: Request) -> Response:
    p = portal(request)
    from forms_api.trainings import listed_sessions

    sessions = await blocking(listed_sessions, p.db)
    if not sessions:
        block = _p("近期暂无已发布的培训场次。")
    else:
        rows = []
        for s in sessions:
            starts, ends = clock.parse_iso(s["starts_at"]), clock.parse_iso(s["ends_at"])
            module = p.modules.get(s["module"])
            link = (f'<a href="../{escape(module.slug)}/">{escape(module.title)}</a>'
                    if module else escape(s["module"]))
            rows.append(f"<tr><td>{escape(clock.show_span(starts, ends))}</td>"
                        f"<td>{escape(s['title'])}<br>"
                        f'<span class="portal-schedule__module">课程：{link}</span></td>'
                        f"<td>{escape(s['location'])}</td>"
                        f"<td>{s['checked_in']}/{s['capacity']}</td></tr>")
        block = ('<div class="md-typeset__scrollwrap"><div class="md-typeset__table">'
                 '<table class="portal-schedule">'
                 "<thead><tr><th>时间</th><th>培训</th><th>地点</th><th>已签到/名额</th></tr></thead>"
                 f'<tbody>{"".join(rows)}</tbody></table></div></div>')
    return HTMLResponse(p.pages.fill("training/schedule/", slots={"schedule": block}))


# ---- bookings: thank-you, lookup and cancel -----------------------------------------------------

async def booking_thanks(request: Request) -> Response:
    p = portal(request)
    ref = normalize_reference(request.query_params.get("ref", "")[:20])
    if isinstance(ref, str) and re.fullmatch(REFERENCE_PATTERN, ref):
        block = (f'<p class="portal-receipt">预约编号 <strong data-reference>{escape(ref)}</strong></p>'
                 "<p>请记下或截图保存这个编号：查询进度、取消预约时需要它和您填写的联系电话。</p>")
    else:
        block = _p("没有收到预约编号。如已提交，请在预约查询页面用编号和联系电话查询。")
    return HTMLResponse(p.pages.fill("thanks/booking/", slots={"reference": block}))


def booking_block(booking: dict[str, Any]) -> str:
    expert = booking.get("expert")
    rows = [("预约编号", booking["reference"]),
            ("状态", STATUSES.get(booking["status"], booking["status"])),
            ("学校", booking["school"]),
            ("日期", booking["date"] or "待安排（希望：" + "、".join(booking["preferred_dates"]) + "）"),
            ("时段", TIME_SLOTS.get(booking["time_slot"], booking["time_slot"])),
            ("专家", f"{expert['name']} {expert.get('title') or ''}".strip() if expert else "待安排")]
    if booking.get("reason"):
        rows.append(("说明", booking["reason"]))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    return f'<dl class="portal-session__facts" data-booking>{items}</dl>'


def cancel_form(reference: str, phone: str) -> str:
    return (f'<form class="portal-form" method="post" action="/api/bookings/{escape(reference)}/cancel">'
            f'<input type="hidden" name="phone" value="{escape(phone)}">'
            '<div class="portal-form__actions"><button type="submit" class="md-button">'
            "取消这次预约</button></div></form>")


async def booking_status_page(request: Request) -> Response:
    p = portal(request)
    token = tokens.issue(p.secret)
    slots: dict[str, str] = {}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    message: str | None = None
    status = 200
    if request.method == "POST":
        p.ratelimit.hit(client_address(request))
        submission = await read_submission(request, BookingLookup)
        values = {k: v for k, v in submission.data.items() if k in BookingLookup.model_fields}
        try:
            lookup = validate(BookingLookup, values, json=submission.json)
            from forms_api.bookings import find_booking, public_booking

            booking = await blocking(find_booking, p.db, lookup.reference, lookup.phone)
            if booking is None:
                raise ApiError(404, message="没有找到这个预约：请核对预约编号和联系电话。")
            shown = public_booking(p.db, booking)
            slots["booking"] = booking_block(shown)
            if booking["status"] in {"requested", "confirmed"}:
                slots["booking"] += cancel_form(booking["reference"], lookup.phone)
        except ApiError as exc:  # a page, whoever asks: the lookup form again, with the problem
            errors, message, status = exc.fields or {}, exc.message, exc.status
    else:
        ref = normalize_reference(request.query_params.get("ref", "")[:20])
        if request.query_params.get("cancelled") and isinstance(ref, str) and re.fullmatch(
                REFERENCE_PATTERN, ref):
            slots["booking"] = _p(f"预约 {escape(ref)} 已取消。", "portal-note portal-note--ok")
    inner = render_form("booking_lookup", values=values, errors=errors,
                        message=message, token=token, online=True)
    html = p.pages.fill("booking/status/", {"booking_lookup": inner}, slots)
    return HTMLResponse(html, status_code=status)


def routes() -> list[BaseRoute]:
    return [
        Route("/attend/", attend_page, methods=["GET"]),
        Route("/volunteer/", form_page_route("volunteers"), methods=["GET"]),
        Route("/booking/", form_page_route("bookings"), methods=["GET"]),
        Route("/booking/status/", booking_status_page, methods=["GET", "POST"]),
        Route("/experts/", experts_page, methods=["GET"]),
        Route("/training/schedule/", schedule_page, methods=["GET"]),
        Route("/thanks/attend/", attend_thanks, methods=["GET"]),
        Route("/thanks/booking/", booking_thanks, methods=["GET"]),
    ]

