"""The API description (OpenAPI 3.0) of every route at the public origin, served at ``/openapi.json`` by the
gateway and by the status service: the bodies' and answers' schemas are generated from the contract's models,
the routes are listed here. The tests run schemathesis against it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .contract import (
    Accepted,
    DocumentAnswer,
    DocumentListAnswer,
    Error,
    Health,
    StatusAnswer,
    Submission,
)
from .routing import MAX_DOCUMENT_ID


def _openapi_3_0(schema: Any) -> Any:
    """pydantic writes JSON Schema 2020-12 (OpenAPI 3.1), where 4551.0 is an integer: schemathesis sends such
    numbers as valid data to a 3.1 description, for every integer in bodies and query strings alike. The
    description stays OpenAPI 3.0, whose integers are whole numbers only: null becomes nullable, const an enum."""
    if isinstance(schema, list):
        return [_openapi_3_0(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: _openapi_3_0(value) for key, value in schema.items()}
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    if {"type": "null"} in schema.get("anyOf", []):
        (other,) = [option for option in schema.pop("anyOf") if option != {"type": "null"}]
        schema.update({"allOf": [other]} if "$ref" in other else other, nullable=True)
    return schema


_, _SCHEMAS = models_json_schema(
    [
        (Submission, "validation"),
        *((model, "serialization") for model in (Accepted, Error, Health, StatusAnswer, DocumentAnswer)),
        (DocumentListAnswer, "serialization"),
    ],
    ref_template="#/components/schemas/{model}",
)


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


# A request line longer than the HTTP server takes is refused by the server itself (gunicorn, or the Ingress's
# nginx), before the application sees it, in HTML.
_URI_TOO_LONG = {
    "description": "request line too long",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def _responses(answer: type[BaseModel], *errors: int) -> dict[str, Any]:
    return {
        "200": {"description": "success", "content": _json(answer)},
        **{str(code): {"description": "an error", "content": _json(Error)} for code in errors},
        "414": _URI_TOO_LONG,
    }


def _whole(
    name: str, maximum: int, where: str = "query", required: bool = False, **extra: Any
) -> dict[str, Any]:
    """A parameter that is a whole number from 1 to ``maximum``."""
    schema = {"type": "integer", "minimum": 1, "maximum": maximum}
    return {"name": name, "in": where, "required": required, "schema": schema, **extra}


_DOCUMENT_ID = _whole("document_id", MAX_DOCUMENT_ID, "path", required=True)

API_DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "illustra",
        "version": "1",
        "description": "Turns the OCR text of life-insurance proposals into basic information, the annual value "
        "table and a plan summary. Errors are JSON {status: error, message}. With ILLUSTRA_AUTH=required every "
        "route but health, the page and this description needs a bearer token.",
    },
    "components": {
        "schemas": _openapi_3_0(_SCHEMAS["$defs"]),
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "security": [{"bearer": []}, {}],
    "paths": {
        "/api/ocr/save/": {
            "post": {
                "summary": "Store a document and start its extraction",
                "requestBody": {"required": True, "content": _json(Submission)},
                "responses": _responses(Accepted, 400, 401, 403, 413, 415, 422, 429, 503),
            }
        },
        "/api/ocr/documents/{document_id}/retry/": {
            "post": {
                "summary": "Start a document in error again from the stage that failed",
                "parameters": [_DOCUMENT_ID],
                "responses": _responses(Accepted, 401, 404, 409, 415, 503),
            }
        },
        "/api/ocr/documents/{document_id}/status/": {
            "get": {
                "summary": "Progress of a document (polled by the pages every 3 s)",
                "parameters": [_DOCUMENT_ID],
                "responses": _responses(StatusAnswer, 401, 404, 503),
            }
        },
        "/api/ocr/documents/{document_id}/": {
            "get": {
                "summary": "A document with whatever its stages have produced",
                "parameters": [
                    _DOCUMENT_ID,
                    {"name": "include_text", "in": "query", "required": False, "schema": {"type": "boolean"}},
                ],
                "responses": _responses(DocumentAnswer, 400, 401, 404, 503),
            },
            "delete": {
                "summary": "Delete a document with its results, attempts and cached model replies (its owner only)",
                "parameters": [_DOCUMENT_ID],
                "responses": _responses(Accepted, 401, 404, 503),
            },
        },
        "/api/ocr/documents/": {
            "get": {
                "summary": "A user's documents, newest first",
                "parameters": [
                    _whole(
                        "user_id",
                        MAX_DOCUMENT_ID,
                        required=True,
                        description="whose documents; with a bearer token it may be left out (the token's user)",
                    ),
                    _whole("page", 1_000_000),
                    _whole("page_size", 100),
                ],
                "responses": _responses(DocumentListAnswer, 400, 401, 403, 503),
            }
        },
        "/healthz": {
            "get": {"summary": "The process answers", "security": [], "responses": _responses(Health)}
        },
        "/readyz": {
            "get": {
                "summary": "The database and the broker answer",
                "security": [],
                "responses": {
                    **_responses(Health),
                    "503": {"description": "not ready", "content": _json(Health)},
                },
            }
        },
    },
}
