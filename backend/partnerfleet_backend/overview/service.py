"""The partner's overview, from the same services as every other route: credit, level and
next month's, quota, renewals in the next 45 days and what they will charge, licenses that
need attention, under-licensed customers, trials, and how customers see the partner."""

from datetime import timedelta

from partnerfleet_backend.addon import service as addons
from partnerfleet_backend.customer import repository as customers
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.level.outlook import next_run
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.license import repository as licenses
from partnerfleet_backend.license import rightsizing
from partnerfleet_backend.license.terms import renewal_terms
from partnerfleet_backend.models import FLAGGED, License, LicenseStatus, Partner
from partnerfleet_backend.overview import repository
from partnerfleet_backend.overview.schemas import (
    Branding,
    Credit,
    LevelView,
    LicenseLine,
    OverviewRead,
    QuotaView,
    Renewal,
    Renewals,
)
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.quota import service as quota
from partnerfleet_backend.wallet import service as wallet

RENEWAL_DAYS = 45
CREDIT_WARNING_DAYS = 30
QUOTA_MARKS_BP = [8_000, 9_500]


def white_label(ctx: Ctx, partner: Partner) -> bool:
    """White label from the level (Gold, Platinum) or a current white-label add-on."""
    return (
        LEVELS[partner.level].white_label
        or addons.latest_paid(ctx, partner.id, "white-label") is not None
    )


def branding(ctx: Ctx, partner: Partner) -> Branding:
    """Whose name, logo and support contact the partner's customers see."""
    if white_label(ctx, partner):
        return Branding(
            white_label=True,
            name=partner.name,
            logo_url=partner.logo_url,
            has_logo=partners.logo(ctx, partner.id) is not None,
            support_contact=partner.support_contact,
        )
    return Branding(
        white_label=False, name=partner.name, logo_url=None, has_logo=False, support_contact=None
    )


def overview(ctx: Ctx, partner_id: str) -> OverviewRead:
    partner = partners.get(ctx, partner_id)
    credit = wallet.view(ctx, partner_id)
    soon = ctx.now + timedelta(days=CREDIT_WARNING_DAYS)
    outlook = next_run(ctx, partner_id)
    run_rate = outlook.standing.run_rate_cents
    state = quota.current(ctx.session, partner_id, ctx.now)
    ending = repository.ending_by(
        ctx.session, partner_id, ctx.now, ctx.now + timedelta(days=RENEWAL_DAYS)
    )
    attention = repository.with_status(ctx.session, partner_id, list(FLAGGED))
    trials = repository.with_status(ctx.session, partner_id, [LicenseStatus.TRIAL])
    short = licenses.under_licensed(ctx.session, partner_id)
    labels = customers.customer_labels(
        ctx.session, {lic.customer_id for lic in (*ending, *attention, *trials, *short)}
    )

    def line(lic: License) -> LicenseLine:
        return LicenseLine(**_line(lic, labels))

    saved = rightsizing.savings(ctx, ending)
    renewals = [
        _renewal(ctx, lic, labels).model_copy(update={"rightsizing": saved.get(lic.id)})
        for lic in ending
    ]
    return OverviewRead(
        partner_id=partner_id,
        name=partner.name,
        as_of=ctx.now,
        credit=Credit(
            **credit.model_dump(),
            expiring_within_30_days_cents=sum(
                lot.remaining_cents for lot in credit.lots if lot.expires_at <= soon
            ),
        ),
        level=LevelView(
            current=partner.level,
            benefits=LEVELS[partner.level].benefits(),
            monthly_run_rate_cents=run_rate,
            next_month=outlook.decision.level.name,
            next_month_reasons=list(outlook.decision.reasons),
            orders_last_6_months=outlook.standing.orders,
            trainings=sorted(outlook.standing.trainings),
        ),
        quota=QuotaView(
            **quota.view(state).model_dump(),
            used_bp=min(state.used * 10_000 // state.limit, 10_000) if state.limit else 10_000,
            warn_at_bp=QUOTA_MARKS_BP,
        ),
        renewals=Renewals(
            within_days=RENEWAL_DAYS,
            cost_cents=sum(r.renewal_cents for r in renewals),
            items=renewals,
        ),
        attention=[line(lic) for lic in attention],
        under_licensed=[line(lic) for lic in short],
        trials=[line(lic) for lic in trials],
        branding=branding(ctx, partner),
        manager=partner.manager if LEVELS[partner.level].personal_manager else None,
    )


def _line(lic: License, labels: dict[str, str]) -> dict[str, object]:
    return {
        "license_id": lic.id,
        "customer_id": lic.customer_id,
        "customer_label": labels.get(lic.customer_id, lic.customer_id),
        "product": lic.product,
        "edition": lic.edition,
        "seats": lic.seats,
        "used_seats": lic.used_seats,
        "status": lic.status,
        "ends_at": lic.ends_at,
        "reference": lic.reference,
    }


def _renewal(ctx: Ctx, lic: License, labels: dict[str, str]) -> Renewal:
    terms = renewal_terms(ctx, lic)
    return Renewal(
        **_line(lic, labels),
        auto_renew=lic.auto_renew,
        renewal_cents=terms.price_cents if lic.auto_renew else 0,
        next_seats=terms.seats,
        next_edition=terms.edition,
        next_term_months=terms.term_months,
    )
