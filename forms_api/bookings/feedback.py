"""Feedback after a visit (table `feedback`): the school's contact and the teachers who attended.

Answer: {id, booking_id, expert_id, role (`contact` | `teacher`), overall, useful, fit (1–5),
comment?, at}. Nobody's name or phone is stored with an answer. The links carry a token that
is an HMAC of the booking's id with the portal's secret (one for the contact, one anonymous for
the teachers), so nothing usable is stored and a token opens one visit's form only. The contact
answers once; teachers answer once per browser (a cookie). Results are shown only from
`MIN_RESULTS` answers and free text only from `MIN_COMMENTS`, so no single teacher's answer
can be picked out: `summary()` enforces it for the API, the console and the export alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any, Literal

from forms_api import clock
from forms_api.bookings.records import BOOKINGS
from forms_api.errors import ApiError
from forms_api.forms.fields import NO_STUDENT_DETAILS, PortalForm, field
from forms_api.notices.outbox import Recipient, enqueue
from forms_api.storage import Database, new_id

FEEDBACK = "feedback"
MIN_RESULTS = 5
MIN_COMMENTS = 10
FEW = f"少于 {MIN_RESULTS} 份"
OPEN_DAYS = 90
QUESTIONS: dict[str, str] = {"overall": "总体满意度", "useful": "内容对工作有帮助",
                             "fit": "内容适合参加对象"}
SCORES: dict[str, str] = {"5": "非常同意", "4": "同意", "3": "一般", "2": "不同意",
                          "1": "非常不同意"}
Role = Literal["contact", "teacher"]
Score = Literal["1", "2", "3", "4", "5"]


class Answer(PortalForm):
    """活动反馈"""

    overall: Score = field(QUESTIONS["overall"], widget="radio", choices=SCORES)
    useful: Score = field(QUESTIONS["useful"], widget="radio", choices=SCORES)
    fit: Score = field(QUESTIONS["fit"], widget="radio", choices=SCORES)
    comment: str | None = field("意见和建议", None, widget="textarea", max_length=300,
                                help="可不填。请勿填写姓名、电话。" + NO_STUDENT_DETAILS)


def token(secret: bytes, role: Role, booking_id: str) -> str:
    digest = hmac.new(secret, f"feedback:{role}:{booking_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def role_of(secret: bytes, booking_id: str, given: str) -> Role | None:
    """Whose link this token is: the contact's, the teachers', or neither."""
    roles: tuple[Role, ...] = ("contact", "teacher")
    for role in roles:
        if hmac.compare_digest(token(secret, role, booking_id), given[:64]):
            return role
    return None


def link(secret: bytes, role: Role, booking_id: str) -> str:
    return f"/feedback/?b={booking_id}&t={token(secret, role, booking_id)}"


def is_open(booking: dict[str, Any] | None) -> bool:
    """Feedback is taken for completed visits, for `OPEN_DAYS` after the visit."""
    if booking is None or booking.get("status") != "completed" or not booking.get("date"):
        return False
    return (clock.today() - dt.date.fromisoformat(booking["date"])).days <= OPEN_DAYS


def on_completed(db: Database, secret: bytes, booking: dict[str, Any]) -> None:
    """Ask the school's contact how it went (call in the completing transaction)."""
    enqueue(db, "booking.feedback",
            Recipient("school", booking.get("contact_name"), booking.get("phone"),
                      booking.get("email")),
            f"请反馈进校活动（{booking['reference']}）",
            f"{booking.get('contact_name', '')}老师：{booking['school']}的进校活动已完成，"
            "请用两分钟填写反馈。页面上另有一个匿名链接，可以转给参加活动的老师。",
            link(secret, "contact", booking["id"]))


def answered_by_contact(db: Database, booking_id: str) -> bool:
    return bool(db.table(FEEDBACK).find(booking_id=booking_id, role="contact"))


def record(db: Database, booking_id: str, role: Role, answer: Answer) -> dict[str, Any]:
    """Store one answer; the contact's second answer is refused."""
    with db.transaction():
        booking = db.table(BOOKINGS).get_id(booking_id)
        if not is_open(booking):
            raise ApiError(409, "feedback_closed", "这次活动的反馈已经结束。")
        assert booking is not None
        if role == "contact" and answered_by_contact(db, booking_id):
            raise ApiError(409, "already_answered", "您已经提交过这次活动的反馈，谢谢！")
        row = {"id": new_id(), "booking_id": booking_id, "expert_id": booking.get("expert_id"),
               "role": role, **answer.model_dump(), "at": clock.iso(clock.now())}
        db.table(FEEDBACK).insert(row)
        return row


def summary(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """{answers, results | None, comments | None}: nothing shown below the thresholds."""
    count = len(answers)
    results: dict[str, Any] | None = None
    if count >= MIN_RESULTS:
        results = {}
        for name, label in QUESTIONS.items():
            scores = [int(a[name]) for a in answers]
            results[name] = {"label": label, "average": round(sum(scores) / count, 2),
                             "counts": {s: scores.count(int(s)) for s in SCORES}}
    comments = None
    if count >= MIN_COMMENTS:
        comments = [a["comment"] for a in sorted(answers, key=lambda a: a["at"], reverse=True)
                    if a.get("comment")]
    return {"answers": count, "results": results, "comments": comments}


def for_booking(db: Database, booking_id: str) -> dict[str, Any]:
    return summary(db.table(FEEDBACK).find(booking_id=booking_id))


def for_expert(db: Database, expert_id: str) -> dict[str, Any]:
    return summary(db.table(FEEDBACK).find(expert_id=expert_id))


def shown_count(count: int) -> str:
    """The answer count as people read it: exact from the threshold, `少于 5 份` below."""
    return f"{count} 份" if count >= MIN_RESULTS else FEW
