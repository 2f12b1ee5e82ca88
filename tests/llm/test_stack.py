"""EXTRACTOR_MODE=llm in the real stack (gateway, worker, status on PostgreSQL and Redis), with the fake server."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support import Stack, illustra, wait_until

from .documents import EXAMPLES, HK
from .fake_openai_server import INVENTED_KEY_POINT, INVENTED_NAME, FakeOpenAIServer
from .support import API_KEY

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def llm_stack(fake_server: FakeOpenAIServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    extra_env = {
        "EXTRACTOR_MODE": "llm",
        "LLM_API_KEY": API_KEY,
        "LLM_BASE_URL": fake_server.base_url,
        "LLM_MAX_ATTEMPTS": "2",
        "LLM_BACKOFF_S": "0.05",
        "LLM_TIMEOUT_S": "5",
    }
    stack = Stack(tmp_path_factory.mktemp("llm-stack"), extra_env=extra_env).start()
    try:
        yield stack
    finally:
        stack.stop()


def _attempts(stack: Stack, document_id: int) -> list[dict]:
    rows = stack.database.execute(
        "SELECT stage, outcome, extractor, llm_calls, prompt_tokens, completion_tokens, notes FROM stage_attempts"
        " WHERE document_id = %s ORDER BY id",
        (document_id,),
    )
    names = ("stage", "outcome", "extractor", "llm_calls", "prompt_tokens", "completion_tokens", "notes")
    attempts = [dict(zip(names, row, strict=True)) for row in rows]
    for attempt in attempts:
        attempt["notes"] = json.loads(attempt["notes"])  # JSON kept as text
    return attempts


def test_invented_values_never_reach_the_database(llm_stack: Stack, fake: FakeOpenAIServer) -> None:
    fake.script(default={"kind": "invented"})
    document_id = llm_stack.submit(HK)
    assert llm_stack.wait_finished(document_id, timeout=60)["processing_stage"] == "all_completed"
    document = llm_stack.document(document_id)
    # The values; extraction_meta names the rejected values in its issues, which is where they belong.
    stored = json.dumps([document[k] for k in ("basic_info", "value_table", "summary")], ensure_ascii=False)
    assert "987654321" not in stored and INVENTED_NAME not in stored and INVENTED_KEY_POINT not in stored
    assert document["basic_info"]["sum_assured"] == 40000.0
    tables = llm_stack.database.execute(
        "SELECT max(total_surrender_value) FROM value_table_rows WHERE document_id = %s", (document_id,)
    )
    assert tables[0][0] == 337123.0
    attempts = _attempts(llm_stack, document_id)
    assert [a["stage"] for a in attempts] == ["basic_info", "value_table", "summary"]
    assert all(
        a["llm_calls"] == 1 and a["prompt_tokens"] > 0 and a["completion_tokens"] > 0 for a in attempts
    )
    assert "model value rejected" in " ".join(attempts[0]["notes"])
    assert "987654321" in json.dumps(document["extraction_meta"])
    assert API_KEY not in stored + json.dumps([a["notes"] for a in attempts])


def test_a_second_submission_of_the_same_text_makes_no_call(llm_stack: Stack, fake: FakeOpenAIServer) -> None:
    text = EXAMPLES["en_wealth_builder"]
    first = llm_stack.submit(text)
    assert llm_stack.wait_finished(first, timeout=60)["processing_stage"] == "all_completed"
    calls = len(fake.received())
    assert calls == 3
    second = llm_stack.submit(text)
    assert llm_stack.wait_finished(second, timeout=60)["processing_stage"] == "all_completed"
    assert len(fake.received()) == calls
    attempts = _attempts(llm_stack, second)
    assert [a["llm_calls"] for a in attempts] == [0, 0, 0]
    assert all("answered from the cache" in " ".join(a["notes"]) for a in attempts)
    assert {a["extractor"] for a in attempts} == {"llm"}
    assert llm_stack.document(second)["basic_info"] == llm_stack.document(first)["basic_info"]


def test_an_unavailable_model_still_ends_in_a_result(llm_stack: Stack, fake: FakeOpenAIServer) -> None:
    fake.script(default={"kind": "status", "status": 503})
    text = EXAMPLES["cn_annuity"] + "\n"  # not cached by an earlier test
    document_id = llm_stack.submit(text)
    assert llm_stack.wait_finished(document_id, timeout=60)["processing_stage"] == "all_completed"
    assert llm_stack.document(document_id)["basic_info"]["insured_name"]
    attempts = _attempts(llm_stack, document_id)
    assert [a["outcome"] for a in attempts] == ["success"] * 3
    assert all("server: HTTP 503" in " ".join(a["notes"]) for a in attempts)
    assert {a["extractor"] for a in attempts} == {"rules"}


def test_the_worker_log_holds_no_key(llm_stack: Stack) -> None:
    for log in Path(llm_stack.log_dir).glob("*.log"):
        assert API_KEY not in log.read_text(errors="replace")


def _cache_entries(stack: Stack, text: str) -> list[str]:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    rows = stack.database.execute("SELECT response FROM llm_cache WHERE content_sha256 = %s", (digest,))
    return [row[0] for row in rows]


def _stored_rows(stack: Stack, document_id: int) -> int:
    tables = ("documents", "stage_attempts", "basic_info_results", "value_table_rows", "summary_results")
    return sum(
        stack.database.execute(
            f"SELECT count(*) FROM {table} WHERE {'id' if table == 'documents' else 'document_id'} = %s",
            (document_id,),
        )[0][0]
        for table in tables
    )


def test_deleting_a_document_takes_its_results_attempts_and_cached_replies(
    llm_stack: Stack, fake: FakeOpenAIServer
) -> None:
    text = HK + "\n\n"  # not cached by an earlier test
    document_id = llm_stack.submit(text, user_id=5)
    assert llm_stack.wait_finished(document_id, timeout=60)["processing_stage"] == "all_completed"
    cached = _cache_entries(llm_stack, text)
    assert cached and not any("黃志強" in reply for reply in cached)  # replies are cached masked
    assert (
        llm_stack.document(document_id)["basic_info"]["insured_name"] == "黃志強"
    )  # and restored in results

    deleted = subprocess.run(
        illustra("delete", str(document_id), "--url", llm_stack.origin),
        env=llm_stack.env,
        capture_output=True,
        text=True,
    )
    assert deleted.returncode == 0 and f"document {document_id} deleted" in deleted.stdout, deleted.stderr
    url = f"{llm_stack.origin}/api/ocr/documents/{document_id}/"
    assert requests.get(url, timeout=10).status_code == 404
    assert requests.delete(url, timeout=10).status_code == 404
    assert _stored_rows(llm_stack, document_id) == 0 and _cache_entries(llm_stack, text) == []


def test_a_document_deleted_mid_stage_stays_deleted(llm_stack: Stack, fake: FakeOpenAIServer) -> None:
    fake.script(default={"kind": "slow", "delay": 3.0})
    text = HK + "\n\n\n"
    document_id = llm_stack.submit(text)
    wait_until(
        lambda: llm_stack.status(document_id)["processing_stage"] == "extracting_basic_info",
        10,
        "the first stage to start",
    )
    answer = requests.delete(f"{llm_stack.origin}/api/ocr/documents/{document_id}/", timeout=10)
    assert answer.json() == {"status": "success", "message": "已刪除 / deleted", "document_id": document_id}
    assert llm_stack.database.execute(
        "SELECT count(*) FROM basic_info_results WHERE document_id = %s", (document_id,)
    ) == [(0,)]
    # The stage ends on a document that is gone: its results cannot be stored, its retry is skipped.
    wait_until(
        lambda: f"of document {document_id}: it is not at this step" in llm_stack.log("extractor"),
        30,
        "the stage's retry to find the document gone",
    )
    assert _stored_rows(llm_stack, document_id) == 0
    fake.script(default={"kind": "correct"})
    after = llm_stack.submit(EXAMPLES["en_wealth_builder"] + "\n\n")
    assert llm_stack.wait_finished(after, timeout=60)["processing_stage"] == "all_completed"
    # What the stage cached after the deletion belongs to no document: the purge removes it.
    purged = subprocess.run(illustra("purge"), env=llm_stack.env, check=True, capture_output=True, text=True)
    assert "orphaned cache entries" in purged.stdout
    assert _cache_entries(llm_stack, text) == [] and _stored_rows(llm_stack, document_id) == 0
