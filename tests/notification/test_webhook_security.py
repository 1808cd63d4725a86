"""Webhooks reach public hosts only, follow no redirects, and no partner's endpoint holds up
another's deliveries: each delivery has a total deadline and its own failure record."""

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from partnerfleet_backend.notification.destinations import DestinationRefused, Destinations
from partnerfleet_backend.notification.webhooks import deliver_due
from partnerfleet_backend.settings import Settings, get_settings
from tests.support.api import Caller, PartnerHandle, make_partner

REFUSED_URLS = [
    "http://127.0.0.1:8080/admin",
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/hook",
    "https://192.168.1.10/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of the metadata address 169.254.169.254
    "https://[64:ff9b::7f00:1]/hook",
    "https://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    "https://[::10.0.0.1]/hook",  # IPv4-compatible
    "https://[fec0::1]/hook",  # site-local (deprecated)
    "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook",  # Teredo, client 10.0.0.1
    "https://[fe80::1]/hook",
    "https://0.0.0.0/hook",
    "https://2130706433/hook",
    "https://0x7f.1/hook",
    "https://017700000001/hook",
    "https://user:pass@93.184.215.14/hook",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://localhost/hook",
    "https://printer.local/hook",
    "https://intranet/hook",
    "http://93.184.215.14/hook",  # http without the operator's development setting
    "ftp://93.184.215.14/hook",
    "https://93.184.215.14:99999/hook",
]


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The production policy: https, public addresses only (the tests' service allows the
    loopback receivers over http), on the settings the app reads now."""
    settings = get_settings()
    monkeypatch.setattr(settings, "webhook_allow_http", False)
    monkeypatch.setattr(settings, "webhook_allowed_networks", "")
    return settings


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_webhook_url_to_an_internal_host_is_refused(
    strict: Settings, partner: PartnerHandle, url: str
) -> None:
    answer = partner.write.patch("/v1/me", {"webhook_url": url}, expect=422).json()
    fields = [answer.get("field")] + [e["field"] for e in answer.get("errors", [])]
    assert "webhook_url" in fields, answer
    assert partner.write.get("/v1/me").json()["webhook_url"] is None


def test_a_public_https_webhook_is_accepted(strict: Settings, partner: PartnerHandle) -> None:
    me = partner.write.patch(
        "/v1/me", {"webhook_url": "https://93.184.215.14/hooks"}, expect=200
    ).json()
    assert me["webhook_url"] == "https://93.184.215.14/hooks"
    assert me["webhook_secret"].startswith("whsec_")


class Endpoint:
    """A receiver on the loopback that answers as told: 204, a redirect, or a drip."""

    def __init__(self, behaviour: str = "ok", location: str = "") -> None:
        self.received: list[bytes] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.received.append(body)
                if behaviour == "redirect":
                    self.send_response(307)
                    self.send_header("Location", location)
                    self.end_headers()
                elif behaviour == "drip":  # a header line now and then, never the end
                    self.send_response(200)
                    for n in range(60):
                        self.send_header(f"X-Drip-{n}", "x")
                        self.flush_headers()
                        time.sleep(0.25)
                    self.end_headers()
                else:
                    self.send_response(204)
                    self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoints() -> Iterator[list[Endpoint]]:
    made: list[Endpoint] = []
    yield made
    for endpoint in made:
        endpoint.close()


def pending_note(settings: Settings, partner_id: str) -> str:
    """A notification waiting for delivery (as the calendar leaves them)."""
    note_id = f"ntf_{time.time_ns():024d}"  # in the order made, as the ids of the service
    engine = create_engine(settings.resolved_database_url())
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO notifications (id, partner_id, kind, message, created_at, delivery,"
                " attempts) VALUES (:id, :p, 'test', 'a test', :t, 'pending', 0)"
            ),
            {"id": note_id, "p": partner_id, "t": datetime.now(UTC).replace(tzinfo=None)},
        )
    engine.dispose()
    return note_id


def note_state(settings: Settings, note_id: str) -> tuple[str, str | None]:
    engine = create_engine(settings.resolved_database_url())
    with engine.begin() as c:
        row = c.execute(
            text("SELECT delivery, last_error FROM notifications WHERE id = :id"), {"id": note_id}
        ).one()
    engine.dispose()
    return str(row[0]), row[1]


def set_webhook(settings: Settings, partner_id: str, url: str) -> None:
    """Store a URL as an older version of the service might have accepted it."""
    engine = create_engine(settings.resolved_database_url())
    with engine.begin() as c:
        c.execute(
            text("UPDATE partners SET webhook_url = :u, webhook_secret = 'whsec_x' WHERE id = :p"),
            {"u": url, "p": partner_id},
        )
    engine.dispose()


def test_delivery_checks_the_address_after_resolution(
    strict: Settings,
    operator: Caller,
    endpoints: list[Endpoint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The name pointed at a public address when it was set, and at the loopback when the
    delivery resolves it (DNS rebinding): nothing is sent."""
    endpoint = Endpoint()
    endpoints.append(endpoint)
    port = endpoint.server.server_address[1]
    answers = {"hooks.partner.example": "93.184.215.14"}
    real = socket.getaddrinfo

    def resolver(host: Any, *args: Any, **kw: Any) -> Any:
        if host in answers:
            return real(answers[host], *args, **kw)
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    p = make_partner(operator)
    url = f"https://hooks.partner.example:{port}/hooks"
    p.write.patch("/v1/me", {"webhook_url": url}, expect=200)
    answers["hooks.partner.example"] = "127.0.0.1"
    note = pending_note(strict, p.id)
    deliver_due(strict)
    state, error = note_state(strict, note)
    assert state == "pending" and error is not None and "non-public" in error, (state, error)
    assert endpoint.received == []
    with pytest.raises(DestinationRefused):
        Destinations.of(strict).resolve("hooks.partner.example", port)


def test_a_redirect_is_not_followed(
    settings: Settings, operator: Caller, endpoints: list[Endpoint]
) -> None:
    target = Endpoint()
    redirecting = Endpoint("redirect", location=target.url)
    endpoints.extend([target, redirecting])
    p = make_partner(operator)
    p.write.patch("/v1/me", {"webhook_url": redirecting.url}, expect=200)
    note = pending_note(settings, p.id)
    deliver_due(settings)
    assert note_state(settings, note) == ("pending", "HTTP 307")
    assert len(redirecting.received) == 1 and target.received == []


def test_a_slow_endpoint_holds_up_nobody(
    settings: Settings,
    operator: Caller,
    endpoints: list[Endpoint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A drip of header lines (each in time for a per-read timeout) is cut at the total
    deadline; the partner's next notification waits for its backoff; another partner's
    notification and a stored malformed URL are each settled on their own row."""
    settings = get_settings()
    monkeypatch.setattr(settings, "webhook_deadline_seconds", 1.5)
    drip, fine = Endpoint("drip"), Endpoint()
    endpoints.extend([drip, fine])
    slow, other, broken = make_partner(operator), make_partner(operator), make_partner(operator)
    slow.write.patch("/v1/me", {"webhook_url": drip.url}, expect=200)
    other.write.patch("/v1/me", {"webhook_url": fine.url}, expect=200)
    set_webhook(settings, broken.id, "http://[::1/hooks")
    first, second = pending_note(settings, slow.id), pending_note(settings, slow.id)
    others, broken_note = pending_note(settings, other.id), pending_note(settings, broken.id)
    started = time.monotonic()
    deliver_due(settings)
    took = time.monotonic() - started
    assert took < 4, took  # one deadline, not one per notification, not 15 s of drip
    assert note_state(settings, first) == ("pending", "no answer within 1.5 s")
    assert note_state(settings, second)[1] == (
        "not sent: no answer within 1.5 s on the delivery before"
    )
    assert note_state(settings, others) == ("delivered", None)
    assert note_state(settings, broken_note)[0] == "pending"
    assert "cannot be read" in str(note_state(settings, broken_note)[1])
