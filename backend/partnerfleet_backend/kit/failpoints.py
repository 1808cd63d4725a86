"""Named points where a fault test can make a worker process die (``kill -9`` of itself).

Off unless the service runs with ``PARTNERFLEET_FAILPOINTS=true`` (never in production; the
fault tests start their own service with it). A request names the point in the
``X-Partnerfleet-Failpoint`` header; the worker then dies there without cleanup, as a crash
or an OOM kill would, and gunicorn starts a new one.
"""

import os
import signal

from starlette.requests import Request

from partnerfleet_backend.settings import Settings

HEADER = "X-Partnerfleet-Failpoint"
POINTS = ("before-commit", "after-commit")


def hit(request: Request, settings: Settings, point: str) -> None:
    """Die here if this request asked for `point` and failpoints are on."""
    if settings.failpoints and request.headers.get(HEADER) == point:
        os.kill(os.getpid(), signal.SIGKILL)
