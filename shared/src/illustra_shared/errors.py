"""The one exception hierarchy of illustra."""


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
