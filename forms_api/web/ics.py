"""RFC 5545 text helpers shared by every iCalendar feed (visits, trainings, hotline shifts)."""

from __future__ import annotations

import datetime as dt


def escape_text(value: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma, newline."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        limit = 75 if not out else 74  # continuation lines start with a space
        if len(current) + len(encoded) > limit:
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def utc(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC (`…Z`), so that a feed needs no VTIMEZONE."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, prodid: str, events: list[list[str]]) -> bytes:
    """A whole VCALENDAR of already-built VEVENT lines, folded, CRLF-terminated."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}",
             "X-WR-TIMEZONE:Asia/Shanghai"]
    for event in events:
        lines += event
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
