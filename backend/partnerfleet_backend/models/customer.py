"""A customer organisation of a partner."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, ForeignKey, Index, String, case, literal
from sqlalchemy.ext.hybrid import hybrid_property
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
    # Who pays with access "full", the customer's choice: "partner" (its wallet) or
    # "customer" (invoiced the public price; the partner earns cashback). Limited access:
    # the customer pays whatever this says (`pays`).
    payer: Mapped[str] = mapped_column(String(10), default="partner")
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def pays(self) -> str:
        """Who pays this org's orders and renewals: "partner" or "customer" (with limited
        access always the customer). One rule, in Python here and in SQL below."""
        return "customer" if self.access == "limited" else self.payer

    @pays.inplace.expression
    @classmethod
    def _pays(cls) -> ColumnElement[str]:
        return case((cls.access == "limited", literal("customer")), else_=cls.payer)
