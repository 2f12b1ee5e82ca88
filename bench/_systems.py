"""The two systems under test, each started on its own throwaway database and Redis key space.

- ``Illustra``: ``python -m illustra migrate``, gateway and status (``python -m illustra serve …``) and the
  extractor (``python -m illustra worker``), configured by environment as ``tests/support.py`` does.
- ``CeleryBaseline``: ``bench/celery_baseline``: the save view under gunicorn sync workers and a Celery prefork
  worker (``--concurrency=4``, ``max_tasks_per_child = 50``) on Redis database 14, a queue of its own.

Both write ``created_at`` when a document is saved and ``last_processed_at`` (UTC) at every stage change, in a
table with ``processing_stage``, which is what the benchmark reads.
"""

from __future__ import annotations

import os
import sys
import uuid

import redis
from _infra import (
    REDIS_URL,
    ProcessGroups,
    ThrowawayDatabase,
    bench_module_command,
    children,
    free_port,
    http_answers,
    wait_until,
)

CELERY_REDIS_URL = os.environ.get("BENCH_CELERY_REDIS_URL", REDIS_URL.rsplit("/", 1)[0] + "/14")


class System:
    """A system under test: ``start`` is its own; stopping and finding its worker processes are the same for all."""

    name: str
    table: str
    save_url: str
    database: ThrowawayDatabase
    processes: ProcessGroups
    # Its Redis, and the pattern of the keys it leaves there.
    redis_url: str
    redis_keys: str

    def start(self) -> None:
        raise NotImplementedError

    def worker_pids(self) -> list[int]:
        return children(self.processes.processes["worker"].pid)

    def stop(self) -> None:
        try:
            self.processes.stop_all()
        finally:
            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(self.redis_keys))
            if keys:
                client.delete(*keys)
            self.database.drop()


class Illustra(System):
    name = "illustra"
    table = "documents"

    def __init__(
        self, python: str = sys.executable, extra_env: dict[str, str] | None = None, *, name: str = "illustra"
    ) -> None:
        self.name = name
        self.python = python
        self.database = ThrowawayDatabase("illustra_bench")
        self.namespace = f"illustra-bench-{uuid.uuid4().hex[:8]}"
        self.ports = {"gateway": free_port(), "status": free_port()}
        self.save_url = f"http://127.0.0.1:{self.ports['gateway']}/api/ocr/save/"
        self.status_url = f"http://127.0.0.1:{self.ports['status']}"
        self.processes = ProcessGroups(self.name)
        self.env = {
            **os.environ,
            # Loopback only, without tokens: prod would refuse to serve without ILLUSTRA_AUTH=required.
            "ILLUSTRA_ENV": "dev",
            "DATABASE_URL": self.database.url,
            "REDIS_URL": REDIS_URL,
            "BROKER_NAMESPACE": self.namespace,
            "LOG_LEVEL": "WARNING",
            # The per-user submission limit is a guard, not what is measured: the limiter still runs, never refuses.
            "ILLUSTRA_SUBMIT_LIMIT": "1000000000",
            **(extra_env or {}),
        }
        self.redis_url = self.env["REDIS_URL"]
        self.redis_keys = f"{self.namespace}*"

    def _illustra(self, *args: str) -> list[str]:
        return [self.python, "-m", "illustra", *args]

    def start(self, *, worker: bool = True) -> None:
        self.database.create()
        self.processes.start("migrate", self._illustra("migrate"), self.env)
        self.processes.processes.pop("migrate").wait()
        for service, port in self.ports.items():
            self.processes.start(
                service, self._illustra("serve", service, "--bind", f"127.0.0.1:{port}"), self.env
            )
        if worker:
            self.processes.start("worker", self._illustra("worker"), self.env)
        for port in self.ports.values():
            wait_until(
                lambda p=port: self.processes.check_alive() or http_answers(f"http://127.0.0.1:{p}/readyz"),
                60,
                f"illustra on port {port} to be ready",
            )


class CeleryBaseline(System):
    name = "celery"
    table = "ocr_ocrdocument"
    web_workers = 2 * (os.cpu_count() or 2) + 1  # gunicorn's documented rule of thumb for sync workers

    def __init__(self) -> None:
        self.database = ThrowawayDatabase("celery_bench")
        self.queue = f"celery-bench-{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.save_url = f"http://127.0.0.1:{self.port}/api/ocr/save/"
        self.processes = ProcessGroups(self.name)
        self.env = {
            **os.environ,
            "CELERY_BASELINE_DATABASE_URL": self.database.url,
            "CELERY_BASELINE_BROKER_URL": CELERY_REDIS_URL,
            "CELERY_BASELINE_QUEUE": self.queue,
        }
        self.redis_url = CELERY_REDIS_URL
        self.redis_keys = f"*{self.queue}*"

    def start(self) -> None:
        from celery_baseline.schema import create_schema

        self.database.create()
        create_schema(self.database.url)
        python = sys.executable
        self.processes.start(
            "web",
            bench_module_command(
                python,
                "gunicorn",
                "--workers",
                str(self.web_workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "celery_baseline.web:application",
            ),
            self.env,
        )
        self.processes.start(
            "worker",
            bench_module_command(
                python,
                "celery",
                "-A",
                "celery_baseline.tasks",
                "worker",
                "--pool=prefork",
                "--concurrency=4",
                "--max-tasks-per-child=50",
                "--queues",
                self.queue,
                "--loglevel=WARNING",
            ),
            self.env,
        )
        wait_until(
            lambda: (
                self.processes.check_alive()
                or http_answers(f"http://127.0.0.1:{self.port}/", expect_ok=False)
            ),
            60,
            "the Celery baseline's web app to answer",
        )
