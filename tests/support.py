"""Helpers the tests share: waiting on a condition with a deadline, free ports, throwaway databases, and the
services started as real processes."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pika
import psycopg2
import redis
import requests
from psycopg2 import sql

T = TypeVar("T")

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = PROJECT_DIR / "examples"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
# The brokers the pipeline runs on: the tests that hold for both take one of these as their Stack's extra env.
BROKERS = {"redis": {}, "rabbitmq": {"BROKER_URL": RABBITMQ_URL}}


def wait_until(condition: Callable[[], T | None], timeout: float, message: str, interval: float = 0.05) -> T:
    """Return the first truthy value of ``condition()``; fail with ``message`` once ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # the condition may fail until the thing waited for is up
            last_error = error
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout:g} s: {message}" + (f" (last error: {last_error})" if last_error else "")
    )


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port to listen on, below the kernel's ephemeral range (32768 and up here), from which every outgoing
    connection takes its own port: one picked there can be taken by a client before the server binds it. Never the
    same port twice in a test run: a stack's ports are picked before any of its servers binds them, so the probe
    alone would let two of them (say the edge and a metrics server, which answers every path) share one."""
    while True:
        port = random.randrange(20000, 32000)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port


class ThrowawayDatabase:
    """A PostgreSQL database made for one test run and dropped after it."""

    def __init__(self, admin_url: str = POSTGRES_ADMIN_URL) -> None:
        self.name = f"illustra_test_{uuid.uuid4().hex[:12]}"
        self.admin_url = admin_url
        self.url = f"{admin_url.rsplit('/', 1)[0]}/{self.name}"

    def _admin(self, statement: sql.Composable) -> None:
        connection = psycopg2.connect(self.admin_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def create(self) -> ThrowawayDatabase:
        self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        return self

    def drop(self) -> None:
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))

    def execute(self, statement: str, params: tuple = ()) -> list[tuple]:
        connection = psycopg2.connect(self.url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()


def illustra(*args: str) -> list[str]:
    return [sys.executable, "-m", "illustra", *args]


class Processes:
    """Service processes, each leading its own process group, with their output in ``log_dir``."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir = log_dir
        self.env = env
        # Variables of one process only, by its name (such as its own DATABASE_URL).
        self.process_env: dict[str, dict[str, str]] = {}
        self.processes: dict[str, subprocess.Popen] = {}

    def start_process(self, name: str, command: list[str]) -> None:
        with open(self.log_dir / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                command,
                env={**self.env, **self.process_env.get(name, {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}: {self.log(name)[-2000:]}")

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)


class Stack(Processes):
    """Gateway, status service, extractor and edge as real processes on a throwaway database and broker namespace."""

    def __init__(
        self,
        log_dir: Path,
        extra_env: dict[str, str] | None = None,
        *,
        postgres_admin_url: str = POSTGRES_ADMIN_URL,
        redis_url: str = REDIS_URL,
    ) -> None:
        self.database = ThrowawayDatabase(postgres_admin_url).create()
        self.redis_url = redis_url
        self.namespace = f"illustra-test-{uuid.uuid4().hex[:8]}"
        # A queue of its own, so that test runs sharing a RabbitMQ never take each other's messages.
        self.queue = self.namespace
        self.ports = {name: free_port() for name in ("gateway", "status", "edge")}
        env = {
            **os.environ,
            "ILLUSTRA_ENV": "test",
            "DATABASE_URL": self.database.url,
            "REDIS_URL": redis_url,
            "BROKER_NAMESPACE": self.namespace,
            "ILLUSTRA_QUEUE": self.queue,
            "STAGE_MIN_BACKOFF_S": "0.05",
            "STAGE_MAX_BACKOFF_S": "0.2",
            "WORKER_PROCESSES": "1",
            "WORKER_THREADS": "2",
            "WEB_WORKERS": "1",
            "LOG_LEVEL": "INFO",
            **(extra_env or {}),
        }
        super().__init__(log_dir, env)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.ports['edge']}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self) -> Stack:
        subprocess.run(illustra("migrate"), env=self.env, check=True, capture_output=True)
        self.start_process(
            "gateway", illustra("serve", "gateway", "--bind", f"127.0.0.1:{self.ports['gateway']}")
        )
        self.start_process(
            "status", illustra("serve", "status", "--bind", f"127.0.0.1:{self.ports['status']}")
        )
        self.start_process(
            "edge",
            illustra(
                "serve",
                "edge",
                "--bind",
                f"127.0.0.1:{self.ports['edge']}",
                "--gateway",
                self.url("gateway"),
                "--status",
                self.url("status"),
            ),
        )
        self.start_extractor()
        for service in ("gateway", "status", "edge"):
            wait_until(lambda s=service: self._ready(s), 30, f"{service} to answer /readyz or /healthz")
        return self

    def start_extractor(self, name: str = "extractor") -> None:
        self.start_process(name, illustra("worker"))

    def _ready(self, service: str) -> bool:
        path = "/healthz" if service == "edge" else "/readyz"
        self.check_alive()
        return requests.get(self.url(service) + path, timeout=2).status_code == 200

    def stop(self) -> None:
        self.stop_all()
        client = redis.Redis.from_url(self.redis_url)
        keys = list(client.scan_iter(f"{self.namespace}*"))
        if keys:
            client.delete(*keys)
        if self.env.get("BROKER_URL", "").startswith("amqp"):
            connection = pika.BlockingConnection(pika.URLParameters(self.env["BROKER_URL"]))
            channel = connection.channel()
            for queue in (self.queue, f"{self.queue}.bulk"):
                for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                    channel.queue_delete(name)
            connection.close()
        self.database.drop()

    # -- the API, through the one origin ---------------------------------------------------------------------

    def submit(self, text: str, file_name: str = "proposal.pdf", user_id: int = 1) -> int:
        answer = requests.post(
            f"{self.origin}/api/ocr/save/",
            json={"file_name": file_name, "ocr_content": text, "user_id": user_id},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == "success" and body["message"] == "保存成功", body
        return body["document_id"]

    def status(self, document_id: int) -> dict[str, Any]:
        answer = requests.get(f"{self.origin}/api/ocr/documents/{document_id}/status/", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    def document(self, document_id: int) -> dict[str, Any]:
        answer = requests.get(f"{self.origin}/api/ocr/documents/{document_id}/", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    def wait_finished(self, document_id: int, timeout: float = 30) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            self.check_alive()
            data = self.status(document_id)
            return data if data["processing_stage"] in ("all_completed", "error") else None

        return wait_until(finished, timeout, f"document {document_id} to finish")


class PrivateRedis:
    """A Redis server of the test's own on a free port, which the test may restart empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        wait_until(client.ping, 10, "the private Redis to answer")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart_empty(self) -> None:
        """What a Redis without persistence does when it restarts: every queued message is gone."""
        self.stop()
        self.start()


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own on a free port, which the test may restart. PostgreSQL refuses to
    run as root, so the cluster belongs to the ``postgres`` user."""

    def __init__(self) -> None:
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not binaries:
            raise AssertionError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = binaries[-1].parent
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="illustra-pg-", dir="/tmp"))
        shutil.chown(self.directory, "postgres", "postgres")

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=120
        )

    def start(self) -> PrivatePostgres:
        data = self.directory / "data"
        if not data.exists():
            self._as_postgres(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.directory / "log"),
            "start",
        )
        return self

    def stop(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "stop"
        )

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class PrivatePrometheus:
    """A Prometheus server of the test's own (the ``prometheus`` Debian package), scraping ``jobs`` (job name →
    ``host:port`` targets) and evaluating ``rule_files`` every half second."""

    def __init__(self, directory: Path, jobs: dict[str, list[str]], rule_files: list[Path]) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            raise AssertionError("prometheus is not installed: apt-get install -y prometheus")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.config = {
            "global": {"scrape_interval": "500ms", "scrape_timeout": "450ms", "evaluation_interval": "500ms"},
            "rule_files": [str(path) for path in rule_files],
            "scrape_configs": [
                {"job_name": job, "static_configs": [{"targets": targets}]} for job, targets in jobs.items()
            ],
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivatePrometheus:
        config_file = self.directory / "prometheus.yml"
        config_file.write_text(json.dumps(self.config))  # JSON is YAML
        with open(self.directory / "prometheus.log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={config_file}",
                    f"--storage.tsdb.path={self.directory / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._ready, 60, "Prometheus to be ready")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            log = (self.directory / "prometheus.log").read_text(errors="replace")
            raise AssertionError(f"prometheus exited with {self.process.returncode}: {log[-2000:]}")
        return requests.get(f"http://127.0.0.1:{self.port}/-/ready", timeout=2).status_code == 200

    def api(self, path: str, **params: str) -> Any:
        answer = requests.get(f"http://127.0.0.1:{self.port}/api/v1/{path}", params=params, timeout=10)
        answer.raise_for_status()
        return answer.json()["data"]

    def query(self, expr: str) -> dict[tuple[tuple[str, str], ...], float]:
        """An instant query's result: each series' labels (sorted pairs, without __name__) and its value."""
        return {
            tuple(sorted((k, v) for k, v in series["metric"].items() if k != "__name__")): float(
                series["value"][1]
            )
            for series in self.api("query", query=expr)["result"]
        }

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
