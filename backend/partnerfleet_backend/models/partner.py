"""A partner account (MSP, reseller, SOC) and its wallet balance."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")
    level: Mapped[str] = mapped_column(String(20), default="bronze")
    level_period: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM the level is for
    billing_email: Mapped[str | None] = mapped_column(String(320))
    support_contact: Mapped[dict[str, Any] | None] = mapped_column()
    # The personal manager the operator assigns (name, email, phone): a Platinum benefit.
    manager: Mapped[dict[str, Any] | None] = mapped_column()
    # The partner's admin asks a second factor of all of its people (the portal).
    require_second_factor: Mapped[bool] = mapped_column(default=False)
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(80), info={"secret": True})
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class PartnerLogo(Base):
    """The partner's logo image (PNG or JPEG), shown with white label on its customers'
    pages and in reports."""

    __tablename__ = "partner_logos"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column()


class Wallet(Base):
    """The balance is the sum of the ledger, kept here so a debit can be one guarded UPDATE."""

    __tablename__ = "wallets"
    __table_args__ = (CheckConstraint("balance_cents >= 0", name="balance_not_negative"),)

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    has_topped_up: Mapped[bool] = mapped_column(default=False)
