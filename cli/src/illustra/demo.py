"""``illustra demo``: the whole product in one process for a machine with no Redis or PostgreSQL: SQLite, an
in-process broker and worker, the gateway and status apps behind one origin; the same code paths otherwise."""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from illustra_extractor.worker import InteractiveFirstWorker, create_worker_broker
from illustra_gateway.app import create_app as create_gateway_app
from illustra_shared.database import open_database
from illustra_shared.migrate import migrate
from illustra_shared.routing import routes_to_status
from illustra_shared.settings import Settings
from illustra_status.app import create_app as create_status_app


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _run_samples(origin: str, examples: list[Path], out=sys.stdout) -> None:
    ids = {}
    for path in examples:
        answer = _post_json(
            f"{origin}/api/ocr/save/",
            {"file_name": path.name, "ocr_content": path.read_text(encoding="utf-8"), "user_id": 1},
        )
        ids[path.name] = answer["document_id"]
        print(f"submitted {path.name} as document {answer['document_id']}", file=out)
    deadline = time.monotonic() + 60
    pending = dict(ids)
    while pending and time.monotonic() < deadline:
        for name, document_id in list(pending.items()):
            status = _get_json(f"{origin}/api/ocr/documents/{document_id}/status/")["data"]
            if status["processing_stage"] in ("all_completed", "error"):
                del pending[name]
        time.sleep(0.05)
    for name, document_id in ids.items():
        data = _get_json(f"{origin}/api/ocr/documents/{document_id}/")["data"]
        basic, table, summary = data["basic_info"] or {}, data["value_table"] or [], data["summary"] or {}
        print(
            f"\n== {name} (document {document_id}): {data['processing_stage']} {data['error_message'] or ''}",
            file=out,
        )
        print(
            f"   {basic.get('insured_name')} | {basic.get('insurer')} | {basic.get('product_name')} | "
            f"{basic.get('currency')} {basic.get('annual_premium')} x {basic.get('premium_term_years')} years",
            file=out,
        )
        print(
            f"   value table: {len(table)} rows; break-even year: {summary.get('breakeven_year')}", file=out
        )
        for row in table[:3]:
            print(f"     {row}", file=out)


def run_demo(
    settings: Settings,
    *,
    host: str,
    port: int,
    examples_dir: Path,
    serve: bool,
    database_url: str | None,
    run_dir: Path,
) -> int:
    run_dir.mkdir(parents=True, exist_ok=True)
    settings = settings.model_copy(
        update={
            "environment": "demo",
            "broker_url": "stub://",
            "database_url": database_url or f"sqlite:///{run_dir / 'demo.sqlite3'}",
        }
    )
    database = open_database(settings.database_url)
    migrate(database)
    broker = create_worker_broker(settings, database=database)
    worker = InteractiveFirstWorker(broker, settings, worker_threads=2, worker_timeout=50)
    worker.start()

    gateway = create_gateway_app(settings, database=database, broker=broker)
    status = create_status_app(settings, database=database, broker=broker)

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        app = status if routes_to_status(environ.get("PATH_INFO", "")) else gateway
        return app(environ, start_response)

    server = make_server(host, port, dispatch, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://{host}:{server.server_port}"
    try:
        examples = sorted(examples_dir.glob("*.txt"))
        if examples:
            _run_samples(origin, examples)
        if serve:
            print(f"\nillustra demo is serving the API at {origin}/ (Ctrl-C to stop)", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        worker.stop()
    return 0
