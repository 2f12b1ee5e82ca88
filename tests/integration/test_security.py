"""With ILLUSTRA_AUTH=required: tokens from ``illustra token``, 401 without a valid one, the token's user only,
another user's documents answered as missing on every route, per-user submission limits, retry of a failed
document from its failed stage."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
import requests

from ..support import EXAMPLES_DIR, Stack, illustra, wait_until

pytestmark = pytest.mark.integration

SAMPLE = (EXAMPLES_DIR / "hk_savings_plan.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def secured(tmp_path_factory) -> Iterator[Stack]:
    running = Stack(
        tmp_path_factory.mktemp("secured"),
        {"ILLUSTRA_AUTH": "required", "ILLUSTRA_SUBMIT_LIMIT": "4", "ILLUSTRA_TOKEN_CACHE_S": "0.2"},
    ).start()
    try:
        yield running
    finally:
        running.stop()


def issue(stack: Stack, user_id: int) -> str:
    result = subprocess.run(
        illustra("token", "create", str(user_id), "--label", "tests"),
        env=stack.env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def call(stack: Stack, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, stack.origin + path, headers=headers, timeout=10, **kwargs)


def save(stack: Stack, token: str | None, **body) -> requests.Response:
    return call(
        stack, "POST", "/api/ocr/save/", token, json={"file_name": "p.txt", "ocr_content": SAMPLE, **body}
    )


def test_every_api_route_wants_a_valid_token_and_health_page_and_description_do_not(secured: Stack) -> None:
    for token in (None, "ilt_not-a-real-token"):
        for method, path in [
            ("POST", "/api/ocr/save/"),
            ("GET", "/api/ocr/documents/1/status/"),
            ("GET", "/api/ocr/documents/1/"),
            ("GET", "/api/ocr/documents/?user_id=1"),
            ("POST", "/api/ocr/documents/1/retry/"),
        ]:
            answer = call(secured, method, path, token, json={})
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.headers["WWW-Authenticate"] == "Bearer" and answer.json()["status"] == "error"
    for path in ("/healthz", "/readyz", "/", "/openapi.json"):
        assert call(secured, "GET", path).status_code == 200, path


def test_a_user_reads_only_their_own_documents(secured: Stack) -> None:
    alice, bob = issue(secured, 101), issue(secured, 202)
    assert save(secured, alice, user_id=202).status_code == 403  # the token's user, never the body's
    document_id = save(secured, alice).json()["document_id"]
    assert save(secured, alice, user_id=101).status_code == 200

    for path in (f"/api/ocr/documents/{document_id}/status/", f"/api/ocr/documents/{document_id}/"):
        assert call(secured, "GET", path, alice).status_code == 200
        hidden = call(secured, "GET", path, bob)
        assert (
            hidden.status_code == 404 and hidden.json()["message"] == f"document {document_id} does not exist"
        )
    assert call(secured, "POST", f"/api/ocr/documents/{document_id}/retry/", bob).status_code == 404

    assert call(secured, "GET", "/api/ocr/documents/?user_id=101", bob).status_code == 403
    own = call(secured, "GET", "/api/ocr/documents/", bob).json()
    assert own["data"] == [] and own["pagination"]["total"] == 0
    assert {d["user_id"] for d in call(secured, "GET", "/api/ocr/documents/", alice).json()["data"]} == {101}


def test_a_revoked_token_stops_working(secured: Stack) -> None:
    token = issue(secured, 303)
    assert call(secured, "GET", "/api/ocr/documents/", token).status_code == 200
    listing = subprocess.run(
        illustra("token", "list", "--user-id", "303"), env=secured.env, capture_output=True, text=True
    )
    token_id = listing.stdout.split()[0]
    assert token not in listing.stdout  # only ids are listed, never tokens
    revoked = subprocess.run(
        illustra("token", "revoke", token_id), env=secured.env, capture_output=True, text=True
    )
    assert revoked.returncode == 0
    wait_until(
        lambda: call(secured, "GET", "/api/ocr/documents/", token).status_code == 401,
        5,
        "the revocation to apply",
    )
    stored = secured.database.execute("SELECT token_sha256 FROM api_tokens WHERE id = %s", (int(token_id),))
    assert stored[0][0] != token and len(stored[0][0]) == 64


def test_submissions_over_the_per_user_limit_get_429_with_retry_after(secured: Stack) -> None:
    token = issue(secured, 404)
    answers = [save(secured, token) for _ in range(6)]
    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert answers[4].status_code == 429 and int(answers[4].headers["Retry-After"]) >= 1
    assert "too many documents" in answers[4].json()["message"]
    other = issue(secured, 405)
    assert save(secured, other).status_code == 200  # the limit is per user


def test_retry_restarts_a_failed_document_from_its_failed_stage(tmp_path) -> None:
    stack = Stack(tmp_path).start()
    try:
        stack.database.execute("ALTER TABLE summary_results RENAME TO summary_results_away")
        document_id = stack.submit(SAMPLE)
        assert stack.wait_finished(document_id)["processing_stage"] == "error"
        assert (
            call(stack, "POST", f"/api/ocr/documents/{stack.submit(SAMPLE) + 1000}/retry/").status_code == 404
        )

        stack.database.execute("ALTER TABLE summary_results_away RENAME TO summary_results")
        answer = call(stack, "POST", f"/api/ocr/documents/{document_id}/retry/")
        assert answer.status_code == 200 and answer.json()["document_id"] == document_id
        assert stack.wait_finished(document_id)["processing_stage"] == "all_completed"
        stages = [(a["stage"], a["outcome"]) for a in stack.document(document_id)["stage_attempts"]]
        assert stages.count(("basic_info", "success")) == 1 and stages.count(("value_table", "success")) == 1
        assert stages[-1] == ("summary", "success") and ("summary", "failure") in stages

        again = call(stack, "POST", f"/api/ocr/documents/{document_id}/retry/")
        assert again.status_code == 409 and "not in error" in again.json()["message"]
    finally:
        stack.stop()
