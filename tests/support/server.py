"""Run ``partnerfleet-backend serve`` as a real process with several workers."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.postgres import free_port

BIN = Path(sys.executable).parent / "partnerfleet-backend"


@contextmanager
def running_service(
    env: dict[str, str], *, workers: int = 4, test_clock: bool = True, log: Path | None = None
) -> Iterator[str]:
    """Serve on a free port; yields the base URL; stops the whole process group afterwards."""
    port = free_port()
    command = [str(BIN), "serve", "--port", str(port), "--workers", str(workers)]
    if test_clock:
        command.append("--test-clock")
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=out, stderr=out, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited with {process.returncode}")
            try:
                if requests.get(f"{base}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass  # not listening yet, or the workers are still booting
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not answer within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            out.close()  # type: ignore[union-attr]
