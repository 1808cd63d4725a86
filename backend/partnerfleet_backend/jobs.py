"""The program's calendar: credit expiry, usage billing, levels, renewals, trials, add-ons,
reminders and under-licensing. Run by `jobs run`, `POST /v1/jobs/run` and the scheduler in
`serve`.

Every job is idempotent per period: a renewal moves the license's end date, a bill is unique
per license and month, a level is stamped with its month, a notification with its dedupe key.
Rows are locked before they change, so two runners at once (two hosts on one PostgreSQL) never
charge, renew or notify twice.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import IntegrityError

from partnerfleet_backend.catalog import load_catalog
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.kit.bulk import update_rows
from partnerfleet_backend.kit.errors import InsufficientCredit
from partnerfleet_backend.kit.timeutil import add_months, period_of, start_of_month
from partnerfleet_backend.models import (
    AddOn,
    CreditLot,
    Customer,
    License,
    Partner,
    UsageBill,
    UsageReport,
)
from partnerfleet_backend.notify import notify, notify_many
from partnerfleet_backend.program import LEVELS, level_for_monthly_usage
from partnerfleet_backend.wallet import service as wallet
from partnerfleet_backend.wallet.service import Charge

REMINDER_DAYS = 45
CREDIT_WARNING_DAYS = 30
LAPSED_REMINDER_DAYS = 7
OVER_LIMIT_DAYS, SUSPEND_DAYS, USAGE_WINDOW_DAYS = 3, 10, 30
RENEWING = ("active", "over_limit", "suspended")


def months_between(start: datetime, end: datetime) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def run_due_jobs(ctx: Ctx, at: datetime | None = None) -> dict[str, Any]:
    """Run what is due at `at` (default: now) and say what was done."""
    if at is not None:
        ctx.now = at
    report: dict[str, Any] = {"ran_at": ctx.now}
    report["credit_lots_expired"] = expire_credit(ctx)
    report["credit_expiry_warnings"] = warn_credit_expiry(ctx)
    report["usage_bills"] = bill_usage(ctx)
    report["licenses"] = renew_licenses(ctx)
    report["trials"] = end_trials(ctx)
    report["addons"] = renew_addons(ctx)
    report["levels_changed"] = recompute_levels(ctx)  # from what is active after renewals
    report["reminders"] = send_reminders(ctx)
    report["usage_flags"] = check_usage_limits(ctx)
    return report


def expire_credit(ctx: Ctx) -> int:
    due = ctx.session.scalars(
        select(CreditLot.partner_id)
        .where(CreditLot.remaining_cents > 0, CreditLot.expires_at <= ctx.now)
        .distinct()
    ).all()
    expired = 0
    for partner_id in due:
        entries = wallet.expire_due_credit(ctx, partner_id)
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


def warn_credit_expiry(ctx: Ctx) -> int:
    lots = ctx.session.scalars(
        select(CreditLot).where(
            CreditLot.remaining_cents > 0,
            CreditLot.expires_at > ctx.now,
            CreditLot.expires_at <= ctx.now + timedelta(days=CREDIT_WARNING_DAYS),
        )
    ).all()
    warned = 0
    for lot in lots:
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


def bill_usage(ctx: Ctx) -> int:
    """On the 1st (or the first run after it): bill last month's peak usage."""
    this_month = start_of_month(ctx.now)
    last_month = add_months(this_month, -1)
    period = period_of(last_month)
    catalog = load_catalog(ctx.session)
    usage_products = [p["product"] for p in catalog.document["products"] if p["billing"] == "usage"]
    billed_already = select(UsageBill.license_id).where(UsageBill.period == period)
    due = ctx.session.scalars(
        select(License).where(
            License.product.in_(usage_products),
            License.status.in_(RENEWING),
            License.managed.is_(True),
            License.starts_at < this_month,
            License.id.not_in(billed_already),
        )
    ).all()
    billed = 0
    for lic in due:
        peak = (
            ctx.session.scalar(
                select(func.max(UsageReport.used)).where(
                    UsageReport.license_id == lic.id,
                    UsageReport.at >= last_month,
                    UsageReport.at < this_month,
                )
            )
            or 0
        )
        units = min(peak, lic.seats) if lic.seats is not None else peak
        amount = units * catalog.unit_cents(lic.product, "business", lic.edition, None)
        try:
            with ctx.session.begin_nested():
                bill = UsageBill(
                    license_id=lic.id,
                    period=period,
                    peak_used=peak,
                    amount_cents=amount,
                    charged=False,
                    created_at=ctx.now,
                )
                ctx.session.add(bill)
                ctx.session.flush()
        except IntegrityError:
            continue  # another runner billed it
        try:
            with ctx.session.begin_nested():
                wallet.charge(
                    ctx,
                    lic.partner_id,
                    amount,
                    Charge(
                        f"{lic.product} {period}: peak {peak}, billed {units}", "license", lic.id
                    ),
                )
            bill.charged = True
            lic.monthly_nominal_cents = amount
        except InsufficientCredit as refused:
            lic.status = "lapsed"
            notify(
                ctx,
                lic.partner_id,
                "license_lapsed",
                f"license {lic.id} lapsed: the usage bill for {period} ({amount} cents) could "
                "not be paid from the credit",
                dedupe_key=f"usage-lapsed:{lic.id}:{period}",
                data={"license_id": lic.id, **refused.extra},
            )
        billed += 1
    return billed


def recompute_levels(ctx: Ctx) -> int:
    """At the start of each month: the level from the monthly nominal usage."""
    period = period_of(ctx.now)
    partners = ctx.session.scalars(
        select(Partner)
        .where(
            Partner.status == "active",
            (Partner.level_period.is_(None)) | (Partner.level_period != period),
        )
        .with_for_update()
    ).all()
    if not partners:
        return 0
    ids = [p.id for p in partners]
    usage: dict[str, int] = defaultdict(int)
    for partner_id, total in ctx.session.execute(
        select(License.partner_id, func.sum(License.monthly_nominal_cents))
        .where(License.partner_id.in_(ids), License.status.in_(RENEWING), License.managed.is_(True))
        .group_by(License.partner_id)
    ):
        usage[partner_id] += int(total or 0)
    for partner_id, total in ctx.session.execute(
        select(AddOn.partner_id, func.sum(AddOn.price_cents))
        .where(AddOn.partner_id.in_(ids), AddOn.status == "active", AddOn.period_end > ctx.now)
        .group_by(AddOn.partner_id)
    ):
        usage[partner_id] += int(total or 0)
    changed = 0
    for partner in partners:
        level = level_for_monthly_usage(usage[partner.id]).name
        if level != partner.level:
            changed += 1
            notify(
                ctx,
                partner.id,
                "level_changed",
                f"your level for {period} is {level} (monthly nominal usage "
                f"{usage[partner.id]} cents)",
                dedupe_key=f"level:{partner.id}:{period}",
                data={
                    "from": partner.level,
                    "to": level,
                    "monthly_nominal_cents": usage[partner.id],
                },
            )
        ctx.session.execute(
            update(Partner)
            .where(Partner.id == partner.id)
            .values(level=level, level_period=period)
            .execution_options(synchronize_session=False)
        )
    return changed


def _lapse(ctx: Ctx, lic: License, why: str, extra: dict[str, Any]) -> None:
    lic.status = "lapsed"
    lic.updated_at = ctx.now
    if lic.managed:
        notify_many(ctx, [_lapse_note(lic.partner_id, lic.id, lic.ends_at, why, extra)])


RENEWAL_COLUMNS = (
    "status",
    "starts_at",
    "ends_at",
    "seats",
    "edition",
    "term_months",
    "seats_next_term",
    "edition_next_term",
    "term_months_next_term",
    "monthly_nominal_cents",
    "term_anchor_at",
)


def renew_licenses(ctx: Ctx) -> dict[str, int]:
    """At a term's end: renew (charged) with the next term's values, or lapse.

    Set-based: the due licenses are locked and read as rows in one statement, the partners'
    wallets together (`wallet.JobCharges`), and the new terms, ledger rows and notifications
    written in bulk; the per-license work is arithmetic in memory.
    """
    done = {"renewed": 0, "lapsed": 0}
    catalog = load_catalog(ctx.session)
    table = cast(Table, License.__table__)
    is_due = (
        table.c.status.in_(RENEWING),
        table.c.term_months.is_not(None),
        table.c.ends_at <= ctx.now,
    )
    rows = ctx.session.execute(
        select(table).where(*is_due).order_by(table.c.partner_id, table.c.id).with_for_update()
    ).mappings()
    state = {row["id"]: dict(row) for row in rows}  # each due license as it is now
    if not state:
        return done
    segments = dict(
        ctx.session.execute(
            select(Customer.id, Customer.segment).where(
                Customer.id.in_(select(table.c.customer_id).where(*is_due))
            )
        ).all()
    )
    by_partner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lic in state.values():
        by_partner[lic["partner_id"]].append(lic)
    charges = wallet.JobCharges(ctx, set(by_partner))
    notes: list[tuple[str, str, str, str, dict[str, Any] | None]] = []
    prices: dict[tuple[str, str, str, int], int] = {}

    def lapse(lic: dict[str, Any], why: str, extra: dict[str, Any]) -> None:
        lic["status"] = "lapsed"
        done["lapsed"] += 1
        if lic["managed"]:
            notes.append(_lapse_note(lic["partner_id"], lic["id"], lic["ends_at"], why, extra))

    for partner_id, pending in by_partner.items():
        while pending:  # a license overdue by several terms renews once per pass
            renewing: list[tuple[dict[str, Any], int, str, int, int]] = []
            for lic in pending:
                if not lic["auto_renew"] or not lic["managed"]:
                    lapse(lic, "its term ended without auto-renew", {})
                    continue
                seats = lic["seats_next_term"] or lic["seats"] or 0
                edition = lic["edition_next_term"] or lic["edition"]
                term = lic["term_months_next_term"] or lic["term_months"]
                price_key = (lic["product"], segments[lic["customer_id"]], edition, term)
                if price_key not in prices:
                    prices[price_key] = catalog.unit_cents(*price_key)
                renewing.append((lic, seats, edition, term, prices[price_key]))
            paid = charges.charge(
                partner_id,
                [
                    (
                        seats * unit * term,
                        Charge(
                            f"renewal: {lic['product']} {edition} x {seats} for {term} months",
                            "license",
                            lic["id"],
                        ),
                    )
                    for lic, seats, edition, term, unit in renewing
                ],
            )
            pending = []
            for (lic, seats, edition, term, unit), ok in zip(renewing, paid, strict=True):
                if not ok:
                    lapse(
                        lic,
                        "not enough credit for the renewal",
                        {"needed_cents": seats * unit * term},
                    )
                    continue
                anchor = lic["term_anchor_at"] or lic["starts_at"]
                ends_at = lic["ends_at"]
                new_end = add_months(anchor, months_between(anchor, ends_at) + term)
                lic.update(
                    starts_at=ends_at,
                    ends_at=new_end,
                    seats=seats,
                    edition=edition,
                    term_months=term,
                    seats_next_term=None,
                    edition_next_term=None,
                    term_months_next_term=None,
                    monthly_nominal_cents=seats * unit,
                    term_anchor_at=anchor,
                )
                notes.append(
                    (
                        partner_id,
                        "license_renewed",
                        f"license {lic['id']} renewed until {new_end.date()}",
                        f"renewed:{lic['id']}:{ends_at}",
                        {"license_id": lic["id"]},
                    )
                )
                done["renewed"] += 1
                if new_end <= ctx.now:
                    pending.append(lic)
    charges.write()
    update_rows(  # every due license changed: renewed or lapsed
        ctx.session,
        table,
        [
            {
                "id": lic["id"],
                **{column: lic[column] for column in RENEWAL_COLUMNS},
                "updated_at": ctx.now,
                "version": lic["version"] + 1,
            }
            for lic in state.values()
        ],
    )
    notify_many(ctx, notes)
    return done


def _lapse_note(
    partner_id: str, license_id: str, ends_at: datetime | None, why: str, extra: dict[str, Any]
) -> tuple[str, str, str, str, dict[str, Any] | None]:
    return (
        partner_id,
        "license_lapsed",
        f"license {license_id} lapsed: {why}",
        f"lapsed:{license_id}:{ends_at}",
        {"license_id": license_id, **extra},
    )


def end_trials(ctx: Ctx) -> dict[str, int]:
    """After 14 days a trial becomes paid (charged now) or lapses."""
    done = {"converted": 0, "lapsed": 0}
    catalog = load_catalog(ctx.session)
    due = ctx.session.scalars(
        select(License)
        .where(License.status == "trial", License.ends_at <= ctx.now)
        .with_for_update()
    ).all()
    for lic in due:
        if not lic.auto_renew or not lic.managed:
            _lapse(ctx, lic, "the trial ended", {})
            done["lapsed"] += 1
            continue
        customer = ctx.session.get(Customer, lic.customer_id)
        assert customer is not None
        usage_billed = catalog.is_usage_billed(lic.product)
        unit = catalog.unit_cents(lic.product, customer.segment, lic.edition, lic.term_months)
        amount = 0 if usage_billed else (lic.seats or 0) * unit * (lic.term_months or 1)
        try:
            with ctx.session.begin_nested():
                wallet.charge(
                    ctx,
                    lic.partner_id,
                    amount,
                    Charge(f"trial converted: {lic.product}", "license", lic.id),
                )
        except InsufficientCredit as refused:
            _lapse(ctx, lic, "not enough credit to convert the trial", refused.extra)
            done["lapsed"] += 1
            continue
        lic.status = "active"
        lic.starts_at = lic.term_anchor_at = ctx.now
        lic.ends_at = None if usage_billed else add_months(ctx.now, lic.term_months or 1)
        lic.monthly_nominal_cents = 0 if usage_billed else (lic.seats or 0) * unit
        lic.updated_at = ctx.now
        notify(
            ctx,
            lic.partner_id,
            "trial_converted",
            f"trial {lic.id} is now a paid license",
            dedupe_key=f"trial:{lic.id}",
            data={"license_id": lic.id},
        )
        done["converted"] += 1
    return done


def renew_addons(ctx: Ctx) -> dict[str, int]:
    """Add-ons renew monthly the same way; cancelled ones end."""
    done = {"renewed": 0, "ended": 0}
    catalog = load_catalog(ctx.session)
    due = ctx.session.scalars(
        select(AddOn)
        .where(AddOn.status.in_(("active", "included", "requested")), AddOn.period_end <= ctx.now)
        .with_for_update()
    ).all()
    for addon in due:
        partner = ctx.session.get(Partner, addon.partner_id)
        assert partner is not None
        while addon.status != "ended" and addon.period_end <= ctx.now:
            if (
                not addon.auto_renew
                or addon.cancelled_at is not None
                or addon.status == "requested"
            ):
                addon.status = "ended"
                done["ended"] += 1
                break
            option = catalog.addon_option(addon.option)
            included = LEVELS[partner.level].includes_option(addon.option)
            price = 0 if included else int(option["price_cents"])
            try:
                with ctx.session.begin_nested():
                    wallet.charge(
                        ctx,
                        addon.partner_id,
                        price,
                        Charge(f"add-on {addon.option}, renewal", "addon", addon.id),
                    )
            except InsufficientCredit as refused:
                addon.status = "ended"
                notify(
                    ctx,
                    addon.partner_id,
                    "addon_ended",
                    f"add-on {addon.option} ended: not enough credit for its renewal",
                    dedupe_key=f"addon-ended:{addon.id}:{addon.period_end}",
                    data={"addon_id": addon.id, **refused.extra},
                )
                done["ended"] += 1
                break
            addon.status = "included" if included else "active"
            addon.price_cents = price
            addon.period_start = addon.period_end
            addon.period_end = add_months(addon.period_end, int(option["months"]))
            addon.updated_at = ctx.now
            done["renewed"] += 1
    return done


def send_reminders(ctx: Ctx) -> int:
    """45 days before a term ends: the customer's contact and the partner; after a lapse, the
    partner again."""
    sent = 0
    ending = ctx.session.execute(
        select(License, Customer)
        .join(Customer, Customer.id == License.customer_id)
        .where(
            License.status.in_(RENEWING),
            License.managed.is_(True),
            License.ends_at > ctx.now,
            License.ends_at <= ctx.now + timedelta(days=REMINDER_DAYS),
        )
    ).all()
    for lic, customer in ending:
        assert lic.ends_at is not None
        end = lic.ends_at.date()
        what = "renews" if lic.auto_renew else "ends"
        sent += notify(
            ctx,
            lic.partner_id,
            "renewal_reminder",
            f"license {lic.id} of {customer.name} {what} on {end}",
            dedupe_key=f"remind45:{lic.id}:{end}",
            data={"license_id": lic.id, "ends_at": lic.ends_at.isoformat()},
        )
        sent += notify(
            ctx,
            lic.partner_id,
            "customer_reminder",
            f"to {customer.contact_email}: your {lic.product} license {what} on {end}",
            dedupe_key=f"remind45-customer:{lic.id}:{end}",
            data={"license_id": lic.id, "to": customer.contact_email},
        )
    lapsed = ctx.session.scalars(
        select(License).where(
            License.status == "lapsed",
            License.managed.is_(True),
            License.ends_at <= ctx.now - timedelta(days=LAPSED_REMINDER_DAYS),
            License.ends_at > ctx.now - timedelta(days=LAPSED_REMINDER_DAYS + 30),
        )
    ).all()
    for lic in lapsed:
        sent += notify(
            ctx,
            lic.partner_id,
            "lapsed_reminder",
            f"license {lic.id} has been lapsed since {lic.ends_at}",
            dedupe_key=f"lapsed-reminder:{lic.id}:{lic.ends_at}",
            data={"license_id": lic.id},
        )
    return sent


def check_usage_limits(ctx: Ctx) -> dict[str, int]:
    """Over its seats on 3+ days in 30: over_limit; on 10+: suspended; raising seats heals."""
    since = ctx.now - timedelta(days=USAGE_WINDOW_DAYS)
    rows = ctx.session.execute(
        select(UsageReport.license_id, UsageReport.at, UsageReport.used)
        .join(License, License.id == UsageReport.license_id)
        .where(
            UsageReport.at > since,
            UsageReport.at <= ctx.now,
            License.status.in_(RENEWING),
            License.seats.is_not(None),
            License.term_months.is_not(None),
        )
    ).all()
    peaks: dict[str, dict[Any, int]] = defaultdict(dict)
    for license_id, at, used in rows:
        day = at.date()
        peaks[license_id][day] = max(peaks[license_id].get(day, 0), used)
    flagged = {"over_limit": 0, "suspended": 0, "cleared": 0}
    candidates = set(peaks) | set(
        ctx.session.scalars(
            select(License.id).where(License.status.in_(("over_limit", "suspended")))
        )
    )
    for license_id in candidates:
        lic = ctx.session.get(License, license_id, with_for_update=True)
        if lic is None or lic.seats is None:
            continue
        days_over = sum(1 for used in peaks.get(license_id, {}).values() if used > lic.seats)
        status = (
            "suspended"
            if days_over >= SUSPEND_DAYS
            else "over_limit"
            if days_over >= OVER_LIMIT_DAYS
            else "active"
        )
        if status == lic.status:
            continue
        lic.status = status
        lic.updated_at = ctx.now
        key = "cleared" if status == "active" else status
        flagged[key] += 1
        if status != "active":
            notify(
                ctx,
                lic.partner_id,
                f"license_{status}",
                f"license {lic.id} used more than its {lic.seats} seats on {days_over} of the "
                f"last {USAGE_WINDOW_DAYS} days; raise its seats to resolve it",
                dedupe_key=f"{status}:{lic.id}:{ctx.now.date()}",
                data={"license_id": lic.id, "days_over": days_over, "seats": lic.seats},
            )
    return flagged
