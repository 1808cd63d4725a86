"""Access can be taken back: a partner's admin (in the portal) and the operator (on the
command line) disable a person, change a role, reset a password and sign a person out
everywhere, each audited; closing a partner signs its people out for good. Invitations say
nothing of who has an account, send the link to the mailbox only and are limited per
partner."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from partnerfleet_backend.accounts import service as accounts
from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, PartnerHandle, all_items, make_partner
from tests.support.portal import PASSWORD, Browser, browser, mailed_link, make_user, user_id_of

BIN = Path(sys.executable).parent / "partnerfleet-backend"


def person(client: TestClient, email: str, password: str = PASSWORD) -> Browser:
    someone = browser(client.app)
    assert someone.sign_in(email, password).status_code == 200
    return someone


def signed_out(someone: Browser, partner: PartnerHandle) -> bool:
    page = someone.get(f"/portal/p/{partner.id}", follow_redirects=False)
    return page.status_code == 303 and "/portal/sign-in" in page.headers["location"]


def manage(admin: Browser, partner: PartnerHandle, user_id: str, action: str, **form: str) -> Any:
    """What a button of the users page does."""
    users = f"/portal/p/{partner.id}/users"
    return admin.post_from(users, f"{users}/{user_id}/{action}", form)


@pytest.fixture
def team(client: TestClient, partner: PartnerHandle, settings: Settings) -> dict[str, str]:
    return {
        role: make_user(settings, "partner", role, partner_id=partner.id)
        for role in ("admin", "billing", "read_only")
    }


def test_a_disabled_person_is_signed_out_at_once_and_cannot_sign_in(
    client: TestClient, partner: PartnerHandle, settings: Settings, team: dict[str, str]
) -> None:
    admin = person(client, team["admin"])
    reader = person(client, team["read_only"])
    reader_id = user_id_of(settings, team["read_only"])
    done = manage(admin, partner, reader_id, "disable")
    assert done.status_code == 200 and "disabled" in done.text
    assert signed_out(reader, partner)
    again = browser(client.app).sign_in(team["read_only"])
    assert again.status_code == 401 and "the email or the password is wrong" in again.text
    assert manage(admin, partner, reader_id, "enable").status_code == 200
    assert person(client, team["read_only"]).get(f"/portal/p/{partner.id}").status_code == 200
    events = all_items(partner.read, "/v1/audit-events")
    mine = [e for e in events if e["object_id"] == reader_id]
    assert [e["action"] for e in mine if e["action"].startswith("user.")][-2:] == [
        "user.disabled",
        "user.enabled",
    ] or {"user.disabled", "user.enabled"} <= {e["action"] for e in mine}
    disabled = next(e for e in mine if e["action"] == "user.disabled")
    assert disabled["actor"] == "user" and disabled["actor_key_id"] == user_id_of(
        settings, team["admin"]
    )


def test_a_new_role_applies_from_the_next_page(
    client: TestClient, partner: PartnerHandle, settings: Settings, team: dict[str, str]
) -> None:
    admin = person(client, team["admin"])
    billing = person(client, team["billing"])
    profile = f"/portal/p/{partner.id}/profile"
    assert billing.submit(profile, {"billing_email": "a@msp.example"}).status_code == 200
    billing_id = user_id_of(settings, team["billing"])
    assert manage(admin, partner, billing_id, "role", role="read_only").status_code == 200
    assert billing.submit(profile, {"billing_email": "b@msp.example"}).status_code == 403
    refused = manage(admin, partner, billing_id, "role", role="guest")
    assert refused.status_code == 422


def test_a_reset_password_stops_working_and_the_mailed_link_sets_a_new_one(
    client: TestClient, partner: PartnerHandle, settings: Settings, team: dict[str, str]
) -> None:
    admin = person(client, team["admin"])
    billing = person(client, team["billing"])
    done = manage(admin, partner, user_id_of(settings, team["billing"]), "reset-password")
    assert done.status_code == 200 and "/portal/invitations/" not in done.text
    assert signed_out(billing, partner)
    assert browser(client.app).sign_in(team["billing"]).status_code == 401
    link = mailed_link(settings, team["billing"], kind="password_reset")
    newcomer = browser(client.app)
    assert "A new password for" in newcomer.get(link).text
    assert (
        newcomer.submit(link, {"name": "", "password": "a new and long password"}).status_code
        == 200
    )
    assert (
        browser(client.app).sign_in(team["billing"], "a new and long password").status_code == 200
    )
    assert browser(client.app).get(link).status_code == 422  # once


def test_sign_out_everywhere(
    client: TestClient, partner: PartnerHandle, settings: Settings, team: dict[str, str]
) -> None:
    admin = person(client, team["admin"])
    laptop, phone = person(client, team["read_only"]), person(client, team["read_only"])
    users = admin.get(f"/portal/p/{partner.id}/users").text
    reader_id = user_id_of(settings, team["read_only"])
    row = users.split(f'id="user-{reader_id}"')[1].split("</tr>")[0]
    assert "<td>2</td>" in row  # two sessions open
    assert manage(admin, partner, reader_id, "end-sessions").status_code == 200
    assert signed_out(laptop, partner) and signed_out(phone, partner)


def test_the_last_admin_and_oneself_are_kept(
    client: TestClient, operator: Caller, settings: Settings
) -> None:
    p = make_partner(operator)
    only = make_user(settings, "partner", "admin", partner_id=p.id)
    admin = person(client, only)
    me = user_id_of(settings, only)
    assert manage(admin, p, me, "disable").status_code == 403
    second = make_user(settings, "partner", "admin", partner_id=p.id)
    other = person(client, second)
    assert manage(other, p, me, "role", role="read_only").status_code == 200
    refused = manage(admin, p, user_id_of(settings, second), "disable")
    assert refused.status_code == 403  # no longer an admin
    last = manage(other, p, me, "disable")
    assert last.status_code == 200  # a read-only person now: the admin stays
    alone = manage(other, p, user_id_of(settings, second), "disable")
    assert alone.status_code == 403  # oneself


def test_another_partner_s_people_are_not_found(
    client: TestClient, operator: Caller, partner: PartnerHandle, settings: Settings
) -> None:
    other = make_partner(operator)
    theirs = user_id_of(settings, make_user(settings, "partner", "admin", partner_id=other.id))
    admin = person(client, make_user(settings, "partner", "admin", partner_id=partner.id))
    for action in ("disable", "reset-password", "end-sessions", "enable"):
        assert manage(admin, partner, theirs, action).status_code == 404, action
    assert manage(admin, partner, theirs, "role", role="read_only").status_code == 404


def test_closing_a_partner_signs_its_people_out_for_good(
    client: TestClient, operator: Caller, settings: Settings
) -> None:
    p = make_partner(operator)
    email = make_user(settings, "partner", "admin", partner_id=p.id)
    admin = person(client, email)
    assert admin.get(f"/portal/p/{p.id}/ledger").status_code == 200
    operator.delete(f"/v1/partners/{p.id}", expect=200)
    assert signed_out(admin, p)
    assert browser(client.app).sign_in(email).status_code == 401


def test_an_invitation_answers_alike_and_a_taken_address_is_refused_when_accepted(
    client: TestClient, partner: PartnerHandle, operator: Caller, settings: Settings
) -> None:
    other = make_partner(operator)
    taken = make_user(settings, "partner", "admin", partner_id=other.id)
    admin = person(client, make_user(settings, "partner", "admin", partner_id=partner.id))
    answers = [
        admin.submit(f"/portal/p/{partner.id}/users", {"email": email, "role": "billing"})
        for email in (taken, "free-address@msp.example")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    texts = [a.text.replace(taken, "X").replace("free-address@msp.example", "X") for a in answers]
    assert (
        "An invitation is on its way to X." in texts[0]
        and "An invitation is on its way to X." in texts[1]
    )
    squatter = browser(client.app)
    link = mailed_link(settings, taken)
    refused = squatter.submit(link, {"name": "Mallory", "password": PASSWORD + "!"})
    assert refused.status_code == 409 and "exists already" in refused.text
    assert browser(client.app).sign_in(taken).status_code == 200  # the owner is untouched


def test_invitations_are_limited_per_partner(
    client: TestClient, partner: PartnerHandle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "INVITATIONS_PER_DAY", 3)
    admin = person(client, make_user(settings, "partner", "admin", partner_id=partner.id))
    statuses = [
        admin.submit(
            f"/portal/p/{partner.id}/users", {"email": f"n{n}@msp.example", "role": "billing"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_the_operator_manages_people_on_the_command_line(
    client: TestClient, partner: PartnerHandle, settings: Settings, service_env: dict[str, str]
) -> None:
    email = make_user(settings, "partner", "billing", partner_id=partner.id)
    someone = person(client, email)

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(BIN), "user", *args, "--email", email],
            env={**os.environ, **service_env},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    assert "done=disable" in run("disable")
    assert signed_out(someone, partner)
    assert "done=enable" in run("enable")
    assert "done=role" in run("role", "--role", "read_only")
    assert "done=reset-password" in run("reset-password")
    assert browser(client.app).sign_in(email).status_code == 401
    mailed_link(settings, email, kind="password_reset")
    events = [e for e in all_items(partner.read, "/v1/audit-events") if e["object_type"] == "user"]
    assert {"user.disabled", "user.enabled", "user.role_changed", "user.password_reset"} <= {
        e["action"] for e in events if e["actor"] == "cli"
    }
