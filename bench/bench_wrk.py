"""HTTP benchmark with wrk, run by hand: `portal serve` beside a bare Starlette app.

    .venv/bin/python bench/bench_wrk.py [--rounds 3] [--seconds 10] [--connections 32]

Starts two processes side by side: `bare_app.py` (one JSON GET route, uvicorn's defaults:
httptools, uvloop, no access log) and `portal serve` on a fresh data directory. Then, in
interleaved rounds (each phase once per round, the bare GET first), loads each with `wrk`:
the bare GET, the portal's `GET /api/health`, a content page and the theme bundle asked for
with `Accept-Encoding: gzip`, and a durable check-in (a Lua script gives every request a
new phone). Each phase's requests/s is divided by the bare GET's of the same round; the
table shows the median over rounds. Then resident memory of a server holding --rss-at
check-ins, and the start-up time (process start to the first answer) at --startup-at.
Then exports under load (--export-rows, 0: skip): a session holding that many check-ins is
exported as XLSX a few times on an idle server (the export's time), then check-ins are loaded
with `wrk` alone and while a client downloads that export over and over, interleaved; each
"during" phase is a share of the "alone" phase before it, with both p99s.
Needs `wrk` (Debian package) and the built site (`portal build`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from fill_data import fill  # noqa: E402  (this directory is on sys.path)

from forms_api.storage import Database  # noqa: E402

TOKEN = "bench-" + os.urandom(8).hex()
SESSIONS = 40  # capacity is at most 5000 a session
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PAGE = "/guidance/junior/"
GZIP = {"Accept-Encoding": "gzip"}

CHECK_IN_LUA = """
local sessions = %(sessions)s
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function request()
  counter = counter + 1
  local s = sessions[(counter %% #sessions) + 1]
  local phone = string.format("139%%d%%d%%06d", %(round)d, tid, counter)
  local body = '{"name":"王芳","school":"市第一中学","phone":"' .. phone .. '","code":"' .. s[2] .. '"}'
  return wrk.format("POST", "/api/trainings/" .. s[1] .. "/attendance",
                    {["Content-Type"] = "application/json"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(command: list[str], port: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], float]:
    """Start a server; return it and the seconds until it answered its first request."""
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                return server, time.perf_counter() - started
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{command[:4]} did not start (is the site built?)") from None
            time.sleep(0.02)


def portal(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir), "PORTAL_ADMIN_TOKEN": TOKEN,
           "PORTAL_RATE_LIMIT": "0", "PORTAL_LIMIT_CONCURRENCY": "0"}
    return spawn([sys.executable, "-m", "forms_api.cli", "serve", "--host", "127.0.0.1",
                  "--port", str(port)], port, env)


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def call(port: int, method: str, path: str, body: object = None) -> object:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def make_sessions(port: int) -> list[tuple[str, str]]:
    modules = call(port, "GET", "/api/modules")
    slug = modules["items"][0]["slug"]  # type: ignore[index]
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    sessions = []
    for n in range(SESSIONS):
        made = call(port, "POST", "/api/admin/trainings", {
            "module": slug, "title": f"压测场次 {n}", "location": "市教育局报告厅",
            "starts_at": now.isoformat(), "ends_at": (now + dt.timedelta(hours=3)).isoformat(),
            "capacity": 5000})
        sessions.append((made["id"], made["code"]))  # type: ignore[index]
    return sessions


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def wrk(url: str, args: argparse.Namespace, headers: dict[str, str] | None = None,
        script: Path | None = None) -> dict[str, float]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s",
               "--latency", url]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),  # type: ignore[index]
              "requests": float(re.search(r"(\d+) requests in", out)[1])}  # type: ignore[index]
    for pct in ("50", "99"):
        result[f"p{pct}"] = _ms(re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)[1])  # type: ignore[index]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    result["non2xx"] = float(bad[1]) if bad else 0.0
    result["socket_errors"] = float(sum(int(n) for n in re.findall(r"\d+", errors[1]))) if errors else 0.0
    return result


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024  # type: ignore[index]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def export_once(port: int, session_id: str) -> tuple[float, int]:
    """Download the session's attendance XLSX, streamed in 64 KiB reads; seconds and bytes."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/admin/export/attendance.xlsx?session={session_id}",
        headers={"Authorization": f"Bearer {TOKEN}"})
    started = time.perf_counter()
    size = 0
    with urllib.request.urlopen(request, timeout=120) as answer:
        while chunk := answer.read(65536):
            size += len(chunk)
    return time.perf_counter() - started, size


def fill_session(data_dir: Path, session_id: str, count: int) -> None:
    """`count` check-ins of one existing session (the server is stopped meanwhile)."""
    db = Database.open(data_dir)
    table = db.table("attendance")
    for start in range(0, count, 5000):
        with db.transaction():
            table.insert_multiple({
                "session_id": session_id, "name": "王小明", "school": "郑州市第一中学",
                "phone": f"136{i:08d}", "district": "金水区", "subject": "心理健康",
                "checked_in_at": "2026-11-01T09:12:33+08:00", "source": "phone"}
                for i in range(start, min(count, start + 5000)))
    db.close()


def export_under_load(args: argparse.Namespace, work: Path, port: int) -> list[str]:
    """Check-ins alone and during a repeated export of `args.export_rows` rows; README lines."""
    data = work / "export"
    server, _ = portal(data, port)
    try:
        big = make_sessions(port)[0][0]
    finally:
        stop(server)
    fill_session(data, big, args.export_rows)
    server, _ = portal(data, port)
    lines: list[str] = []
    try:
        sessions = make_sessions(port)
        table = "{" + ",".join(f'{{"{i}","{c}"}}' for i, c in sessions) + "}"
        idle = [export_once(port, big) for _ in range(3)]
        size = idle[0][1]
        alone: list[dict[str, float]] = []
        during: list[dict[str, float]] = []
        exports: list[float] = []
        for round_no in range(args.rounds):
            for phase, results in (("alone", alone), ("during", during)):
                script = work / f"export-{round_no}-{phase}.lua"
                script.write_text(CHECK_IN_LUA % {"sessions": table,
                                                  "round": (round_no * 2 + (phase == "during")) % 10})
                halt = threading.Event()
                took: list[float] = []

                def repeat(halt: threading.Event = halt, took: list[float] = took) -> None:
                    while not halt.is_set():
                        took.append(export_once(port, big)[0])

                exporter = threading.Thread(target=repeat) if phase == "during" else None
                if exporter is not None:
                    exporter.start()
                    time.sleep(0.2)  # the first export is under way
                result = wrk(f"http://127.0.0.1:{port}", args, script=script)
                halt.set()
                if exporter is not None:
                    exporter.join()
                    exports += took
                    result["exports"] = float(len(took))
                results.append(result)
                print(f"export round {round_no + 1} {phase}: {result}", file=sys.stderr)
        ratios = [d["rps"] / a["rps"] for d, a in zip(during, alone, strict=True)]
        p99_ratio = [d["p99"] / a["p99"] for d, a in zip(during, alone, strict=True)]
        lines += [
            f"- A {args.export_rows:,}-row XLSX export ({size / 1e6:.1f} MB, streamed) on an idle "
            f"server: {statistics.median(t for t, _ in idle):.2f} s (median of 3); while "
            f"check-ins are loaded: {statistics.median(exports):.2f} s (median of "
            f"{len(exports)}).",
            f"- Check-ins alone: {statistics.median(r['rps'] for r in alone):,.0f} req/s, p99 "
            f"{statistics.median(r['p99'] for r in alone):.1f} ms; during the repeated export: "
            f"{statistics.median(r['rps'] for r in during):,.0f} req/s, p99 "
            f"{statistics.median(r['p99'] for r in during):.1f} ms; during/alone "
            f"{statistics.median(ratios):.0%} of the rate (median of {len(ratios)} interleaved "
            f"rounds), p99 ×{statistics.median(p99_ratio):.2f}; non-2xx "
            f"{sum(r['non2xx'] + r['socket_errors'] for r in alone + during):.0f}.",
        ]
    finally:
        stop(server)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rss-at", type=int, default=100_000, help="0: skip")
    parser.add_argument("--startup-at", type=int, default=300_000, help="0: skip")
    parser.add_argument("--export-rows", type=int, default=50_000, help="0: skip")
    parser.add_argument("--only", default="", help="comma-separated phase names (default: all)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    bare_port, portal_port = free_port(), free_port()
    bare, _ = spawn([sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH), "bare_app:app",
                     "--port", str(bare_port), "--no-access-log", "--log-level", "warning"],
                    bare_port, dict(os.environ))
    server, _ = portal(work / "data", portal_port)
    extra: list[str] = []
    try:
        sessions = make_sessions(portal_port)
        bundle = next((ROOT / "site/assets/javascripts").glob("bundle.*.min.js")).name
        base = f"http://127.0.0.1:{portal_port}"
        phases: list[tuple[str, str, dict[str, str] | None, bool]] = [
            ("bare", f"http://127.0.0.1:{bare_port}/api/health", None, False),
            ("health", f"{base}/api/health", None, False),
            ("page", f"{base}{PAGE}", GZIP, False),
            ("asset", f"{base}/assets/javascripts/{bundle}", GZIP, False),
            ("checkin", base, None, True),
        ]
        wanted = set(filter(None, args.only.split(","))) | {"bare"}
        phases = [p for p in phases if not args.only or p[0] in wanted]
        results: dict[str, list[dict[str, float]]] = {name: [] for name, *_ in phases}
        load_before = load_average()
        checked_in = 0
        for round_no in range(args.rounds):
            for name, url, headers, is_checkin in phases:
                script = None
                if is_checkin:
                    script = work / f"checkin-{round_no}.lua"
                    table = "{" + ",".join(f'{{"{i}","{c}"}}' for i, c in sessions) + "}"
                    script.write_text(CHECK_IN_LUA % {"sessions": table, "round": round_no % 10})
                result = wrk(url, args, headers, script)
                if is_checkin:
                    checked_in += int(result["requests"] - result["non2xx"])
                results[name].append(result)
                print(f"round {round_no + 1} {name}: {result}", file=sys.stderr)
        load_after = load_average()
        portal_rss = rss_mib(server.pid)
    finally:
        stop(server)
        stop(bare)
    stored = 0
    if "checkin" in results:
        db = Database.open(work / "data")
        stored = len(db.table("attendance"))
        db.close()

    if args.rss_at:
        data = work / f"rss-{args.rss_at}"
        fill(data, args.rss_at)
        server, _ = portal(data, portal_port)
        try:
            sessions = make_sessions(portal_port)
            script = work / "checkin-rss.lua"
            table = "{" + ",".join(f'{{"{i}","{c}"}}' for i, c in sessions) + "}"
            script.write_text(CHECK_IN_LUA % {"sessions": table, "round": 9})
            wrk(f"http://127.0.0.1:{portal_port}", argparse.Namespace(
                threads=args.threads, connections=args.connections, seconds=5), script=script)
            extra.append(f"- Resident memory of `portal serve` holding {args.rss_at:,} check-ins "
                         f"(after a 5 s check-in burst): {rss_mib(server.pid):.0f} MiB.")
        finally:
            stop(server)
    if args.startup_at:
        data = work / f"startup-{args.startup_at}"
        fill(data, args.startup_at)
        opened = time.perf_counter()
        Database.open(data).close()
        open_s = time.perf_counter() - opened
        times = []
        for _ in range(3):
            server, took = portal(data, portal_port)
            stop(server)
            times.append(took)
        extra.append(f"- Start-up at {args.startup_at:,} records: the database opens in "
                     f"{open_s:.2f} s; `portal serve` answers its first request "
                     f"{statistics.median(times):.2f} s after the process starts (median of 3; "
                     "Python, imports and the site's CSP hashes included).")
    if args.export_rows:
        extra += export_under_load(args, work, portal_port)
    shutil.rmtree(work, ignore_errors=True)

    labels = {"bare": "bare Starlette `GET` (yardstick)", "health": "`GET /api/health`",
              "page": f"content page `{PAGE}`, gzip", "asset": "theme bundle (JS), gzip",
              "checkin": "`POST …/attendance` (durable check-in)"}
    print(f"\n{dt.date.today()}; {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}; wrk -t{args.threads} -c{args.connections} "
          f"-d{args.seconds}s, {args.rounds} interleaved rounds; load average {load_before} "
          f"before, {load_after} after.\n")
    print("| endpoint | requests/s (median) | vs bare (median of rounds) | p50 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in results:
        runs = results[name]
        ratios = [r["rps"] / b["rps"] for r, b in zip(runs, results["bare"], strict=True)]
        print(f"| {labels[name]} | {statistics.median(r['rps'] for r in runs):,.0f} "
              f"| {statistics.median(ratios):.0%} | {statistics.median(r['p50'] for r in runs):.2f} "
              f"| {statistics.median(r['p99'] for r in runs):.2f} "
              f"| {sum(r['non2xx'] + r['socket_errors'] for r in runs):.0f} |")
    print(f"\n- Resident memory of `portal serve` after the rounds: {portal_rss:.0f} MiB.")
    if "checkin" in results:
        print(f"- Check-ins answered 2xx: {checked_in:,}; stored after shutdown: {stored:,}.")
    print("\n".join(extra))


if __name__ == "__main__":
    main()
