"""The gateway's Falcon app factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import falcon
import redis
from dramatiq import Broker
from peewee import Database

from illustra_shared.errors import NotInError, QuotaExceeded
from illustra_shared.lifecycle import Lifecycle
from illustra_shared.models import utcnow
from illustra_shared.pipeline import Pipeline
from illustra_shared.ratelimit import RateLimiter, RedisRateLimiter
from illustra_shared.routing import DOCUMENT_ID
from illustra_shared.settings import Settings
from illustra_shared.web import answered_as, create_api_app

from .metrics import SubmissionMetrics
from .page import add_page_routes
from .resources import DocumentWrites


def rate_limiter(settings: Settings) -> RateLimiter:
    if settings.environment == "demo":
        return RateLimiter(settings.submit_limit, settings.submit_window_s)
    return RedisRateLimiter(
        redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2),
        settings.submit_limit,
        settings.submit_window_s,
        namespace=settings.broker_namespace,
    )


def create_app(
    settings: Settings, *, database: Database, broker: Broker, clock: Callable[[], datetime] = utcnow
) -> falcon.App:
    app = create_api_app("gateway", settings, database, broker, SubmissionMetrics())
    # Transitions the lifecycle refused, its reason the answer.
    app.add_error_handler(NotInError, answered_as(falcon.HTTPConflict))
    app.add_error_handler(QuotaExceeded, answered_as(falcon.HTTPForbidden))
    writes = DocumentWrites(
        Lifecycle(database, settings, clock),
        Pipeline(broker, settings),
        rate_limiter(settings),
        settings.max_body_bytes,
    )
    app.add_route("/api/ocr/save/", writes)
    app.add_route(f"/api/ocr/documents/{DOCUMENT_ID}/retry/", writes, suffix="retry")
    add_page_routes(app)
    return app
