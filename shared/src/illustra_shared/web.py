"""What both Falcon apps (gateway and status) are built on (``create_api_app``): the error format, the mapping of
failures to status codes, the database connection per request, authentication, request metrics, the health
resources and the API description."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import falcon
from dramatiq import Broker
from peewee import Database

from .auth import Authentication, TokenCheck
from .broker import ping_broker
from .database import release_connection
from .errors import UNAVAILABLE_ERRORS, DocumentNotFound
from .openapi import API_DOCUMENT
from .settings import Settings

log = logging.getLogger(__name__)


def serialize_error(req: falcon.Request, resp: falcon.Response, exception: falcon.HTTPError) -> None:
    resp.media = {"status": "error", "message": exception.description or exception.title}
    resp.content_type = falcon.MEDIA_JSON
    resp.status = exception.status


def _unavailable(
    req: falcon.Request, resp: falcon.Response, exception: Exception, params: dict[str, Any]
) -> None:
    log.warning("dependency unavailable during %s %s: %s", req.method, req.path, type(exception).__name__)
    raise falcon.HTTPServiceUnavailable(
        description="a service this request needs (database or broker) is unavailable; try again shortly",
        retry_after=5,
    )


def answered_as(
    http_error: Callable[..., falcon.HTTPError],
) -> Callable[[falcon.Request, falcon.Response, Exception, dict[str, Any]], None]:
    """An error handler answering an exception with ``http_error``, the exception's message its body."""

    def handle(
        req: falcon.Request, resp: falcon.Response, exception: Exception, params: dict[str, Any]
    ) -> None:
        raise http_error(description=str(exception))

    return handle


def _unexpected(
    req: falcon.Request, resp: falcon.Response, exception: Exception, params: dict[str, Any]
) -> None:
    log.exception("unhandled error during %s %s", req.method, req.path)
    raise falcon.HTTPInternalServerError(description="internal error")


class DatabaseConnection:
    """Falcon middleware: open the (pooled) connection for resources that use the database, close it after."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        if getattr(resource, "uses_database", True):
            self.database.connect(reuse_if_open=True)

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        release_connection(self.database, broken=resp.status_code == 503)


class JsonOnly:
    """Falcon middleware: a request with a body must say ``Content-Type: application/json`` (415 otherwise), so a
    cross-site form, which can only send form and text bodies, cannot post to the API; and every answer carries
    ``nosniff`` and, unless its resource set its own caching, ``Cache-Control: no-store``, so no browser or proxy
    keeps a document's data."""

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        chunked = "chunked" in (req.get_header("Transfer-Encoding") or "").lower()
        if not (req.content_length or chunked):
            return
        media_type = (req.content_type or "").partition(";")[0].strip().lower()
        if media_type != falcon.MEDIA_JSON:
            raise falcon.HTTPUnsupportedMediaType(
                description="a request body must be JSON, sent with Content-Type: application/json"
            )

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        resp.set_header("X-Content-Type-Options", "nosniff")
        if resp.get_header("Cache-Control") is None:
            resp.set_header("Cache-Control", "no-store")


class FixedAnswer:
    """The same answer to every GET, without the database or a token: ``/healthz`` (the process answers) and
    ``/openapi.json``."""

    uses_database = False
    auth_exempt = True

    def __init__(self, media: dict[str, Any]) -> None:
        self.media = media

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.media


class ReadinessResource:
    """``/readyz``: the database and the broker answer."""

    uses_database = False
    auth_exempt = True

    def __init__(self, database: Database, broker: Broker) -> None:
        self.checks: dict[str, Callable[[], None]] = {
            "database": self._check_database,
            "broker": lambda: ping_broker(broker),
        }
        self.database = database

    def _check_database(self) -> None:
        with self.database.connection_context():
            self.database.execute_sql("SELECT 1")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        results = {}
        for name, check in self.checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as error:  # every failure means "not ready", whatever its type
                results[name] = f"unavailable: {type(error).__name__}"
        ready = all(value == "ok" for value in results.values())
        resp.status = falcon.HTTP_200 if ready else falcon.HTTP_503
        resp.media = {"status": "success" if ready else "error", "checks": results}


def create_api_app(
    service: str, settings: Settings, database: Database, broker: Broker, *middleware: Any
) -> falcon.App[Any, Any]:
    """The app of ``service`` with what both services share; its own ``middleware`` runs after the request
    metrics, before the JSON-only check, the database connection and authentication."""
    app: falcon.App[Any, Any] = falcon.App(
        middleware=[
            RequestMetrics(service),
            *middleware,
            JsonOnly(),
            DatabaseConnection(database),
            Authentication(TokenCheck(settings.token_cache_s), required=settings.auth_required),
        ]
    )
    app.set_error_serializer(serialize_error)
    app.add_error_handler(Exception, _unexpected)
    app.add_error_handler(DocumentNotFound, answered_as(falcon.HTTPNotFound))
    for error in UNAVAILABLE_ERRORS:
        app.add_error_handler(error, _unavailable)
    app.add_route("/healthz", FixedAnswer({"status": "ok"}))
    app.add_route("/readyz", ReadinessResource(database, broker))
    app.add_route("/openapi.json", FixedAnswer(API_DOCUMENT))
    return app


@functools.lru_cache(maxsize=64)
def route_label(uri_template: str | None) -> str:
    """The route as the API description writes it: ``{document_id:int(min=1, …)}`` becomes ``{document_id}``."""
    if uri_template is None:
        return "unmatched"
    return re.sub(r"\{(\w+):[^}]*\}", r"{\1}", uri_template)


class RequestMetrics:
    """Falcon middleware: requests by route (as the API description writes it) and status code, and their
    latency."""

    def __init__(self, service: str) -> None:
        from . import metrics

        self.service = service
        self.requests = metrics.HTTP_REQUESTS
        self.duration = metrics.HTTP_REQUEST_DURATION

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        route = route_label(req.uri_template)
        self.requests.labels(self.service, route, req.method, resp.status_code).inc()
        self.duration.labels(self.service, route, req.method).observe(
            time.perf_counter() - req.context.started
        )
