"""Validation of request bodies, as Falcon hooks: resources only see bodies that are well-formed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import falcon

FILE_NAME_MAX_CHARS = 255
# What counts as blank, exactly as the API description's pattern says.
_BLANK = " \t\n\r"


@dataclass(frozen=True)
class Submission:
    file_name: str
    ocr_content: str
    user_id: int


# An oversized body up to this many times the limit is read and dropped before the 413 goes out: a client or proxy
# still sending it would otherwise see a reset connection instead of the answer. Beyond it the connection is cut.
_DRAIN_FACTOR = 4
_DRAIN_CHUNK = 1024 * 1024


def _too_large(req: falcon.Request, max_bytes: int) -> falcon.HTTPError:
    if req.content_length is not None and req.content_length <= max_bytes * _DRAIN_FACTOR:
        while req.bounded_stream.read(_DRAIN_CHUNK):
            pass
    return falcon.HTTPContentTooLarge(
        description=f"request body is larger than the limit of {max_bytes} bytes"
    )


def read_json_object(req: falcon.Request, max_bytes: int) -> dict[str, Any]:
    """The body as a JSON object; 413 past ``max_bytes``, 400 for anything that is not a JSON object."""
    if req.content_length is not None and req.content_length > max_bytes:
        raise _too_large(req, max_bytes)
    chunked = req.content_length is None and "chunked" in (req.get_header("Transfer-Encoding") or "").lower()
    # Falcon's bounded stream reads nothing without a Content-Length; a chunked body is read to its end instead.
    raw = (req.stream if chunked else req.bounded_stream).read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _too_large(req, max_bytes)
    if not raw.strip():
        raise falcon.HTTPBadRequest(description="request body is empty; send a JSON object")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise falcon.HTTPBadRequest(description="request body is not valid JSON: nested too deeply") from None
    except ValueError as error:  # malformed, not UTF-8, or an integer too long to convert
        raise falcon.HTTPBadRequest(description=f"request body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise falcon.HTTPBadRequest(description="request body must be a JSON object")
    return body


def _missing(field: str) -> falcon.HTTPError:
    return falcon.HTTPUnprocessableEntity(description=f"{field} is required and must not be empty")


def _required_text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if value is None:
        raise _missing(field)
    if not isinstance(value, str):
        raise falcon.HTTPBadRequest(description=f"{field} must be a string")
    if not value.strip(_BLANK):
        raise _missing(field)
    return value


# 2**63 - 1 has 19 digits; a longer string is refused before Python converts it (past 4,300 digits it raises).
_MAX_ID_DIGITS = 19


def parse_user_id(value: Any, field: str = "user_id") -> int:
    """A positive integer; a string of digits is accepted too, as form-minded frontends send it."""
    if value is None or value == "":
        raise _missing(field)
    if isinstance(value, bool):
        raise falcon.HTTPBadRequest(description=f"{field} must be a positive integer")
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= _MAX_ID_DIGITS:
        value = int(value.strip())
    if not isinstance(value, int) or value <= 0 or value > 2**63 - 1:
        raise falcon.HTTPBadRequest(description=f"{field} must be a positive integer")
    return value


def _submitting_user(body: dict[str, Any], authenticated_user: int | None) -> int:
    """The token's user when there is a token (a different ``user_id`` in the body is refused), else the body's."""
    if authenticated_user is None:
        return parse_user_id(body.get("user_id"))
    if body.get("user_id") not in (None, "") and parse_user_id(body["user_id"]) != authenticated_user:
        raise falcon.HTTPForbidden(description="user_id does not match the user of the bearer token")
    return authenticated_user


def parse_submission(body: dict[str, Any], authenticated_user: int | None = None) -> Submission:
    file_name = _required_text(body, "file_name")
    if len(file_name) > FILE_NAME_MAX_CHARS:
        raise falcon.HTTPBadRequest(description=f"file_name must be at most {FILE_NAME_MAX_CHARS} characters")
    file_name = file_name.strip(_BLANK)
    ocr_content = _required_text(body, "ocr_content")
    if "\x00" in ocr_content or "\x00" in file_name:
        raise falcon.HTTPBadRequest(description="file_name and ocr_content must not contain NUL characters")
    for field, value in (("file_name", file_name), ("ocr_content", ocr_content)):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (\ud800) is valid JSON but no text
            raise falcon.HTTPBadRequest(
                description=f"{field} holds a lone surrogate, which is not text"
            ) from None
    return Submission(
        file_name=file_name, ocr_content=ocr_content, user_id=_submitting_user(body, authenticated_user)
    )


def submission_body(req: falcon.Request, resp: falcon.Response, resource: Any, params: dict) -> None:
    """Falcon hook: puts the validated Submission on ``req.context.submission``."""
    req.context.submission = parse_submission(
        read_json_object(req, resource.max_body_bytes), getattr(req.context, "user_id", None)
    )
