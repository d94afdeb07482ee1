"""Structured logs: every record is one JSON line, with contact details and secrets masked.

Whatever a client sends (a path, a header, a field) may end up in a log message. Each record
is therefore written as one JSON object: CR/LF and other control characters are escaped by the
encoder, so input can never start a line of its own. Phone numbers, e-mail addresses, bearer
tokens, cookies and secret query parameters are masked in every message and field, whoever
logged them.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import traceback
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

_SHANGHAI = timezone(timedelta(hours=8))

# Mainland mobiles, written with or without spaces, hyphens or a +86/86 prefix.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)")
# Landlines as the contract stores them (0AREA-NUMBER) and written without the hyphen.
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
_AUTH = re.compile(r"(?i)\b(bearer|basic)(\s+)[\w.~+/=-]+")
_HEADER = re.compile(r"(?i)\b(authorization|cookie|set-cookie|x-api-key)(\s*[:=]\s*)[^\r\n]*")
_PARAM = re.compile(r"(?i)\b(phone|email|code|token|form_token|password|secret)=[^&\s\"']*")

MASK = "[redacted]"


def redact(text: str) -> str:
    """`text` with phone numbers, e-mails, tokens, cookies and secret parameters masked."""
    # Each skip tests a character its pattern cannot match without (every request's path
    # and method pass through here twice).
    if ":" in text or "=" in text:
        text = _HEADER.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
    text = _AUTH.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
    if "=" in text:
        text = _PARAM.sub(lambda m: f"{m[1]}={MASK}", text)
    if "@" in text:
        text = _EMAIL.sub(MASK, text)
    text = _MOBILE.sub(MASK, text)
    return _LANDLINE.sub(MASK, text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per record; a record's `fields` (a dict) become top-level keys."""

    def formatException(self, ei: Any) -> str:
        """Where it failed and what kind of error, never the error's message.

        A message may quote the data it failed on (openpyxl's IllegalCharacterError holds the
        cell's text, a person's name), so only the frames and the exception types are kept.
        """
        _, exc, tb = ei
        parts: list[str] = []
        while exc is not None and len(parts) < 10:
            frames = traceback.format_tb(exc.__traceback__ if exc.__traceback__ else tb)
            parts.append("".join(frames) + f"{type(exc).__module__}.{type(exc).__qualname__}")
            exc = exc.__cause__ or exc.__context__
        return "\n-- caused by --\n".join(reversed(parts))

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, _SHANGHAI)
        entry: dict[str, Any] = {
            "ts": when.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            # `redacted`: the caller (the access log) masked its fields already; not twice.
            entry.update(fields if getattr(record, "redacted", False) else _clean(fields))
        else:
            entry["msg"] = redact(record.getMessage())
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        # orjson: several times faster than json, UTF-8 as is, control characters escaped.
        return orjson.dumps(entry, default=str).decode()


def json_handler(stream: Any = None, path: Path | None = None) -> logging.Handler:
    """A handler writing JSON lines to a stream (stderr by default) or appending to a file.

    A file is reopened when logrotate moves it away, so rotation needs no signal.
    """
    handler: logging.Handler
    if path is not None:
        # Private when we create it: it may be the data directory (logs run before the app).
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(JsonFormatter())
    return handler


def configure(level: int = logging.INFO, log_file: Path | None = None) -> None:
    """Send every logger (uvicorn's included) to stderr as JSON lines, and to `log_file`.

    Does nothing when logging was set up by someone else (a test runner, an embedding app).
    """
    root = logging.getLogger()
    if any(not getattr(h, "_portal", False) for h in root.handlers):
        return
    for old in list(root.handlers):
        if getattr(old, "_portal", False):
            root.removeHandler(old)
            old.close()
    handlers = [json_handler()]
    if log_file is not None:
        handlers.append(json_handler(path=log_file))
    for handler in handlers:
        handler._portal = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # uvicorn's access log prints query strings; the app logs requests itself.
    logging.getLogger("uvicorn.access").disabled = True
