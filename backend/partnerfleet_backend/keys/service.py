"""API keys: a recognisable prefix, stored as HMAC-SHA256, checked in constant time; who is
calling, and what a key may do."""

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from partnerfleet_backend.db.context import Actor, Ctx
from partnerfleet_backend.keys import repository
from partnerfleet_backend.keys.repository import KeyRow
from partnerfleet_backend.keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from partnerfleet_backend.kit.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.models import ApiKey, PartnerStatus

OPERATOR_PREFIX = "pfo_"
PARTNER_PREFIX = "pfk_"


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


def digest_of(secret_key: bytes, authorization: str | None) -> bytes:
    """The stored form of the key an ``Authorization: Bearer`` header presents, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("send an API key as 'Authorization: Bearer <key>'")
    presented = authorization[7:].strip()
    if not presented.startswith((OPERATOR_PREFIX, PARTNER_PREFIX)):
        raise Unauthenticated("the API key is not valid")
    return hash_key(secret_key, presented)


def actor_from(row: KeyRow | None, digest: bytes) -> Actor:
    """The actor of a key row read by its hash, or 401 (unknown, or revoked)."""
    if row is None or not hmac.compare_digest(row.key_hash, digest) or row.revoked_at is not None:
        raise Unauthenticated("the API key is not valid or was revoked")
    return Actor(
        key_id=row.id,
        kind=row.kind,
        scope=row.scope,
        partner_id=row.partner_id,
        partner_status=row.partner_status,
    )


def actor_of(session: Session, digest: bytes) -> Actor:
    """The actor of the key with this hash, or 401."""
    return actor_from(repository.by_hash_with_partner_status(session, digest), digest)


def authenticate(session: Session, secret_key: bytes, authorization: str | None) -> Actor:
    """The actor behind an ``Authorization: Bearer`` header, or 401."""
    return actor_of(session, digest_of(secret_key, authorization))


def require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise Forbidden("this route needs an operator key")


class PartnerSuspended(Forbidden):
    code = "partner_suspended"


def refuse_changes_when_suspended(partner_status: str | None, *, taking_back: bool) -> None:
    """What a suspended partner may still do, the one rule for the API, the portal and the
    plan: read everything (and ask for plans), be paid into (the operator's top-ups), and take
    things back: cancel licenses and add-ons, end customer relationships, revoke its keys,
    disable its people or sign them out. Everything else is refused with 403
    `partner_suspended`: buying, changing entitlements, making keys, inviting people, and
    changing its profile, webhook, signing secret or logo."""
    if partner_status == PartnerStatus.SUSPENDED and not taking_back:
        raise PartnerSuspended(
            "the account is suspended: reading, cancelling and revoking go on; buying and "
            "changing anything else do not; ask your vendor"
        )


class PartnerAdminOnly(Forbidden):
    code = "partner_admin_only"


def require_partner(actor: Actor, *, write: bool, team: bool = False) -> str:
    """The partner id of a partner key; 403 for a read key on a change, and for a team key on
    a change that is not one customer's (`team`: adding customers, buying, keys, the profile
    are the partner's admins')."""
    if actor.is_operator and not write:
        raise Forbidden(
            "this route needs a partner key; an operator reads a partner's data here with the "
            "header PartnerFleet-Partner-Id"
        )
    if actor.is_operator or actor.partner_id is None:
        raise Forbidden("this route needs a partner key")
    if write and actor.scope == "read":
        raise Forbidden("this key is read-only; changes need a key with scope 'write'")
    if write and actor.scope == "team" and not team:
        raise PartnerAdminOnly(
            "a team key manages the licenses of the customers it names; adding customers, "
            "buying credit or add-ons, keys and the profile need a key of the partner's admins "
            "(scope 'write')"
        )
    return actor.partner_id


def revoke_all(session: Session, partner_id: str, now: datetime) -> None:
    """Revoke every key of a partner (its account closes)."""
    repository.revoke_all(session, partner_id, now)


def create_partner_key(ctx: Ctx, partner_id: str, body: ApiKeyCreate) -> ApiKeyCreated:
    """Issue a partner key (audited without the key itself); a team key names customers of
    this partner (active ones)."""
    if (body.scope == "team") != (body.customer_ids is not None):
        raise ValidationFailed(
            "customer_ids is given with scope 'team' (the customers it manages), and only then",
            field="customer_ids",
        )
    ids = sorted(set(body.customer_ids or [])) or None
    if ids is not None and repository.active_customers(ctx.session, partner_id, ids) != len(ids):
        raise ValidationFailed(
            "customer_ids names a customer org that is not one of yours", field="customer_ids"
        )
    row, plain = issue_key(
        ctx.session,
        ctx.settings.resolved_secret_key(),
        kind="partner",
        scope=body.scope,
        partner_id=partner_id,
        now=ctx.now,
    )
    row.customer_ids, row.label = ids, body.label
    ctx.audit(
        "api_key.created",
        "api_key",
        row.id,
        partner_id=partner_id,
        before=None,
        after={
            "id": row.id,
            "scope": body.scope,
            "prefix": row.prefix,
            "label": body.label,
            "customer_ids": ids,
        },
    )
    return ApiKeyCreated(
        id=row.id, key=plain, scope=body.scope, partner_id=partner_id, customer_ids=ids
    )


def customers_of_team(ctx: Ctx) -> list[str] | None:
    """The customers the calling key manages: None for every customer of the partner (a write
    key), the list a team key names."""
    actor = ctx.actor
    if actor is None or actor.scope != "team":
        return None
    return repository.customer_ids_of(ctx.session, actor.key_id)


def list_partner_keys(ctx: Ctx, partner_id: str) -> list[ApiKeyRead]:
    """A partner's keys without the keys themselves."""
    return [
        ApiKeyRead.model_validate(row, from_attributes=True)
        for row in repository.of_partner(ctx.session, partner_id)
    ]


def revoke_partner_key(ctx: Ctx, partner_id: str, key_id: str) -> ApiKey:
    """Revoke one of the partner's keys (idempotent; audited when it changes): its next
    request gets 401."""
    row = repository.get(ctx.session, key_id)
    if row is None or row.partner_id != partner_id:
        raise NotFound(f"key {key_id} not found")
    if row.revoked_at is None:
        row.revoked_at = ctx.now
        ctx.audit(
            "api_key.revoked",
            "api_key",
            row.id,
            partner_id=partner_id,
            before={"revoked_at": None},
            after={"revoked_at": ctx.now.isoformat()},
        )
    return row
