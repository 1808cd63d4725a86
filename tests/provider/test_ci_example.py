"""The CI example is true: the commands examples/ci/partnerfleet.yml runs (review.sh on a pull
request with a read key, apply.sh on merge with a write key) run here against a live backend
under the real engine, and the plan lands in the pull request as one comment updated in
place (GitHub's API stood in for by tests/support/fake_github.py)."""

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.provider.test_fleet_e2e import fleet_stack, set_seats
from tests.provider.test_plan_command import NEW_CUSTOMER
from tests.support.api import Caller, PartnerHandle, all_items, ledger, make_partner
from tests.support.fake_github import fake_github
from tests.support.paths import ROOT
from tests.support.plan import charged
from tests.support.pulumi import PulumiWorkspace, Stack

pytestmark = [pytest.mark.engine, pytest.mark.slow]
MARKER = "<!-- partnerfleet-plan -->"


def run_script(stack: Stack, script: str, key: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **stack.workspace.env(),
        "PATH": f"{Path(sys.executable).parent}:{stack.workspace.env()['PATH']}",
        "PARTNERFLEET_API_KEY": key,
        "STACK": stack.name,
        "POLICY_PACK": str(ROOT / "policy"),
        **env,
    }
    return subprocess.run(
        ["bash", script],
        cwd=stack.program,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_review_on_a_pull_request_and_apply_on_merge(live_operator: Caller, tmp_path: Path) -> None:
    partner: PartnerHandle = make_partner(live_operator, top_up_cents=6_000_000)
    fleet_file = tmp_path / "fleet.yaml"
    fleet_file.write_text(
        "protect_prepaid: true\n" + (ROOT / "examples" / "fleet.yaml").read_text()
    )
    stack = fleet_stack(
        PulumiWorkspace(tmp_path / "pulumi"), live_operator.base, partner, fleet_file
    )
    for script in ("review.sh", "apply.sh"):
        shutil.copy(ROOT / "examples" / "ci" / script, stack.program / script)

    merged = run_script(stack, "apply.sh", partner.write.key)
    assert merged.returncode == 0, merged.stderr[-2000:]

    with fake_github("acme/fleet", 7) as github:
        comment_env = {
            "GITHUB_API_URL": github.base,
            "GITHUB_REPOSITORY": "acme/fleet",
            "GITHUB_TOKEN": "ghs_test",
            "PR_NUMBER": "7",
        }
        set_seats(fleet_file, "crm-1001-dns", 450)
        review = run_script(stack, "review.sh", partner.read.key, **comment_env)
        assert review.returncode == 0, review.stdout[-2000:] + review.stderr[-2000:]
        assert "partnerfleet plan: 1 change(s)" in review.stdout
        (comment,) = github.comments.values()
        assert comment["body"].startswith(MARKER) and "crm-1001-dns" in comment["body"]

        set_seats(fleet_file, "crm-1004-dns", 950)  # the next push to the same pull request
        strict = run_script(
            stack, "review.sh", partner.read.key, PLAN_FLAGS="--max-charge 100", **comment_env
        )
        assert strict.returncode == 1  # 672.00 EUR now is over the limit
        assert "charges 672.00 EUR now" in strict.stderr
        (comment,) = github.comments.values()  # one comment, updated in place
        assert "crm-1004-dns" in comment["body"]
        assert github.writes == [
            ("POST", "/repos/acme/fleet/issues/7/comments"),
            ("PATCH", "/repos/acme/fleet/issues/comments/1"),
        ]
        assert github.tokens == {"Bearer ghs_test"}

    planned = json.loads((stack.program / "plan.json").read_text())["plan"]
    since = len(ledger(partner.read))
    merged = run_script(stack, "apply.sh", partner.write.key)
    assert merged.returncode == 0, merged.stderr[-2000:]
    _, nominal, net = charged(partner, since)
    assert (nominal, net) == (
        planned["totals"]["charge_now_cents"],
        planned["totals"]["charge_now_net_cents"],
    )

    # a merge whose plan is refused (a new org's license the credit cannot pay, beside a seat
    # raise and a new org that could be made): the up refuses as a whole, nothing applied
    untouched = ledger(partner.read)
    orgs = {c["reference"] for c in all_items(partner.read, "/v1/customers")}
    set_seats(fleet_file, "crm-1002-dns", 700)
    text = fleet_file.read_text()
    fleet_file.write_text(text.replace("customers:\n", "customers:\n" + NEW_CUSTOMER, 1))
    refused = run_script(stack, "apply.sh", partner.write.key)
    assert refused.returncode == 1, refused.stdout[-2000:] + refused.stderr[-2000:]
    assert "nothing applied" in refused.stderr
    assert "crm-1099-dns: REFUSED, not enough credit" in refused.stdout
    assert "A bare `pulumi up` stops at the refused change" in refused.stdout
    assert ledger(partner.read) == untouched
    assert {c["reference"] for c in all_items(partner.read, "/v1/customers")} == orgs


def test_the_scheduled_drift_check_keeps_one_issue(live_operator: Caller, tmp_path: Path) -> None:
    """examples/ci/drift.sh with a read key: nothing changed, no issue; a seat count and an
    operator hold changed outside the code open one issue with the differences and the plan
    of putting the code back; more drift updates it; once the code is back, it is closed."""
    bought = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
    live_operator.put("/v1/clock", {"now": bought.isoformat()}, expect=200)
    partner: PartnerHandle = make_partner(live_operator, top_up_cents=6_000_000)
    fleet_file = tmp_path / "fleet.yaml"
    example = yaml.safe_load((ROOT / "examples" / "fleet.yaml").read_text())
    kept = {"crm-1001", "crm-1002", "crm-1003"}  # three of its customers: quicker, the same
    example["customers"] = [c for c in example["customers"] if c["reference"] in kept]
    fleet_file.write_text(yaml.safe_dump(example, sort_keys=False))
    stack = fleet_stack(
        PulumiWorkspace(tmp_path / "pulumi"), live_operator.base, partner, fleet_file
    )
    shutil.copy(ROOT / "examples" / "ci" / "drift.sh", stack.program / "drift.sh")
    stack.up()

    with fake_github("acme/fleet", 1) as github:
        env = {
            "GITHUB_API_URL": github.base,
            "GITHUB_REPOSITORY": "acme/fleet",
            "GITHUB_TOKEN": "ghs_test",
        }
        quiet = run_script(stack, "drift.sh", partner.read.key, **env)
        assert quiet.returncode == 0, quiet.stdout[-2000:] + quiet.stderr[-2000:]
        assert "No drift" in quiet.stdout and github.issues == {}

        licenses = {lic["reference"]: lic for lic in all_items(partner.read, "/v1/licenses")}
        partner.write.patch(f"/v1/licenses/{licenses['crm-1001-dns']['id']}", {"seats": 450})
        held = licenses["crm-1002-dns"]["id"]
        live_operator.post(
            f"/v1/partners/{partner.id}/licenses/{held}/suspension",
            {"reason": "unpaid"},
            expect=200,
        )
        charged = ledger(partner.read)
        found = run_script(stack, "drift.sh", partner.read.key, **env)
        assert found.returncode == 0, found.stdout[-2000:] + found.stderr[-2000:]
        (issue,) = github.issues.values()
        assert issue["state"] == "open"
        assert "| License `crm-1001-dns` | seats | 400 | 450 |" in issue["body"]
        assert "| License `crm-1002-dns` | status | active | suspended |" in issue["body"]
        assert "Putting the code back" in issue["body"] and "crm-1001-dns" in issue["body"]
        seats = partner.read.get(f"/v1/licenses/{licenses['crm-1001-dns']['id']}").json()
        assert seats["seats"] == 450  # the check applied nothing
        assert ledger(partner.read) == charged

        lowered = f"/v1/licenses/{licenses['crm-1003-dns']['id']}"
        # past the grace window (within it, fewer seats would correct the purchase now)
        live_operator.put("/v1/clock", {"now": (bought + timedelta(days=8)).isoformat()})
        partner.write.patch(lowered, {"seats": 9}, expect=200)  # at the next term
        again = run_script(stack, "drift.sh", partner.read.key, **env)
        assert again.returncode == 0
        (issue,) = github.issues.values()  # the same issue, updated
        assert "| License `crm-1003-dns` | seats_next_term | - | 9 |" in issue["body"]
        assert github.writes[-1][0] == "PATCH"

        # the code put back: the hold lifted by the vendor, `pulumi up --refresh` from main
        live_operator.delete(f"/v1/partners/{partner.id}/licenses/{held}/suspension", expect=200)
        stack.up("--refresh")
        gone = run_script(stack, "drift.sh", partner.read.key, **env)
        assert gone.returncode == 0, gone.stdout[-2000:] + gone.stderr[-2000:]
        (issue,) = github.issues.values()
        assert issue["state"] == "closed", gone.stdout[-3000:]
        assert "No drift" in issue["body"]
