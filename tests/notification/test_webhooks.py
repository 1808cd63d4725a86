"""Notifications delivered to the partner's webhook: signed, retried, never in the request."""

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import create_engine, text

from partnerfleet_backend.notification.webhooks import deliver_due, verify
from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, PartnerHandle, SetClock, make_partner

T0 = datetime(2029, 1, 10, tzinfo=UTC)


class Receiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.fail_left = fail_first
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail_left > 0:
                    receiver.fail_left -= 1
                    self.send_response(500)
                else:
                    receiver.received.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()


def subscribed(
    operator: Caller, receiver: Receiver, set_clock: SetClock
) -> tuple[PartnerHandle, str]:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=55_000)
    me = p.write.patch("/v1/me", {"webhook_url": receiver.url}, expect=200).json()
    assert me["webhook_secret"].startswith("whsec_")
    assert p.read.get("/v1/me").json()["webhook_secret"] is None  # shown once, never again
    assert p.write.get("/v1/me").json()["webhook_secret"] is None
    set_clock(T0 + timedelta(days=366 - 30))  # the credit expires in 30 days: a warning
    operator.post("/v1/jobs/run", {}, expect=200)
    return p, me["webhook_secret"]


def deliveries(settings: Settings, partner_id: str) -> list[tuple[str, int]]:
    engine = create_engine(settings.resolved_database_url())
    with engine.begin() as c:
        rows = c.execute(
            text("SELECT delivery, attempts FROM notifications WHERE partner_id = :p ORDER BY id"),
            {"p": partner_id},
        ).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def test_a_notification_is_delivered_signed(
    operator: Caller, receiver: Receiver, settings: Settings, set_clock: SetClock
) -> None:
    p, secret = subscribed(operator, receiver, set_clock)
    assert receiver.received == []  # nothing is sent from the request that caused it
    assert ("pending", 0) in deliveries(settings, p.id)
    deliver_due(settings)
    kinds = []
    for headers, body in receiver.received:  # the credit warning, and the level of the month
        assert verify(secret, headers["PartnerFleet-Signature"], body)
        assert not verify("whsec_wrong", headers["PartnerFleet-Signature"], body)
        kinds.append(json.loads(body)["kind"])
    assert "credit_expiring" in kinds
    assert set(deliveries(settings, p.id)) == {("delivered", 1)}


def test_a_failed_delivery_is_retried_with_backoff(
    operator: Caller, receiver: Receiver, settings: Settings, set_clock: SetClock
) -> None:
    receiver.fail_left = 1
    p, _ = subscribed(operator, receiver, set_clock)
    assert deliver_due(settings)["failed_attempts"] >= 1
    deliver_due(settings)  # not due again yet: backoff
    assert ("pending", 1) in deliveries(settings, p.id)
    engine = create_engine(settings.resolved_database_url())
    with engine.begin() as c:
        c.execute(
            text("UPDATE notifications SET next_attempt_at = :t WHERE partner_id = :p"),
            {"t": datetime(2000, 1, 1), "p": p.id},
        )
    engine.dispose()
    deliver_due(settings)
    assert ("delivered", 2) in deliveries(settings, p.id)


def test_the_served_scheduler_delivers_by_itself(
    service_env: dict[str, str], operator_key: str, receiver: Receiver, settings: Settings
) -> None:
    import requests

    from tests.support.server import running_service

    env = {**service_env, "PARTNERFLEET_JOBS_INTERVAL_SECONDS": "1"}
    with running_service(env, workers=1) as base, requests.Session() as http:
        operator = Caller(http, base, operator_key)

        def move(now: datetime) -> None:
            operator.put("/v1/clock", {"now": now.isoformat()}, expect=200)

        p, _ = subscribed(operator, receiver, move)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and ("delivered", 1) not in deliveries(settings, p.id):
            time.sleep(0.2)
    assert ("delivered", 1) in deliveries(settings, p.id)
