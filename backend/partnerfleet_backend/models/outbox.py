"""Email waiting to be sent: written in the transaction that causes it, sent by the scheduler
through the configured SMTP server (never from a request), each message once."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class MailState(StrEnum):
    PENDING = "pending"  # to send (or kept: no SMTP server configured)
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


SECRET_MARK = "[[secret]]"  # noqa: S105 (a placeholder, not a secret)


class OutboxMail(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str | None] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column()  # SECRET_MARK where `secret` goes
    # What only the recipient may read (an invitation's link): put into the message when it
    # is sent, and dropped once it is sent or given up on, so no stored body keeps it.
    secret: Mapped[str | None] = mapped_column(String(2000), info={"secret": True})
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=MailState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
