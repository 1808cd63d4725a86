"""The two ways into a partnership (SPEC: Partnerships and who pays): a partner's request for
access to a customer org's configuration, which the customer's admins grant (as asked, or
differently) or decline; and an org with its own account inviting a partner, which the
partner's admins accept or decline."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base

PENDING_ONLY = "status = 'pending'"


class RequestStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"  # an invitation the partner accepted


class AccessRequest(Base):
    __tablename__ = "access_requests"
    __table_args__ = (
        # at most one pending request per org: the database holds it when two race
        Index(
            "uq_access_requests_one_pending",
            "customer_id",
            unique=True,
            sqlite_where=text(PENDING_ONLY),
            postgresql_where=text(PENDING_ONLY),
        ),
        Index("ix_access_requests_customer_id_id", "customer_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    access: Mapped[str] = mapped_column(String(10))  # asked for
    access_products: Mapped[list[str] | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column()  # the last mail to the customer
    sends: Mapped[int] = mapped_column(default=1)
    decided_at: Mapped[datetime | None] = mapped_column()
    # what the customer granted (may differ from what was asked)
    granted_access: Mapped[str | None] = mapped_column(String(10))
    granted_products: Mapped[list[str] | None] = mapped_column()


class PartnerInvitation(Base):
    """An org without a partner (its own people sign in) invites a partner to manage it, with
    the access and the payer it chooses; the partner's admins accept or decline."""

    __tablename__ = "partner_invitations"
    __table_args__ = (
        # at most one pending invitation per org
        Index(
            "uq_partner_invitations_one_pending",
            "customer_id",
            unique=True,
            sqlite_where=text(PENDING_ONLY),
            postgresql_where=text(PENDING_ONLY),
        ),
        Index("ix_partner_invitations_partner_id_status", "partner_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))  # the one invited
    access: Mapped[str] = mapped_column(String(10))
    access_products: Mapped[list[str] | None] = mapped_column()
    payer: Mapped[str] = mapped_column(String(10))
    invited_by: Mapped[str] = mapped_column(String(40))  # the customer's admin (a user id)
    status: Mapped[str] = mapped_column(String(10))  # pending | accepted | declined | withdrawn
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column()
    sends: Mapped[int] = mapped_column(default=1)
    decided_at: Mapped[datetime | None] = mapped_column()
