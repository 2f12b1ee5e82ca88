"""The gateway and status apps in process, on SQLite and the stub broker: validation, codes and the message the
gateway enqueues. The same apps run as real processes on PostgreSQL and Redis in tests/integration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from falcon import testing

from illustra_gateway.app import create_app as create_gateway_app
from illustra_shared.broker import create_broker
from illustra_shared.database import open_database
from illustra_shared.migrate import migrate
from illustra_shared.models import Document
from illustra_shared.settings import Settings
from illustra_status.app import create_app as create_status_app

NOW = datetime(2025, 1, 10, 8, 30, 0)


@pytest.fixture
def apps(tmp_path) -> Iterator[tuple[testing.TestClient, testing.TestClient, object, Settings]]:
    settings = Settings.from_env({"MAX_BODY_BYTES": "2048", "ILLUSTRA_ENV": "test"})
    settings = settings.model_copy(update={"broker_url": "stub://"})
    database = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(database)
    broker = create_broker(settings)
    gateway = testing.TestClient(
        create_gateway_app(settings, database=database, broker=broker, clock=lambda: NOW)
    )
    status = testing.TestClient(create_status_app(settings, database=database, broker=broker))
    yield gateway, status, broker, settings
    database.close()


def test_a_saved_document_is_stored_pending_and_its_first_stage_enqueued_by_id(apps) -> None:
    gateway, status, broker, settings = apps
    answer = gateway.simulate_post(
        "/api/ocr/save/", json={"file_name": " a.pdf ", "ocr_content": "受保人:陳大文", "user_id": 9}
    )
    assert answer.status_code == 200
    document_id = answer.json["document_id"]
    assert answer.json == {"status": "success", "message": "保存成功", "document_id": document_id}

    queued = broker.queues[settings.queue_name]
    assert queued.qsize() == 1
    message = json.loads(queued.get_nowait())
    assert message["actor_name"] == "extract_basic_info" and message["args"] == [document_id]
    assert "陳大文" not in json.dumps(message, ensure_ascii=False)  # the message never carries the text

    document = Document.get_by_id(document_id)
    assert (document.file_name, document.user_id, document.processing_stage) == ("a.pdf", 9, "pending")

    shown = status.simulate_get(f"/api/ocr/documents/{document_id}/status/")
    assert shown.json == {
        "status": "success",
        "data": {
            "processing_stage": "pending",
            "progress_percentage": 0,
            "last_processed_at": "2025-01-10T08:30:00.000Z",
            "status": "pending",
            "error_message": None,
        },
    }
    detail = status.simulate_get(f"/api/ocr/documents/{document_id}/").json["data"]
    assert detail["basic_info"] is None and detail["value_table"] is None and detail["summary"] is None
    assert detail["stage_attempts"] == [] and "ocr_content" not in detail
    with_text = status.simulate_get(f"/api/ocr/documents/{document_id}/", params={"include_text": "true"})
    assert with_text.json["data"]["ocr_content"] == "受保人:陳大文"


def test_the_body_limit_is_the_configured_one(apps) -> None:
    gateway, *_ = apps
    body = json.dumps({"file_name": "a", "ocr_content": "x" * 3000, "user_id": 1})
    answer = gateway.simulate_post("/api/ocr/save/", body=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "2048 bytes" in answer.json["message"]
    assert Document.select().count() == 0


def test_unknown_routes_and_wrong_methods_answer_in_json(apps) -> None:
    gateway, status, *_ = apps
    assert gateway.simulate_get("/nowhere").json == {"status": "error", "message": "404 Not Found"}
    wrong_method = gateway.simulate_get("/api/ocr/save/")
    assert wrong_method.status_code == 405 and wrong_method.json["status"] == "error"
    assert status.simulate_get("/api/ocr/documents/12/status/").status_code == 404
