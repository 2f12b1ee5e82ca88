"""Bad input gets its status code and a JSON message, and leaves nothing behind."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator

import pytest
import requests

from ..support import Processes, Stack, free_port, illustra, wait_until

pytestmark = pytest.mark.integration


def _document_count(stack: Stack) -> int:
    return stack.database.execute("SELECT count(*) FROM documents")[0][0]


def _post_raw(stack: Stack, body: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(
        f"{stack.origin}/api/ocr/save/", data=body, headers={"Content-Type": content_type}, timeout=30
    )


def _valid(**changes) -> dict:
    body = {"file_name": "a.pdf", "ocr_content": "受保人:陳大文", "user_id": 1}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"", 400, "empty"),
        (b"[1, 2]", 400, "JSON object"),
        (b"\xff\xfe", 400, "not valid JSON"),
        (json.dumps(_valid(ocr_content=123)).encode(), 400, "ocr_content must be a string"),
        (json.dumps(_valid(file_name=["a"])).encode(), 400, "file_name must be a string"),
        (json.dumps(_valid(user_id="abc")).encode(), 400, "user_id must be a positive integer"),
        (json.dumps(_valid(user_id=True)).encode(), 400, "user_id must be a positive integer"),
        (json.dumps(_valid(user_id=-3)).encode(), 400, "user_id must be a positive integer"),
        (json.dumps(_valid(ocr_content=...)).encode(), 422, "ocr_content is required"),
        (json.dumps(_valid(ocr_content="   \n")).encode(), 422, "ocr_content is required"),
        (json.dumps(_valid(file_name="")).encode(), 422, "file_name is required"),
        (json.dumps(_valid(user_id=...)).encode(), 422, "user_id is required"),
    ],
)
def test_a_malformed_submission_is_refused_with_its_code_and_stores_nothing(
    stack: Stack, body: bytes, status: int, fragment: str
) -> None:
    before = _document_count(stack)
    answer = _post_raw(stack, body)
    assert answer.status_code == status, answer.text
    assert answer.json()["status"] == "error"
    assert fragment in answer.json()["message"]
    assert _document_count(stack) == before


def test_a_body_over_the_limit_is_refused_with_413(stack: Stack) -> None:
    before = _document_count(stack)
    oversized = json.dumps(_valid(ocr_content="x" * (10 * 1024 * 1024))).encode()
    answer = _post_raw(stack, oversized)
    assert answer.status_code == 413
    assert answer.json() == {
        "status": "error",
        "message": f"request body is larger than the limit of {10 * 1024 * 1024} bytes",
    }
    assert _document_count(stack) == before


def test_a_user_id_sent_as_digits_is_accepted(stack: Stack) -> None:
    answer = _post_raw(stack, json.dumps(_valid(user_id="15")).encode())
    assert answer.status_code == 200 and answer.json()["document_id"] > 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/ocr/documents/987654321/status/",
        "/api/ocr/documents/987654321/",
        "/api/ocr/documents/abc/status/",
        "/api/ocr/documents/-1/status/",
        "/api/ocr/documents/0/",
        "/api/ocr/documents/9223372036854775807/status/",  # the largest id there can be
        "/api/ocr/documents/9223372036854775808/status/",  # past it: no query is made
        "/api/ocr/documents/9223372036854775808/",
        "/api/ocr/nothing-here/",
    ],
)
def test_an_unknown_or_non_numeric_document_is_404_json(stack: Stack, path: str) -> None:
    answer = requests.get(stack.origin + path, timeout=10)
    assert answer.status_code == 404
    assert answer.json()["status"] == "error" and answer.json()["message"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "user_id is required"),
        ({"user_id": "x"}, "user_id must be a positive integer"),
        ({"user_id": 1, "page_size": 1000}, "page_size must be at most 100"),
        ({"user_id": 1, "page": 0}, "page must be a positive integer"),
    ],
)
def test_a_bad_listing_query_is_400(stack: Stack, params: dict, fragment: str) -> None:
    answer = requests.get(f"{stack.origin}/api/ocr/documents/", params=params, timeout=10)
    assert answer.status_code == 400 and fragment in answer.json()["message"]


@pytest.fixture
def lone_gateway(tmp_path) -> Iterator[Callable[[str, str], str]]:
    """Starts a gateway process with its own database and broker URLs (dead ones); stopped after the test."""
    processes = Processes(tmp_path, {})

    def start(database_url: str, redis_url: str) -> str:
        port = free_port()
        processes.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BROKER_NAMESPACE": "illustra-test-dead",
            "WEB_WORKERS": "1",
        }
        processes.start_process("gateway", illustra("serve", "gateway", "--bind", f"127.0.0.1:{port}"))
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: requests.get(url + "/healthz", timeout=2).status_code == 200, 30, "gateway to start"
        )
        return url

    yield start
    processes.stop_all()


def test_a_dead_database_gives_503_and_not_ready(lone_gateway, stack: Stack) -> None:
    url = lone_gateway(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", "redis://127.0.0.1:6379/0")
    answer = requests.post(url + "/api/ocr/save/", json=_valid(), timeout=30)
    assert answer.status_code == 503 and answer.json()["status"] == "error"
    ready = requests.get(url + "/readyz", timeout=30)
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unavailable")


def test_a_dead_broker_gives_503_and_leaves_no_document(lone_gateway, stack: Stack) -> None:
    url = lone_gateway(stack.database.url, f"redis://127.0.0.1:{free_port()}/0")
    before = _document_count(stack)
    answer = requests.post(url + "/api/ocr/save/", json=_valid(), timeout=30)
    assert answer.status_code == 503 and "unavailable" in answer.json()["message"]
    assert _document_count(stack) == before
    ready = requests.get(url + "/readyz", timeout=30)
    assert ready.status_code == 503 and ready.json()["checks"] == {
        "database": "ok",
        "broker": "unavailable: ConnectionError",
    }
