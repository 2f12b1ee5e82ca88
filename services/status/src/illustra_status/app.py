"""The status service's Falcon app factory."""

from __future__ import annotations

import falcon
from dramatiq import Broker
from peewee import Database

from illustra_shared.lifecycle import Lifecycle
from illustra_shared.models import utcnow
from illustra_shared.routing import DOCUMENT_ID
from illustra_shared.settings import Settings
from illustra_shared.web import create_api_app

from .reader import DocumentReader
from .resources import DocumentResource


def create_app(settings: Settings, *, database: Database, broker: Broker) -> falcon.App:
    app = create_api_app("status", settings, database, broker)
    # A parameter sent blank (?page=) is refused, not taken as absent.
    app.req_options.keep_blank_qs_values = True
    documents = DocumentResource(DocumentReader(database), Lifecycle(database, settings, utcnow), settings)
    app.add_route("/api/ocr/documents/", documents, suffix="list")
    app.add_route(f"/api/ocr/documents/{DOCUMENT_ID}/", documents)
    app.add_route(f"/api/ocr/documents/{DOCUMENT_ID}/status/", documents, suffix="status")
    return app
