"""Tenders (SPEC: Directory and tenders, seed 001): anyone asks for quotes, free. A request is
published only after its submitter confirms it from the email, which also carries the link
that cancels it at once; it is valid 30 days from then. It goes to the partners that asked for
such requests (country, product, service; `receives_tenders`), each told with an excerpt
without contact details; the full request is on their tender pages while it is valid. A
partner answers with one offer, mailed to the submitter with the partner's directory page.

Abuse: three requests a day per email address and ten per submitting address (counted in the
table, which holds the truth), bounded sizes, text only; tokens are random and kept as hashes;
nothing a submitter sends is shown to another submitter."""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.directory import repository
from partnerfleet_backend.directory.schemas import (
    OfferCreate,
    TenderAccepted,
    TenderAdminRead,
    TenderCreate,
    TenderRead,
)
from partnerfleet_backend.directory.service import is_public, page_of
from partnerfleet_backend.kit.errors import Conflict, NotFound, RateLimited, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.money import eur
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.level.service import LEVELS, PRIORITY_HOURS
from partnerfleet_backend.mail import service as mail
from partnerfleet_backend.models import (
    SECRET_MARK,
    DirectoryEntry,
    Partner,
    Tender,
    TenderOffer,
    TenderRecipient,
    TenderStatus,
)
from partnerfleet_backend.notification.service import notify_many
from partnerfleet_backend.partner.repository import billing_email

VALID_DAYS = 30
CONFIRM_DAYS = 7  # an unconfirmed request's link works this long
PER_EMAIL_A_DAY = 3
PER_ADDRESS_A_DAY = 10
EXCERPT = 240
_CONTACT = re.compile(r"[^\s@]+@[^\s@]+|https?://\S+|www\.\S+|\+?\d[\d ()/-]{6,}\d", re.IGNORECASE)


class OfferExists(Conflict):
    code = "offer_exists"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def excerpt(tender: Tender) -> str:
    """What a partner is told before it signs in: no contact details (an address, a link or a
    phone number in the text is blanked)."""
    text = " ".join(tender.text.split())
    short = text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"
    return _CONTACT.sub("[hidden]", f"{tender.title}: {short}")


def submit(ctx: Ctx, body: TenderCreate, client: str) -> Tender:
    """Take a request: unconfirmed until its submitter follows the email's link."""
    catalog = load_catalog(ctx.session)
    if body.product not in catalog.products:
        raise ValidationFailed(f"{body.product} is not in the catalog", field="product")
    client_hash = hmac.new(ctx.settings.resolved_secret_key(), client.encode(), "sha256")
    by_email, by_client = repository.submitted_since(
        ctx.session, body.email, client_hash.hexdigest(), ctx.now - timedelta(days=1)
    )
    if by_email >= PER_EMAIL_A_DAY or by_client >= PER_ADDRESS_A_DAY:
        raise RateLimited("too many requests for quotes today: try again tomorrow")
    confirm, cancel = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    tender = Tender(
        id=new_id("tnd"),
        status=TenderStatus.UNCONFIRMED.value,
        **body.model_dump(),
        confirm_hash=digest(confirm),
        cancel_hash=digest(cancel),
        client_hash=client_hash.hexdigest(),
        created_at=ctx.now,
    )
    ctx.session.add(tender)
    ctx.session.flush()
    base = ctx.settings.public_url.rstrip("/")
    mail.queue(
        ctx,
        partner_id=None,
        kind="tender_confirm",
        to=body.email,
        subject=f"Confirm your request for quotes: {body.title}",
        body=f"Hello {body.name},\n\nyou asked partners for quotes: {body.title}.\n\n"
        "Nobody sees it until you confirm it. Confirm, or cancel it at any time "
        f"(it is valid {VALID_DAYS} days from confirmation):\n\n{SECRET_MARK}\n\n"
        "If you did not ask for this, ignore this email: nothing is published.\n",
        secret=f"Confirm: {base}/tenders/confirm?t={confirm}\n"
        f"Cancel at once: {base}/tenders/cancel?t={cancel}",
    )
    return tender


def confirm(ctx: Ctx, token: str) -> Tender:
    """Publish the request and send it to the partners that asked for such requests."""
    tender = repository.tender_by_hash(ctx.session, "confirm_hash", digest(token))
    if tender is None:
        raise NotFound("this link is not valid")
    if tender.status != TenderStatus.UNCONFIRMED.value:
        return tender  # a second click changes nothing
    if tender.created_at + timedelta(days=CONFIRM_DAYS) <= ctx.now:
        raise NotFound("this link has expired: submit the request again")
    tender.status = TenderStatus.OPEN.value
    tender.confirmed_at = ctx.now
    tender.expires_at = ctx.now + timedelta(days=VALID_DAYS)
    receivers = [e for e in repository.tender_receivers(ctx.session) if _wants(e, tender)]
    levels = repository.levels_of(ctx.session, [e.partner_id for e in receivers])
    first: list[str] = []
    for entry in receivers:
        priority = LEVELS[levels[entry.partner_id]].priority
        if priority:
            first.append(entry.partner_id)
        ctx.session.add(
            TenderRecipient(
                tender_id=tender.id,
                partner_id=entry.partner_id,
                visible_from=None if priority else ctx.now + timedelta(hours=PRIORITY_HOURS),
                told_at=ctx.now if priority else None,
            )
        )
    tell(ctx, [(tender, pid) for pid in first])
    return tender


def tell(ctx: Ctx, due: list[tuple[Tender, str]]) -> None:
    """Tell each partner of a request sent to it: a notification and a mail with the excerpt."""
    notify_many(
        ctx,
        [
            (
                pid,
                "tender_received",
                f"a request for quotes: {excerpt(tender)}",
                f"tender:{tender.id}:{pid}",
                {"tender_id": tender.id},
            )
            for tender, pid in due
        ],
    )
    base = ctx.settings.public_url.rstrip("/")
    for tender, pid in due:
        mail.queue(
            ctx,
            partner_id=pid,
            kind="tender_received",
            to=billing_email(ctx.session, pid),
            subject=f"A request for quotes ({tender.country}, {tender.product})",
            body=f"A request for quotes you asked to receive:\n\n{excerpt(tender)}\n\n"
            f"The whole request, with how to reach the requester, while it is valid: "
            f"{base}/portal/p/{pid}/tenders\n",
            dedupe_key=f"tender:{tender.id}:{pid}",
        )


def release(ctx: Ctx, scope: PartnerScope = EVERY) -> int:
    """The calendar: requests held back a day for partners without priority reach them now
    (if still valid)."""
    due = repository.held_back_due(ctx.session, ctx.now, scope)
    for recipient, _tender in due:
        recipient.told_at = ctx.now
    tell(ctx, [(tender, recipient.partner_id) for recipient, tender in due])
    return len(due)


def _wants(entry: DirectoryEntry, tender: Tender) -> bool:
    return all(
        not chosen or value in chosen
        for chosen, value in (
            (entry.tender_countries, tender.country),
            (entry.tender_products, tender.product),
            (entry.tender_services, tender.service),
        )
    )


def cancel(ctx: Ctx, token: str) -> Tender:
    """The submitter's one click: partners no longer see the request."""
    tender = repository.tender_by_hash(ctx.session, "cancel_hash", digest(token))
    if tender is None:
        raise NotFound("this link is not valid")
    if tender.status in (TenderStatus.UNCONFIRMED.value, TenderStatus.OPEN.value):
        tender.status = TenderStatus.CANCELLED.value
        tender.ended_at = ctx.now
    return tender


def received(ctx: Ctx, partner_id: str) -> list[tuple[Tender, bool]]:
    """The valid requests sent to the partner, and whether it answered each."""
    tenders = repository.received(ctx.session, partner_id, ctx.now)
    offered = repository.offered_by(ctx.session, partner_id, [t.id for t in tenders])
    return [(t, t.id in offered) for t in tenders]


def one_received(ctx: Ctx, partner_id: str, tender_id: str) -> tuple[Tender, bool]:
    for tender, offered in received(ctx, partner_id):
        if tender.id == tender_id:
            return tender, offered
    raise NotFound(f"tender {tender_id} not found (or no longer valid)")


def offer(ctx: Ctx, partner_id: str, tender_id: str, body: OfferCreate) -> TenderOffer:
    """The partner's answer, mailed to the submitter with the partner's directory page."""
    tender, offered = one_received(ctx, partner_id, tender_id)
    if offered:
        raise OfferExists("you answered this request already")
    row = TenderOffer(
        id=new_id("ofr"),
        tender_id=tender.id,
        partner_id=partner_id,
        text=body.text,
        price_cents=body.price_cents,
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()  # the unique index answers a second offer racing this one
    partner = ctx.session.get(Partner, partner_id)
    assert partner is not None
    entry = ctx.session.get(DirectoryEntry, partner_id)
    listed = entry is not None and is_public(entry, partner)
    price = "" if body.price_cents is None else f"Price: {eur(body.price_cents)}\n\n"
    where = f"About {partner.name}: {page_of(ctx, partner_id)}\n\n" if listed else ""
    mail.queue(
        ctx,
        partner_id=None,
        kind="tender_offer",
        to=tender.email,
        subject=f"An offer from {partner.name}: {tender.title}",
        body=f"Hello {tender.name},\n\n{partner.name} answers your request "
        f'"{tender.title}":\n\n{body.text}\n\n{price}{where}'
        "Reply to the partner to go on, wait for more offers, or cancel your request with "
        "the link in the email that confirmed it.\n",
    )
    ctx.audit(
        "tender.offer_sent",
        "tender_offer",
        row.id,
        partner_id=partner_id,
        before=None,
        after={"tender_id": tender.id, "price_cents": body.price_cents},
    )
    return row


def remove(ctx: Ctx, tender_id: str) -> Tender:
    """The operator takes an abusive request down (audited)."""
    tender = ctx.session.get(Tender, tender_id, with_for_update=True)
    if tender is None:
        raise NotFound(f"tender {tender_id} not found")
    before = tender.status
    tender.status, tender.ended_at = TenderStatus.REMOVED.value, ctx.now
    ctx.audit(
        "tender.removed",
        "tender",
        tender.id,
        partner_id=None,
        before={"status": before},
        after={"status": tender.status},
    )
    return tender


def said(tender: Tender) -> TenderAccepted:
    until = f"{tender.expires_at:%Y-%m-%d}" if tender.expires_at else "-"
    messages = {
        TenderStatus.OPEN.value: f"published: partners see it until {until}; the email has "
        "the link that cancels it",
        TenderStatus.CANCELLED.value: "cancelled: partners no longer see it",
        TenderStatus.REMOVED.value: "removed",
        TenderStatus.UNCONFIRMED.value: "check your email to confirm it",
    }
    return TenderAccepted(status=tender.status, message=messages[tender.status])


def read_view(tender: Tender, offered: bool) -> TenderRead:
    return TenderRead(
        id=tender.id,
        title=tender.title,
        text=tender.text,
        country=tender.country,
        product=tender.product,
        service=tender.service,
        name=tender.name,
        email=tender.email,
        phone=tender.phone,
        organisation=tender.organisation,
        confirmed_at=tender.confirmed_at,
        expires_at=tender.expires_at,
        offered=offered,
    )


def admin_list(ctx: Ctx, status: str | None) -> list[TenderAdminRead]:
    """Every request for quotes, newest first, for the operator."""
    return [
        TenderAdminRead(
            id=t.id,
            status=t.status,
            title=t.title,
            text=t.text,
            country=t.country,
            product=t.product,
            service=t.service,
            email=t.email,
            created_at=t.created_at,
            confirmed_at=t.confirmed_at,
            expires_at=t.expires_at,
            recipients=r,
            offers=o,
        )
        for t, r, o in repository.all_tenders(ctx.session, status)
    ]
