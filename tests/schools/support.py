"""Helpers for the registry's tests: school lists as CSV and XLSX files, an import call."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from starlette.testclient import TestClient

from tests.forms_support import ADMIN

HEADER = ("学校标识码", "学校名称", "区县", "学段", "别名")
#: A small city: codes are real-shaped (type, province 41 Henan, six digits).
CITY = [
    ("3141000001", "第六中学", "东城区", "初中", "六中、市六中"),
    ("2141000002", "实验小学", "东城区", "小学", ""),
    ("3441000003", "第一高级中学", "西城区", "高中", "一高"),
    ("", "育才中学", "西城区", "初中", ""),
    ("5141000005", "特殊教育学校", "西城区", "特殊教育学校", "特教学校"),
]


def csv_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER,
              encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(header), *(",".join(str(c) for c in row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append([c if c != "" else None for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: TestClient, data: bytes, name: str = "schools.csv", dry_run: bool = False,
           status: int = 200) -> dict[str, Any]:
    kind = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if name.endswith(".xlsx") else "text/csv")
    response = client.post("/api/admin/schools/import", headers=ADMIN,
                           files={"file": (name, data, kind)},
                           data={"dry_run": "1"} if dry_run else {})
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def schools(client: TestClient) -> dict[str, dict[str, Any]]:
    """The registry by name."""
    response = client.get("/api/admin/schools", headers=ADMIN)
    assert response.status_code == 200, response.text
    return {s["name"]: s for s in response.json()["items"]}


def import_city(client: TestClient) -> dict[str, dict[str, Any]]:
    body = upload(client, csv_bytes(CITY))
    assert body["created"] == len(CITY), body
    return schools(client)
