"""Importing the bureau's list: XLSX and CSV, bad rows each named, re-import, dry run, limits."""

from __future__ import annotations

from starlette.testclient import TestClient

from forms_api.admin import audit
from forms_api.schools.sheets import MAX_UPLOAD
from tests.forms_support import ADMIN
from tests.schools.support import CITY, csv_bytes, schools, upload, xlsx_bytes


def test_a_csv_list_is_imported_and_a_reimport_changes_nothing(portal_client: TestClient) -> None:
    first = upload(portal_client, csv_bytes(CITY))
    assert (first["created"], first["updated"], first["unchanged"], first["errors"]) == (
        5, 0, 0, [])
    found = schools(portal_client)
    six = found["第六中学"]
    assert six["code"] == "3141000001" and six["district"] == "东城区"
    assert six["stage"] == "junior" and six["aliases"] == ["六中", "市六中"] and six["active"]
    assert found["特殊教育学校"]["stage"] == "special"
    assert found["育才中学"]["code"] is None
    again = upload(portal_client, csv_bytes(CITY))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert len(schools(portal_client)) == 5


def test_an_xlsx_list_with_numeric_codes_is_imported(portal_client: TestClient) -> None:
    rows = [(int(c) if c else "", n, d, s, a) for c, n, d, s, a in CITY]
    body = upload(portal_client, xlsx_bytes(rows), "名录.xlsx")
    assert body["created"] == 5 and body["errors"] == []
    assert schools(portal_client)["第一高级中学"]["code"] == "3441000003"
    again = upload(portal_client, xlsx_bytes(rows), "名录.xlsx")
    assert again["created"] == 0 and again["unchanged"] == 5


def test_gb18030_csv_and_full_width_codes_are_read(portal_client: TestClient) -> None:
    rows = [("３１４１０００００１", "第六中学", "东城区", "初中", "六中")]
    body = upload(portal_client, csv_bytes(rows, encoding="gb18030"))
    assert body["created"] == 1, body
    assert schools(portal_client)["第六中学"]["code"] == "3141000001"


def test_bad_rows_are_each_refused_with_their_row_number(portal_client: TestClient) -> None:
    rows = [
        ("3141000001", "第六中学", "东城区", "初中", ""),       # row 2: fine
        ("31410001", "短码中学", "东城区", "初中", ""),          # row 3: 8 digits
        ("9941000009", "类型不明学校", "东城区", "初中", ""),     # row 4: unknown type
        ("3199000009", "省份不明中学", "东城区", "初中", ""),     # row 5: no such province
        ("", "", "东城区", "初中", ""),                           # row 6: no name
        ("", "学段不明学校", "东城区", "大学", ""),               # row 7: unknown stage
        ("3141000001", "第六中学分校", "东城区", "初中", ""),     # row 8: same code as row 2
        ("", "第六中学", "东城区", "初中", ""),                   # row 9: same school as row 2
        ("", "无区县学校", "", "小学", ""),                       # row 10: no district
    ]
    body = upload(portal_client, csv_bytes(rows), dry_run=True)
    errors = {e["row"]: e["message"] for e in body["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "10 位数字" in errors[3] and "学校标识码" in errors[3]
    assert "99" in errors[4] and "学校类型" in errors[4]
    assert "省份" in errors[5]
    assert "学校名称" in errors[6]
    assert "学段" in errors[7]
    assert "第 2 行" in errors[8] and "第 2 行" in errors[9]
    assert "区县" in errors[10]
    assert body["created"] == 1 and body["dry_run"] is True
    assert [r["action"] for r in body["rows"]][:2] == ["created", "refused"]
    assert schools(portal_client) == {}, "a dry run writes nothing"


def test_a_dry_run_reports_updates_and_a_reimport_updates_by_code_or_name(
        portal_client: TestClient) -> None:
    upload(portal_client, csv_bytes(CITY))
    changed = [
        ("3141000001", "东城区第六中学", "东城区", "初中", "六中、东六中"),  # renamed, by code
        ("", "育才中学", "西城区", "九年一贯制", ""),                       # by name + district
        ("2141000002", "实验小学", "东城区", "小学", ""),
    ]
    preview = upload(portal_client, csv_bytes(changed), dry_run=True)
    assert (preview["created"], preview["updated"], preview["unchanged"]) == (0, 2, 1)
    by_row = {r["row"]: r for r in preview["rows"]}
    assert by_row[2]["changes"] == ["学校名称", "别名"] and by_row[3]["changes"] == ["学段"]
    assert "第六中学" in schools(portal_client)
    done = upload(portal_client, csv_bytes(changed))
    assert done["updated"] == 2 and done["created"] == 0
    found = schools(portal_client)
    assert "第六中学" not in found and len(found) == 5
    assert found["东城区第六中学"]["aliases"] == ["六中", "市六中", "东六中"]
    assert found["育才中学"]["stage"] == "nine_year"


def test_the_import_is_audited_and_the_file_is_checked(portal_client: TestClient) -> None:
    upload(portal_client, csv_bytes(CITY))
    db = portal_client.app.state.portal.db  # type: ignore[attr-defined]
    entry = next(e for e in audit.entries(db) if e["action"] == "school.import")
    assert entry["detail"]["created"] == 5 and entry["actor"] == "bootstrap"
    missing = upload(portal_client, csv_bytes([("第六中学", "东城区")], header=("学校名称", "区县")),
                     status=422)
    assert "学校标识码" in missing["error"]["message"] and "学段" in missing["error"]["message"]
    junk = upload(portal_client, b"PK\x03\x04 not really a workbook", "x.xlsx", status=422)
    assert "Excel" in junk["error"]["message"]
    big = upload(portal_client, b"a" * (MAX_UPLOAD + 100 * 1024), status=413)
    assert big["error"]["code"]
    no_file = portal_client.post("/api/admin/schools/import", headers=ADMIN,
                                 files={"other": ("x.csv", b"x", "text/csv")})
    assert no_file.status_code == 422 and "文件" in no_file.json()["error"]["message"]
    anonymous = portal_client.post("/api/admin/schools/import",
                                   files={"file": ("x.csv", csv_bytes(CITY), "text/csv")})
    assert anonymous.status_code == 401
