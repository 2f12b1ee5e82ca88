"""The API's contract, written once as pydantic models: the request bodies the gateway accepts, the answers both
services give and the three stages' results. The gateway validates bodies with them, ``/openapi.json`` is
generated from them (``illustra_shared.openapi``), the extractor's LLM reply checks narrow them, and every field
list (the reader's, the CLI's, the page's, the bench's) is taken from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from .routing import MAX_DOCUMENT_ID
from .stages import STEPS, DocumentStatus, ProcessingStage

# What counts as blank in a required text, exactly as the pattern in the description says.
_BLANK = " \t\n\r"


def _text(value: str) -> str:
    if not value.strip(_BLANK):
        raise PydanticCustomError("blank", "must not be empty")
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise PydanticCustomError("nul", "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800) is valid JSON but no text
        raise PydanticCustomError("surrogate", "holds a lone surrogate, which is not text") from None
    return value


# Text with something besides blanks, and no NUL: the pattern is for the description's readers, the validator
# the check (it tells the blank, which is missing, from the NUL, which is malformed).
Text = Annotated[
    str,
    AfterValidator(_text),
    Field(json_schema_extra={"pattern": "^[^\\u0000]*[^ \\t\\n\\r\\u0000][^\\u0000]*$"}),
]


def _digits(value: Any) -> Any:
    """A string of digits is taken for a number, as form-minded frontends send it; 19 digits hold every bigint
    (a longer string is left to fail, before Python would convert thousands of digits)."""
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 19:
        return int(value.strip())
    return value


UserId = Annotated[int, Field(ge=1, le=MAX_DOCUMENT_ID), BeforeValidator(_digits)]


class Submission(BaseModel):
    """``POST /api/ocr/save/``'s body."""

    model_config = ConfigDict(strict=True, frozen=True)

    file_name: Annotated[Text, Field(max_length=255), AfterValidator(lambda name: name.strip(_BLANK))]
    ocr_content: Text
    user_id: UserId


class Accepted(BaseModel):
    status: Literal["success"]
    message: str
    document_id: int


class Error(BaseModel):
    status: Literal["error"]
    message: str


class Health(BaseModel):
    status: str


class StatusData(BaseModel):
    """The status route's ``data``: the contract the polling frontends rely on."""

    processing_stage: ProcessingStage
    progress_percentage: Annotated[int, Field(ge=0, le=100)]
    last_processed_at: datetime
    status: DocumentStatus
    error_message: str | None


class DocumentSummary(StatusData):
    id: int
    user_id: int
    file_name: str
    created_at: datetime


class BasicInfoData(BaseModel):
    insured_name: str | None
    gender: Literal["M", "F"] | None
    issue_age: int | None
    smoker: bool | None
    insurer: str | None
    product_name: str | None
    currency: str | None
    sum_assured: float | None
    annual_premium: float | None
    premium_term_years: int | None
    payment_mode: str | None
    coverage_to_age: int | None


class ValueRowData(BaseModel):
    policy_year: int
    age: int | None
    total_premiums_paid: float | None
    guaranteed_cash_value: float | None
    non_guaranteed_value: float | None
    total_surrender_value: float | None
    death_benefit: float | None


class SummaryData(BaseModel):
    proposal_date: date | None
    valid_until: date | None
    breakeven_year: int | None
    key_points: list[str]
    overview: str | None


class StageAttemptData(BaseModel):
    stage: Annotated[str, Field(json_schema_extra={"enum": [step.name for step in STEPS]})]
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    # running, success, retry (failed, will run again), failure (failed for good), abandoned (its worker died)
    outcome: Literal["running", "success", "retry", "failure", "abandoned"]
    error: str | None
    # What the stage reported: the extractor that produced its result, LLM calls and tokens, notes.
    extractor: str | None
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    notes: list[Any]


class DocumentData(DocumentSummary):
    """A document with whatever its stages have produced."""

    content_length: int
    ocr_content: str = Field(default="", description="only with include_text=true")
    basic_info: BasicInfoData | None
    value_table: list[ValueRowData] | None
    summary: SummaryData | None
    extraction_meta: dict[str, Any]
    stage_attempts: list[StageAttemptData]


class StatusAnswer(BaseModel):
    status: Literal["success"]
    data: StatusData


class DocumentAnswer(BaseModel):
    status: Literal["success"]
    data: DocumentData


class Pagination(BaseModel):
    page: int
    page_size: int
    total: int
    pages: int


class DocumentListAnswer(BaseModel):
    status: Literal["success"]
    data: list[DocumentSummary]
    pagination: Pagination


# The three stages' field names, in the order the API returns them and the corpus scores them.
BASIC_FIELDS = tuple(BasicInfoData.model_fields)
ROW_FIELDS = tuple(ValueRowData.model_fields)
SUMMARY_FIELDS = tuple(SummaryData.model_fields)
