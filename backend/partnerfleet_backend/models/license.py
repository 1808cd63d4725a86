"""A license: one customer org x one product x edition x term x seats."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, ForeignKey, Index, String, and_, case, literal, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class LicenseStatus(StrEnum):
    """Where a license stands. The named sets below are the only lists of statuses."""

    TRIAL = "trial"
    ACTIVE = "active"
    OVER_LIMIT = "over_limit"
    SUSPENDED = "suspended"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"


# Renewed at the end of the term, counted for the level, checked for over-use.
RENEWING = frozenset({LicenseStatus.ACTIVE, LicenseStatus.OVER_LIMIT, LicenseStatus.SUSPENDED})
# Seats and edition may still change.
CHANGEABLE = RENEWING | {LicenseStatus.TRIAL}
# A product accepts the license key.
VALIDATING = frozenset({LicenseStatus.TRIAL, LicenseStatus.ACTIVE, LicenseStatus.OVER_LIMIT})
# Over its seats: flagged by the usage check, healed by raising the seats.
FLAGGED = frozenset({LicenseStatus.OVER_LIMIT, LicenseStatus.SUSPENDED})
# No longer in force.
ENDED = frozenset({LicenseStatus.LAPSED, LicenseStatus.CANCELLED})


class License(Base):
    __tablename__ = "licenses"
    __table_args__ = (
        Index(  # a cancelled license releases its reference
            "uq_licenses_partner_reference",
            "partner_id",
            "reference",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index(
            "uq_licenses_partner_client_reference", "partner_id", "client_reference", unique=True
        ),
        Index(  # one trial per customer org and product
            "uq_licenses_one_trial",
            "customer_id",
            "product",
            unique=True,
            sqlite_where=text("trial"),
            postgresql_where=text("trial"),
        ),
        Index("ix_licenses_partner_id_id", "partner_id", "id"),
        Index("ix_licenses_customer_id", "customer_id"),
        Index("ix_licenses_status_ends_at", "status", "ends_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    product: Mapped[str] = mapped_column(String(30))
    edition: Mapped[str] = mapped_column(String(20))
    edition_next_term: Mapped[str | None] = mapped_column(String(20))
    term_months: Mapped[int | None] = mapped_column()
    term_months_next_term: Mapped[int | None] = mapped_column()
    seats: Mapped[int | None] = mapped_column()
    seats_next_term: Mapped[int | None] = mapped_column()
    used_seats: Mapped[int | None] = mapped_column()
    auto_renew: Mapped[bool] = mapped_column(default=True)
    trial: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20))
    managed: Mapped[bool] = mapped_column(default=True)
    reference: Mapped[str | None] = mapped_column(String(100))
    client_reference: Mapped[str | None] = mapped_column(String(200))
    license_key: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    monthly_nominal_cents: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    term_anchor_at: Mapped[datetime | None] = mapped_column()  # terms end N months after it
    cancelled_at: Mapped[datetime | None] = mapped_column()
    # Suspended by the vendor (the operator) until lifted; the usage check leaves it alone.
    held_at: Mapped[datetime | None] = mapped_column()
    hold_reason: Mapped[str | None] = mapped_column(String(300))
    held_status: Mapped[str | None] = mapped_column(String(20))  # the status to go back to
    # A renewal the credit could not pay waits until then (a top-up rule asked for credit)
    grace_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    # The client's version (ETag, If-Match): changes only with what a client sets.
    version: Mapped[int] = mapped_column(default=1)
    # Every write's (usage, the calendar): the ORM's guard against lost updates.
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}

    @hybrid_property
    def run_rate_cents(self) -> int:
        """The license's part of its partner's monthly run-rate (the level's rule): its monthly
        nominal amount (a prepaid term's price divided by its months; a usage-billed
        license's last bill) while it is managed and in force. One rule, in Python here and
        in SQL below."""
        return self.monthly_nominal_cents if self.managed and self.status in RENEWING else 0

    @run_rate_cents.inplace.expression
    @classmethod
    def _run_rate_cents(cls) -> ColumnElement[int]:
        in_force = and_(cls.managed.is_(True), cls.status.in_(RENEWING))
        return case((in_force, cls.monthly_nominal_cents), else_=literal(0))


class UsageReport(Base):
    """Seats a product reported in use at a moment."""

    __tablename__ = "usage_reports"
    __table_args__ = (Index("ix_usage_reports_license_at", "license_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    license_id: Mapped[str] = mapped_column(ForeignKey("licenses.id"))
    used: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()


class UsageBill(Base):
    """A usage-billed license's bill for one month (at most one per license and month)."""

    __tablename__ = "usage_bills"
    __table_args__ = (Index("uq_usage_bills_license_period", "license_id", "period", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    license_id: Mapped[str] = mapped_column(ForeignKey("licenses.id"))
    period: Mapped[str] = mapped_column(String(7))
    peak_used: Mapped[int] = mapped_column()
    amount_cents: Mapped[int] = mapped_column()
    charged: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()


class LicenseIncrease(Base):
    """A seat increase or edition upgrade charged now, with what the license was before it:
    what undoing it within the grace window restores (SPEC: the grace window)."""

    __tablename__ = "license_increases"
    __table_args__ = (Index("ix_license_increases_license_id", "license_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    license_id: Mapped[str] = mapped_column(ForeignKey("licenses.id"))
    # the charge to the partner's wallet, or the invoice to the customer paying for itself
    entry_id: Mapped[str | None] = mapped_column(String(40))
    invoice_id: Mapped[str | None] = mapped_column(String(40))
    seats: Mapped[int | None] = mapped_column()
    edition: Mapped[str] = mapped_column(String(20))
    seats_next_term: Mapped[int | None] = mapped_column()
    edition_next_term: Mapped[str | None] = mapped_column(String(20))
    made_at: Mapped[datetime] = mapped_column()
