"""Run the service under gunicorn with uvicorn workers (not ``uvicorn --workers``)."""

from typing import Any

from fastapi import FastAPI
from gunicorn.app.base import BaseApplication


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
    """Run the due jobs and deliver webhooks every `interval_seconds` (a process of its own).

    The jobs are idempotent and lock what they change, so several hosts may run this at once.
    """
    import logging
    import signal
    import time

    from partnerfleet_backend.cli import run_jobs
    from partnerfleet_backend.notification.webhooks import deliver_due
    from partnerfleet_backend.settings import get_settings

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # gunicorn's Ctrl-C stops us via terminate()
    log = logging.getLogger("partnerfleet.scheduler")
    settings = get_settings()
    while True:
        started = time.monotonic()
        try:
            if not settings.test_clock:
                run_jobs(settings, None)
            deliver_due(settings)
        except Exception:  # keep the calendar running; the next round retries
            log.exception("scheduled jobs failed")
        time.sleep(max(interval_seconds - (time.monotonic() - started), 1.0))


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
    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "uvicorn_worker.UvicornWorker",
            "keepalive": 75,
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": None,
            # "error": a Ctrl-C would otherwise print a warning per worker it stops
            "loglevel": "error",
        }
    ).run()
