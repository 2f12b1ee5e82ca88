"""The whole pipeline through PgBouncer in transaction mode (Debian's ``pgbouncer``), which gives each transaction
whichever server connection is free: nothing may outlive a transaction on it (``?pooler=transaction``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.support import POSTGRES_ADMIN_URL, Stack, free_port, wait_until

pytestmark = pytest.mark.integration

SERVER_CONNECTIONS = 3


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def pgbouncer() -> Iterator[int]:
    """A private PgBouncer in transaction mode in front of the test PostgreSQL, at most SERVER_CONNECTIONS server
    connections per database; its port."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.path.exists(binary):
        pytest.fail("pgbouncer is not installed: apt-get install -y --no-install-recommends pgbouncer")
    server = psycopg2.extensions.parse_dsn(POSTGRES_ADMIN_URL)
    port = free_port()
    # PgBouncer will not run as root: it then drops to the postgres user, who must be able to read its files.
    folder = Path(tempfile.mkdtemp(prefix="illustra-pgbouncer-"))
    folder.chmod(0o755)
    (folder / "users.txt").write_text(f'"{server.get("user", "postgres")}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={server.get('host', '127.0.0.1')} port={server.get('port', '5432')}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\nadmin_users = {server.get('user', 'postgres')}\n"
        f"pool_mode = transaction\ndefault_pool_size = {SERVER_CONNECTIONS}\nmax_client_conn = 200\n"
    )
    for path in folder.iterdir():
        path.chmod(0o644)
    command = [binary, *(["-u", "postgres"] if os.geteuid() == 0 else []), str(folder / "pgbouncer.ini")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: process.poll() is not None or _accepts(port), 10, "pgbouncer to listen")
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        yield port
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_pipeline_runs_through_pgbouncer_in_transaction_mode(pgbouncer: int, tmp_path: Path) -> None:
    stack = Stack(tmp_path, extra_env={"WORKER_THREADS": "8"})
    server = psycopg2.extensions.parse_dsn(POSTGRES_ADMIN_URL)
    user = server.get("user", "postgres")
    stack.env["DATABASE_URL"] = (
        f"postgresql://{user}@127.0.0.1:{pgbouncer}/{stack.database.name}?pooler=transaction"
    )
    stack.start()
    try:
        texts = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.txt"))
        ids = [stack.submit(path.read_text(encoding="utf-8")) for path in texts]
        for document_id in ids:
            assert stack.wait_finished(document_id, timeout=60)["processing_stage"] == "all_completed"
            document = stack.document(document_id)
            assert document["basic_info"] and document["value_table"] and document["summary"]
        # It all went through PgBouncer, on at most its few server connections.
        admin = psycopg2.connect(f"postgresql://{user}@127.0.0.1:{pgbouncer}/pgbouncer")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SHOW STATS")
            names = [column.name for column in cursor.description]
            stats = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
        admin.close()
        assert stats[stack.database.name]["total_xact_count"] > 10 * len(ids)
        connections = stack.database.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert connections[0][0] <= SERVER_CONNECTIONS
    finally:
        stack.stop()
