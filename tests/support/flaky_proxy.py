"""A loopback TCP proxy that drops the connection after the backend answered a request.

The backend did the work (and committed); the client never hears back. This is the case
that only an idempotency key can make safe.
"""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class FlakyProxy:
    def __init__(self, upstream_port: int, cut_prefix: bytes, cuts: int = 1) -> None:
        self.upstream_port = upstream_port
        self.cut_prefix = cut_prefix
        self.cuts_left = cuts
        self.matching_requests = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.stopped = False

    def serve(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(client,), daemon=True).start()

    def handle(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        cut = threading.Event()

        def requests_up() -> None:
            try:
                while chunk := client.recv(65536):
                    if chunk.startswith(self.cut_prefix):
                        with self.lock:
                            self.matching_requests += 1
                            if self.cuts_left > 0:
                                self.cuts_left -= 1
                                cut.set()
                    upstream.sendall(chunk)
            except OSError:
                pass

        threading.Thread(target=requests_up, daemon=True).start()
        try:
            while chunk := upstream.recv(65536):
                if cut.is_set():
                    return  # the backend answered; the client never hears it
                client.sendall(chunk)
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


@contextmanager
def flaky_proxy(upstream_port: int, cut_prefix: bytes, cuts: int = 1) -> Iterator[FlakyProxy]:
    proxy = FlakyProxy(upstream_port, cut_prefix, cuts)
    thread = threading.Thread(target=proxy.serve, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.stopped = True
        proxy.server.close()
