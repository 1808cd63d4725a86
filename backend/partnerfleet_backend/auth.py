"""API keys: a recognisable prefix, stored as HMAC-SHA256, checked in constant time."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.errors import Forbidden, Unauthenticated
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.models import ApiKey

OPERATOR_PREFIX = "pfo_"
PARTNER_PREFIX = "pfk_"


@dataclass(frozen=True)
class Actor:
    """Who is calling: an operator key, or a partner's read or write key."""

    key_id: str
    kind: str
    scope: str
    partner_id: str | None

    @property
    def is_operator(self) -> bool:
        return self.kind == "operator"


def hash_key(secret_key: bytes, key: str) -> bytes:
    """The stored form of a key."""
    return hmac.new(secret_key, key.encode(), hashlib.sha256).digest()


def issue_key(
    session: Session,
    secret_key: bytes,
    *,
    kind: str,
    scope: str,
    partner_id: str | None,
    now: datetime,
) -> tuple[ApiKey, str]:
    """Create a key; the plain key is returned once and never stored."""
    prefix = OPERATOR_PREFIX if kind == "operator" else PARTNER_PREFIX
    plain = prefix + secrets.token_urlsafe(32)
    row = ApiKey(
        id=new_id("key"),
        key_hash=hash_key(secret_key, plain),
        prefix=plain[:8],
        kind=kind,
        scope=scope,
        partner_id=partner_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, plain


def authenticate(session: Session, secret_key: bytes, authorization: str | None) -> Actor:
    """The actor behind an ``Authorization: Bearer`` header, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("send an API key as 'Authorization: Bearer <key>'")
    presented = authorization[7:].strip()
    if not presented.startswith((OPERATOR_PREFIX, PARTNER_PREFIX)):
        raise Unauthenticated("the API key is not valid")
    digest = hash_key(secret_key, presented)
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if row is None or not hmac.compare_digest(row.key_hash, digest) or row.revoked_at is not None:
        raise Unauthenticated("the API key is not valid or was revoked")
    return Actor(key_id=row.id, kind=row.kind, scope=row.scope, partner_id=row.partner_id)


def require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise Forbidden("this route needs an operator key")


def require_partner(actor: Actor, *, write: bool) -> str:
    """The partner id of a partner key; 403 for a read key on a change."""
    if actor.is_operator or actor.partner_id is None:
        raise Forbidden("this route needs a partner key")
    if write and actor.scope != "write":
        raise Forbidden("this key is read-only; changes need a key with scope 'write'")
    return actor.partner_id
