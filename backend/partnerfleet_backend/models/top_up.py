"""Never lapse by accident (issue 27): a partner's rule to ask for a top-up before its credit
runs short, the top-up requests it (or the partner) makes, which the operator settles once
paid; and the numbers of the top-up invoices."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class TopUpRule(Base):
    """Ask for a top-up of `amount_cents` when the credit available falls below
    `threshold_cents`, or (`before_renewal`) before renewals the credit cannot pay."""

    __tablename__ = "top_up_rules"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    threshold_cents: Mapped[int | None] = mapped_column(BigInteger)
    before_renewal: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class TopUpStatus(StrEnum):
    REQUESTED = "requested"  # waits for the payment (the operator settles it)
    SETTLED = "settled"  # paid: the credit is in the wallet (`lot_id`)
    CANCELLED = "cancelled"


class TopUpRequest(Base):
    __tablename__ = "top_up_requests"
    __table_args__ = (
        Index("ix_top_up_requests_partner_id_id", "partner_id", "id"),
        Index(  # at most one request waits per partner
            "uq_top_up_requests_one_open",
            "partner_id",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(300))
    requested_by: Mapped[str] = mapped_column(String(10))  # "rule" or "partner"
    created_at: Mapped[datetime] = mapped_column()
    settled_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    lot_id: Mapped[str | None] = mapped_column(String(40))


class NumberSequence(Base):
    """The last number given in a sequence (a top-up invoice's `TU-2026`): one atomic
    upsert per number, so numbers are never given twice and never skipped by a race."""

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    last: Mapped[int] = mapped_column(BigInteger)
