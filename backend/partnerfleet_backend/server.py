"""Run the service under gunicorn with uvicorn workers (not ``uvicorn --workers``)."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):  # type: ignore[misc]
    """A uvicorn worker on uvloop's event loop with httptools parsing HTTP, named rather than
    left to uvicorn's "auto" (a missing package fails the start instead of a silent fallback
    to asyncio and h11): about 0.2 ms less worker CPU a request (docs/benchmarks.md)."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "loop": "uvloop", "http": "httptools"}


class Server(BaseApplication):  # type: ignore[misc]
    """Gunicorn serving `create_app()` in each worker process."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> FastAPI:
        from partnerfleet_backend.app import create_app

        return create_app()


def scheduler_loop(interval_seconds: float) -> None:
    """Run the due jobs every `interval_seconds`, and deliver webhooks beside them (a process
    of its own). Deliveries run in their own thread: a slow endpoint never holds up the
    calendar.

    The jobs are idempotent and lock what they change, so several hosts may run this at once.
    """
    import logging
    import signal
    import threading

    from partnerfleet_backend.kit.redact import install_log_redaction
    from partnerfleet_backend.notification.webhooks import deliver_due
    from partnerfleet_backend.scheduler import run_due_jobs
    from partnerfleet_backend.settings import get_settings

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # gunicorn's Ctrl-C stops us via terminate()
    install_log_redaction()
    log = logging.getLogger("partnerfleet.scheduler")
    settings = get_settings()

    def deliveries() -> None:
        _every(min(interval_seconds, 10.0), lambda: deliver_due(settings), log, "webhooks")

    def mail() -> None:
        from partnerfleet_backend.mail.service import send_due

        _every(min(interval_seconds, 10.0), lambda: send_due(settings), log, "mail")

    threading.Thread(target=deliveries, name="webhooks", daemon=True).start()
    threading.Thread(target=mail, name="mail", daemon=True).start()
    if settings.test_clock:  # the calendar runs only when asked
        threading.Event().wait()
    _every(interval_seconds, lambda: run_due_jobs(settings), log, "calendar")


def _every(seconds: float, work: Callable[[], object], log: Any, name: str) -> None:
    """Run `work` every `seconds` for good; a failure is logged, the next round retries."""
    import time

    while True:
        started = time.monotonic()
        try:
            work()
        except Exception:
            log.exception("scheduled %s failed", name)
        time.sleep(max(seconds - (time.monotonic() - started), 1.0))


def serve(host: str, port: int, workers: int, jobs_interval_seconds: float = 60.0) -> None:
    """Serve until stopped (SIGTERM/SIGINT), with the scheduler beside the workers.

    With the test clock the periodic jobs run only when asked; webhooks are still delivered.
    """
    import multiprocessing
    import signal

    scheduler = multiprocessing.get_context("spawn").Process(
        target=scheduler_loop,
        args=(jobs_interval_seconds,),
        daemon=True,
        name="partnerfleet-scheduler",
    )
    # Ctrl-C stops the scheduler through terminate(); started with SIGINT ignored, it cannot
    # die with a traceback while it is still importing (an ignored signal stays ignored).
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        scheduler.start()
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        _run_gunicorn(host, port, workers)
    except KeyboardInterrupt:
        pass
    except SystemExit as stopped:  # gunicorn exits when it is done; only a failure is news
        if stopped.code not in (None, 0):
            raise
    finally:
        scheduler.terminate()
        scheduler.join(timeout=10)


def _run_gunicorn(host: str, port: int, workers: int) -> None:
    from partnerfleet_backend.settings import get_settings

    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "partnerfleet_backend.server.Worker",
            "keepalive": 75,
            "timeout": 60,
            # X-Forwarded-For names the client only when a configured proxy sent it
            "forwarded_allow_ips": get_settings().trusted_proxies,
            "graceful_timeout": 10,
            "accesslog": None,
            # "error": a Ctrl-C would otherwise print a warning per worker it stops
            "loglevel": "error",
        }
    ).run()
