"""How the calendar runs its steps so that no partner's fault stops the others.

Each step runs in transactions of its own, never in one with the other steps. A step over
many partners at once (`Batch`: renewals, trials, add-ons, levels...) first runs for every
partner in one transaction; when that fails, it runs again partner by partner, each in its
own transaction, so that only the partners whose work fails are left out. Such a failure is
recorded (`calendar_failures`: the step, the partner, the error, how often), logged and
reported in the run's answer; from then on the step's runs for everyone skip that partner,
and the partner is retried alone, with a growing pause, until its work succeeds (the record
is then removed). A step done item by item (`EachPartner`: the monthly statements) works the
same way, one partner per transaction from the start. A failure of the database itself is no
partner's fault: the step is reported failed and the run goes on with the next one.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from partnerfleet_backend.db.context import Actor, Ctx
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.kit.errors import ServiceUnavailable
from partnerfleet_backend.kit.scope import PartnerScope
from partnerfleet_backend.operations import repository
from partnerfleet_backend.partner.repository import open_partner_ids
from partnerfleet_backend.settings import Settings

T = TypeVar("T")
log = logging.getLogger("partnerfleet.calendar")

FIRST_PAUSE = timedelta(minutes=5)
LONGEST_PAUSE = timedelta(hours=6)


@dataclass(frozen=True)
class CalendarRun:
    """One run of the calendar: its moment (the same for every step), who runs it and the
    run's id; work runs in transactions of its own through `read` and `write`."""

    settings: Settings
    now: datetime
    actor: Actor | None
    request_id: str

    def ctx(self, session: Session) -> Ctx:
        return Ctx(
            session=session,
            now=self.now,
            actor=self.actor,
            request_id=self.request_id,
            settings=self.settings,
        )

    def write(self, work: Callable[[Ctx], T]) -> T:
        return run_in_transaction(lambda s: work(self.ctx(s)), self.settings)

    def read(self, work: Callable[[Ctx], T]) -> T:
        return run_in_transaction(lambda s: work(self.ctx(s)), self.settings, write=False)


@dataclass(frozen=True)
class Batch:
    """A step over every partner's due items in one transaction: `work(ctx, scope)`."""

    name: str
    work: Callable[[Ctx, PartnerScope], Any]


@dataclass(frozen=True)
class EachPartner:
    """A step done partner by partner: `due` names them, `work(run, partner_id)` does one
    (in transactions of its own: it may do slow work, a PDF, between them)."""

    name: str
    due: Callable[[Ctx, PartnerScope], list[str]]
    work: Callable[[CalendarRun, str], Any]


@dataclass(frozen=True)
class Platform:
    """A step of the service's own housekeeping, for no partner in particular."""

    name: str
    work: Callable[[Ctx], Any]


Step = Batch | EachPartner | Platform


@dataclass
class Outcome:
    """What one step did, summed over its transactions, and for whom it failed."""

    done: Any = None
    failed: list[dict[str, Any]] = field(default_factory=list)

    def add(self, result: Any) -> None:
        if self.done is None:
            self.done = result
        elif isinstance(result, dict):
            for key, value in result.items():
                self.done[key] = self.done.get(key, 0) + value
        else:
            self.done += result


def run_steps(run: CalendarRun, steps: Iterable[Step]) -> dict[str, Any]:
    """Every step in order; the answer holds what each did and, under `failures`, every
    partner a step failed for in this run."""
    report: dict[str, Any] = {"ran_at": run.now}
    failures: list[dict[str, Any]] = []
    for step in steps:
        outcome = _run_step(run, step)
        report[step.name] = outcome.done if outcome.done is not None else 0
        failures.extend(outcome.failed)
    report["failures"] = failures
    return report


def _run_step(run: CalendarRun, step: Step) -> Outcome:
    outcome = Outcome()
    try:
        if isinstance(step, Platform):
            outcome.add(run.write(step.work))
        else:
            _for_partners(run, step, outcome)
    except ServiceUnavailable as down:  # the database, not a partner: the next run retries
        outcome.failed.append(_report(step.name, None, down, 1))
    except Exception as error:  # the step itself (housekeeping, who is due): next run again
        log.exception("calendar step %s failed", step.name)
        outcome.failed.append(_report(step.name, None, error, 1))
    return outcome


def _for_partners(run: CalendarRun, step: Batch | EachPartner, outcome: Outcome) -> None:
    """The step for every partner but those it failed for (retried alone when their pause is
    over); a batch that fails is run again partner by partner."""
    failing = run.read(lambda ctx: repository.failing_partners(ctx.session, step.name))
    everyone_else = PartnerScope(skip=frozenset(failing))
    if isinstance(step, EachPartner):
        for partner_id in run.read(lambda ctx: step.due(ctx, everyone_else)):
            _alone(run, step, partner_id, outcome, failed_before=False, due=True)
    else:
        try:
            outcome.add(run.write(lambda ctx: step.work(ctx, everyone_else)))
        except ServiceUnavailable:
            raise
        except Exception:
            log.exception("calendar step %s failed; running it partner by partner", step.name)
            for partner_id in run.read(lambda ctx: open_partner_ids(ctx.session)):
                if partner_id not in failing:
                    _alone(run, step, partner_id, outcome, failed_before=False)
    for partner_id in sorted(pid for pid, at in failing.items() if at <= run.now):
        _alone(run, step, partner_id, outcome, failed_before=True)


def _alone(
    run: CalendarRun,
    step: Batch | EachPartner,
    partner_id: str,
    outcome: Outcome,
    *,
    failed_before: bool,
    due: bool = False,
) -> None:
    """The step for one partner in a transaction of its own; its failure is recorded."""
    try:
        if isinstance(step, EachPartner):
            due = due or bool(run.read(lambda ctx: step.due(ctx, PartnerScope.one(partner_id))))
            result = step.work(run, partner_id) if due else None
        else:
            result = run.write(lambda ctx: step.work(ctx, PartnerScope.one(partner_id)))
    except ServiceUnavailable:
        raise
    except Exception as error:
        log.exception("calendar step %s failed for partner %s", step.name, partner_id)
        text = _error_text(error)

        def record(ctx: Ctx) -> int:
            attempts = repository.record_failure(
                ctx.session, step.name, partner_id, text, run.now, FIRST_PAUSE
            )
            if attempts > 1:  # a longer pause each time, up to six hours
                pause = min(FIRST_PAUSE * 2 ** (attempts - 1), LONGEST_PAUSE)
                repository.set_retry(ctx.session, step.name, partner_id, run.now + pause)
            return attempts

        attempts = run.write(record)
        outcome.failed.append(_report(step.name, partner_id, error, attempts))
        return
    if result is not None:
        outcome.add(result)
    if failed_before:
        run.write(lambda ctx: repository.clear_failure(ctx.session, step.name, partner_id))
        log.warning("calendar step %s works again for partner %s", step.name, partner_id)


def _error_text(error: BaseException) -> str:
    """What went wrong, short and without values (the engines hide SQL parameters)."""
    text = f"{type(error).__name__}: {error}".splitlines()[0]
    return text[:300]


def _report(
    step: str, partner_id: str | None, error: BaseException, attempts: int
) -> dict[str, Any]:
    return {
        "step": step,
        "partner_id": partner_id,
        "error": _error_text(error),
        "attempts": attempts,
    }


def open_failures(settings: Settings) -> list[dict[str, Any]]:
    """Every step that is failing for a partner now, for the operator."""

    def work(session: Session) -> list[dict[str, Any]]:
        return [
            {
                "step": f.step,
                "partner_id": f.partner_id,
                "error": f.error,
                "attempts": f.attempts,
                "first_failed_at": f.first_failed_at,
                "last_failed_at": f.last_failed_at,
                "retry_at": f.retry_at,
            }
            for f in repository.failures(session)
        ]

    return run_in_transaction(work, settings, write=False)
