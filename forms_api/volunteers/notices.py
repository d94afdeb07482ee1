"""What an expert volunteer is told about their application, in short plain Chinese.

Each function is called inside the transaction of the change it reports (see
`forms_api.notices.outbox.enqueue`). The link is the volunteer's own page, minted when the
notice is sent. Texts name the person and the decision, never anyone else's details.
"""

from __future__ import annotations

from typing import Any

from forms_api.notices.outbox import SIGNATURE, Recipient, enqueue, personal_link
from forms_api.storage import Database


def recipient(volunteer: dict[str, Any]) -> Recipient:
    return Recipient("volunteer", volunteer["name"], volunteer.get("phone"),
                     volunteer.get("email"))


def _send(db: Database, event: str, volunteer: dict[str, Any], subject: str, text: str) -> None:
    enqueue(db, event, recipient(volunteer), f"【心育驿站】{subject}",
            f"{volunteer['name']}老师：{text}\n{SIGNATURE}",
            personal_link("volunteer", volunteer["id"]))


def received(db: Database, volunteer: dict[str, Any]) -> None:
    _send(db, "volunteer.received", volunteer, "已收到您的专家志愿者报名",
          "我们已收到您的专家志愿者报名，审核结果会另行通知您。"
          "您可以通过下面的个人页面链接查看审核进度。")


def reviewed(db: Database, volunteer: dict[str, Any], previous: str) -> None:
    """The decision of a review: approved, not approved (with the reason), more material."""
    status, note = volunteer["status"], volunteer.get("note")
    if status == "approved":
        _send(db, "volunteer.approved", volunteer, "专家志愿者审核已通过",
              "您报名的专家志愿者已通过审核，感谢您的支持！学校预约进校活动时，我们会与您联系；"
              "您可以在个人页面查看和更新自己的信息。")
    elif status == "rejected":
        reason = f"原因：{note}。" if note else "如需了解原因，请与市教育局联系。"
        opening = ("您的专家志愿者资格已停止。" if previous == "approved"
                   else "感谢您报名专家志愿者。经审核，这次暂未通过。")
        _send(db, "volunteer.rejected", volunteer, "专家志愿者审核结果", opening + reason)
    elif status == "needs_info":
        _send(db, "volunteer.needs_info", volunteer, "专家志愿者报名需要补充材料",
              f"您的专家志愿者报名还需要补充：{note}。请打开下面的个人页面补充后重新提交。")
