"""The program's calendar, in the order it runs. Each step lives in its domain's ``jobs.py``.

Run by `jobs run`, `POST /v1/jobs/run` and the scheduler process of `serve`. Every step is
idempotent per period and locks what it changes, so two runners at once (two hosts on one
PostgreSQL) never charge, renew or notify twice.
"""

from datetime import datetime
from typing import Any

from partnerfleet_backend.addon.jobs import renew_addons
from partnerfleet_backend.kit.ratelimit import purge_shared
from partnerfleet_backend.level.jobs import recompute_levels
from partnerfleet_backend.license.jobs import end_trials, renew_licenses, send_reminders
from partnerfleet_backend.mail.jobs import mail_notifications
from partnerfleet_backend.pipeline.context import Ctx
from partnerfleet_backend.reports.jobs import mail_statements
from partnerfleet_backend.usage.jobs import bill_usage, check_usage_limits
from partnerfleet_backend.wallet.jobs import expire_credit, warn_credit_expiry


def run_due_jobs(ctx: Ctx, at: datetime | None = None) -> dict[str, Any]:
    """Run what is due at `at` (default: now) and say what was done."""
    if at is not None:
        ctx.now = at
    return {
        "ran_at": ctx.now,
        "credit_lots_expired": expire_credit(ctx),
        "credit_expiry_warnings": warn_credit_expiry(ctx),
        "usage_bills": bill_usage(ctx),
        "licenses": renew_licenses(ctx),
        "trials": end_trials(ctx),
        "addons": renew_addons(ctx),
        "levels_changed": recompute_levels(ctx),  # from what is active after renewals
        "reminders": send_reminders(ctx),
        "usage_flags": check_usage_limits(ctx),
        "mail_queued": mail_notifications(ctx),
        "statements_queued": mail_statements(ctx),
        "rate_windows_purged": purge_shared(ctx.session),
    }
