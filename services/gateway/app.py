"""The gateway's Falcon app factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import falcon
from dramatiq import Broker
from peewee import Database

from illustra_shared.models import utcnow
from illustra_shared.pipeline import Pipeline
from illustra_shared.settings import Settings
from illustra_shared.web import DatabaseConnection, RequestMetrics, add_health_routes, install_error_handling

from .metrics import SubmissionMetrics
from .page import add_page_routes
from .resources import SaveDocumentResource
from .store import DocumentStore


def create_app(
    settings: Settings, *, database: Database, broker: Broker, clock: Callable[[], datetime] = utcnow
) -> falcon.App:
    app = falcon.App(
        middleware=[RequestMetrics("gateway"), SubmissionMetrics(), DatabaseConnection(database)]
    )
    install_error_handling(app)
    app.add_route(
        "/api/ocr/save/",
        SaveDocumentResource(
            DocumentStore(database, clock), Pipeline(broker, settings), settings.max_body_bytes
        ),
    )
    add_health_routes(app, database, broker)
    add_page_routes(app)
    return app
