"""Check-ins on 1, 2 and 4 `portal serve` instances on one PostgreSQL database, run by hand.

    .venv/bin/python bench/bench_postgres.py [--rounds 2] [--seconds 10] [--connections 32]

Everything runs on this machine, loopback only: a throwaway PostgreSQL cluster
(tests/pgcluster.py, but durable: fsync and synchronous_commit on, as a real server), four
`portal serve` on one database of it, one `portal serve` on the embedded journal, and
bench/bare_app.py (a bare Starlette app, the yardstick). Each configuration is put behind a
live nginx rendered from deploy/nginx/xinyu-portal.conf the way tests/test_deploy.py renders it
(HTTPS, the upstream block of deploy/nginx/upstream-instances.conf with 1, 2 or 4 servers), and
loaded by `wrk` through HTTPS: the bare GET, then durable check-ins (`POST
/api/trainings/{id}/attendance`, a Lua script gives every request a new phone). Phases are
interleaved in rounds; every figure is a share of the bare GET's requests/s in the same round
(median of rounds). At the end every check-in answered 2xx must be in its database.
Needs wrk, nginx, openssl and PostgreSQL's server binaries (Debian packages), and the built
site (`portal build`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from bench_wrk import CHECK_IN_LUA, load_average, spawn, wrk  # noqa: E402

from forms_api.storage import Database  # noqa: E402
from forms_api.trainings.records import ATTENDANCE  # noqa: E402
from tests.pgcluster import Cluster, find_bindir  # noqa: E402
from tests.servers import ADMIN_TOKEN, Server, free_port  # noqa: E402
from tests.test_deploy import DEPLOY, HOST, render_nginx  # noqa: E402

UPSTREAM = DEPLOY / "nginx" / "upstream-instances.conf"
SESSIONS = 40  # capacity is at most 5000 a session
INSTANCES = (1, 2, 4)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class DurableCluster(Cluster):
    """The tests' cluster with the server's durability back on (fsync, synchronous_commit)."""

    def start(self) -> None:
        if self.user is not None:
            shutil.chown(self.root, self.user)
        self._run("initdb", "-D", str(self.datadir), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C.UTF-8")
        options = (f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
                   "-c max_connections=200 -c shared_buffers=128MB")
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")


def nginx_conf(directory: Path, site: Path, ports: list[int]) -> tuple[Path, int]:
    """deploy/nginx rendered into `directory` with an upstream of `ports`; (conf, https port)."""
    directory.mkdir(parents=True)
    https_port = free_port()
    conf = render_nginx(directory, free_port(), https_port, ports[0], site)
    text = conf.read_text(encoding="utf-8")
    block = re.search(r"^upstream xinyu_portal \{.*?\n\}", UPSTREAM.read_text(encoding="utf-8"),
                      re.S | re.M)
    assert block is not None
    template = re.search(r"^    server 127\.0\.0\.1:8001 (.*);$", block[0], re.M)
    assert template is not None
    servers = "".join(f"    server 127.0.0.1:{port} {template[1]};\n" for port in ports)
    upstream = re.sub(r"^ *#? *server 127\.0\.0\.1:\d+ .*;\n", "", block[0], flags=re.M)
    upstream = upstream.replace("upstream xinyu_portal {\n", "upstream xinyu_portal {\n" + servers)
    text, found = re.subn(r"^upstream xinyu_portal \{.*?\n\}", upstream, text, count=1,
                          flags=re.S | re.M)
    assert found == 1
    # Two nginx workers, as `worker_processes auto` gives on this 2-CPU machine.
    text = text.replace("worker_processes 1;", "worker_processes auto;")
    conf.write_text(text, encoding="utf-8")
    return conf, https_port


class Nginx:
    def __init__(self, conf: Path) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        check = subprocess.run([nginx, "-t", "-p", str(conf.parent), "-c", str(conf)],
                               capture_output=True, text=True, check=False)
        if check.returncode:
            raise SystemExit(check.stderr)
        self.process = subprocess.Popen(
            [nginx, "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def wait_ready(https_port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"https://127.0.0.1:{https_port}/api/health", verify=False, timeout=1,
                         headers={"Host": HOST}).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("nginx did not answer")
        time.sleep(0.05)


def make_sessions(server: Server) -> list[tuple[str, str]]:
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    made = []
    with httpx.Client(base_url=server.url, timeout=10, headers={
            "Host": HOST, "Authorization": f"Bearer {ADMIN_TOKEN}"}) as client:
        slug = client.get("/api/modules").json()["items"][0]["slug"]
        for n in range(SESSIONS):
            answer = client.post("/api/admin/trainings", json={
                "module": slug, "title": f"压测场次 {n}", "location": "市教育局报告厅",
                "starts_at": now.isoformat(),
                "ends_at": (now + dt.timedelta(hours=3)).isoformat(), "capacity": 5000})
            answer.raise_for_status()
            made.append((answer.json()["id"], answer.json()["code"]))
    return made


def lua(work: Path, name: str, sessions: list[tuple[str, str]], digit: int) -> Path:
    script = work / f"{name}.lua"
    table = "{" + ",".join(f'{{"{i}","{c}"}}' for i, c in sessions) + "}"
    script.write_text(CHECK_IN_LUA % {"sessions": table, "round": digit}, encoding="utf-8")
    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.rounds * len(INSTANCES) > 10:
        raise SystemExit("at most 10 PostgreSQL phases (the phone numbers carry one digit)")
    for tool in ("wrk", "openssl"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install {tool})")
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL's server binaries are missing (apt-get install postgresql)")
    site = ROOT / "site"
    if not (site / "index.html").is_file():
        raise SystemExit("build the site first: .venv/bin/portal build")
    work = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    cluster = DurableCluster(bindir)
    cluster.start()
    try:
        run(args, cluster, site, work)
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, cluster: Cluster, site: Path, work: Path) -> None:
    servers: list[Server] = []
    proxies: dict[str, tuple[Path, int]] = {}
    bare = None
    try:
        url = cluster.new_database()
        env = {"PORTAL_ALLOWED_HOSTS": HOST, "PORTAL_RATE_LIMIT": "0",
               "PORTAL_LIMIT_CONCURRENCY": "0"}
        opts = ["--forwarded-allow-ips", "127.0.0.1"]
        journal = Server(site, work / "journal", args=opts, env=env).start()
        pg = [Server(site, work / f"pg-{n}", args=opts, env={**env, "PORTAL_DATABASE_URL": url})
              .start() for n in range(max(INSTANCES))]
        servers = [journal, *pg]
        bare_port = free_port()
        bare, _ = spawn([sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH),
                         "bare_app:app", "--port", str(bare_port), "--no-access-log",
                         "--log-level", "warning"], bare_port, dict(os.environ))
        journal_sessions, pg_sessions = make_sessions(journal), make_sessions(pg[0])
        proxies["bare"] = nginx_conf(work / "nginx-bare", site, [bare_port])
        proxies["journal"] = nginx_conf(work / "nginx-journal", site, [journal.port])
        for n in INSTANCES:
            proxies[f"pg{n}"] = nginx_conf(work / f"nginx-pg{n}", site,
                                           [s.port for s in pg[:n]])
        results: dict[str, list[dict[str, float]]] = {name: [] for name in proxies}
        answered = {"journal": 0, "pg": 0}
        load_before = load_average()
        pg_phase = 0
        for round_no in range(args.rounds):
            for name, (conf, https_port) in proxies.items():
                proxy = Nginx(conf)
                try:
                    wait_ready(https_port)
                    target = f"https://127.0.0.1:{https_port}"
                    if name == "bare":
                        result = wrk(f"{target}/api/health", args, {"Host": HOST})
                    else:
                        sessions = journal_sessions if name == "journal" else pg_sessions
                        digit = round_no if name == "journal" else pg_phase
                        pg_phase += name != "journal"
                        result = wrk(target, args, {"Host": HOST},
                                     lua(work, f"{name}-{round_no}", sessions, digit))
                        answered["journal" if name == "journal" else "pg"] += int(
                            result["requests"] - result["non2xx"])
                finally:
                    proxy.stop()
                results[name].append(result)
                print(f"round {round_no + 1} {name}: {result}", file=sys.stderr)
        load_after = load_average()
    finally:
        for server in servers:
            server.stop()
        if bare is not None:
            bare.terminate()
            bare.wait(timeout=20)
    stored = {}
    db = Database.open(work / "journal")
    stored["journal"] = len(db.table(ATTENDANCE))
    db.close()
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM portal_documents WHERE collection = %s",
                           (ATTENDANCE,)).fetchone()
        stored["pg"] = int(row[0]) if row else 0
        version = conn.execute("SHOW server_version").fetchone()

    labels = {"bare": "bare Starlette `GET` (yardstick), 1 process",
              "journal": "check-in, embedded journal, 1 instance"}
    labels.update({f"pg{n}": f"check-in, PostgreSQL, {n} instance{'s' if n > 1 else ''}"
                   for n in INSTANCES})
    print(f"\n{dt.date.today()}; {os.cpu_count()} CPUs ({platform.machine()}), Python "
          f"{platform.python_version()}, PostgreSQL {version[0] if version else '?'} (fsync on); "
          f"through nginx (HTTPS); wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
          f"{args.rounds} interleaved rounds; load average {load_before} before, "
          f"{load_after} after.\n")
    print("| what | requests/s (median) | vs bare (median of rounds) | vs journal | p50 ms "
          "| p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, runs in results.items():
        ratios = [r["rps"] / b["rps"] for r, b in zip(runs, results["bare"], strict=True)]
        vs_journal = [r["rps"] / j["rps"] for r, j in zip(runs, results["journal"], strict=True)]
        print(f"| {labels[name]} | {statistics.median(r['rps'] for r in runs):,.0f} "
              f"| {statistics.median(ratios):.0%} "
              f"| {'' if name == 'bare' else f'{statistics.median(vs_journal):.2f}×'} "
              f"| {statistics.median(r['p50'] for r in runs):.2f} "
              f"| {statistics.median(r['p99'] for r in runs):.2f} "
              f"| {sum(r['non2xx'] + r['socket_errors'] for r in runs):.0f} |")
    print(f"\n- Check-ins answered 2xx / stored: journal {answered['journal']:,} / "
          f"{stored['journal']:,}; PostgreSQL {answered['pg']:,} / {stored['pg']:,} "
          "(stored may exceed answered by the requests in flight when wrk stopped).")


if __name__ == "__main__":
    main()
