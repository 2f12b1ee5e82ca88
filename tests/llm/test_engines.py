"""The llm and hybrid engines against the fake OpenAI-compatible server, over HTTP, with the real openai client."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

from illustra_extractor.extraction import ROW_FIELDS, extract_document
from illustra_extractor.llm.cache import MemoryCache
from illustra_shared.lifecycle import StageReport
from tests.support import free_port

from .documents import CONFIDENT, EXAMPLES, HK, INJECTION, PERSONAL, long_document
from .fake_openai_server import INVENTED_KEY_POINT, INVENTED_NAME, INVENTED_NUMBER, FakeOpenAIServer
from .support import API_KEY, llm_engine, run_document


def _rules(text: str):
    return extract_document(text)


def _errors(stage: str, kind: str) -> float:
    return REGISTRY.get_sample_value("illustra_llm_errors_total", {"stage": stage, "kind": kind}) or 0.0


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_correct_answers_are_confirmed_and_raise_confidence(fake: FakeOpenAIServer, name: str) -> None:
    text = EXAMPLES[name]
    run = run_document(llm_engine(fake), text)
    basic, table, summary = _rules(text)
    assert run.basic.values() == basic.values()
    assert run.table.values() == table.values()
    assert run.summary.values()["proposal_date"] == summary.values()["proposal_date"]
    assert run.basic.fields["sum_assured"].confidence >= 0.97
    assert "confirmed by the model" in run.basic.fields["sum_assured"].issues
    for stage, report in run.reports.items():
        assert report.extractor == "llm", stage
        assert report.llm_calls == 1 and report.prompt_tokens > 0 and report.completion_tokens > 0
    request = fake.received()[0]
    body = request["body"]
    assert request["authorized"]
    assert body["response_format"] == {"type": "json_object"}
    assert "JSON" in body["messages"][0]["content"] and "not instructions" in body["messages"][0]["content"]
    assert body["messages"][2]["content"].startswith("<document>\n")
    assert body["max_tokens"] >= 256


def test_invented_values_are_rejected_and_recorded(fake: FakeOpenAIServer) -> None:
    fake.script(default={"kind": "invented"})
    run = run_document(llm_engine(fake), HK)
    basic, table, _ = _rules(HK)
    assert run.basic.values() == basic.values()
    assert run.table.values() == table.values()
    assert INVENTED_KEY_POINT not in run.summary.values()["key_points"]
    assert str(int(INVENTED_NUMBER)) not in str(run.summary.values()) + str(run.table.values())
    assert INVENTED_NAME not in str(run.basic.values())
    issues = run.basic.fields["sum_assured"].issues
    assert any("model value rejected" in issue and "987654321" in issue for issue in issues)
    assert any("model value rejected" in issue for issue in run.table.rows[0]["total_surrender_value"].issues)
    assert "model value rejected" in run.notes()


def test_instructions_in_the_document_change_nothing(fake: FakeOpenAIServer) -> None:
    # A model that obeys the injected line: it returns exactly what the line asks for.
    fake.script(default={"kind": "correct", "override": {"sum_assured": 99999999, "insured_name": "MALLORY"}})
    run = run_document(llm_engine(fake), INJECTION)
    assert run.basic.get("sum_assured") == 40000.0
    assert run.basic.get("insured_name") == "黃志強"
    assert "99999999.0 not found where the document gives its sum_assured" in run.notes()


def test_a_chatty_reply_is_read_from_its_json(fake: FakeOpenAIServer) -> None:
    fake.script({"kind": "chatty"})
    run = run_document(llm_engine(fake), HK)
    assert run.reports["basic_info"].llm_calls == 1
    assert run.reports["basic_info"].extractor == "llm"
    assert "confirmed by the model" in run.basic.fields["insurer"].issues


def test_an_invalid_reply_is_corrected_once_then_the_rules_result_stands(fake: FakeOpenAIServer) -> None:
    before = _errors("basic_info", "invalid_reply")
    fake.script(default={"kind": "wrong_schema"})
    engine = llm_engine(fake)
    run = run_document(engine, HK)
    assert run.reports["basic_info"].llm_calls == 2
    correction = fake.received()[1]["body"]["messages"]
    assert correction[-2]["role"] == "assistant" and "unexpected key 'answer'" in correction[-1]["content"]
    assert run.basic.values() == _rules(HK)[0].values()
    assert run.reports["basic_info"].extractor == "rules"
    assert "invalid after one correction" in run.notes()
    assert _errors("basic_info", "invalid_reply") == before + 2


def test_malformed_json_then_a_correct_correction(fake: FakeOpenAIServer) -> None:
    fake.script({"kind": "malformed"})
    run = run_document(llm_engine(fake), HK)
    assert run.reports["basic_info"].llm_calls == 2
    assert run.reports["basic_info"].extractor == "llm"


def test_a_reply_cut_off_is_never_parsed_but_split(fake: FakeOpenAIServer) -> None:
    engine = llm_engine(fake)
    rules = _rules(HK)
    report = StageReport()
    fake.script({"kind": "truncated"})
    table = engine.value_table(HK, rules[0], report)
    assert table.values() == rules[1].values()
    assert report.llm_calls == 3  # the cut reply, then each half
    assert "cut off" in " ".join(report.notes)
    halves = [r["body"]["messages"][2]["content"] for r in fake.received()[1:]]
    assert "15          50" in halves[1] and "終結" in halves[1]  # the second half carries the column headers


def test_rate_limit_waits_for_retry_after(fake: FakeOpenAIServer) -> None:
    fake.script({"kind": "status", "status": 429, "headers": {"Retry-After": "1"}})
    started = time.monotonic()
    run = run_document(llm_engine(fake), CONFIDENT)
    assert time.monotonic() - started >= 1.0
    assert run.reports["basic_info"].extractor == "llm"
    assert len(fake.received()) == 4  # 429 + the retry, then one call each for table and summary


def test_server_errors_end_in_the_rules_result_with_the_error_noted(fake: FakeOpenAIServer) -> None:
    before = _errors("basic_info", "server")
    fake.script(default={"kind": "status", "status": 500})
    run = run_document(llm_engine(fake, LLM_MAX_ATTEMPTS="3"), HK)
    basic, table, summary = _rules(HK)
    assert (run.basic.values(), run.table.values(), run.summary.values()) == (
        basic.values(),
        table.values(),
        summary.values(),
    )
    assert len(fake.received()) == 9  # three attempts for each of three stages
    assert (
        "LLM unavailable (server: HTTP 500" in run.notes() and "fell back to the rules result" in run.notes()
    )
    assert {report.extractor for report in run.reports.values()} == {"rules"}
    assert _errors("basic_info", "server") == before + 3


def test_slow_replies_time_out_and_fall_back(fake: FakeOpenAIServer) -> None:
    fake.script(default={"kind": "slow", "delay": 5})
    engine = llm_engine(fake, LLM_TIMEOUT_S="0.5", LLM_MAX_ATTEMPTS="2")
    report = StageReport()
    started = time.monotonic()
    basic = engine.basic_info(HK, report)
    assert time.monotonic() - started < 3
    assert basic.values() == _rules(HK)[0].values()
    assert "timeout" in " ".join(report.notes)


def test_the_stage_deadline_bounds_the_llm_part(fake: FakeOpenAIServer) -> None:
    # A soft limit of 3 s leaves the LLM part 1 s, whatever LLM_TIMEOUT_S says.
    fake.script(default={"kind": "slow", "delay": 10})
    engine = llm_engine(fake, STAGE_SOFT_TIME_LIMIT_S="3", LLM_TIMEOUT_S="120")
    started = time.monotonic()
    run = run_document(engine, HK)
    assert time.monotonic() - started < 3 * 2.5  # each of the three stages within its budget
    assert run.basic.values() == _rules(HK)[0].values()


def test_a_refused_connection_falls_back(fake: FakeOpenAIServer) -> None:
    engine = llm_engine(fake, base_url=f"http://127.0.0.1:{free_port()}/v1")
    run = run_document(engine, HK)
    assert run.basic.values() == _rules(HK)[0].values()
    assert "connection: could not connect" in run.notes()


def test_an_empty_reply_is_asked_again(fake: FakeOpenAIServer) -> None:
    fake.script({"kind": "empty"})
    run = run_document(llm_engine(fake), HK)
    assert run.reports["basic_info"].llm_calls == 2
    assert run.reports["basic_info"].extractor == "llm"


def test_the_key_never_appears_in_notes(fake: FakeOpenAIServer) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {API_KEY}", "type": "invalid_request_error"}}
    fake.script(default={"kind": "status", "status": 401, "body": body})
    run = run_document(llm_engine(fake), HK)
    assert len(fake.received()) == 3  # a refused key is not retried
    assert "rejected: HTTP 401" in run.notes()
    assert API_KEY not in run.notes() and API_KEY[-8:] not in run.notes()


def test_personal_data_is_masked_before_it_leaves_and_restored(fake: FakeOpenAIServer) -> None:
    run = run_document(llm_engine(fake, LLM_MASK_PII="1"), PERSONAL)
    sent = " ".join(m["content"] for r in fake.received() for m in r["body"]["messages"])
    for secret in ("黃志強", "A123456(7)", "9123 4567", "wong.cc@example.com", "PX-2025-000123"):
        assert secret not in sent
    assert "[NAME_1]" in sent
    assert run.basic.get("insured_name") == "黃志強"
    assert "confirmed by the model" in run.basic.fields["insured_name"].issues


def test_the_same_document_twice_costs_no_second_call(fake: FakeOpenAIServer) -> None:
    engine = llm_engine(fake, cache=MemoryCache())
    first = run_document(engine, HK)
    calls = len(fake.received())
    second = run_document(engine, HK)
    assert calls == 3 and len(fake.received()) == 3
    assert second.calls == 0 and "answered from the cache" in second.notes()
    assert second.basic.values() == first.basic.values() and second.table.values() == first.table.values()


def test_the_end_of_a_long_document_reaches_the_model(fake: FakeOpenAIServer) -> None:
    text = long_document()
    run = run_document(llm_engine(fake), text)
    table_requests = [r["body"] for r in fake.received() if '"rows"' in r["body"]["messages"][1]["content"]]
    assert len(table_requests) > 1
    sent = "".join(body["messages"][2]["content"] for body in table_requests)
    last_row = text.strip().splitlines()[-3]
    assert last_row.startswith("120") and last_row in sent
    basic_sent = next(
        r["body"] for r in fake.received() if "insured_name" in r["body"]["messages"][1]["content"]
    )
    assert text.strip().splitlines()[-1] in basic_sent["messages"][2]["content"]  # no cut at 4,000 characters
    assert run.table.values()[-1]["policy_year"] == 120
    assert all(body["max_tokens"] >= 40 * 7 * 10 for body in table_requests[:-1])


def test_hybrid_makes_no_call_when_the_rules_are_confident(fake: FakeOpenAIServer) -> None:
    run = run_document(llm_engine(fake, mode="hybrid"), CONFIDENT)
    assert run.reports["basic_info"].llm_calls == 0 and run.reports["value_table"].llm_calls == 0
    assert run.reports["basic_info"].extractor == "rules"
    # The summary asks only for what the rules left empty or are unsure of; never for the overview, which is
    # built from the extracted values.
    (request,) = fake.received()
    task = request["body"]["messages"][1]["content"]
    assert '"valid_until"' in task and '"breakeven_year"' in task
    assert '"overview"' not in task and '"proposal_date"' not in task
    assert run.summary.get("overview") == _rules(CONFIDENT)[2].get("overview")


def test_hybrid_asks_every_column_of_the_unsure_rows(fake: FakeOpenAIServer) -> None:
    run = run_document(llm_engine(fake, mode="hybrid"), HK)
    table_task = next(
        r["body"]["messages"][1]["content"]
        for r in fake.received()
        if '"rows"' in r["body"]["messages"][1]["content"]
    )
    assert all(f'"{name}"' in table_task for name in ROW_FIELDS)
    assert "Only the rows for these policy years" in table_task
    assert run.table.values() == _rules(HK)[1].values()
    assert run.reports["basic_info"].llm_calls == 0
