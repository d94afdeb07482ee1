"""Reading the bureau's school list: an XLSX workbook (first sheet) or a CSV file.

The first row holds the headers 学校标识码, 学校名称, 区县, 学段, and optionally 别名 and
区县代码 (in any order; spaces and full-width forms in them are ignored). CSV may be UTF-8
(with or without a BOM) or GB18030 (what Excel on a Chinese Windows saves), separated by
commas or tabs. Rows are numbered as in the spreadsheet (the header is row 1); empty rows are
skipped.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

from forms_api.schools.records import key

#: The largest file the import takes (a city's list is a few hundred kilobytes).
MAX_UPLOAD = 5 * 1024 * 1024
MAX_ROWS = 20_000
HEADERS = {"学校标识码": "code", "学校名称": "name", "区县": "district", "学段": "stage",
           "别名": "aliases", "区县代码": "district_code"}
REQUIRED = ("学校名称", "区县", "学段", "学校标识码")


class SheetError(ValueError):
    """The file cannot be read as a school list (the message is Chinese, for staff)."""


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it
    values: dict[str, Any]  # by field: code, name, district, stage, aliases, district_code


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetError("无法读取这个 Excel 文件，请另存为 .xlsx 或 CSV 后再试。") from exc
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    finally:
        book.close()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError("无法识别 CSV 文件的编码，请用 UTF-8 或 GBK 保存。")


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _columns(header: list[Any]) -> dict[int, str]:
    wanted = {key(h): f for h, f in HEADERS.items()}
    columns: dict[int, str] = {}
    for n, title in enumerate(header):
        name = wanted.get(key(title))
        if name is not None and name not in columns.values():
            columns[n] = name
    found = set(columns.values())
    missing = [h for h in REQUIRED if HEADERS[h] not in found]
    if missing:
        raise SheetError(f"第 1 行缺少表头：{'、'.join(missing)}（需要 学校标识码、学校名称、区县、"
                         "学段，可选 别名、区县代码）。")
    return columns


def read_rows(data: bytes, filename: str = "") -> list[Row]:
    """The rows of a school list, numbered as in the sheet; SheetError when unreadable."""
    if not data:
        raise SheetError("文件是空的。")
    rows = _xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _csv_rows(data)
    try:
        header = next(rows)
    except StopIteration:
        raise SheetError("文件是空的。") from None
    except csv.Error as exc:
        raise SheetError(f"CSV 文件格式有误：{exc}") from None
    columns = _columns(header)
    out: list[Row] = []
    try:
        for number, cells in enumerate(rows, start=2):
            values = {name: cells[n] if n < len(cells) else None for n, name in columns.items()}
            if all(v is None or str(v).strip() == "" for v in values.values()):
                continue
            out.append(Row(number, values))
            if len(out) > MAX_ROWS:
                raise SheetError(f"一次最多导入 {MAX_ROWS} 所学校，请分成几个文件。")
    except csv.Error as exc:
        raise SheetError(f"CSV 文件格式有误：{exc}") from None
    return out
