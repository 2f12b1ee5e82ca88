"""The replies each stage accepts, checked by hand (no schema library): exact keys, types, closed vocabularies,
bounded sizes. A reply that fails is described by its errors, which go back to the model once."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

from illustra_shared.schema import ROW_FIELDS

# A checker returns the cleaned value, or raises ValueError with what is wrong.
Checker = Callable[[Any], Any]

_MAX_TEXT = 300
_MAX_KEY_POINTS = 30
_MAX_ROWS = 400


def _nullable(check: Checker) -> Checker:
    def checked(value: Any) -> Any:
        if value is None:
            return None
        try:
            return check(value)
        except ValueError as error:
            raise ValueError(f"{error} or null") from None

    return checked


def _text(limit: int) -> Checker:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value.strip()

    return check


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a plain JSON number (no quotes, no separators)")
    return float(value)


def _whole(value: Any) -> int:
    number = _number(value)
    if number != int(number) or not 0 <= number <= 1000:
        raise ValueError("must be a whole number between 0 and 1000")
    return int(number)


def _choice(*options: Any) -> Checker:
    def check(value: Any) -> Any:
        if value not in options or isinstance(value, bool) != isinstance(options[0], bool):
            raise ValueError(f"must be one of {', '.join(json.dumps(o) for o in options)}")
        return value

    return check


def _iso_date(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a date as a string YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError("must be a date as a string YYYY-MM-DD") from None


def _key_points(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > _MAX_KEY_POINTS:
        raise ValueError(f"must be a list of at most {_MAX_KEY_POINTS} strings")
    return [_text(_MAX_TEXT)(item) for item in value]


BASIC_CHECKS: dict[str, Checker] = {
    "insured_name": _nullable(_text(_MAX_TEXT)),
    "gender": _nullable(_choice("M", "F")),
    "issue_age": _nullable(_whole),
    "smoker": _nullable(_choice(True, False)),
    "insurer": _nullable(_text(_MAX_TEXT)),
    "product_name": _nullable(_text(_MAX_TEXT)),
    "currency": _nullable(_choice("USD", "HKD", "CNY")),
    "sum_assured": _nullable(_number),
    "annual_premium": _nullable(_number),
    "premium_term_years": _nullable(_whole),
    "payment_mode": _nullable(_choice("annual", "monthly", "single")),
    "coverage_to_age": _nullable(_whole),
}
ROW_CHECKS: dict[str, Checker] = {
    "policy_year": _whole,
    "age": _nullable(_whole),
    **{name: _nullable(_number) for name in ROW_FIELDS[2:]},
}
SUMMARY_CHECKS: dict[str, Checker] = {
    "proposal_date": _nullable(_iso_date),
    "valid_until": _nullable(_iso_date),
    "breakeven_year": _nullable(_whole),
    "key_points": _key_points,
}


def _check_object(
    data: Any, keys: tuple[str, ...], checks: dict[str, Checker], where: str, errors: list[str]
) -> dict[str, Any]:
    if not isinstance(data, dict):
        errors.append(f"{where} must be a JSON object")
        return {}
    for extra in sorted(set(data) - set(keys)):
        errors.append(f"{where}: unexpected key {extra!r}")
    cleaned: dict[str, Any] = {}
    for key in keys:
        if key not in data:
            errors.append(f"{where}: missing key {key!r}")
            continue
        try:
            cleaned[key] = checks[key](data[key])
        except ValueError as error:
            errors.append(f"{where}.{key} {error}")
    return cleaned


def validate(stage: str, keys: tuple[str, ...], data: Any) -> tuple[dict[str, Any], list[str]]:
    """The reply cleaned to the requested keys, and the errors found (empty when it is valid)."""
    errors: list[str] = []
    if stage == "basic_info":
        return _check_object(data, keys, BASIC_CHECKS, "reply", errors), errors
    if stage == "summary":
        return _check_object(data, keys, SUMMARY_CHECKS, "reply", errors), errors
    envelope = _check_object(data, ("rows",), {"rows": lambda rows: rows}, "reply", errors)
    rows = envelope.get("rows")
    if "rows" in envelope and (not isinstance(rows, list) or len(rows) > _MAX_ROWS):
        errors.append(f"reply.rows must be a list of at most {_MAX_ROWS} objects")
        rows = None
    row_keys = ("policy_year", *(key for key in keys if key != "policy_year"))
    cleaned_rows = [
        _check_object(row, row_keys, ROW_CHECKS, f"rows[{index}]", errors)
        for index, row in enumerate(rows or [])
    ]
    return {"rows": cleaned_rows}, errors


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
