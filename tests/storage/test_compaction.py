"""Compaction: snapshots written on demand and in the background keep everything."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from forms_api.storage import (
    SNAPSHOT_FILE,
    Database,
)

ROOT = Path(__file__).resolve().parents[2]
FILL = 20_000  # enough documents that writing a snapshot takes a while: kills land inside it


def test_compaction_keeps_everything(data_dir: Path) -> None:
    db = Database.open(data_dir)
    t = db.table("t")
    ids = [t.insert({"n": n}) for n in range(50)]
    for record_id in ids[:10]:
        t.update_id(record_id, {"n": -1})
    for record_id in ids[10:20]:
        t.remove_id(record_id)
    db.table("empty").truncate()
    before = t.all()
    db.compact()
    assert (data_dir / SNAPSHOT_FILE).exists()
    assert [p.name for p in data_dir.glob("portal.journal.*")] == ["portal.journal.000002"]
    late = t.insert({"n": "after"})
    db.close()
    db = Database.open(data_dir)
    assert db.table("t").all() == [*before, {"n": "after", "id": late}]
    db.compact()
    db.compact()
    db.close()
    db = Database.open(data_dir)
    assert db.table("t").all() == [*before, {"n": "after", "id": late}]
    db.close()


def test_compaction_runs_in_the_background_when_the_journal_grows(data_dir: Path) -> None:
    db = Database.open(data_dir, compact_min_ops=20)
    t = db.table("t")
    record_id = t.insert({"n": 0})
    for n in range(200):
        t.update_id(record_id, {"n": n})
    db.close()  # waits for a running compaction
    assert (data_dir / SNAPSHOT_FILE).exists()
    db = Database.open(data_dir)
    assert db.table("t").all() == [{"n": 199, "id": record_id}]
    db.close()


# A child that fills the database once, then compacts back to back from the main thread while
# a second thread keeps changing it; every acknowledged change and every compaction step is
# printed, so the parent knows what must survive and where the kill landed.
COMPACTOR = r"""
import sys, threading
from forms_api.storage import Database

data_dir, fill, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db = Database.open(data_dir, compact_min_ops=10**9)  # compactions only where we call them
t = db.table("t")
lock = threading.Lock()

def say(line):
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

if len(t) == 0:
    for start in range(0, fill, 1000):
        with db.transaction():
            for n in range(start, start + 1000):
                t.insert({"id": f"f{n}", "v": 0, "text": "心理委员培训" * 20})
    say("filled")

def write():
    n = 0
    while True:
        n += 1
        record_id = t.insert({"v": 0, "round": seed, "n": n})
        say(f"i {record_id}")
        t.update_id(f"f{n % fill}", {"v": seed * 1_000_000 + n})
        say(f"u f{n % fill} {seed * 1_000_000 + n}")

say("ready")
threading.Thread(target=write, daemon=True).start()
while True:
    say("c")
    db.compact()
    say("C")
"""


def test_sigkill_during_compaction_loses_nothing_acknowledged(data_dir: Path) -> None:
    rnd = random.Random(20261202)
    inserted: set[str] = set()
    updated: dict[str, int] = {}  # fill id -> last acknowledged v
    update_acks = 0  # every acknowledged update; `updated` keeps one per fill id, and ids repeat per round
    mid_compaction = 0
    rounds = 12
    for round_ in range(1, rounds + 1):
        out_path = data_dir.parent / f"compactor-{round_}.txt"
        with out_path.open("w") as out:
            child = subprocess.Popen(
                [sys.executable, "-c", COMPACTOR, str(data_dir), str(FILL), str(round_)],
                cwd=ROOT,
                stdout=out,
            )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                lines = out_path.read_text().split("\n")
                if lines.count("c") >= 2:  # at least one compaction has finished: it is warm
                    break
                assert child.poll() is None, f"round {round_}: the child died on its own"
                time.sleep(0.005)
            time.sleep(rnd.uniform(0.0, 0.3))
            child.send_signal(signal.SIGKILL)
            child.wait()
        lines = out_path.read_text().split("\n")[:-1]  # an unfinished last line is not acked
        if round_ == 1:
            assert "filled" in lines
        steps = [line for line in lines if line in ("c", "C")]
        mid_compaction += bool(steps) and steps[-1] == "c"
        for line in lines:
            kind, *rest = line.split()
            if kind == "i":
                inserted.add(rest[0])
            elif kind == "u":
                updated[rest[0]] = max(updated.get(rest[0], 0), int(rest[1]))
                update_acks += 1

        db = Database.open(data_dir)  # must open after every kill
        try:
            stored = {d["id"]: d["v"] for d in db.table("t").all()}
        finally:
            db.close()
        assert not (data_dir / (SNAPSHOT_FILE + ".tmp")).exists()  # a cut-short write is gone
        assert len(list(data_dir.glob("portal.journal.*"))) <= 2, sorted(data_dir.iterdir())
        missing = [i for i in inserted if i not in stored]
        assert not missing, f"round {round_}: acknowledged inserts lost: {missing[:5]}"
        assert all(f"f{n}" in stored for n in range(FILL)), f"round {round_}: fill lost"
        stale = [i for i, v in updated.items() if stored[i] < v]
        assert not stale, f"round {round_}: acknowledged updates lost: {stale[:5]}"
    assert len(inserted) > 100 and update_acks > 100  # the writer did write under compaction
    assert mid_compaction >= rounds // 2, f"only {mid_compaction} kills landed in a compaction"
