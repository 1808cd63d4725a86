"""Periodic jobs. This release runs credit expiry; the calendar rules come with their own issue."""

from datetime import datetime
from typing import Any

from sqlalchemy import select

from partnerfleet_backend.context import Ctx
from partnerfleet_backend.models import CreditLot
from partnerfleet_backend.wallet import service as wallet


def run_due_jobs(ctx: Ctx, at: datetime | None = None) -> dict[str, Any]:
    """Run what is due at `at` (default: now) and say what was done."""
    if at is not None:
        ctx.now = at
    due_partners = ctx.session.scalars(
        select(CreditLot.partner_id)
        .where(CreditLot.remaining_cents > 0, CreditLot.expires_at <= ctx.now)
        .distinct()
    ).all()
    expired = 0
    for partner_id in due_partners:
        expired += len(wallet.expire_due_credit(ctx, partner_id))
    return {"ran_at": ctx.now, "credit_lots_expired": expired}
