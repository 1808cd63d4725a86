"""Secrets live where they are needed and nowhere else: the webhook signing secret is shown
once and can be rotated; license keys and signing secrets stay out of audit events and stored
idempotent answers."""

import json

from sqlalchemy import create_engine, text

from partnerfleet_backend.notification.webhooks import sign
from partnerfleet_backend.settings import Settings
from tests.support.api import PartnerHandle, all_items, make_customer


def stored_answers(settings: Settings, scope: str) -> list[str]:
    engine = create_engine(settings.resolved_database_url())
    with engine.begin() as c:
        rows = c.execute(
            text("SELECT response_body FROM idempotency_keys WHERE scope = :s"), {"s": scope}
        ).all()
    engine.dispose()
    return [json.dumps(r[0]) if not isinstance(r[0], str) else r[0] for r in rows]


def test_the_webhook_secret_is_shown_once_and_rotates(partner: PartnerHandle) -> None:
    first = partner.write.patch(
        "/v1/me", {"webhook_url": "http://127.0.0.1:9/hooks"}, expect=200
    ).json()["webhook_secret"]
    assert first.startswith("whsec_")
    for caller in (partner.write, partner.read):
        assert caller.get("/v1/me", expect=200).json()["webhook_secret"] is None
    again = partner.write.patch("/v1/me", {"billing_email": "billing@example.org"}, expect=200)
    assert again.json()["webhook_secret"] is None  # changing the profile keeps the secret
    partner.read.post("/v1/me/webhook-secret", expect=403)
    rotated = partner.write.post(
        "/v1/me/webhook-secret", headers={"Idempotency-Key": "rotate-1"}, expect=200
    )
    second = rotated.json()["webhook_secret"]
    assert second.startswith("whsec_") and second != first
    replay = partner.write.post(
        "/v1/me/webhook-secret", headers={"Idempotency-Key": "rotate-1"}, expect=200
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["webhook_secret"] == second  # the same rotation, not another
    third = partner.write.post("/v1/me/webhook-secret", expect=200).json()["webhook_secret"]
    late = partner.write.post(
        "/v1/me/webhook-secret", headers={"Idempotency-Key": "rotate-1"}, expect=200
    )
    assert late.headers["Idempotent-Replayed"] == "true"
    assert late.json()["webhook_secret"] is None  # never the secret a later rotation made
    assert third not in late.text
    assert sign(second, 1, b"{}") != sign(first, 1, b"{}")
    events = all_items(partner.read, "/v1/audit-events", object_id=partner.id)
    actions = [e["action"] for e in events]
    assert "partner.webhook_secret_rotated" in actions
    dumped = json.dumps(events)
    assert first not in dumped and second not in dumped and "whsec_" not in dumped


def test_rotating_without_a_webhook_says_so(partner: PartnerHandle) -> None:
    answer = partner.write.post("/v1/me/webhook-secret", expect=422).json()
    assert answer["field"] == "webhook_url"


def test_license_keys_stay_out_of_audit_and_stored_answers(
    partner: PartnerHandle, settings: Settings
) -> None:
    customer = make_customer(partner)
    body = {
        "customer_id": customer["id"],
        "product": "dns-filter",
        "edition": "proplus",
        "term_months": 12,
        "seats": 5,
    }
    made = partner.write.post(
        "/v1/licenses", body, headers={"Idempotency-Key": "lic-secret-1"}, expect=201
    ).json()
    key = made["license_key"]
    assert key.startswith("PF-")
    partner.write.patch(f"/v1/licenses/{made['id']}", {"seats": 6}, expect=200)
    replay = partner.write.post(
        "/v1/licenses", body, headers={"Idempotency-Key": "lic-secret-1"}, expect=201
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["license_key"] == key  # the replay still tells the key
    events = all_items(partner.read, "/v1/audit-events", object_id=made["id"])
    assert len(events) >= 2
    assert key not in json.dumps(events)
    answers = stored_answers(settings, partner.id)
    assert answers and not any(key in answer for answer in answers)
