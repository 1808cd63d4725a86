"""Add-on options and support levels."""

from datetime import UTC, datetime, timedelta

from tests.support.api import Caller, PartnerHandle, SetClock, ledger, make_partner

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PAST_THE_GRACE_WINDOW = START + timedelta(hours=169)  # an undo within it: tests/billing


class TestAddOns:
    def test_an_option_is_charged_at_its_nominal_price(self, partner: PartnerHandle) -> None:
        addon = partner.write.post("/v1/addons", {"option": "api-calls-50k"}, expect=201).json()
        assert (addon["status"], addon["price_cents"]) == ("active", 11_000)
        charge = next(e for e in ledger(partner.read) if e["kind"] == "charge")
        assert (charge["amount_cents"], charge["net_cents"]) == (-11_000, -7_700)  # 30 % lot

    def test_an_option_the_level_includes_is_not_charged(self, operator: Caller) -> None:
        p = make_partner(operator, top_up_cents=55_000, level="gold")
        addon = p.write.post("/v1/addons", {"option": "white-label"}, expect=201).json()
        assert (addon["status"], addon["price_cents"]) == ("included", 0)
        assert [e["kind"] for e in ledger(p.read)] == ["top_up"]

    def test_raw_data_export_is_a_quote_request_never_a_charge(
        self, partner: PartnerHandle
    ) -> None:
        addon = partner.write.post("/v1/addons", {"option": "data-export-raw"}, expect=201).json()
        assert addon["status"] == "requested"
        assert [e["kind"] for e in ledger(partner.read)] == ["top_up"]

    def test_cancel_runs_to_the_end_of_the_period(
        self, partner: PartnerHandle, set_clock: SetClock
    ) -> None:
        set_clock(START)
        addon = partner.write.post("/v1/addons", {"option": "white-label"}, expect=201).json()
        set_clock(PAST_THE_GRACE_WINDOW)
        cancelled = partner.write.delete(f"/v1/addons/{addon['id']}", expect=200).json()
        assert (cancelled["status"], cancelled["auto_renew"]) == ("active", False)
        assert cancelled["period_end"] == addon["period_end"]

    def test_a_single_option_cannot_be_bought_twice(self, partner: PartnerHandle) -> None:
        partner.write.post("/v1/addons", {"option": "white-label"}, expect=201)
        r = partner.write.post("/v1/addons", {"option": "white-label"})
        assert (r.status_code, r.json()["code"]) == (409, "addon_already_active")

    def test_the_operator_buys_a_first_pack_for_a_bronze_partner(self, operator: Caller) -> None:
        p = make_partner(operator, top_up_cents=55_000)
        operator.post(f"/v1/partners/{p.id}/addons", {"option": "api-calls-25k"}, expect=201)
        assert [a["option"] for a in p.read.get("/v1/addons").json()["items"]] == ["api-calls-25k"]


class TestSupport:
    def test_premium_buys_the_option_and_basic_cancels_it(
        self, partner: PartnerHandle, set_clock: SetClock
    ) -> None:
        set_clock(START)
        assert partner.read.get("/v1/support").json()["support_level"] == "basic"
        premium = partner.write.put("/v1/support", {"support_level": "premium"}, expect=200).json()
        assert (premium["support_level"], premium["source"]) == ("premium", "option")
        assert [e["amount_cents"] for e in ledger(partner.read)][-1] == -5_500
        assert partner.read.get("/v1/me").json()["support_level"] == "premium"
        set_clock(PAST_THE_GRACE_WINDOW)
        basic = partner.write.put("/v1/support", {"support_level": "basic"}, expect=200).json()
        assert basic["support_level"] == "premium"  # paid month runs out
        addons = partner.read.get("/v1/addons").json()["items"]
        assert addons[0]["auto_renew"] is False

    def test_a_gold_partner_has_premium_from_its_level(self, operator: Caller) -> None:
        p = make_partner(operator, top_up_cents=55_000, level="gold")
        r = p.write.put("/v1/support", {"support_level": "premium"}, expect=200).json()
        assert (r["support_level"], r["source"]) == ("premium", "level")
        assert [e["kind"] for e in ledger(p.read)] == ["top_up"]
        me = p.read.get("/v1/me").json()
        assert (
            me["benefits"]["white_label"] is True
            and me["benefits"]["api_calls_per_month"] == 50_000
        )
