"""Audit events: who changed what, when, with which key and request."""

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, inspect
from sqlalchemy.orm import Session

from partnerfleet_backend.audit import repository
from partnerfleet_backend.db.bulk import insert_rows
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.models import AuditEvent, Base


def snapshot(obj: Base) -> dict[str, Any]:
    """The column values of a row, JSON-ready; secrets (columns marked ``info={"secret":
    True}``: license keys, signing secrets) and key hashes left out."""
    values: dict[str, Any] = {}
    for key in _shown(type(obj)):
        value = getattr(obj, key)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, bytes):
            continue
        values[key] = value
    return values


@cache
def _shown(model: type[Base]) -> tuple[str, ...]:
    """The attributes of `model` an audit event shows (not its secrets)."""
    return tuple(
        attribute.key
        for attribute in inspect(model).column_attrs
        if not any(c.info.get("secret") for c in attribute.columns)
    )


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
    """Append one audit event (one prepared INSERT, right away: the trail has no foreign keys,
    and nothing reads it back in the same unit of work)."""
    repository.append(
        session,
        {
            "id": new_id("evt"),
            "partner_id": partner_id,
            "actor_key_id": actor_key_id,
            "request_id": request_id,
            "client_request_id": client_request_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before": before,
            "after": after,
            "created_at": now,
        },
    )


def record_many(
    session: Session,
    *,
    now: datetime,
    actor_key_id: str | None,
    request_id: str | None,
    client_request_id: str | None,
    events: list[dict[str, Any]],
) -> None:
    """Append many audit events in one statement (the calendar's set-based runs); each event
    has action, object_type, object_id, partner_id, before and after."""
    insert_rows(
        session,
        cast(Table, AuditEvent.__table__),
        [
            {
                "id": new_id("evt"),
                "actor_key_id": actor_key_id,
                "request_id": request_id,
                "client_request_id": client_request_id,
                "created_at": now,
                "before": None,
                **event,
            }
            for event in events
        ],
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
