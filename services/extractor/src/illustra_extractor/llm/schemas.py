"""The replies each stage accepts: the contract's result models made strict for the model's answers (exact keys,
plain JSON types, closed vocabularies, bounded sizes), for just the keys a question asks. A reply that fails is
described by pydantic's errors, worded for the model, which go back to it once."""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model
from pydantic_core import ErrorDetails

from illustra_shared.contract import BasicInfoData, SummaryData, ValueRowData
from illustra_shared.stages import BASIC_INFO, SUMMARY, VALUE_TABLE


def _integral(value: Any) -> Any:
    """3.0 is the whole number 3 (models write years as floats); anything else is left to the strict check."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[int, Field(ge=0, le=1000), BeforeValidator(_integral)]
# The answers narrower than what the rules engine may store: the model picks from a closed vocabulary.
_NARROWER: dict[str, Any] = {
    "currency": Literal["USD", "HKD", "CNY"] | None,
    "payment_mode": Literal["annual", "monthly", "single"] | None,
    "key_points": Annotated[list[str], Field(max_length=30)],
}
_CONFIG = ConfigDict(
    strict=True, extra="forbid", str_max_length=300, str_strip_whitespace=True, allow_inf_nan=False
)
_RESULTS: dict[str, type[BaseModel]] = {
    BASIC_INFO.name: BasicInfoData,
    VALUE_TABLE.name: ValueRowData,
    SUMMARY.name: SummaryData,
}


def _reply_type(name: str, annotation: Any) -> Any:
    if name in _NARROWER:
        return _NARROWER[name]
    return {int: Whole, int | None: Whole | None}.get(annotation, annotation)


@cache  # a handful of key sets per stage: the engines ask all of a stage's keys, or the rules' unsure ones
def reply_model(stage: str, keys: tuple[str, ...]) -> type[BaseModel]:
    """The reply to a question about ``keys``: a table reply is ``{"rows": [...]}``, each row with its policy
    year and the keys."""
    result = _RESULTS[stage]
    if stage == VALUE_TABLE.name:
        keys = ("policy_year", *(key for key in keys if key != "policy_year"))
    fields: dict[str, Any] = {
        name: (_reply_type(name, result.model_fields[name].annotation), ...) for name in keys
    }
    model = create_model(f"{result.__name__}Reply", __config__=_CONFIG, **fields)
    if stage != VALUE_TABLE.name:
        return model
    rows = Annotated[list[model], Field(max_length=400)]
    return create_model("ValueTableReply", __config__=_CONFIG, rows=(rows, ...))


_NUMBER = "must be a plain JSON number (no quotes, no separators)"
_WHOLE = "must be a whole number between 0 and 1000"
_DATE = "must be a date as a string YYYY-MM-DD"
# pydantic's wording of the errors the model makes most, replaced by one that tells it what to write instead; the
# others keep pydantic's ("List should have at most 30 items after validation, not 31").
_PHRASES = {
    "float_type": _NUMBER,
    "int_type": _NUMBER,
    "finite_number": _NUMBER,
    "greater_than_equal": _WHOLE,
    "less_than_equal": _WHOLE,
    "date_from_datetime_parsing": _DATE,
    "date_parsing": _DATE,
    "date_type": _DATE,
    "model_type": "must be a JSON object",
}


def _described(error: ErrorDetails) -> str:
    path = error["loc"]
    where = "reply" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    if error["type"] == "int_type" and isinstance(error["input"], float):
        return f"{where} {_WHOLE}"
    if error["type"] in ("missing", "extra_forbidden"):
        what = "missing" if error["type"] == "missing" else "unexpected"
        return f"{where.rpartition('.')[0]}: {what} key {path[-1]!r}"
    if error["type"] == "literal_error":
        return f"{where} must be one of {error.get('ctx', {}).get('expected')}"
    return f"{where} {_PHRASES.get(error['type'], error['msg'])}"


def validate(stage: str, keys: tuple[str, ...], data: Any) -> tuple[dict[str, Any], list[str]]:
    """The reply cleaned to the requested keys, and the errors found (empty when it is valid). It is checked as
    JSON, where a date is a string and strict still means a plain JSON type."""
    try:
        reply = reply_model(stage, keys).model_validate_json(json.dumps(data, allow_nan=True))
    except ValidationError as invalid:
        return {}, list(dict.fromkeys(_described(error) for error in invalid.errors()))
    return reply.model_dump(mode="json"), []


def parse_reply(content: str) -> tuple[Any, str | None]:
    """The JSON object in a reply; a chatty reply (text around the JSON) is read from its outermost braces."""
    try:
        return json.loads(content), None
    except json.JSONDecodeError:
        pass
    start, end = content.find("{"), content.rfind("}")
    if 0 <= start < end:
        try:
            return json.loads(content[start : end + 1]), None
        except json.JSONDecodeError as error:
            return None, f"the reply is not valid JSON ({error.msg} at character {error.pos})"
    return None, "the reply holds no JSON object"
