"""The school registry (table `schools`).

Record: {id, code (学校标识码, 10 digits, or null), name, aliases (list), district,
district_code, stage (the booking form's stage codes), active, merged_into (the id of the
school it was merged into, or null), created_at, updated_at}. Attendance and booking records
carry `school_id` (or null).
"""

from __future__ import annotations

SCHOOLS = "schools"
