"""The one exception hierarchy of illustra, and the outside errors that mean a dependency is down."""

import peewee
import redis.exceptions
from dramatiq.errors import BrokerError


class IllustraError(Exception):
    """Base class of every error illustra raises on purpose."""


class ConfigurationError(IllustraError):
    """A setting from the environment is missing or malformed."""


class DependencyUnavailable(IllustraError):
    """The database or the broker cannot be reached; the request or message may succeed later."""


class DocumentNotFound(IllustraError):
    """No document has the requested id."""


class NotInError(IllustraError):
    """A restart was asked for a document that has not failed: only a document in ``error`` can be restarted."""

    def __init__(self, document_id: int, stage: str) -> None:
        super().__init__(
            f"document {document_id} is at {stage}, not in error: only a failed document can be retried"
        )


class QuotaExceeded(IllustraError):
    """Storing the document would take its user past the storage quota."""

    def __init__(self, documents: int, max_bytes: int) -> None:
        super().__init__(
            f"storage quota reached: at most {documents} documents and {max_bytes} bytes of text per user;"
            " delete documents (DELETE /api/ocr/documents/{id}/) to make room"
        )


class StageFailed(IllustraError):
    """A pipeline stage could not produce its result; the message is meant for a person."""


# What "the database or the broker is down" looks like from inside a request or a stage: worth a later try.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    peewee.OperationalError,
    peewee.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    BrokerError,
    DependencyUnavailable,
)
