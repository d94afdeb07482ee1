"""Reliability at the HTTP level, against real `portal serve` processes on 127.0.0.1.

A mixed load of concurrent clients is audited exactly (tests/load.py); SIGKILL during a burst
and a disk that refuses writes lose nothing that was acknowledged. The long variants are
`bench/bench_reliability.py`.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import httpx

from tests import load
from tests.servers import Server, admin_headers

CLIENTS = 32
OPERATIONS = 30  # per client: about 1,000 requests in all


def test_mixed_load_loses_nothing_duplicates_nothing(built_site: Path, tmp_path: Path) -> None:
    with Server(built_site, tmp_path / "data") as server:
        state, ledger, _elapsed = asyncio.run(
            load.run_load(server.url, admin_headers(), CLIENTS, OPERATIONS, seconds=40))
        assert ledger.errors == [], ledger.errors[:10]
        assert ledger.requests >= CLIENTS * OPERATIONS * 0.9, ledger.requests
        kinds = {key.split()[1] for key in ledger.statuses}
        assert {"check_in", "volunteer", "booking", "admin_volunteer", "admin_booking",
                "export"} <= kinds, ledger.statuses
        assert load.audit(server.url, admin_headers(), state, ledger) == []
    # and after a clean stop and a restart, the same holds
    with Server(built_site, tmp_path / "data") as server:
        assert load.audit(server.url, admin_headers(), state, ledger) == []


CRASH_ROUNDS = 3


def test_sigkill_during_a_burst_loses_nothing_acknowledged(built_site: Path,
                                                          tmp_path: Path) -> None:
    rng = random.Random(8)
    data = tmp_path / "data"
    for round_number in range(CRASH_ROUNDS):
        server = Server(built_site, data).start()
        try:
            state, ledger, _ = asyncio.run(load.run_load(
                server.url, admin_headers(), 24, 10**6, seconds=30, mix=load.Worker.CREATE,
                kill_after=rng.randrange(30, 150), kill=server.kill))
        finally:
            server.kill()
        assert load.acknowledged(ledger) >= 30, (round_number, ledger.statuses)
        assert not [s for s in ledger.statuses if s.split()[-1].startswith("5")], ledger.statuses
        with Server(built_site, data) as restarted:
            assert load.missing(restarted.url, admin_headers(), state, ledger) == []


def test_a_full_disk_answers_5xx_and_keeps_every_acknowledged_record(
        built_site: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Server(built_site, data) as server:
        journal = max(data.glob("portal.journal.*"), key=lambda p: p.stat().st_mtime)
        server.limit_file_size(journal.stat().st_size + 48 * 1024)
        state, ledger, _ = asyncio.run(load.run_load(
            server.url, admin_headers(), 16, 60, seconds=30, mix=load.Worker.CREATE))
        failed = sum(n for key, n in ledger.statuses.items() if key.split()[-1].startswith("5"))
        other = [e for e in ledger.errors if not e.split(": ", 1)[1].startswith("50")]
        assert failed > 0 and load.acknowledged(ledger) > 0, ledger.statuses
        assert other == [], other[:5]  # writes fail as 5xx, never a reset or a wrong success
        assert httpx.get(f"{server.url}/api/health").status_code == 200  # reads go on
        assert load.missing(server.url, admin_headers(), state, ledger) == []
    with Server(built_site, data) as restarted:  # space is back
        assert load.audit(restarted.url, admin_headers(), state, ledger) == []
        after = httpx.post(f"{restarted.url}/api/volunteers",
                           json=load.volunteer_body(load.next_phone(), 1))
        assert after.status_code == 201, after.text
