"""The pipeline end to end: real gateway, status service, edge and extractor processes on PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from illustra_shared.stages import PROGRESS_PERCENTAGE, STAGE_ORDER, ProcessingStage

from ..support import BROKERS, EXAMPLES_DIR, Stack, wait_until

pytestmark = pytest.mark.integration

SAMPLES = sorted(EXAMPLES_DIR.glob("*.txt"))


@pytest.fixture(scope="module", params=sorted(BROKERS))
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    """The pipeline on each broker: Redis (the default) and RabbitMQ."""
    running = Stack(tmp_path_factory.mktemp(f"pipeline-{request.param}"), BROKERS[request.param]).start()
    try:
        yield running
    finally:
        running.stop()


def test_a_document_moves_forward_through_every_stage_to_all_completed(stack: Stack) -> None:
    text = (EXAMPLES_DIR / "hk_savings_plan.txt").read_text(encoding="utf-8")
    document_id = stack.submit(text, "hk_savings_plan.pdf", user_id=7)

    seen: list[dict] = []

    def completed() -> bool:
        data = stack.status(document_id)
        if not seen or seen[-1]["processing_stage"] != data["processing_stage"]:
            seen.append(data)
        return data["processing_stage"] == ProcessingStage.ALL_COMPLETED

    wait_until(completed, 30, "the document to reach all_completed", interval=0.005)

    positions = [STAGE_ORDER.index(ProcessingStage(s["processing_stage"])) for s in seen]
    assert positions == sorted(positions), f"stage moved backwards: {[s['processing_stage'] for s in seen]}"
    for observed in seen:
        stage = ProcessingStage(observed["processing_stage"])
        assert observed["progress_percentage"] == PROGRESS_PERCENTAGE[stage]
        assert observed["status"] == {"pending": "pending", "all_completed": "completed"}.get(
            stage, "processing"
        )
        assert observed["error_message"] is None
        assert observed["last_processed_at"].endswith("Z")

    data = stack.document(document_id)
    assert data["status"] == "completed" and data["progress_percentage"] == 100
    assert [(a["stage"], a["attempt"], a["outcome"]) for a in data["stage_attempts"]] == [
        ("basic_info", 1, "success"),
        ("value_table", 1, "success"),
        ("summary", 1, "success"),
    ]
    for attempt in data["stage_attempts"]:
        assert attempt["started_at"] <= attempt["finished_at"] and attempt["error"] is None

    basic = data["basic_info"]
    assert basic["insured_name"] == "黃志強"
    assert basic["currency"] == "USD" and basic["annual_premium"] == 8000 and basic["premium_term_years"] == 5
    table = data["value_table"]
    assert [row["policy_year"] for row in table][:3] == [1, 2, 3]
    assert table[1] == {
        "policy_year": 2,
        "age": 37,
        "total_premiums_paid": 16000,
        "guaranteed_cash_value": 5014,
        "non_guaranteed_value": 0,
        "total_surrender_value": 5014,
        "death_benefit": 16160,
    }
    assert data["summary"]["proposal_date"] == "2025-03-14"
    assert data["summary"]["valid_until"] == "2025-04-13"
    assert isinstance(data["summary"]["breakeven_year"], int)
    meta = data["extraction_meta"]
    assert 0 <= meta["basic_info"]["fields"]["insured_name"]["confidence"] <= 1
    start, end = meta["basic_info"]["fields"]["insured_name"]["span"]
    assert text[start:end] == "黃志強"
    assert len(meta["value_table"]["rows"]) == len(table)


def test_every_sample_completes_and_the_list_shows_them_newest_first(stack: Stack) -> None:
    user_id = 4242
    ids = [stack.submit(path.read_text(encoding="utf-8"), path.name, user_id=user_id) for path in SAMPLES]
    for document_id in ids:
        assert stack.wait_finished(document_id)["processing_stage"] == "all_completed"

    listing = requests.get(
        f"{stack.origin}/api/ocr/documents/", params={"user_id": user_id}, timeout=10
    ).json()
    assert [d["id"] for d in listing["data"]] == sorted(ids, reverse=True)
    assert listing["pagination"] == {"page": 1, "page_size": 20, "total": len(ids), "pages": 1}
    assert {d["file_name"] for d in listing["data"]} == {p.name for p in SAMPLES}

    second_page = requests.get(
        f"{stack.origin}/api/ocr/documents/",
        params={"user_id": user_id, "page": 2, "page_size": 2},
        timeout=10,
    ).json()
    assert [d["id"] for d in second_page["data"]] == sorted(ids, reverse=True)[2:4]
    other_user = requests.get(
        f"{stack.origin}/api/ocr/documents/", params={"user_id": 999_999}, timeout=10
    ).json()
    assert other_user["data"] == [] and other_user["pagination"]["total"] == 0


def test_a_document_submitted_twice_is_processed_twice_into_one_copy_each(stack: Stack) -> None:
    text = (EXAMPLES_DIR / "cn_annuity.txt").read_text(encoding="utf-8")
    first, second = stack.submit(text), stack.submit(text)
    assert first != second
    for document_id in (first, second):
        stack.wait_finished(document_id)
    rows = stack.database.execute(
        "SELECT document_id, count(*), count(DISTINCT policy_year) FROM value_table_rows"
        " WHERE document_id IN (%s, %s) GROUP BY document_id",
        (first, second),
    )
    assert len(rows) == 2 and all(count == distinct > 0 for _, count, distinct in rows)


def test_every_service_answers_health_and_readiness(stack: Stack) -> None:
    for service in ("gateway", "status"):
        assert requests.get(stack.url(service) + "/healthz", timeout=5).json() == {"status": "ok"}
        ready = requests.get(stack.url(service) + "/readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_a_document_whose_id_is_past_the_32_bit_range_completes(tmp_path) -> None:
    # Document ids are bigints: every statement that carries one must take one that large.
    own = Stack(tmp_path).start()
    try:
        own.database.execute("ALTER SEQUENCE documents_id_seq RESTART WITH 3000000000")
        document_id = own.submit((EXAMPLES_DIR / "en_wealth_builder.txt").read_text(encoding="utf-8"))
        assert document_id == 3_000_000_000
        assert own.wait_finished(document_id)["processing_stage"] == "all_completed"
    finally:
        own.stop()
