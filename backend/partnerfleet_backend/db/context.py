"""What a service call needs: the transaction, business 'now', the actor, the request id."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from partnerfleet_backend.audit import service as audit
from partnerfleet_backend.kit.errors import PreconditionFailed
from partnerfleet_backend.models import Base
from partnerfleet_backend.settings import Settings


@dataclass(frozen=True)
class Actor:
    """Who is calling: an operator key, or a partner's read or write key."""

    key_id: str
    kind: str
    scope: str
    partner_id: str | None
    partner_status: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.kind == "operator"


@dataclass
class Ctx:
    """One unit of work. Services use it and never commit; the request or job does."""

    session: Session
    now: datetime
    actor: Actor | None
    request_id: str | None
    settings: Settings
    if_match: int | None = None
    client_request_id: str | None = None
    # False in a plan: its transaction is rolled back, so the audit events it would record
    # could never be read (and writing them was a fifth of a plan's time)
    audited: bool = True

    def audit(
        self,
        action: str,
        object_type: str,
        object_id: str,
        *,
        partner_id: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """Record a change made by this unit of work."""
        if not self.audited:
            return
        audit.record(
            self.session,
            now=self.now,
            actor_key_id=self.actor.key_id if self.actor else None,
            request_id=self.request_id,
            client_request_id=self.client_request_id,
            partner_id=partner_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        )

    def snapshot(self, obj: Base) -> dict[str, Any] | None:
        """`obj`'s values for an audit event (None where nothing is audited: not worth making)."""
        return audit.snapshot(obj) if self.audited else None

    def audit_many(self, events: list[dict[str, Any]]) -> None:
        """Record many changes of this unit of work at once (see `audit.record_many`)."""
        if not self.audited:
            return
        audit.record_many(
            self.session,
            now=self.now,
            actor_key_id=self.actor.key_id if self.actor else None,
            request_id=self.request_id,
            client_request_id=self.client_request_id,
            events=events,
        )

    def check_version(self, current: int) -> None:
        """412 when the caller's If-Match names another version."""
        if self.if_match is not None and self.if_match != current:
            raise PreconditionFailed(
                f"the object is at version {current}, not {self.if_match}; read it again "
                "(pulumi refresh) and retry",
                current_version=current,
            )
