"""HTTP reliability benchmark: load held, faults survived, bad inputs tried, nothing lost.

Run by hand (loopback only, bounded in count and time; about three minutes by default):

    .venv/bin/python bench/bench_reliability.py            # figures for the README
    .venv/bin/python bench/bench_reliability.py --quick    # a one-minute smoke run

It starts real `portal serve` processes on 127.0.0.1 with fresh data directories and
1. runs the audited mixed load of tests/load.py (check-ins, sign-ups, bookings, lookups,
   cancellations, admin status changes, exports, page reads) and compares the server's lists
   and CSV exports with what it acknowledged;
2. with wrk (if installed): GET /api/health, GET / and POST check-ins with unique phones at a
   fixed concurrency, then counts the stored check-ins against wrk's 201 answers;
3. SIGKILLs the server during write bursts, restarts it and checks every acknowledged record;
4. makes every write fail (RLIMIT_FSIZE, as a full disk does) and checks 5xx, reads, recovery;
5. sends a catalogue of malformed and hostile requests and checks for no 5xx and a live server.
It builds the site afresh into a temporary directory first. Prints one JSON report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests import load  # noqa: E402
from tests.servers import Server, admin_headers  # noqa: E402

WRK_CHECKIN = r"""
-- globals, not locals: thread:get() in done() reads a thread's globals
counter, created, other, id = 0, 0, 0, 0
path, code = nil, nil
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
threads = threads or {}
function init(args)
  path, code = args[1], args[2]
end
function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"王芳","school":"市第一中学","phone":"197%02d%06d","code":"%s"}', id, counter, code)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
  io.write(string.format("CREATED %d OTHER %d\n", c, o))
end
"""


def site_dir(tmp: Path) -> Path:
    """A fresh strict build of the site (a stale site/ may lack what the form pages need)."""
    from forms_api.build import build_site

    return build_site(tmp / "site")


def mixed(site: Path, clients: int, operations: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, Server(site, Path(tmp) / "data") as server:
        state, ledger, elapsed = asyncio.run(
            load.run_load(server.url, admin_headers(), clients, operations, seconds))
        problems = load.audit(server.url, admin_headers(), state, ledger)
    server_errors = sum(n for k, n in ledger.statuses.items() if k.split()[-1].startswith("5"))
    return {"clients": clients, "requests": ledger.requests,
            "rps": round(ledger.requests / elapsed), "elapsed_s": round(elapsed, 1),
            "p50_ms": round(load.percentile(ledger.latencies, 0.50) * 1000, 1),
            "p99_ms": round(load.percentile(ledger.latencies, 0.99) * 1000, 1),
            "acknowledged_records": load.acknowledged(ledger), "server_errors": server_errors,
            "unexpected": len(ledger.errors), "unexpected_samples": ledger.errors[:5],
            "audit": problems or "exact",
            "statuses": dict(sorted(ledger.statuses.items()))}


def _wrk(args: list[str]) -> tuple[float, float, str]:
    out = subprocess.run(["wrk", "--latency", *args], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    rps = float(next(line.split()[1] for line in out.splitlines() if "Requests/sec" in line))
    p99_line = next(line for line in out.splitlines() if line.strip().startswith("99%"))
    value = p99_line.split()[1]
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    unit = next(u for u in ("us", "ms", "s") if value.endswith(u))
    return rps, float(value[: -len(unit)]) * scale[unit], out


def wrk_runs(site: Path, connections: int, seconds: int) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    results: dict[str, Any] = {"connections": connections, "seconds": seconds}
    with tempfile.TemporaryDirectory() as tmp, Server(site, Path(tmp) / "data") as server:
        common = ["-t2", f"-c{connections}", f"-d{seconds}s"]
        for name, path in (("GET /api/health", "/api/health"), ("GET / (page)", "/")):
            rps, p99, _ = _wrk([*common, server.url + path])
            results[name] = {"rps": round(rps), "p99_ms": round(p99, 1)}
        with httpx.Client(base_url=server.url) as client:
            start = time.time()
            body = {"module": "policy", "title": "wrk 压测场次",
                    "starts_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00",
                                               time.gmtime(start + 8 * 3600 - 600)),
                    "ends_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00",
                                             time.gmtime(start + 8 * 3600 + 7200)),
                    "location": "压测", "capacity": 5000}
            session = client.post("/api/admin/trainings", json=body, headers=admin_headers()).json()
        script = Path(tmp) / "checkin.lua"
        script.write_text(WRK_CHECKIN, encoding="utf-8")
        path = f"/api/trainings/{session['id']}/attendance"
        # capacity 5000 caps a run: keep it under that so every answer is a first check-in
        rps, p99, out = _wrk(["-t2", f"-c{connections}", f"-d{min(seconds, 3)}s", "-s", str(script),
                              server.url, "--", path, session["code"]])
        created = int(out.split("CREATED ")[1].split()[0])
        other = int(out.split("OTHER ")[1].split()[0])
        with httpx.Client(base_url=server.url) as client:
            stored = client.get(f"/api/admin/trainings/{session['id']}/attendance",
                                headers=admin_headers()).json()["items"]
        # wrk stops with up to one request per connection sent but unanswered: the server may
        # store those too. Every 201 must be stored, and nothing beyond those in flight.
        unique = len({r["phone"] for r in stored}) == len(stored)
        within = created <= len(stored) <= created + connections
        results["POST check-in (unique phones, fsynced)"] = {
            "rps": round(rps), "p99_ms": round(p99, 1), "created_201": created,
            "other_answers": other, "stored": len(stored),
            "audit": "every 201 stored, no duplicates" if unique and within else "MISMATCH"}
    return results


def crashes(site: Path, rounds: int) -> dict[str, Any]:
    rng = random.Random(2026)
    survived, acknowledged, problems = 0, 0, []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        for _ in range(rounds):
            server = Server(site, data).start()
            try:
                state, ledger, _ = asyncio.run(load.run_load(
                    server.url, admin_headers(), 24, 10**6, 30, mix=load.Worker.CREATE,
                    kill_after=rng.randrange(50, 600), kill=server.kill))
            finally:
                server.kill()
            with Server(site, data) as restarted:
                found = load.missing(restarted.url, admin_headers(), state, ledger)
            acknowledged += load.acknowledged(ledger)
            survived += not found
            problems += found
    return {"sigkill_rounds": rounds, "rounds_without_loss": survived,
            "acknowledged_records_checked": acknowledged, "problems": problems}


def full_disk(site: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        with Server(site, data) as server:
            journal = max(data.glob("portal.journal.*"), key=lambda p: p.stat().st_mtime)
            server.limit_file_size(journal.stat().st_size + 64 * 1024)
            state, ledger, _ = asyncio.run(load.run_load(
                server.url, admin_headers(), 16, 100, 30, mix=load.Worker.CREATE))
            reads_ok = httpx.get(f"{server.url}/api/trainings").status_code == 200
        with Server(site, data) as restarted:
            problems = load.audit(restarted.url, admin_headers(), state, ledger)
    refused = sum(n for k, n in ledger.statuses.items() if k.split()[-1].startswith("5"))
    return {"writes_acknowledged": load.acknowledged(ledger), "writes_refused_5xx": refused,
            "resets_or_wrong_answers": len(ledger.errors) - refused, "reads_during": reads_ok,
            "after_restart": problems or "exact"}


def _raw(port: int, data: bytes, wait: float = 2.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except OSError:
            pass
    return b"".join(chunks)


def hostile(site: Path, repeat: int) -> dict[str, Any]:
    """Malformed and hostile requests; none may get a 5xx, the server must stay up."""
    tried, statuses, server_errors = 0, {}, []
    with tempfile.TemporaryDirectory() as tmp, Server(site, Path(tmp) / "data") as server:
        url = server.url
        json_h = {"Content-Type": "application/json"}
        cases: list[tuple[str, str, str, dict[str, str], bytes]] = [
            ("bad json", "POST", "/api/volunteers", json_h, b'{"name": '),
            ("json array", "POST", "/api/bookings", json_h, b"[1,2,3]"),
            ("deep nesting", "POST", "/api/bookings", json_h, b"[" * 5000 + b"]" * 5000),
            ("huge number", "POST", "/api/volunteers", json_h, b'{"years_experience": 1e999}'),
            ("wrong types", "POST", "/api/volunteers", json_h,
             json.dumps({"name": 5, "phone": [], "qualifications": "x", "consent": "yes"}).encode()),
            ("invalid utf-8", "POST", "/api/volunteers", json_h, b'{"name": "\xff\xfe"}'),
            ("nul bytes", "POST", "/api/bookings", json_h,
             json.dumps({"school": "a\x00b", "notes": "\x00" * 100}).encode()),
            ("crlf fields", "POST", "/api/volunteers", json_h,
             json.dumps({"name": "x\r\nINFO forged", "phone": "138\r\n00138000"}).encode()),
            ("1 MB body", "POST", "/api/volunteers", json_h, b"{" + b" " * 1_000_000 + b"}"),
            ("xml", "POST", "/api/bookings", {"Content-Type": "application/xml"}, b"<a/>"),
            ("no content type", "POST", "/api/bookings", {}, b"school=x"),
            ("1000 form fields", "POST", "/api/volunteers",
             {"Content-Type": "application/x-www-form-urlencoded"},
             "&".join(f"f{i}=v" for i in range(1000)).encode()),
            ("multipart file", "POST", "/api/volunteers",
             {"Content-Type": "multipart/form-data; boundary=b"},
             b'--b\r\nContent-Disposition: form-data; name="bio"; filename="x.exe"\r\n\r\nMZ\r\n--b--\r\n'),
            ("bad multipart", "POST", "/api/bookings",
             {"Content-Type": "multipart/form-data; boundary=b"}, b"--b\r\ngarbage"),
            ("path traversal", "GET", "/../../etc/passwd", {}, b""),
            ("encoded traversal", "GET", "/assets/..%2f..%2f..%2fetc%2fpasswd", {}, b""),
            ("long path", "GET", "/" + "a" * 10000, {}, b""),
            ("unknown session", "POST", "/api/trainings/" + "Z" * 26 + "/attendance", json_h, b"{}"),
            ("sql-ish reference", "GET", "/api/bookings/BK-' OR 1=1 --?phone=13800138000", {}, b""),
            ("admin no token", "GET", "/api/admin/export/bookings.xlsx", {}, b""),
            ("admin bad token", "PATCH", "/api/admin/bookings/x",
             {**json_h, "Authorization": "Bearer " + "A" * 5000}, b"{}"),
            ("foreign origin write", "POST", "/api/volunteers",
             {**json_h, "Origin": "https://evil.example"}, b"{}"),
            ("foreign host", "GET", "/api/health", {"Host": "evil.example"}, b""),
            ("big header", "GET", "/api/health", {"X-Big": "b" * 20000}, b""),
            ("method TRACE", "TRACE", "/api/health", {}, b""),
        ]
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(repeat):
                for name, method, path, headers, body in cases:
                    tried += 1
                    try:
                        status = client.request(method, path, headers=headers, content=body or None
                                                ).status_code
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    statuses.setdefault(name, set()).add(status)
                    if isinstance(status, int) and status >= 500:
                        server_errors.append(f"{name}: {status}")
        raw_cases = [b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: \x00\r\n\r\n",
                     b"GET /api/health HTTP/1.1\r\n" + b"X: y\r\n" * 5000 + b"\r\n",
                     b"POST /api/bookings HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked"
                     b"\r\nContent-Type: application/json\r\n\r\nFFFFFFFF\r\n" + b"x" * 70000,
                     b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
                     b"GET / HTTP/9.9\r\n\r\n"]
        for _ in range(repeat):
            for data in raw_cases:
                tried += 1
                answer = _raw(server.port, data)
                if answer.startswith(b"HTTP/1.1 5"):
                    server_errors.append(f"raw {data[:30]!r}: {answer[:20]!r}")
        alive = httpx.get(f"{url}/api/health").status_code == 200
    return {"requests": tried, "kinds": len(cases) + len(raw_cases), "server_errors": server_errors,
            "alive_after": alive,
            "answers": {k: sorted(map(str, v)) for k, v in statuses.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    args = parser.parse_args()
    quick = args.quick
    with tempfile.TemporaryDirectory() as tmp:
        site = site_dir(Path(tmp))
        report = {
            "machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
            "mixed": mixed(site, args.clients, 40 if quick else 150, 30 if quick else 120),
            "wrk": wrk_runs(site, args.connections, 3 if quick else 10),
            "crash": crashes(site, 3 if quick else 12),
            "full_disk": full_disk(site),
            "hostile": hostile(site, 2 if quick else 10),
        }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
