"""``illustra``: the command line of the product."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from illustra_shared.errors import ConfigurationError
from illustra_shared.logs import configure_logging
from illustra_shared.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parents[3]  # the checkout: cli/src/illustra/cli.py
RUN_DIR = Path(os.environ.get("ILLUSTRA_RUN_DIR", PROJECT_DIR / ".run"))


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from illustra_shared.database import open_database, redact
    from illustra_shared.migrate import ensure_postgres_database, migrate

    url = args.database_url or settings.database_url
    if ensure_postgres_database(url):
        print(f"created database {redact(url)}")
    applied = migrate(open_database(url))
    print(
        f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "database is up to date"
    )
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    host, _, port = args.bind.rpartition(":")
    if args.service == "edge":
        from .edge import run_edge

        run_edge(host or "127.0.0.1", int(port), args.gateway, args.status)
        return 0
    from .serve import serve

    serve(
        args.service,
        settings,
        bind=args.bind,
        workers=args.workers or settings.web_workers,
        threads=args.threads or settings.web_threads,
    )
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from illustra_extractor.supervisor import run_supervisor

    return run_supervisor(
        processes=args.processes or settings.worker_processes,
        threads=args.threads or settings.worker_threads,
        prefetch=settings.worker_prefetch,
        shutdown_timeout_s=args.shutdown_timeout or settings.shutdown_timeout_s,
        stall_s=settings.worker_stall_s,
        metrics_port=settings.metrics_port,
    )


def _up(args: argparse.Namespace, settings: Settings) -> int:
    from .stack import up

    status = _migrate(argparse.Namespace(database_url=None), settings)
    return status or up(RUN_DIR)


def _down(args: argparse.Namespace, settings: Settings) -> int:
    from .stack import down

    return down(RUN_DIR)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from .demo import run_demo

    return run_demo(
        settings,
        host=args.host,
        port=args.port,
        examples_dir=Path(args.examples),
        serve=not args.no_serve,
        database_url=args.database_url,
        run_dir=RUN_DIR,
    )


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from illustra_shared.auth import issue_token, revoke_token
    from illustra_shared.database import open_database
    from illustra_shared.models import ApiToken, utcnow

    database = open_database(settings.database_url)
    with database.connection_context():
        if args.action == "create":
            token_id, token = issue_token(args.user_id, args.label, utcnow())
            print(f"token {token_id} for user {args.user_id} (shown once; keep it secret):", file=sys.stderr)
            print(token)
            return 0
        if args.action == "revoke":
            if revoke_token(args.token_id, utcnow()):
                print(f"token {args.token_id} revoked")
                return 0
            print(f"illustra: no active token {args.token_id}", file=sys.stderr)
            return 1
        query = ApiToken.select().order_by(ApiToken.id)
        if args.user_id:
            query = query.where(ApiToken.user_id == args.user_id)
        for row in query:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            print(
                f"{row.id}\tuser {row.user_id}\t{row.created_at:%Y-%m-%d %H:%M}\t{state}\t{row.label or ''}"
            )
        return 0


def _extract(args: argparse.Namespace, settings: Settings) -> int:
    from illustra_extractor import extract_command

    return extract_command.run(args)


def _submit(args: argparse.Namespace, settings: Settings) -> int:
    from .client import run_submit

    return run_submit(args)


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from .client import run_status

    return run_status(args)


def _get(args: argparse.Namespace, settings: Settings) -> int:
    from .client import run_get

    return run_get(args)


def _delete(args: argparse.Namespace, settings: Settings) -> int:
    from .client import run_delete

    return run_delete(args)


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from illustra_shared.database import open_database
    from illustra_shared.lifecycle import Lifecycle
    from illustra_shared.models import utcnow

    days = args.older_than_days if args.older_than_days is not None else settings.retention_days
    database = open_database(settings.database_url)
    with database.connection_context():
        purged = Lifecycle(database, settings, utcnow).purge(
            utcnow() - timedelta(days=days) if days else None
        )
    kept = f"older than {days} day(s)" if days else "(retention off: ILLUSTRA_RETENTION_DAYS=0)"
    print(f"purged {purged.documents} document(s) {kept} and {purged.cache_entries} orphaned cache entries")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="illustra", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    migrate = commands.add_parser("migrate", help="create the database if missing and apply its migrations")
    migrate.add_argument("--database-url", help="defaults to DATABASE_URL")
    migrate.set_defaults(run=_migrate)

    serve = commands.add_parser("serve", help="serve the gateway, the status service or the local edge")
    serve.add_argument("service", choices=("gateway", "status", "edge"))
    serve.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT (default %(default)s)")
    serve.add_argument("--workers", type=int, help="defaults to WEB_WORKERS")
    serve.add_argument("--threads", type=int, help="defaults to WEB_THREADS")
    serve.add_argument("--gateway", default="http://127.0.0.1:8001", help="edge only: the gateway's URL")
    serve.add_argument(
        "--status", default="http://127.0.0.1:8002", help="edge only: the status service's URL"
    )
    serve.set_defaults(run=_serve)

    worker = commands.add_parser("worker", help="run the extractor (Dramatiq worker processes x threads)")
    worker.add_argument("--processes", type=int, help="defaults to WORKER_PROCESSES")
    worker.add_argument("--threads", type=int, help="defaults to WORKER_THREADS")
    worker.add_argument(
        "--shutdown-timeout",
        type=float,
        help="seconds to finish running stages (ILLUSTRA_SHUTDOWN_TIMEOUT_S)",
    )
    worker.set_defaults(run=_worker)

    up = commands.add_parser("up", help="start gateway, status service, extractor and edge in the background")
    up.set_defaults(run=_up)
    down = commands.add_parser("down", help="stop what 'illustra up' started")
    down.set_defaults(run=_down)

    demo = commands.add_parser(
        "demo", help="run everything in one process on SQLite with the sample documents"
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=int(os.environ.get("ILLUSTRA_PORT", 8080)))
    demo.add_argument(
        "--examples", default=str(PROJECT_DIR / "examples"), help="folder of sample .txt documents"
    )
    demo.add_argument("--no-serve", action="store_true", help="run the samples, show their results and exit")
    demo.add_argument("--database-url", help="default: SQLite in .run/demo.sqlite3")
    demo.set_defaults(run=_demo)

    from . import client

    submit = commands.add_parser(
        "submit", help="send documents to a running gateway and follow their progress"
    )
    client.add_submit_arguments(submit)
    submit.set_defaults(run=_submit)
    status = commands.add_parser("status", help="print a document's processing status")
    client.add_status_arguments(status)
    status.set_defaults(run=_status)
    get = commands.add_parser("get", help="print a document's result as JSON, or its value table as CSV")
    client.add_get_arguments(get)
    get.set_defaults(run=_get)
    delete = commands.add_parser(
        "delete", help="delete a document with its results, attempts and cached model replies"
    )
    client.add_delete_arguments(delete)
    delete.set_defaults(run=_delete)
    purge = commands.add_parser(
        "purge",
        help="delete documents older than the retention period (ILLUSTRA_RETENTION_DAYS) and cached replies "
        "no document needs",
    )
    purge.add_argument("--older-than-days", type=int, help="default: ILLUSTRA_RETENTION_DAYS")
    purge.set_defaults(run=_purge)

    queue = commands.add_parser(
        "queue", help="what the broker holds per queue; `queue redrive` sends dead letters back"
    )
    from . import queue_commands

    queue_commands.add_arguments(queue)
    queue.set_defaults(run=queue_commands.run)

    token = commands.add_parser("token", help="issue, revoke or list API tokens")
    token_actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = token_actions.add_parser("create", help="issue a token for a user; prints it on its last line")
    create.add_argument("user_id", type=int)
    create.add_argument("--label", help="what the token is for")
    revoke = token_actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id", type=int)
    listing = token_actions.add_parser("list", help="list tokens (never the tokens themselves)")
    listing.add_argument("--user-id", type=int)
    token.set_defaults(run=_token)

    extract = commands.add_parser("extract", help="extract offline (no broker, no database) from files")
    from illustra_extractor import extract_command

    extract_command.add_arguments(extract)
    extract.set_defaults(run=_extract)
    return parser


def _prepare_metrics(argv: list[str]) -> None:
    """Give the serving processes their metrics directory before anything imports prometheus_client, which picks
    in-process or shared-file values once, when it is first imported (building the parser may import it)."""
    words = [word for word in argv if not word.startswith("-")]
    if words[:1] == ["serve"] and len(words) > 1 and words[1] in ("gateway", "status"):
        from illustra_shared.metrics_server import prepare_multiprocess_dir

        prepare_multiprocess_dir(words[1])


def _serving_host(args: argparse.Namespace) -> str | None:
    """The address a serving command listens on ("" for every interface); None for a command that serves none."""
    if args.command == "serve":
        return args.bind.rpartition(":")[0]
    if args.command == "demo" and not args.no_serve:
        return args.host
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _prepare_metrics(argv)
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigurationError as error:
        print(f"illustra: {error}", file=sys.stderr)
        return 2
    if args.command in ("serve", "worker", "demo", "up"):
        refusal = settings.refusal_to_serve(_serving_host(args))
        if refusal is not None:
            print(f"illustra: refusing to start: {refusal}", file=sys.stderr)
            return 2
    configure_logging(
        settings.log_level,
        service=getattr(args, "service", None) or args.command,
        log_format=settings.log_format,
    )
    return args.run(args, settings)
