"""The trainings a partner took, recorded by the operator (SPEC: Levels by purchase behaviour
and training): what the level run counts for Silver (half-day) and Gold or Platinum (two-day);
and the partner's own view of its level."""

from datetime import date, datetime, time

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import NotFound, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.level import repository
from partnerfleet_backend.level.outlook import next_run
from partnerfleet_backend.level.schemas import LevelRead, TrainingCreate, TrainingRead
from partnerfleet_backend.level.service import LEVELS, TRAINING_VALID_MONTHS
from partnerfleet_backend.models import PartnerTraining
from partnerfleet_backend.partner import service as partners


def expires_on(taken_on: date) -> date:
    """The day a training taken on `taken_on` stops counting (24 months on)."""
    return add_months(datetime.combine(taken_on, time()), TRAINING_VALID_MONTHS).date()


def view(row: PartnerTraining) -> TrainingRead:
    return TrainingRead(
        id=row.id,
        partner_id=row.partner_id,
        kind=row.kind,
        taken_on=row.taken_on,
        expires_on=expires_on(row.taken_on),
        recorded_at=row.recorded_at,
    )


def record(ctx: Ctx, partner_id: str, body: TrainingCreate) -> PartnerTraining:
    """Record a training the partner took (operator; audited)."""
    partners.get(ctx, partner_id)
    if body.taken_on > ctx.now.date():
        raise ValidationFailed("a training is recorded once it was taken", field="taken_on")
    row = PartnerTraining(
        id=new_id("trn"),
        partner_id=partner_id,
        kind=body.kind.value,
        taken_on=body.taken_on,
        recorded_by=ctx.actor.key_id if ctx.actor else "system",
        recorded_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(
        "partner.training_recorded",
        "partner_training",
        row.id,
        partner_id=partner_id,
        before=None,
        after={"kind": row.kind, "taken_on": row.taken_on.isoformat()},
    )
    return row


def listed(ctx: Ctx, partner_id: str) -> list[PartnerTraining]:
    partners.get(ctx, partner_id)
    return repository.trainings_of(ctx.session, partner_id)


def remove(ctx: Ctx, partner_id: str, training_id: str) -> PartnerTraining:
    """Take back a training recorded by mistake (operator; audited)."""
    row = ctx.session.get(PartnerTraining, training_id)
    if row is None or row.partner_id != partner_id:
        raise NotFound(f"training {training_id} not found")
    ctx.session.delete(row)
    ctx.audit(
        "partner.training_removed",
        "partner_training",
        row.id,
        partner_id=partner_id,
        before={"kind": row.kind, "taken_on": row.taken_on.isoformat()},
        after=None,
    )
    return row


def level_view(ctx: Ctx, partner_id: str) -> LevelRead:
    """The partner's level now and at the next run, by the run's rule, and why."""
    partner = partners.get(ctx, partner_id)
    outlook = next_run(ctx, partner_id)
    current = LEVELS[partner.level]
    return LevelRead(
        current=partner.level,
        benefits=current.benefits(),
        support_phone=current.support_phone,
        monthly_run_rate_cents=outlook.standing.run_rate_cents,
        run_rate_makes_it=outlook.decision.by_run_rate.name,
        orders_last_6_months=outlook.standing.orders,
        trainings=sorted(outlook.standing.trainings),
        next_month=outlook.decision.level.name,
        next_month_reasons=list(outlook.decision.reasons),
    )
