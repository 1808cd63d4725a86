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


def serve(host: str, port: int, workers: int) -> None:
    """Serve until stopped (SIGTERM/SIGINT)."""
    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "uvicorn_worker.UvicornWorker",
            "keepalive": 75,
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": None,
            "loglevel": "warning",
        }
    ).run()
