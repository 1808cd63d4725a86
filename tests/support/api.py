"""A thin test client over HTTP: operator and partner handles, JSON in and out."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import requests


class Transport(Protocol):
    """requests.Session or the in-process TestClient."""

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any: ...


SetClock = Callable[[datetime], None]


@dataclass
class Caller:
    """Requests with one key (operator or partner)."""

    http: Transport
    base: str
    key: str
    headers: dict[str, str] = field(default_factory=dict)

    def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        expect: int | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        merged = {"Authorization": f"Bearer {self.key}", **self.headers, **(headers or {})}
        response = self.http.request(
            method, self.base + path, json=json, headers=merged, params=params
        )
        if expect is not None:
            assert response.status_code == expect, (
                f"{method} {path}: {response.status_code} {response.text}"
            )
        return response

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("PUT", path, json, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.call("DELETE", path, **kw)


@dataclass
class PartnerHandle:
    id: str
    write: Caller
    read: Caller


def make_partner(
    operator: Caller, *, name: str | None = None, top_up_cents: int = 0, level: str = "silver"
) -> PartnerHandle:
    """A new partner with a write and a read key, and credit if asked."""
    body = {"name": name or f"Partner {uuid.uuid4().hex[:6]}", "level": level}
    partner = operator.post("/v1/partners", body, expect=201).json()
    keys = {}
    for scope in ("write", "read"):
        keys[scope] = operator.post(
            f"/v1/partners/{partner['id']}/api-keys", {"scope": scope}, expect=201
        ).json()["key"]
    if top_up_cents:
        operator.post(
            f"/v1/partners/{partner['id']}/top-ups", {"amount_cents": top_up_cents}, expect=201
        )
    return PartnerHandle(
        id=partner["id"],
        write=Caller(operator.http, operator.base, keys["write"]),
        read=Caller(operator.http, operator.base, keys["read"]),
    )


def as_vendor(operator: Caller, partner: PartnerHandle) -> Caller:
    """The operator reading a partner's data through the partner's routes (not metered: a
    Bronze partner without a pack has no API calls of its own)."""
    return Caller(
        operator.http, operator.base, operator.key, {"PartnerFleet-Partner-Id": partner.id}
    )


def train(operator: Caller, partner: PartnerHandle, kind: str, taken_on: str) -> dict[str, Any]:
    """Record a training the partner took (`half_day` or `two_day`, an ISO date)."""
    body = {"kind": kind, "taken_on": taken_on}
    recorded: dict[str, Any] = operator.post(
        f"/v1/partners/{partner.id}/trainings", body, expect=201
    ).json()
    return recorded


def license_body(customer_id: str, **overrides: Any) -> dict[str, Any]:
    """A purchase of dns-filter (proplus, 12 months, 10 seats unless overridden)."""
    return {
        "customer_id": customer_id,
        "product": "dns-filter",
        "edition": "proplus",
        "term_months": 12,
        "seats": 10,
        **overrides,
    }


def make_customer(partner: PartnerHandle, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Gymnasium Nord",
        "segment": "school",
        "country": "DE",
        "contact_email": "it@example.org",
        **overrides,
    }
    result: dict[str, Any] = partner.write.post("/v1/customers", body, expect=201).json()
    return result


def all_items(caller: Caller, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = caller.get(
            path, params={**params, "limit": 100, "cursor": cursor}, expect=200
        ).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def ledger(caller: Caller) -> list[dict[str, Any]]:
    """Every ledger entry of the caller's partner, oldest first."""
    return all_items(caller, "/v1/wallet/ledger")


def keep_level(operator: Caller, p: PartnerHandle, level: str = "silver") -> None:
    """The monthly job set the level from usage (none here): give the API calls back by hand."""
    operator.patch(f"/v1/partners/{p.id}", {"level": level}, expect=200)


def run_jobs(operator: Caller) -> dict[str, Any]:
    """Run the calendar due at the service's (test) clock."""
    result: dict[str, Any] = operator.post("/v1/jobs/run", {}, expect=200).json()
    return result


def extend_credit(operator: Caller, p: PartnerHandle, set_clock: SetClock, at: datetime) -> None:
    """A small top-up before the credit's 12 months are up keeps all of it valid."""
    set_clock(at)
    operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 100}, expect=201)


def product_reports(
    caller: Caller, license_key: str, used: int, *, at: str | None = None, expect: int = 201
) -> Any:
    """What the product does: report the seats in use with its license key (no API key)."""
    body: dict[str, Any] = {"used": used, **({"at": at} if at else {})}
    response = caller.http.request(
        "POST", f"{caller.base}/v1/license-keys/{license_key}/usage", json=body
    )
    assert response.status_code == expect, f"usage report: {response.status_code} {response.text}"
    return response


def school_license(
    p: PartnerHandle, seats: int = 100, term: int = 12, **kw: object
) -> dict[str, Any]:
    """A new school customer with a prepaid dns-filter ProPlus license (0.28 EUR a device)."""
    customer = make_customer(p, segment="school")
    body = {
        "customer_id": customer["id"],
        "product": "dns-filter",
        "edition": "proplus",
        "term_months": term,
        "seats": seats,
        **kw,
    }
    result: dict[str, Any] = p.write.post("/v1/licenses", body, expect=201).json()
    return result


def upload_logo(caller: Caller, data: bytes) -> Any:
    """PUT /v1/me/logo with a raw image body."""
    http: Any = caller.http
    body = "data" if isinstance(http, requests.Session) else "content"  # requests or httpx
    return http.request(
        "PUT",
        f"{caller.base}/v1/me/logo",
        headers={"Authorization": f"Bearer {caller.key}", "Content-Type": "image/png"},
        **{body: data},
    )
