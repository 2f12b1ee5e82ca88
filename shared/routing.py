"""Which service answers a request at the one public origin: reads of documents go to the status service,
everything else to the gateway. The Kubernetes Ingress, the local edge of ``make up`` and the demo follow it."""

STATUS_PATH_PREFIX = "/api/ocr/documents/"


def is_status_read(method: str, path: str) -> bool:
    return method in ("GET", "HEAD") and path.startswith(STATUS_PATH_PREFIX)
