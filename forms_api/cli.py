"""The `portal` command: serve, build, and the operations later issues add."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Callable, Sequence

from forms_api.settings import Settings

Handler = Callable[[argparse.Namespace], int]


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from forms_api.app import SiteNotBuilt, create_app

    settings = Settings.from_env()
    try:
        app = create_app(settings)
    except SiteNotBuilt as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"心育驿站 serving on http://{args.host}:{args.port}/  (API at /api)")
    print(f"Data directory: {settings.data_dir.resolve()}")
    # uvicorn's access log prints query strings (a booking lookup carries a phone number);
    # the app logs requests itself, without them.
    uvicorn.run(app, host=args.host, port=args.port, access_log=False,
                log_level="info", server_header=False)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from mkdocs.exceptions import MkDocsException

    from forms_api.build import build_all, build_offline_zip

    try:
        if args.offline:
            target = build_offline_zip(Path(args.output))
            print(f"Built the offline edition: {target}")
        else:
            target = build_all(Path(args.site_dir))
            print(f"Built the site into {target} (offline edition included for download)")
    except MkDocsException as exc:
        print(f"Build failed: {exc}", file=sys.stderr)
        return 1
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal", description="心育驿站: the school mental-health portal of the city education bureau.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the built site and the API from one process")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = make_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
