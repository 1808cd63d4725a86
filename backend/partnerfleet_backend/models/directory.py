"""The partner directory and the tender platform (SPEC: Directory and tenders, seed 001): a
partner's public entry, the requests for quotes anyone may submit, who received each, and the
partners' offers."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class Approval(StrEnum):
    PENDING = "pending"  # the operator has not checked the registration and website yet
    APPROVED = "approved"
    HIDDEN = "hidden"  # taken off the public pages by the operator


class TenderStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # waits for the submitter's confirmation from the email
    OPEN = "open"  # valid until expires_at
    CANCELLED = "cancelled"  # by the submitter's link
    REMOVED = "removed"  # by the operator (abuse)


class DirectoryEntry(Base):
    __tablename__ = "directory_entries"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    listed: Mapped[bool] = mapped_column(default=False)  # the partner opted in
    approval: Mapped[str] = mapped_column(String(10), default=Approval.PENDING.value)
    country: Mapped[str] = mapped_column(String(2))
    languages: Mapped[list[str]] = mapped_column(JSON)
    services: Mapped[list[str]] = mapped_column(JSON)
    products: Mapped[list[str]] = mapped_column(JSON)
    website: Mapped[str] = mapped_column(String(300))
    registration_number: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(1000), default="")
    # what partners receive as tenders (empty: any)
    tender_countries: Mapped[list[str] | None] = mapped_column(JSON)
    tender_products: Mapped[list[str] | None] = mapped_column(JSON)
    tender_services: Mapped[list[str] | None] = mapped_column(JSON)
    receives_tenders: Mapped[bool] = mapped_column(default=False)
    approved_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class Tender(Base):
    __tablename__ = "tenders"
    __table_args__ = (
        Index("ix_tenders_status_expires_at", "status", "expires_at"),
        Index("ix_tenders_email_created_at", "email", "created_at"),
        Index("ix_tenders_client_created_at", "client_hash", "created_at"),
        Index("uq_tenders_confirm_hash", "confirm_hash", unique=True),
        Index("uq_tenders_cancel_hash", "cancel_hash", unique=True),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2))
    product: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    organisation: Mapped[str | None] = mapped_column(String(200))
    # the links' tokens, as hashes (the tokens themselves are only in the submitter's email)
    confirm_hash: Mapped[str] = mapped_column(String(64))
    cancel_hash: Mapped[str] = mapped_column(String(64))
    client_hash: Mapped[str] = mapped_column(String(64))  # the submitting address, hashed
    created_at: Mapped[datetime] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()


class TenderRecipient(Base):
    """A partner a tender was sent to (it asked for such requests when it was confirmed).
    Partners whose level has priority see it at once; the others from `visible_from`, a day
    later, when the calendar tells them (`told_at`)."""

    __tablename__ = "tender_recipients"
    __table_args__ = (
        Index("ix_tender_recipients_partner_id", "partner_id"),
        Index("ix_tender_recipients_told_at_visible_from", "told_at", "visible_from"),
    )

    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    visible_from: Mapped[datetime | None] = mapped_column()  # None: at once
    told_at: Mapped[datetime | None] = mapped_column()


class TenderOffer(Base):
    __tablename__ = "tender_offers"
    __table_args__ = (
        # one offer per partner and tender: the database says so
        Index("uq_tender_offers_tender_id_partner_id", "tender_id", "partner_id", unique=True),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    text: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
