"""The page's files as the gateway serves them: content types, cache headers, revalidation, nothing else served.
In process (no stack); tests/browser/test_page.py drives the page in Chromium against the real stack."""

from __future__ import annotations

import re

import falcon
import pytest
from falcon import testing

from illustra_gateway.page import STATIC_DIR, add_page_routes


@pytest.fixture
def client() -> testing.TestClient:
    app = falcon.App()
    add_page_routes(app)
    return testing.TestClient(app)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/static/app.js", "text/javascript; charset=utf-8"),
        ("/static/chart.js", "text/javascript; charset=utf-8"),
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/static/favicon.svg", "image/svg+xml"),
    ],
)
def test_each_file_has_its_content_type_an_etag_and_is_revalidated(client, path, content_type) -> None:
    answer = client.simulate_get(path)
    assert answer.status_code == 200 and answer.headers["content-type"] == content_type
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.headers["x-content-type-options"] == "nosniff"
    etag = answer.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    again = client.simulate_get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.simulate_get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    head = client.simulate_head(path)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag


def test_the_page_forbids_assets_from_elsewhere_and_loads_only_its_own_modules(client) -> None:
    answer = client.simulate_get("/")
    policy = answer.headers["content-security-policy"]
    assert (
        "default-src 'self'" in policy
        and "script-src 'self'" in policy
        and "frame-ancestors 'none'" in policy
    )
    html = answer.text
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    for name in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert client.simulate_get(f"/static/{name}").status_code == 200, name


def test_every_module_imports_only_files_beside_it() -> None:
    for module in STATIC_DIR.glob("*.js"):
        for target in re.findall(r'^import .* from "([^"]+)";', module.read_text(), flags=re.M):
            assert target.startswith("./") and (STATIC_DIR / target[2:]).is_file(), (module.name, target)


@pytest.mark.parametrize("path", ["/static/missing.js", "/static/..%2Fpage.py", "/static/", "/static/a/b.js"])
def test_nothing_else_is_served(client, path) -> None:
    answer = client.simulate_get(path)
    assert answer.status_code == 404
