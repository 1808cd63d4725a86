"""A customer organisation of a partner."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"  # the relationship ended; its licenses stay, unmanaged


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index("uq_customers_partner_reference", "partner_id", "reference", unique=True),
        Index("ix_customers_partner_id_id", "partner_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    name: Mapped[str] = mapped_column(String(200))
    segment: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    contact_email: Mapped[str] = mapped_column(String(320))
    reference: Mapped[str | None] = mapped_column(String(100))
    support_by: Mapped[str] = mapped_column(String(10), default="partner")
    access: Mapped[str] = mapped_column(String(10), default="full")
    # With access "limited": the products the partner may manage for this org.
    access_products: Mapped[list[str] | None] = mapped_column()
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
