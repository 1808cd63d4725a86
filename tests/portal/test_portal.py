"""The portal: people sign in, see what their role and their partner or org allow, and change
only what their role may, with the form's token."""

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings, get_settings
from tests.support.api import Caller, PartnerHandle, all_items, make_customer, make_partner
from tests.support.portal import (
    PASSWORD,
    Browser,
    browser,
    form_token,
    mailed_link,
    make_user,
    set_up_second_factor,
    user_id_of,
)


def partner_user(settings: Settings, p: PartnerHandle, role: str) -> str:
    return make_user(settings, "partner", role, partner_id=p.id)


def signed_in(client: TestClient, email: str) -> Browser:
    person = browser(client.app)
    answer = person.sign_in(email)
    assert answer.status_code == 200, answer.text[:300]
    return person


def test_sign_in_sets_a_guarded_cookie_and_sign_out_ends_it(
    client: TestClient,
    partner: PartnerHandle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    email = partner_user(settings, partner, "admin")
    person = browser(client.app)
    assert (
        person.get("/portal", follow_redirects=False)
        .headers["location"]
        .startswith("/portal/sign-in")
    )
    page = person.get("/portal/sign-in")
    monkeypatch.setattr(get_settings(), "portal_secure_cookies", True)
    answer = person.client.post(
        "/portal/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"]
    assert "pf_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=lax" in cookie
    assert answer.headers["location"] == "/portal"
    monkeypatch.setattr(get_settings(), "portal_secure_cookies", False)
    person = signed_in(client, email)
    front = person.get(f"/portal/p/{partner.id}")
    assert front.status_code == 200 and "Credit" in front.text
    out = person.client.post("/portal/sign-out", data={"csrf_token": form_token(front.text)})
    assert out.url.path == "/portal/sign-in"
    assert person.get(f"/portal/p/{partner.id}", follow_redirects=False).status_code == 303


def test_a_form_without_its_token_is_refused(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    person = signed_in(client, partner_user(settings, partner, "admin"))
    path = f"/portal/p/{partner.id}/profile"
    forged = person.submit(path, {"billing_email": "evil@example.org"}, token=False)
    assert forged.status_code == 403
    wrong = person.client.post(path, data={"billing_email": "evil@x.org", "csrf_token": "abc"})
    assert wrong.status_code == 403
    assert partner.read.get("/v1/me").json()["billing_email"] != "evil@example.org"
    ok = person.submit(path, {"billing_email": "billing@msp.example"})
    assert ok.status_code == 200 and "Saved." in ok.text
    assert partner.read.get("/v1/me").json()["billing_email"] == "billing@msp.example"
    # signing in needs the token of the sign-in page too (login CSRF)
    bare = browser(client.app).client.post(
        "/portal/sign-in", data={"email": "x@example.org", "password": PASSWORD}
    )
    assert bare.status_code == 403


def test_failed_sign_ins_lock_no_one_out_and_tell_nothing(
    client: TestClient,
    partner: PartnerHandle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unknown, disabled and known emails with a wrong password get the same answer; after
    ten attempts a minute from one address that address waits, whichever email it tries,
    while the account's owner signs in from anywhere else."""
    # the settings the app reads now (another test may have made them anew)
    monkeypatch.setattr(get_settings(), "sign_ins_per_minute", 10)
    email = partner_user(settings, partner, "read_only")
    if time.time() % 60 > 40:  # the limit counts per clock minute: all of this in one
        time.sleep(60 - time.time() % 60)
    guesser = browser(client.app)
    answers = [guesser.sign_in(email, "wrong password!!") for _ in range(5)]
    answers += [guesser.sign_in(f"nobody-{n}@example.org") for n in range(4)]
    assert {(a.status_code, "the email or the password is wrong" in a.text) for a in answers} == {
        (401, True)
    }
    assert guesser.sign_in(email).status_code == 200  # the tenth: still its own answer
    for who in (email, "nobody@example.org"):
        slowed = guesser.sign_in(who)
        assert slowed.status_code == 429 and "from your address" in slowed.text
        assert int(slowed.headers["Retry-After"]) <= 61
    owner = browser(client.app)  # another address: never locked out by the guesser
    assert owner.sign_in(email).status_code == 200
    assert owner.get(f"/portal/p/{partner.id}").status_code == 200


def test_roles_decide_what_changes(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    path = f"/portal/p/{partner.id}/profile"
    reader = signed_in(client, partner_user(settings, partner, "read_only"))
    page = reader.get(path)
    assert page.status_code == 200 and "Your role may read this" in page.text
    assert reader.submit(path, {"billing_email": "r@example.org"}).status_code == 403
    invite = reader.submit(f"/portal/p/{partner.id}/users", {"email": "x@y.org", "role": "admin"})
    assert invite.status_code == 403
    billing = signed_in(client, partner_user(settings, partner, "billing"))
    done = billing.submit(path, {"billing_email": "money@example.org", "logo_url": ""})
    assert done.status_code == 200
    assert partner.read.get("/v1/me").json()["billing_email"] == "money@example.org"
    for page in ("ledger", "licenses", "audit"):
        assert reader.get(f"/portal/p/{partner.id}/{page}").status_code == 200


def test_nobody_reaches_another_partner_s_or_org_s_pages(
    client: TestClient, operator: Caller, partner: PartnerHandle, settings: Settings
) -> None:
    other = make_partner(operator)
    theirs = make_customer(other)
    mine = make_customer(partner)
    person = signed_in(client, partner_user(settings, partner, "admin"))
    guest = signed_in(client, make_user(settings, "customer", "guest", customer_id=mine["id"]))
    for path in (
        f"/portal/p/{other.id}",
        f"/portal/p/{other.id}/ledger",
        f"/portal/p/{other.id}/exports/ledger.csv?month=2026-01",
        f"/portal/p/{other.id}/statements/2026-01.pdf",
        f"/portal/c/{theirs['id']}",
        f"/portal/c/{theirs['id']}/report.pdf",
        f"/portal/logos/{other.id}",
    ):
        assert person.get(path).status_code == 404, path
    for path in (
        f"/portal/p/{partner.id}",
        f"/portal/p/{partner.id}/ledger",
        f"/portal/c/{theirs['id']}",
    ):
        assert guest.get(path).status_code == 404, path
    assert guest.get(f"/portal/c/{mine['id']}").status_code == 200


def test_an_invitation_makes_a_user_once(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    org = make_customer(partner, name="Grundschule Süd")
    admin = signed_in(client, partner_user(settings, partner, "admin"))
    made = admin.submit(
        f"/portal/p/{partner.id}/users",
        {"email": "Teacher@School.example", "name": "T", "role": f"guest:{org['id']}"},
    )
    assert made.status_code == 200, made.text[:500]
    assert "/portal/invitations/" not in made.text  # the link goes to the mailbox only
    path = mailed_link(settings, "teacher@school.example")[1:]
    newcomer = browser(client.app)
    short = newcomer.submit(f"/{path}", {"name": "Tina", "password": "short"})
    assert short.status_code == 422 and "12 characters" in short.text
    joined = newcomer.submit(f"/{path}", {"name": "Tina", "password": PASSWORD})
    assert joined.status_code == 200 and joined.url.path == f"/portal/c/{org['id']}"
    assert "Grundschule Süd" in joined.text
    again = browser(client.app).get(f"/{path}")
    assert again.status_code == 422  # used
    assert browser(client.app).sign_in("teacher@school.example").status_code == 200


def test_the_operator_sees_every_partner_audited(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    person = signed_in(client, make_user(settings, "operator", "admin"))
    # the operator's people always need a second factor: the first page is setting it up
    assert person.get("/portal/partners").url.path == "/portal/me/second-factor"
    set_up_second_factor(person)
    path: str | None = "/portal/partners"
    pages = 0
    while path is not None and pages < 100:  # page by page, as the operator would
        listing = person.get(path)
        assert listing.status_code == 200
        if partner.id in listing.text:
            break
        found = re.search(r'href="(/portal/partners\?cursor=[^"]+)"', listing.text)
        path, pages = (found.group(1) if found else None), pages + 1
    assert partner.id in listing.text
    assert person.get(f"/portal/p/{partner.id}").status_code == 200
    reads = [
        e for e in all_items(partner.read, "/v1/audit-events") if e["action"] == "operator.read"
    ]
    assert reads and reads[-1]["after"]["path"] == f"/portal/p/{partner.id}"


def test_a_customer_sees_its_licenses_and_its_supporter_but_no_money(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    partner.write.patch(
        "/v1/me",
        {"support_contact": {"phone": "+49 40 555", "email": "help@msp.example", "hours": "9-17"}},
        expect=200,
    )
    org = make_customer(partner, name="Kanzlei Nord", support_by="partner")
    partner.write.post(
        "/v1/licenses",
        {
            "customer_id": org["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 7,
        },
        expect=201,
    )
    guest = signed_in(client, make_user(settings, "customer", "guest", customer_id=org["id"]))
    page = guest.get(f"/portal/c/{org['id']}")
    assert page.status_code == 200
    assert "+49 40 555" in page.text and "dns-filter" in page.text
    assert "EUR" not in page.text and "Ledger" not in page.text
    assert guest.get(f"/portal/c/{org['id']}/settings").status_code == 200
    assert (
        guest.submit(
            f"/portal/c/{org['id']}/settings",
            {"contact_email": "x@y.org", "access": "full", "access_products": ""},
        ).status_code
        == 403
    )
    partner.write.patch(f"/v1/customers/{org['id']}", {"support_by": "vendor"}, expect=200)
    vendor = guest.get(f"/portal/c/{org['id']}")
    assert get_settings().vendor_support_email in vendor.text and "+49 40 555" not in vendor.text


def test_limited_access_limits_the_partner(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    org = make_customer(partner)
    body: dict[str, Any] = {
        "customer_id": org["id"],
        "product": "dns-filter",
        "edition": "pro",
        "term_months": 12,
        "seats": 3,
    }
    lic = partner.write.post("/v1/licenses", body, expect=201).json()
    admin = signed_in(client, make_user(settings, "customer", "admin", customer_id=org["id"]))
    bad = admin.submit(
        f"/portal/c/{org['id']}/settings",
        {"contact_email": "it@org.example", "access": "limited", "access_products": "nope"},
    )
    assert bad.status_code == 422
    done = admin.submit(
        f"/portal/c/{org['id']}/settings",
        {"contact_email": "it@org.example", "access": "limited", "access_products": "mail"},
    )
    assert done.status_code == 200 and "Saved." in done.text
    refused = partner.write.post("/v1/licenses", body, expect=403).json()
    assert refused["code"] == "access_limited"
    partner.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 5}, expect=403)
    mail_body = {**body, "product": "mail", "edition": "standard"}
    mail_body.pop("term_months")
    mail_body.pop("seats")
    partner.write.post("/v1/licenses", mail_body, expect=201)
    # the partner's key cannot lift the limit the customer set; the same value is no change
    lifted = partner.write.patch(f"/v1/customers/{org['id']}", {"access": "full"})
    assert lifted.status_code == 403 and lifted.json()["code"] == "access_granted_by_customer"
    assert "only its admins" in lifted.json()["detail"]
    widened = partner.write.patch(
        f"/v1/customers/{org['id']}", {"access_products": ["mail", "dns-filter"]}
    )
    assert widened.status_code == 403
    partner.write.patch(f"/v1/customers/{org['id']}", {"access": "limited"}, expect=200)
    partner.write.post("/v1/licenses", body, expect=403)  # still limited


def test_every_portal_route_of_a_partner_or_org_refuses_strangers(
    client: TestClient, operator: Caller, partner: PartnerHandle, settings: Settings
) -> None:
    """The isolation walk of the portal: every page under a partner's or an org's id, read by
    another partner's admin and by a customer's guest of another org, answers 404 (a change,
    403 without the page's token); a new such route is walked without being listed here."""
    from starlette.routing import Route

    from partnerfleet_backend.portal import (
        downloads,
        endpoints,
        invitations,
        pages,
        partnership,
        people,
    )

    org = make_customer(partner)
    other = make_partner(operator)
    other_org = make_customer(other)
    member = user_id_of(settings, partner_user(settings, partner, "read_only"))
    grant = f"/v1/partners/{partner.id}/customers/{org['id']}/grant"
    operator.patch(grant, {"payer": "customer"}, expect=200)
    body = {"customer_id": org["id"], "product": "dns-filter", "edition": "pro", "seats": 2}
    partner.write.post("/v1/licenses", {**body, "term_months": 12}, expect=201)
    (invoice,) = operator.get("/v1/invoices", params={"customer_id": org["id"]}).json()["items"]
    ids = {
        "partner_id": partner.id,
        "customer_id": org["id"],
        "invoice_id": invoice["id"],
        "month": "2026-01",
        "user_id": member,
        "action": "disable",
        "invitation_id": "pinv_none",
    }
    strangers = [
        signed_in(client, partner_user(settings, other, "admin")),
        signed_in(client, make_user(settings, "customer", "guest", customer_id=other_org["id"])),
    ]
    walked = 0
    routes = [
        *endpoints.router.routes,
        *pages.router.routes,
        *people.router.routes,
        *downloads.router.routes,
        *partnership.router.routes,
        *invitations.router.routes,
    ]
    for route in routes:
        if not isinstance(route, Route) or not route.path.startswith("/portal/"):
            continue
        if "{partner_id}" not in route.path and "{customer_id}" not in route.path:
            continue
        url = route.path.format(**ids)
        for person in strangers:
            for method in sorted(route.methods or set()):
                if method == "HEAD":
                    continue
                params = {"month": "2026-01"} if url.endswith(".csv") else None
                form = {  # every field a portal form has, so validation passes and rules decide
                    "contact_email": "x@example.org",
                    "access": "full",
                    "email": "x@example.org",
                    "role": "admin",
                    "billing_email": "x@example.org",
                    "name": "x",
                }
                answer = person.client.request(method, url, params=params, data=form)
                expected = {404} if method == "GET" else {403, 404}
                assert answer.status_code in expected, (method, url, answer.status_code)
                walked += 1
    assert walked >= 30


def test_pages_pdfs_and_logos_say_how_they_may_be_shown(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    person = signed_in(client, partner_user(settings, partner, "admin"))
    page = person.get(f"/portal/p/{partner.id}")
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    statement = partner.read.get("/v1/statements/2030-01", expect=200)
    assert statement.headers["x-content-type-options"] == "nosniff"
    assert statement.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in statement.headers["content-security-policy"]
    from tests.reports.test_reports import logo_png
    from tests.support.api import upload_logo

    assert upload_logo(partner.write, logo_png()).status_code == 204
    logo = person.get(f"/portal/logos/{partner.id}")
    assert logo.status_code == 200 and logo.headers["x-content-type-options"] == "nosniff"
    assert logo.headers["cache-control"] == "private, max-age=300"  # its own


def test_the_users_page_outlives_an_ended_org(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    org = make_customer(partner, name="Praxis am Markt")
    make_user(settings, "customer", "guest", customer_id=org["id"])
    partner.write.delete(f"/v1/customers/{org['id']}", expect=200)
    admin = signed_in(client, partner_user(settings, partner, "admin"))
    users = admin.get(f"/portal/p/{partner.id}/users")
    assert users.status_code == 200 and "Praxis am Markt" in users.text
