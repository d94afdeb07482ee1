"""The `portal` command: serve, build, and the operations later issues add."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from forms_api import gctune
from forms_api.admin.commands import add_commands
from forms_api.app import REGISTRY, SCHOOL_LINKS, SiteNotBuilt, create_app
from forms_api.build import build_all, build_offline_zip
from forms_api.schools.commands import add_command as add_schools
from forms_api.settings import Settings
from forms_api.storage import StorageError, backup_data_dir, pgdump, restore_data_dir
from forms_api.storage.factory import open_database
from forms_api.storage.migrate import add_command as add_migrate
from forms_api.web import logs
from forms_api.web.protocol import guarded_protocol

Handler = Callable[[argparse.Namespace], int]

# `portal serve` options that override the setting of the same name.
SERVE_OVERRIDES = ("forwarded_allow_ips", "limit_concurrency", "max_header_bytes")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn  # third-party and heavy: only `serve` needs it

    overrides = {name: getattr(args, name) for name in SERVE_OVERRIDES
                 if getattr(args, name) is not None}
    settings = Settings.from_env(**overrides)
    logs.configure(log_file=settings.log_file)
    try:
        # Opened before anything is printed: a directory another server holds (or damaged
        # files) is refused with its one-line message, not "serving on" and a traceback.
        database = open_database(settings)
    except StorageError as exc:
        print(f"Cannot serve: {exc}", file=sys.stderr)
        return 1
    try:
        app = create_app(settings, database)
    except SiteNotBuilt as exc:
        database.close()
        print(exc, file=sys.stderr)
        return 2
    print(f"心育驿站 serving on http://{args.host}:{args.port}/  (API at /api)")
    print(f"Data directory: {settings.data_dir.resolve()}")
    trusted = settings.forwarded_allow_ips
    gctune.tune_for_serving()  # after create_app: what it built is frozen
    # uvicorn's access log prints query strings (a booking lookup carries a phone number);
    # the app logs requests itself, without them. log_config=None keeps forms_api.logs's
    # JSON lines for uvicorn's own messages too.
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_config=None,
                log_level="info", server_header=False,
                # httptools (measured several times faster than h11; see bench/README.md),
                # with deadlines for slow clients and a bound on the header block.
                http=guarded_protocol(settings.max_header_bytes),
                limit_concurrency=settings.limit_concurrency or None,
                proxy_headers=trusted is not None, forwarded_allow_ips=trusted or "",
                timeout_graceful_shutdown=10)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from mkdocs.exceptions import MkDocsException  # only `build` needs MkDocs

    site_url = Settings.from_env().site_url
    try:
        if args.offline:
            target = build_offline_zip(Path(args.output), site_url=site_url)
            print(f"Built the offline edition: {target}")
        else:
            target = build_all(Path(args.site_dir), site_url=site_url)
            print(f"Built the site into {target} (offline edition included for download)")
    except MkDocsException as exc:
        print(f"Build failed: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    dest = Path(args.dest) if args.dest else settings.data_dir / "backups"
    if settings.database_url:
        try:
            dumped = pgdump.dump(settings.database_url, dest, keep=args.keep)
        except StorageError as exc:
            print(f"Backup failed: {exc}", file=sys.stderr)
            return 1
        print(f"Dumped the PostgreSQL database to {dumped} (pg_dump custom format; the newest "
              f"{args.keep} are kept)")
        return 0
    try:
        path = backup_data_dir(settings.data_dir, dest, keep=args.keep)
    except (StorageError, ValueError) as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {settings.data_dir} to {path} (the newest {args.keep} are kept)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.database_url and args.file.endswith(pgdump.SUFFIX):
        try:
            pgdump.restore(settings.database_url, Path(args.file))
        except StorageError as exc:
            print(f"Restore failed: {exc}", file=sys.stderr)
            return 1
        print(f"Restored {args.file} into the PostgreSQL database (all or nothing); start the "
              f"instances again")
        return 0
    try:
        aside = restore_data_dir(settings.data_dir, Path(args.file))
    except StorageError as exc:
        print(f"Restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"Restored {args.file} into {settings.data_dir}")
    if aside is not None:
        print(f"The files it replaced are kept in {aside}")
    return 0


def _setting_type(name: str) -> Callable[[str], object]:
    """The parser of setting `name`, so an option accepts exactly what its variable does."""
    parse: Callable[[str], object] = next(
        f for f in dataclasses.fields(Settings) if f.name == name).metadata["parse"]

    def convert(value: str) -> object:
        try:
            return parse(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{value!r}: {exc}") from None
    return convert


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal", description="心育驿站: the school mental-health portal of the city education bureau.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the built site and the API from one process")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    serve.add_argument("--forwarded-allow-ips", metavar="IPS",
                       help="comma-separated proxy addresses whose X-Forwarded-For/-Proto are "
                            "trusted (overrides PORTAL_FORWARDED_ALLOW_IPS; default: none)")
    serve.add_argument("--limit-concurrency", type=_setting_type("limit_concurrency"), metavar="N",
                       help="answer 503 beyond N connections/requests at once "
                            "(overrides PORTAL_LIMIT_CONCURRENCY; 0: no cap)")
    serve.add_argument("--max-header-bytes", type=_setting_type("max_header_bytes"),
                       metavar="BYTES",
                       help="refuse a request line plus headers larger than this "
                            "(overrides PORTAL_MAX_HEADER_BYTES)")
    serve.set_defaults(handler=cmd_serve)

    build = commands.add_parser(
        "build", help="build the site strictly into site/, with the offline zip inside it")
    build.add_argument("--site-dir", default=str(Settings().site_dir),
                       help="output directory (default: %(default)s)")
    build.add_argument("--offline", action="store_true",
                       help="only build the offline edition: one zip that works from file://")
    build.add_argument("--output", default="dist/xinyu-offline.zip",
                       help="where --offline writes the zip (default: %(default)s)")
    build.set_defaults(handler=cmd_build)

    backup = commands.add_parser(
        "backup", help="write a consistent snapshot of the database; safe while serving")
    backup.add_argument("--dest", metavar="DIR",
                        help="where to write it (default: PORTAL_DATA_DIR/backups)")
    backup.add_argument("--keep", type=int, default=14, metavar="N",
                        help="keep the newest N backups in DIR (default: %(default)s)")
    backup.set_defaults(handler=cmd_backup)

    restore = commands.add_parser(
        "restore", help="replace the database by a backup file; stop the server first")
    restore.add_argument("file", metavar="FILE", help="a portal-backup-*.jsonl file")
    restore.set_defaults(handler=cmd_restore)

    add_commands(commands, REGISTRY.personal)  # admin add|list|remove, purge
    add_migrate(commands)  # migrate --to postgresql://…
    add_schools(commands, SCHOOL_LINKS)  # schools import FILE [--dry-run]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logs.configure(logging.INFO)
    args = make_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
