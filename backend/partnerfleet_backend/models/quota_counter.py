"""API calls a partner made in a calendar month (UTC)."""

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class QuotaCounter(Base):
    __tablename__ = "quota_counters"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    used: Mapped[int] = mapped_column(BigInteger, default=0)
