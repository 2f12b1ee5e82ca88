"""The Celery tasks: basic information -> value table -> summary, each chained by ``.delay()`` at its end.

Every task does what the Django tasks did: open a new database connection (``CONN_MAX_AGE = 0``), mark the
document's stage as running (one autocommitted UPDATE), read what it needs, run the SAME extraction function as
illustra, store its result, mark the stage completed, close the connection, then ``.delay()`` the next task. A
failure is retried twice with a countdown; after that the document is marked ``error``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg2
from celery import Celery, Task
from psycopg2.extras import execute_values

from illustra_extractor import extraction
from illustra_extractor.extraction.types import (
    BASIC_FIELDS,
    ROW_FIELDS,
    SUMMARY_FIELDS,
    BasicInfo,
    ValueTable,
)
from illustra_extractor.llm.prompts import build_messages

from .schema import DOCUMENT_TABLE

DATABASE_URL = os.environ.get(
    "CELERY_BASELINE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/celery_baseline"
)
QUEUE = os.environ.get("CELERY_BASELINE_QUEUE", "ocr")
# A model to ask once per task (``bench/llm_scale.py``'s stand-in), as the Celery design did in production;
# unset, the tasks make no call.
LLM_BASE_URL = os.environ.get("CELERY_BASELINE_LLM_BASE_URL")

app = Celery(
    "celery_baseline", broker=os.environ.get("CELERY_BASELINE_BROKER_URL", "redis://127.0.0.1:6379/14")
)
app.conf.update(
    task_default_queue=QUEUE,
    task_ignore_result=True,  # results live in PostgreSQL, written by the tasks
    task_serializer="json",
    accept_content=["json"],
    worker_max_tasks_per_child=50,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)

PROGRESS = {
    "extracting_basic_info": 20,
    "basic_info_completed": 33,
    "extracting_table": 50,
    "table_completed": 66,
    "extracting_summary": 80,
    "all_completed": 100,
}
MAX_RETRIES = 2


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def task_cursor() -> Iterator[Any]:
    """A new connection for the task, in autocommit like Django's default, closed at the end."""
    connection = psycopg2.connect(DATABASE_URL)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def set_stage(cursor: Any, document_id: int, stage: str) -> None:
    cursor.execute(
        f"UPDATE {DOCUMENT_TABLE} SET processing_stage = %s, progress_percentage = %s, status = %s,"
        " last_processed_at = %s WHERE id = %s",
        (
            stage,
            PROGRESS[stage],
            "completed" if stage == "all_completed" else "processing",
            utcnow(),
            document_id,
        ),
    )


def ocr_content(cursor: Any, document_id: int) -> str:
    cursor.execute(f"SELECT ocr_content FROM {DOCUMENT_TABLE} WHERE id = %s", (document_id,))
    return cursor.fetchone()[0]


def load_basic_info(cursor: Any, document_id: int) -> BasicInfo:
    cursor.execute("SELECT data FROM ocr_basicinfo WHERE document_id = %s", (document_id,))
    return BasicInfo.from_json(json.loads(cursor.fetchone()[0]))


def load_value_table(cursor: Any, document_id: int) -> ValueTable:
    cursor.execute("SELECT issues FROM ocr_valuetable WHERE document_id = %s", (document_id,))
    issues = json.loads(cursor.fetchone()[0])
    cursor.execute(
        "SELECT data FROM ocr_valuetablerow WHERE document_id = %s ORDER BY policy_year", (document_id,)
    )
    return ValueTable.from_json({"rows": [json.loads(row[0]) for row in cursor.fetchall()], "issues": issues})


def ask_model(stage: str, text: str) -> None:
    """One chat completion about the whole text, made inside the task while it holds its connection (the reply
    is not used: what is measured is the shape, one call per task and four tasks at a time)."""
    if not LLM_BASE_URL:
        return
    import openai

    keys = {"basic_info": BASIC_FIELDS, "value_table": ROW_FIELDS, "summary": SUMMARY_FIELDS}[stage]
    client = openai.OpenAI(base_url=LLM_BASE_URL, api_key="bench", max_retries=0, timeout=600)
    client.chat.completions.create(
        model="fake",
        messages=build_messages(stage, keys, text, part=f"characters 0-{len(text)} of {len(text)}"),
        response_format={"type": "json_object"},
    )


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def fail_or_retry(task: Task, document_id: int, label: str, error: Exception) -> None:
    if task.request.retries < MAX_RETRIES:
        raise task.retry(exc=error, countdown=5 * 2**task.request.retries)
    with task_cursor() as cursor:
        cursor.execute(
            f"UPDATE {DOCUMENT_TABLE} SET processing_stage = 'error', status = 'error', error_message = %s,"
            " last_processed_at = %s WHERE id = %s",
            (f"{label} failed after {MAX_RETRIES + 1} attempts: {error}", utcnow(), document_id),
        )
    raise error


@app.task(bind=True, name="ocr.extract_basic_info", max_retries=MAX_RETRIES)
def extract_basic_info_task(self: Task, document_id: int) -> None:
    try:
        with task_cursor() as cursor:
            set_stage(cursor, document_id, "extracting_basic_info")
            text = ocr_content(cursor, document_id)
            basic = extraction.extract_basic_info(text)
            ask_model("basic_info", text)
            cursor.execute(
                "INSERT INTO ocr_basicinfo (document_id, data) VALUES (%s, %s) ON CONFLICT (document_id)"
                " DO UPDATE SET data = EXCLUDED.data",
                (document_id, dumps(basic.to_json())),
            )
            set_stage(cursor, document_id, "basic_info_completed")
    except Exception as error:
        fail_or_retry(self, document_id, "basic information", error)
    extract_value_table_task.delay(document_id)


@app.task(bind=True, name="ocr.extract_value_table", max_retries=MAX_RETRIES)
def extract_value_table_task(self: Task, document_id: int) -> None:
    try:
        with task_cursor() as cursor:
            set_stage(cursor, document_id, "extracting_table")
            text = ocr_content(cursor, document_id)
            table = extraction.extract_value_table(text, load_basic_info(cursor, document_id)).to_json()
            ask_model("value_table", text)
            cursor.execute("DELETE FROM ocr_valuetablerow WHERE document_id = %s", (document_id,))
            if table["rows"]:
                execute_values(
                    cursor,
                    "INSERT INTO ocr_valuetablerow (document_id, policy_year, data) VALUES %s",
                    [(document_id, row["values"]["policy_year"], dumps(row)) for row in table["rows"]],
                )
            cursor.execute(
                "INSERT INTO ocr_valuetable (document_id, issues) VALUES (%s, %s) ON CONFLICT (document_id)"
                " DO UPDATE SET issues = EXCLUDED.issues",
                (document_id, dumps(table["issues"])),
            )
            set_stage(cursor, document_id, "table_completed")
    except Exception as error:
        fail_or_retry(self, document_id, "value table", error)
    extract_summary_task.delay(document_id)


@app.task(bind=True, name="ocr.extract_summary", max_retries=MAX_RETRIES)
def extract_summary_task(self: Task, document_id: int) -> None:
    try:
        with task_cursor() as cursor:
            set_stage(cursor, document_id, "extracting_summary")
            text = ocr_content(cursor, document_id)
            summary = extraction.extract_summary(
                text, load_basic_info(cursor, document_id), load_value_table(cursor, document_id)
            )
            ask_model("summary", text)
            cursor.execute(
                "INSERT INTO ocr_summary (document_id, data) VALUES (%s, %s) ON CONFLICT (document_id)"
                " DO UPDATE SET data = EXCLUDED.data",
                (document_id, dumps(summary.to_json())),
            )
            set_stage(cursor, document_id, "all_completed")
    except Exception as error:
        fail_or_retry(self, document_id, "plan summary", error)
