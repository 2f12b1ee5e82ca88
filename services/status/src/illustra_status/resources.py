"""The status service's resource."""

from __future__ import annotations

import falcon

from illustra_shared.errors import DocumentNotFound
from illustra_shared.lifecycle import Lifecycle
from illustra_shared.settings import Settings

from .reader import DocumentReader


def _single(req: falcon.Request, name: str) -> str | None:
    raw = req.params.get(name)
    if isinstance(raw, list):
        raise falcon.HTTPBadRequest(description=f"query parameter {name} is given more than once")
    return raw


def _positive_int(req: falcon.Request, name: str, default: int | None, maximum: int | None = None) -> int:
    raw = _single(req, name)
    if raw is None:
        if default is None:
            raise falcon.HTTPBadRequest(description=f"query parameter {name} is required")
        return default
    if not raw.isdecimal() or len(raw) > 19 or int(raw) < 1:  # 19 digits hold every bigint
        raise falcon.HTTPBadRequest(description=f"query parameter {name} must be a positive integer")
    value = int(raw)
    if maximum is not None and value > maximum:
        raise falcon.HTTPBadRequest(description=f"query parameter {name} must be at most {maximum}")
    return value


def _boolean(req: falcon.Request, name: str) -> bool:
    raw = _single(req, name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false", "1", "0"):
        raise falcon.HTTPBadRequest(description=f"query parameter {name} must be true or false")
    return raw.lower() in ("true", "1")


class DocumentResource:
    """``GET /api/ocr/documents/{id}/``: the document with whatever its stages have produced so far.
    ``DELETE``: the document, its results, attempts and cached LLM replies, for its owner. It is served here, not
    by the gateway, because the Ingress routes by path and this path is the status service's.

    ``GET /api/ocr/documents/{id}/status/`` (suffix ``status``): the contract the polling frontends rely on.
    ``GET /api/ocr/documents/?user_id=N&page=P&page_size=S`` (suffix ``list``): a user's documents, newest
    first."""

    def __init__(self, reader: DocumentReader, lifecycle: Lifecycle, settings: Settings) -> None:
        self.reader = reader
        self.lifecycle = lifecycle
        self.settings = settings

    def on_get(self, req: falcon.Request, resp: falcon.Response, document_id: int) -> None:
        include_text = _boolean(req, "include_text")
        data = self.reader.document(document_id, owner=req.context.user_id, include_text=include_text)
        resp.media = {"status": "success", "data": data}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, document_id: int) -> None:
        if not self.lifecycle.delete(document_id, owner=req.context.user_id):
            raise DocumentNotFound(f"document {document_id} does not exist")
        resp.media = {"status": "success", "message": "已刪除 / deleted", "document_id": document_id}

    def on_get_status(self, req: falcon.Request, resp: falcon.Response, document_id: int) -> None:
        resp.media = {"status": "success", "data": self.reader.status(document_id, owner=req.context.user_id)}

    def on_get_list(self, req: falcon.Request, resp: falcon.Response) -> None:
        owner = req.context.user_id
        user_id = _positive_int(req, "user_id", owner, maximum=2**63 - 1)
        if owner is not None and user_id != owner:
            raise falcon.HTTPForbidden(description="user_id does not match the user of the bearer token")
        page = _positive_int(req, "page", 1, maximum=1_000_000)
        page_size = _positive_int(
            req, "page_size", self.settings.page_size_default, self.settings.page_size_max
        )
        documents, total = self.reader.list_for_user(user_id, page, page_size)
        resp.media = {
            "status": "success",
            "data": documents,
            "pagination": {
                "page": page,
                "page_size": page_size,
                "total": total,
                "pages": -(-total // page_size),
            },
        }
