"""Runtime settings: one table, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _nonnegative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or more")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be 1 or more")
    return number


def _site_url(value: str) -> str:
    url = value.strip().rstrip("/")
    if not url.startswith(("https://", "http://")) or "?" in url or "#" in url:
        raise ValueError("must be an address like https://xinyu.example.edu.cn")
    return url


def _tls(value: str) -> str:
    if value not in ("starttls", "tls", "none"):
        raise ValueError("must be starttls, tls or none")
    return value


def _database_url(value: str) -> str:
    if not value.startswith(("postgresql://", "postgres://")):
        raise ValueError("must be a postgresql://… URL")
    return value


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("1", "0", "true", "false", "on", "off", "yes", "no"):
        raise ValueError("must be on or off (1/0, true/false)")
    return lowered in ("1", "true", "on", "yes")


def _hotline_number(value: str) -> str:
    number = value.strip()
    if not 3 <= len(number) <= 20 or not number.replace("-", "").isdigit():
        raise ValueError("must be digits and hyphens, e.g. 0530-1234567")
    return number


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything the app can be told from outside; tests build this directly."""

    data_dir: Path = field(
        default=Path("data"),
        metadata={"env": "PORTAL_DATA_DIR", "parse": _path,
                  "doc": "Where the database, its journal and backups live."},
    )
    database_url: str | None = field(
        default=None, repr=False,  # it may carry a password
        metadata={"env": "PORTAL_DATABASE_URL", "parse": _database_url,
                  "doc": "A `postgresql://user:password@host/dbname` URL: store everything in "
                         "that PostgreSQL database (several `portal serve` instances may share "
                         "it). Unset: the embedded journal in `PORTAL_DATA_DIR`."},
    )
    admin_token: str | None = field(
        default=None,
        metadata={"env": "PORTAL_ADMIN_TOKEN", "parse": str,
                  "doc": "Bootstrap admin token (Bearer). Unset: only admins added with "
                         "`portal admin add` can log in."},
    )
    rate_limit: int = field(
        default=600,
        metadata={"env": "PORTAL_RATE_LIMIT", "parse": _nonnegative_int,
                  "doc": "Public submissions allowed per minute from one client address; "
                         "0 turns the limit off. The default lets a whole venue behind one "
                         "Wi-Fi address check in at once."},
    )
    retention_attendance_days: int = field(
        default=1825,
        metadata={"env": "PORTAL_RETENTION_ATTENDANCE_DAYS", "parse": _nonnegative_int,
                  "doc": "Days a check-in record is kept (continuing-education hours are "
                         "counted over five years); `portal purge` deletes older ones. "
                         "0 keeps them until deleted by hand."},
    )
    retention_volunteers_days: int = field(
        default=730,
        metadata={"env": "PORTAL_RETENTION_VOLUNTEERS_DAYS", "parse": _nonnegative_int,
                  "doc": "Days a volunteer application that was not approved (pending or "
                         "rejected) is kept after its last change; approved experts stay until "
                         "deleted. 0 keeps them."},
    )
    retention_bookings_days: int = field(
        default=730,
        metadata={"env": "PORTAL_RETENTION_BOOKINGS_DAYS", "parse": _nonnegative_int,
                  "doc": "Days a finished booking (completed, cancelled or declined) is kept "
                         "after its last change. 0 keeps them."},
    )
    retention_notices_days: int = field(
        default=180,
        metadata={"env": "PORTAL_RETENTION_NOTICES_DAYS", "parse": _nonnegative_int,
                  "doc": "Days a notice that was sent or passed on by hand is kept in the "
                         "outbox (it holds a phone or an e-mail address). 0 keeps them."},
    )
    retention_audit_days: int = field(
        default=1825,
        metadata={"env": "PORTAL_RETENTION_AUDIT_DAYS", "parse": _nonnegative_int,
                  "doc": "Days an audit-log entry is kept (it holds no personal data). "
                         "0 keeps them."},
    )
    site_dir: Path = field(
        default=PROJECT_ROOT / "site",
        metadata={"env": "PORTAL_SITE_DIR", "parse": _path,
                  "doc": "The built static site served at `/`."},
    )
    content_dir: Path = field(
        default=PROJECT_ROOT / "content",
        metadata={"env": "PORTAL_CONTENT_DIR", "parse": _path,
                  "doc": "The Markdown sources; training modules are read from "
                         "`training/` front matter."},
    )

    allowed_hosts: tuple[str, ...] = field(
        default=("127.0.0.1", "localhost"),
        metadata={"env": "PORTAL_ALLOWED_HOSTS", "parse": _csv,
                  "doc": "Comma-separated host names the portal answers to (`Host` header; "
                         "`*.example.org` allows subdomains); any other host gets 400."},
    )
    forwarded_allow_ips: str | None = field(
        default=None,
        metadata={"env": "PORTAL_FORWARDED_ALLOW_IPS", "parse": str,
                  "doc": "Comma-separated addresses of the reverse proxy whose "
                         "`X-Forwarded-For`/`-Proto` are believed (`portal serve "
                         "--forwarded-allow-ips`). Unset: no proxy is trusted; the client is "
                         "the TCP peer."},
    )
    limit_concurrency: int = field(
        default=256,
        metadata={"env": "PORTAL_LIMIT_CONCURRENCY", "parse": _nonnegative_int,
                  "doc": "Most connections and requests handled at once; beyond it the "
                         "server answers 503 at once instead of queueing (`portal serve "
                         "--limit-concurrency`); 0 removes the cap."},
    )
    max_header_bytes: int = field(
        default=16384,
        metadata={"env": "PORTAL_MAX_HEADER_BYTES", "parse": _positive_int,
                  "doc": "Largest request line plus headers accepted, in bytes; a larger "
                         "request is refused before it is read in full (`portal serve "
                         "--max-header-bytes`)."},
    )
    log_file: Path | None = field(
        default=None,
        metadata={"env": "PORTAL_LOG_FILE", "parse": _path,
                  "doc": "Also append the JSON log lines to this file (reopened after "
                         "logrotate moves it). Unset: stderr only, which systemd's journal "
                         "keeps."},
    )

    site_url: str | None = field(
        default=None,
        metadata={"env": "PORTAL_SITE_URL", "parse": _site_url,
                  "doc": "The portal's public address (e.g. `https://xinyu.example.edu.cn`), "
                         "used in notices, on the projector page and in the offline edition. "
                         "Unset: taken from the request where there is one, left out elsewhere."},
    )
    smtp_host: str | None = field(
        default=None,
        metadata={"env": "PORTAL_SMTP_HOST", "parse": str,
                  "doc": "Mail server for e-mail notices. Unset: no e-mail channel (notices "
                         "wait in the outbox for staff to pass on)."},
    )
    smtp_port: int = field(
        default=587,
        metadata={"env": "PORTAL_SMTP_PORT", "parse": _positive_int,
                  "doc": "Its port (587 for STARTTLS, 465 for TLS)."},
    )
    smtp_tls: str = field(
        default="starttls",
        metadata={"env": "PORTAL_SMTP_TLS", "parse": _tls,
                  "doc": "`starttls`, `tls` (implicit, port 465) or `none` (a relay on the "
                         "same host only)."},
    )
    smtp_user: str | None = field(
        default=None,
        metadata={"env": "PORTAL_SMTP_USER", "parse": str,
                  "doc": "Login for the mail server; unset: no login."},
    )
    smtp_password: str | None = field(
        default=None,
        metadata={"env": "PORTAL_SMTP_PASSWORD", "parse": str,
                  "doc": "Its password (keep it in the root-only environment file)."},
    )
    smtp_from: str | None = field(
        default=None,
        metadata={"env": "PORTAL_SMTP_FROM", "parse": str,
                  "doc": "Sender address of e-mail notices, e.g. `心育驿站 <noreply@…>`."},
    )
    webhook_url: str | None = field(
        default=None,
        metadata={"env": "PORTAL_WEBHOOK_URL", "parse": _site_url,
                  "doc": "HTTPS address that receives every notice as signed JSON (the "
                         "bureau's SMS gateway or 政务微信 bridge). Unset: no webhook channel."},
    )
    webhook_secret: str | None = field(
        default=None,
        metadata={"env": "PORTAL_WEBHOOK_SECRET", "parse": str,
                  "doc": "Key of the `X-Portal-Signature` HMAC-SHA256 over each webhook body."},
    )
    bureau_email: str | None = field(
        default=None,
        metadata={"env": "PORTAL_BUREAU_EMAIL", "parse": str,
                  "doc": "Where notices for the bureau go (a cancelled visit, a declined "
                         "assignment, a notice that failed for good)."},
    )
    bureau_name: str = field(
        default="市教育局",
        metadata={"env": "PORTAL_BUREAU_NAME", "parse": str,
                  "doc": "The issuing bureau's name on certificates, hours records and the "
                         "yearly report."},
    )
    late_checkin_hours: int = field(
        default=24,
        metadata={"env": "PORTAL_LATE_CHECKIN_HOURS", "parse": _nonnegative_int,
                  "doc": "Hours after a session's end during which a check-in made offline "
                         "inside the window is still accepted (marked late)."},
    )
    rota_rest_hours: int = field(
        default=11,
        metadata={"env": "PORTAL_ROTA_REST_HOURS", "parse": _nonnegative_int,
                  "doc": "Least hours of rest a hotline volunteer has between two shifts."},
    )
    rota_weekly_cap_hours: int = field(
        default=12,
        metadata={"env": "PORTAL_ROTA_WEEKLY_CAP_HOURS", "parse": _positive_int,
                  "doc": "Most hotline hours one volunteer may hold in a week (Monday to "
                         "Sunday, by each shift's start)."},
    )
    rota_horizon_days: int = field(
        default=28,
        metadata={"env": "PORTAL_ROTA_HORIZON_DAYS", "parse": _positive_int,
                  "doc": "How many days ahead a volunteer may take a hotline shift (the "
                         "coordinator may assign further ahead)."},
    )
    rota_cutoff_hours: int = field(
        default=48,
        metadata={"env": "PORTAL_ROTA_CUTOFF_HOURS", "parse": _nonnegative_int,
                  "doc": "Until this many hours before a shift a volunteer may leave it "
                         "freely; later only a swap."},
    )
    rota_swap_approval: bool = field(
        default=True,
        metadata={"env": "PORTAL_ROTA_SWAP_APPROVAL", "parse": _flag,
                  "doc": "Whether the coordinator approves a swap another volunteer has "
                         "accepted (`off`: the swap takes effect on acceptance)."},
    )
    rota_no_show_limit: int = field(
        default=2,
        metadata={"env": "PORTAL_ROTA_NO_SHOW_LIMIT", "parse": _positive_int,
                  "doc": "No-shows after which a volunteer cannot take new shifts until the "
                         "coordinator lifts the block."},
    )
    hotline_name: str | None = field(
        default=None,
        metadata={"env": "PORTAL_HOTLINE_NAME", "parse": str,
                  "doc": "The city's own student hotline, shown beside 12356 in the help box "
                         "(with the number and hours below; all three needed)."},
    )
    hotline_number: str | None = field(
        default=None,
        metadata={"env": "PORTAL_HOTLINE_NUMBER", "parse": _hotline_number,
                  "doc": "Its public number (digits and hyphens, e.g. `0530-1234567`)."},
    )
    hotline_hours: str | None = field(
        default=None,
        metadata={"env": "PORTAL_HOTLINE_HOURS", "parse": str,
                  "doc": "Its service hours as the public reads them, e.g. `24小时`."},
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from the environment; a bad value names its variable."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["env"]
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            parse: Callable[[str], Any] = f.metadata["parse"]
            try:
                values[f.name] = parse(raw)
            except ValueError as exc:
                raise SystemExit(f"Invalid {name}={raw!r}: {exc}") from None
        values.update(overrides)
        return cls(**values)


def documented_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting."""
    rows = []
    for f in fields(Settings):
        default = f.default
        shown = "unset" if default is None else str(default)
        if isinstance(default, tuple):
            shown = ",".join(default)
        if isinstance(default, Path) and default.is_absolute():
            shown = str(default.relative_to(PROJECT_ROOT)) if default.is_relative_to(
                PROJECT_ROOT) else str(default)
        rows.append((f.metadata["env"], shown, f.metadata["doc"]))
    return rows
