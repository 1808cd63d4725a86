"""Signing in safely (issue 27): a second factor from an authenticator app with recovery codes,
required by a partner's admin, always for the operator's people; sessions a person lists and
ends. In-process; the same in chromium is in tests/portal/test_browser.py."""

import json
from typing import Any

from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings
from tests.support.api import PartnerHandle
from tests.support.database import query
from tests.support.portal import (
    Browser,
    browser,
    make_user,
    set_up_second_factor,
    totp_code,
)


def sign_in_with_code(client: TestClient, email: str, code: str) -> tuple[Browser, Any]:
    person = browser(client.app)
    asked = person.sign_in(email)
    assert asked.url.path == "/portal/sign-in/code", asked.url
    answer = person.post_from("/portal/sign-in/code", "/portal/sign-in/code", {"code": code})
    return person, answer


def test_a_code_after_the_password_once_and_a_recovery_code_once(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    email = make_user(settings, "partner", "admin", partner_id=partner.id)
    first = browser(client.app)
    assert first.sign_in(email).url.path == f"/portal/p/{partner.id}"  # none yet: straight in
    secret, codes = set_up_second_factor(first)
    assert "On: signing in asks for a code" in first.get("/portal/me/second-factor").text

    # the password alone opens nothing now
    half = browser(client.app)
    assert half.sign_in(email).url.path == "/portal/sign-in/code"
    assert half.get(f"/portal/p/{partner.id}").url.path == "/portal/sign-in/code"

    person, answer = sign_in_with_code(client, email, totp_code(secret, 1))
    assert answer.url.path == f"/portal/p/{partner.id}", answer.url
    assert person.get(f"/portal/p/{partner.id}").status_code == 200
    # the same code again (a replay, even within its 30 seconds) is refused
    _, again = sign_in_with_code(client, email, totp_code(secret, 1))
    assert again.status_code == 401

    # a lost phone: a recovery code works once
    person, answer = sign_in_with_code(client, email, codes[0])
    assert answer.url.path == f"/portal/p/{partner.id}"
    _, used = sign_in_with_code(client, email, codes[0])
    assert used.status_code == 401
    assert "9 recovery codes left" in person.get("/portal/me/second-factor").text

    # nothing secret is stored in the audit trail or the outbox
    secrets_seen = json.dumps(query(settings, "SELECT before, after FROM audit_events"))
    assert secret not in secrets_seen and codes[1] not in secrets_seen
    stored = query(settings, "SELECT id FROM recovery_codes")
    assert codes[1] not in json.dumps(stored)  # only hashes
    actions = [
        row["action"]
        for row in query(
            settings,
            "SELECT action FROM audit_events WHERE object_id = (SELECT id FROM users WHERE "
            "email = :email) ORDER BY id",
            email=email,
        )
    ]
    assert "user.second_factor_enabled" in actions
    assert actions.count("user.second_factor_failed") == 2


def test_five_wrong_codes_end_the_sign_in(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    email = make_user(settings, "partner", "read_only", partner_id=partner.id)
    first = browser(client.app)
    first.sign_in(email)
    secret, _ = set_up_second_factor(first)
    person = browser(client.app)
    person.sign_in(email)
    for tries in range(1, 5):
        wrong = person.post_from("/portal/sign-in/code", "/portal/sign-in/code", {"code": "000000"})
        assert wrong.status_code == 401, tries
    last = person.post_from("/portal/sign-in/code", "/portal/sign-in/code", {"code": "000000"})
    assert last.url.path == "/portal/sign-in" and "Five wrong codes" in last.text
    # that sign-in is over: even the right code needs the password again
    assert person.get("/portal/sign-in/code").url.path == "/portal/sign-in"
    _, answer = sign_in_with_code(client, email, totp_code(secret, 1))
    assert answer.url.path == f"/portal/p/{partner.id}"


def test_an_admin_requires_it_of_everyone_and_no_one_turns_it_off(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    admin_email = make_user(settings, "partner", "admin", partner_id=partner.id)
    colleague_email = make_user(settings, "partner", "billing", partner_id=partner.id)
    colleague = browser(client.app)
    colleague.sign_in(colleague_email)
    admin = browser(client.app)
    admin.sign_in(admin_email)
    users = f"/portal/p/{partner.id}/users"
    assert "Not required" in admin.get(users).text
    # the admin's own session must set it up before anything else once it is required
    admin.post_from(users, f"/portal/p/{partner.id}/second-factor-policy", {"require": "yes"})
    assert admin.get(users).url.path == "/portal/me/second-factor"
    set_up_second_factor(admin)
    assert "Required: everyone" in admin.get(users).text
    # the colleague, signed in before, is sent to set it up at its next page
    assert colleague.get(f"/portal/p/{partner.id}").url.path == "/portal/me/second-factor"
    secret, _ = set_up_second_factor(colleague)
    assert colleague.get(f"/portal/p/{partner.id}").status_code == 200
    page = colleague.get("/portal/me/second-factor").text
    assert "Turn off" not in page and "must keep a second factor" in page
    refused = colleague.post_from(
        "/portal/me/second-factor",
        "/portal/me/second-factor",
        {"action": "off", "code": totp_code(secret, 1)},
    )
    assert refused.status_code == 409
    # a read-only colleague cannot change the policy
    reader = browser(client.app)
    reader.sign_in(make_user(settings, "partner", "read_only", partner_id=partner.id))
    set_up_second_factor(reader)
    denied = reader.post_from(
        users, f"/portal/p/{partner.id}/second-factor-policy", {"require": "no"}
    )
    assert denied.status_code == 403


def test_sessions_are_listed_and_ended_one_by_one(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    email = make_user(settings, "partner", "admin", partner_id=partner.id)
    here, there = browser(client.app), browser(client.app)
    here.sign_in(email)
    there.sign_in(email)
    listing = here.get("/portal/me/sessions").text
    assert listing.count('id="session-ses_') == 2 and "this browser" in listing
    other = next(
        line.split('id="session-')[1].split('"')[0]
        for line in listing.splitlines()
        if 'id="session-ses_' in line and "this browser" not in line
    )
    # another person cannot end it
    stranger = browser(client.app)
    stranger.sign_in(make_user(settings, "partner", "admin", partner_id=partner.id))
    refused = stranger.post_from("/portal/me/sessions", f"/portal/me/sessions/{other}/end", {})
    assert refused.status_code == 404
    assert there.get(f"/portal/p/{partner.id}").status_code == 200
    ended = here.post_from("/portal/me/sessions", f"/portal/me/sessions/{other}/end", {})
    assert "That session is signed out" in ended.text
    assert there.get(f"/portal/p/{partner.id}").url.path == "/portal/sign-in"
    assert here.get(f"/portal/p/{partner.id}").status_code == 200
