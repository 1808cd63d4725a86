"""The program's calendar, in the order it runs. Each step lives in its domain's ``jobs.py``;
how a step runs (its own transactions, a partner's failure kept to that partner) is
`operations.calendar`.

Run by `jobs run`, `POST /v1/jobs/run` and the scheduler process of `serve`. Every step is
idempotent per period and locks what it changes, so two runners at once (two hosts on one
PostgreSQL) never charge, renew or notify twice.
"""

import uuid
from datetime import datetime
from typing import Any

from partnerfleet_backend.addon.jobs import renew_addons
from partnerfleet_backend.billing.jobs import chase_invoices
from partnerfleet_backend.db.context import Actor
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.directory.tenders import release as release_tenders
from partnerfleet_backend.kit.ratelimit import purge_shared
from partnerfleet_backend.level.jobs import recompute_levels
from partnerfleet_backend.license.jobs import end_trials, renew_licenses, send_reminders
from partnerfleet_backend.mail.jobs import mail_notifications
from partnerfleet_backend.operations.calendar import (
    Batch,
    CalendarRun,
    EachPartner,
    Platform,
    Step,
    run_steps,
)
from partnerfleet_backend.operations.clock import current_time
from partnerfleet_backend.reports.jobs import mail_statement, statements_due
from partnerfleet_backend.settings import Settings
from partnerfleet_backend.topup.jobs import request_top_ups
from partnerfleet_backend.usage.jobs import bill_usage, check_usage_limits
from partnerfleet_backend.wallet.jobs import expire_credit, warn_credit_expiry

STEPS: tuple[Step, ...] = (
    Batch("credit_lots_expired", expire_credit),
    Batch("credit_expiry_warnings", warn_credit_expiry),
    Batch("usage_bills", bill_usage),
    Batch("top_ups_requested", request_top_ups),  # before renewals it asks the credit for
    Batch("licenses", renew_licenses),
    Batch("trials", end_trials),
    Batch("addons", renew_addons),
    Batch("invoices_chased", chase_invoices),
    Batch("levels_changed", recompute_levels),  # from what is active after renewals
    Batch("reminders", send_reminders),
    Batch("tenders_released", release_tenders),  # to partners without priority, a day on
    Batch("usage_flags", check_usage_limits),
    Batch("mail_queued", mail_notifications),
    EachPartner("statements_queued", statements_due, mail_statement),
    Platform("rate_windows_purged", lambda ctx: purge_shared(ctx.session)),
)


def run_due_jobs(
    settings: Settings,
    at: datetime | None = None,
    *,
    actor: Actor | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Run what is due at `at` (default: now) and say what was done, and for whom a step
    failed (`failures`)."""
    now = at or run_in_transaction(lambda s: current_time(s, settings), settings, write=False)
    run = CalendarRun(settings, now, actor, request_id or f"run_{uuid.uuid4().hex[:16]}")
    return run_steps(run, STEPS)
