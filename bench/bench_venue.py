"""Venue burst, run by hand: 300 teachers behind one Wi-Fi address check in within 2 minutes.

    .venv/bin/python bench/bench_venue.py [--teachers 300] [--offline 50] [--seconds 120]
                                          [--rotation 30] [--sync-after 45]

Starts `portal serve` on 127.0.0.1 (fresh data directory, the default rate limit of 600 a
minute per address: every teacher comes from the same one) with the built site (`portal build`
first). Creates a session whose code rotates every --rotation seconds; a projector task fetches
the current code every second. Each teacher, at a random moment of the burst, loads
`/attend/?session=…&code=…` (the QR's link, with the code on screen then) and every asset the
page names, waits as long as filling in takes, and posts the form with its fill-time token and
a nonce. --offline of them lose the connection instead: their check-in is kept with `made_at`
and sent --sync-after seconds after the burst, twice (a lost answer). Then every teacher must
have exactly one record, every queued check-in one answer, the code must have changed during
the burst. Prints a Markdown table for bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import venue_burst  # noqa: E402
from tests.servers import Server, admin_headers  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=300)
    parser.add_argument("--offline", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--rotation", type=int, default=30)
    parser.add_argument("--sync-after", type=float, default=45.0)
    args = parser.parse_args()
    site = ROOT / "site"
    if not (site / "attend" / "index.html").exists():
        print("build the site first: .venv/bin/portal build", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as data, \
            Server(site, Path(data) / "data", env={"PORTAL_RATE_LIMIT": "600"}) as server:
        burst = asyncio.run(venue_burst.run(
            server.url, admin_headers(), teachers=args.teachers, offline=args.offline,
            seconds=args.seconds, rotation=args.rotation, sync_after=args.sync_after))
    problems = venue_burst.problems(burst, args.teachers)
    late = sum(1 for r in burst.records if r.get("late"))
    times = sorted(burst.latencies)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print()
    print("| teachers | offline first | burst | codes used | page + asset loads | check-in POSTs "
          "| p50 / p99 ms | records | late | doubled | refused |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    doubled = len(burst.records) - len({r["phone"] for r in burst.records})
    print(f"| {args.teachers} | {args.offline} | {args.seconds:.0f} s (+{args.sync_after:.0f} s "
          f"to sync) | {len(burst.codes_used)} | {burst.page_loads} + {burst.asset_loads} "
          f"| {len(times)} | {statistics.median(times) * 1000:.1f} / {p99:.1f} "
          f"| {len(burst.records)} | {late} | {doubled} | {len(burst.problems)} |")
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
