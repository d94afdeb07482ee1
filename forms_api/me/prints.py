"""What a person takes away: the certificate, the hours CSV, the calendar feed, the lookup page.

`/me/certificate/?id=<booking>` is one activity's 志愿服务证明 (A4 print styles in
`assets/css/me-print.css`); without `id`, every activity on one sheet each. `/me/service.csv`
holds the rows for 志愿汇 or the national system. `/me/calendar.ics?t=<feed token>` needs no
cookie (a calendar app has none) and answers 404 for a token that is not live.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.exports import filename
from forms_api.errors import ApiError
from forms_api.forms import META_FIELDS
from forms_api.forms.render import render_form
from forms_api.forms.validation import validate
from forms_api.me import calendar, links, service
from forms_api.me.forms import LOOKUP_FORM, Lookup
from forms_api.me.pages import NO_SESSION, PRIVATE, answer, current
from forms_api.me.records import feed_owner
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web import tokens
from forms_api.web.context import Portal, blocking, portal
from forms_api.web.intake import client_address, read_submission
from forms_api.web.pages import note, region

LOOKUP_DONE = ("已收到。如果手机号和姓名与签到记录一致，{how}。"
               "没有收到时，请核对签到时填写的手机号和姓名。")


async def certificate(request: Request) -> Response:
    p = portal(request)
    person = await current(request)
    if person is None or person.kind != "volunteer":
        return answer(p, "me/certificate/", note(NO_SESSION, "warn"), 401)
    chosen = request.query_params.get("id", "")[:40]

    def load() -> tuple[str, list[service.Activity]] | None:
        volunteer = p.db.table(VOLUNTEERS).get_id(person.subject_id)
        if volunteer is None:
            return None
        found = service.activities(p.db, person.subject_id)
        return volunteer["name"], [a for a in found if not chosen or a.booking_id == chosen]

    loaded = await blocking(load)
    if loaded is None or not loaded[1]:
        return answer(p, "me/certificate/", note("没有可出具证明的服务记录。", "warn"), 404)
    block = region(p, "me/site/certificate.html", name=loaded[0], activities=loaded[1],
                   bureau=p.settings.bureau_name, issued=service.issued_on())
    return answer(p, "me/certificate/", block)


async def service_csv(request: Request) -> Response:
    p = portal(request)
    person = await current(request)
    if person is None or person.kind != "volunteer":
        raise ApiError(401, message=NO_SESSION)

    def load() -> bytes:
        volunteer = p.db.table(VOLUNTEERS).get_id(person.subject_id) or {"name": ""}
        return service.service_csv(volunteer["name"], service.activities(p.db, person.subject_id),
                                   p.settings.bureau_name)

    body = await blocking(load)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="{filename("service", "csv")}"'})


async def calendar_feed(request: Request) -> Response:
    p = portal(request)
    token = request.query_params.get("t", "")[:200]
    owner = await blocking(feed_owner, p.db, token)
    if owner is None:
        raise ApiError(404, message="这个日历订阅地址已失效。")
    body = await blocking(calendar.feed, p.db, owner)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=PRIVATE)


def site_base(p: Portal, request: Request) -> str:
    return p.settings.site_url or str(request.base_url).rstrip("/")


def _done_block(p: Portal, shown: str | None) -> str:
    how = ("链接已通过短信发送到您的手机" if links.reachable_by_phone(p)
           else "您的专属链接会显示在下面")
    return region(p, "me/site/lookup.html", text=LOOKUP_DONE.format(how=how), link=shown)


async def lookup_page(request: Request) -> Response:
    """The teacher's lookup without JavaScript: the same answer for a match and for nobody."""
    p = portal(request)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    message = None
    if request.method == "POST":
        p.ratelimit.hit(client_address(request))
        data = (await read_submission(request, Lookup)).data
        values = {k: v for k, v in data.items() if k not in META_FIELDS}
        try:
            form = validate(Lookup, values, json=False)
        except ApiError as exc:
            errors, message = dict(exc.fields or {}), exc.message
        else:
            if data.get(META_FIELDS[0]):  # the honeypot: the same answer, nothing looked up
                return answer(p, "me/lookup/", _done_block(p, None), 200, {"me_lookup": ""})
            shown = await blocking(links.lookup, p, form.phone, form.name, site_base(p, request))
            return answer(p, "me/lookup/", _done_block(p, shown), 200, {"me_lookup": ""})
    inner = render_form(LOOKUP_FORM, values=values, errors=errors, message=message,
                        token=tokens.issue(p.secret), online=True)
    return answer(p, "me/lookup/", "", 422 if errors else 200, {"me_lookup": inner})


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/me/certificate/", certificate, methods=["GET"]),
        Route("/me/service.csv", service_csv, methods=["GET"]),
        Route("/me/calendar.ics", calendar_feed, methods=["GET"]),
        Route("/me/lookup/", lookup_page, methods=["GET", "POST"]),
    )


