"""One structured access-log line per request: never the query string, never a body.

Query strings can carry a phone number (the booking lookup) or a check-in code, so only
the path is logged, and phone numbers or e-mails typed into a path are masked. Each line is
one JSON object, so CR/LF in a path cannot forge a line.
"""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forms_api.web.logs import redact

log = logging.getLogger("portal.access")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            fields = {
                "event": "request",
                "method": redact(str(scope["method"])),
                "path": redact(scope["path"]),
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
            # The message stays one JSON object for any formatter; forms_api.logs's formatter
            # puts `fields` at the top level of its own line instead.
            log.info(json.dumps(fields, ensure_ascii=False), extra={"fields": fields})
