"""The wallet's calendar: credit past its date expires; credit about to expire is announced."""

from datetime import timedelta

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.notification.service import notify
from partnerfleet_backend.wallet import repository
from partnerfleet_backend.wallet.service import expire_due_credit

CREDIT_WARNING_DAYS = 30


def expire_credit(ctx: Ctx, scope: PartnerScope = EVERY) -> int:
    """One expiry ledger entry per lot past its date; the partner is told."""
    expired = 0
    for partner_id in repository.partners_with_expired_credit(ctx.session, ctx.now, scope=scope):
        entries = expire_due_credit(ctx, partner_id)
        for entry in entries:
            notify(
                ctx,
                partner_id,
                "credit_expired",
                f"{-entry.amount_cents} cents of credit expired",
                dedupe_key=f"expired:{entry.id}",
                data={"amount_cents": -entry.amount_cents},
            )
        expired += len(entries)
    return expired


def warn_credit_expiry(ctx: Ctx, scope: PartnerScope = EVERY) -> int:
    """30 days before credit expires: once per lot and date."""
    warned = 0
    until = ctx.now + timedelta(days=CREDIT_WARNING_DAYS)
    for lot in repository.lots_expiring(ctx.session, ctx.now, until, scope):
        warned += notify(
            ctx,
            lot.partner_id,
            "credit_expiring",
            f"{lot.remaining_cents} cents of credit expire on {lot.expires_at.date()}; a top-up "
            "of any amount before then keeps all of it for another 12 months",
            dedupe_key=f"credit-expiring:{lot.id}:{lot.expires_at.date()}",
            data={
                "lot_id": lot.id,
                "remaining_cents": lot.remaining_cents,
                "expires_at": lot.expires_at.isoformat(),
            },
        )
    return warned
