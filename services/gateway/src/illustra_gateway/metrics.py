"""Counting documents accepted and refused by the gateway."""

from __future__ import annotations

from typing import Any

import falcon

from illustra_shared import metrics

_REFUSAL_REASONS = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    422: "invalid",
    413: "too_large",
    415: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


class SubmissionMetrics:
    """Falcon middleware: the outcome of every submission."""

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if req.method != "POST" or req.uri_template != "/api/ocr/save/":
            return
        if resp.status_code == 200:
            metrics.DOCUMENTS_ACCEPTED.inc()
        else:
            metrics.DOCUMENTS_REFUSED.labels(_REFUSAL_REASONS.get(resp.status_code, "other")).inc()
