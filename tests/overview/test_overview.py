"""The overview (the portal's front page) shows the API's own figures, and what it says a
renewal will cost is what the renewal charges."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.api import (
    Caller,
    SetClock,
    keep_level,
    ledger,
    make_customer,
    make_partner,
    product_reports,
    run_jobs,
)

T0 = datetime(2032, 5, 3, tzinfo=UTC)


def test_the_overview_is_the_api_s_figures_and_the_renewal_s_bill(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=110_000)
    school = make_customer(p, segment="school", reference="GYM-1")
    office = make_customer(p, segment="business", name="Kanzlei")

    def buy(customer: dict[str, Any], **kw: Any) -> dict[str, Any]:
        body = {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 1,
            "seats": 10,
            **kw,
        }
        result: dict[str, Any] = p.write.post("/v1/licenses", body, expect=201).json()
        return result

    monthly = buy(school)
    shrinking = buy(office, edition="proplus", seats=20)
    p.write.patch(f"/v1/licenses/{shrinking['id']}", {"seats": 12, "edition": "pro"}, expect=200)
    ending = buy(school, auto_renew=False)
    yearly = buy(office, term_months=12)  # not within 45 days
    trial = buy(make_customer(p), trial=True, term_months=12)
    product_reports(p.read, monthly["license_key"], 14)  # used above its 10 seats

    view = p.read.get("/v1/overview", expect=200).json()
    wallet = p.read.get("/v1/wallet", expect=200).json()
    quota = p.read.get("/v1/quota", expect=200).json()
    assert {k: view["credit"][k] for k in wallet} == wallet
    assert view["quota"]["limit"] == quota["limit"]
    assert view["quota"]["used"] == quota["used"] - 2  # the wallet and quota reads counted
    assert view["quota"]["warn_at_bp"] == [8000, 9500]
    assert view["level"]["current"] == "silver"
    renewals = {r["license_id"]: r for r in view["renewals"]["items"]}
    assert set(renewals) == {monthly["id"], shrinking["id"], ending["id"]}
    assert yearly["id"] not in renewals
    assert renewals[ending["id"]]["renewal_cents"] == 0
    assert (renewals[shrinking["id"]]["next_seats"], renewals[shrinking["id"]]["next_edition"]) == (
        12,
        "pro",
    )
    assert renewals[monthly["id"]]["customer_label"] == "GYM-1"
    assert view["renewals"]["cost_cents"] == sum(r["renewal_cents"] for r in renewals.values())
    assert [x["license_id"] for x in view["under_licensed"]] == [monthly["id"]]
    assert [x["license_id"] for x in view["trials"]] == [trial["id"]]
    assert view["branding"]["white_label"] is False

    # the bill: the renewal run charges exactly what the overview said
    set_clock(T0 + timedelta(days=32))
    run_jobs(operator)
    keep_level(operator, p)
    charged = {
        e["object_id"]: -e["amount_cents"]
        for e in ledger(p.read)
        if e["kind"] == "charge" and e["description"].startswith("renewal")
    }
    assert charged == {lid: r["renewal_cents"] for lid, r in renewals.items() if r["renewal_cents"]}


def test_white_label_brands_with_the_partner_s_logo(operator: Caller) -> None:
    p = make_partner(operator, top_up_cents=55_000)
    p.write.patch(
        "/v1/me",
        {
            "logo_url": "https://cdn.example.org/logo.png",
            "support_contact": {
                "phone": "+49 30 1234",
                "email": "help@msp.example",
                "hours": "8-18",
            },
        },
        expect=200,
    )
    assert p.read.get("/v1/overview").json()["branding"]["logo_url"] is None
    p.write.post("/v1/addons", {"option": "white-label"}, expect=201)
    brand = p.read.get("/v1/overview", expect=200).json()["branding"]
    assert brand["white_label"] is True
    assert brand["logo_url"] == "https://cdn.example.org/logo.png"
    assert brand["support_contact"]["phone"] == "+49 30 1234"
