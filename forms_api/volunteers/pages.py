"""The public page of volunteers the server fills: `/experts/` (and the sign-up form's token)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.forms.fields import labels
from forms_api.volunteers.forms import EXPERTISE
from forms_api.volunteers.records import public_experts
from forms_api.web.context import blocking, portal
from forms_api.web.pages import ONLINE_ONLY, form_page_route, note, region

SLOTS = {"experts": note(f"专家名单{ONLINE_ONLY}")}


async def experts_page(request: Request) -> Response:
    p = portal(request)
    experts = [{**e, "fields": labels(e["expertise"], EXPERTISE)}
               for e in await blocking(public_experts, p.db)]
    block = region(p, "volunteers/site/experts.html", experts=experts)
    return HTMLResponse(p.pages.fill("experts/", slots={"experts": block}))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/volunteer/", form_page_route("volunteers"), methods=["GET"]),
        Route("/experts/", experts_page, methods=["GET"]),
    )
