"""`/me/`: a person's own page, opened by a personal link and kept by a session cookie.

`GET /me/?t=<token>` redeems the link: a genuine one sets the cookie and answers 303 to `/me/`
(the token leaves the address bar; `Referrer-Policy: no-referrer` keeps it out of any Referer);
an unknown, revoked or expired one answers 403 with a page that says only that the link does
not work. A session counts while the person still has a live link, so revoking ends it too.
Every answer here is `no-store`. The forms of the page post to `/me/…/` (see `actions`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.bookings import assignments
from forms_api.bookings.forms import AUDIENCES, TIME_SLOTS
from forms_api.bookings.records import STATUSES as BOOKING_STATUSES
from forms_api.forms import FormSpec
from forms_api.forms.render import render_form
from forms_api.me import expert, service, teacher
from forms_api.me.forms import PROFILE_FORM, RESUBMIT_FORM
from forms_api.me.records import live_feed
from forms_api.volunteers.forms import EXPERTISE, QUALIFICATIONS
from forms_api.volunteers.records import STATUSES, VOLUNTEERS
from forms_api.web import personal, tokens
from forms_api.web.context import Portal, blocking, portal
from forms_api.web.pages import note, region

SLOTS = {"me": note("本页需要在线打开：请使用专属链接。"),
         "certificate": note("志愿服务证明需要在线打开：请从“我的页面”进入。")}
# `same-origin`, not `no-referrer`: with no referrer at all a browser sends `Origin: null` on
# the page's own form posts, which the portal's same-origin check of writes refuses. Answers
# to an address holding a link's token send no referrer at all (`TOKEN_PAGE`).
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin",
           "X-Robots-Tag": "noindex, nofollow"}
BAD_LINK = ("这个链接无法打开：它可能已经失效、已被新链接替换，或者不完整。"
            "专家志愿者请联系教育局重新发送；老师可以在“找回我的学时记录”页面重新取得。")
TOKEN_PAGE = {**PRIVATE, "Referrer-Policy": "no-referrer"}
NO_SESSION = "请使用发给您的专属链接打开本页。登录状态保持 12 小时，之后请再次点开链接。"


async def current(request: Request) -> personal.Person | None:
    p = portal(request)
    person = personal.current(request, p.secret)
    if person is None or not await blocking(personal.live, p.db, person):
        return None
    return person


def secure(request: Request, p: Portal) -> bool:
    return request.url.scheme == "https" or (p.settings.site_url or "").startswith("https://")


#: The built page of each slot of this domain.
PAGES = {"me/": "me", "me/certificate/": "certificate", "me/lookup/": "lookup"}


def answer(p: Portal, page: str, block: str, status: int = 200,
           forms: dict[str, str] | None = None,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    # Also answered at the forms' addresses (/me/resubmit/): <base> keeps the page's links.
    html = p.pages.fill(page, forms, slots={PAGES[page]: block}, base=True)
    return HTMLResponse(html, status_code=status, headers=headers or PRIVATE)


def form_block(p: Portal, spec: FormSpec, values: dict[str, Any],
               errors: dict[str, str] | None = None, message: str | None = None) -> str:
    return render_form(spec, values=values, errors=errors, message=message,
                       token=tokens.issue(p.secret), online=True)


def expert_view(p: Portal, volunteer_id: str, *, done: str | None = None,
                forms: dict[str, str] | None = None, feed_url: str | None = None,
                problem: str | None = None) -> str | None:
    """The expert's page, or None when the record is gone."""
    db = p.db
    person = db.table(VOLUNTEERS).get_id(volunteer_id)
    if person is None:
        return None
    today = clock.today().isoformat()
    visits = expert.my_visits(db, volunteer_id)
    asked = expert.asked_for_more(person)
    shown = dict(forms or {})
    if asked and "resubmit" not in shown:
        shown["resubmit"] = form_block(p, RESUBMIT_FORM, {k: person.get(k) for k in
                                                         RESUBMIT_FORM.model.model_fields})
    if person["status"] in ("pending", "needs_info", "approved") and "profile" not in shown:
        shown["profile"] = form_block(p, PROFILE_FORM, {k: person.get(k) for k in
                                                       PROFILE_FORM.model.model_fields})
    found = service.activities(db, volunteer_id)
    return region(p, "me/site/expert.html", person=person, statuses=STATUSES, asked=asked,
                  offers=assignments.offers_for(db, volunteer_id),
                  upcoming=[v for v in visits if v["date"] >= today and v["status"] == "confirmed"],
                  past=[v for v in visits if v["date"] < today or v["status"] == "completed"],
                  activities=found, total=service.total_hours(found), forms=shown, done=done,
                  feed=live_feed(db, volunteer_id), feed_url=feed_url, problem=problem,
                  slots=TIME_SLOTS, topics=EXPERTISE, audiences=AUDIENCES,
                  booking_statuses=BOOKING_STATUSES, qualifications=QUALIFICATIONS,
                  history=list(reversed(person.get("history", []))))


def teacher_view(p: Portal, key: str, start: str | None, end: str | None) -> str | None:
    first, last, problem = teacher.period(start, end)
    found = teacher.record(p.db, p.module_hours, key, first, last)
    if found is None:
        return None
    return region(p, "me/site/teacher.html", record=found, problem=problem, modules=p.modules,
                  bureau=p.settings.bureau_name, issued=service.issued_on())


async def me_page(request: Request) -> Response:
    p = portal(request)
    given = request.query_params.get("t")
    if given is not None:
        person = await blocking(personal.redeem, p.db, given[:200])
        if person is None:
            return answer(p, "me/", note(BAD_LINK, "warn"), 403, headers=TOKEN_PAGE)
        response = RedirectResponse("/me/", status_code=303, headers=TOKEN_PAGE)
        personal.start_session(response, p.secret, person, secure(request, p))
        return response
    person = await current(request)
    if person is None:
        return answer(p, "me/", note(NO_SESSION))
    block: str | None
    if person.kind == "teacher":
        block = await blocking(teacher_view, p, person.subject_id,
                               request.query_params.get("from"), request.query_params.get("to"))
    else:
        block = await blocking(lambda: expert_view(p, person.subject_id,
                                                   done=request.query_params.get("done")))
    if block is None:
        gone = answer(p, "me/", note("找不到与这个链接对应的记录（可能已按本人要求删除）。",
                                         "warn"), 404)
        personal.end_sessions(gone)
        return gone
    return answer(p, "me/", block)


async def logout(request: Request) -> Response:
    response = RedirectResponse("/me/", status_code=303, headers=PRIVATE)
    personal.end_sessions(response)
    return response


def routes() -> tuple[BaseRoute, ...]:
    return (Route("/me/", me_page, methods=["GET"]),
            Route("/me/logout/", logout, methods=["POST"]))
