"""Counting documents accepted and refused by the gateway."""

from __future__ import annotations

from typing import Any

import falcon

from illustra_shared import metrics
from illustra_shared.metrics import RefusalReason

_REFUSAL_REASONS = {
    400: RefusalReason.INVALID,
    401: RefusalReason.UNAUTHORIZED,
    403: RefusalReason.FORBIDDEN,
    422: RefusalReason.INVALID,
    413: RefusalReason.TOO_LARGE,
    415: RefusalReason.INVALID,
    429: RefusalReason.RATE_LIMITED,
    503: RefusalReason.UNAVAILABLE,
}


class SubmissionMetrics:
    """Falcon middleware: the outcome of every submission."""

    def __init__(self) -> None:
        metrics.start_at_zero(metrics.DOCUMENTS_REFUSED)

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if req.method != "POST" or req.uri_template != "/api/ocr/save/":
            return
        if resp.status_code == 200:
            metrics.DOCUMENTS_ACCEPTED.inc()
        else:
            metrics.DOCUMENTS_REFUSED.labels(
                _REFUSAL_REASONS.get(resp.status_code, RefusalReason.OTHER)
            ).inc()
