"""An add-on option bought by a partner, valid one month at a time."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    and_,
    case,
    literal,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class AddOnStatus(StrEnum):
    """Where an add-on stands."""

    ACTIVE = "active"  # bought and paid for the period
    INCLUDED = "included"  # the partner's level gives it: not charged
    REQUESTED = "requested"  # a quote request (data-export-raw), never charged
    ENDED = "ended"


# In its period now (unless its period ended): what "already has this option" means.
CURRENT = frozenset({AddOnStatus.ACTIVE, AddOnStatus.INCLUDED, AddOnStatus.REQUESTED})


# Options held at most once at a time (API-call packs stack); the index below holds it.
SINGLE_OPTIONS = ("premium-support", "white-label", "data-export-raw")
SINGLE_CURRENT = (
    "cancelled_at IS NULL AND status <> 'ended' AND option IN ("
    + ", ".join(f"'{o}'" for o in SINGLE_OPTIONS)
    + ")"
)


class AddOn(Base):
    __tablename__ = "addons"
    __table_args__ = (
        Index("ix_addons_partner_id_id", "partner_id", "id"),
        Index("uq_addons_partner_client_reference", "partner_id", "client_reference", unique=True),
        Index(  # at most one current premium-support, white-label, data-export-raw
            "uq_addons_single_option",
            "partner_id",
            "option",
            unique=True,
            sqlite_where=text(SINGLE_CURRENT),
            postgresql_where=text(SINGLE_CURRENT),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    option: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    auto_renew: Mapped[bool] = mapped_column(default=True)
    price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    period_start: Mapped[datetime] = mapped_column()
    period_end: Mapped[datetime] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    client_reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    # The client's version (ETag, If-Match); row_version guards every write (the calendar's).
    version: Mapped[int] = mapped_column(default=1)
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}

    @hybrid_method
    def run_rate_at(self, now: datetime) -> int:
        """The add-on's part of its partner's monthly run-rate at `now` (the level's rule): its
        price while it is bought and in its period. In Python here and in SQL below."""
        paid = self.status == AddOnStatus.ACTIVE and self.period_end > now
        return self.price_cents if paid else 0

    # (SQLAlchemy's stubs type a hybrid_method's decorator as the function it wraps)
    @run_rate_at.inplace.expression  # type: ignore[attr-defined, untyped-decorator]
    @classmethod
    def _run_rate_at(cls, now: datetime) -> ColumnElement[int]:
        paid = and_(cls.status == AddOnStatus.ACTIVE, cls.period_end > now)
        return case((paid, cls.price_cents), else_=literal(0))
