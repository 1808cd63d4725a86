"""``partnerfleet-backend``: serve, migrate, keys, partners, jobs.

Exit codes: 0 done, 1 refused (the message says why), 2 wrong usage.
"""

import argparse
import json
import os
import sys
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from partnerfleet_backend.accounts import people
from partnerfleet_backend.accounts import service as accounts
from partnerfleet_backend.accounts.repository import user_by_email
from partnerfleet_backend.addon import service as addons
from partnerfleet_backend.addon.schemas import AddOnCreate
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.db.engines import migrate, run_in_transaction
from partnerfleet_backend.keys.schemas import ApiKeyCreate
from partnerfleet_backend.keys.service import (
    create_partner_key,
    issue_key,
    list_partner_keys,
    revoke_partner_key,
)
from partnerfleet_backend.kit.errors import NotFound, ServiceError
from partnerfleet_backend.level import trainings as level_trainings
from partnerfleet_backend.level.schemas import TrainingCreate
from partnerfleet_backend.operations.calendar import open_failures
from partnerfleet_backend.operations.clock import current_time
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partner.repository import count_partners
from partnerfleet_backend.partner.schemas import PartnerCreate
from partnerfleet_backend.scheduler import run_due_jobs
from partnerfleet_backend.settings import Settings, get_settings
from partnerfleet_backend.topup import service as top_ups
from partnerfleet_backend.wallet import service as wallet


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-01T00:00:00Z")
    return moment


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partnerfleet-backend",
        description="The partner-program licensing service. Settings come from PARTNERFLEET_* "
        "environment variables (PARTNERFLEET_DATABASE_URL: SQLite in ./.partnerfleet if unset).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate, then serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument(
        "--test-clock",
        action="store_true",
        help="enable PUT /v1/clock; periodic jobs then run only when asked",
    )
    commands.add_parser("migrate", help="apply the database migrations")
    operator_key = commands.add_parser("operator-key", help="operator keys")
    operator_key.add_subparsers(dest="action", required=True).add_parser(
        "create", help="create an operator key; prints operator_key=..."
    )
    partner = commands.add_parser("partner", help="partner accounts")
    partner_actions = partner.add_subparsers(dest="action", required=True)
    partner_create = partner_actions.add_parser(
        "create", help="create a partner with a write key; prints partner_id=... and api_key=..."
    )
    partner_create.add_argument("--name", required=True)
    partner_create.add_argument(
        "--top-up", type=int, metavar="CENTS", help="nominal credit to add, in cents"
    )
    partner_create.add_argument(
        "--addon",
        action="append",
        default=[],
        metavar="OPTION",
        help="add-on option to buy (repeatable)",
    )
    partner_create.add_argument(
        "--training",
        action="append",
        default=[],
        type=_training,
        metavar="KIND:DATE",
        help="a training taken, e.g. two_day:2026-11-20 (repeatable; see docs/rules.md)",
    )
    top_up = partner_actions.add_parser(
        "top-up", help="add nominal credit to a partner (the payment happens outside)"
    )
    top_up.add_argument("partner_id")
    top_up.add_argument("--cents", type=int, required=True, help="nominal credit, in cents")
    key = partner_actions.add_parser("key", help="make a partner key; prints api_key=... once")
    key.add_argument("partner_id")
    key.add_argument("--scope", choices=("read", "write"), default="read")
    revoke = partner_actions.add_parser("revoke-key", help="revoke a partner key by its id")
    revoke.add_argument("partner_id")
    revoke.add_argument("key_id")
    keys_list = partner_actions.add_parser("keys", help="list a partner's keys (never the keys)")
    keys_list.add_argument("partner_id")
    user = commands.add_parser("user", help="people who sign in to the portal")
    user_actions = user.add_subparsers(dest="action", required=True)
    user_create = user_actions.add_parser(
        "create",
        help="create a user; the password is read from stdin (or PARTNERFLEET_NEW_PASSWORD)",
    )
    user_create.add_argument("--email", required=True)
    user_create.add_argument("--name", default="")
    user_create.add_argument("--kind", choices=("operator", "partner", "customer"), required=True)
    user_create.add_argument("--role", default="admin", help="admin, billing, read_only, guest")
    user_create.add_argument("--partner-id")
    user_create.add_argument("--customer-id")
    for action, what in PEOPLE_HELP.items():
        managed = user_actions.add_parser(action, help=what)
        managed.add_argument("--email", required=True)
        if action == "role":
            managed.add_argument("--role", required=True, help="admin, billing, read_only, guest")
    jobs = commands.add_parser("jobs", help="periodic jobs")
    jobs_actions = jobs.add_subparsers(dest="action", required=True)
    jobs_run = jobs_actions.add_parser("run", help="run the jobs due now (or at --at)")
    jobs_run.add_argument("--at", type=_parse_time, help="RFC 3339 time to run the jobs for")
    jobs_actions.add_parser(
        "failures", help="calendar steps failing for a partner now (skipped for it, retried)"
    )
    return parser


# What the commands do, as functions (each its own transaction, audited as the CLI).
def _ctx(session: Session, settings: Settings, run: str = "cli") -> Ctx:
    """A unit of work of the command line (`run="run"`: the calendar), with its own id."""
    return Ctx(
        session=session,
        now=current_time(session, settings),
        actor=None,
        request_id=f"{run}_{uuid.uuid4().hex}",
        settings=settings,
    )


def create_operator_key(settings: Settings) -> str:
    """A new operator key (printed once, stored only as its HMAC)."""

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


def _training(text: str) -> TrainingCreate:
    kind, _, day = text.partition(":")
    try:
        return TrainingCreate.model_validate({"kind": kind, "taken_on": day})
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give half_day or two_day and the day, e.g. two_day:2026-11-20"
        ) from None


def create_partner(
    settings: Settings,
    name: str,
    top_up_cents: int | None,
    options: list[str],
    trainings: tuple[TrainingCreate, ...] | list[TrainingCreate] = (),
) -> tuple[str, str]:
    """A partner with a write key, credit, add-ons and trainings, all or nothing."""

    def work(session: Session) -> tuple[str, str]:
        ctx = _ctx(session, settings)
        partner = partners.create(ctx, PartnerCreate(name=name))
        if top_up_cents:
            top_ups.buy(ctx, partner.id, top_up_cents)
        for option in options:
            addons.buy(ctx, partner, AddOnCreate.model_validate({"option": option}))
        for training in trainings:
            level_trainings.record(ctx, partner.id, training)
        created = create_partner_key(ctx, partner.id, ApiKeyCreate(scope="write"))
        return partner.id, created.key

    return run_in_transaction(work, settings)


def operate(settings: Settings, action: str, partner_id: str, **options: Any) -> str:
    """The operator's commands on an existing partner, audited as the command line; what
    they print."""

    def work(session: Session) -> str:
        ctx = _ctx(session, settings)
        partners.get(ctx, partner_id)
        if action == "top-up":
            lot = top_ups.buy(ctx, partner_id, int(options["cents"]))
            return (
                f"topped_up_cents={lot.amount_cents}\nprice_cents={lot.price_cents}\n"
                f"balance_cents={wallet.balance(ctx, partner_id)}"
            )
        if action == "key":
            created = create_partner_key(
                ctx, partner_id, ApiKeyCreate.model_validate({"scope": options["scope"]})
            )
            return f"key_id={created.id}\nscope={created.scope}\napi_key={created.key}"
        if action == "revoke-key":
            row = revoke_partner_key(ctx, partner_id, str(options["key_id"]))
            return f"revoked={row.id}"
        return "\n".join(
            f"{k.id} {k.prefix}... {k.scope} created {k.created_at:%Y-%m-%d}"
            + (f" revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "")
            for k in list_partner_keys(ctx, partner_id)
        )

    return run_in_transaction(work, settings)


def create_user(settings: Settings, password: str, **fields: Any) -> str:
    """A portal user (a customer user's partner is its org's); its id."""

    def work(session: Session) -> str:
        ctx = _ctx(session, settings)
        if fields.get("customer_id"):
            fields["partner_id"] = customers.partner_of(ctx, str(fields["customer_id"]))
            if fields["partner_id"] is None:
                raise NotFound(f"customer {fields['customer_id']} not found")
        user = accounts.create_user(session, password=password, **fields)
        return user.id

    return run_in_transaction(work, settings)


PEOPLE_HELP = {
    "disable": "disable a person: no sign-in, every session ended",
    "enable": "let a disabled person sign in again",
    "role": "change a person's role",
    "reset-password": "the password stops working; a link to set a new one is mailed",
    "end-sessions": "sign a person out everywhere",
}


def manage_person(settings: Settings, action: str, email: str, role: str | None = None) -> str:
    """The operator's command on a person's account (audited as the command line)."""

    def work(session: Session) -> str:
        ctx = _ctx(session, settings)
        user = user_by_email(session, email.strip().lower())
        if user is None:
            raise NotFound(f"no user with the email {email}")
        by = people.Manager("cli", "operator", "admin", None)
        if action == "role":
            people.change_role(ctx, by, user.id, str(role))
        else:
            {
                "disable": people.disable,
                "enable": people.enable,
                "reset-password": people.reset_password,
                "end-sessions": people.end_sessions,
            }[action](ctx, by, user.id)
        return f"user_id={user.id}\ndone={action}"

    return run_in_transaction(work, settings)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    if args.command == "serve" and args.test_clock:
        os.environ["PARTNERFLEET_TEST_CLOCK"] = "true"
        get_settings.cache_clear()
    settings = get_settings()
    try:
        return _run(args, settings)
    except ServiceError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 1
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        print(f"error: {field}: {first['msg']}", file=sys.stderr)
        return 1


def describe_service(settings: Settings, host: str, port: int, workers: int) -> str:
    """The line `serve` starts with: where it listens, which database (no password), and a
    warning when that database has no partners yet (keys made elsewhere will be refused)."""
    url = make_url(settings.resolved_database_url()).render_as_string(hide_password=True)
    partners = run_in_transaction(count_partners, settings, write=False)
    line = f"partnerfleet-backend: http://{host}:{port} ({workers} workers), database {url}" + (
        ", test clock on" if settings.test_clock else ""
    )
    if partners == 0:
        line += (
            "\npartnerfleet-backend: this database has no partners yet: API keys made with "
            "another database are refused (PARTNERFLEET_DATA_DIR or PARTNERFLEET_DATABASE_URL "
            "picks the database)"
        )
    return line


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        migrate(settings)
        print("migrated")
    elif args.command == "serve":
        from partnerfleet_backend.server import serve

        migrate(settings)
        print(describe_service(settings, args.host, args.port, args.workers), flush=True)
        serve(args.host, args.port, args.workers, settings.jobs_interval_seconds)
        print("partnerfleet-backend: stopped", flush=True)
    elif args.command == "operator-key":
        print(f"operator_key={create_operator_key(settings)}")
    elif args.command == "partner" and args.action == "create":
        partner_id, key = create_partner(
            settings, args.name, args.top_up, args.addon, args.training
        )
        print(f"partner_id={partner_id}")
        print(f"api_key={key}")
    elif args.command == "partner":
        options = {k: v for k, v in vars(args).items() if k in ("cents", "scope", "key_id")}
        print(operate(settings, args.action, args.partner_id, **options))
    elif args.command == "user" and args.action != "create":
        print(manage_person(settings, args.action, args.email, getattr(args, "role", None)))
    elif args.command == "user":
        password = os.environ.get("PARTNERFLEET_NEW_PASSWORD") or sys.stdin.readline().strip()
        user_id = create_user(
            settings,
            password,
            email=args.email,
            name=args.name or args.email,
            kind=args.kind,
            role=args.role,
            partner_id=args.partner_id,
            customer_id=args.customer_id,
        )
        print(f"user_id={user_id}")
    elif args.command == "jobs" and args.action == "failures":
        print(json.dumps(open_failures(settings), default=str, indent=1))
    elif args.command == "jobs":
        from partnerfleet_backend.mail.service import send_due
        from partnerfleet_backend.notification.webhooks import deliver_due

        print(json.dumps(run_due_jobs(settings, args.at), default=str))
        print(json.dumps(deliver_due(settings)))
        print(json.dumps(send_due(settings)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
