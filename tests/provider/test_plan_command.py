"""`partnerfleet plan` on the example fleet under the real engine: the reviewer's cases of the
plan issue read from a real preview, priced by the backend once, and the `up` that follows
charging exactly what the plan said."""

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.provider.test_fleet_e2e import fleet_stack, license_by_reference, set_seats, used_calls
from tests.support.api import Caller, PartnerHandle, ledger, make_partner, product_reports
from tests.support.paths import ROOT
from tests.support.plan import charged
from tests.support.pulumi import PulumiWorkspace, Stack

T0 = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
PLAN = [str(Path(sys.executable).parent / "partnerfleet"), "plan"]

pytestmark = [pytest.mark.engine, pytest.mark.slow]

NEW_CUSTOMER = """  - reference: crm-1099
    name: Berufskolleg am Hafen
    segment: school
    country: DE
    contact_email: it@bk-hafen.example
    licenses:
      - product: dns-filter
        edition: proplus
        term_months: 36
        seats: 800
        reference: crm-1099-dns

"""


def plan(
    stack: Stack, key: str, *args: str, endpoint: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`partnerfleet plan` as CI runs it: in the program's directory, a read key in the
    environment, the engine on PATH."""
    env = {**stack.workspace.env(), "PARTNERFLEET_API_KEY": key}
    extra = ["--endpoint", endpoint] if endpoint else []
    return subprocess.run(
        [*PLAN, "--cwd", str(stack.program), "--stack", stack.name, *extra, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def remove_customer(fleet_file: Path, reference: str) -> None:
    text = fleet_file.read_text()
    new, count = re.subn(rf"  - reference: {reference}\n(?:    .*\n|      .*\n|\n)*", "", text)
    assert count == 1, reference
    fleet_file.write_text(new)


@pytest.fixture
def up_fleet(live_operator: Caller, tmp_path: Path) -> tuple[PartnerHandle, Stack, Path]:
    live_operator.put("/v1/clock", {"now": T0.isoformat()}, expect=200)
    partner = make_partner(live_operator, top_up_cents=6_000_000)  # 50 % off
    fleet_file = tmp_path / "fleet.yaml"
    shutil.copy(ROOT / "examples" / "fleet.yaml", fleet_file)
    stack = fleet_stack(
        PulumiWorkspace(tmp_path / "pulumi"), live_operator.base, partner, fleet_file
    )
    stack.up()
    return partner, stack, fleet_file


def test_the_reviewers_cases_before_any_up(
    up_fleet: tuple[PartnerHandle, Stack, Path], tmp_path: Path, live_operator: Caller
) -> None:
    partner, stack, fleet_file = up_fleet
    # a week and a day into the terms: past the grace window (within it a lower seat count
    # corrects the purchase: tests/billing/test_corrections.py)
    live_operator.put("/v1/clock", {"now": (T0 + timedelta(days=8)).isoformat()}, expect=200)
    available = partner.read.get("/v1/wallet").json()["available_cents"]
    lic = license_by_reference(partner, "crm-1001-dns")
    product_reports(partner.write, lic["license_key"], 520)
    set_seats(fleet_file, "crm-1001-dns", 450)  # increase
    set_seats(fleet_file, "crm-1002-dns", 500)  # decrease
    remove_customer(fleet_file, "crm-2006")  # a 60-month license goes
    text = fleet_file.read_text()
    fleet_file.write_text(text.replace("customers:\n", "customers:\n" + NEW_CUSTOMER, 1))
    untouched, calls = ledger(partner.read), used_calls(partner)

    done = plan(
        stack,
        partner.read.key,
        "--markdown",
        str(tmp_path / "plan.md"),
        "--json",
        str(tmp_path / "plan.json"),
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    table = done.stdout
    first_lines = table.splitlines()[:6]
    needed = 800 * 28 * 36  # 8,064.00 EUR
    increase = 16_432  # 50 x 0.28 x 12 x 357 / 365 days left, half-up: 164.32 EUR
    # independent steps come in the engine's order, which is not fixed: the new license is
    # priced before or after the increase, and the shortfall is against what is left then
    shorts = [needed - available, needed - (available - increase)]
    assert any(
        "crm-1099-dns: REFUSED, not enough credit: needs 8,064.00" in line
        and any(f"(short {short / 100:,.2f} EUR)" in line for short in shorts)
        for line in first_lines
    ), table
    # the engine deletes only after every create and update succeeded: with one refused, the
    # 60-month license is never cancelled, and nothing is forfeited
    assert "forfeits" not in table
    assert re.search(
        r"crm-2006\s+crm-2006-dns\s+delete license\s+0\.00.*NOT RUN: never runs", table
    )
    assert (
        "A bare `pulumi up` stops at the refused change; these may apply before it stops" in table
    )
    assert any(
        "crm-1001-dns (crm-1001): under-licensed: 520 seats in use, 450" in line
        for line in first_lines
    )
    assert re.search(
        r"crm-1001\s+crm-1001-dns\s+update license\s+164\.32\s+now\s+\+14\.00", table
    ), table
    assert re.search(
        r"crm-1002\s+crm-1002-dns\s+update license\s+0\.00\s+renewal 2029-02-01", table
    )
    assert (tmp_path / "plan.md").read_text().startswith("<!-- partnerfleet-plan -->")
    assert ledger(partner.read) == untouched  # before any up, nothing was charged
    assert used_calls(partner) == calls + 3  # the plan and our two reads; the preview: none

    # the same plan for a machine: Infracost-like totals, charge now, net at the lots' 50 %
    document: dict[str, Any] = json.loads((tmp_path / "plan.json").read_text())
    assert document["chargeNow"] == "164.32" and document["chargeNowNet"] == "82.16"
    assert document["forfeit"] == "0" and document["refused"] is True


def test_the_up_charges_what_the_plan_said(
    up_fleet: tuple[PartnerHandle, Stack, Path], live_operator: Caller
) -> None:
    partner, stack, fleet_file = up_fleet
    # past the grace window of the fleet's purchases (a cancel within it gives them back:
    # test_a_seat_count_back_down_within_the_grace_window_is_given_back)
    live_operator.put("/v1/clock", {"now": (T0 + timedelta(days=8)).isoformat()}, expect=200)
    set_seats(fleet_file, "crm-1001-dns", 450)
    set_seats(fleet_file, "crm-1004-dns", 950)
    remove_customer(fleet_file, "crm-2006")
    done = plan(stack, partner.read.key, "--format", "json")
    assert done.returncode == 0, done.stderr
    planned = json.loads(done.stdout)["plan"]
    strict = plan(stack, partner.read.key, "--fail-on-forfeit", "--max-charge", "10")
    # 8 days into the terms: 12,144.00 x 1,818 / 1,826 days of the 60-month term, forfeit
    assert strict.returncode == 1 and "forfeits 12,090.80 EUR" in strict.stderr
    # 50 x 0.28 x (12 x 357 / 365 + 36 x 1,088 / 1,096) months
    assert "charges 664.64 EUR now" in strict.stderr

    since = len(ledger(partner.read))
    stack.up()
    _, nominal, net = charged(partner, since)
    totals = planned["totals"]
    assert (nominal, net) == (totals["charge_now_cents"], totals["charge_now_net_cents"])
    wallet = partner.read.get("/v1/wallet").json()
    assert wallet["available_cents"] == planned["wallet"]["available_after_cents"]


def test_a_bad_key_or_no_backend_stops_the_review_in_one_line(
    up_fleet: tuple[PartnerHandle, Stack, Path], live_operator: Caller
) -> None:
    partner, stack, fleet_file = up_fleet
    set_seats(fleet_file, "crm-1001-dns", 450)
    refused = plan(stack, "pfk_revoked_or_wrong")
    assert refused.returncode == 2
    assert refused.stderr.startswith("partnerfleet plan: the backend refused the key")
    assert len(refused.stderr.strip().splitlines()) == 1
    away = plan(stack, partner.read.key, endpoint="http://127.0.0.1:9")
    assert away.returncode == 2 and len(away.stderr.strip().splitlines()) == 1
    assert "127.0.0.1:9" in away.stderr and "Traceback" not in away.stderr


def test_a_customer_that_pays_for_itself_is_invoiced_not_charged(
    up_fleet: tuple[PartnerHandle, Stack, Path], live_operator: Caller
) -> None:
    partner, stack, fleet_file = up_fleet
    lic = license_by_reference(partner, "crm-1004-dns")
    org = lic["customer_id"]
    grant = f"/v1/partners/{partner.id}/customers/{org}/grant"
    live_operator.patch(grant, {"payer": "customer"}, expect=200)  # the customer's choice
    set_seats(fleet_file, "crm-1001-dns", 450)  # the partner pays this one
    set_seats(fleet_file, "crm-1004-dns", 950)  # the customer this one
    table = plan(stack, partner.read.key)
    assert table.returncode == 0, table.stderr
    assert "the customer pays: invoiced" in table.stdout
    assert "invoiced to customers that pay for themselves" in table.stdout
    done = plan(stack, partner.read.key, "--format", "json")
    document = json.loads(done.stdout)
    theirs = next(r for r in document["resources"] if r["payer"] == "customer")
    planned = document["plan"]
    line = next(c for c in planned["changes"] if c["payer"] == "customer")
    assert line["charge_now_cents"] == 0 and line["invoiced_cents"] > 0
    assert theirs["label"] == line["label"]

    since = len(ledger(partner.read))
    stack.up()
    _, nominal, net = charged(partner, since)
    totals = planned["totals"]
    assert (nominal, net) == (totals["charge_now_cents"], totals["charge_now_net_cents"])
    invoices = live_operator.get("/v1/invoices", params={"customer_id": org}).json()["items"]
    assert [(i["amount_cents"], i["cashback_cents"]) for i in invoices] == [
        (line["invoiced_cents"], line["cashback_cents"])
    ]

    # the customer narrows the partner's access to another product: a change of this license
    # waits for the customer, and the plan says so (the up would be refused the same way)
    live_operator.patch(grant, {"access": "limited", "access_products": ["mail"]}, expect=200)
    stack.refresh()
    set_seats(fleet_file, "crm-1004-dns", 1000)
    waits = plan(stack, partner.read.key)
    assert "WAITS FOR THE CUSTOMER (access_limited)" in waits.stdout, waits.stdout + waits.stderr
    assert "limits your access to mail" in waits.stdout


def test_a_seat_count_back_down_within_the_grace_window_is_given_back(
    up_fleet: tuple[PartnerHandle, Stack, Path], live_operator: Caller
) -> None:
    """A wrong digit merged, then the pull request reverted within 168 hours: the plan says
    the refund, the up gives the increase back to the wallet, and the stack is in step."""
    partner, stack, fleet_file = up_fleet
    set_seats(fleet_file, "crm-1001-dns", 540)  # meant 450
    stack.up()
    increase = ledger(partner.read)[-1]
    assert -increase["amount_cents"] == 140 * 28 * 12
    live_operator.put("/v1/clock", {"now": (T0 + timedelta(days=6)).isoformat()}, expect=200)
    set_seats(fleet_file, "crm-1001-dns", 400)  # the revert

    done = plan(stack, partner.read.key, "--format", "json")
    assert done.returncode == 0, done.stderr
    planned = json.loads(done.stdout)["plan"]
    (line,) = [c for c in planned["changes"] if c["refund_cents"]]
    assert line["refund_cents"] == -increase["amount_cents"]
    assert line["charge_now_cents"] == 0 and line["effective"] == "now"
    table = plan(stack, partner.read.key).stdout
    assert (
        "crm-1001-dns: UNDONE within the grace window: refund 470.40 EUR: undoes the "
        "purchase of 2027-02-01" in table
    ), table

    before = partner.read.get("/v1/wallet").json()
    stack.up()
    refunds = [e for e in ledger(partner.read) if e["kind"] == "refund"]
    assert [(r["refunds_entry_id"], r["amount_cents"]) for r in refunds] == [
        (increase["id"], -increase["amount_cents"])
    ]
    wallet = partner.read.get("/v1/wallet").json()
    assert wallet["balance_cents"] == before["balance_cents"] - increase["amount_cents"]
    assert wallet["balance_cents"] == planned["wallet"]["balance_after_cents"]
    lic = license_by_reference(partner, "crm-1001-dns")
    assert (lic["seats"], lic["seats_next_term"]) == (400, None)
    undo = partner.read.get(f"/v1/licenses/{lic['id']}/undo").json()
    assert [u["undo_by"] for u in undo] == ["cancel"]  # its own term, a day left
    assert stack.preview().changes == {"same": 38}
