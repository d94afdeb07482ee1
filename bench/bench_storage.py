"""Storage benchmark, run by hand: the portal's storage next to TinyDB's default JSONStorage.

    .venv/bin/python bench/bench_storage.py [--dir DIR] [--quick]

Measures, on the disk that holds DIR (default: the system temp directory):
- durable single inserts (each returns after its fsync) at 1k, 10k and 100k existing records:
  inserts/s, p50 and p99 latency, for both storages; the default one gets fewer samples at
  100k because each of its inserts rewrites the whole file. The sizes are measured in
  interleaved rounds, so a busy moment of the machine hits every size alike;
- inserts/s from 16 threads at once (group commit; ours only);
- resident memory with 100k records loaded and the check-in's two indexes built, and start-up
  time at 300k records (journal only, and after compaction into a snapshot), each in a fresh
  interpreter.
Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tinydb import TinyDB  # noqa: E402  (the default storage, for comparison only)

from forms_api.storage import Database, new_id  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
OUR_SAMPLES = 3_000
DEFAULT_SAMPLES = {1_000: 300, 10_000: 40, 100_000: 10}
THREADS = 16


def record(i: int) -> dict[str, Any]:
    """A check-in as the attendance form stores it: ~280 bytes of JSON with Chinese text."""
    return {
        "id": new_id(),
        "session_id": f"TS-{i % 500:04d}",
        "name": "王小明",
        "school": "郑州市第一中学",
        "phone": f"138{i:08d}",
        "district": "金水区",
        "subject": "心理健康",
        "checked_in_at": "2026-11-29T09:12:33+08:00",
        "receipt": "CK-7K3M-9QXA",
        "note": "培训签到，准时参加",
    }


@contextmanager
def no_fsync() -> Iterator[None]:
    """Fill test data quickly; never used while measuring."""
    real = os.fsync
    os.fsync = lambda fd: None
    try:
        yield
    finally:
        os.fsync = real
        os.sync()  # write the filler out now, not during the measurement


def fill_ours(path: Path, count: int, *, one_per_line: bool = False) -> None:
    shutil.rmtree(path, ignore_errors=True)
    with no_fsync():
        db = Database.open(path)
        table = db.table("attendance")
        step = 1 if one_per_line else 1_000
        for start in range(0, count, step):
            with db.transaction():
                for i in range(start, min(count, start + step)):
                    table.insert(record(i))
        db.close()


def fill_default(path: Path, count: int) -> None:
    # The file TinyDB itself would have written (json.dumps, ensure_ascii=True).
    docs = {str(i + 1): record(i) for i in range(count)}
    path.write_text(json.dumps({"attendance": docs}))


def timed(call: Callable[[], object], samples: int) -> list[float]:
    latencies = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    return latencies


def summary(latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(latencies) / sum(latencies), statistics.median(ordered) * 1e3, p99 * 1e3


def fsync_probe(directory: Path, samples: int = 300) -> str:
    """This disk's fsync latency right now: a shared disk is most of a durable insert's p99."""
    path = directory / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    latencies = []
    try:
        for _ in range(samples):
            os.write(fd, b"x" * 300 + b"\n")
            start = time.perf_counter()
            os.fsync(fd)
            latencies.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    latencies.sort()
    return (f"fsync of a 300-byte append on this disk: p50 {statistics.median(latencies) * 1e3:.2f} ms, "
            f"p99 {latencies[int(samples * 0.99)] * 1e3:.2f} ms")


def threaded_rate(table: Any, counter: Iterator[int], per_thread: int) -> float:
    """Inserts/s with THREADS threads inserting at once (their fsyncs are shared)."""
    barrier = threading.Barrier(THREADS + 1)

    def worker() -> None:
        barrier.wait()
        for _ in range(per_thread):
            table.insert(record(next(counter)))

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return THREADS * per_thread / (time.perf_counter() - start)


def bench_interleaved(work: Path, samples: int, quick: bool) -> dict[tuple[str, int], Any]:
    """Every size is measured in every round, so a noisy moment hits all sizes alike."""
    dbs, ours, default = [], {}, {}
    for count in SIZES:
        fill_ours(work / f"ours-{count}", count)
        dbs.append(Database.open(work / f"ours-{count}"))
        ours[count] = dbs[-1].table("attendance")
        fill_default(work / f"default-{count}.json", count)
        dbs.append(TinyDB(work / f"default-{count}.json"))
        default[count] = dbs[-1].table("attendance")
    counter = iter(range(10**6, 10**9))
    results: dict[tuple[str, int], Any] = {key: [] for key in
                                           [(kind, c) for kind in ("ours", "default") for c in SIZES]}
    rounds = 10
    for round_ in range(rounds):
        for count in SIZES:
            results["ours", count] += timed(lambda: ours[count].insert(record(next(counter))),
                                            samples // rounds)
            wanted = max(rounds, DEFAULT_SAMPLES[count] // (4 if quick else 1))
            table = default[count]
            results["default", count] += timed(lambda: table.insert(record(next(counter))),
                                               (round_ + 1) * wanted // rounds - round_ * wanted // rounds)
        print(f"  round {round_ + 1}/{rounds}", file=sys.stderr)
    for count in SIZES:
        results["threads", count] = threaded_rate(ours[count], counter, max(50, samples // THREADS))
    for db in dbs:
        db.close()
    return results


PROBE = r"""
import sys, time, gc
sys.path.insert(0, sys.argv[2])
from forms_api.storage import Database
start = time.perf_counter()
db = Database.open(sys.argv[1])
opened = time.perf_counter() - start
table = db.table("attendance")
table.find(session_id="TS-0001", phone="13800000001")  # the check-in's two indexes
table.count(session_id="TS-0001")
gc.collect()
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(opened, rss / 1024, len(db.table("attendance")))
db.close()
"""


def probe(path: Path) -> tuple[float, float]:
    """Open a data directory in a fresh interpreter: (start-up seconds, RSS MiB)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), str(ROOT)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=None, help="where to put the test data")
    parser.add_argument("--quick", action="store_true", help="fewer samples, no 300k start-up")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-storage-", dir=args.dir))
    our_samples = 500 if args.quick else OUR_SAMPLES
    rows = []
    ours_p50 = {}
    try:
        disk = fsync_probe(work)
        results = bench_interleaved(work, our_samples, args.quick)
        for count in SIZES:
            rate, p50, p99 = summary(results["ours", count])
            ours_p50[count] = p50
            rows.append(f"| {count:,} | this storage | {rate:,.0f} | {p50:.3f} | {p99:.3f} "
                        f"| {results['threads', count]:,.0f} |")
            latencies = results["default", count]
            rate, p50, p99 = summary(latencies)
            rows.append(f"| {count:,} | TinyDB JSONStorage ({len(latencies)} samples) | {rate:,.1f} "
                        f"| {p50:.1f} | {p99:.1f} | – |")

        path = work / "rss-100k"
        fill_ours(path, 100_000)
        _, rss_100k = probe(path)
        shutil.rmtree(path)
        startup = []
        if not args.quick:
            path = work / "startup-300k"
            fill_ours(path, 300_000, one_per_line=True)
            journal = min(probe(path)[0] for _ in range(3))
            db = Database.open(path)
            db.compact()
            db.close()
            snapshot, rss_300k = min(probe(path) for _ in range(3))
            startup = [
                f"- Start-up at 300k records: {journal:.2f} s from the journal (one line per "
                f"insert), {snapshot:.2f} s from a compacted snapshot; RSS {rss_300k:.0f} MiB.",
            ]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nMachine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}")
    print(f"Disk: {disk}\n")
    print("| existing records | storage | inserts/s (1 thread) | p50 ms | p99 ms | inserts/s (16 threads) |")
    print("|---:|---|---:|---:|---:|---:|")
    print("\n".join(rows))
    print()
    print(f"- Median insert at 100k is {ours_p50[100_000] / ours_p50[1_000]:.2f}× the one at 1k "
          f"(target ≤ 1.2×, ≤ 1 ms).")
    print(f"- RSS with 100k records loaded and indexed: {rss_100k:.0f} MiB (target ≤ 400).")
    print("\n".join(startup))


if __name__ == "__main__":
    main()
