"""The Django save view as a plain WSGI app (served by gunicorn sync workers): ``POST /api/ocr/save/`` validates
the JSON body, inserts the document on a new connection (``CONN_MAX_AGE = 0``) and ``.delay()``s the first task."""

from __future__ import annotations

import json
from typing import Any

import psycopg2

from .schema import DOCUMENT_TABLE
from .tasks import DATABASE_URL, extract_basic_info_task, utcnow

SAVE_PATH = "/api/ocr/save/"


def _answer(start_response: Any, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _validate(body: Any) -> tuple[str, str, int] | str:
    if not isinstance(body, dict):
        return "body must be a JSON object"
    file_name, text, user_id = body.get("file_name"), body.get("ocr_content"), body.get("user_id")
    if not isinstance(file_name, str) or not file_name.strip() or len(file_name) > 255:
        return "file_name is required"
    if not isinstance(text, str) or not text.strip():
        return "ocr_content is required"
    if isinstance(user_id, str) and user_id.isdecimal():
        user_id = int(user_id)
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id < 1:
        return "user_id must be a positive integer"
    return file_name, text, user_id


def application(environ: dict, start_response: Any) -> list[bytes]:
    if environ.get("PATH_INFO") != SAVE_PATH:
        return _answer(start_response, "404 Not Found", {"status": "error", "message": "not found"})
    if environ.get("REQUEST_METHOD") != "POST":
        return _answer(start_response, "405 Method Not Allowed", {"status": "error", "message": "use POST"})
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length))
    except ValueError:
        return _answer(start_response, "400 Bad Request", {"status": "error", "message": "invalid JSON"})
    submission = _validate(body)
    if isinstance(submission, str):
        return _answer(start_response, "422 Unprocessable Entity", {"status": "error", "message": submission})
    file_name, text, user_id = submission
    now = utcnow()
    connection = psycopg2.connect(DATABASE_URL)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {DOCUMENT_TABLE} (user_id, file_name, ocr_content, created_at, last_processed_at)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (user_id, file_name, text, now, now),
            )
            document_id = cursor.fetchone()[0]
    finally:
        connection.close()
    extract_basic_info_task.delay(document_id)
    return _answer(
        start_response, "200 OK", {"status": "success", "message": "保存成功", "document_id": document_id}
    )
