"""The gateway's resources: thin, with their collaborators passed in."""

from __future__ import annotations

import logging

import falcon

from illustra_shared.errors import DependencyUnavailable
from illustra_shared.pipeline import Pipeline
from illustra_shared.web import UNAVAILABLE_ERRORS

from .store import DocumentStore
from .validation import submission_body

log = logging.getLogger(__name__)


class SaveDocumentResource:
    """``POST /api/ocr/save/``: store the document, then start its pipeline."""

    def __init__(self, store: DocumentStore, pipeline: Pipeline, max_body_bytes: int) -> None:
        self.store = store
        self.pipeline = pipeline
        self.max_body_bytes = max_body_bytes

    @falcon.before(submission_body)
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        document_id = self.store.create(req.context.submission)
        try:
            self.pipeline.start(document_id)
        except UNAVAILABLE_ERRORS as error:
            self.store.discard(document_id)
            raise DependencyUnavailable("broker unavailable") from error
        log.info("document accepted", extra={"document_id": document_id})
        resp.media = {"status": "success", "message": "保存成功", "document_id": document_id}
