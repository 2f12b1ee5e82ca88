"""The brokers' page: ``GET /`` serves ``static/index.html`` and ``GET /static/{name}`` the files beside it (plain
HTML, CSS and ES modules, no build step). The files are read once, at start; every answer carries a strong ETag
and ``Cache-Control: no-cache``, so browsers keep them and revalidate with a cheap 304 (no hashed file names here,
so a long max-age would mix the modules of two releases)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import falcon

STATIC_DIR = Path(__file__).resolve().parent / "static"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}

# Everything the page needs comes from its own origin; the API is at the same origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    etag: str


def load_static_files(directory: Path = STATIC_DIR) -> dict[str, StaticFile]:
    """The servable files of ``directory`` (not its sub-folders), by name."""
    files = {}
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        content_type = CONTENT_TYPES.get(path.suffix.lower())
        if path.is_file() and content_type and not path.name.startswith("."):
            body = path.read_bytes()
            files[path.name] = StaticFile(body, content_type, hashlib.sha256(body).hexdigest()[:32])
    return files


class StaticResource:
    """``GET /``: the page; ``GET /static/{name}``: one of its files (only names found at start are served)."""

    uses_database = False
    auth_exempt = True

    def __init__(self, files: dict[str, StaticFile]) -> None:
        self.files = files

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str | None = None) -> None:
        file = self.files.get("index.html" if name is None else name)
        if file is None:
            missing = "the page is not installed (static/index.html is missing)"
            raise falcon.HTTPNotFound(description=missing if name is None else f"no static file {name!r}")
        resp.etag = file.etag  # Falcon quotes it
        resp.cache_control = ["no-cache"]
        if req.if_none_match and any(tag == file.etag or tag == "*" for tag in req.if_none_match):
            resp.status = falcon.HTTP_304  # a 304 carries no body, so no Content-Type either
            resp.content_type = None
            return
        resp.content_type = file.content_type
        resp.set_header("X-Content-Type-Options", "nosniff")
        if file.content_type.startswith("text/html"):
            resp.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            resp.set_header("Referrer-Policy", "same-origin")
            resp.set_header("X-Frame-Options", "DENY")
        resp.content_length = len(file.body)
        if req.method != "HEAD":
            resp.data = file.body

    on_head = on_get


def add_page_routes(app: falcon.App, directory: Path = STATIC_DIR) -> None:
    files = StaticResource(load_static_files(directory))
    app.add_route("/", files)
    app.add_route("/static/{name}", files)
