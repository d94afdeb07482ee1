"""One path for every public submission: rate limit, read, trap bots, validate, act, answer.

A browser without JavaScript (form-encoded, `Accept` prefers HTML) gets `303` to the form's
thank-you page, or the form's page again with what was typed and every error in Chinese.
Everyone else gets JSON in the contract's shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from forms_api.errors import ApiError
from forms_api.forms import HONEYPOT, TOKEN
from forms_api.forms.fields import PortalForm
from forms_api.forms.validation import validate
from forms_api.storage import Table
from forms_api.web import tokens
from forms_api.web.context import blocking, portal
from forms_api.web.intake import client_address, read_submission, wants_html

# (status, JSON body, thank-you page for the no-JS path)
Outcome = tuple[int, dict[str, Any], str]
Act = Callable[[Any, "str | None"], Outcome]
Fake = Callable[[Any], Outcome]

_META_LIMIT = 200
#: How far a phone's clock may run behind the server's before a `made_at` earlier than the
#: page it was made on is refused (phones set their time from the network; minutes, not hours).
CLOCK_SLACK = 300.0


def _before_the_page(spec_model: type[PortalForm], parsed: PortalForm,
                     token: tokens.FillToken | None) -> None:
    """A form that says when it was filled (`made_at`, an offline check-in queued on the phone)
    cannot have been filled before the server served its page: refuse it (422), so an old time
    cannot revive a code that expired long before the page was opened."""
    made_at = getattr(parsed, "made_at", None)
    if token is None or not isinstance(made_at, dt.datetime):
        return
    if made_at.timestamp() >= token.issued - CLOCK_SLACK:
        return
    label = spec_model.model_fields["made_at"].title or "made_at"
    raise ApiError(422, message=f"提交的{label}早于这个页面打开的时间，无法受理。请检查手机的日期和时间"
                                "是否正确，然后重新扫描现场的二维码再提交。",
                   fields={"made_at": f"{label}早于页面打开的时间；请校准手机时间后重新扫码提交"})


def _meta(data: dict[str, Any]) -> tuple[str | None, str | None, dict[str, str]]:
    """Take the honeypot and the token out of the fields; both must be short text if given."""
    values: list[str | None] = []
    errors: dict[str, str] = {}
    for name in (HONEYPOT, TOKEN):
        value = data.pop(name, None)
        if value is not None and (not isinstance(value, str) or len(value) > _META_LIMIT):
            errors[name] = "格式不正确"
            value = None
        values.append(value)
    return values[0], values[1], errors


def _idempotency_key(request: Request, token: tokens.FillToken | None) -> str | None:
    """The rendered form's nonce, or a script's `Idempotency-Key` header (8–100 characters)."""
    if token is not None:
        return token.nonce
    header = request.headers.get("idempotency-key", "").strip()
    return f"key:{header}" if 8 <= len(header) <= 100 else None


async def submit(request: Request, form: str, act: Act, fake: Fake,
                 action: str | None = None, slots: dict[str, str] | None = None,
                 in_memory: bool = False) -> Response:
    """Handle a POST of form `form`; `act(form, idempotency_key)` runs in a thread.

    With `in_memory` (an `act` that only looks up and changes the database, in microseconds)
    it runs through `Database.run` instead: on the event loop, awaiting its fsync.
    """
    p = portal(request)
    spec = p.forms[form]
    html = wants_html(request)
    if not html:
        p.ratelimit.hit(client_address(request))
    submission = await read_submission(request, spec.model)
    data = dict(submission.data)
    trap, raw_token, meta_errors = _meta(data)
    token = tokens.verify(p.secret, raw_token)
    try:
        if html:  # counted after reading, so a refused browser keeps what was typed
            p.ratelimit.hit(client_address(request))
        try:
            parsed: PortalForm = validate(spec.model, data, json=submission.json)
        except ApiError as exc:
            if meta_errors:
                exc.fields = {**(exc.fields or {}), **meta_errors}
            raise
        if meta_errors:
            raise ApiError(422, message="提交内容的格式不正确。", fields=meta_errors)
        too_fast = token is not None and token.age() < spec.min_fill_seconds
        if trap or too_fast:
            # Answered like a success, stored nowhere; a bot learns nothing.
            status, body, thanks = fake(parsed)
        else:
            _before_the_page(spec.model, parsed, token)
            key = _idempotency_key(request, token)
            if in_memory:
                status, body, thanks = await p.db.run(act, parsed, key)
            else:
                status, body, thanks = await blocking(act, parsed, key)
    except ApiError as exc:
        if html and exc.status in {403, 404, 409, 422, 429}:
            keep = raw_token if token is not None and raw_token else tokens.issue(p.secret)
            values = {k: v for k, v in submission.data.items() if k != HONEYPOT}
            choices = await blocking(spec.choices, p.db)
            page = p.pages.form_page(spec, values=values, errors=exc.fields or {},
                                     message=exc.message, token=keep,
                                     action=action or request.url.path, slots=slots,
                                     choices=choices)
            return Response(page, status_code=exc.status, media_type="text/html",
                            headers=exc.headers)
        raise
    if html:
        return RedirectResponse(thanks, status_code=303)
    # The bytes JSONResponse would send (compact, UTF-8), encoded by orjson at a tenth the cost.
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def replayed(table: Table, key: str | None, phone: str) -> dict[str, Any] | None:
    """The record a retried submission (same idempotency key and phone) already made."""
    if key is None:
        return None
    return next((prior for prior in table.find(submission=key) if prior["phone"] == phone), None)
