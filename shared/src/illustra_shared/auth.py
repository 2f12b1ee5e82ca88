"""Bearer tokens: issued by ``illustra token create``, stored as SHA-256 only, revocable; and the Falcon
middleware that turns ``Authorization: Bearer <token>`` into the request's user.

With ``ILLUSTRA_AUTH=required`` every API route needs a valid token and a user sees only their own documents.
With it off (the default outside prod) a request may still carry a token, and then it counts the same way."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import falcon

from .models import ApiToken

TOKEN_PREFIX = "ilt_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user_id: int, label: str | None, now: datetime) -> tuple[int, str]:
    """A new token for ``user_id``: (its id, the token). The token is not kept and cannot be shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.create(user_id=user_id, token_sha256=token_digest(token), label=label, created_at=now)
    return row.id, token


def revoke_token(token_id: int, now: datetime) -> bool:
    return bool(
        ApiToken.update(revoked_at=now)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_null())
        .execute()
    )


class TokenCheck:
    """Who a token belongs to. Answers are kept for ``ttl_s`` seconds, so the page polling every 3 s costs no
    query each time; a revoked token stops working within that time."""

    def __init__(self, ttl_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self.cache: dict[str, tuple[int | None, float]] = {}
        self.lock = threading.Lock()

    def user_of(self, token: str) -> int | None:
        digest = token_digest(token)
        now = self.clock()
        with self.lock:
            cached = self.cache.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        row = (
            ApiToken.select(ApiToken.user_id)
            .where(ApiToken.token_sha256 == digest, ApiToken.revoked_at.is_null())
            .tuples()
            .first()
        )
        user_id = None if row is None else row[0]
        with self.lock:
            if len(self.cache) > 10_000:
                self.cache.clear()
            self.cache[digest] = (user_id, now + self.ttl_s)
        return user_id


class Authentication:
    """Falcon middleware: sets ``req.context.user_id``, the user whose documents the request may see, from the
    bearer token (None, anyone's, when there is none and auth is not required). Resources marked ``auth_exempt``
    (health, the page, the API description) need no token."""

    def __init__(self, check: TokenCheck, *, required: bool) -> None:
        self.check = check
        self.required = required

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        req.context.user_id = None
        if resource is None or getattr(resource, "auth_exempt", False):
            return
        header = req.get_header("Authorization")
        if header is None:
            if self.required:
                raise falcon.HTTPUnauthorized(
                    description="authentication required: send Authorization: Bearer <token>",
                    challenges=["Bearer"],
                )
            return
        scheme, _, token = header.partition(" ")
        user_id = self.check.user_of(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user_id is None:
            raise falcon.HTTPUnauthorized(description="the bearer token is not valid", challenges=["Bearer"])
        req.context.user_id = user_id
