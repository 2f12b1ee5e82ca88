"""Each service's own metrics endpoint: ``/metrics`` (everything its processes recorded, read from the
multiprocess directory, plus any collectors the service adds) and ``/healthz``, on ``ILLUSTRA_METRICS_PORT``."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PORT_ENV = "ILLUSTRA_METRICS_PORT"


def prepare_multiprocess_dir(service: str, env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """Point prometheus_client at an empty directory for this service's processes; must run before any metric
    is created (that is, before ``illustra_shared.metrics`` is imported) and before worker processes start."""
    directory = Path(
        env.get(MULTIPROC_ENV) or Path(tempfile.gettempdir()) / f"illustra-metrics-{service}-{os.getpid()}"
    )
    if directory.exists():
        shutil.rmtree(directory)  # values of processes that no longer run would be summed in
    directory.mkdir(parents=True)
    env[MULTIPROC_ENV] = str(directory)
    return directory


def mark_process_dead(pid: int) -> None:
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def metrics_app(collectors: Iterable[Any] = ()) -> Any:
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        generate_latest,
        multiprocess,
    )

    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:  # a single process (the demo): its own values
        registry = REGISTRY
    for collector in collectors:
        registry.register(collector)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        body = generate_latest(registry)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [body]

    return app


def start_metrics_server(collectors: Iterable[Any] = (), *, port: int | None = None) -> WSGIServer | None:
    """Serve metrics from a daemon thread; no server when no port is configured (as in tests and the demo)."""
    port = port if port is not None else int(os.environ.get(PORT_ENV, "0") or 0)
    if not port:
        return None
    server = make_server("0.0.0.0", port, metrics_app(collectors), handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="illustra-metrics", daemon=True).start()
    return server
