"""One structured access-log line per request: never the query string, never a body.

Query strings can carry a phone number (the booking lookup) or a check-in code, so only
the path is logged, and phone numbers or e-mails typed into a path are masked. Each line is
one JSON object, so CR/LF in a path cannot forge a line. `forms_api.web.gate` calls
`record` once per request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson

from forms_api.web.logs import redact

log = logging.getLogger("portal.access")


class _Line:
    """The record's message as one JSON object, built only if a formatter asks for it."""

    __slots__ = ("fields",)

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def __str__(self) -> str:
        return orjson.dumps(self.fields).decode()


def record(method: str, path: str, status: int, started: float) -> None:
    """Log one finished request (`started`: its `time.perf_counter()` at arrival)."""
    if not log.isEnabledFor(logging.INFO):
        return
    fields = {
        "event": "request",
        # The parser admits only token characters in a method: letters need no mask.
        "method": method if method.isalpha() else redact(method),
        "path": redact(path),
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    # forms_api.logs's formatter puts the (already masked) `fields` at the top level of its
    # line; any other formatter gets them as one JSON object in the message.
    # makeRecord + handle: logging.info would walk the stack for the caller's line.
    log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, "%s", (_Line(fields),), None,
                              extra={"fields": fields, "redacted": True}))
