"""EXTRACTOR_MODE=llm in the real stack (gateway, worker, status on PostgreSQL and Redis), with the fake server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Stack

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
    assert [a["stage"] for a in attempts] == ["basic_info", "table", "summary"]
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
