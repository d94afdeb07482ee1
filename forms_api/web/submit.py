"""One path for every public submission: rate limit, read, trap bots, validate, act, answer.

A browser without JavaScript (form-encoded, `Accept` prefers HTML) gets `303` to the form's
thank-you page, or the form's page again with what was typed and every error in Chinese.
Everyone else gets JSON in the contract's shape.
"""

from __future__ import annotations

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
