"""A stand-in for the part of GitHub's REST API that `partnerfleet comment` uses (we cannot run
GitHub): the comments of one pull request, listed, created and edited."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeGitHub:
    def __init__(self) -> None:
        self.comments: dict[int, dict[str, Any]] = {}
        self.writes: list[tuple[str, str]] = []  # (method, path)
        self.tokens: set[str] = set()
        self.base = ""


@contextmanager
def fake_github(repository: str, pull_request: int) -> Iterator[FakeGitHub]:
    state = FakeGitHub()
    listing = f"/repos/{repository}/issues/{pull_request}/comments"
    single = f"/repos/{repository}/issues/comments/"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            state.tokens.add(self.headers.get("Authorization", ""))
            length = int(self.headers.get("Content-Length", "0"))
            body: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
            return body

        def do_GET(self) -> None:
            state.tokens.add(self.headers.get("Authorization", ""))
            if self.path.split("?")[0] == listing:
                self._send(200, list(state.comments.values()))
            else:
                self._send(404, {"message": "Not Found"})

        def do_POST(self) -> None:
            body = self._body()
            if self.path != listing:
                self._send(404, {"message": "Not Found"})
                return
            number = len(state.comments) + 1
            state.comments[number] = {
                "id": number,
                "url": f"{state.base}{single}{number}",
                "html_url": f"https://github.example/{repository}/pull/{pull_request}#c{number}",
                "body": body["body"],
            }
            state.writes.append(("POST", self.path))
            self._send(201, state.comments[number])

        def do_PATCH(self) -> None:
            body = self._body()
            number = int(self.path.removeprefix(single)) if self.path.startswith(single) else 0
            if number not in state.comments:
                self._send(404, {"message": "Not Found"})
                return
            state.comments[number]["body"] = body["body"]
            state.writes.append(("PATCH", self.path))
            self._send(200, state.comments[number])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
