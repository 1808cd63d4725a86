"""An invoice to a customer org that pays for itself (SPEC: Partnerships and who pays): one
order or renewal of one object, at the public price, due in 14 days; the partner's cashback on
it is fixed at the order (the partner's level then) and credited when it is paid."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("cashback_cents >= 0", name="cashback_not_negative"),
        Index("uq_invoices_number", "number", unique=True),
        Index("ix_invoices_customer_id_id", "customer_id", "id"),
        Index("ix_invoices_status_due_at", "status", "due_at"),
        Index("ix_invoices_object_id", "object_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(String(500))
    object_type: Mapped[str | None] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(40))
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # the public price of the order
    cashback_bp: Mapped[int] = mapped_column()
    cashback_cents: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()
    voided_at: Mapped[datetime | None] = mapped_column()
    # The ledger entry that credited the cashback (and the one that took it back on a void).
    cashback_entry_id: Mapped[str | None] = mapped_column(String(40))
    reversal_entry_id: Mapped[str | None] = mapped_column(String(40))
    # As a ledger entry's: the grace window of a corrected purchase runs from here (None: from
    # `issued_at`).
    window_from: Mapped[datetime | None] = mapped_column()
