"""Helpers of the directory and tender tests: an entry, a request submitted by a stranger and
confirmed from its email (the token read from the outbox, where the mail waits)."""

import re
from typing import Any

from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, PartnerHandle
from tests.support.database import query


def stranger(operator: Caller) -> Caller:
    """Someone without a key (the public's requests carry none)."""
    return Caller(operator.http, operator.base, "", {"Authorization": ""})


def entry_body(**overrides: Any) -> dict[str, Any]:
    return {
        "listed": True,
        "country": "DE",
        "languages": ["de", "en"],
        "services": ["installation", "managed-service"],
        "products": ["dns-filter", "mail"],
        "website": "https://it-nord.example",
        "registration_number": "HRB 12345",
        "description": "Managed IT for schools and public bodies in the north.",
        **overrides,
    }


def list_partner(operator: Caller, p: PartnerHandle, **overrides: Any) -> dict[str, Any]:
    """The partner's entry, approved by the operator."""
    p.write.put("/v1/me/directory", entry_body(**overrides), expect=200)
    approved: dict[str, Any] = operator.put(
        f"/v1/partners/{p.id}/directory/approval", {"approval": "approved"}, expect=200
    ).json()
    return approved


def tender_body(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "DNS filter for 3 schools",
        "text": "We run three schools with 400 pupils.\nWe need DNS filtering from March.",
        "country": "DE",
        "product": "dns-filter",
        "service": "installation",
        "name": "Anna Schmidt",
        "email": "anna.schmidt@schulamt.example",
        "phone": "+49 40 1234567",
        "organisation": "Schulamt Nord",
        **overrides,
    }


def tokens(settings: Settings, email: str) -> tuple[str, str]:
    """The confirm and cancel tokens of the newest request of `email`, from its mail."""
    rows = query(
        settings,
        "SELECT secret FROM outbox WHERE to_address = :to AND kind = 'tender_confirm' "
        "ORDER BY created_at DESC, id DESC",
        to=email,
    )
    assert rows and rows[0]["secret"], f"no confirmation mail waits for {email}"
    confirm = re.search(r"confirm\?t=([\w-]+)", str(rows[0]["secret"]))
    cancel = re.search(r"cancel\?t=([\w-]+)", str(rows[0]["secret"]))
    assert confirm and cancel
    return confirm.group(1), cancel.group(1)


def published(operator: Caller, settings: Settings, **overrides: Any) -> tuple[str, str]:
    """A request submitted and confirmed: (its id as the operator sees it, its cancel token)."""
    public = stranger(operator)
    body = tender_body(**overrides)
    public.post("/v1/tender-requests", body, expect=202)
    confirm, cancel = tokens(settings, body["email"])
    public.post("/v1/tender-requests/confirmation", {"token": confirm}, expect=200)
    newest = operator.get("/v1/tender-requests", params={"status": "open"}).json()
    found = [t for t in newest if t["title"] == body["title"] and t["email"] == body["email"]]
    return str(found[0]["id"]), cancel
