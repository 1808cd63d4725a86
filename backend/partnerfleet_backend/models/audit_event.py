"""Who changed what: actor key, request id, before and after."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_partner_id_id", "partner_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str | None] = mapped_column(String(40))
    actor_key_id: Mapped[str | None] = mapped_column(String(40))
    request_id: Mapped[str | None] = mapped_column(String(64))  # the service's own id
    client_request_id: Mapped[str | None] = mapped_column(String(64))  # what the client sent
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()

    @property
    def actor(self) -> str:
        """Who acted: an API key, a person signed in to the portal (`actor_key_id` is the
        user's id), the calendar (a run_... id), or the operator's command line."""
        if self.actor_key_id is not None:
            return "user" if self.actor_key_id.startswith("usr_") else "key"
        return "calendar" if (self.request_id or "").startswith("run_") else "cli"
