"""Audit events: who changed what, when, with which key and request."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from partnerfleet_backend.audit import repository
from partnerfleet_backend.db.context import AUDIT, audit_row, snapshot
from partnerfleet_backend.db.unit import unit_of
from partnerfleet_backend.models import AuditEvent, User
from partnerfleet_backend.operations.clock import utcnow

__all__ = ["money_event", "own_account_event", "plain", "record", "snapshot"]


def plain(values: dict[str, Any]) -> dict[str, Any]:
    """Values JSON-ready (times as ISO 8601)."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def record(
    session: Session,
    *,
    now: datetime,
    actor_key_id: str | None,
    request_id: str | None,
    client_request_id: str | None = None,
    partner_id: str | None,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Append one audit event to the session's unit of work (for work without a `Ctx`: a
    person's sign-in)."""
    unit_of(session).add(
        AUDIT,
        audit_row(
            now=now,
            actor_key_id=actor_key_id,
            request_id=request_id,
            client_request_id=client_request_id,
            partner_id=partner_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        ),
    )


def money_event(entry: dict[str, Any]) -> dict[str, Any]:
    """The audit event of a ledger entry: every change of money has one."""
    return {
        "action": f"wallet.{entry['kind']}",
        "object_type": "ledger_entry",
        "object_id": entry["id"],
        "partner_id": entry["partner_id"],
        "after": {
            name: entry[name]
            for name in ("amount_cents", "net_cents", "description", "object_type", "object_id")
        },
    }


def list_events(
    session: Session, partner_id: str, limit: int, cursor: str | None, object_id: str | None
) -> tuple[list[AuditEvent], str | None]:
    """One page of a partner's audit events, oldest first."""
    return repository.events_page(session, partner_id, limit, cursor, object_id)


def own_account_event(
    session: Session,
    user: User,
    action: str,
    request_id: str | None,
    after: dict[str, object],
) -> None:
    """An event of a person's own account (a sign-in, a second factor) in its partner's trail
    (operators': the service's), the person its actor."""
    record(
        session,
        now=utcnow(),
        actor_key_id=user.id,
        request_id=request_id,
        partner_id=user.partner_id,
        action=action,
        object_type="user",
        object_id=user.id,
        before=None,
        after={"email": user.email, **after},
    )
