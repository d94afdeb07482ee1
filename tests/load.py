"""A mixed load of many concurrent clients against a real server, and its exact accounting.

Used by tests/test_reliability.py (small, in `make test`) and bench/bench_reliability.py (long).
Every client keeps a ledger of what the server acknowledged (2xx) and in which state it left
each record; afterwards the server's own lists and exports must hold exactly the ledger:
nothing lost, nothing duplicated, every status as the last acknowledged change left it.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from forms_api import clock
from forms_api.bookings.forms import eligible_dates

# Phone numbers: 11 digits, 199 + 8, unique per run and per submission.
_phones = itertools.count(random.randrange(10**7))


def next_phone() -> str:
    return f"199{next(_phones) % 10**8:08d}"


@dataclass
class Ledger:
    """What the server acknowledged, per kind; and every answer it gave."""

    attendance: dict[str, dict[str, str]] = field(default_factory=dict)  # session -> phone -> id
    volunteers: dict[str, str] = field(default_factory=dict)  # id -> status
    bookings: dict[str, str] = field(default_factory=dict)  # id -> status
    references: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (ref, phone)
    statuses: Counter[str] = field(default_factory=Counter)  # "METHOD kind status" -> n
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # 5xx and transport errors, unexpected codes

    @property
    def requests(self) -> int:
        return len(self.latencies)


@dataclass
class Setup:
    sessions: list[dict[str, Any]]
    experts: list[str]


def volunteer_body(phone: str, serial: int) -> dict[str, Any]:
    return {"name": f"张{'一二三四五六七八九十'[serial % 10]}明", "phone": phone,
            "email": f"v{serial}@example.org", "organization": "市精神卫生中心",
            "qualifications": ["psychiatrist"], "years_experience": 5 + serial % 20,
            "expertise": ["crisis", "family"], "public_profile": serial % 2 == 0,
            "consent": True, "bio": "多年从事青少年心理危机干预。\r\n第二行"}


def booking_body(phone: str, serial: int) -> dict[str, Any]:
    days = eligible_dates()
    return {"school": f"市第{serial % 50 + 1}中学", "district": "东城区", "stage": "junior",
            "contact_name": "赵老师", "phone": phone,
            "preferred_dates": [days[serial % len(days)].isoformat()],
            "time_slot": "morning" if serial % 2 else "afternoon", "topic": "crisis",
            "audience": "teachers", "audience_size": 10 + serial % 300, "consent": True}


def check_in_body(session: dict[str, Any], phone: str) -> dict[str, Any]:
    return {"name": "王芳", "school": "市第一中学", "phone": phone, "code": session["code"]}


async def setup(client: httpx.AsyncClient, admin: dict[str, str], sessions: int = 3,
                experts: int = 2) -> Setup:
    """Training sessions open for check-in now, and approved experts."""
    created = []
    starts = clock.now() - dt.timedelta(minutes=10)
    for n in range(sessions):
        body = {"module": "policy", "title": f"负载测试场次 {n + 1}",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + dt.timedelta(hours=4)).isoformat(),
                "location": "市教育局三楼报告厅", "capacity": 5000}
        response = await client.post("/api/admin/trainings", json=body, headers=admin)
        assert response.status_code == 201, response.text
        created.append(response.json())
    approved = []
    for n in range(experts):
        response = await client.post("/api/volunteers", json=volunteer_body(next_phone(), n))
        assert response.status_code == 201, response.text
        expert_id = response.json()["id"]
        patched = await client.patch(f"/api/admin/volunteers/{expert_id}",
                                     json={"status": "approved"}, headers=admin)
        assert patched.status_code == 200, patched.text
        approved.append(expert_id)
    return Setup(created, approved)


class Worker:
    """One client: a seeded random mix of the portal's real requests."""

    MIX = (("check_in", 30), ("check_in_again", 6), ("volunteer", 12), ("booking", 12),
           ("lookup", 8), ("cancel", 4), ("admin_volunteer", 8), ("admin_booking", 8),
           ("export", 3), ("read", 9))

    CREATE = (("check_in", 3), ("volunteer", 1), ("booking", 1))

    def __init__(self, number: int, client: httpx.AsyncClient, admin: dict[str, str],
                 state: Setup, ledger: Ledger,
                 mix: tuple[tuple[str, int], ...] | None = None) -> None:
        self.rng = random.Random(number)
        self.number = number
        self.client = client
        self.admin = admin
        self.state = state
        self.ledger = ledger
        self.mine_volunteers: list[str] = []
        self.mine_bookings: list[str] = []
        self.my_check_ins: list[tuple[dict[str, Any], str]] = []
        kinds, weights = zip(*(mix or self.MIX), strict=True)
        self.kinds: tuple[str, ...] = kinds
        self.weights: tuple[int, ...] = weights

    async def call(self, kind: str, method: str, url: str, expected: tuple[int, ...],
                   **kwargs: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.ledger.errors.append(f"{method} {kind}: {type(exc).__name__} {exc}")
            return None
        finally:
            self.ledger.latencies.append(time.perf_counter() - started)
        self.ledger.statuses[f"{method} {kind} {response.status_code}"] += 1
        if response.status_code not in expected:
            self.ledger.errors.append(
                f"{method} {kind}: {response.status_code} {response.text[:200]}")
            return None
        return response

    async def run(self, operations: int, deadline: list[float]) -> None:
        for _ in range(operations):
            if time.monotonic() > deadline[0]:
                return
            kind = self.rng.choices(self.kinds, self.weights)[0]
            await getattr(self, kind)()

    async def check_in(self) -> None:
        session = self.rng.choice(self.state.sessions)
        phone = next_phone()
        response = await self.call("check_in", "POST", f"/api/trainings/{session['id']}/attendance",
                                   (201,), json=check_in_body(session, phone))
        if response is not None:
            self.ledger.attendance.setdefault(session["id"], {})[phone] = response.json()["id"]
            self.my_check_ins.append((session, phone))

    async def check_in_again(self) -> None:
        if not self.my_check_ins:
            return await self.check_in()
        session, phone = self.rng.choice(self.my_check_ins)
        response = await self.call("check_in_again", "POST",
                                    f"/api/trainings/{session['id']}/attendance", (200,),
                                    json=check_in_body(session, phone))
        if response is not None:
            first = self.ledger.attendance[session["id"]][phone]
            if response.json()["id"] != first:
                self.ledger.errors.append(f"second check-in got a new record for {session['id']}")

    async def volunteer(self) -> None:
        response = await self.call("volunteer", "POST", "/api/volunteers", (201,),
                                   json=volunteer_body(next_phone(), self.rng.randrange(10**6)))
        if response is not None:
            body = response.json()
            self.ledger.volunteers[body["id"]] = body["status"]
            self.mine_volunteers.append(body["id"])

    async def booking(self) -> None:
        phone = next_phone()
        response = await self.call("booking", "POST", "/api/bookings", (201,),
                                   json=booking_body(phone, self.rng.randrange(10**6)))
        if response is not None:
            body = response.json()
            self.ledger.bookings[body["id"]] = body["status"]
            self.ledger.references[body["id"]] = (body["reference"], phone)
            self.mine_bookings.append(body["id"])

    async def lookup(self) -> None:
        if not self.mine_bookings:
            return await self.booking()
        booking_id = self.rng.choice(self.mine_bookings)
        reference, phone = self.ledger.references[booking_id]
        response = await self.call("lookup", "GET", f"/api/bookings/{reference}", (200,),
                                   params={"phone": phone})
        if response is not None and response.json()["status"] != self.ledger.bookings[booking_id]:
            self.ledger.errors.append(f"lookup of {reference}: {response.json()['status']} "
                                      f"but {self.ledger.bookings[booking_id]} acknowledged")

    async def cancel(self) -> None:
        open_ones = [b for b in self.mine_bookings if self.ledger.bookings[b] == "requested"]
        if not open_ones:
            return await self.booking()
        booking_id = self.rng.choice(open_ones)
        reference, phone = self.ledger.references[booking_id]
        response = await self.call("cancel", "POST", f"/api/bookings/{reference}/cancel", (200,),
                                   json={"phone": phone})
        if response is not None:
            self.ledger.bookings[booking_id] = response.json()["status"]

    async def admin_volunteer(self) -> None:
        pending = [v for v in self.mine_volunteers if self.ledger.volunteers[v] == "pending"]
        if not pending:
            return await self.volunteer()
        volunteer_id = self.rng.choice(pending)
        status = self.rng.choice(["approved", "rejected"])
        body: dict[str, Any] = {"status": status, "note": "负载测试"}
        response = await self.call("admin_volunteer", "PATCH",
                                   f"/api/admin/volunteers/{volunteer_id}", (200,),
                                   json=body, headers=self.admin)
        if response is not None:
            self.ledger.volunteers[volunteer_id] = response.json()["status"]

    async def admin_booking(self) -> None:
        open_ones = [b for b in self.mine_bookings if self.ledger.bookings[b] == "requested"]
        if not open_ones:
            return await self.booking()
        booking_id = self.rng.choice(open_ones)
        body = {"status": "declined", "reason": "当天专家已满，请改选日期"}
        response = await self.call("admin_booking", "PATCH", f"/api/admin/bookings/{booking_id}",
                                   (200,), json=body, headers=self.admin)
        if response is not None:
            self.ledger.bookings[booking_id] = response.json()["status"]

    async def export(self) -> None:
        name = self.rng.choice(["attendance", "volunteers", "bookings"])
        kind = self.rng.choice(["csv", "xlsx"])
        await self.call("export", "GET", f"/api/admin/export/{name}.{kind}", (200,),
                        headers=self.admin)

    async def read(self) -> None:
        path = self.rng.choice(["/api/trainings", "/api/experts", "/", "/booking/",
                                f"/api/trainings/{self.rng.choice(self.state.sessions)['id']}"])
        await self.call("read", "GET", path, (200,))


async def run_load(base_url: str, admin: dict[str, str], clients: int, operations: int,
                   seconds: float, host: str | None = None,
                   mix: tuple[tuple[str, int], ...] | None = None,
                   kill_after: int | None = None,
                   kill: Any = None) -> tuple[Setup, Ledger, float]:
    """`clients` concurrent workers, each up to `operations` requests or until `seconds` pass.

    With `kill_after`, `kill()` is called once the server has acknowledged that many records
    (a crash test; counting answers, not seconds, keeps it meaningful on a slow machine), and
    the workers stop shortly after.
    """
    ledger = Ledger()
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them, or a
    # request sent on one just as the server closes it is lost in transit (a client-side race).
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients,
                          keepalive_expiry=4.0)
    headers = {"Host": host} if host else {}
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30,
                                 headers=headers) as client:
        state = await setup(client, admin)
        workers = [Worker(n, client, admin, state, ledger, mix) for n in range(clients)]
        started = time.monotonic()
        deadline = [started + seconds]  # shared, so a crash can bring it forward
        tasks = [asyncio.ensure_future(w.run(operations, deadline)) for w in workers]
        if kill_after is not None:
            while acknowledged(ledger) < kill_after and not all(t.done() for t in tasks):
                await asyncio.sleep(0.005)
            kill()
            deadline[0] = min(deadline[0], time.monotonic() + 0.3)
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
    return state, ledger, elapsed


def _all(client: httpx.Client, path: str, admin: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(path, headers=admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _csv_rows(client: httpx.Client, name: str, admin: dict[str, str]) -> int:
    response = client.get(f"/api/admin/export/{name}.csv", headers=admin)
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8-sig")
    return len(list(csv.reader(io.StringIO(text)))) - 1  # minus the header row


def audit(base_url: str, admin: dict[str, str], state: Setup, ledger: Ledger,
          host: str | None = None) -> list[str]:
    """Differences between what the server holds and what it acknowledged; [] when exact."""
    problems: list[str] = []
    headers = {"Host": host} if host else {}
    with httpx.Client(base_url=base_url, timeout=60, headers=headers) as client:
        total_attendance = 0
        for session in state.sessions:
            stored = _all(client, f"/api/admin/trainings/{session['id']}/attendance", admin)
            acknowledged = ledger.attendance.get(session["id"], {})
            by_phone = Counter(r["phone"] for r in stored)
            twice = [p for p, n in by_phone.items() if n > 1]
            if twice:
                problems.append(f"session {session['id']}: {len(twice)} phones checked in twice")
            if {r["id"] for r in stored} != set(acknowledged.values()):
                problems.append(f"session {session['id']}: {len(stored)} stored, "
                                f"{len(acknowledged)} acknowledged")
            public = client.get(f"/api/trainings/{session['id']}").json()
            if public["checked_in"] != len(acknowledged):
                problems.append(f"session {session['id']}: checked_in {public['checked_in']}")
            total_attendance += len(stored)
        volunteers = {v["id"]: v["status"] for v in _all(client, "/api/admin/volunteers", admin)}
        expected_volunteers = dict(ledger.volunteers)
        for expert in state.experts:
            expected_volunteers[expert] = "approved"
        if volunteers != expected_volunteers:
            lost = set(expected_volunteers) - set(volunteers)
            extra = set(volunteers) - set(expected_volunteers)
            wrong = {k for k in set(volunteers) & set(expected_volunteers)
                     if volunteers[k] != expected_volunteers[k]}
            problems.append(f"volunteers: {len(lost)} lost, {len(extra)} unacknowledged, "
                            f"{len(wrong)} in the wrong status")
        bookings = {b["id"]: b["status"] for b in _all(client, "/api/admin/bookings", admin)}
        if bookings != ledger.bookings:
            lost = set(ledger.bookings) - set(bookings)
            extra = set(bookings) - set(ledger.bookings)
            wrong = {k for k in set(bookings) & set(ledger.bookings)
                     if bookings[k] != ledger.bookings[k]}
            problems.append(f"bookings: {len(lost)} lost, {len(extra)} unacknowledged, "
                            f"{len(wrong)} in the wrong status")
        for name, count in (("attendance", total_attendance), ("volunteers", len(volunteers)),
                            ("bookings", len(bookings))):
            rows = _csv_rows(client, name, admin)
            if rows != count:
                problems.append(f"export {name}.csv: {rows} rows, {count} records")
    return problems


def missing(base_url: str, admin: dict[str, str], state: Setup, ledger: Ledger) -> list[str]:
    """Acknowledged creations the server does not hold, and duplicates; [] when none.

    After a crash a record may exist whose answer never arrived, so this is a subset check;
    only the creations are compared (a status change may have landed unanswered).
    """
    problems: list[str] = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for session in state.sessions:
            stored = _all(client, f"/api/admin/trainings/{session['id']}/attendance", admin)
            by_phone = Counter(r["phone"] for r in stored)
            if any(n > 1 for n in by_phone.values()):
                problems.append(f"session {session['id']}: a phone checked in twice")
            lost = set(ledger.attendance.get(session["id"], {}).values()) - {r["id"] for r in stored}
            if lost:
                problems.append(f"session {session['id']}: {len(lost)} acknowledged check-ins lost")
        for kind in ("volunteers", "bookings"):
            stored_ids = {r["id"] for r in _all(client, f"/api/admin/{kind}", admin)}
            lost = set(getattr(ledger, kind)) - stored_ids
            if lost:
                problems.append(f"{kind}: {len(lost)} acknowledged records lost")
    return problems


def acknowledged(ledger: Ledger) -> int:
    """How many creations the server acknowledged."""
    return (sum(len(v) for v in ledger.attendance.values()) + len(ledger.volunteers)
            + len(ledger.bookings))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
