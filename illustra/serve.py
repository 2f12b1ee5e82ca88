"""Serving the Falcon apps with gunicorn: one app built per worker process, after the fork."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from illustra_shared.broker import create_broker
from illustra_shared.database import open_database
from illustra_shared.settings import Settings


def _app_factory(name: str) -> Callable[..., Any]:
    if name == "gateway":
        from illustra_gateway.app import create_app
    else:
        from illustra_status.app import create_app
    return create_app


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


def serve(name: str, settings: Settings, *, bind: str, workers: int, threads: int) -> None:
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
        "graceful_timeout": 20,
        "timeout": 60,
        "keepalive": 5,
    }
    _Server(
        lambda: create_app(settings, database=open_database(settings.database_url), broker=create_broker(settings)),
        options,
    ).run()
