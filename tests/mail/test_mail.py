"""Email reaches people through a real SMTP server (aiosmtpd on the loopback): invitations,
the reminders before a term ends (to the customer's contact and the partner), and the monthly
statement with its PDF; each once, never from the request, kept in the outbox without SMTP."""

import email
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pypdf import PdfReader

from partnerfleet_backend.mail.service import send_due
from partnerfleet_backend.settings import Settings, get_settings
from tests.support.api import (
    Caller,
    SetClock,
    all_items,
    make_customer,
    make_partner,
    run_jobs,
)
from tests.support.database import execute, query
from tests.support.portal import browser, mailed_link, make_user
from tests.support.postgres import free_port

T0 = datetime(2034, 6, 20, tzinfo=UTC)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", controller.port)
    yield inbox
    controller.stop()


def mail_count(settings: Settings, partner_id: str) -> int:
    return len(query(settings, "SELECT id FROM outbox WHERE partner_id = :p", p=partner_id))


def body_of(message: Message) -> str:
    part = message.get_body(("plain",)) if hasattr(message, "get_body") else message
    payload = (part or message).get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(payload)


def test_an_invitation_waits_in_the_outbox_then_arrives_once(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch, operator: Caller
) -> None:
    p = make_partner(operator)
    admin = browser(client.app)
    admin.sign_in(make_user(settings, "partner", "admin", partner_id=p.id))
    made = admin.submit(
        f"/portal/p/{p.id}/users", {"email": "new.colleague@msp.example", "role": "billing"}
    )
    assert made.status_code == 200 and "/portal/invitations/" not in made.text
    link = mailed_link(settings, "new.colleague@msp.example")
    assert send_due(get_settings()) == {"sent": 0, "failed_attempts": 0}  # no SMTP server
    outbox = admin.get(f"/portal/p/{p.id}/outbox")
    assert "new.colleague@msp.example" in outbox.text and "pending" in outbox.text
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        monkeypatch.setattr(get_settings(), "smtp_host", "127.0.0.1")
        monkeypatch.setattr(get_settings(), "smtp_port", controller.port)
        drain()  # other tests' mail waits in the shared outbox too
        drain()  # nothing twice
    finally:
        controller.stop()
    mails = inbox.to("new.colleague@msp.example")
    assert len(mails) == 1
    assert link in body_of(mails[0]) and "invites you" in mails[0]["Subject"]
    assert body_of(mails[0]).splitlines()[0] == "Hello,"
    assert "sent" in admin.get(f"/portal/p/{p.id}/outbox").text
    # once sent, the stored mail no longer holds the link
    stored = stored_mail(settings, "new.colleague@msp.example")
    assert stored["secret"] is None and link.rsplit("/", 1)[1] not in str(stored["body"])


def stored_mail(settings: Settings, to: str) -> dict[str, Any]:
    rows = query(settings, "SELECT * FROM outbox WHERE to_address = :to ORDER BY id DESC", to=to)
    assert rows
    return rows[0]


def test_a_mail_that_cannot_be_built_fails_alone_and_the_rest_is_sent(
    smtp: Inbox, settings: Settings, operator: Caller, client: TestClient
) -> None:
    """An address stored before addresses were checked (a line break and a second header):
    that mail is marked failed with its reason, every other mail goes out."""
    p = make_partner(operator)
    execute(
        settings,
        "INSERT INTO outbox (id, partner_id, kind, to_address, subject, body, state, attempts, "
        "created_at) VALUES ('mail_broken0001', :p, 'invitation', :to, 'Hi', 'body', "
        "'pending', 0, :t)",
        p=p.id,
        to="victim@example.org\nBcc: everyone@evil.example",
        t=datetime.now(UTC).replace(tzinfo=None),
    )
    admin = browser(client.app)
    admin.sign_in(make_user(settings, "partner", "admin", partner_id=p.id))
    for n in range(3):
        admin.submit(f"/portal/p/{p.id}/users", {"email": f"ok{n}@msp.example", "role": "admin"})
    drain()  # other tests' mail waits in the shared outbox too
    assert all(len(smtp.to(f"ok{n}@msp.example")) == 1 for n in range(3))
    broken = stored_mail(settings, "victim@example.org\nBcc: everyone@evil.example")
    assert broken["state"] == "failed" and "valid email" in broken["last_error"]
    assert not [m for m in smtp.messages if "evil.example" in str(m["Bcc"] or m["To"])]


def test_an_invitation_names_one_valid_address(
    settings: Settings, operator: Caller, client: TestClient
) -> None:
    p = make_partner(operator)
    admin = browser(client.app)
    admin.sign_in(make_user(settings, "partner", "admin", partner_id=p.id))
    for bad in ("a@x.example, b@y.example", "Bob <bob@x.example>", "bob@localhost"):
        refused = admin.submit(f"/portal/p/{p.id}/users", {"email": bad, "role": "admin"})
        assert refused.status_code == 422 and "email" in refused.text, bad
    named = admin.submit(
        f"/portal/p/{p.id}/users",
        {"email": "named@x.example", "name": "Eve\nSubject: urgent", "role": "admin"},
    )
    assert named.status_code == 422 and "name" in named.text
    assert mail_count(settings, p.id) == 0


def test_a_server_that_is_down_keeps_the_mail(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch, operator: Caller
) -> None:
    p = make_partner(operator)
    admin = browser(client.app)
    admin.sign_in(make_user(settings, "partner", "admin", partner_id=p.id))
    admin.submit(f"/portal/p/{p.id}/users", {"email": "later@msp.example", "role": "admin"})
    monkeypatch.setattr(get_settings(), "smtp_host", "127.0.0.1")
    monkeypatch.setattr(get_settings(), "smtp_port", free_port())  # nobody listens
    result = send_due(get_settings())
    assert result["sent"] == 0 and result["failed_attempts"] >= 1
    assert "later@msp.example" in admin.get(f"/portal/p/{p.id}/outbox").text


def drain() -> None:
    """Send everything due, batch after batch: other tests leave mail waiting in the shared
    outbox (no SMTP server then), and one batch may be theirs."""
    for _ in range(100):
        if sum(send_due(get_settings()).values()) == 0:
            return


def test_reminders_and_the_statement_arrive(
    smtp: Inbox, operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, name="Hanse Systems", top_up_cents=110_000)
    p.write.patch("/v1/me", {"billing_email": "billing@hanse.example"}, expect=200)
    org = make_customer(p, name="Praxis Dr. Ernst", contact_email="it@praxis.example")
    p.write.post(
        "/v1/licenses",
        {
            "customer_id": org["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 1,
            "seats": 5,
        },
        expect=201,
    )
    run_jobs(operator)  # the term ends within 45 days: both are reminded
    drain()
    customer = smtp.to("it@praxis.example")
    assert len(customer) == 1 and "ends in 45 days" in customer[0]["Subject"]
    assert "dns-filter" in body_of(customer[0]) and "Hanse Systems" in customer[0]["Subject"]
    billing = smtp.to("billing@hanse.example")
    assert any("ends in 45 days" in m["Subject"] for m in billing)
    run_jobs(operator)
    drain()
    assert len(smtp.to("it@praxis.example")) == 1  # once
    set_clock(datetime(2034, 7, 2, tzinfo=UTC))  # June is over: its statement
    run_jobs(operator)
    drain()
    statements = [m for m in smtp.to("billing@hanse.example") if "statement" in m["Subject"]]
    assert len(statements) == 1 and "2034-06" in statements[0]["Subject"]
    attachment = next(
        part for part in statements[0].walk() if part.get_filename() == "statement-2034-06.pdf"
    )
    pdf = attachment.get_payload(decode=True)
    assert isinstance(pdf, bytes)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "made for Hanse Systems" in text and "Praxis Dr. Ernst" in text


def test_a_top_up_and_its_request_arrive_with_the_numbered_invoice(
    smtp: Inbox, operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, name="Weser Systems")
    p.write.patch("/v1/me", {"billing_email": "billing@weser.example"}, expect=200)
    operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 55_000}, expect=201)
    p.write.put(
        "/v1/me/top-up-rule", {"amount_cents": 110_000, "threshold_cents": 60_000}, expect=200
    )
    run_jobs(operator)  # 550 EUR is below 600: a request, and the mail of the notification
    drain()
    mails = smtp.to("billing@weser.example")
    (invoice,) = [m for m in mails if m["Subject"].startswith("Invoice TU-")]
    number = invoice["Subject"].split()[1].rstrip(":")
    plain = next(part for part in invoice.walk() if part.get_content_type() == "text/plain")
    assert "550.00 EUR" in invoice["Subject"] and "25 % off" in body_of(plain)
    pdf = next(part for part in invoice.walk() if part.get_filename() == f"{number}.pdf")
    data = pdf.get_payload(decode=True)
    assert isinstance(data, bytes)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert f"Invoice {number} to Weser Systems" in text
    assert "Total paid" in text and "412.50 EUR" in text and "25 % off" in text  # the bracket
    assert any("A top-up is requested" in m["Subject"] for m in mails), [
        m["Subject"] for m in mails
    ]
    (asked,) = all_items(p.read, "/v1/top-up-requests")
    operator.post(f"/v1/partners/{p.id}/top-up-requests/{asked['id']}/settlement", {}, expect=200)
    drain()
    second = [m for m in smtp.to("billing@weser.example") if m["Subject"].startswith("Invoice")]
    assert len(second) == 2 and "1,100.00 EUR" in second[1]["Subject"]
