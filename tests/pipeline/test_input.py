"""Bad input gets a clear 4xx that names the field, never a 500 and never a silent coercion."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings, get_settings
from tests.support.api import Caller, PartnerHandle, make_customer, make_partner, school_license
from tests.support.portal import browser, make_user, user_id_of


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


class TestWhatAPersonReads:
    @pytest.mark.parametrize(
        "name", ["Schule\x1b[31m rot", "Zeile\r\nzwei", "Glocke\x07", "abc\u202edcba", "Tab\tzu"]
    )
    def test_control_characters_and_direction_overrides_are_refused(
        self, partner: PartnerHandle, name: str
    ) -> None:
        body = {"name": name, "segment": "school", "country": "DE", "contact_email": "a@b.de"}
        r = partner.write.post("/v1/customers", body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"

    def test_umlauts_and_accents_are_fine(self, partner: PartnerHandle) -> None:
        body = {
            "name": "Grundschule Süd, Außenstelle Nørre",
            "segment": "school",
            "country": "DE",
            "contact_email": "a@b.de",
        }
        partner.write.post("/v1/customers", body, expect=201)


class TestEndedLicenses:
    def test_a_cancelled_license_cannot_be_set_to_renew(self, partner: PartnerHandle) -> None:
        lic = school_license(partner, seats=10)
        partner.write.delete(f"/v1/licenses/{lic['id']}", expect=200)
        r = partner.write.patch(f"/v1/licenses/{lic['id']}", {"auto_renew": True})
        assert (r.status_code, r.json()["code"]) == (409, "license_not_active")


class TestSuspendedPartners:
    def test_a_suspended_partner_reads_cancels_and_is_paid_into_but_buys_nothing(
        self, operator: Caller
    ) -> None:
        p = make_partner(operator, top_up_cents=110_000)
        lic = school_license(p, seats=10)
        operator.patch(f"/v1/partners/{p.id}", {"status": "suspended"}, expect=200)
        for path, body in (
            (
                "/v1/customers",
                {"name": "X", "segment": "school", "country": "DE", "contact_email": "a@b.de"},
            ),
            (
                "/v1/licenses",
                {
                    "customer_id": lic["customer_id"],
                    "product": "dns-filter",
                    "edition": "pro",
                    "term_months": 12,
                    "seats": 5,
                },
            ),
            ("/v1/addons", {"option": "white-label"}),
        ):
            r = p.write.post(path, body)
            assert (r.status_code, r.json()["code"]) == (403, "partner_suspended"), path
        r = p.write.put("/v1/support", {"support_level": "premium"})
        assert r.status_code == 403
        p.read.get("/v1/licenses", expect=200)
        account: list[tuple[str, str, dict[str, Any] | None]] = [  # its account: frozen too
            ("PATCH", "/v1/me", {"billing_email": "billing@msp.example"}),
            ("PATCH", "/v1/me", {"webhook_url": "https://hooks.msp.example/pf"}),
            ("POST", "/v1/me/webhook-secret", None),
            ("POST", "/v1/me/api-keys", {"scope": "write"}),
        ]
        for method, path, change in account:
            r = p.write.call(method, path, change)
            assert (r.status_code, r.json()["code"]) == (403, "partner_suspended"), path
        # the plan says what the up would be told: refused, but a cancel goes on
        changes = [
            {
                "key": "s",
                "action": "update",
                "type": "support",
                "inputs": {"support_level": "basic"},
            },
            {"key": "l", "action": "delete", "type": "license", "id": lic["id"]},
        ]
        planned = p.read.post("/v1/plans", {"changes": changes}, expect=200).json()["changes"]
        assert planned[0]["refused"]["code"] == "partner_suspended"
        assert planned[1]["refused"] is None
        operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 10_000}, expect=201)
        p.write.delete(f"/v1/licenses/{lic['id']}", expect=200)
        read_key = p.read.get("/v1/me/api-keys", expect=200).json()[-1]["id"]
        p.write.delete(f"/v1/me/api-keys/{read_key}", expect=200)  # a leaked key: revoked

    def test_a_suspended_partner_s_admin_revokes_but_changes_nothing_in_the_portal(
        self, operator: Caller, client: TestClient, settings: Settings
    ) -> None:
        p = make_partner(operator)
        admin = browser(client.app)
        admin.sign_in(make_user(settings, "partner", "admin", partner_id=p.id))
        colleague = user_id_of(settings, make_user(settings, "partner", "billing", partner_id=p.id))
        operator.patch(f"/v1/partners/{p.id}", {"status": "suspended"}, expect=200)
        users = f"/portal/p/{p.id}/users"
        assert admin.submit(users, {"email": "new@msp.example", "role": "admin"}).status_code == 403
        assert (
            admin.submit(
                f"/portal/p/{p.id}/profile", {"billing_email": "x@msp.example"}
            ).status_code
            == 403
        )
        assert admin.post_from(users, f"{users}/{colleague}/reset-password", {}).status_code == 403
        assert admin.post_from(users, f"{users}/{colleague}/disable", {}).status_code == 200


def test_the_sqlite_file_is_private(settings: Settings) -> None:
    url = settings.resolved_database_url()
    if not url.startswith("sqlite"):
        pytest.skip("a SQLite file")
    path = Path(url.split("///", 1)[1])
    for name in (path, Path(f"{path}-wal")):
        if name.exists():
            assert name.stat().st_mode & 0o777 == 0o600, name
