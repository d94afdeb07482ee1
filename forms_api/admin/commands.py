"""`portal admin add|list|remove` and `portal purge`: through the running server, or directly.

See `forms_api.admin.control` for why the server makes the change when it runs.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Sequence
from typing import Any

from forms_api.admin import control
from forms_api.admin.accounts import new_token, token_hash
from forms_api.admin.privacy import PersonalData
from forms_api.settings import Settings
from forms_api.storage import Database, DatabaseLocked, StorageError
from forms_api.storage.factory import open_database

WAIT_SECONDS = 10


def run(request: dict[str, Any], personal: Sequence[PersonalData] = ()) -> dict[str, Any]:
    """Ask the server on PORTAL_DATA_DIR; with none running, open the database ourselves.

    With PORTAL_DATABASE_URL set, write to PostgreSQL directly: no one server owns it.
    """
    settings = Settings.from_env()
    if settings.database_url:  # PostgreSQL: every instance re-reads the admins (shared.py)
        db = open_database(settings)
        try:
            return control.execute(db, settings, request, f"cli:{getpass.getuser()}",
                                   personal=personal)
        finally:
            db.close()
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            reply = control.send(settings.data_dir, request)
        except PermissionError:
            raise SystemExit(f"No permission to use {control.socket_path(settings.data_dir)}: run "
                             f"this as the user the portal runs as (or root).") from None
        if reply is not None:
            return reply
        try:
            db = Database.open(settings.data_dir)
        except DatabaseLocked:
            # A server is starting (its socket is not there yet) or stopping: ask again.
            if time.monotonic() > deadline:
                raise SystemExit(f"The data directory {settings.data_dir} is locked by a process "
                                 f"that does not answer on {control.socket_path(settings.data_dir)}."
                                 f" Is it a portal of another version?") from None
            time.sleep(0.2)
            continue
        try:
            return control.execute(db, settings, request, f"cli:{getpass.getuser()}",
                                   personal=personal)
        finally:
            db.close()


def _reply(request: dict[str, Any], personal: Sequence[PersonalData] = ()) -> dict[str, Any]:
    try:
        reply = run(request, personal)
    except (StorageError, OSError) as exc:
        raise SystemExit(f"Could not reach the database: {exc}") from None
    if not reply.get("ok"):
        raise SystemExit(f"Refused: {reply.get('error')}")
    return reply


def cmd_admin_add(args: argparse.Namespace) -> int:
    token = new_token()
    reply = _reply({"op": "admin.add", "name": args.name, "token_hash": token_hash(token)})
    print(f"Added admin {reply['admin']['name']!r}. Their token, shown only now (give it to them "
          f"in person or through a password manager; it is not stored anywhere):", file=sys.stderr)
    print(token)
    return 0


def cmd_admin_list(args: argparse.Namespace) -> int:
    admins = _reply({"op": "admin.list"})["admins"]
    if not admins:
        print("No admins besides the PORTAL_ADMIN_TOKEN one.")
    for admin in admins:
        print(f"{admin['name']}\tadded {admin['created_at']}\tby {admin['created_by']}")
    return 0


def cmd_admin_remove(args: argparse.Namespace) -> int:
    reply = _reply({"op": "admin.remove", "name": args.name})
    print(f"Removed admin {reply['admin']['name']!r}; their token and sessions no longer work.")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    removed = _reply({"op": "purge"}, args.personal)["removed"]
    done = ", ".join(f"{name} {count}" for name, count in removed.items()) or "nothing"
    print(f"Deleted records past their retention period: {done}.")
    return 0


def add_commands(commands: Any, personal: Sequence[PersonalData]) -> None:
    """Register `admin` and `purge` on the `portal` parser's subcommands."""
    admin = commands.add_parser(
        "admin", help="add, list or remove console admins (works while the server runs)")
    actions = admin.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an admin and print their new token once")
    add.add_argument("name", metavar="NAME", help="a short name: letters, digits, . @ - _")
    add.set_defaults(handler=cmd_admin_add)
    listing = actions.add_parser("list", help="list the admins (never their tokens)")
    listing.set_defaults(handler=cmd_admin_list)
    remove = actions.add_parser("remove", help="delete an admin; their token stops working")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=cmd_admin_remove)
    purge = commands.add_parser(
        "purge", help="delete records past their retention period (PORTAL_RETENTION_*_DAYS)")
    purge.set_defaults(handler=cmd_purge, personal=tuple(personal))
