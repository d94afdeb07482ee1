"""Issuing and revoking personal links (`forms_api.web.personal`), and the teacher's lookup.

Staff issue a volunteer a new link (`POST /api/admin/volunteers/{id}/link`): the old one stops
working, the answer holds the new link for staff to pass on by hand, and a `volunteer.link`
notice is queued whose link is minted again when it is sent (the outbox never holds a usable
token), which in turn retires the one in the answer. Revoking ends every link, the session
cookies made from them (checked against the live links on every request) and the calendar feed.

The teacher's lookup (phone and name, rate-limited) answers the same whether or not they match.
When they match a check-in, the link goes out as a `teacher.link` notice if a channel can
reach a phone (the webhook; check-ins hold no e-mail address); with no such channel it is shown
on the page instead, which is then the only difference, and it needs both phone and name.
"""

from __future__ import annotations

from forms_api.admin import audit
from forms_api.errors import found
from forms_api.me.records import revoke_feeds
from forms_api.notices.outbox import Recipient, enqueue, personal_link
from forms_api.trainings.records import ATTENDANCE
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web import personal
from forms_api.web.context import Portal

NOT_FOUND = "找不到这位志愿者。"


def page_link(base: str, token: str) -> str:
    return f"{base}/me/?t={token}"


def issue(p: Portal, volunteer_id: str, admin: str, base: str) -> str:
    """A new personal link for the volunteer (the old one stops), also sent as a notice."""
    db = p.db
    with db.transaction():
        person = found(db.table(VOLUNTEERS).get_id(volunteer_id), NOT_FOUND)
        token = personal.mint(db, "volunteer", volunteer_id)
        enqueue(db, "volunteer.link",
                Recipient("volunteer", person["name"], person.get("phone"), person.get("email")),
                "您的专家志愿者专属页面",
                f"{person['name']}老师：这是您在心育驿站的专属页面链接，可查看审核进度、"
                "进校邀请和服务记录。请勿转发；旧链接已失效。",
                personal_link("volunteer", volunteer_id))
        audit.record(db, admin, "volunteer.link", f"{VOLUNTEERS}/{volunteer_id}")
    return page_link(base, token)


def revoke(p: Portal, volunteer_id: str, admin: str) -> int:
    """End the volunteer's links, sessions and calendar feed; how many links were live."""
    db = p.db
    with db.transaction():
        found(db.table(VOLUNTEERS).get_id(volunteer_id), NOT_FOUND)
        count = personal.revoke(db, "volunteer", volunteer_id)
        feeds = revoke_feeds(db, volunteer_id)
        audit.record(db, admin, "volunteer.revoke", f"{VOLUNTEERS}/{volunteer_id}",
                     links=count, feeds=feeds)
    return count


def teacher_key(p: Portal, phone: str, name: str) -> str | None:
    """The teacher (first check-in id) when phone and name match a check-in."""
    records = sorted(p.db.table(ATTENDANCE).find(phone=phone),
                     key=lambda r: (r["checked_in_at"], r["id"]))
    if not any(r.get("name", "").strip() == name.strip() for r in records):
        return None
    return str(records[0]["id"])


def reachable_by_phone(p: Portal) -> bool:
    """A webhook can reach a phone, and the notice can carry a link (needs the site's address)."""
    return bool(p.settings.webhook_url and p.settings.site_url)


def lookup(p: Portal, phone: str, name: str, base: str) -> str | None:
    """Send the teacher's link, or return it to be shown; None when sent or not matched."""
    db = p.db
    with db.transaction():
        key = teacher_key(p, phone, name)
        if key is None:
            return None
        if reachable_by_phone(p):
            enqueue(db, "teacher.link", Recipient("teacher", name, phone, None),
                    "您的继续教育学时记录",
                    f"{name}老师：这是查看和打印您本人培训学时记录的专属链接，请勿转发。",
                    personal_link("teacher", key))
            return None
        return page_link(base, personal.mint(db, "teacher", key))
