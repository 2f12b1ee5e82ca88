"""Validation of request bodies, as Falcon hooks: resources only see bodies that are well-formed. The bodies are
the contract's models; this module reads the JSON and words pydantic's errors as the API's answers."""

from __future__ import annotations

import json
from typing import Any

import falcon
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from illustra_shared.contract import Submission

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


def _refusal(error: ErrorDetails) -> falcon.HTTPError:
    """pydantic's error worded as the API's answer (the contract's own checks word theirs already)."""
    field = str(error["loc"][0])
    if error["type"] in ("missing", "blank") or error["input"] in (None, ""):
        return falcon.HTTPUnprocessableEntity(description=f"{field} is required and must not be empty")
    if field == "user_id":
        return falcon.HTTPBadRequest(description="user_id must be a positive integer")
    if error["type"] == "too_long":
        return falcon.HTTPBadRequest(
            description=f"{field} must be at most {error['ctx']['max_length']} characters"
        )
    wording = "must be a string" if error["type"] == "string_type" else error["msg"]
    return falcon.HTTPBadRequest(description=f"{field} {wording}")


def parse_submission(body: dict[str, Any], authenticated_user: int | None = None) -> Submission:
    """The body as a Submission; with a bearer token the body's ``user_id`` may be left out (the token's user)
    and a different one is refused."""
    if authenticated_user is not None and body.get("user_id") in (None, ""):
        body = {**body, "user_id": authenticated_user}
    try:
        submission = Submission.model_validate(body)
    except ValidationError as invalid:
        raise _refusal(invalid.errors()[0]) from None
    if authenticated_user is not None and submission.user_id != authenticated_user:
        raise falcon.HTTPForbidden(description="user_id does not match the user of the bearer token")
    return submission


def submission_body(req: falcon.Request, resp: falcon.Response, resource: Any, params: dict) -> None:
    """Falcon hook: puts the validated Submission on ``req.context.submission``."""
    req.context.submission = parse_submission(
        read_json_object(req, resource.max_body_bytes), req.context.user_id
    )
