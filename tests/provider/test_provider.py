"""The provider's methods against the real backend process over HTTP (no engine, no mocks)."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult
from pulumi.output import UNKNOWN
from pulumi.runtime import rpc

from partnerfleet import config
from partnerfleet.errors import ProviderError
from partnerfleet.resources.addon import AddOnProvider
from partnerfleet.resources.bulk import BULK
from partnerfleet.resources.customer_org import CustomerOrgProvider
from partnerfleet.resources.identity import IDENTITY_KEY
from partnerfleet.resources.license import LicenseProvider
from partnerfleet.resources.support_level import SupportLevelProvider
from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, PartnerHandle, ledger, make_partner

pytestmark = pytest.mark.slow

ORG = {
    "name": "Gymnasium Ost",
    "segment": "school",
    "country": "DE",
    "contact_email": "it@gym-ost.example",
    "reference": "crm-77",
}


def use(endpoint: str, key: str) -> None:
    config.configure_from({"partnerfleet:endpoint": endpoint, "partnerfleet:apiKey": key})
    BULK.reset()


@pytest.fixture
def partner(live_operator: Caller) -> Iterator[PartnerHandle]:
    p = make_partner(live_operator, top_up_cents=110_000)
    use(live_operator.base, p.write.key)
    yield p
    config._configured = None


def outs(result: CreateResult | UpdateResult | ReadResult) -> dict[str, Any]:
    """The outputs of a provider call (always set by our providers)."""
    assert result.outs is not None
    return result.outs


def inputs(result: ReadResult) -> dict[str, Any]:
    assert result.inputs is not None
    return result.inputs


def created(provider: Any, props: dict[str, Any], name: str = "r") -> tuple[str, dict[str, Any]]:
    checked = provider.check({}, {**props, IDENTITY_KEY: f"proj/stack/{provider.kind}/{name}"})
    assert checked.failures == []
    result = provider.create(checked.inputs)
    return result.id, outs(result)


def calls() -> int:
    return config.client().calls


class TestCheck:
    def test_failures_name_the_property_and_the_reason(self) -> None:
        result = LicenseProvider().check(
            {},
            {
                "customer_id": "cus_1",
                "product": "dns-filter",
                "edition": "pro-plus",
                "term_months": 12.0,
                "seats": 0.0,
            },
        )
        reasons = {(f.property, f.reason) for f in result.failures}
        assert reasons == {
            ("edition", "edition 'pro-plus' is not one of pro, proplus"),
            ("seats", "seats must be at least 1"),
        }

    def test_integers_come_back_from_floats(self) -> None:
        result = LicenseProvider().check(
            {},
            {
                "customer_id": "cus_1",
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 12.0,
                "seats": 5.0,
            },
        )
        assert result.failures == []
        assert result.inputs["seats"] == 5 and isinstance(result.inputs["seats"], int)

    def test_unknown_values_are_not_judged(self) -> None:
        result = LicenseProvider().check(
            {},
            {
                "customer_id": rpc.UNKNOWN,
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 12,
                "seats": 5,
            },
        )
        assert result.failures == []

    def test_usage_billed_products_take_no_term(self) -> None:
        result = LicenseProvider().check(
            {}, {"customer_id": "c", "product": "mail", "edition": "standard", "term_months": 12}
        )
        assert [f.property for f in result.failures] == ["term_months"]


class TestDiff:
    outs = {
        "customer_id": "cus_1",
        "product": "dns-filter",
        "edition": "pro",
        "term_months": 12,
        "seats": 100.0,
        "seats_next_term": None,
        "auto_renew": True,
        "trial": False,
        "version": 3,
    }
    news = {
        "customer_id": "cus_1",
        "product": "dns-filter",
        "edition": "pro",
        "term_months": 12,
        "seats": 100,
    }

    def test_no_change_is_no_diff(self) -> None:
        assert LicenseProvider().diff("lic", self.outs, self.news).changes is False

    def test_seats_update_in_place_and_customer_replaces(self) -> None:
        seats = LicenseProvider().diff("lic", self.outs, {**self.news, "seats": 150})
        assert (seats.changes, seats.replaces) == (True, [])
        moved = LicenseProvider().diff("lic", self.outs, {**self.news, "customer_id": "cus_2"})
        assert (moved.changes, moved.replaces) == (True, ["customer_id"])

    @pytest.mark.parametrize("unknown", [rpc.UNKNOWN, UNKNOWN], ids=["wire", "sdk"])
    def test_unknown_values_count_as_changed(self, unknown: Any) -> None:
        result = LicenseProvider().diff("lic", self.outs, {**self.news, "customer_id": unknown})
        assert (result.changes, result.replaces) == (True, ["customer_id"])

    def test_a_pending_decrease_is_no_diff(self) -> None:
        outs = {**self.outs, "seats_next_term": 80}
        assert LicenseProvider().diff("lic", outs, {**self.news, "seats": 80}).changes is False

    def test_diff_makes_no_network_call(self, partner: PartnerHandle) -> None:
        before = calls()
        for _ in range(50):
            LicenseProvider().diff("lic", self.outs, {**self.news, "seats": 7})
            LicenseProvider().check({}, self.news)
        assert calls() == before


class TestLifecycle:
    def test_customer_and_license_create_read_update_delete(
        self, partner: PartnerHandle, set_clock: Callable[[datetime], None]
    ) -> None:
        set_clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
        org_id, org = created(CustomerOrgProvider(), ORG)
        assert org["reference"] == "crm-77" and org["version"] == 1
        lic_id, lic = created(
            LicenseProvider(),
            {
                "customer_id": org_id,
                "product": "dns-filter",
                "edition": "proplus",
                "term_months": 12,
                "seats": 100,
            },
        )
        assert lic["license_key"].startswith("PF-") and lic["status"] == "active"
        assert [-e["amount_cents"] for e in ledger(partner.read)][-1] == 100 * 28 * 12
        up = outs(LicenseProvider().update(lic_id, lic, {**lic, "seats": 150}))
        assert up["seats"] == 150 and up["version"] == 2
        set_clock(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))  # after the grace window: at renewal
        down = outs(LicenseProvider().update(lic_id, up, {**up, "seats": 120}))
        assert (down["seats"], down["seats_next_term"]) == (150, 120)
        read = LicenseProvider().read(lic_id, down)
        assert inputs(read)["seats"] == 120 and outs(read)["seats"] == 150
        LicenseProvider().delete(lic_id, down)
        assert LicenseProvider().read(lic_id, down).id == ""
        LicenseProvider().delete(lic_id, down)  # already gone: fine
        CustomerOrgProvider().delete(org_id, org)
        assert CustomerOrgProvider().read(org_id, org).id == ""

    def test_fewer_seats_within_the_grace_window_correct_the_purchase_and_read_clean(
        self, partner: PartnerHandle
    ) -> None:
        org_id, _ = created(CustomerOrgProvider(), {**ORG, "reference": "crm-78"})
        body = {"customer_id": org_id, "product": "dns-filter", "edition": "proplus"}
        lic_id, lic = created(LicenseProvider(), {**body, "term_months": 12, "seats": 300})
        fixed = outs(LicenseProvider().update(lic_id, lic, {**lic, "seats": 30}))  # meant: 30
        assert (fixed["seats"], fixed.get("seats_next_term")) == (30, None)  # now
        read = LicenseProvider().read(lic_id, fixed)
        assert inputs(read)["seats"] == 30 and outs(read)["seats"] == 30  # no drift
        kinds = [e["kind"] for e in ledger(partner.read)]
        assert kinds[-2:] == ["refund", "charge"]
        assert [-e["amount_cents"] for e in ledger(partner.read)][-1] == 30 * 28 * 12

    def test_access_the_customer_narrowed_is_no_diff_and_never_sent(
        self, partner: PartnerHandle, settings: Settings
    ) -> None:
        from partnerfleet_backend.customer import service as customers
        from partnerfleet_backend.customer.schemas import CustomerUpdate
        from partnerfleet_backend.db.context import Ctx
        from partnerfleet_backend.db.engines import session_scope

        program = {**ORG, "access": "full"}
        org_id, org = created(CustomerOrgProvider(), program)
        with session_scope(settings) as session:  # the customer's admin limits access
            ctx = Ctx(
                session=session,
                now=datetime.now(UTC),
                actor=None,
                request_id=None,
                settings=settings,
            )
            customers.update(
                ctx,
                partner.id,
                org_id,
                CustomerUpdate(access="limited", access_products=["mail"]),
                by_customer=True,
            )
        BULK.reset()
        provider = CustomerOrgProvider()
        read = provider.read(org_id, org)
        assert outs(read)["access"] == "limited"
        checked = provider.check({}, {**program, IDENTITY_KEY: "proj/stack/CustomerOrg/r"})
        assert not provider.diff(org_id, outs(read), checked.inputs).changes
        assert not provider.diff(org_id, org, checked.inputs).changes
        # once a read (a refresh) found the narrowed grant, asking for more is refused at
        # preview, saying who grants it; asking for what was granted (or less) is fine
        asking = {**program, IDENTITY_KEY: "proj/stack/CustomerOrg/r"}
        refused = provider.check(inputs(read), asking).failures
        assert [f.property for f in refused] == ["access"]
        assert "only the customer's admins (in the portal) or the vendor" in refused[0].reason
        granted = {**asking, "access": "limited", "access_products": ["mail"]}
        assert provider.check(inputs(read), granted).failures == []
        more = {**granted, "access_products": ["mail", "dns-filter"]}
        recorded = provider.check({}, granted).inputs  # a program that named its products
        assert "access to dns-filter" in provider.check(recorded, more).failures[0].reason
        assert provider.check({}, asking).failures == []  # a new org: the partner asks

    def test_refresh_sees_a_change_made_at_the_backend(self, partner: PartnerHandle) -> None:
        org_id, _ = created(CustomerOrgProvider(), ORG)
        lic_id, lic = created(
            LicenseProvider(),
            {
                "customer_id": org_id,
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 12,
                "seats": 10,
            },
        )
        partner.write.patch(f"/v1/licenses/{lic_id}", {"seats": 25}, expect=200)
        BULK.reset()
        read = LicenseProvider().read(lic_id, lic)
        assert inputs(read)["seats"] == 25
        diff = LicenseProvider().diff(lic_id, outs(read), {**lic, "seats": 10})
        assert diff.changes is True

    def test_reads_share_one_list_call(self, partner: PartnerHandle) -> None:
        org_id, _ = created(CustomerOrgProvider(), ORG)
        ids = [
            created(
                LicenseProvider(),
                {"customer_id": org_id, "product": "mail", "edition": "standard"},
                name=f"m{i}",
            )[0]
            for i in range(30)
        ]
        BULK.reset()
        before = calls()
        for lic_id in ids:
            assert LicenseProvider().read(lic_id, {}).id == lic_id
        assert calls() - before == 1

    def test_an_existing_reference_is_adopted_only_when_asked(self, partner: PartnerHandle) -> None:
        existing = partner.write.post("/v1/customers", ORG, expect=201).json()
        with pytest.raises(ProviderError) as refused:
            created(CustomerOrgProvider(), ORG)
        message = str(refused.value)
        assert existing["id"] in message and "adopt" in message and "\n" not in message
        org_id, org = created(CustomerOrgProvider(), {**ORG, "name": "Neu", "adopt": True})
        assert org_id == existing["id"] and org["name"] == "Neu"

    def test_a_license_moved_to_another_org_is_bought_anew_never_the_cancelled_one_adopted(
        self, partner: PartnerHandle
    ) -> None:
        """What the engine does when an adopted license's customer is renamed in the fleet
        file: the old license is deleted first (it keeps its reference), then the new one is
        created with adopt: the new one is bought and charged, as the plan said."""
        old_org, _ = created(CustomerOrgProvider(), ORG)
        new_org, _ = created(CustomerOrgProvider(), {**ORG, "reference": "crm-78"}, name="o2")
        props = {
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 10,
            "reference": "crm-77-dns",
            "adopt": True,
        }
        first, _ = created(LicenseProvider(), {**props, "customer_id": old_org}, name="l")
        LicenseProvider().delete(first, {})
        charges = [e["kind"] for e in ledger(partner.read)].count("charge")
        moved, lic = created(LicenseProvider(), {**props, "customer_id": new_org}, name="l")
        assert moved != first and lic["status"] == "active" and lic["customer_id"] == new_org
        assert [e["kind"] for e in ledger(partner.read)].count("charge") == charges + 1
        listed = partner.read.get("/v1/licenses", params={"reference": "crm-77-dns"}).json()
        assert [item["id"] for item in listed["items"]] == [moved]

    def test_a_license_of_another_org_is_never_adopted_as_it_is(
        self, partner: PartnerHandle
    ) -> None:
        old_org, _ = created(CustomerOrgProvider(), ORG)
        new_org, _ = created(CustomerOrgProvider(), {**ORG, "reference": "crm-79"}, name="o2")
        props = {"product": "dns-filter", "edition": "pro", "term_months": 12, "seats": 10}
        created(LicenseProvider(), {**props, "customer_id": old_org, "reference": "x-1"})
        with pytest.raises(ProviderError) as refused:
            created(
                LicenseProvider(),
                {**props, "customer_id": new_org, "reference": "x-1", "adopt": True},
                name="l2",
            )
        assert "cannot be adopted" in str(refused.value) and old_org in str(refused.value)

    def test_a_rerun_after_an_interrupted_create_never_charges_twice(
        self, partner: PartnerHandle
    ) -> None:
        org_id, _ = created(CustomerOrgProvider(), ORG)
        props = {
            "customer_id": org_id,
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 10,
        }
        first, _ = created(LicenseProvider(), props, name="same")
        # the state never recorded `first` (pulumi up was killed): the next run creates again
        again, _ = created(LicenseProvider(), props, name="same")
        assert again == first
        assert [e["kind"] for e in ledger(partner.read)].count("charge") == 1

    def test_addon_and_support_level(self, partner: PartnerHandle) -> None:
        addon_id, addon = created(AddOnProvider(), {"option": "api-calls-25k"})
        assert addon["status"] == "active"
        AddOnProvider().delete(addon_id, addon)
        assert AddOnProvider().read(addon_id, addon).id == ""
        sid, support = created(SupportLevelProvider(), {"support_level": "premium"})
        assert (sid, support["effective_support_level"], support["source"]) == (
            "support",
            "premium",
            "option",
        )
        SupportLevelProvider().delete(sid, support)
        assert outs(SupportLevelProvider().read(sid, support))["support_level"] == "premium"


class TestThePlanCountsTheCallsTheUpSpends:
    """Per change, the plan's `api_calls` are the calls the provider's method makes."""

    def spent(self, method: Any, *args: Any) -> tuple[Any, int]:
        before = calls()
        result = method(*args)
        return result, calls() - before

    def planned(self, p: PartnerHandle, change: dict[str, Any]) -> int:
        result = p.read.post("/v1/plans", {"changes": [change]}, expect=200).json()
        assert result["changes"][0]["refused"] is None, result["changes"][0]
        assert result["quota"]["calls_needed"] == result["changes"][0]["api_calls"]
        return int(result["changes"][0]["api_calls"])

    def test_a_support_level_looks_for_an_option_bought_outside_first(
        self, partner: PartnerHandle
    ) -> None:
        change = {"key": "s", "action": "create", "type": "support"}
        planned = self.planned(partner, {**change, "inputs": {"support_level": "premium"}})
        provider = SupportLevelProvider()
        checked = provider.check({}, {"support_level": "premium", IDENTITY_KEY: "p/s/Support/s"})
        _, spent = self.spent(provider.create, checked.inputs)
        assert planned == spent == 2

    def test_a_support_level_refused_by_the_up_is_refused_by_the_plan(
        self, partner: PartnerHandle
    ) -> None:
        partner.write.post("/v1/addons", {"option": "premium-support"}, expect=201)
        change = {"key": "s", "action": "create", "type": "support"}
        result = partner.read.post(
            "/v1/plans", {"changes": [{**change, "inputs": {"support_level": "basic"}}]}
        ).json()
        assert result["changes"][0]["refused"]["code"] == "conflict"
        with pytest.raises(ProviderError, match="bought outside this program"):
            created(SupportLevelProvider(), {"support_level": "basic"})
        adopting = {**change, "inputs": {"support_level": "premium", "adopt": True}}
        planned = self.planned(partner, adopting)
        provider = SupportLevelProvider()
        checked = provider.check(
            {}, {"support_level": "premium", "adopt": True, IDENTITY_KEY: "p/s/Support/s"}
        )
        _, spent = self.spent(provider.create, checked.inputs)
        assert planned == spent == 3  # the look-up, the claim, the level

    def test_an_adoption_that_changes_nothing_is_one_look_up(self, partner: PartnerHandle) -> None:
        partner.write.post("/v1/customers", ORG, expect=201)
        change = {"key": "c", "action": "create", "type": "customer"}
        planned = self.planned(partner, {**change, "inputs": {**ORG, "adopt": True}})
        provider = CustomerOrgProvider()
        checked = provider.check({}, {**ORG, "adopt": True, IDENTITY_KEY: "p/s/Customer/c"})
        _, spent = self.spent(provider.create, checked.inputs)
        assert planned == spent == 1
        renamed = {**ORG, "name": "Neu", "adopt": True}
        planned = self.planned(partner, {**change, "inputs": renamed})
        BULK.reset()
        _, spent = self.spent(
            provider.create, provider.check({}, {**renamed, IDENTITY_KEY: "p/s/Customer/c"}).inputs
        )
        assert planned == spent == 2


class TestErrors:
    def test_insufficient_credit_is_one_line_with_needed_and_available(
        self, live_operator: Caller
    ) -> None:
        p = make_partner(live_operator, top_up_cents=55_000)
        use(live_operator.base, p.write.key)
        org_id, _ = created(CustomerOrgProvider(), ORG)
        with pytest.raises(ProviderError) as error:
            created(
                LicenseProvider(),
                {
                    "customer_id": org_id,
                    "product": "dns-filter",
                    "edition": "proplus",
                    "term_months": 60,
                    "seats": 1000,
                },
            )
        text = str(error.value)
        assert "insufficient credit" in text and "16,800.00 EUR" in text and "550.00 EUR" in text
        assert "top-up" in text and "\n" not in text

    def test_a_read_only_key_says_so(self, live_operator: Caller) -> None:
        p = make_partner(live_operator)
        use(live_operator.base, p.read.key)
        with pytest.raises(ProviderError, match="read-only"):
            created(CustomerOrgProvider(), ORG)

    def test_a_stale_version_says_run_refresh(self, partner: PartnerHandle) -> None:
        org_id, org = created(CustomerOrgProvider(), ORG)
        partner.write.patch(f"/v1/customers/{org_id}", {"name": "changed elsewhere"}, expect=200)
        with pytest.raises(ProviderError, match="pulumi refresh"):
            CustomerOrgProvider().update(org_id, org, {**org, "name": "mine"})

    def test_an_unreachable_backend_names_the_endpoint(self) -> None:
        use("http://127.0.0.1:9", "pfk_x")
        client = config.client()
        client.max_retries, client.backoff_base = 1, 0.01
        with pytest.raises(
            ProviderError,
            match=r"cannot reach the partnerfleet backend at "
            r"http://127\.0\.0\.1:9",
        ):
            created(CustomerOrgProvider(), ORG)
        config._configured = None


class TestDroppedConnection:
    def test_a_create_whose_answer_is_lost_is_retried_and_charged_once(
        self, live_operator: Caller
    ) -> None:
        from urllib.parse import urlparse

        from tests.support.flaky_proxy import flaky_proxy

        p = make_partner(live_operator, top_up_cents=110_000)
        use(live_operator.base, p.write.key)
        org_id, _ = created(CustomerOrgProvider(), ORG)
        port = urlparse(live_operator.base).port
        assert port is not None
        with flaky_proxy(port, b"POST /v1/licenses ") as proxy:
            use(f"http://127.0.0.1:{proxy.port}", p.write.key)
            config.client().jitter = lambda delay: 0.01  # type: ignore[method-assign]
            lic_id, lic = created(
                LicenseProvider(),
                {
                    "customer_id": org_id,
                    "product": "dns-filter",
                    "edition": "pro",
                    "term_months": 12,
                    "seats": 10,
                },
            )
            assert proxy.matching_requests == 2  # the first answer was lost, then a retry
        assert [e["kind"] for e in ledger(p.read)].count("charge") == 1
        licenses = p.read.get("/v1/licenses").json()["items"]
        assert [item["id"] for item in licenses] == [lic_id]
        assert lic["seats"] == 10


class TestPartner:
    def test_a_partner_key_manages_its_own_profile(self, partner: PartnerHandle) -> None:
        from partnerfleet.resources.partner import PartnerProvider

        props = {
            "billing_email": "billing@msp.example",
            "support_contact": {"phone": "+49 30 123", "hours": "Mo-Fr 8-18"},
        }
        pid, profile = created(PartnerProvider(), props)
        assert pid == partner.id and profile["billing_email"] == "billing@msp.example"
        refused = PartnerProvider().check({}, {"name": "x", "level": "platinum"})
        assert {f.property for f in refused.failures} == {"name", "level"}
        updated = PartnerProvider().update(
            pid, profile, {**props, "logo_url": "https://l.example/a.png"}
        )
        assert outs(updated)["logo_url"] == "https://l.example/a.png"
        PartnerProvider().delete(pid, outs(updated))  # the own profile stays
        assert partner.read.get("/v1/me").json()["billing_email"] == "billing@msp.example"

    def test_the_directory_entry_from_the_partner_resource(
        self, partner: PartnerHandle, live_operator: Caller
    ) -> None:
        """The partner's directory entry declared on its Partner: made, found unchanged by a
        refresh (lists in any order, defaults left out), drift in the backend shown, the
        operator's approval an output; an operator key may not set it."""
        from partnerfleet.resources.partner import PartnerProvider

        entry = {
            "listed": True,
            "country": "DE",
            "languages": ["en", "de"],
            "services": ["support", "installation"],
            "website": "https://code.example",
            "registration_number": "HRB 777",
        }
        pid, made = created(PartnerProvider(), {"directory": entry})
        assert made["directory_approval"] == "pending"
        assert made["directory"]["languages"] == ["de", "en"]
        live_operator.put(f"/v1/partners/{pid}/directory/approval", {"approval": "approved"})
        read = PartnerProvider().read(pid, made)
        assert outs(read)["directory_approval"] == "approved"
        checked = PartnerProvider().check(
            made, {"directory": entry, IDENTITY_KEY: made[IDENTITY_KEY]}
        )
        assert inputs(read)["directory"] == checked.inputs["directory"]  # no change
        assert PartnerProvider().diff(pid, outs(read), checked.inputs).changes is False
        partner.write.put(
            "/v1/me/directory", {**entry, "website": "https://moved.example"}, expect=200
        )
        drifted = PartnerProvider().read(pid, outs(read))
        assert inputs(drifted)["directory"]["website"] == "https://moved.example"
        assert PartnerProvider().diff(pid, outs(drifted), checked.inputs).changes is True
        put_back = PartnerProvider().update(pid, outs(drifted), checked.inputs)
        assert outs(put_back)["directory"]["website"] == "https://code.example"
        assert outs(put_back)["directory_approval"] == "pending"  # checked again
        refused = PartnerProvider().check({}, {"directory": {**entry, "website": "http://x"}})
        assert {f.property for f in refused.failures} == {"directory.website"}

    def test_an_operator_key_manages_partner_accounts(self, live_operator: Caller) -> None:
        from partnerfleet.resources.partner import PartnerProvider

        use(live_operator.base, live_operator.key)
        pid, outs = created(PartnerProvider(), {"name": "New MSP", "level": "gold"})
        assert outs["level"] == "gold" and outs["benefits"]["white_label"] is True
        PartnerProvider().delete(pid, outs)
        assert live_operator.get(f"/v1/partners/{pid}").status_code == 404
        config._configured = None


class TestReadFunctions:
    def test_wallet_level_quota_and_catalog(
        self, partner: PartnerHandle, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import partnerfleet

        monkeypatch.setenv("PARTNERFLEET_ENDPOINT", config.connection().endpoint)
        monkeypatch.setenv("PARTNERFLEET_API_KEY", partner.read.key)
        assert partnerfleet.get_wallet()["balance_cents"] == 110_000
        assert partnerfleet.get_level()["level"] == "silver"
        assert partnerfleet.get_quota()["limit"] == 25_000
        products = {p["product"] for p in partnerfleet.get_catalog()["products"]}
        assert products == {"dns-filter", "mail", "firewall", "vuln-scanner"}

    def test_stack_config_comes_before_the_environment_as_for_the_resources(
        self, partner: PartnerHandle, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from pulumi.runtime.config import set_all_config

        import partnerfleet

        monkeypatch.setenv("PARTNERFLEET_ENDPOINT", "http://127.0.0.1:9")  # nothing listens
        monkeypatch.setenv("PARTNERFLEET_API_KEY", "pfk_not_a_key")
        endpoint = config.connection().endpoint
        set_all_config({"partnerfleet:endpoint": endpoint, "partnerfleet:apiKey": partner.read.key})
        try:
            assert partnerfleet.get_wallet()["balance_cents"] == 110_000
            assert config.resolve(
                lambda name: {"endpoint": endpoint}.get(name)
            ) == config.Connection(endpoint, "pfk_not_a_key")
        finally:
            set_all_config({})
