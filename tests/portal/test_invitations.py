"""The second way into a partnership: an org with its own account and no partner invites one
(found by its exact name or billing email) with the access and payer it chooses; the partner's
admins accept or decline; a pending invitation is resent at most once an hour, or withdrawn."""

import functools
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.kit.errors import ServiceError
from partnerfleet_backend.kit.integrity import conflict_of
from partnerfleet_backend.operations.clock import current_time
from partnerfleet_backend.partnership import invitations
from partnerfleet_backend.settings import Settings
from tests.portal.test_portal import signed_in
from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    all_items,
    license_body,
    make_customer,
    make_partner,
)
from tests.support.database import query
from tests.support.portal import PASSWORD, make_user

T0 = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)


def _org_on_its_own(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    """An org whose partnership its admin ended: its own account (an admin and a guest), its
    license, no partner."""
    name = f"Zahnarzt Süd {uuid.uuid4().hex[:6]}"
    org = make_customer(partner, name=name, contact_email="it@zahnarzt.example")
    lic = partner.write.post(
        "/v1/licenses", license_body(org["id"], reference="zs-dns"), expect=201
    ).json()
    admin = signed_in(client, make_user(settings, "customer", "admin", customer_id=org["id"]))
    guest = signed_in(client, make_user(settings, "customer", "guest", customer_id=org["id"]))
    assert admin.submit(f"/portal/c/{org['id']}/end", {"password": PASSWORD}).status_code == 200
    return org, lic, admin, guest


def _mails(settings: Settings, kind: str, about: str) -> list[dict[str, Any]]:
    """The outbox's mails of `kind` whose subject names `about` (the test database is shared)."""
    return query(
        settings,
        "SELECT to_address, subject, body FROM outbox WHERE kind = :k AND subject LIKE :s "
        "ORDER BY created_at, id",
        k=kind,
        s=f"%{about}%",
    )


def test_an_org_invites_a_partner_who_accepts_and_manages_it(
    client: TestClient,
    operator: Caller,
    partner: PartnerHandle,
    settings: Settings,
    set_clock: SetClock,
) -> None:
    set_clock(T0)
    org, lic, admin, _ = _org_on_its_own(client, partner, settings)
    chosen = make_partner(operator, name="Systemhaus Weber")
    operator.patch(f"/v1/partners/{chosen.id}", {"billing_email": "vertrieb@weber.example"})
    page = f"/portal/c/{org['id']}/partner"
    assert "Invite a partner" in admin.get(f"/portal/c/{org['id']}").text
    assert 'name="partner"' in admin.get(page).text

    unknown = admin.submit(page, {"partner": "Systemhaus", "access": "full", "payer": "partner"})
    assert unknown.status_code == 422 and "no partner has that name" in unknown.text
    bad = admin.submit(page, {"partner": "systemhaus weber", "access": "limited", "payer": "x"})
    assert bad.status_code == 422
    sent = admin.submit(
        page,
        {
            "partner": "VERTRIEB@weber.example",  # by its billing email, any case
            "access": "limited",
            "access_products": "dns-filter",
            "payer": "partner",  # limited access: the customer pays whatever this says
        },
    )
    assert sent.status_code == 200 and "Invitation sent" in sent.text
    (mail,) = _mails(settings, "partner_invitation", org["name"])
    assert mail["to_address"] == "vertrieb@weber.example"
    assert "Zahnarzt Süd" in mail["body"] and "access to dns-filter" in mail["body"]
    assert f"/portal/p/{chosen.id}/invitations" in mail["body"]
    told = chosen.read.get("/v1/notifications").json()["items"]
    assert [n["kind"] for n in told] == ["customer.invited_you"]

    again = admin.submit(page, {"decision": "resend"})
    assert again.status_code == 429
    second = admin.submit(page, {"partner": "Systemhaus Weber", "access": "full"})
    assert second.status_code == 409 and "waits for a partner" in second.text
    set_clock(T0 + timedelta(hours=1, minutes=1))
    assert admin.submit(page, {"decision": "resend"}).status_code == 200
    assert len(_mails(settings, "partner_invitation", org["name"])) == 2

    invitations = f"/portal/p/{chosen.id}/invitations"
    reader = signed_in(client, make_user(settings, "partner", "read_only", partner_id=chosen.id))
    listed = reader.get(invitations)
    assert listed.status_code == 200 and "Zahnarzt Süd" in listed.text
    (row_id,) = [
        r["id"]
        for r in query(
            settings, "SELECT id FROM partner_invitations WHERE customer_id = :c", c=org["id"]
        )
    ]
    assert (
        reader.post_from(invitations, f"{invitations}/{row_id}", {"decision": "accept"}).status_code
        == 403
    )
    boss = signed_in(client, make_user(settings, "partner", "admin", partner_id=chosen.id))
    accepted = boss.post_from(invitations, f"{invitations}/{row_id}", {"decision": "accept"})
    assert accepted.status_code == 200 and "accepted" in accepted.text
    assert (
        boss.post_from(invitations, f"{invitations}/{row_id}", {"decision": "accept"}).status_code
        == 409
    )

    # the org and its license are the new partner's, with the access the org chose
    mine = chosen.read.get(f"/v1/customers/{org['id']}", expect=200).json()
    assert (mine["access"], mine["access_products"]) == ("limited", ["dns-filter"])
    moved = chosen.read.get(f"/v1/licenses/{lic['id']}", expect=200).json()
    assert moved["reference"] is None and moved["auto_renew"] is False
    partner.read.get(f"/v1/customers/{org['id']}", expect=404)
    chosen.write.patch(f"/v1/licenses/{lic['id']}", {"auto_renew": True}, expect=200)
    (answer,) = _mails(settings, "invitation_answered", "Systemhaus Weber")
    assert answer["to_address"] == "it@zahnarzt.example"
    assert "Systemhaus Weber is your partner now" in answer["body"]
    trail = [e["action"] for e in all_items(chosen.read, "/v1/audit-events")]
    assert "partnership.invitation_accepted" in trail and "customer.joined" in trail
    # with a partner, the page says who, and invites no other
    assert "Systemhaus Weber manages your licenses" in admin.get(page).text
    refused = admin.submit(page, {"partner": "Systemhaus Weber", "access": "full"})
    assert refused.status_code == 409


def test_a_declined_or_withdrawn_invitation_changes_nothing(
    client: TestClient, operator: Caller, partner: PartnerHandle, settings: Settings
) -> None:
    org, lic, admin, guest = _org_on_its_own(client, partner, settings)
    page = f"/portal/c/{org['id']}/partner"
    name = "Netzwerk Nord " + org["id"][-6:]
    chosen = make_partner(operator, name=name)
    assert guest.submit(page, {"partner": name, "access": "full"}).status_code == 403
    assert admin.submit(page, {"partner": name, "access": "full"}).status_code == 200
    assert admin.submit(page, {"decision": "withdraw"}).status_code == 200
    boss = signed_in(client, make_user(settings, "partner", "admin", partner_id=chosen.id))
    assert "No organisation invites you" in boss.get(f"/portal/p/{chosen.id}/invitations").text

    assert admin.submit(page, {"partner": name, "access": "full"}).status_code == 200
    (row,) = query(
        settings,
        "SELECT id FROM partner_invitations WHERE customer_id = :c AND status = 'pending'",
        c=org["id"],
    )
    listing = f"/portal/p/{chosen.id}/invitations"
    done = boss.post_from(listing, f"{listing}/{row['id']}", {"decision": "decline"})
    assert done.status_code == 200
    chosen.read.get(f"/v1/customers/{org['id']}", expect=404)
    chosen.read.get(f"/v1/licenses/{lic['id']}", expect=404)
    (answer,) = _mails(settings, "invitation_answered", name)
    assert "declined your invitation" in answer["body"]
    # the org may invite again
    assert 'name="partner"' in admin.get(page).text


def test_invitations_racing_leave_one_pending_and_one_answer(
    client: TestClient, operator: Caller, partner: PartnerHandle, settings: Settings
) -> None:
    """Eight invitations of one org at once leave one pending (the database's partial unique
    index decides on PostgreSQL); an accept racing a withdrawal gives one outcome."""
    org, _, _, _ = _org_on_its_own(client, partner, settings)
    names = [f"Racer {i} {org['id'][-6:]}" for i in range(8)]
    for name in names:
        make_partner(operator, name=name)
    outcomes = _race(settings, [functools.partial(_invite, org["id"], name) for name in names])
    assert outcomes.count("ok") == 1 and outcomes.count("invitation_pending") == 7, outcomes
    (row,) = query(
        settings,
        "SELECT id, partner_id FROM partner_invitations WHERE customer_id = :c",
        c=org["id"],
    )
    outcomes = _race(
        settings,
        [
            lambda ctx: invitations.answer(ctx, row["partner_id"], row["id"], True),
            lambda ctx: invitations.withdraw(ctx, org["id"], row["id"]),
        ],
    )
    assert sorted(outcomes) == ["access_request_settled", "ok"], outcomes
    (final,) = query(settings, "SELECT status FROM partner_invitations WHERE id = :i", i=row["id"])
    joined = query(settings, "SELECT status FROM customers WHERE id = :c", c=org["id"])
    assert joined == [{"status": "active" if final["status"] == "accepted" else "ended"}]


def _invite(customer_id: str, partner: str, ctx: Ctx) -> Any:
    return invitations.invite(ctx, customer_id, "usr_x", partner, "full", None, "partner")


def _race(settings: Settings, works: list[Callable[[Ctx], Any]]) -> list[str]:
    barrier = threading.Barrier(len(works))
    outcomes: list[str] = []

    def one(work: Callable[[Ctx], Any]) -> None:
        def unit(session: Session) -> Any:
            ctx = Ctx(
                session=session,
                now=current_time(session, settings),
                actor=None,
                request_id=None,
                settings=settings,
            )
            return work(ctx)

        barrier.wait(timeout=30)
        try:
            run_in_transaction(unit, settings)
            outcomes.append("ok")
        except IntegrityError as violated:
            conflict = conflict_of(violated)
            outcomes.append(conflict.code if conflict else repr(violated))
        except ServiceError as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=one, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
