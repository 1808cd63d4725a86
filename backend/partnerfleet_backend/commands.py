"""What the CLI does, as functions (each its own transaction, audited as the operator)."""

import json
from datetime import datetime

from sqlalchemy.orm import Session

from partnerfleet_backend.addon import service as addons
from partnerfleet_backend.addon.schemas import AddOnCreate
from partnerfleet_backend.auth import issue_key
from partnerfleet_backend.clock import current_time
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.db import run_in_transaction
from partnerfleet_backend.jobs import run_due_jobs
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partner.schemas import PartnerCreate
from partnerfleet_backend.settings import Settings
from partnerfleet_backend.wallet import service as wallet


def _ctx(session: Session, settings: Settings) -> Ctx:
    return Ctx(
        session=session,
        now=current_time(session, settings),
        actor=None,
        request_id="cli",
        settings=settings,
    )


def create_operator_key(settings: Settings) -> str:
    def work(session: Session) -> str:
        ctx = _ctx(session, settings)
        _, plain = issue_key(
            session,
            settings.resolved_secret_key(),
            kind="operator",
            scope="operator",
            partner_id=None,
            now=ctx.now,
        )
        return plain

    return run_in_transaction(work, settings)


def create_partner(
    settings: Settings, name: str, top_up_cents: int | None, options: list[str]
) -> tuple[str, str]:
    """A partner with a write key, credit and add-ons, all or nothing."""

    def work(session: Session) -> tuple[str, str]:
        ctx = _ctx(session, settings)
        partner = partners.create(ctx, PartnerCreate(name=name))
        if top_up_cents:
            wallet.top_up(ctx, partner.id, top_up_cents)
        for option in options:
            addons.buy(ctx, partner.id, AddOnCreate.model_validate({"option": option}))
        created = partners.create_key(ctx, partner.id, "write")
        return partner.id, created.key

    return run_in_transaction(work, settings)


def run_jobs(settings: Settings, at: datetime | None) -> str:
    def work(session: Session) -> str:
        return json.dumps(run_due_jobs(_ctx(session, settings), at=at), default=str)

    return run_in_transaction(work, settings)
