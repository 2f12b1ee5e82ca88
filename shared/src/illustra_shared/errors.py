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
