"""A top-up's credit: what is left of it, its discount and when it expires."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class CreditLot(Base):
    __tablename__ = "credit_lots"
    __table_args__ = (
        CheckConstraint("remaining_cents >= 0", name="remaining_not_negative"),
        Index("ix_credit_lots_partner_open", "partner_id", "remaining_cents"),
        Index("uq_credit_lots_invoice_number", "invoice_number", unique=True),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    remaining_cents: Mapped[int] = mapped_column(BigInteger)
    discount_bp: Mapped[int] = mapped_column()
    price_cents: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    # a bought top-up's invoice (TU-<year>-<number>, one sequence a year); credit not bought
    # (cashback, an operator's credit) has none
    invoice_number: Mapped[str | None] = mapped_column(String(30))
