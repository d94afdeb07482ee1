"""Structured logs: one JSON line per record, contact data and secrets masked, no forged lines."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from forms_api.web.logs import MASK, JsonFormatter, redact
from tests import logcheck
from tests.servers import Server


@pytest.mark.parametrize("text", [
    "13812345678", "138 1234 5678", "138-1234-5678", "+8613812345678", "+86 138 1234 5678",
    "电话13812345678。", "zhang.san+tag@example.edu.cn", "0391-1234567",
    "Authorization: Bearer abc.def-123", "Cookie: session=abcdef123", "bearer s3cr3t-token-value",
    "/api/bookings/BK-1?phone=13812345678&code=9876", "form_token=1700000000.nonce.sig",
])
def test_redact_masks_contact_data_and_secrets(text: str) -> None:
    masked = redact(text)
    assert MASK in masked
    lines, findings = 1, [k for k, p in logcheck.LEAKS.items() if p.search(masked)]
    assert lines and not findings, (masked, findings)
    for secret in ("13812345678", "1234 5678", "example.edu.cn", "1234567", "abc.def-123",
                   "abcdef123", "s3cr3t", "9876", "nonce.sig"):
        assert secret not in masked, (text, masked)


@pytest.mark.parametrize("text", [
    "GET /api/trainings/01KBX7ZQ3M5V8T9W2Y4R6N0P1C 200", "签到成功，共 12 人", "ms=13.5",
    "2026-11-29T20:48:01.123+08:00", "database schema migrated to version 1",
])
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("portal.test", logging.WARNING, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_formatter_writes_one_line_whatever_the_input() -> None:
    forged = 'x\r\n{"level": "INFO", "msg": "admin logged in"}\nGET / 200'
    line = JsonFormatter().format(_record("bad path %s from %s", forged, "13912345678"))
    assert "\n" not in line and "\r" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "portal.test"
    assert entry["msg"].startswith("bad path x\r\n{") and "13912345678" not in entry["msg"]
    assert entry["ts"].endswith("+08:00")


def test_formatter_puts_fields_at_top_level_masked() -> None:
    fields = {"event": "request", "path": "/x/a@b.cn\r\n", "status": 200, "ms": 1.5}
    entry = json.loads(JsonFormatter().format(_record("ignored", fields=fields)))
    assert entry["event"] == "request" and entry["status"] == 200 and entry["ms"] == 1.5
    assert entry["path"] == f"/x/{MASK}\r\n" and "msg" not in entry


def test_formatter_masks_exception_text() -> None:
    try:
        raise ValueError("phone 13712345678 rejected")
    except ValueError:
        import sys
        record = logging.LogRecord("portal.test", logging.ERROR, __file__, 1, "failed", (),
                                   sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "13712345678" not in entry["exc"] and "ValueError" in entry["exc"]


def _session_lines() -> list[dict[str, object]]:
    """The structured fields of the access records in the session's (unmasked) capture."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = logcheck.IN_PROCESS_LOG.read_text(encoding="utf-8")
    entries = [json.loads(line) for line in text.splitlines()]
    return [e["fields"] for e in entries if isinstance(e.get("fields"), dict)]


def test_access_log_of_a_forged_path_is_one_masked_line(client: TestClient) -> None:
    """The session's log file really receives the app's lines: the final check sees them."""
    marker = "logprobe-" + Path(__file__).stem
    path = f"/{marker}/%0D%0A%7B%22status%22%3A200%7D%0A13812345678/a@b.cn"
    assert client.get(path).status_code == 404
    found = [e for e in _session_lines() if marker in str(e.get("path", ""))]
    assert len(found) == 1, found
    entry = found[0]
    assert entry["event"] == "request" and entry["status"] == 404 and entry["method"] == "GET"
    assert "13812345678" not in str(entry["path"]) and "a@b.cn" not in str(entry["path"])
    assert "\r\n" in str(entry["path"])  # kept, but escaped inside one JSON line


def test_access_log_has_no_query_string(client: TestClient) -> None:
    client.get("/api/health?phone=13812345678&code=secret-code-1")
    entry = [e for e in _session_lines() if e.get("path") == "/api/health"][-1]
    assert "phone" not in json.dumps(entry) and "secret-code-1" not in json.dumps(entry)


def test_a_real_server_logs_json_lines_to_the_session_log(built_site: Path,
                                                          tmp_path: Path) -> None:
    marker = "srvprobe-" + tmp_path.name
    with Server(built_site, tmp_path / "data") as server:
        response = httpx.get(f"{server.url}/{marker}/%0D%0Aforged%20line/13812345678")
        assert response.status_code == 404
    assert server.stderr_path is not None
    for path in (logcheck.SERVERS_LOG, server.stderr_path):
        entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert entries, path
        probe = [e for e in entries if marker in str(e.get("path", ""))]
        assert len(probe) == 1 and probe[0]["status"] == 404, (path, probe)
        assert "13812345678" not in json.dumps(probe, ensure_ascii=False)
        # uvicorn's own messages come through the same formatter
        assert any(e["logger"].startswith("uvicorn") for e in entries), path


def test_the_final_scan_finds_leaks(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"msg": "ok"}\n{"msg": "call 13812345678"}\n{"msg": "mail z@x.org.cn"}\n'
        '{"msg": "Authorization: Bearer abcdefgh"}\n{"msg": "Bearer [redacted]"}\n',
        encoding="utf-8")
    lines, findings = logcheck.scan(tmp_path)
    assert lines == 5
    assert [f.split(":")[1] for f in findings] == ["2", "3", "4"]


def test_a_logged_exception_keeps_its_frames_but_never_its_message() -> None:
    phone, name = "139" + "12345678", "王" + "芳"  # as data, not in the frames' source lines
    try:
        try:
            raise KeyError(phone)
        except KeyError as inner:
            raise ValueError(f"cannot write {name} to the sheet") from inner
    except ValueError:
        record = logging.LogRecord("portal.test", logging.ERROR, __file__, 1, "failed", (),
                                   sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "builtins.ValueError" in line["exc"] and "builtins.KeyError" in line["exc"]
    assert "test_a_logged_exception" in line["exc"]
    assert "王芳" not in line["exc"] and "13912345678" not in line["exc"]
