"""The outermost layer of every request: a request id, no NUL in the URL, the body limit."""

import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from partnerfleet_backend.kit.errors import PayloadTooLarge, ValidationFailed
from partnerfleet_backend.pipeline.problems import problem_response


class RequestIdAndBodyLimit:
    """Give every request the service's own id (answered in X-Request-Id; the client's
    X-Request-Id is kept beside it, never instead of it) and refuse bodies over the limit
    with 413."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        if 0 < len(given) <= 64 and given.isprintable():
            state["client_request_id"] = given
        target = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if b"\x00" in target or b"%00" in target:
            bad = ValidationFailed("the URL must not contain NUL characters", field="url")
            await problem_response(bad, request_id)(scope, receive, send)
            return
        too_large = PayloadTooLarge(f"the body is larger than {self.max_body_bytes} bytes")
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await problem_response(too_large, request_id)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-request-id", request_id.encode())]
                present = {name.lower() for name, _ in message.get("headers", [])}
                for name, value in scope["state"].get("ratelimit", {}).items():
                    if name.lower().encode() not in present:
                        extra.append((name.encode(), value.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await problem_response(too_large, request_id)(scope, receive, send_with_id)


class _BodyTooLarge(Exception):
    pass
