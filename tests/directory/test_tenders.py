"""Tenders (SPEC: Directory and tenders): a stranger asks for quotes, confirms from the email,
the request reaches only the partners that asked for such requests (an excerpt without
contact details), they see it in full while it is valid, answer with one offer that reaches
the submitter by email; one click cancels it; abuse is bounded."""

import re
from datetime import UTC, datetime, timedelta

from partnerfleet_backend.settings import Settings
from tests.mail.test_mail import Inbox, body_of, drain, smtp  # noqa: F401 (SMTP server)
from tests.support.api import Caller, SetClock, make_partner
from tests.support.database import query
from tests.support.tenders import (
    list_partner,
    published,
    stranger,
    tender_body,
    tokens,
)

T0 = datetime(2027, 9, 6, 9, 0, tzinfo=UTC)


def mails(settings: Settings, kind: str) -> list[dict[str, object]]:
    return query(
        settings,
        "SELECT to_address, subject, body FROM outbox WHERE kind = :kind ORDER BY created_at",
        kind=kind,
    )


def test_a_request_reaches_only_the_partners_that_asked(
    operator: Caller, settings: Settings, set_clock: SetClock
) -> None:
    set_clock(T0)
    wants = make_partner(operator, name="DNS Nord")
    list_partner(operator, wants, receives_tenders=True, tender_countries=["DE"])
    operator.patch(f"/v1/partners/{wants.id}", {"billing_email": "sales@dns-nord.example"})
    elsewhere = make_partner(operator)
    list_partner(operator, elsewhere, receives_tenders=True, tender_countries=["AT"])
    silent = make_partner(operator)
    list_partner(operator, silent)  # in the directory, receives nothing

    public = stranger(operator)
    body = tender_body(email="kita@stadt.example", title="Filter for the Kita network")
    public.post("/v1/tender-requests", body, expect=202)
    assert wants.read.get("/v1/tenders").json() == []  # not confirmed: nobody sees it
    confirm, cancel = tokens(settings, body["email"])
    said = public.post("/v1/tender-requests/confirmation", {"token": confirm}, expect=200)
    assert said.json()["status"] == "open" and "2027-10-06" in said.json()["message"]

    (full,) = wants.read.get("/v1/tenders").json()
    assert (full["email"], full["phone"], full["name"]) == (
        "kita@stadt.example",
        "+49 40 1234567",
        "Anna Schmidt",
    )
    assert elsewhere.read.get("/v1/tenders").json() == []
    assert silent.read.get("/v1/tenders").json() == []
    (note,) = [
        n
        for n in wants.read.get("/v1/notifications").json()["items"]
        if n["kind"] == "tender_received"
    ]
    (told,) = [
        m for m in mails(settings, "tender_received") if m["to_address"] == "sales@dns-nord.example"
    ]
    for excerpt in (note["message"], str(told["body"])):
        assert "Filter for the Kita network" in excerpt
        assert "kita@stadt.example" not in excerpt and "1234567" not in excerpt

    # an offer, mailed to the submitter with the partner's directory page; one per partner
    offer = {"text": "We install it in a week.\nTwo visits included.", "price_cents": 120_000}
    wants.write.post(f"/v1/tenders/{full['id']}/offers", offer, expect=201)
    again = wants.write.post(f"/v1/tenders/{full['id']}/offers", offer)
    assert (again.status_code, again.json()["code"]) == (409, "offer_exists")
    (answer,) = [
        m for m in mails(settings, "tender_offer") if m["to_address"] == "kita@stadt.example"
    ]
    assert "DNS Nord" in str(answer["subject"]) and "1,200.00 EUR" in str(answer["body"])
    assert f"/directory/{wants.id}" in str(answer["body"])
    assert wants.read.get("/v1/tenders").json()[0]["offered"] is True
    # a partner it was not sent to cannot answer it or read it
    assert elsewhere.write.post(f"/v1/tenders/{full['id']}/offers", offer).status_code == 404
    assert elsewhere.read.get(f"/v1/tenders/{full['id']}").status_code == 404

    # one click cancels: partners no longer see it
    public.post("/v1/tender-requests/cancellation", {"token": cancel}, expect=200)
    assert wants.read.get("/v1/tenders").json() == []
    assert wants.read.get(f"/v1/tenders/{full['id']}").status_code == 404


def test_a_request_is_valid_thirty_days(
    operator: Caller, settings: Settings, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator)
    list_partner(operator, p, receives_tenders=True)
    published(operator, settings, email="valid@days.example", title="Thirty days")
    assert len(p.read.get("/v1/tenders").json()) == 1
    set_clock(T0 + timedelta(days=30))
    assert p.read.get("/v1/tenders").json() == []


def test_the_operator_removes_abuse_and_a_link_is_not_a_key(
    operator: Caller, settings: Settings, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator)
    list_partner(operator, p, receives_tenders=True)
    tender_id, _ = published(operator, settings, email="spam@abuse.example", title="Buy pills")
    assert len(p.read.get("/v1/tenders").json()) == 1
    operator.delete(f"/v1/tender-requests/{tender_id}", expect=200)
    assert p.read.get("/v1/tenders").json() == []
    public = stranger(operator)
    for path in ("/v1/tender-requests/confirmation", "/v1/tender-requests/cancellation"):
        guessed = public.post(path, {"token": "x" * 43})
        assert guessed.status_code == 404
    # strangers and partners cannot list the requests
    assert public.get("/v1/tender-requests").status_code == 401
    assert p.read.get("/v1/tender-requests").status_code == 403


def test_abuse_is_bounded_and_input_is_text_only(
    operator: Caller, settings: Settings, set_clock: SetClock
) -> None:
    set_clock(T0)
    public = stranger(operator)
    for n in range(3):
        public.post(
            "/v1/tender-requests", tender_body(email="many@x.example", title=f"Req {n}"), expect=202
        )
    fourth = public.post("/v1/tender-requests", tender_body(email="many@x.example"))
    assert fourth.status_code == 429
    refused = {
        "text": "<a href='https://evil.example'>click</a> please",
        "title": "x" * 121,
        "email": "not-an-address",
        "country": "Deutschland",
        "service": "anything",
        "product": "no-such-product",
        "phone": "call me",
    }
    for field, value in refused.items():
        r = public.post("/v1/tender-requests", {**tender_body(email="ok@x.example"), field: value})
        assert r.status_code == 422, (field, r.text)
        assert field in r.text, (field, r.text)
    extra = public.post("/v1/tender-requests", {**tender_body(), "status": "open"})
    assert extra.status_code == 422  # no field of ours can be set from outside


def test_the_tender_mails_arrive_through_smtp(
    smtp: Inbox,  # noqa: F811
    operator: Caller,
    settings: Settings,
    set_clock: SetClock,
) -> None:
    """The submitter's two links, the partner's excerpt and the offer, through a real SMTP
    server (aiosmtpd); the links leave the outbox once sent."""
    set_clock(T0)
    p = make_partner(operator, name="Smtp Systemhaus")
    operator.patch(f"/v1/partners/{p.id}", {"billing_email": "angebote@smtp-sh.example"})
    list_partner(operator, p, receives_tenders=True, tender_products=["firewall"])
    public = stranger(operator)
    body = tender_body(email="einkauf@kreis.example", product="firewall", title="Backup, 12 sites")
    public.post("/v1/tender-requests", body, expect=202)
    drain()
    (asked,) = smtp.to("einkauf@kreis.example")
    text = body_of(asked)
    confirm, cancel = tokens_in(text)
    assert "Nobody sees it until you confirm it" in text
    assert (
        query(settings, "SELECT secret FROM outbox WHERE to_address = 'einkauf@kreis.example'")[0][
            "secret"
        ]
        is None
    )  # the links left the outbox with the mail
    public.post("/v1/tender-requests/confirmation", {"token": confirm}, expect=200)
    drain()
    (told,) = smtp.to("angebote@smtp-sh.example")
    assert "Backup, 12 sites" in body_of(told) and "einkauf@kreis.example" not in body_of(told)
    (full,) = p.read.get("/v1/tenders").json()
    p.write.post(
        f"/v1/tenders/{full['id']}/offers", {"text": "Twelve sites, one price."}, expect=201
    )
    drain()
    offers = [m for m in smtp.to("einkauf@kreis.example") if "offer" in m["Subject"]]
    assert len(offers) == 1 and "Twelve sites, one price." in body_of(offers[0])
    public.post("/v1/tender-requests/cancellation", {"token": cancel}, expect=200)
    assert p.read.get("/v1/tenders").json() == []


def tokens_in(text: str) -> tuple[str, str]:
    confirm = re.search(r"confirm\?t=([\w-]+)", text)
    cancel = re.search(r"cancel\?t=([\w-]+)", text)
    assert confirm and cancel, text
    return confirm.group(1), cancel.group(1)
