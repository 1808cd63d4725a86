"""What the level run weighs beside the run-rate (SPEC: Levels by purchase behaviour and
training): the partner's orders, one row per order where the operation makes it, and the
trainings the operator records."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class OrderKind(StrEnum):
    """What counts as an order: a purchase the partner decides. Renewals and usage bills are
    not orders."""

    NEW_LICENSE = "new_license"
    TRIAL_CONVERTED = "trial_converted"
    SEAT_INCREASE = "seat_increase"
    EDITION_UPGRADE = "edition_upgrade"
    ADDON = "addon"


class TrainingKind(StrEnum):
    HALF_DAY = "half_day"
    TWO_DAY = "two_day"


class PartnerOrder(Base):
    __tablename__ = "partner_orders"
    __table_args__ = (Index("ix_partner_orders_partner_id_ordered_at", "partner_id", "ordered_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    kind: Mapped[str] = mapped_column(String(20))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(40))
    ordered_at: Mapped[datetime] = mapped_column()


class PartnerTraining(Base):
    __tablename__ = "partner_trainings"
    __table_args__ = (Index("ix_partner_trainings_partner_id", "partner_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    kind: Mapped[str] = mapped_column(String(10))
    taken_on: Mapped[date] = mapped_column()
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column()
