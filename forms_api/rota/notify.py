"""Who hears about a shift, and what they read: notices through the outbox, in Chinese."""

from __future__ import annotations

from typing import Any

from forms_api import clock
from forms_api.notices.outbox import Recipient, enqueue, personal_link
from forms_api.rota.records import HOTLINES, span
from forms_api.storage import Database
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import Portal

COORDINATOR = "热线值班协调人"
MY_SHIFTS = "/me/shifts/"
ROTA_CONSOLE = "/admin/rota/"


def when(shift: dict[str, Any]) -> str:
    """2026年12月7日（周一）20:00–08:00（次日）"""
    starts, ends = span(shift)
    text = clock.show_span(starts, ends)
    return text + "（次日）" if ends.date() != starts.date() else text


def volunteer(db: Database, volunteer_id: str) -> Recipient | None:
    found = db.table(VOLUNTEERS).get_id(volunteer_id)
    if found is None:
        return None
    return Recipient("volunteer", found.get("name"), found.get("phone"), found.get("email"))


def to_volunteer(p: Portal, volunteer_id: str, event: str, subject: str, text: str) -> None:
    """A notice to a volunteer, with the link to their own shifts page (call in a transaction)."""
    recipient = volunteer(p.db, volunteer_id)
    if recipient is not None:
        enqueue(p.db, event, recipient, subject, text, personal_link("volunteer", volunteer_id))


def to_coordinator(p: Portal, event: str, subject: str, text: str) -> None:
    enqueue(p.db, event, Recipient("bureau", COORDINATOR, None, p.settings.bureau_email),
            subject, text, ROTA_CONSOLE)


def line_name(p: Portal, shift: dict[str, Any]) -> str:
    from_table = p.db.table(HOTLINES).get_id(shift["hotline_id"])
    return from_table["name"] if from_table else "热线"
