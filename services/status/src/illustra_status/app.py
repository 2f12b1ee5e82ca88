"""The status service's Falcon app factory."""

from __future__ import annotations

import falcon
from dramatiq import Broker
from peewee import Database

from illustra_shared.auth import Authentication, TokenCheck
from illustra_shared.lifecycle import Lifecycle
from illustra_shared.models import utcnow
from illustra_shared.openapi import add_openapi_route
from illustra_shared.routing import DOCUMENT_ID
from illustra_shared.settings import Settings
from illustra_shared.web import (
    DatabaseConnection,
    JsonOnly,
    RequestMetrics,
    add_health_routes,
    install_error_handling,
)

from .reader import DocumentReader
from .resources import DocumentListResource, DocumentResource, StatusResource


def create_app(settings: Settings, *, database: Database, broker: Broker) -> falcon.App:
    app = falcon.App(
        middleware=[  # type: ignore[arg-type]  # falcon's middleware protocols do not join across classes
            RequestMetrics("status"),
            JsonOnly(),
            DatabaseConnection(database),
            Authentication(TokenCheck(settings.token_cache_s), required=settings.auth_required),
        ]
    )
    # A parameter sent blank (?page=) is refused, not taken as absent.
    app.req_options.keep_blank_qs_values = True
    install_error_handling(app)
    reader = DocumentReader(database)
    app.add_route("/api/ocr/documents/", DocumentListResource(reader, settings))
    lifecycle = Lifecycle(database, settings, utcnow)
    app.add_route(f"/api/ocr/documents/{DOCUMENT_ID}/", DocumentResource(reader, lifecycle))
    app.add_route(f"/api/ocr/documents/{DOCUMENT_ID}/status/", StatusResource(reader))
    add_health_routes(app, database, broker)
    add_openapi_route(app)
    return app
