"""The cross-cutting rules of API.md: keys, problem+json, idempotency, versions, pages, limits."""

import threading
import uuid

from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, PartnerHandle, ledger, make_customer, make_partner

LICENSE = {"product": "dns-filter", "edition": "pro", "term_months": 12, "seats": 10}


class TestKeys:
    def test_missing_or_wrong_key_is_401_problem_json(self, client: TestClient) -> None:
        r = client.get("/v1/me")
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail", "code"} <= r.json().keys()
        assert client.get("/v1/me", headers={"Authorization": "Bearer pfk_nope"}).status_code == 401

    def test_a_read_key_gets_403_on_any_change(self, partner: PartnerHandle) -> None:
        r = partner.read.post(
            "/v1/customers",
            {"name": "x", "segment": "school", "country": "DE", "contact_email": "a@b.de"},
        )
        assert (r.status_code, r.json()["code"]) == (403, "forbidden")
        assert "read-only" in r.json()["detail"]

    def test_a_revoked_key_gets_401_on_its_next_request(self, operator: Caller) -> None:
        p = make_partner(operator)
        p.read.get("/v1/me", expect=200)
        keys = operator.post(f"/v1/partners/{p.id}/api-keys", {"scope": "read"}, expect=201).json()
        extra = Caller(operator.http, operator.base, keys["key"])
        extra.get("/v1/me", expect=200)
        operator.delete(f"/v1/partners/{p.id}/api-keys/{keys['id']}", expect=200)
        extra.get("/v1/me", expect=401)
        p.read.get("/v1/me", expect=200)

    def test_a_partner_key_cannot_use_operator_routes(self, partner: PartnerHandle) -> None:
        assert partner.write.get("/v1/partners").status_code == 403
        assert (
            partner.write.post(
                f"/v1/partners/{partner.id}/top-ups", {"amount_cents": 100_000}
            ).status_code
            == 403
        )

    def test_keys_are_stored_only_as_hashes(self, operator: Caller, settings: Settings) -> None:
        p = make_partner(operator)
        key = p.write.key
        url = settings.resolved_database_url()
        from sqlalchemy import create_engine, text

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as c:
            rows = c.execute(text("SELECT key_hash, prefix FROM api_keys")).all()
        engine.dispose()
        assert rows and all(key.encode() not in bytes(r[0]) for r in rows)
        assert all(len(r[1]) == 8 for r in rows)  # only a recognisable prefix
        assert key.startswith("pfk_") and len(key) >= 4 + 43


class TestInput:
    def test_unknown_fields_are_refused(self, partner: PartnerHandle) -> None:
        customer = make_customer(partner)
        for extra in ({"balance_cents": 1}, {"partner_id": "ptn_x"}, {"level": "platinum"}):
            r = partner.write.post(
                "/v1/licenses", {"customer_id": customer["id"], **LICENSE, **extra}
            )
            assert r.status_code == 422, extra
            assert next(iter(extra)) in r.json()["detail"]
        r = partner.write.patch("/v1/me", {"level": "platinum"})
        assert r.status_code == 422
        assert partner.read.get("/v1/me").json()["level"] == "silver"

    def test_a_body_over_64_kib_is_413(self, partner: PartnerHandle) -> None:
        r = partner.write.post("/v1/customers", {"name": "x" * 70_000})
        assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")

    def test_a_page_over_100_is_422(self, partner: PartnerHandle) -> None:
        assert partner.read.get("/v1/customers", params={"limit": 101}).status_code == 422

    def test_lists_are_paginated_with_a_cursor(self, operator: Caller) -> None:
        p = make_partner(operator)
        made = [make_customer(p, reference=f"r{i}")["id"] for i in range(5)]
        seen, cursor = [], None
        while True:
            page = p.read.get("/v1/customers", params={"limit": 2, "cursor": cursor}).json()
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(made)
        by_ref = p.read.get("/v1/customers", params={"reference": "r3"}).json()["items"]
        assert [c["id"] for c in by_ref] == [made[3]]


class TestIdempotency:
    def test_a_retried_create_returns_the_same_object_and_charges_once(
        self, partner: PartnerHandle
    ) -> None:
        customer = make_customer(partner)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        body = {"customer_id": customer["id"], **LICENSE}
        first = partner.write.post("/v1/licenses", body, headers=key, expect=201)
        again = partner.write.post("/v1/licenses", body, headers=key, expect=201)
        assert first.json() == again.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert [e["kind"] for e in ledger(partner.read)].count("charge") == 1

    def test_the_same_key_with_another_body_is_422(self, partner: PartnerHandle) -> None:
        customer = make_customer(partner)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        partner.write.post(
            "/v1/licenses", {"customer_id": customer["id"], **LICENSE}, headers=key, expect=201
        )
        r = partner.write.post(
            "/v1/licenses", {"customer_id": customer["id"], **LICENSE, "seats": 11}, headers=key
        )
        assert (r.status_code, r.json()["code"]) == (422, "idempotency_key_reused")

    def test_a_refused_charge_stays_refused_under_its_key_even_after_a_top_up(
        self, operator: Caller
    ) -> None:
        p = make_partner(operator, top_up_cents=55_000)
        customer = make_customer(p)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        body = {"customer_id": customer["id"], **LICENSE, "seats": 10_000}
        assert p.write.post("/v1/licenses", body, headers=key).status_code == 402
        operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 5_500_000}, expect=201)
        assert p.write.post("/v1/licenses", body, headers=key).status_code == 402
        assert (
            p.write.post("/v1/licenses", body, headers={"Idempotency-Key": "new"}).status_code
            == 201
        )

    def test_concurrent_use_of_one_key_charges_once(self, partner: PartnerHandle) -> None:
        customer = make_customer(partner)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        body = {"customer_id": customer["id"], **LICENSE}
        statuses: list[int] = []

        def send() -> None:
            statuses.append(partner.write.post("/v1/licenses", body, headers=key).status_code)

        threads = [threading.Thread(target=send) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert set(statuses) <= {201, 409} and 201 in statuses
        assert [e["kind"] for e in ledger(partner.read)].count("charge") == 1

    def test_keys_are_scoped_per_partner(self, operator: Caller) -> None:
        a, b = (
            make_partner(operator, top_up_cents=55_000),
            make_partner(operator, top_up_cents=55_000),
        )
        key = {"Idempotency-Key": "shared-key"}
        ca, cb = make_customer(a), make_customer(b)
        a.write.post("/v1/licenses", {"customer_id": ca["id"], **LICENSE}, headers=key, expect=201)
        r = b.write.post("/v1/licenses", {"customer_id": cb["id"], **LICENSE}, headers=key)
        assert r.status_code == 201 and r.json()["customer_id"] == cb["id"]

    def test_client_reference_blocks_a_second_charge_beyond_the_key_window(
        self, partner: PartnerHandle
    ) -> None:
        customer = make_customer(partner)
        body = {"customer_id": customer["id"], **LICENSE, "client_reference": "urn:x:lic-1"}
        first = partner.write.post("/v1/licenses", body, expect=201).json()
        r = partner.write.post("/v1/licenses", body)
        assert (r.status_code, r.json()["code"], r.json()["existing_id"]) == (
            409,
            "client_reference_exists",
            first["id"],
        )
        assert [e["kind"] for e in ledger(partner.read)].count("charge") == 1


class TestVersions:
    def test_etag_carries_the_version_and_if_match_guards_changes(
        self, partner: PartnerHandle
    ) -> None:
        customer = make_customer(partner)
        r = partner.read.get(f"/v1/customers/{customer['id']}")
        assert r.headers["etag"] == '"1"'
        partner.write.patch(
            f"/v1/customers/{customer['id']}",
            {"name": "Neu"},
            headers={"If-Match": '"1"'},
            expect=200,
        )
        stale = partner.write.patch(
            f"/v1/customers/{customer['id']}", {"name": "Alt"}, headers={"If-Match": '"1"'}
        )
        assert (stale.status_code, stale.json()["code"]) == (412, "version_conflict")
        assert partner.read.get(f"/v1/customers/{customer['id']}").json()["name"] == "Neu"
        gone = partner.write.delete(f"/v1/customers/{customer['id']}", headers={"If-Match": '"1"'})
        assert gone.status_code == 412

    def test_every_change_is_audited_with_key_and_request_id(self, partner: PartnerHandle) -> None:
        customer = make_customer(partner)
        answer = partner.write.patch(
            f"/v1/customers/{customer['id']}",
            {"name": "Neu"},
            headers={"X-Request-Id": "req-audit-1"},
            expect=200,
        )
        events = partner.read.get("/v1/audit-events", params={"object_id": customer["id"]}).json()[
            "items"
        ]
        assert [e["action"] for e in events] == ["customer.created", "customer.updated"]
        update = events[1]
        # the service's own id, answered in X-Request-Id; the client's id kept beside it
        assert update["request_id"] == answer.headers["X-Request-Id"] != "req-audit-1"
        assert update["client_request_id"] == "req-audit-1"
        assert update["actor"] == "key"
        assert update["actor_key_id"].startswith("key_")
        assert (update["before"]["name"], update["after"]["name"]) == ("Gymnasium Nord", "Neu")


class TestTestClock:
    def test_the_clock_route_is_for_operators(self, partner: PartnerHandle) -> None:
        assert partner.write.put("/v1/clock", {"now": "2026-01-01T00:00:00Z"}).status_code == 403
