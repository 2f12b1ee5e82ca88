"""The gateway's resource: thin, with its collaborators passed in."""

from __future__ import annotations

import logging

import falcon

from illustra_shared.errors import UNAVAILABLE_ERRORS, DependencyUnavailable
from illustra_shared.lifecycle import Lifecycle
from illustra_shared.pipeline import Pipeline
from illustra_shared.ratelimit import RateLimiter

from .validation import submission_body

log = logging.getLogger(__name__)


class DocumentWrites:
    """``POST /api/ocr/save/``: store the document, then start its pipeline. ``POST
    /api/ocr/documents/{id}/retry/`` (suffix ``retry``): start a document in ``error`` again from the stage that
    failed, keeping what the earlier stages produced."""

    def __init__(
        self, lifecycle: Lifecycle, pipeline: Pipeline, rate_limiter: RateLimiter, max_body_bytes: int
    ) -> None:
        self.lifecycle = lifecycle
        self.pipeline = pipeline
        self.rate_limiter = rate_limiter
        self.max_body_bytes = max_body_bytes

    @falcon.before(submission_body)
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        submission = req.context.submission
        wait_s = self.rate_limiter.hit(f"submit:{submission.user_id}")
        if wait_s is not None:
            raise falcon.HTTPTooManyRequests(
                description=f"too many documents: at most {self.rate_limiter.limit} every "
                f"{self.rate_limiter.window_s} s; try again in {wait_s} s",
                retry_after=wait_s,
            )
        created = self.lifecycle.create(submission.user_id, submission.file_name, submission.ocr_content)
        document_id = created.document_id
        try:
            self.pipeline.start(document_id, created.unfinished_before)
        except UNAVAILABLE_ERRORS as error:
            self.lifecycle.discard(document_id)
            raise DependencyUnavailable("broker unavailable") from error
        log.info("document accepted", extra={"document_id": document_id})
        resp.media = {"status": "success", "message": "保存成功", "document_id": document_id}

    def on_post_retry(self, req: falcon.Request, resp: falcon.Response, document_id: int) -> None:
        restart = self.lifecycle.restart_failed(document_id, owner=req.context.user_id)
        try:
            self.pipeline.enqueue(restart.step, document_id)
        except UNAVAILABLE_ERRORS as error:
            self.lifecycle.undo_restart(restart)
            raise DependencyUnavailable("broker unavailable") from error
        log.info("document restarted at %s", restart.step.name, extra={"document_id": document_id})
        resp.media = {
            "status": "success",
            "message": f"重新開始處理 / restarted from the {restart.step.label} stage",
            "document_id": document_id,
        }
