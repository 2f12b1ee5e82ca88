"""The local edge of ``make up``: one origin in front of the gateway and the status service, routing as the
Kubernetes Ingress does (``illustra_shared.routing``). Streams bodies both ways, so server-sent events pass."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from illustra_shared.routing import routes_to_status

# Hop-by-hop headers are for one connection only (RFC 9110, section 7.6.1).
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
}


def create_edge_app(gateway_url: str, status_url: str) -> web.Application:
    async def start_session(app: web.Application) -> None:
        app["session"] = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5), auto_decompress=False
        )

    async def close_session(app: web.Application) -> None:
        await app["session"].close()

    async def forward(request: web.Request) -> web.StreamResponse:
        upstream = status_url if routes_to_status(request.path) else gateway_url
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            async with request.app["session"].request(
                request.method,
                upstream + request.path_qs,
                headers=headers,
                data=request.content if request.body_exists else None,
                allow_redirects=False,
            ) as answer:
                response = web.StreamResponse(
                    status=answer.status,
                    headers={k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP},
                )
                await response.prepare(request)
                async for chunk in answer.content.iter_any():
                    await response.write(chunk)
                await response.write_eof()
                return response
        except (TimeoutError, aiohttp.ClientConnectionError):
            return web.json_response(
                {
                    "status": "error",
                    "message": "the service behind this route is unavailable; try again shortly",
                },
                status=503,
                headers={"Retry-After": "5"},
            )

    @web.middleware
    async def json_errors(request: web.Request, handler) -> web.StreamResponse:
        # What the edge refuses itself (a path it cannot route) is answered in the API's error format too.
        try:
            return await handler(request)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            return web.json_response({"status": "error", "message": error.reason}, status=error.status)

    app = web.Application(middlewares=[json_errors])
    app.on_startup.append(start_session)
    app.on_cleanup.append(close_session)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def run_edge(host: str, port: int, gateway_url: str, status_url: str) -> None:
    # The edge takes longer request lines than the services' HTTP server, so that the services answer (414) as
    # they do behind the Ingress.
    web.run_app(
        create_edge_app(gateway_url, status_url),
        host=host,
        port=port,
        print=None,
        access_log=None,
        handler_args={"max_line_size": 65536, "max_field_size": 65536},
    )
