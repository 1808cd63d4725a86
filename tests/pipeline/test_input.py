"""Bad input gets a clear 4xx that names the field, never a 500 and never a silent coercion."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from partnerfleet_backend.settings import get_settings
from tests.support.api import Caller, PartnerHandle, make_customer, school_license


class TestNumbers:
    @pytest.mark.parametrize("seats", [True, "5", 1.0, 5.5])
    def test_seats_are_json_integers_only(self, partner: PartnerHandle, seats: object) -> None:
        customer = make_customer(partner)
        body = {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": seats,
        }
        r = partner.write.post("/v1/licenses", body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "seats"

    def test_a_term_of_true_is_not_one_month(self, partner: PartnerHandle) -> None:
        lic = school_license(partner, seats=10)
        r = partner.write.patch(f"/v1/licenses/{lic['id']}", {"term_months": True})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "term_months"

    def test_a_top_up_of_true_is_not_one_cent(
        self, operator: Caller, partner: PartnerHandle
    ) -> None:
        r = operator.post(f"/v1/partners/{partner.id}/top-ups", {"amount_cents": True})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount_cents"


class TestIfMatch:
    def test_a_unicode_digit_is_a_422_and_a_star_matches_any_version(
        self, partner: PartnerHandle
    ) -> None:
        lic = school_license(partner, seats=10)
        path = f"/v1/licenses/{lic['id']}"
        headers: Any = {"Authorization": f"Bearer {partner.write.key}", "If-Match": b"\xb2"}
        r = partner.write.http.request(  # '²' sent as latin-1, as a client may
            "PATCH", partner.write.base + path, json={"auto_renew": False}, headers=headers
        )
        assert r.status_code == 422 and r.json()["field"] == "If-Match"
        partner.write.patch(path, {"auto_renew": True}, headers={"If-Match": "*"}, expect=200)


class TestCalendarRuns:
    def test_another_moment_is_refused_outside_the_test_clock(
        self, operator: Caller, monkeypatch: pytest.MonkeyPatch, client: TestClient
    ) -> None:
        monkeypatch.setenv("PARTNERFLEET_TEST_CLOCK", "false")
        get_settings.cache_clear()
        try:
            r = operator.post("/v1/jobs/run", {"at": "2031-01-01T00:00:00Z"})
        finally:
            monkeypatch.setenv("PARTNERFLEET_TEST_CLOCK", "true")
            get_settings.cache_clear()
        assert r.status_code == 422 and r.json()["field"] == "at"

    def test_a_moment_without_a_time_zone_is_a_422(self, operator: Caller) -> None:
        r = operator.post("/v1/jobs/run", {"at": "2031-01-01T00:00:00"})
        assert r.status_code == 422 and r.json()["field"] == "at"
