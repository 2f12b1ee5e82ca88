"""A bare Falcon app with the two benchmarked routes, served exactly as illustra serves its apps (same gunicorn
options, from ``illustra.serve.serve``), as the yardstick of ``bench/http.py``.

Started by bench/http.py (through ``_infra.bench_module_command``): ``_bare_app --bind HOST:PORT``.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import falcon

from illustra import serve as illustra_serve
from illustra_shared.routing import DOCUMENT_ID
from illustra_shared.settings import Settings


class Save:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        json.loads(req.bounded_stream.read())
        resp.media = {"status": "success", "message": "保存成功", "document_id": 1}


class Status:
    def on_get(self, req: falcon.Request, resp: falcon.Response, document_id: int) -> None:
        resp.media = {
            "status": "success",
            "data": {
                "processing_stage": "all_completed",
                "progress_percentage": 100,
                "last_processed_at": "2025-01-10T08:30:00.123Z",
                "status": "completed",
                "error_message": None,
            },
        }


def create_bare_app(settings: Settings, **ignored: Any) -> falcon.App:
    app = falcon.App()
    app.add_route("/api/ocr/save/", Save())
    app.add_route(f"/api/ocr/documents/{DOCUMENT_ID}/status/", Status())
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 4)))
    args = parser.parse_args()
    illustra_serve._app_factory = lambda name: create_bare_app  # same server, same options, another app
    illustra_serve.serve(
        "bare", Settings.from_env(), bind=args.bind, workers=args.workers, threads=args.threads
    )


if __name__ == "__main__":
    main()
