"""Each service as its own PostgreSQL role with the grants of deploy/postgres/roles.sql: the pipeline runs, the
status service reads and deletes but cannot change a document."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg2
import pytest
import requests

from ..support import EXAMPLES_DIR, POSTGRES_ADMIN_URL, PROJECT_DIR, Stack

pytestmark = pytest.mark.integration

SERVICES = ("gateway", "status", "extractor")


@pytest.fixture(scope="module")
def roles_stack(tmp_path_factory) -> Iterator[tuple[Stack, dict[str, str]]]:
    stack = Stack(tmp_path_factory.mktemp("roles"))
    # Roles belong to the whole server: names of this run's own, dropped at the end.
    suffix = uuid.uuid4().hex[:8]
    roles = {service: f"illustra_{service}_{suffix}" for service in SERVICES}
    grants = (PROJECT_DIR / "deploy" / "postgres" / "roles.sql").read_text()
    for service, role in roles.items():
        grants = grants.replace(f"illustra_{service}", role)
    urls = {
        service: stack.database.url.replace("postgres@", f"{role}@", 1) for service, role in roles.items()
    }
    for role in roles.values():
        stack.database.execute(f"CREATE ROLE {role} LOGIN")
    try:
        stack.process_env = {service: {"DATABASE_URL": url} for service, url in urls.items()}
        stack.start()  # migrates as the owner first
        stack.database.execute(grants)
        yield stack, urls
    finally:
        stack.stop()  # drops the database, and with it the grants
        admin = psycopg2.connect(POSTGRES_ADMIN_URL)
        admin.autocommit = True
        with admin, admin.cursor() as cursor:
            for role in roles.values():
                cursor.execute(f"DROP ROLE IF EXISTS {role}")
        admin.close()


def test_the_services_work_as_their_own_roles_and_status_cannot_write(roles_stack) -> None:
    stack, urls = roles_stack
    document_id = stack.submit((EXAMPLES_DIR / "hk_savings_plan.txt").read_text(encoding="utf-8"))
    assert stack.wait_finished(document_id, timeout=60)["processing_stage"] == "all_completed"
    assert stack.document(document_id)["basic_info"]["insured_name"] == "黃志強"

    connection = psycopg2.connect(urls["status"])
    try:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege), connection.cursor() as cursor:
            cursor.execute("UPDATE documents SET file_name = 'x' WHERE id = %s", (document_id,))
    finally:
        connection.close()

    answer = requests.delete(f"{stack.origin}/api/ocr/documents/{document_id}/", timeout=10)
    assert answer.status_code == 200, answer.text
    assert stack.database.execute(
        "SELECT count(*) FROM stage_attempts WHERE document_id = %s", (document_id,)
    ) == [(0,)]
