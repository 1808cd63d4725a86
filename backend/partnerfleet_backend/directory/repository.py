"""Queries of the directory and the tenders."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.scope import PartnerScope
from partnerfleet_backend.models import (
    Approval,
    DirectoryEntry,
    Partner,
    PartnerStatus,
    Tender,
    TenderOffer,
    TenderRecipient,
    TenderStatus,
)


def public_entries(session: Session) -> list[tuple[DirectoryEntry, Partner]]:
    """The entries anyone may see: listed, approved, of an active partner; by name."""
    rows = session.execute(
        select(DirectoryEntry, Partner)
        .join(Partner, Partner.id == DirectoryEntry.partner_id)
        .where(
            DirectoryEntry.listed.is_(True),
            DirectoryEntry.approval == Approval.APPROVED.value,
            Partner.status == PartnerStatus.ACTIVE,
        )
        .order_by(Partner.name, Partner.id)
    )
    return [(entry, partner) for entry, partner in rows]


def entries_for_review(session: Session) -> list[tuple[DirectoryEntry, Partner]]:
    rows = session.execute(
        select(DirectoryEntry, Partner)
        .join(Partner, Partner.id == DirectoryEntry.partner_id)
        .order_by(DirectoryEntry.updated_at.desc())
        .limit(500)
    )
    return [(entry, partner) for entry, partner in rows]


def tender_receivers(session: Session) -> list[DirectoryEntry]:
    """The entries of active partners that receive tenders."""
    return list(
        session.scalars(
            select(DirectoryEntry)
            .join(Partner, Partner.id == DirectoryEntry.partner_id)
            .where(
                DirectoryEntry.receives_tenders.is_(True), Partner.status == PartnerStatus.ACTIVE
            )
        )
    )


def tender_by_hash(session: Session, column: str, digest: str) -> Tender | None:
    found: Tender | None = session.scalars(
        select(Tender).where(getattr(Tender, column) == digest).with_for_update()
    ).first()
    return found


def submitted_since(
    session: Session, email: str, client_hash: str, since: datetime
) -> tuple[int, int]:
    """Tenders submitted since `since` with this email, and from this address."""
    by_email = session.scalar(
        select(func.count()).where(Tender.email == email, Tender.created_at >= since)
    )
    by_client = session.scalar(
        select(func.count()).where(Tender.client_hash == client_hash, Tender.created_at >= since)
    )
    return int(by_email or 0), int(by_client or 0)


def received(session: Session, partner_id: str, now: datetime) -> list[Tender]:
    """Open tenders sent to the partner, still valid; newest first."""
    return list(
        session.scalars(
            select(Tender)
            .join(TenderRecipient, TenderRecipient.tender_id == Tender.id)
            .where(
                TenderRecipient.partner_id == partner_id,
                Tender.status == TenderStatus.OPEN.value,
                Tender.expires_at > now,
                or_(TenderRecipient.visible_from.is_(None), TenderRecipient.visible_from <= now),
            )
            .order_by(Tender.confirmed_at.desc(), Tender.id)
            .limit(200)
        )
    )


def offered_by(session: Session, partner_id: str, tender_ids: Sequence[str]) -> set[str]:
    return set(
        session.scalars(
            select(TenderOffer.tender_id).where(
                TenderOffer.partner_id == partner_id, TenderOffer.tender_id.in_(tender_ids)
            )
        )
    )


def is_recipient(session: Session, tender_id: str, partner_id: str) -> bool:
    return session.get(TenderRecipient, (tender_id, partner_id)) is not None


def all_tenders(session: Session, status: str | None) -> list[tuple[Tender, int, int]]:
    """Tenders for the operator (newest first, 500 at most) with their recipients and offers."""
    recipients = (
        select(func.count())
        .where(TenderRecipient.tender_id == Tender.id)
        .correlate(Tender)
        .scalar_subquery()
    )
    offers = (
        select(func.count())
        .where(TenderOffer.tender_id == Tender.id)
        .correlate(Tender)
        .scalar_subquery()
    )
    query = select(Tender, recipients, offers).order_by(Tender.created_at.desc()).limit(500)
    if status:
        query = query.where(Tender.status == status)
    return [(t, int(r), int(o)) for t, r, o in session.execute(query)]


def levels_of(session: Session, partner_ids: Sequence[str]) -> dict[str, str]:
    rows = session.execute(select(Partner.id, Partner.level).where(Partner.id.in_(partner_ids)))
    return {str(pid): str(level) for pid, level in rows}


def held_back_due(
    session: Session, now: datetime, scope: PartnerScope
) -> list[tuple[TenderRecipient, Tender]]:
    """Requests held back for partners without priority whose day has come, still valid."""
    rows = session.execute(
        select(TenderRecipient, Tender)
        .join(Tender, Tender.id == TenderRecipient.tender_id)
        .where(
            TenderRecipient.told_at.is_(None),
            TenderRecipient.visible_from <= now,
            Tender.status == TenderStatus.OPEN.value,
            Tender.expires_at > now,
            scope.where(TenderRecipient.partner_id),
        )
        .with_for_update(of=TenderRecipient)
        .limit(5_000)
    )
    return [(recipient, tender) for recipient, tender in rows]
