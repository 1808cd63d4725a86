"""The licenses' calendar: renewals at the end of a term, trial conversions, and reminders.

Idempotent per period: a renewal moves the license's end date, a notification carries its
dedupe key; rows are locked before they change, so two runners never renew twice.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from partnerfleet_backend.audit.service import plain
from partnerfleet_backend.billing.batch import JobBills
from partnerfleet_backend.catalog.pricing import monthly_cents, term_price_cents
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.kit.timeutil import add_months, months_between
from partnerfleet_backend.level import repository as levels
from partnerfleet_backend.license import repository, rightsizing
from partnerfleet_backend.license.terms import next_term
from partnerfleet_backend.models import LicenseStatus, OrderKind
from partnerfleet_backend.notification.service import Note, notify
from partnerfleet_backend.topup import repository as top_ups
from partnerfleet_backend.topup.service import GRACE
from partnerfleet_backend.wallet.batch import JobCharges, rows_by_partner
from partnerfleet_backend.wallet.service import Charge

REMINDER_DAYS = 45
LAPSED_REMINDER_DAYS = 7

# What a renewal's or lapse's audit event shows of the license.
AUDITED = ("status", "ends_at", "seats", "edition", "term_months")

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
    "grace_until",
)


# What a trial's conversion or lapse changes.
TRIAL_COLUMNS = ("status", "starts_at", "term_anchor_at", "ends_at", "monthly_nominal_cents")


def lapse_note(
    partner_id: str, license_id: str, ends_at: datetime | None, why: str, extra: dict[str, Any]
) -> Note:
    """The partner's notice that a license lapsed (once per license and term end)."""
    return (
        partner_id,
        "license_lapsed",
        f"license {license_id} lapsed: {why}",
        f"lapsed:{license_id}:{ends_at}",
        {"license_id": license_id, **extra},
    )


def renewed_until(lic: dict[str, Any], term: int) -> datetime:
    """Where a renewal for `term` months moves a license's end (whole months from its
    anchor, so that terms never drift)."""
    anchor = lic["term_anchor_at"] or lic["starts_at"]
    return add_months(anchor, months_between(anchor, lic["ends_at"]) + term)


class _Grace:
    """A renewal the credit cannot pay, of a partner with a top-up rule, waits for the top-up
    up to 7 days after the term's end (the partner is told once) before it lapses."""

    def __init__(self, ctx: Ctx, partner_ids: list[str], notes: list[Note]) -> None:
        self.ctx, self.notes = ctx, notes
        self.with_rule = set(top_ups.with_rules(ctx.session, partner_ids))
        self.waiting: set[str] = set()

    def wait_or(
        self,
        lapse: Callable[[dict[str, Any], str, dict[str, Any]], None],
        lic: dict[str, Any],
        needed: int,
    ) -> None:
        """`lic` waits (its partner has a rule, the grace is not over), or it lapses."""
        until = lic["grace_until"] or lic["ends_at"] + GRACE
        if lic["partner_id"] not in self.with_rule or self.ctx.now >= until:
            lapse(lic, "not enough credit for the renewal", {"needed_cents": needed})
            return
        self.waiting.add(lic["id"])
        if lic["grace_until"] is None:
            lic["grace_until"] = until
            self.notes.append(
                (
                    lic["partner_id"],
                    "renewal_waiting",
                    f"license {lic['id']} waits for credit to renew ({needed} cents) until "
                    f"{until.date()}, then lapses: a top-up is requested",
                    f"waiting:{lic['id']}:{lic['ends_at']}",
                    {"license_id": lic["id"], "needed_cents": needed, "until": until.isoformat()},
                )
            )

    def action(self, lic: dict[str, Any]) -> str:
        """The renewal run's audit action for `lic`."""
        if lic["status"] == LicenseStatus.LAPSED.value:
            return "license.lapsed"
        return "license.renewal_waiting" if lic["id"] in self.waiting else "license.renewed"


def renew_licenses(ctx: Ctx, scope: PartnerScope = EVERY) -> dict[str, int]:
    """At a term's end: renew (charged) with the next term's values, or lapse.

    Set-based: the due licenses are locked and read as rows in one statement, the partners'
    wallets together (`JobCharges`), and the new terms, ledger rows and notifications written
    in bulk; the per-license work is arithmetic in memory.
    """
    done = {"renewed": 0, "lapsed": 0}
    due = repository.lock_due_for_renewal(ctx.session, ctx.now, scope)
    state = {row["id"]: row for row in due}
    if not state:
        return done
    before = {lic_id: plain({k: row[k] for k in AUDITED}) for lic_id, row in state.items()}
    catalog = load_catalog(ctx.session)
    segments = repository.segments_of(
        ctx.session, sorted({lic["customer_id"] for lic in state.values()})
    )
    by_partner = rows_by_partner(state.values())
    charges = JobCharges(ctx, set(by_partner))
    bills = JobBills(ctx, charges, {lic["customer_id"] for lic in state.values()})
    notes: list[Note] = []
    prices: dict[tuple[str, str, str, int], int] = {}
    grace = _Grace(ctx, list(by_partner), notes)

    def lapse_row(lic: dict[str, Any], why: str, extra: dict[str, Any]) -> None:
        lic["status"] = LicenseStatus.LAPSED.value
        done["lapsed"] += 1
        if lic["managed"]:
            notes.append(lapse_note(lic["partner_id"], lic["id"], lic["ends_at"], why, extra))

    for partner_id, pending in by_partner.items():
        while pending:  # a license overdue by several terms renews once per pass
            renewing: list[tuple[dict[str, Any], int, str, int, int]] = []
            for lic in pending:
                if not lic["auto_renew"] or not lic["managed"]:
                    lapse_row(lic, "its term ended without auto-renew", {})
                    continue
                seats, edition, term = next_term(
                    lic["seats"],
                    lic["seats_next_term"],
                    lic["edition"],
                    lic["edition_next_term"],
                    lic["term_months"],
                    lic["term_months_next_term"],
                )
                assert term is not None  # only prepaid terms end
                price_key = (lic["product"], segments[lic["customer_id"]], edition, term)
                if price_key not in prices:
                    prices[price_key] = catalog.unit_cents(*price_key)
                renewing.append((lic, seats, edition, term, prices[price_key]))
            paid = bills.bill(
                partner_id,
                [
                    (
                        lic["customer_id"],
                        term_price_cents(seats, unit, term),
                        Charge(
                            f"renewal: {lic['product']} {edition} x {seats} for {term} months",
                            "license",
                            lic["id"],
                            covers=(lic["ends_at"], renewed_until(lic, term)),
                            units=seats,
                        ),
                    )
                    for lic, seats, edition, term, unit in renewing
                ],
            )
            pending = []
            for (lic, seats, edition, term, unit), ok in zip(renewing, paid, strict=True):
                if not ok:
                    grace.wait_or(lapse_row, lic, term_price_cents(seats, unit, term))
                    continue
                anchor = lic["term_anchor_at"] or lic["starts_at"]
                ends_at = lic["ends_at"]
                new_end = renewed_until(lic, term)
                lic.update(
                    starts_at=ends_at,
                    ends_at=new_end,
                    seats=seats,
                    edition=edition,
                    term_months=term,
                    seats_next_term=None,
                    edition_next_term=None,
                    term_months_next_term=None,
                    monthly_nominal_cents=monthly_cents(seats, unit),
                    term_anchor_at=anchor,
                    grace_until=None,
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
    charges.finish(  # every due license changed: renewed or lapsed
        repository.TABLE,
        state.values(),
        RENEWAL_COLUMNS,
        notes,
        [
            {
                "action": grace.action(lic),
                "object_type": "license",
                "object_id": lic_id,
                "partner_id": lic["partner_id"],
                "before": before[lic_id],
                "after": plain({k: lic[k] for k in AUDITED}),
            }
            for lic_id, lic in state.items()
        ],
    )
    return done


def end_trials(ctx: Ctx, scope: PartnerScope = EVERY) -> dict[str, int]:
    """After 14 days a trial becomes paid (charged now) or lapses.

    Set-based, like the renewals: the due trials are locked and read as rows in one
    statement, their partners' wallets charged together (`JobCharges`), and the licenses,
    ledger rows, notifications and audit events written in bulk.
    """
    done = {"converted": 0, "lapsed": 0}
    state = {row["id"]: row for row in repository.lock_trials_due(ctx.session, ctx.now, scope)}
    if not state:
        return done
    catalog = load_catalog(ctx.session)
    segments = repository.segments_of(
        ctx.session, sorted({lic["customer_id"] for lic in state.values()})
    )
    by_partner = rows_by_partner(state.values())
    charges = JobCharges(ctx, set(by_partner))
    bills = JobBills(ctx, charges, {lic["customer_id"] for lic in state.values()})
    notes: list[Note] = []
    events: list[dict[str, Any]] = []

    def event(lic: dict[str, Any], action: str, **after: Any) -> None:
        events.append(
            {
                "action": action,
                "object_type": "license",
                "object_id": lic["id"],
                "partner_id": lic["partner_id"],
                "before": {"status": lic["status"]},
                "after": after,
            }
        )

    def lapse_row(lic: dict[str, Any], why: str, extra: dict[str, Any]) -> None:
        event(lic, "license.lapsed", status=LicenseStatus.LAPSED.value, why=why)
        lic["status"] = LicenseStatus.LAPSED.value
        if lic["managed"]:
            notes.append(lapse_note(lic["partner_id"], lic["id"], lic["ends_at"], why, extra))
        done["lapsed"] += 1

    for partner_id, trials in by_partner.items():
        converting: list[tuple[dict[str, Any], bool, int, int, int, int]] = []
        for lic in trials:
            if not lic["auto_renew"] or not lic["managed"]:
                lapse_row(lic, "the trial ended", {})
                continue
            usage_billed = catalog.is_usage_billed(lic["product"])
            segment = segments[lic["customer_id"]]
            unit = catalog.unit_cents(lic["product"], segment, lic["edition"], lic["term_months"])
            seats, term = lic["seats"] or 0, lic["term_months"] or 1
            amount = 0 if usage_billed else term_price_cents(seats, unit, term)
            converting.append((lic, usage_billed, unit, seats, term, amount))
        paid = bills.bill(
            partner_id,
            [
                (
                    lic["customer_id"],
                    amount,
                    Charge(
                        f"trial converted: {lic['product']}",
                        "license",
                        lic["id"],
                        covers=(ctx.now, add_months(ctx.now, term)),
                        units=seats,
                    ),
                )
                for lic, *_, amount in converting
            ],
        )
        for (lic, usage_billed, unit, seats, term, amount), ok in zip(
            converting, paid, strict=True
        ):
            if not ok:
                left = {"needed_cents": amount, "available_cents": charges.available(partner_id)}
                lapse_row(lic, "not enough credit to convert the trial", left)
                continue
            active = LicenseStatus.ACTIVE.value
            event(lic, "license.trial_converted", status=active, charged_cents=amount)
            levels.add_order(
                ctx.session, partner_id, OrderKind.TRIAL_CONVERTED, "license", lic["id"], ctx.now
            )
            lic.update(
                status=LicenseStatus.ACTIVE.value,
                starts_at=ctx.now,
                term_anchor_at=ctx.now,
                ends_at=None if usage_billed else add_months(ctx.now, term),
                monthly_nominal_cents=0 if usage_billed else monthly_cents(seats, unit),
            )
            notes.append(
                (
                    partner_id,
                    "trial_converted",
                    f"trial {lic['id']} is now a paid license",
                    f"trial:{lic['id']}",
                    {"license_id": lic["id"]},
                )
            )
            done["converted"] += 1
    # every due trial changed: converted or lapsed
    charges.finish(repository.TABLE, state.values(), TRIAL_COLUMNS, notes, events)
    return done


def send_reminders(ctx: Ctx, scope: PartnerScope = EVERY) -> int:
    """45 days before a term ends: the customer's contact and the partner; after a lapse, the
    partner again."""
    sent = 0
    ending = repository.ending_between(
        ctx.session, ctx.now, ctx.now + timedelta(days=REMINDER_DAYS), scope
    )
    saved = rightsizing.savings(ctx, [lic for lic, _ in ending])
    for lic, customer in ending:
        assert lic.ends_at is not None
        end = lic.ends_at.date()
        what = "renews" if lic.auto_renew else "ends"
        saving = saved.get(lic.id)
        sent += notify(
            ctx,
            lic.partner_id,
            "renewal_reminder",
            f"license {lic.id} of {customer.name} {what} on {end}"
            + (f"; {saving.said}" if saving else ""),
            dedupe_key=f"remind45:{lic.id}:{end}",
            data={
                "license_id": lic.id,
                "ends_at": lic.ends_at.isoformat(),
                **({"saving_cents": saving.saving_cents} if saving else {}),
            },
        )
        sent += notify(
            ctx,
            lic.partner_id,
            "customer_reminder",
            f"to {customer.contact_email}: your {lic.product} license {what} on {end}",
            dedupe_key=f"remind45-customer:{lic.id}:{end}",
            data={"license_id": lic.id, "to": customer.contact_email},
        )
    for lic in repository.lapsed_between(
        ctx.session,
        ctx.now - timedelta(days=LAPSED_REMINDER_DAYS + 30),
        ctx.now - timedelta(days=LAPSED_REMINDER_DAYS),
        scope,
    ):
        sent += notify(
            ctx,
            lic.partner_id,
            "lapsed_reminder",
            f"license {lic.id} has been lapsed since {lic.ends_at}",
            dedupe_key=f"lapsed-reminder:{lic.id}:{lic.ends_at}",
            data={"license_id": lic.id},
        )
    return sent
