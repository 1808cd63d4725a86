"""The API-call quota: counted per partner request, 429 at the limit, headers everywhere."""

from datetime import UTC, datetime

from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, SetClock, ledger, make_customer, make_partner
from tests.support.database import set_used


class TestQuota:
    def test_bronze_has_no_calls_until_a_pack_is_bought(self, operator: Caller) -> None:
        p = make_partner(operator, level="bronze", top_up_cents=55_000)
        r = p.read.get("/v1/customers")
        assert (r.status_code, r.json()["code"]) == (429, "quota_exhausted")
        assert "api-calls-25k" in r.json()["detail"]
        assert r.headers["ratelimit-limit"] == "0"
        operator.post(f"/v1/partners/{p.id}/addons", {"option": "api-calls-25k"}, expect=201)
        r = p.read.get("/v1/customers", expect=200)
        assert (r.headers["ratelimit-limit"], r.headers["ratelimit-remaining"]) == (
            "25000",
            "24999",
        )

    def test_a_bronze_partner_out_of_calls_reads_its_account_and_buys_a_pack(
        self, operator: Caller
    ) -> None:
        p = make_partner(operator, level="bronze", top_up_cents=55_000)
        refused = p.read.get("/v1/licenses")
        assert refused.status_code == 429
        detail = refused.json()["detail"]
        assert 'POST /v1/addons {"option": "api-calls-25k"}' in detail
        assert "never refused" in detail and "dashboard" not in detail and "resets" not in detail
        for path in ("/v1/me", "/v1/wallet", "/v1/quota", "/v1/catalog"):
            p.read.get(path, expect=200)  # the way out stays open
        p.write.post("/v1/addons", {"option": "api-calls-25k"}, expect=201)
        assert [e["amount_cents"] for e in ledger(p.read)][-1] == -5_500
        p.read.get("/v1/licenses", expect=200)
        quota = p.read.get("/v1/quota").json()
        assert (quota["limit"], quota["used"]) == (25_000, 8)  # refused calls do not count

    def test_every_partner_request_counts_and_says_what_is_left(self, operator: Caller) -> None:
        p = make_partner(operator)
        first = p.read.get("/v1/quota", expect=200)
        second = p.read.get("/v1/customers", expect=200)
        assert int(first.headers["ratelimit-remaining"]) - 1 == int(
            second.headers["ratelimit-remaining"]
        )
        failed = p.read.get("/v1/licenses/lic_missing")
        assert failed.status_code == 404 and "ratelimit-remaining" in failed.headers
        quota = p.read.get("/v1/quota").json()
        assert (quota["limit"], quota["used"]) == (25_000, 4)

    def test_at_the_limit_requests_get_429_until_the_first_of_next_month(
        self, operator: Caller, settings: Settings, set_clock: SetClock
    ) -> None:
        set_clock(datetime(2027, 3, 31, 23, 59, 59, tzinfo=UTC))
        p = make_partner(operator, top_up_cents=55_000)
        customer = make_customer(p)
        set_used(settings, p.id, "2027-03", 25_000)
        r = p.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 12,
                "seats": 1,
            },
        )
        assert (r.status_code, r.json()["code"]) == (429, "quota_exhausted")
        assert r.headers["retry-after"] == "1"
        assert r.headers["ratelimit-remaining"] == "0"
        set_clock(datetime(2027, 4, 1, 0, 0, 0, tzinfo=UTC))
        entries = ledger(p.read)  # a new month: calls again
        assert [e["kind"] for e in entries] == ["top_up"]  # the 429 never touched the wallet

    def test_a_keyed_purchase_refused_for_quota_runs_once_when_retried_after_a_pack(
        self, operator: Caller, settings: Settings, set_clock: SetClock
    ) -> None:
        """The quota is counted at the end of the work's transaction: a purchase refused with
        429 changed nothing, and its Idempotency-Key stays free for the retry."""
        set_clock(datetime(2027, 3, 10, tzinfo=UTC))
        p = make_partner(operator, top_up_cents=55_000)
        customer = make_customer(p)
        set_used(settings, p.id, "2027-03", 25_000)
        body = {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 1,
        }
        key = {"Idempotency-Key": "buy-one-seat"}
        refused = p.write.post("/v1/licenses", body, headers=key)
        assert (refused.status_code, refused.json()["code"]) == (429, "quota_exhausted")
        assert p.write.get("/v1/wallet").json()["balance_cents"] == 55_000  # nothing charged
        pack = p.write.post("/v1/addons", {"option": "api-calls-25k"}, expect=201).json()
        made = p.write.post("/v1/licenses", body, headers=key)
        assert made.status_code == 201 and "idempotent-replayed" not in made.headers
        again = p.write.post("/v1/licenses", body, headers=key)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == made.json()["id"]
        charges = [e for e in ledger(p.write) if e["kind"] == "charge"]
        assert [(c["object_type"], c["object_id"]) for c in charges] == [
            ("addon", pack["id"]),
            ("license", made.json()["id"]),
        ]

    def test_warnings_at_80_and_95_percent(
        self, operator: Caller, settings: Settings, set_clock: SetClock
    ) -> None:
        set_clock(datetime(2027, 5, 10, tzinfo=UTC))
        p = make_partner(operator)
        set_used(settings, p.id, "2027-05", 19_998)
        p.read.get("/v1/me", expect=200)  # 19,999
        p.read.get("/v1/me", expect=200)  # 20,000 = 80 %
        p.read.get("/v1/me", expect=200)
        set_used(settings, p.id, "2027-05", 23_749)
        p.read.get("/v1/me", expect=200)  # 23,750 = 95 %
        notes = p.read.get("/v1/notifications").json()["items"]
        assert [(n["kind"], n["data"]["percent"]) for n in notes] == [
            ("quota_warning", 80),
            ("quota_warning", 95),
        ]

    def test_operator_requests_are_not_metered(self, operator: Caller) -> None:
        r = operator.get("/v1/partners")
        assert "ratelimit-limit" not in r.headers
