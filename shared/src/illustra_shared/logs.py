"""Structured logs: one JSON object per line on stderr, with the service, and where they apply the document id,
stage, attempt and message id of the work the thread is doing. Nothing sensitive goes in: the code never logs OCR
text or credentials, and a last filter blanks anything shaped like a bearer token or an API key."""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import UTC, datetime
from typing import Any

_context = threading.local()

# Fields a caller may attach with ``extra=`` or ``bind``; anything else on a record is the logging module's own.
CONTEXT_FIELDS = ("document_id", "stage", "attempt", "message_id", "user_id", "route")
_SECRET = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}|\b(sk-[A-Za-z0-9_-]{8,})")


def bind(**fields: Any) -> None:
    """Attach fields to every log line of this thread until ``unbind``."""
    _context.fields = {**getattr(_context, "fields", {}), **fields}


def unbind() -> None:
    _context.fields = {}


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: (m.group(1) or "") + "[redacted]", text)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        line.update(getattr(_context, "fields", {}))
        for name in CONTEXT_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def formatter(service: str, log_format: str) -> logging.Formatter:
    """JSON unless LOG_FORMAT=text (for a person at a terminal)."""
    return TextFormatter(service) if log_format == "text" else JsonFormatter(service)


def configure_logging(level: str, service: str, log_format: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(service, log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
