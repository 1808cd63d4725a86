"""Resale billing (issue 27): the partner's prices for its own customers and each month's lines
to bill them; the cost is the ledger's, spread over what each charge pays for, so the months of
a license add up to its charges to the cent, nominal and net."""

import csv
import io
from datetime import UTC, datetime
from typing import Any

from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    all_items,
    keep_level,
    ledger,
    license_body,
    make_customer,
    make_partner,
    product_reports,
    run_jobs,
)

T0 = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)  # a 12-month term to 2028-03-15: 366 days
MONTHS = [f"{2027 + (2 + i) // 12}-{(2 + i) % 12 + 1:02d}" for i in range(13)]  # 2027-03..2028-03


def lines(p: PartnerHandle, month: str, **params: Any) -> list[dict[str, Any]]:
    return all_items(p.read, "/v1/resale/lines", month=month, **params)


def charges_of(p: PartnerHandle, license_id: str) -> tuple[int, int]:
    """What the ledger charged (less refunded) for a license: nominal, net."""
    mine = [e for e in ledger(p.read) if e["object_id"] == license_id]
    return -sum(e["amount_cents"] for e in mine), -sum(e["net_cents"] for e in mine)


def test_the_months_of_a_license_add_up_to_its_charges_to_the_cent(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=550_000)  # 40 % off: net differs from nominal
    org = make_customer(p, reference="GYM-1")
    lic = p.write.post("/v1/licenses", license_body(org["id"], seats=100), expect=201).json()
    set_clock(datetime(2027, 6, 10, 12, 0, tzinfo=UTC))
    p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 120}, expect=200)  # prorated
    keep_level(operator, p)
    by_month = {m: lines(p, m) for m in MONTHS}
    assert all(len(found) == 1 for found in by_month.values()), by_month
    nominal, net = charges_of(p, lic["id"])
    assert sum(found[0]["cost_cents"] for found in by_month.values()) == nominal
    assert sum(found[0]["cost_net_cents"] for found in by_month.values()) == net
    april, july = by_month["2027-04"][0], by_month["2027-07"][0]
    assert (april["units"], july["units"]) == ("100.00", "120.00")
    assert april["customer_label"] == "GYM-1" and april["pricing"] == "list"
    assert april["resale_cents"] == april["cost_cents"]  # no price set: the list price
    # a whole month of 100 seats at 0.28 EUR: 30 days of 366 of 336.00 EUR, half-up
    assert april["cost_cents"] == (33_600 * 30 * 86_400 * 2 + 366 * 86_400) // (2 * 366 * 86_400)
    assert lines(p, "2027-02") == [] and lines(p, "2028-04") == []


def test_a_price_or_a_markup_and_the_margin(operator: Caller, set_clock: SetClock) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=550_000)
    org = make_customer(p)
    lic = p.write.post("/v1/licenses", license_body(org["id"], seats=100), expect=201).json()
    bad = p.write.put("/v1/resale-prices/dns-filter/proplus", {"price_cents": 50, "markup_bp": 1})
    assert bad.status_code == 422 and bad.json()["field"] == "price_cents"
    unknown = p.write.put("/v1/resale-prices/dns-filter/gold", {"price_cents": 50})
    assert unknown.status_code == 422 and unknown.json()["field"] == "edition"
    p.write.put("/v1/resale-prices/dns-filter/proplus", {"price_cents": 50}, expect=200)
    (april,) = lines(p, "2027-04")
    assert (april["pricing"], april["resale_unit_cents"]) == ("price", 50)
    assert april["resale_cents"] == 100 * 50  # a whole month of 100 seats
    assert april["margin_cents"] == april["resale_cents"] - april["cost_net_cents"]
    (march,) = lines(p, "2027-03")  # 16 days and 15 hours of 31 days: prorated, half-up
    assert march["resale_cents"] == (100 * 50 * 1_436_400 * 2 + 2_678_400) // (2 * 2_678_400)
    # a markup for every edition counts where the edition has no price of its own
    p.write.delete("/v1/resale-prices/dns-filter/proplus", expect=204)
    p.write.put("/v1/resale-prices/dns-filter/*", {"markup_bp": 2_500}, expect=200)
    (april,) = lines(p, "2027-04")
    assert april["pricing"] == "markup"
    assert april["resale_cents"] == (april["cost_cents"] * 12_500 * 2 + 10_000) // (2 * 10_000)
    assert [r["edition"] for r in p.read.get("/v1/resale-prices").json()] == ["*"]
    assert lic["id"] == april["license_id"]


def test_usage_a_refund_a_customer_paying_itself_csv_and_pages(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(datetime(2028, 5, 3, tzinfo=UTC))
    p = make_partner(operator, top_up_cents=110_000)
    office = make_customer(p, segment="business", reference="OFF")
    mail = p.write.post(
        "/v1/licenses",
        {"customer_id": office["id"], "product": "mail", "edition": "standard"},
        expect=201,
    ).json()
    product_reports(p.write, mail["license_key"], 42)
    undone = p.write.post("/v1/licenses", license_body(office["id"], seats=5), expect=201).json()
    self_paying = make_customer(p, reference="SELF")
    grant = f"/v1/partners/{p.id}/customers/{self_paying['id']}/grant"
    operator.patch(grant, {"payer": "customer"}, expect=200)
    p.write.post("/v1/licenses", license_body(self_paying["id"], seats=5), expect=201)
    set_clock(datetime(2028, 5, 5, tzinfo=UTC))
    p.write.delete(f"/v1/licenses/{undone['id']}", expect=200)  # within the grace window
    set_clock(datetime(2028, 6, 1, 0, 5, tzinfo=UTC))
    run_jobs(operator)  # May's usage bill
    keep_level(operator, p)
    may = {line["license_id"]: line for line in lines(p, "2028-05")}
    assert set(may) == {mail["id"], undone["id"]}  # the org paying the vendor has no line
    assert (may[mail["id"]]["units"], may[mail["id"]]["cost_cents"]) == ("42.00", 42 * 100)
    assert (may[undone["id"]]["cost_cents"], may[undone["id"]]["units"]) == (0, "0.00")
    # given back within the window: nothing to bill, any month of the term it paid for
    year = [f"{2028 + (4 + k) // 12}-{(4 + k) % 12 + 1:02d}" for k in range(13)]
    refunded = [x for m in year for x in lines(p, m) if x["license_id"] == undone["id"]]
    assert {(x["cost_cents"], x["cost_net_cents"]) for x in refunded} == {(0, 0)}
    first = p.read.get("/v1/resale/lines", params={"month": "2028-05", "limit": 1}).json()
    rest = p.read.get(
        "/v1/resale/lines", params={"month": "2028-05", "limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert [x["license_id"] for x in first["items"] + rest["items"]] == sorted(may)
    assert rest["next_cursor"] is None
    only = lines(p, "2028-05", customer_id=office["id"])
    assert {x["license_id"] for x in only} == set(may)
    exported = p.read.get("/v1/resale/lines.csv", params={"month": "2028-05"}, expect=200)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {(r["license_id"], int(r["cost_cents"])) for r in rows} == {
        (k, v["cost_cents"]) for k, v in may.items()
    }
    assert rows[0]["customer"] == "OFF"
    bad = p.read.get("/v1/resale/lines", params={"month": "2028-5"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.month"
    # another partner sees none of it, even naming this partner's customer
    other = make_partner(operator, top_up_cents=55_000)
    assert lines(other, "2028-05") == [] and lines(other, "2028-05", customer_id=office["id"]) == []
