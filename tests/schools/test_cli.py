"""`portal schools import FILE [--dry-run]`: the same import as the console, from a shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_api.cli import main
from forms_api.schools.records import SCHOOLS
from forms_api.storage import Database
from forms_api.trainings.records import ATTENDANCE
from tests.schools.support import CITY, csv_bytes, xlsx_bytes


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    return tmp_path / "data"


def test_the_cli_imports_a_list_with_a_dry_run_first(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = Database.open(data_dir)
    db.table(ATTENDANCE).insert({"id": "C-1", "session_id": "T-1", "name": "王芳",
                                 "school": "市六中", "phone": "13800000001"})
    db.close()
    sheet = tmp_path / "名录.xlsx"
    sheet.write_bytes(xlsx_bytes(CITY))
    assert main(["schools", "import", str(sheet), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "将新增 5 所" in out and "试运行" in out and "第 2 行\t新增\t第六中学" in out
    db = Database.open(data_dir)
    assert len(db.table(SCHOOLS)) == 0
    db.close()
    assert main(["schools", "import", str(sheet)]) == 0
    assert "已新增 5 所" in capsys.readouterr().out
    db = Database.open(data_dir)
    six = db.table(SCHOOLS).find(name="第六中学")[0]
    assert db.table(ATTENDANCE).get_id("C-1")["school_id"] == six["id"]  # type: ignore[index]
    db.close()
    assert main(["schools", "import", str(sheet)]) == 0
    assert "已新增 0 所" in capsys.readouterr().out


def test_refused_rows_are_named_and_fail_the_command(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_bytes(csv_bytes([*CITY, ("123", "短码中学", "东城区", "初中", "")]))
    assert main(["schools", "import", str(sheet)]) == 1
    out = capsys.readouterr().out
    assert "第 7 行\t未导入\t短码中学\t学校标识码" in out and "已新增 5 所" in out


def test_a_running_server_or_a_bad_file_is_refused_plainly(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "city.csv"
    sheet.write_bytes(csv_bytes(CITY))
    held = Database.open(data_dir)  # what a running server does
    try:
        assert main(["schools", "import", str(sheet)]) == 1
        assert "POST /api/admin/schools/import" in capsys.readouterr().err
    finally:
        held.close()
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"name,phone\nx,y\n")
    assert main(["schools", "import", str(junk)]) == 2
    assert "缺少表头" in capsys.readouterr().err
