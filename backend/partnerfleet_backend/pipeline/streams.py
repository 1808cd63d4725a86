"""A streamed answer that cannot hold the service: it has a deadline for the whole send (a
client that stops reading is cut off), it holds a slot of its holder's (a partner may stream
only a few answers at once per worker, through any number of keys or people), and its source
is closed when the answer ends, fails or is cancelled. The source itself must hold no database
transaction between its chunks."""

import asyncio
import logging
from collections.abc import Iterator
from contextlib import suppress

from starlette.concurrency import iterate_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from partnerfleet_backend.kit.errors import RateLimited
from partnerfleet_backend.kit.slots import Slots

log = logging.getLogger("partnerfleet.streams")

EXPORTS_AT_ONCE = 2  # per partner and worker


def _too_many() -> RateLimited:
    refused = RateLimited(
        f"at most {EXPORTS_AT_ONCE} downloads of your account at once; wait for one to finish"
    )
    refused.headers["Retry-After"] = "10"
    return refused


exports = Slots(EXPORTS_AT_ONCE, _too_many)


class BoundedStream(StreamingResponse):
    """Streams `chunks` within `deadline` seconds, in a slot of `exports` taken for `holder`
    now (429 when the holder has none free) and given back when the answer ends."""

    def __init__(
        self, chunks: Iterator[bytes], *, holder: str, deadline: float, **kwargs: object
    ) -> None:
        exports.take(holder)
        self.chunks, self.holder, self.deadline = chunks, holder, deadline
        super().__init__(iterate_in_threadpool(chunks), **kwargs)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with asyncio.timeout(self.deadline):
                await super().__call__(scope, receive, send)
        except TimeoutError:
            log.warning(
                "a download was cut off after %s s (the client stopped reading)", self.deadline
            )
        finally:
            exports.give(self.holder)
            close = getattr(self.chunks, "close", None)
            if close is not None:
                with suppress(ValueError):  # still running in its thread: it ends with its page
                    close()
