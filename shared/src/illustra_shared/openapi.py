"""The API description (OpenAPI 3.0) of every route at the public origin, served at ``/openapi.json`` by the
gateway and by the status service. The tests run schemathesis against it."""

from __future__ import annotations

from typing import Any

import falcon

from .routing import MAX_DOCUMENT_ID
from .schema import BASIC_FIELDS, ROW_FIELDS
from .stages import STAGE_ORDER, DocumentStatus, ProcessingStage


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


_NUMBER = _nullable({"type": "number"})
_INTEGER = _nullable({"type": "integer"})
_STRING = _nullable({"type": "string"})
_TIMESTAMP = {"type": "string", "format": "date-time"}
# Text with something besides spaces, tabs and line breaks, and no NUL (which PostgreSQL text cannot hold); the
# gateway's validation applies the same rule.
_TEXT = "^[^\\u0000]*[^ \\t\\n\\r\\u0000][^\\u0000]*$"
_STAGES = [stage.value for stage in STAGE_ORDER] + [ProcessingStage.ERROR.value]

_BASIC_TYPES: dict[str, dict[str, Any]] = {
    "insured_name": _STRING,
    "gender": _nullable({"type": "string", "enum": ["M", "F"]}),
    "issue_age": _INTEGER,
    "smoker": _nullable({"type": "boolean"}),
    "insurer": _STRING,
    "product_name": _STRING,
    "currency": _STRING,
    "sum_assured": _NUMBER,
    "annual_premium": _NUMBER,
    "premium_term_years": _INTEGER,
    "payment_mode": _STRING,
    "coverage_to_age": _INTEGER,
}
_ROW_TYPES = {name: (_INTEGER if name in ("age",) else _NUMBER) for name in ROW_FIELDS}
_ROW_TYPES["policy_year"] = {"type": "integer"}

_ERROR = {
    "description": "an error",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "string", "enum": ["error"]},
                    "message": {"type": "string"},
                },
            }
        }
    },
}


# A request line longer than the HTTP server takes is refused by the server itself (gunicorn, or the Ingress's
# nginx), before the application sees it, in HTML.
_URI_TOO_LONG = {
    "description": "request line too long",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def _errors(*codes: int) -> dict[str, Any]:
    return {**{str(code): _ERROR for code in codes}, "414": _URI_TOO_LONG}


def _ok(schema: dict[str, Any], description: str = "success") -> dict[str, Any]:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


_DOCUMENT_ID = {
    "name": "document_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_DOCUMENT_ID},
}
_STATUS_DATA: dict[str, Any] = {
    "type": "object",
    "required": ["processing_stage", "progress_percentage", "last_processed_at", "status", "error_message"],
    "properties": {
        "processing_stage": {"type": "string", "enum": _STAGES},
        "progress_percentage": {"type": "integer", "minimum": 0, "maximum": 100},
        "last_processed_at": _TIMESTAMP,
        "status": {"type": "string", "enum": [status.value for status in DocumentStatus]},
        "error_message": _STRING,
    },
}
_DOCUMENT_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "user_id",
        "file_name",
        "processing_stage",
        "progress_percentage",
        "status",
        "created_at",
    ],
    "properties": {
        "id": {"type": "integer"},
        "user_id": {"type": "integer"},
        "file_name": {"type": "string"},
        **_STATUS_DATA["properties"],
        "created_at": _TIMESTAMP,
    },
}
_DOCUMENT = {
    "type": "object",
    "required": [*_DOCUMENT_SUMMARY["required"], "basic_info", "value_table", "summary", "stage_attempts"],
    "properties": {
        **_DOCUMENT_SUMMARY["properties"],
        "content_length": {"type": "integer"},
        "ocr_content": {"type": "string"},
        "basic_info": _nullable(
            {"type": "object", "required": list(BASIC_FIELDS), "properties": _BASIC_TYPES}
        ),
        "value_table": _nullable(
            {
                "type": "array",
                "items": {"type": "object", "required": list(ROW_FIELDS), "properties": _ROW_TYPES},
            }
        ),
        "summary": _nullable(
            {
                "type": "object",
                "properties": {
                    "proposal_date": _nullable({"type": "string", "format": "date"}),
                    "valid_until": _nullable({"type": "string", "format": "date"}),
                    "breakeven_year": _INTEGER,
                    "key_points": {"type": "array", "items": {"type": "string"}},
                    "overview": _STRING,
                },
            }
        ),
        "extraction_meta": {"type": "object"},
        "stage_attempts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["stage", "attempt", "started_at", "outcome"],
                "properties": {
                    "stage": {"type": "string", "enum": ["basic_info", "table", "summary"]},
                    "attempt": {"type": "integer"},
                    "started_at": _TIMESTAMP,
                    "finished_at": _nullable(_TIMESTAMP),
                    "outcome": {
                        "type": "string",
                        "enum": ["running", "success", "retry", "failure", "abandoned"],
                    },
                    "error": _STRING,
                },
            },
        },
    },
}
_ACCEPTED = {
    "type": "object",
    "required": ["status", "message", "document_id"],
    "properties": {
        "status": {"type": "string", "enum": ["success"]},
        "message": {"type": "string"},
        "document_id": {"type": "integer"},
    },
}
_HEALTH = {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}


def _success(data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["status", "data", *extra],
        "properties": {"status": {"type": "string", "enum": ["success"]}, "data": data, **extra},
    }


API_DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "illustra",
        "version": "1",
        "description": "Turns the OCR text of life-insurance proposals into basic information, the annual value "
        "table and a plan summary. Errors are JSON {status: error, message}. With ILLUSTRA_AUTH=required every "
        "route but health, the page and this description needs a bearer token.",
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}, {}],
    "paths": {
        "/api/ocr/save/": {
            "post": {
                "summary": "Store a document and start its extraction",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["file_name", "ocr_content", "user_id"],
                                "properties": {
                                    "file_name": {"type": "string", "maxLength": 255, "pattern": _TEXT},
                                    "ocr_content": {"type": "string", "pattern": _TEXT},
                                    "user_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                                },
                            }
                        }
                    },
                },
                "responses": {**_ok(_ACCEPTED), **_errors(400, 401, 403, 413, 415, 422, 429, 503)},
            }
        },
        "/api/ocr/documents/{document_id}/retry/": {
            "post": {
                "summary": "Start a document in error again from the stage that failed",
                "parameters": [_DOCUMENT_ID],
                "responses": {**_ok(_ACCEPTED), **_errors(401, 404, 409, 415, 503)},
            }
        },
        "/api/ocr/documents/{document_id}/status/": {
            "get": {
                "summary": "Progress of a document (polled by the pages every 3 s)",
                "parameters": [_DOCUMENT_ID],
                "responses": {**_ok(_success(_STATUS_DATA)), **_errors(401, 404, 503)},
            }
        },
        "/api/ocr/documents/{document_id}/": {
            "get": {
                "summary": "A document with whatever its stages have produced",
                "parameters": [
                    _DOCUMENT_ID,
                    {"name": "include_text", "in": "query", "required": False, "schema": {"type": "boolean"}},
                ],
                "responses": {**_ok(_success(_DOCUMENT)), **_errors(400, 401, 404, 503)},
            },
            "delete": {
                "summary": "Delete a document with its results, attempts and cached model replies (its owner only)",
                "parameters": [_DOCUMENT_ID],
                "responses": {**_ok(_ACCEPTED), **_errors(401, 404, 503)},
            },
        },
        "/api/ocr/documents/": {
            "get": {
                "summary": "A user's documents, newest first",
                "parameters": [
                    {
                        "name": "user_id",
                        "in": "query",
                        "required": True,
                        "description": "whose documents; with a bearer token it may be left out (the token's user)",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_DOCUMENT_ID},
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                    },
                    {
                        "name": "page_size",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                ],
                "responses": {
                    **_ok(
                        _success(
                            {"type": "array", "items": _DOCUMENT_SUMMARY},
                            pagination={
                                "type": "object",
                                "required": ["page", "page_size", "total", "pages"],
                                "properties": {
                                    name: {"type": "integer"}
                                    for name in ("page", "page_size", "total", "pages")
                                },
                            },
                        )
                    ),
                    **_errors(400, 401, 403, 503),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "The process answers",
                "security": [],
                "responses": {**_ok(_HEALTH), "414": _URI_TOO_LONG},
            }
        },
        "/readyz": {
            "get": {
                "summary": "The database and the broker answer",
                "security": [],
                "responses": {
                    **_ok(_HEALTH),
                    "414": _URI_TOO_LONG,
                    "503": {"description": "not ready", "content": {"application/json": {"schema": _HEALTH}}},
                },
            }
        },
    },
}


class OpenAPIResource:
    uses_database = False
    auth_exempt = True

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = API_DOCUMENT


def add_openapi_route(app: falcon.App[Any, Any]) -> None:
    app.add_route("/openapi.json", OpenAPIResource())
