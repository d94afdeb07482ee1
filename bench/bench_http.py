"""HTTP benchmark, run by hand: a check-in burst against `portal serve`, next to a bare endpoint.

    .venv/bin/python bench/bench_http.py [--seconds 10] [--concurrency 32] [--existing 100000]

Starts `portal serve` on 127.0.0.1 with a fresh data directory (optionally holding --existing
check-ins of other sessions first), creates training sessions through the admin API, then
drives it from this process with keep-alive connections: first `GET /api/health` (the bare
Starlette JSON endpoint, through the same middleware), then `POST /api/trainings/{id}/attendance`
with a new phone each time. Every 201 must be in the database afterwards. Needs the built site
(`portal build`). Prints a Markdown table for the README.

With --minimal it serves, with the same uvicorn settings, a two-route Starlette app instead: a
bare JSON GET and a POST that only inserts its body through `run_in_threadpool` (the storage's
own cost through HTTP, without the portal's middleware and form handling).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_storage import fsync_probe  # noqa: E402  (this directory is on sys.path)

from forms_api.storage import Database, new_id  # noqa: E402

TOKEN = "bench-" + new_id()
SESSIONS = 30  # capacity is at most 5000 a session
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class Connection:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for this server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, data: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, length, close = int(head[9:12]), 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        return status, body


def http(method: str, path: str, port: int, body: object = None, token: str | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: application/json"]
    payload = b"" if body is None else orjson.dumps(body)
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def burst(
    port: int, make: Callable[[], bytes], seconds: float, concurrency: int
) -> tuple[list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()
    warm_until, stop_at = start + 1.0, start + 1.0 + seconds

    async def worker() -> None:
        conn = Connection(port)
        while (now := time.perf_counter()) < stop_at:
            status, _ = await conn.request(make())
            if now >= warm_until:
                latencies.append(time.perf_counter() - now)
                statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, statuses


def prefill(data_dir: Path, count: int) -> None:
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


MINIMAL_APP = r"""
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route
from forms_api.storage import Database

db = Database.open(sys.argv[1])
table = db.table("attendance")

async def health(request):
    return JSONResponse({"status": "ok"})

async def insert(request):
    doc = await request.json()
    record_id = await run_in_threadpool(table.insert, doc)
    return JSONResponse({"id": record_id}, status_code=201)

app = Starlette(routes=[Route("/api/health", health), Route("/insert", insert, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), access_log=False, log_level="warning",
            http="h11")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(args: argparse.Namespace, port: int, pid: int) -> tuple[list[str], int]:
    if args.minimal:
        counter = iter(range(10**9))
        return await measure(args, port, pid, [
            ("GET /api/health (bare)", lambda: http("GET", "/api/health", port)),
            ("POST insert (durable, nothing else)", lambda: http("POST", "/insert", port, {
                "session_id": "minimal", "name": "王芳", "school": "市第一中学",
                "phone": f"139{next(counter):08d}"})),
        ])
    conn = Connection(port)
    status, body = await conn.request(http("GET", "/api/modules", port))
    slug = orjson.loads(body)["items"][0]["slug"]
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    sessions = []
    for n in range(SESSIONS):
        status, body = await conn.request(http("POST", "/api/admin/trainings", port, {
            "module": slug, "title": f"压测场次 {n}", "location": "市教育局报告厅",
            "starts_at": now.isoformat(), "ends_at": (now + dt.timedelta(hours=3)).isoformat(),
            "capacity": 5000,
        }, TOKEN))
        assert status == 201, body
        session = orjson.loads(body)
        sessions.append((session["id"], session["code"]))

    counter = iter(range(10**9))

    def check_in() -> bytes:
        n = next(counter)
        session_id, code = sessions[n % SESSIONS]
        return http("POST", f"/api/trainings/{session_id}/attendance", port, {
            "name": "王芳", "school": "市第一中学", "phone": f"139{n:08d}", "code": code})

    return await measure(args, port, pid, [
        ("GET /api/health (bare)", lambda: http("GET", "/api/health", port)),
        ("POST check-in (durable insert)", check_in),
    ])


async def measure(
    args: argparse.Namespace, port: int, pid: int, phases: list[tuple[str, Callable[[], bytes]]]
) -> tuple[list[str], int]:
    rows = []
    bare_rate = 0.0
    created = 0
    for label, make in phases:
        cpu_before = cpu_seconds(pid)
        latencies, statuses = await burst(port, make, args.seconds, args.concurrency)
        cpu = (cpu_seconds(pid) - cpu_before) / (args.seconds + 1.0)  # the warm-up second too
        rate = len(latencies) / args.seconds
        ordered = sorted(latencies)
        p50 = statistics.median(ordered) * 1e3
        p99 = ordered[int(len(ordered) * 0.99)] * 1e3
        bare_rate = bare_rate or rate
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
        rows.append(f"| {label} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {rate / bare_rate:.0%} "
                    f"| {cpu * 1e3 / rate:.2f} | {shown} |")
        created = statuses.get(201, 0)
    return rows, created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--existing", type=int, default=0, help="check-ins already stored")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the data directory")
    parser.add_argument("--minimal", action="store_true",
                        help="a two-route app with the storage instead of the portal")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-http-", dir=args.dir))
    data_dir = work / "data"
    disk = fsync_probe(work)
    if args.existing:
        prefill(data_dir, args.existing)
    port = free_port()
    env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir), "PORTAL_ADMIN_TOKEN": TOKEN,
           "PORTAL_RATE_LIMIT": "0", "PORTAL_LIMIT_CONCURRENCY": "0"}
    command = ([sys.executable, "-c", MINIMAL_APP, str(data_dir), str(port)] if args.minimal else
               [sys.executable, "-m", "forms_api.cli", "serve", "--host", "127.0.0.1",
                "--port", str(port)])
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("portal serve did not start (is the site built?)") from None
                time.sleep(0.1)
        rows, created = asyncio.run(run(args, port, server.pid))
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        db = Database.open(data_dir)
        stored = len([d for d in db.table("attendance").all()
                      if not d["session_id"].startswith("old-")])
        db.close()
    finally:
        if server.poll() is None:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)

    served = "a minimal Starlette app" if args.minimal else "one `portal serve` process"
    print(f"\nMachine: {os.cpu_count()} CPUs, Python {platform.python_version()}; {served}; "
          f"client in this process; concurrency {args.concurrency}; {args.seconds:.0f} s "
          f"each; {args.existing:,} records stored before.\nDisk: {disk}\n")
    print("| endpoint | requests/s | p50 ms | p99 ms | vs bare | server CPU ms/request | statuses |")
    print("|---|---:|---:|---:|---:|---:|---|")
    print("\n".join(rows))
    print(f"\n- Inserts answered 201: {created:,}; found in the database after shutdown: "
          f"{stored:,} (the 201s of the 1 s warm-up are counted there too).")


if __name__ == "__main__":
    main()
