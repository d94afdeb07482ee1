"""Capture every log line of the test run and fail the run if one leaks contact data or secrets.

At session start a JSON-lines handler is put on the root logger, so every in-process app
writes what it logs, unmasked, to `test-artefacts/logs/run-<pid>/in-process.jsonl`, and
`PORTAL_LOG_FILE`
is set so every `portal serve` a test starts appends to `servers.jsonl`; tests that start
servers also keep their stderr in that directory. At session end every file there is scanned
for phone numbers, e-mail addresses, bearer tokens, cookies and the secrets tests registered
with `remember()`; any hit fails the run. The patterns are written independently of
`forms_api.logs`, so the check does not trust the code it checks.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path

import pytest

from forms_api.settings import PROJECT_ROOT

# One directory per run: several people may run the suite in one working tree at once.
LOG_ROOT = PROJECT_ROOT / "test-artefacts" / "logs"
LOG_DIR = LOG_ROOT / f"run-{os.getpid()}"
IN_PROCESS_LOG = LOG_DIR / "in-process.jsonl"
SERVERS_LOG = LOG_DIR / "servers.jsonl"

LEAKS: dict[str, re.Pattern[str]] = {
    "mobile number": re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d(?:[ -]?\d){8}(?!\d)"),
    "landline": re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"),
    "e-mail": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "bearer token": re.compile(r"(?i)bearer\s+(?!\[redacted\])[\w.~+/=-]{4,}"),
    "cookie or auth header": re.compile(
        r"(?i)\b(?:cookie|authorization)\"?\s*[:=]\s*\"?(?!\[redacted\])[\w.~+/=-]{4,}"),
}

_secrets: set[str] = set()
_handler: logging.Handler | None = None
_old_level = logging.WARNING


def remember(secret: str | None) -> None:
    """Register a token or code a test uses, so that the final scan looks for it verbatim."""
    if secret and len(secret) >= 8:
        _secrets.add(secret)


def scan(directory: Path = LOG_DIR) -> tuple[int, list[str]]:
    """(lines read, findings) over every file in `directory`."""
    lines, findings = 0, []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            lines += 1
            kinds = [kind for kind, pattern in LEAKS.items() if pattern.search(line)]
            kinds += ["registered secret" for secret in _secrets if secret in line]
            if kinds:
                findings.append(f"{path.name}:{number}: {', '.join(kinds)}: {line[:300]}")
    return lines, findings


class RawFormatter(logging.Formatter):
    """One JSON line per record with what the code logged, before any masking.

    In-process records are kept unmasked so the scan checks what the app tries to log, not
    only that `forms_api.logs` masks it; subprocess servers write their real (masked) output.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {"logger": record.name, "level": record.levelname, "msg": record.getMessage(),
                 "fields": getattr(record, "fields", None)}
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _client_side(record: logging.LogRecord) -> bool:
    """Keep the app's records; drop the test clients' own (httpx logs every URL it fetches)."""
    return not record.name.startswith(("httpx", "httpcore"))


def pytest_sessionstart(session: pytest.Session) -> None:
    global _handler, _old_level
    if LOG_ROOT.is_dir():
        for stale in LOG_ROOT.glob("*.jsonl"):  # left by an older layout
            stale.unlink()
        for old in LOG_ROOT.glob("run-*"):
            pid = old.name.removeprefix("run-")
            if not pid.isdigit() or int(pid) == os.getpid() or not _alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    _handler = logging.FileHandler(IN_PROCESS_LOG, encoding="utf-8")
    _handler.setFormatter(RawFormatter())
    _handler.setLevel(logging.INFO)
    _handler.addFilter(_client_side)
    root = logging.getLogger()
    root.addHandler(_handler)
    _old_level = root.level
    root.setLevel(logging.INFO)
    os.environ["PORTAL_LOG_FILE"] = str(SERVERS_LOG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    root.setLevel(_old_level)
    os.environ.pop("PORTAL_LOG_FILE", None)
    lines, findings = scan()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"log check: {lines} log lines of this run scanned in {LOG_DIR}")
    if findings:
        if reporter is not None:
            reporter.write_line("log check FAILED: contact data or secrets in the logs:", red=True)
            for finding in findings[:50]:
                reporter.write_line(f"  {finding}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
