"""The forms of an expert's own page: each posts here and answers 303 back to `/me/`.

A refusal shows the page again with what was typed and every error in Chinese. Writes come
with the session cookie (SameSite=Lax) and pass the portal's same-origin check of writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.errors import ApiError
from forms_api.forms import META_FIELDS
from forms_api.forms.validation import validate
from forms_api.me import expert
from forms_api.me.forms import (
    PROFILE_FORM,
    RESUBMIT_FORM,
    Accept,
    Decline,
    Profile,
    Resubmission,
    VisitReport,
    Withdrawal,
)
from forms_api.me.pages import NO_SESSION, PRIVATE, answer, current, expert_view, form_block
from forms_api.me.records import mint_feed, revoke_feeds
from forms_api.web.context import Portal, blocking, portal
from forms_api.web.intake import read_submission
from forms_api.web.pages import note

Change = Callable[[Portal, str, Any], Any]


def _back(done: str) -> RedirectResponse:
    return RedirectResponse(f"/me/?done={done}", status_code=303, headers=PRIVATE)


async def _volunteer(request: Request) -> str | None:
    person = await current(request)
    return person.subject_id if person is not None and person.kind == "volunteer" else None


def _action(model: type[BaseModel], change: Change, done: str,
            form_name: str | None = None) -> Callable[[Request], Any]:
    """A POST handler: validate `model`, run `change(p, volunteer_id, form)`, back to `/me/`."""

    async def handler(request: Request) -> Response:
        p = portal(request)
        volunteer_id = await _volunteer(request)
        if volunteer_id is None:
            return answer(p, "me/", note(NO_SESSION, "warn"), 401)
        data = {k: v for k, v in (await read_submission(request, model)).data.items()
                if k not in META_FIELDS}
        try:
            form = validate(model, data, json=False)
            await blocking(change, p, volunteer_id, form)
        except ApiError as exc:
            forms: dict[str, str] = {}
            problem = exc.message
            if form_name == "resubmit":
                forms["resubmit"] = form_block(p, RESUBMIT_FORM, data, exc.fields, exc.message)
            elif form_name == "profile":
                forms["profile"] = form_block(p, PROFILE_FORM, data, exc.fields, exc.message)
            if exc.fields and not forms:
                problem = f"{exc.message}（{'；'.join(exc.fields.values())}）"
            block = await blocking(lambda: expert_view(p, volunteer_id, forms=forms,
                                                       problem=problem))
            return answer(p, "me/", block or note(expert.GONE, "warn"), exc.status)
        return _back(done)

    return handler


def _accept(p: Portal, volunteer_id: str, form: Accept) -> Any:
    return expert.accept(p, volunteer_id, form.booking_id)


def _withdraw(p: Portal, volunteer_id: str, form: Withdrawal) -> Any:
    return expert.withdraw(p, volunteer_id)


async def feed(request: Request) -> Response:
    """Make a new calendar address (shown once) or stop the current one."""
    p = portal(request)
    volunteer_id = await _volunteer(request)
    if volunteer_id is None:
        return answer(p, "me/", note(NO_SESSION, "warn"), 401)
    data = (await read_submission(request)).data

    def act() -> str | None:
        with p.db.transaction():
            if data.get("action") == "stop":
                revoke_feeds(p.db, volunteer_id)
                return None
            return mint_feed(p.db, volunteer_id)

    token = await blocking(act)
    if token is None:
        return _back("feed_stopped")
    base = p.settings.site_url or str(request.base_url).rstrip("/")
    url = f"{base}/me/calendar.ics?t={token}"
    block = await blocking(lambda: expert_view(p, volunteer_id, feed_url=url))
    return answer(p, "me/", block or note(expert.GONE, "warn"))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/me/resubmit/", _action(Resubmission, expert.resubmit, "resubmitted", "resubmit"),
              methods=["POST"]),
        Route("/me/profile/", _action(Profile, expert.update_profile, "profile", "profile"),
              methods=["POST"]),
        Route("/me/withdraw/", _action(Withdrawal, _withdraw, "withdrawn"), methods=["POST"]),
        Route("/me/accept/", _action(Accept, _accept, "accepted"), methods=["POST"]),
        Route("/me/decline/", _action(Decline, expert.decline, "declined"), methods=["POST"]),
        Route("/me/report/", _action(VisitReport, expert.report, "reported"), methods=["POST"]),
        Route("/me/feed/", feed, methods=["POST"]),
    )
