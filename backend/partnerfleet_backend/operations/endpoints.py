"""The operator's controls: the test clock and a run of the calendar."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.kit.errors import NotFound, ValidationFailed
from partnerfleet_backend.operations.calendar import open_failures
from partnerfleet_backend.operations.clock import set_test_clock
from partnerfleet_backend.operations.schemas import ClockRead, ClockUpdate, JobsRun
from partnerfleet_backend.pipeline.api import OperatorApi
from partnerfleet_backend.scheduler import run_due_jobs

router = APIRouter(prefix="/v1", tags=["operations"])


@router.put("/clock", response_model=ClockRead)
def put_clock(body: ClockUpdate, api: OperatorApi) -> JSONResponse:
    """Set the test clock (only when the service runs with --test-clock; else 404)."""
    if not api.settings.test_clock:
        raise NotFound("no such route")
    if body.now.tzinfo is None:
        raise ValidationFailed("now must carry a time zone (RFC 3339)", field="now")
    return api.write(lambda ctx: ClockRead(now=set_test_clock(ctx.session, body.now)))


@router.post("/jobs/run")
def run_jobs(api: OperatorApi, body: JobsRun | None = None) -> JSONResponse:
    """Run the periodic jobs that are due now (renewals, reminders, level, credit expiry...).
    `at` (another moment) only with the test clock: run for real, the calendar is now."""
    at = body.at if body else None
    if at is not None and not api.settings.test_clock:
        raise ValidationFailed(
            "at is refused outside the test clock: the calendar runs for now, and running it "
            "for another moment would renew, lapse and expire for real",
            field="at",
        )
    if at is not None and at.tzinfo is None:
        raise ValidationFailed("at must carry a time zone (RFC 3339)", field="at")
    api.settle()  # the run's steps take transactions of their own
    report = run_due_jobs(api.settings, at, actor=api.actor, request_id=api.request_id)
    return api.respond(report)


@router.get("/jobs/failures")
def calendar_failures(api: OperatorApi) -> JSONResponse:
    """The calendar steps failing for a partner now: the error, how often, the next try. A
    failed step is skipped for that partner only; every other partner's is done."""
    api.settle()
    return api.respond({"items": open_failures(api.settings)})
