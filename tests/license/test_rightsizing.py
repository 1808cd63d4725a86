"""Right-sizing before renewal (issue 27): a license renewing within 45 days with fewer seats in
use (the peak of the last 30 days) than it renews with shows the unused seats and the saving of
lowering them, in its answer, the 45-day reminder, the portal's front page and the plan;
`partnerfleet rightsize` writes the peak into the fleet file, nothing else."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings
from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    as_vendor,
    license_body,
    make_customer,
    make_partner,
    product_reports,
    run_jobs,
)
from tests.support.plan import plan

T0 = datetime(2029, 2, 1, 9, 0, tzinfo=UTC)
END = datetime(2030, 2, 1, 9, 0, tzinfo=UTC)  # 12 months on
# business ProPlus dns-filter: 1.38 EUR a seat and month; 30 seats x 12 months
SAVING_CENTS = 30 * 138 * 12  # 496.80 EUR


def bought(p: PartnerHandle, reference: str) -> dict[str, object]:
    customer = make_customer(p, segment="business")
    body = license_body(customer["id"], seats=100, reference=reference)
    lic: dict[str, object] = p.write.post("/v1/licenses", body, expect=201).json()
    return lic


def test_the_unused_seats_and_the_saving_before_the_renewal(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=1_100_000)
    lic = bought(p, "rs-1-dns")
    key = str(lic["license_key"])
    set_clock(END - timedelta(days=70))
    product_reports(p.write, key, 95)  # more than 30 days before the look: not counted
    set_clock(END - timedelta(days=60))
    assert p.read.get(f"/v1/licenses/{lic['id']}").json()["rightsizing"] is None  # not yet
    for days, used in ((35, 64), (30, 70), (20, 66)):
        set_clock(END - timedelta(days=days))
        product_reports(p.write, key, used)

    said = p.read.get(f"/v1/licenses/{lic['id']}").json()["rightsizing"]
    assert (said["seats"], said["peak_used"], said["unused_seats"]) == (100, 70, 30)
    assert said["saving_cents"] == SAVING_CENTS and said["renews_on"] == "2030-02-01"
    listed = p.read.get("/v1/licenses", params={"reference": "rs-1-dns"}).json()["items"]
    assert listed[0]["rightsizing"] == said

    # the plan names it; lowering the seats for the next term takes it away
    planned = plan(p, [])
    (shown,) = [r for r in planned["rightsizing"] if r["license_id"] == lic["id"]]
    assert shown["rightsizing"]["saving_cents"] == SAVING_CENTS
    change = {"key": "l", "action": "update", "type": "license", "id": lic["id"]}
    lowered = plan(p, [{**change, "inputs": {"seats": 70}}])
    assert [r for r in lowered["rightsizing"] if r["license_id"] == lic["id"]] == []
    # the overview (the portal's front page) too
    renewals = p.read.get("/v1/overview").json()["renewals"]["items"]
    (renewal,) = [r for r in renewals if r["license_id"] == lic["id"]]
    assert renewal["rightsizing"]["saving_cents"] == SAVING_CENTS


def test_the_reminder_names_the_saving(operator: Caller, set_clock: SetClock) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=1_100_000)
    lic = bought(p, "rs-2-dns")
    set_clock(END - timedelta(days=50))
    product_reports(p.write, str(lic["license_key"]), 70)
    set_clock(END - timedelta(days=44))
    run_jobs(operator)
    # read as the vendor: one order in six months made the partner Bronze (no API calls)
    vendor = as_vendor(operator, p)
    notes = vendor.get("/v1/notifications", params={"limit": 100}).json()["items"]
    (reminder,) = [
        n for n in notes if n["kind"] == "renewal_reminder" and n["data"]["license_id"] == lic["id"]
    ]
    assert "30 of 100 seats unused (peak 70 in 30 days)" in reminder["message"]
    assert "saves 496.80 EUR" in reminder["message"]
    assert reminder["data"]["saving_cents"] == SAVING_CENTS


FLEET = """# our fleet
customers:
  - reference: rs-3
    name: Praxis Nord
    segment: business
    country: DE
    contact_email: it@praxis.example
    licenses:
      - product: dns-filter
        edition: proplus
        term_months: 12
        seats: 100   # the practice and its branch
        reference: rs-3-dns
      - product: mail
        edition: standard
        reference: rs-3-mail
"""


def test_rightsize_writes_the_peak_into_the_fleet_file(
    live_operator: Caller, tmp_path: Path
) -> None:
    live_operator.put("/v1/clock", {"now": T0.isoformat()}, expect=200)
    p = make_partner(live_operator, top_up_cents=1_100_000)
    lic = bought(p, "rs-3-dns")
    live_operator.put("/v1/clock", {"now": (END - timedelta(days=20)).isoformat()}, expect=200)
    product_reports(p.write, str(lic["license_key"]), 70)
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(FLEET)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "partnerfleet"), "rightsize", str(fleet)],
        env={
            **os.environ,
            "PARTNERFLEET_ENDPOINT": live_operator.base,
            "PARTNERFLEET_API_KEY": p.read.key,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "rs-3-dns: seats 100 -> 70" in done.stdout
    assert fleet.read_text() == FLEET.replace("seats: 100   #", "seats: 70   #")
    # nothing applied: the license still has its 100 seats
    assert p.read.get(f"/v1/licenses/{lic['id']}").json()["seats"] == 100
    again = subprocess.run(  # a second run finds the file asking for 70 already
        [str(Path(sys.executable).parent / "partnerfleet"), "rightsize", str(fleet)],
        env={
            **os.environ,
            "PARTNERFLEET_ENDPOINT": live_operator.base,
            "PARTNERFLEET_API_KEY": p.read.key,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0 and "no license" in again.stdout


def test_the_front_page_shows_the_saving(
    client: TestClient, operator: Caller, settings: Settings, set_clock: SetClock
) -> None:
    from tests.portal.test_portal import signed_in
    from tests.support.portal import make_user

    set_clock(T0)
    p = make_partner(operator, top_up_cents=1_100_000)
    lic = bought(p, "rs-4-dns")
    set_clock(END - timedelta(days=10))
    product_reports(p.write, str(lic["license_key"]), 70)
    admin = signed_in(client, make_user(settings, "partner", "admin", partner_id=p.id))
    page = admin.get(f"/portal/p/{p.id}").text
    assert "Right-size: 30 of 100 seats unused (peak 70 in 30 days)" in page
    assert "saves 496.80 EUR" in page
