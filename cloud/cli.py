"""`earshot serve`, `earshot index` and `earshot tokens`: the server's commands."""

from __future__ import annotations

import argparse
import datetime
import logging
import sys
from pathlib import Path

from cloud import datadir
from edge.errors import EarshotError

_DATA_DIR_HELP = (f"where tokens, the search index, clip answers and telemetry live "
                  f"(default: ${datadir.DATA_DIR_ENV}, else the user data directory)")


def register_serve(subparsers) -> None:
    """Add `earshot serve`."""
    parser = subparsers.add_parser("serve", help="run the prediction server",
                                   description="Run the prediction server (Ctrl-C or SIGTERM stops it "
                                               "after requests in flight finish).")
    parser.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default 8080)")
    parser.add_argument("--config", type=Path, default=None, help="a TOML (or .json) config file")
    parser.add_argument("--data-dir", default=None, help=_DATA_DIR_HELP)
    parser.set_defaults(handler=_serve)


def register_index(subparsers) -> None:
    """Add `earshot index`."""
    parser = subparsers.add_parser("index", help="build the search index from a catalog",
                                   description="Index a JSONL catalog (id, title, text, tags per line) "
                                               "for the server's search; restart the server to use it.")
    parser.add_argument("catalog", type=Path, nargs="?", default=None,
                        help="catalog JSONL (default: the places catalog shipped with earshot)")
    parser.add_argument("--data-dir", default=None, help=_DATA_DIR_HELP)
    parser.set_defaults(handler=_index)


def register_tokens(subparsers) -> None:
    """Add `earshot tokens add|list|revoke`."""
    parser = subparsers.add_parser("tokens", help="manage device tokens",
                                   description="Issue, list and revoke the bearer tokens devices use.")
    parser.add_argument("--data-dir", default=None, help=_DATA_DIR_HELP)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="issue a token for a device; prints it (only once) on the last line")
    add.add_argument("name", help="device name")
    actions.add_parser("list", help="list devices and whether their tokens are active")
    revoke = actions.add_parser("revoke", help="revoke a device's token")
    revoke.add_argument("name", help="device name")
    for sub in actions.choices.values():
        sub.add_argument("--data-dir", default=argparse.SUPPRESS, help=_DATA_DIR_HELP)
    parser.set_defaults(handler=_tokens)


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from cloud.app import init_app
    from cloud.config import load_config
    from cloud.routes.search import MAX_LINE_BYTES

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_config(args.config, datadir.resolve_data_dir(args.data_dir), host=args.host, port=args.port)
    print(f"earshot serve: data in {config.data_dir}; starting on http://{config.host}:{config.port}",
          file=sys.stderr, flush=True)
    try:
        web.run_app(init_app(config), host=config.host, port=config.port,
                    print=lambda _: logging.getLogger("cloud").info("listening on http://%s:%d", config.host,
                                                                    config.port),
                    shutdown_timeout=config.shutdown_timeout_s, access_log=None,
                    max_line_size=MAX_LINE_BYTES)
    except OSError as exc:
        raise EarshotError(f"cannot listen on {config.host}:{config.port} ({exc.strerror or exc})") from None
    return 0


def _index(args: argparse.Namespace) -> int:
    from cloud.search.catalog import default_catalog_path
    from cloud.search.index import build_index

    data_dir = datadir.resolve_data_dir(args.data_dir)
    summary = build_index(args.catalog or default_catalog_path(), data_dir / datadir.SEARCH_DB)
    print(f"indexed {summary['documents']} documents ({summary['pronounced']} of {summary['title_words']} "
          f"title words pronounceable) from {summary['catalog']} into {data_dir / datadir.SEARCH_DB} "
          f"in {summary['seconds']} s")
    return 0


def _tokens(args: argparse.Namespace) -> int:
    from cloud.tokens import TokenStore

    store = TokenStore(datadir.resolve_data_dir(args.data_dir) / datadir.TOKENS_DB)
    try:
        if args.action == "add":
            token = store.add(args.name)
            print(f"token for device {args.name!r} (shown once; store it on the device):")
            print(token)
        elif args.action == "revoke":
            store.revoke(args.name)
            print(f"revoked the token of device {args.name!r}")
        else:
            for info in store.list():
                created = datetime.datetime.fromtimestamp(info.created_at).isoformat(timespec="seconds")
                state = "active" if info.active else "revoked " + datetime.datetime.fromtimestamp(
                    info.revoked_at).isoformat(timespec="seconds")
                print(f"{info.name}\t{info.hint}…\tcreated {created}\t{state}")
    finally:
        store.close()
    return 0
