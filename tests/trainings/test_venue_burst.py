"""A small venue burst against `portal serve`: all succeed, none twice, the code rotating."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests import venue_burst
from tests.servers import Server, admin_headers


def test_sixty_teachers_ten_offline_while_the_code_rotates(built_site: Path,
                                                            tmp_path: Path) -> None:
    # The venue's one address and the default rate limit (600 a minute), as at a real hall.
    with Server(built_site, tmp_path / "data", env={"PORTAL_RATE_LIMIT": "600"}) as server:
        burst = asyncio.run(venue_burst.run(server.url, admin_headers(), teachers=60,
                                            offline=10, seconds=12, rotation=10))
    assert venue_burst.problems(burst, 60) == []
    assert len(burst.codes_used) >= 2  # the code changed during the burst
    assert burst.page_loads == 60 and burst.asset_loads >= 60
    # Each queued check-in was sent twice: the second answered 200 with the same record.
    repeats = [s for s in burst.statuses.values() if len(s) == 2]
    assert len(repeats) == 10 and all(s == [201, 200] for s in repeats)
