"""The append-only ledger: top-ups, charges, refunds, expiries, adjustments."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class EntryKind(StrEnum):
    TOP_UP = "top_up"
    CHARGE = "charge"
    REFUND = "refund"
    EXPIRY = "expiry"
    ADJUSTMENT = "adjustment"
    CASHBACK = "cashback"  # credit earned on a customer's paid invoice
    CASHBACK_REVERSAL = "cashback_reversal"  # taken back when that invoice is voided


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_partner_id_id", "partner_id", "id"),
        Index("ix_ledger_entries_object_id", "object_id"),
        Index(  # a charge is refunded at most once (an undo racing another)
            "uq_ledger_entries_refunds_entry_id",
            "refunds_entry_id",
            unique=True,
            sqlite_where=text("refunds_entry_id IS NOT NULL"),
            postgresql_where=text("refunds_entry_id IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    kind: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # nominal, signed
    net_cents: Mapped[int] = mapped_column(BigInteger)  # what it cost or is worth, signed
    description: Mapped[str] = mapped_column(String(500))
    object_type: Mapped[str | None] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(40))
    refunds_entry_id: Mapped[str | None] = mapped_column(String(40))
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    # What a license's charge pays for: the time it covers (a term, what is left of it, a
    # usage month) and how many seats (or usage units); a refund the same, negated. Resale
    # billing spreads the charge over the months it covers (`resale/allocation.py`).
    covers_from: Mapped[datetime | None] = mapped_column()
    covers_to: Mapped[datetime | None] = mapped_column()
    units: Mapped[int | None] = mapped_column(BigInteger)
    # A purchase made again with fewer seats within the grace window keeps the window of the
    # purchase it corrects: the window runs from here (None: from `created_at`).
    window_from: Mapped[datetime | None] = mapped_column()


class LotConsumption(Base):
    """Which lots a ledger entry drew from (charges, expiries) or returned to (refunds)."""

    __tablename__ = "lot_consumptions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("credit_lots.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
