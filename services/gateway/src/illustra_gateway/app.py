"""The gateway's Falcon app factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import falcon
import redis
from dramatiq import Broker
from peewee import Database

from illustra_shared.errors import NotInError, QuotaExceeded
from illustra_shared.lifecycle import Lifecycle
from illustra_shared.models import utcnow
from illustra_shared.pipeline import Pipeline
from illustra_shared.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from illustra_shared.routing import DOCUMENT_ID
from illustra_shared.settings import Settings
from illustra_shared.web import create_api_app

from .metrics import SubmissionMetrics
from .page import add_page_routes
from .resources import RetryResource, SaveDocumentResource


def default_rate_limiter(settings: Settings) -> RateLimiter:
    if settings.is_demo:
        return MemoryRateLimiter(settings.submit_limit, settings.submit_window_s)
    return RedisRateLimiter(
        redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2),
        settings.submit_limit,
        settings.submit_window_s,
        namespace=settings.broker_namespace,
    )


def _refused_as(
    http_error: Callable[..., falcon.HTTPError],
) -> Callable[[falcon.Request, falcon.Response, Exception, dict[str, Any]], None]:
    """An error handler answering a transition the lifecycle refused with ``http_error``, its reason the body."""

    def handle(
        req: falcon.Request, resp: falcon.Response, exception: Exception, params: dict[str, Any]
    ) -> None:
        raise http_error(description=str(exception))

    return handle


def create_app(
    settings: Settings,
    *,
    database: Database,
    broker: Broker,
    clock: Callable[[], datetime] = utcnow,
    rate_limiter: RateLimiter | None = None,
) -> falcon.App:
    app = create_api_app("gateway", settings, database, broker, SubmissionMetrics())
    app.add_error_handler(NotInError, _refused_as(falcon.HTTPConflict))
    app.add_error_handler(QuotaExceeded, _refused_as(falcon.HTTPForbidden))
    lifecycle = Lifecycle(database, settings, clock)
    pipeline = Pipeline(broker, settings)
    app.add_route(
        "/api/ocr/save/",
        SaveDocumentResource(
            lifecycle, pipeline, rate_limiter or default_rate_limiter(settings), settings.max_body_bytes
        ),
    )
    app.add_route(f"/api/ocr/documents/{DOCUMENT_ID}/retry/", RetryResource(lifecycle, pipeline))
    add_page_routes(app)
    return app
