"""Service-wide rows: the catalog document and the test clock."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class CatalogDocument(Base):
    """The catalog as data: products, editions, metrics and prices."""

    __tablename__ = "catalog"

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class RateCounter(Base):
    """Requests of one caller (an address, a license) in one minute, shared by every worker
    and host (see kit.ratelimit)."""

    __tablename__ = "rate_counters"

    bucket: Mapped[str] = mapped_column(String(120), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # unix time // 60
    count: Mapped[int] = mapped_column(default=0)


class TestClock(Base):
    """The shared 'now' of a service started with its test clock."""

    __tablename__ = "test_clock"
    __test__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    now: Mapped[datetime] = mapped_column()


class Delivery(StrEnum):
    """A notification's webhook delivery."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last attempt
    NONE = "none"  # the partner has no webhook


class Notification(Base):
    """A message to a partner: reminders, warnings, flags."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_delivery", "delivery", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(1000))
    data: Mapped[dict[str, Any] | None] = mapped_column()
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column()
    delivery: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))


class CalendarFailure(Base):
    """A calendar step that failed for one partner: recorded, skipped by the step's runs for
    every partner until it is due again, then retried alone (see `scheduler`)."""

    __tablename__ = "calendar_failures"

    step: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    error: Mapped[str] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(default=1)
    first_failed_at: Mapped[datetime] = mapped_column()
    last_failed_at: Mapped[datetime] = mapped_column()
    retry_at: Mapped[datetime] = mapped_column()
