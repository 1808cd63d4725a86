"""Bodies are bounded in size (declared or chunked) and in time: the served backend answers a
chunked body over the limit with 413 and a stalled upload with 408, and closes it."""

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.server import running_service


@pytest.fixture(scope="module")
def served(service_env: dict[str, str]) -> Iterator[tuple[str, int]]:
    env = {**service_env, "PARTNERFLEET_REQUEST_READ_SECONDS": "1"}
    with running_service(env, workers=2) as base:
        parts = urlsplit(base)
        assert parts.hostname and parts.port
        yield parts.hostname, parts.port


def status_of(sock: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1])


def test_a_chunked_body_over_the_limit_is_413(served: tuple[str, int]) -> None:
    host, port = served
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\nAuthorization: Bearer pfk_x\r\n\r\n"
        )
        chunk = b"a" * 8192
        for _ in range(10):  # 80 KiB in chunks, no length declared
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sock.sendall(b"0\r\n\r\n")
        assert status_of(sock) == 413


def test_stalled_uploads_are_answered_and_closed(served: tuple[str, int]) -> None:
    host, port = served
    stalled = []
    for _ in range(50):
        sock = socket.create_connection((host, port), timeout=10)
        sock.sendall(
            b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
            b'Content-Type: application/json\r\n\r\n{"name":'
        )
        stalled.append(sock)
    started = time.monotonic()
    try:
        statuses = [status_of(sock) for sock in stalled]
        took = time.monotonic() - started
        for sock in stalled:  # and the connection is closed after the answer
            sock.settimeout(5)
            while sock.recv(4096):
                pass
    finally:
        for sock in stalled:
            sock.close()
    assert statuses == [408] * 50
    assert took < 6, took
    assert requests.get(f"http://{host}:{port}/healthz", timeout=5).ok
