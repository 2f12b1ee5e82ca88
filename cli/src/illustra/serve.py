"""Serving the Falcon apps with gunicorn: one app built per worker process, after the fork."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from illustra_shared.broker import create_broker
from illustra_shared.database import open_database
from illustra_shared.metrics_server import mark_process_dead, start_metrics_server
from illustra_shared.settings import Settings


def _app_factory(name: str) -> Callable[..., Any]:
    if name == "gateway":
        from illustra_gateway.app import create_app as create_gateway_app

        return create_gateway_app
    from illustra_status.app import create_app as create_status_app

    return create_status_app


APP_NAMES = ("gateway", "status")


class _Server(BaseApplication):
    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.factory()


def _collectors(name: str, settings: Settings) -> list[Any]:
    if name != "status":
        return []
    from illustra_shared.models import utcnow
    from illustra_status.collector import PipelineCollector

    return [
        PipelineCollector(
            open_database(settings.database_url, pooled=False),
            create_broker(settings),
            settings.queue_names,
            stuck_after_s=settings.stuck_after_s,
            clock=utcnow,
        )
    ]


def serve(name: str, settings: Settings, *, bind: str, workers: int, threads: int) -> None:
    """Run gunicorn in the foreground. The master serves the metrics of all its workers on the metrics port."""
    create_app = _app_factory(name)
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "proc_name": f"illustra-{name}",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "graceful_timeout": settings.web_graceful_timeout_s,
        "timeout": 60,
        "keepalive": 5,
        # Request lines are bounded by what stands in front (the Ingress's nginx, the local edge), which answers
        # 414 itself; here a long query string reaches the application and gets its 400 with a reason.
        "limit_request_line": 0,
        "when_ready": lambda arbiter: start_metrics_server(
            _collectors(name, settings), port=settings.metrics_port
        ),
        "child_exit": lambda arbiter, worker: mark_process_dead(worker.pid),
    }
    _Server(
        lambda: create_app(
            settings, database=open_database(settings.database_url), broker=create_broker(settings)
        ),
        options,
    ).run()
