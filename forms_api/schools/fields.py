"""The `school_id` field the forms that name a school share (filled by the school picker)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

SCHOOL_ID_LABEL = "学校（名录编号）"
#: An id from `GET /api/schools`; an unknown or closed one is ignored, never refused.
SchoolId = Annotated[str | None, Field(max_length=40, pattern=r"^[0-9A-Za-z_-]*$")]
