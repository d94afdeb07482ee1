"""What happens when an expert volunteer signs up: eligibility, one application per phone."""

from __future__ import annotations

from forms_api import clock
from forms_api.errors import ApiError
from forms_api.schools.links import resolve
from forms_api.storage import new_id
from forms_api.volunteers import notices
from forms_api.volunteers.forms import Volunteer, check_eligible
from forms_api.volunteers.records import ACTIVE, VOLUNTEERS
from forms_api.web.context import Portal
from forms_api.web.submit import Outcome, replayed

THANKS = "/thanks/volunteer/"


def register(p: Portal, form: Volunteer, key: str | None) -> Outcome:
    """A pending volunteer; a retry of the same submission answers with the first record."""
    check_eligible(form)
    db = p.db
    table = db.table(VOLUNTEERS)
    with db.transaction():
        if (prior := replayed(table, key, form.phone)) is not None:
            return 201, {"id": prior["id"], "status": prior["status"]}, THANKS
        if any(v["status"] in ACTIVE for v in table.find(phone=form.phone)):
            raise ApiError(409, "already_registered",
                           "这个手机号已经报名过（正在审核或已通过），无需重复报名。")
        organization, school_id = resolve(db, form.school_id, form.organization)
        form = form.model_copy(update={"organization": organization, "school_id": school_id})
        now = clock.iso(clock.now())
        record = {"id": new_id(), "status": "pending", **form.model_dump(mode="json"),
                  "notice_version": p.notice_version, "note": None, "created_at": now,
                  "updated_at": now, "submission": key}
        table.insert(record)
        notices.received(db, record)
    return 201, {"id": record["id"], "status": "pending"}, THANKS


def pretend(form: Volunteer) -> Outcome:
    """The answer a bot gets: shaped like a success, stored nowhere."""
    return 201, {"id": new_id(), "status": "pending"}, THANKS
