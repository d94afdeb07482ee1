"""Admin lists: every matching item unless `limit` (and `offset`) are given."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from forms_api.errors import ApiError
from forms_api.storage import Table


def _count(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ApiError(422, message=f"{name} 应为非负整数，收到 {raw!r}",
                       fields={name: "应为非负整数"})
    return int(raw)


def page_of(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """`{"items": [...], "total": n}`, sliced by `offset` and `limit` when given."""
    offset = _count(request, "offset") or 0
    limit = _count(request, "limit")
    chosen = items[offset:] if limit is None else items[offset:offset + limit]
    return {"items": chosen, "total": len(items)}


def status_filter(request: Request, allowed: tuple[str, ...]) -> str | None:
    status = request.query_params.get("status") or None
    if status is not None and status not in allowed:
        raise ApiError(422, message=f"status 只能是 {'、'.join(allowed)}，收到 {status!r}",
                       fields={"status": "不认识的状态"})
    return status


def by_status(table: Table, status: str | None) -> list[dict[str, Any]]:
    """Every record of `table` (with `status`, when given), oldest first."""
    found = table.find(status=status) if status else table.all()
    return sorted(found, key=lambda r: (r["created_at"], r["id"]))
