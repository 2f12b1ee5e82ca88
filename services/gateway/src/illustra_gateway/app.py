"""The gateway's Falcon app factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import falcon
import redis
from dramatiq import Broker
from peewee import Database

from illustra_shared.auth import Authentication, TokenCheck
from illustra_shared.models import utcnow
from illustra_shared.openapi import add_openapi_route
from illustra_shared.pipeline import Pipeline
from illustra_shared.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from illustra_shared.routing import DOCUMENT_ID
from illustra_shared.settings import Settings
from illustra_shared.web import (
    DatabaseConnection,
    JsonOnly,
    RequestMetrics,
    add_health_routes,
    install_error_handling,
)

from .metrics import SubmissionMetrics
from .page import add_page_routes
from .resources import RetryResource, SaveDocumentResource
from .store import DocumentStore


def default_rate_limiter(settings: Settings) -> RateLimiter:
    if settings.is_demo:
        return MemoryRateLimiter(settings.submit_limit, settings.submit_window_s)
    return RedisRateLimiter(
        redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2),
        settings.submit_limit,
        settings.submit_window_s,
        namespace=settings.broker_namespace,
    )


def create_app(
    settings: Settings,
    *,
    database: Database,
    broker: Broker,
    clock: Callable[[], datetime] = utcnow,
    rate_limiter: RateLimiter | None = None,
) -> falcon.App:
    app = falcon.App(
        middleware=[  # type: ignore[arg-type]  # falcon's middleware protocols do not join across classes
            RequestMetrics("gateway"),
            SubmissionMetrics(),
            JsonOnly(),
            DatabaseConnection(database),
            Authentication(TokenCheck(settings.token_cache_s), required=settings.auth_required),
        ]
    )
    install_error_handling(app)
    store = DocumentStore(
        database, clock, quota_documents=settings.quota_documents, quota_bytes=settings.quota_bytes
    )
    pipeline = Pipeline(broker, settings)
    app.add_route(
        "/api/ocr/save/",
        SaveDocumentResource(
            store, pipeline, rate_limiter or default_rate_limiter(settings), settings.max_body_bytes
        ),
    )
    app.add_route(f"/api/ocr/documents/{DOCUMENT_ID}/retry/", RetryResource(store, pipeline))
    add_openapi_route(app)
    add_health_routes(app, database, broker)
    add_page_routes(app)
    return app
