"""`portal schools import FILE [--dry-run]`: the bureau's list from the command line.

It opens the database itself (the embedded journal's lock, or PostgreSQL). While a server
holds the data directory it refuses and points to the console's import, which does the same.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from forms_api.schools.imports import run_import
from forms_api.schools.sheets import MAX_UPLOAD, SheetError, read_rows
from forms_api.settings import Settings
from forms_api.storage import DatabaseLocked, StorageError
from forms_api.storage.factory import open_database
from forms_api.web.context import SchoolLink

ACTIONS = {"created": "新增", "updated": "更新", "unchanged": "未变", "refused": "未导入"}


def _print(report: dict[str, Any]) -> None:
    for row in report["rows"]:
        if row["action"] == "unchanged" and not row.get("message"):
            continue
        detail = row.get("message") or "、".join(row.get("changes") or [])
        print(f"第 {row['row']} 行\t{ACTIONS[row['action']]}\t{row['name']}"
              + (f"\t{detail}" if detail else ""))
    verb = "将" if report["dry_run"] else "已"
    print(f"{verb}新增 {report['created']} 所，{verb}更新 {report['updated']} 所，"
          f"未变 {report['unchanged']} 所，未导入 {len(report['errors'])} 行"
          + ("" if report["dry_run"] else f"；按名称关联了 {report['linked']} 条记录") + "。"
          + ("（试运行，未写入）" if report["dry_run"] else ""))


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"Cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    if len(data) > MAX_UPLOAD:
        print(f"{path} is over {MAX_UPLOAD // (1024 * 1024)} MiB: split it.", file=sys.stderr)
        return 2
    try:
        rows = read_rows(data, path.name)
    except SheetError as exc:
        print(f"无法导入：{exc}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    try:
        db = open_database(settings)
    except DatabaseLocked:
        print(f"The portal is running on {settings.data_dir}: import the file in the console "
              "(学校名录 → 导入) or with POST /api/admin/schools/import instead.", file=sys.stderr)
        return 1
    except StorageError as exc:
        print(f"Could not open the database: {exc}", file=sys.stderr)
        return 1
    try:
        report = run_import(db, rows, f"cli:{getpass.getuser()}", args.dry_run, args.links)
    finally:
        db.close()
    _print(report)
    return 1 if report["errors"] else 0


def add_command(commands: Any, links: Sequence[SchoolLink]) -> None:
    """Register `schools import` on the `portal` parser's subcommands."""
    schools = commands.add_parser("schools", help="the school registry (学校名录)")
    actions = schools.add_subparsers(dest="action", required=True, metavar="ACTION")
    importer = actions.add_parser(
        "import", help="import the bureau's school list (XLSX or CSV, Chinese headers)")
    importer.add_argument("file", metavar="FILE", help="an .xlsx or .csv file (at most 5 MiB)")
    importer.add_argument("--dry-run", action="store_true",
                          help="show what would be created, updated or refused; write nothing")
    importer.set_defaults(handler=cmd_import, links=tuple(links))
