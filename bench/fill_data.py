"""Fill a data directory with N check-ins of other sessions, fast (fsync skipped, then sync).

    .venv/bin/python bench/fill_data.py DATA_DIR 100000
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forms_api.storage import Database  # noqa: E402


def fill(data_dir: Path, count: int) -> None:
    """Insert `count` check-ins in batches of 1,000; the files are synced once at the end."""
    real = os.fsync
    os.fsync = lambda fd: None  # filling only; os.sync() below writes it all out
    try:
        db = Database.open(data_dir)
        table = db.table("attendance")
        for start in range(0, count, 1000):
            with db.transaction():
                for i in range(start, min(count, start + 1000)):
                    table.insert({
                        "session_id": f"old-{i % 200}", "name": "王小明", "school": "郑州市第一中学",
                        "phone": f"138{i:08d}", "district": "金水区", "subject": "心理健康",
                        "checked_in_at": "2026-11-01T09:12:33+08:00",
                    })
        db.close()
    finally:
        os.fsync = real
        os.sync()


if __name__ == "__main__":
    fill(Path(sys.argv[1]), int(sys.argv[2]))
