"""A venue burst against a real server: teachers behind one Wi-Fi address load the check-in
page with its assets and check in while the projector's code rotates; some are offline first
and sync later (their queued check-in sent twice, as a lost answer would make the phone do).

Used by the suite (a small burst) and by `bench/bench_venue.py` (300 teachers in 2 minutes).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ASSET = re.compile(r'(?:href|src)="([^":]+\.(?:css|js|png|svg|woff2?)(?:\?[^"]*)?)"')
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
#: A teacher takes at least this long to fill the form (the form's fill-time check is 1.5 s).
FILL_SECONDS = 1.6


@dataclass
class Burst:
    session_id: str = ""
    statuses: dict[str, list[int]] = field(default_factory=dict)  # phone -> statuses
    codes_used: set[str] = field(default_factory=set)
    page_loads: int = 0
    asset_loads: int = 0
    latencies: list[float] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    wall: float = 0.0
    problems: list[str] = field(default_factory=list)


class Projector:
    """What the hall's screen shows: the current code, fetched as the console page does."""

    def __init__(self, client: httpx.AsyncClient, admin: dict[str, str], session_id: str):
        self.client, self.admin, self.session_id = client, admin, session_id
        self.code = ""
        self.shown: set[str] = set()

    async def refresh(self) -> None:
        answer = await self.client.get(f"/api/admin/trainings/{self.session_id}/code",
                                       headers=self.admin)
        answer.raise_for_status()
        self.code = answer.json()["code"]
        self.shown.add(self.code)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.refresh()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)


async def _teacher(client: httpx.AsyncClient, burst: Burst, projector: Projector, n: int,
                   start_at: float, offline: bool, queue: list[dict[str, str]]) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    code = projector.code  # scanned from the screen
    page = await client.get("/attend/", params={"session": burst.session_id, "code": code})
    burst.page_loads += 1
    if page.status_code != 200:
        burst.problems.append(f"teacher {n}: page {page.status_code}")
        return
    for asset in sorted({urljoin("/attend/", a) for a in ASSET.findall(page.text)}):
        loaded = await client.get(asset)
        burst.asset_loads += 1
        if loaded.status_code != 200:
            burst.problems.append(f"teacher {n}: {asset} {loaded.status_code}")
    token = TOKEN.search(page.text)
    await asyncio.sleep(FILL_SECONDS + random.random())
    phone = f"139{n:08d}"
    body = {"name": f"教师{n:03d}", "school": "市第一中学", "phone": phone, "code": code,
            "consent": "on", "website": "", "form_token": token[1] if token else "",
            "nonce": secrets.token_hex(16)}
    burst.codes_used.add(code)
    if offline:  # the Wi-Fi dropped: the phone keeps it with the time it was made
        body["made_at"] = dt.datetime.now(SHANGHAI).isoformat(timespec="seconds")
        queue.append(body)
        return
    await _post(client, burst, phone, body)


async def _post(client: httpx.AsyncClient, burst: Burst, phone: str,
                body: dict[str, str]) -> dict[str, Any]:
    began = time.perf_counter()
    answer = await client.post(f"/api/trainings/{burst.session_id}/attendance", data=body,
                               headers={"Accept": "application/json"})
    burst.latencies.append(time.perf_counter() - began)
    burst.statuses.setdefault(phone, []).append(answer.status_code)
    if answer.status_code not in (200, 201):
        burst.problems.append(f"{phone}: {answer.status_code} {answer.text[:200]}")
        return {}
    found: dict[str, Any] = answer.json()
    return found


async def run(base_url: str, admin: dict[str, str], *, teachers: int, offline: int,
              seconds: float, rotation: int, sync_after: float = 0.0,
              host: str | None = None) -> Burst:
    """`teachers` check in over `seconds`; `offline` of them queue and sync `sync_after` later."""
    burst = Burst()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    headers = {"Host": host} if host else {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits,
                                 headers=headers) as client:
        modules = (await client.get("/api/modules")).json()["items"]
        starts = dt.datetime.now(SHANGHAI).replace(microsecond=0) - dt.timedelta(minutes=5)
        made = await client.post("/api/admin/trainings", headers=admin, json={
            "module": modules[0]["slug"], "title": "全市心理健康教育骨干教师培训",
            "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=3)).isoformat(),
            "location": "市教育局三楼报告厅", "capacity": teachers,
            "code_rotation_seconds": rotation})
        made.raise_for_status()
        burst.session_id = made.json()["id"]
        projector = Projector(client, admin, burst.session_id)
        await projector.refresh()
        stop = asyncio.Event()
        screen = asyncio.create_task(projector.run(stop))
        began = time.monotonic()
        queued: list[dict[str, str]] = []
        away = set(random.sample(range(teachers), offline))
        await asyncio.gather(*(
            _teacher(client, burst, projector, n, began + random.uniform(0, seconds), n in away,
                     queued) for n in range(teachers)))
        await asyncio.sleep(sync_after)
        stop.set()
        await screen
        for body in queued:  # back online: each queued check-in is sent, then sent again
            first = await _post(client, burst, body["phone"], body)
            again = await _post(client, burst, body["phone"], body)
            if first and again and first["id"] != again["id"]:
                burst.problems.append(f"{body['phone']}: a repeated nonce made a second record")
        burst.wall = time.monotonic() - began
        listed = await client.get(f"/api/admin/trainings/{burst.session_id}/attendance",
                                  headers=admin)
        burst.records = listed.json()["items"]
    return burst


def problems(burst: Burst, teachers: int) -> list[str]:
    """What went wrong: refusals, missing or doubled records."""
    found = list(burst.problems)
    phones = [r["phone"] for r in burst.records]
    if len(phones) != teachers or len(set(phones)) != teachers:
        found.append(f"{len(phones)} records for {len(set(phones))} phones, {teachers} expected")
    firsts = [s[0] for s in burst.statuses.values()]
    if firsts.count(201) != teachers:
        found.append(f"{firsts.count(201)} first answers were 201, {teachers} expected")
    return found
