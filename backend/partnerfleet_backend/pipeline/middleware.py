"""The outermost layer of every request: a request id, no NUL in the URL, the body read whole,
within its size limit and its time."""

import asyncio
import uuid
from typing import Any

from starlette.datastructures import State
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from partnerfleet_backend.kit.errors import (
    PayloadTooLarge,
    RequestTimeout,
    ServiceError,
    ValidationFailed,
)
from partnerfleet_backend.pipeline.problems import problem_response, refusal

WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestIdAndBodyLimit:
    """Give every request the service's own id (answered in X-Request-Id; the client's
    X-Request-Id is kept beside it, never instead of it); read a body before the app sees it:
    413 over the limit (declared or chunked), 408 when it does not arrive in time."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        read_seconds: float = 10.0,
        larger: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.read_seconds = read_seconds
        self.larger = larger or {}  # path -> its own limit (a plan carries a whole stack)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        state = scope.setdefault("state", {})
        request_id = _name_request(state, headers)
        send_with_id = _sending_headers(state, scope.get("path", ""), request_id, send)
        limit = self.larger.get(scope.get("path", ""), self.max_body_bytes)
        refused = _refused_at_the_door(scope, headers, limit)
        if refused is not None:
            await _closing(problem_response(refused, request_id))(scope, receive, send_with_id)
            return
        if scope.get("method") in WITH_BODY:
            try:
                async with asyncio.timeout(self.read_seconds):
                    body = await self._read_body(receive, limit)
            except TimeoutError:
                late = RequestTimeout(f"the body did not arrive within {self.read_seconds:g} s")
                await _closing(problem_response(late, request_id))(scope, receive, send_with_id)
                return
            except _BodyTooLarge:
                too_large = PayloadTooLarge(f"the body is larger than {limit} bytes")
                response = _closing(problem_response(too_large, request_id))
                await response(scope, receive, send_with_id)
                return
            if body is None:
                return  # the client went away
            receive = _replay(body, receive)
        await self.app(scope, receive, send_with_id)
        await refusal(State(state))  # a route that answered without its pipeline

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _name_request(state: dict[str, Any], headers: dict[bytes, bytes]) -> str:
    """A new request id, and the client's own (X-Request-Id) if it is a sensible one."""
    request_id = uuid.uuid4().hex
    state["request_id"] = request_id
    given = headers.get(b"x-request-id", b"").decode("latin-1")
    if 0 < len(given) <= 64 and given.isprintable():
        state["client_request_id"] = given
    return request_id


def _sending_headers(state: dict[str, Any], path: str, request_id: str, send: Send) -> Send:
    """`send` adding the request id, the quota's headers and the guards to the answer."""
    guarded = _guarding_headers(path)

    async def send_with_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            extra = [(b"x-request-id", request_id.encode())]
            present = {name.lower() for name, _ in message.get("headers", [])}
            for name, value in state.get("ratelimit", {}).items():
                if name.lower().encode() not in present:
                    extra.append((name.encode(), value.encode()))
            extra += [(name, value) for name, value in guarded if name not in present]
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return send_with_id


def _refused_at_the_door(
    scope: Scope, headers: dict[bytes, bytes], limit: int
) -> ServiceError | None:
    """A URL with NUL in it, or a body declared larger than the limit: refused unread."""
    target = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
    if b"\x00" in target or b"%00" in target:
        return ValidationFailed("the URL must not contain NUL characters", field="url")
    declared = headers.get(b"content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return PayloadTooLarge(f"the body is larger than {limit} bytes")
    return None


# Every answer: no sniffing of its type, never in a frame of another site, no referrer (a
# portal link may carry an invitation's token), and not kept by caches unless it says so
# itself (a logo does). The portal's pages also say where their parts may come from.
GUARDS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)
PAGE_POLICY = (
    b"default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; "
    b"script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    b"frame-ancestors 'none'"
)


def _guarding_headers(path: str) -> list[tuple[bytes, bytes]]:
    if path.startswith("/portal/static"):
        return [GUARDS[0], GUARDS[1]]
    policy = (
        PAGE_POLICY
        if path.startswith("/portal") and not path.startswith("/portal/docs")
        else b"frame-ancestors 'none'"
    )
    return [*GUARDS, (b"content-security-policy", policy)]


def _closing(response: JSONResponse) -> JSONResponse:
    """An answer before the whole body was read: the connection cannot carry another request."""
    response.headers["Connection"] = "close"
    return response


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body as one message, then whatever the connection says next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _BodyTooLarge(Exception):
    pass
