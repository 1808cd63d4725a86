"""Benchmark: the calendar's runs over many items on PostgreSQL: the monthly level run, the
license renewals, the add-on renewals, the trial conversions and the usage billing.

    .venv/bin/python bench/jobs.py [--licenses 100000] [--addons 100000] [--trials 100000]
                                   [--usage 100000] [--partners 1000]

Seeds partners, wallets with credit, customers, licenses whose terms all end now, API-call packs
whose months all end now, trials whose 14 days are over and usage-billed licenses with last
month's reports, then times (1) the level recomputation, (2) the renewal run (charge, ledger,
lots, notifications), (3) the add-on renewal run, (4) the trial conversion run and (5) the
usage billing (the same, with last month's peaks), each against a baseline measured in the same
run on the same rows: one set-based UPDATE of every license, add-on, trial or usage-billed
license (what the database needs at the least to touch each row once). Every cent is checked.
"""

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--licenses", type=int, default=100_000)
    parser.add_argument("--addons", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--usage", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=1_000)
    args = parser.parse_args()

    from tests.support.postgres import running_postgres

    with running_postgres() as url:
        os.environ["PARTNERFLEET_DATABASE_URL"] = url
        return run(url, args.licenses, args.addons, args.trials, args.usage, args.partners)


def run(
    url: str, n_licenses: int, n_addons: int, n_trials: int, n_usage: int, n_partners: int
) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from partnerfleet_backend.addon.jobs import renew_addons
    from partnerfleet_backend.catalog.pricing import addon_price_cents
    from partnerfleet_backend.catalog.service import load_catalog
    from partnerfleet_backend.db.context import Ctx
    from partnerfleet_backend.db.engines import migrate, run_in_transaction
    from partnerfleet_backend.level.jobs import recompute_levels
    from partnerfleet_backend.license.jobs import end_trials, renew_licenses
    from partnerfleet_backend.settings import get_settings
    from partnerfleet_backend.usage.jobs import bill_usage

    settings = get_settings()
    migrate(settings)
    engine = create_engine(url)
    now = datetime(2030, 6, 1, tzinfo=UTC)
    start = now - timedelta(days=365)
    per_partner = n_licenses // n_partners
    t = time.perf_counter()
    with engine.begin() as c:
        c.execute(
            text("""
            INSERT INTO partners (id, name, status, level, level_period, created_at, updated_at,
                                  version)
            SELECT 'ptn_' || g, 'Partner ' || g, 'active', 'silver', '2030-05', :s, :s, 1
            FROM generate_series(1, :n) g"""),
            {"n": n_partners, "s": start},
        )
        c.execute(
            text("""
            INSERT INTO wallets (partner_id, balance_cents, has_topped_up)
            SELECT 'ptn_' || g, 100000000, true FROM generate_series(1, :n) g"""),
            {"n": n_partners},
        )
        c.execute(
            text("""
            INSERT INTO credit_lots (id, partner_id, amount_cents, remaining_cents, discount_bp,
                                     price_cents, created_at, expires_at)
            SELECT 'lot_' || g, 'ptn_' || g, 100000000, 100000000, 5000, 50000000, :s, :e
            FROM generate_series(1, :n) g"""),
            {"n": n_partners, "s": now - timedelta(days=1), "e": now + timedelta(days=300)},
        )
        c.execute(
            text("""
            INSERT INTO ledger_entries (id, partner_id, kind, amount_cents, net_cents,
                                        description, created_at)
            SELECT 'led_' || g, 'ptn_' || g, 'top_up', 100000000, 50000000, 'seed', :s
            FROM generate_series(1, :n) g"""),
            {"n": n_partners, "s": now - timedelta(days=1)},
        )
        c.execute(
            text("""
            INSERT INTO customers (id, partner_id, name, segment, country, contact_email,
                                   support_by, access, status, created_at, updated_at, version)
            SELECT 'cus_' || g, 'ptn_' || g, 'Customer ' || g, 'school', 'DE', 'it@x.example',
                   'partner', 'full', 'active', :s, :s, 1
            FROM generate_series(1, :n) g"""),
            {"n": n_partners, "s": start},
        )
        c.execute(
            text("""
            INSERT INTO licenses (id, partner_id, customer_id, product, edition, term_months,
                                  seats, auto_renew, trial, status, managed, license_key,
                                  monthly_nominal_cents, starts_at, ends_at, term_anchor_at,
                                  created_at, updated_at, version)
            SELECT 'lic_' || g, 'ptn_' || (1 + g % :p), 'cus_' || (1 + g % :p), 'dns-filter',
                   'pro', 12, 10, true, false, 'active', true, 'PF-BENCH-' || g, 180,
                   :s, :e, :s, :s, :s, 1
            FROM generate_series(1, :n) g"""),
            {"n": n_licenses, "p": n_partners, "s": start, "e": now},
        )
        c.execute(
            text("""
            INSERT INTO addons (id, partner_id, option, status, auto_renew, price_cents,
                                period_start, period_end, created_at, updated_at, version,
                                row_version)
            SELECT 'add_' || g, 'ptn_' || (1 + g % :p), 'api-calls-25k', 'active', true, 5500,
                   :s, :e, :s, :s, 1, 1
            FROM generate_series(1, :n) g"""),
            {"n": n_addons, "p": n_partners, "s": now - timedelta(days=31), "e": now},
        )
    seed_seconds = time.perf_counter() - t

    t = time.perf_counter()
    with engine.begin() as c:
        c.execute(text("UPDATE licenses SET updated_at = :n"), {"n": now})
    baseline = time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as c:
        c.execute(text("UPDATE addons SET updated_at = :n"), {"n": now})
    addon_baseline = time.perf_counter() - t

    def timed(job) -> tuple[float, object]:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        result = run_in_transaction(
            lambda s: job(
                Ctx(session=s, now=now, actor=None, request_id="bench", settings=settings)
            ),
            settings,
        )
        return time.perf_counter() - t0, result

    levels_seconds, changed = timed(recompute_levels)
    renew_seconds, renewed = timed(renew_licenses)
    addon_seconds, addons_renewed = timed(renew_addons)
    with engine.begin() as c:  # trials on customers of their own (one trial per org and product)
        c.execute(
            text("""
            INSERT INTO customers (id, partner_id, name, segment, country, contact_email,
                                   support_by, access, status, created_at, updated_at, version)
            SELECT 'cut_' || g, 'ptn_' || (1 + g % :p), 'Trial org ' || g, 'school', 'DE',
                   'it@x.example', 'partner', 'full', 'active', :s, :s, 1
            FROM generate_series(1, :n) g"""),
            {"n": n_trials, "p": n_partners, "s": start},
        )
        c.execute(
            text("""
            INSERT INTO licenses (id, partner_id, customer_id, product, edition, term_months,
                                  seats, auto_renew, trial, status, managed, license_key,
                                  monthly_nominal_cents, starts_at, ends_at, term_anchor_at,
                                  created_at, updated_at, version)
            SELECT 'tri_' || g, 'ptn_' || (1 + g % :p), 'cut_' || g, 'dns-filter', 'pro', 12,
                   10, true, true, 'trial', true, 'PF-TRIAL-' || g, 0, :s, :e, :s, :s, :s, 1
            FROM generate_series(1, :n) g"""),
            {"n": n_trials, "p": n_partners, "s": now - timedelta(days=14), "e": now},
        )
    t = time.perf_counter()
    with engine.begin() as c:
        c.execute(text("UPDATE licenses SET updated_at = :n WHERE trial"), {"n": now})
    trial_baseline = time.perf_counter() - t
    trial_seconds, trials_ended = timed(end_trials)
    with engine.begin() as c:  # usage-billed mail licenses, two reports each last month
        c.execute(
            text("""
            INSERT INTO customers (id, partner_id, name, segment, country, contact_email,
                                   support_by, access, status, created_at, updated_at, version)
            SELECT 'cub_' || g, 'ptn_' || g, 'Business ' || g, 'business', 'DE', 'it@x.example',
                   'partner', 'full', 'active', :s, :s, 1
            FROM generate_series(1, :n) g"""),
            {"n": n_partners, "s": start},
        )
        c.execute(
            text("""
            INSERT INTO licenses (id, partner_id, customer_id, product, edition, auto_renew,
                                  trial, status, managed, license_key, monthly_nominal_cents,
                                  starts_at, term_anchor_at, created_at, updated_at, version)
            SELECT 'use_' || g, 'ptn_' || (1 + g % :p), 'cub_' || (1 + g % :p), 'mail',
                   'standard', true, false, 'active', true, 'PF-USAGE-' || g, 0, :s, :s, :s, :s, 1
            FROM generate_series(1, :n) g"""),
            {"n": n_usage, "p": n_partners, "s": start},
        )
        c.execute(
            text("""
            INSERT INTO usage_reports (license_id, used, at, created_at)
            SELECT 'use_' || g, 5 + d * 5, :m + d * interval '9 days', :m + d * interval '9 days'
            FROM generate_series(1, :n) g, generate_series(0, 1) d"""),
            {"n": n_usage, "m": (now - timedelta(days=31)).replace(tzinfo=None)},
        )
    t = time.perf_counter()
    with engine.begin() as c:
        c.execute(text("UPDATE licenses SET updated_at = :n WHERE product = 'mail'"), {"n": now})
    usage_baseline = time.perf_counter() - t
    usage_seconds, usage_billed = timed(bill_usage)
    print(
        f"licenses: {n_licenses:,} of {n_partners:,} partners ({per_partner} each); "
        f"seeded in {seed_seconds:.1f} s"
    )
    print(f"baseline, one UPDATE of every license:  {baseline:8.2f} s")
    print(
        f"monthly level run:                      {levels_seconds:8.2f} s  "
        f"({levels_seconds / baseline:6.1f} x baseline)  changed: {changed}"
    )
    print(
        f"renewal run (charge, ledger, lots):     {renew_seconds:8.2f} s  "
        f"({renew_seconds / baseline:6.1f} x baseline)  {renewed}"
    )
    print(f"renewals per second: {n_licenses / renew_seconds:,.0f}")
    print(f"add-ons: {n_addons:,}; baseline, one UPDATE of every add-on: {addon_baseline:6.2f} s")
    print(
        f"add-on renewal run (charge, ledger, lots): {addon_seconds:8.2f} s  "
        f"({addon_seconds / addon_baseline:6.1f} x baseline)  {addons_renewed}"
    )
    print(f"add-on renewals per second: {n_addons / addon_seconds:,.0f}")
    print(f"trials: {n_trials:,}; baseline, one UPDATE of every trial:    {trial_baseline:6.2f} s")
    print(
        f"trial conversion run (charge, ledger, lots): {trial_seconds:8.2f} s  "
        f"({trial_seconds / trial_baseline:6.1f} x baseline)  {trials_ended}"
    )
    print(f"trial conversions per second: {n_trials / trial_seconds:,.0f}")
    print(f"usage-billed: {n_usage:,}; baseline, one UPDATE of each:      {usage_baseline:6.2f} s")
    print(
        f"usage billing run (peak, bill, charge, ledger): {usage_seconds:8.2f} s  "
        f"({usage_seconds / usage_baseline:6.1f} x baseline)  billed: {usage_billed}"
    )
    print(f"usage bills per second: {n_usage / usage_seconds:,.0f}")
    with Session(engine) as session:
        mail_unit = load_catalog(session).unit_cents("mail", "business", "standard", None)
    with engine.connect() as c:  # the work was done, and done right
        checks = c.execute(
            text("""
            SELECT (SELECT count(*) FROM licenses WHERE ends_at > :now AND row_version = 2
                    AND NOT trial),
                   (SELECT -sum(amount_cents) FROM ledger_entries
                    WHERE kind = 'charge' AND description LIKE 'renewal%'),
                   (SELECT count(*) FROM notifications WHERE kind = 'license_renewed'),
                   (SELECT count(*) FROM addons WHERE period_end > :now AND row_version = 2
                    AND status = 'active'),
                   (SELECT -sum(amount_cents) FROM ledger_entries
                    WHERE kind = 'charge' AND object_type = 'addon'),
                   (SELECT sum(100000000 - balance_cents) FROM wallets),
                   (SELECT sum(100000000 - remaining_cents) FROM credit_lots),
                   (SELECT count(*) FROM audit_events WHERE action = 'addon.renewed'),
                   (SELECT count(*) FROM licenses WHERE trial AND status = 'active'
                    AND ends_at > :now AND row_version = 2),
                   (SELECT -sum(amount_cents) FROM ledger_entries
                    WHERE kind = 'charge' AND description LIKE 'trial%'),
                   (SELECT count(*) FROM notifications WHERE kind = 'trial_converted'),
                   (SELECT count(*) FROM usage_bills WHERE charged AND peak_used = 10),
                   (SELECT -sum(amount_cents) FROM ledger_entries
                    WHERE kind = 'charge' AND description LIKE 'mail%'),
                   (SELECT count(*) FROM licenses WHERE product = 'mail'
                    AND monthly_nominal_cents = :bill)"""),
            {"now": now.replace(tzinfo=None), "bill": 10 * mail_unit},
        ).one()
    with Session(engine) as session:
        catalog = load_catalog(session)
        unit = catalog.unit_cents("dns-filter", "school", "pro", 12)
        pack = addon_price_cents(catalog, "api-calls-25k", included=False)
    expected = n_licenses * 10 * unit * 12  # 10 seats for 12 months each
    packs = n_addons * pack
    trials = n_trials * 10 * unit * 12
    bills = n_usage * 10 * mail_unit
    spent = expected + packs + trials + bills
    want = (n_licenses, expected, n_licenses, n_addons, packs, spent, spent, n_addons)
    want_more = (n_trials, trials, n_trials, n_usage, bills, n_usage)
    if tuple(checks) != (*want, *want_more):
        raise SystemExit(f"wrong result: {tuple(checks)}, expected {(*want, *want_more)}")
    print(
        f"checked: {n_licenses:,} licenses moved a term, {expected:,} cents charged once; "
        f"{n_addons:,} add-ons moved a month, {packs:,} cents; {n_trials:,} trials converted, "
        f"{trials:,} cents; {n_usage:,} usage bills, {bills:,} cents; wallets = lots"
    )
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
