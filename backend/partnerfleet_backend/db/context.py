"""What a service call needs: the transaction and its unit of work, business 'now', the actor,
the request id; and the audit event, which every change records into the unit."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, inspect
from sqlalchemy.orm import Session

from partnerfleet_backend.db.unit import Unit, unit_of
from partnerfleet_backend.kit.errors import PreconditionFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.models import AuditEvent, Base
from partnerfleet_backend.settings import Settings

AUDIT = cast(Table, AuditEvent.__table__)


def snapshot(obj: Base) -> dict[str, Any]:
    """The column values of a row, JSON-ready; secrets (columns marked ``info={"secret":
    True}``: license keys, signing secrets, password hashes) and binary values left out."""
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


def audit_row(
    *,
    now: datetime,
    actor_key_id: str | None,
    request_id: str | None,
    client_request_id: str | None,
    partner_id: str | None,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    """The one shape of an audit event's row."""
    return {
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
    }


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

    @property
    def unit(self) -> Unit:
        """The rows this unit of work adds, written right before its commit."""
        return unit_of(self.session)

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
        self.unit.add(
            AUDIT,
            audit_row(
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
            ),
        )

    def snapshot(self, obj: Base) -> dict[str, Any] | None:
        """`obj`'s values for an audit event (None where nothing is audited: not worth making)."""
        return snapshot(obj) if self.audited else None

    def audit_many(self, events: list[dict[str, Any]]) -> None:
        """Record many changes of this unit of work (each: action, object_type, object_id,
        partner_id, before, after)."""
        if not self.audited:
            return
        actor = self.actor.key_id if self.actor else None
        self.unit.add_many(
            AUDIT,
            [
                audit_row(
                    now=self.now,
                    actor_key_id=actor,
                    request_id=self.request_id,
                    client_request_id=self.client_request_id,
                    **{"before": None, **event},
                )
                for event in events
            ],
        )

    def check_version(self, current: int) -> None:
        """412 when the caller's If-Match names another version."""
        if self.if_match is not None and self.if_match != current:
            raise PreconditionFailed(
                f"the object is at version {current}, not {self.if_match}; read it again "
                "(pulumi refresh) and retry",
                current_version=current,
            )
