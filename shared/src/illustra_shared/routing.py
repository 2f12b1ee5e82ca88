"""Which service answers a request at the one public origin: the documents' routes go to the status service,
except the retry of a document (a write), which goes with everything else to the gateway. The Kubernetes Ingress
(by path: it cannot route by method), the local edge of ``make up`` and the demo all follow this."""

import re

STATUS_PATH_PREFIX = "/api/ocr/documents/"
# Document ids are PostgreSQL bigints: a path with a larger one names no document (404), and never reaches a query
# whose parameter is typed bigint (a prepared statement would fail on it).
MAX_DOCUMENT_ID = 2**63 - 1
DOCUMENT_ID = f"{{document_id:int(min=1, max={MAX_DOCUMENT_ID})}}"
# The gateway's write under the status service's prefix; the Ingress carries the same expression.
GATEWAY_PATHS_UNDER_STATUS = r"/api/ocr/documents/[^/]+/retry/"
_GATEWAY_UNDER_STATUS = re.compile(GATEWAY_PATHS_UNDER_STATUS + "$")


def routes_to_status(path: str) -> bool:
    return path.startswith(STATUS_PATH_PREFIX) and not _GATEWAY_UNDER_STATUS.match(path)
