"""Operator and partner API keys, stored only as an HMAC of the key."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    prefix: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # operator | partner
    scope: Mapped[str] = mapped_column(String(10))  # operator | read | write | team
    # A team key (scope "team"): the customer orgs whose licenses it may manage (staff rights:
    # the partner's admins choose them; a team key adds no customer and buys nothing else).
    customer_ids: Mapped[list[str] | None] = mapped_column()
    label: Mapped[str | None] = mapped_column(String(100))  # whose key: a person, a team
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
