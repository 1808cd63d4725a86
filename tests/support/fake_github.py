"""A stand-in for the part of GitHub's REST API that `partnerfleet comment` and `partnerfleet
issue` use (we cannot run GitHub): the comments of one pull request, listed, created and
edited; the repository's issues, listed (open ones), created, edited and closed."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NOT_FOUND = (404, {"message": "Not Found"})


class FakeGitHub:
    def __init__(self, repository: str, pull_request: int) -> None:
        self.repository, self.pull_request = repository, pull_request
        self.comments: dict[int, dict[str, Any]] = {}
        self.issues: dict[int, dict[str, Any]] = {}
        self.writes: list[tuple[str, str]] = []  # (method, path)
        self.tokens: set[str] = set()
        self.base = ""
        self.listing = f"/repos/{repository}/issues/{pull_request}/comments"
        self.single = f"/repos/{repository}/issues/comments/"
        self.issues_path = f"/repos/{repository}/issues"

    def get(self, path: str) -> tuple[int, Any]:
        path = path.split("?")[0]
        if path == self.listing:
            return 200, list(self.comments.values())
        if path == self.issues_path:
            return 200, [i for i in self.issues.values() if i["state"] == "open"]
        return NOT_FOUND

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        if path == self.issues_path:
            number = len(self.issues) + 1
            self.issues[number] = {
                "number": number,
                "url": f"{self.base}{self.issues_path}/{number}",
                "html_url": f"https://github.example/{self.repository}/issues/{number}",
                "title": body["title"],
                "body": body["body"],
                "state": "open",
            }
            return 201, self.issues[number]
        if path != self.listing:
            return NOT_FOUND
        number = len(self.comments) + 1
        self.comments[number] = {
            "id": number,
            "url": f"{self.base}{self.single}{number}",
            "html_url": f"https://github.example/{self.repository}/pull/{self.pull_request}"
            f"#c{number}",
            "body": body["body"],
        }
        return 201, self.comments[number]

    def patch(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        if path.startswith(self.single):
            found = self.comments.get(int(path.removeprefix(self.single) or 0))
            fields: tuple[str, ...] = ("body",)
        elif path.startswith(f"{self.issues_path}/"):
            number = path.removeprefix(f"{self.issues_path}/")
            found = self.issues.get(int(number)) if number.isdigit() else None
            fields = ("body", "state", "title")
        else:
            found = None
        if found is None:
            return NOT_FOUND
        found.update({k: body[k] for k in fields if k in body})
        return 200, found


@contextmanager
def fake_github(repository: str, pull_request: int) -> Iterator[FakeGitHub]:
    state = FakeGitHub(repository, pull_request)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, answer: tuple[int, Any], write: bool = False) -> None:
            status, body = answer
            if write and status < 400:
                state.writes.append((self.command, self.path))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", "0"))
            body: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
            return body

        def do_GET(self) -> None:
            state.tokens.add(self.headers.get("Authorization", ""))
            self._send(state.get(self.path))

        def do_POST(self) -> None:
            state.tokens.add(self.headers.get("Authorization", ""))
            self._send(state.post(self.path, self._body()), write=True)

        def do_PATCH(self) -> None:
            state.tokens.add(self.headers.get("Authorization", ""))
            self._send(state.patch(self.path, self._body()), write=True)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
