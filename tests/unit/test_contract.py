"""The contract's models are what the services answer and what the page reads: a document with every stage's
results and attempts, as the status service serialises it, validates against them, and the description names the
schemas the page takes its field lists from."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import falcon
import jsonschema
import pytest

from illustra_gateway.validation import parse_submission
from illustra_shared.contract import (
    BASIC_FIELDS,
    ROW_FIELDS,
    DocumentAnswer,
    DocumentListAnswer,
    StatusAnswer,
)
from illustra_shared.models import (
    BasicInfoResult,
    StageAttempt,
    SummaryResult,
    ValueTableResult,
    ValueTableRow,
)
from illustra_shared.openapi import API_DOCUMENT

from .test_apps_in_process import apps  # noqa: F401 (the fixture)

STATIC = Path(__file__).parents[2] / "services/gateway/src/illustra_gateway/static"


def test_a_document_with_every_result_is_answered_as_the_contract_describes(apps) -> None:  # noqa: F811
    gateway, status, _, _ = apps
    user = {"file_name": "a.pdf", "ocr_content": "受保人:陳大文", "user_id": 9}
    document_id = gateway.simulate_post("/api/ocr/save/", json=user).json["document_id"]
    BasicInfoResult.create(
        document=document_id, **{**dict.fromkeys(BASIC_FIELDS), "insured_name": "陳大文", "gender": "M"}
    )
    ValueTableResult.create(document=document_id, row_count=1)
    ValueTableRow.create(
        document=document_id, **{**dict.fromkeys(ROW_FIELDS), "policy_year": 1, "death_benefit": 1e5}
    )
    SummaryResult.create(
        document=document_id, proposal_date=date(2025, 1, 2), key_points=["保證"], breakeven_year=12
    )
    StageAttempt.create(
        document=document_id, stage="basic_info", attempt=1, outcome="success", finished_at=datetime.now()
    )

    detail = status.simulate_get(f"/api/ocr/documents/{document_id}/").text
    data = DocumentAnswer.model_validate_json(detail).data
    assert data.basic_info is not None and data.basic_info.insured_name == "陳大文"
    assert data.value_table is not None and data.value_table[0].death_benefit == 1e5
    assert data.summary is not None and data.summary.proposal_date == date(2025, 1, 2)
    assert [attempt.outcome for attempt in data.stage_attempts] == ["success"]
    StatusAnswer.model_validate_json(status.simulate_get(f"/api/ocr/documents/{document_id}/status/").text)
    listing = status.simulate_get("/api/ocr/documents/", params={"user_id": 9}).text
    assert [d.id for d in DocumentListAnswer.model_validate_json(listing).data] == [document_id]


def test_the_description_is_openapi_3_0_with_valid_schemas() -> None:
    assert API_DOCUMENT["openapi"].startswith("3.0")
    for schema in API_DOCUMENT["components"]["schemas"].values():
        jsonschema.Draft4Validator.check_schema(
            schema
        )  # OpenAPI 3.0's schemas are a JSON Schema draft 4 dialect
    assert "'type': 'null'" not in str(API_DOCUMENT) and "'const'" not in str(API_DOCUMENT)
    refs = set(re.findall(r"#/components/schemas/(\w+)", str(API_DOCUMENT)))
    assert refs <= set(API_DOCUMENT["components"]["schemas"])


def test_the_page_reads_schemas_the_description_has() -> None:
    read = set(re.findall(r"schemas\.(\w+)", (STATIC / "contract.js").read_text(encoding="utf-8")))
    assert read and read <= set(API_DOCUMENT["components"]["schemas"])


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"ocr_content": 123}, 400, "ocr_content must be a string"),
        ({"file_name": "x" * 256}, 400, "file_name must be at most 255 characters"),
        ({"ocr_content": "a\x00b"}, 400, "ocr_content must not contain NUL characters"),
        ({"file_name": "\ud800"}, 400, "file_name holds a lone surrogate, which is not text"),
        ({"user_id": True}, 400, "user_id must be a positive integer"),
        ({"user_id": 4551.0}, 400, "user_id must be a positive integer"),
        ({"user_id": 2**63}, 400, "user_id must be a positive integer"),
        ({"user_id": "9" * 5000}, 400, "user_id must be a positive integer"),
        ({"file_name": " \t"}, 422, "file_name is required and must not be empty"),
        ({"user_id": ""}, 422, "user_id is required and must not be empty"),
    ],
)
def test_a_submission_is_refused_with_the_field_named(body: dict, status: int, message: str) -> None:
    valid = {"file_name": "a.pdf", "ocr_content": "text", "user_id": 1}
    with pytest.raises(falcon.HTTPError) as refused:
        parse_submission({**valid, **body})
    assert (refused.value.status_code, refused.value.description) == (status, message)


def test_a_submission_is_cleaned_and_the_token_user_is_its_owner() -> None:
    submission = parse_submission({"file_name": " a.pdf\n", "ocr_content": " text ", "user_id": " 15"})
    assert (submission.file_name, submission.ocr_content, submission.user_id) == ("a.pdf", " text ", 15)
    assert parse_submission({"file_name": "a", "ocr_content": "b"}, authenticated_user=7).user_id == 7
    with pytest.raises(falcon.HTTPError) as refused:
        parse_submission({"file_name": "a", "ocr_content": "b", "user_id": 8}, authenticated_user=7)
    assert refused.value.status_code == 403
