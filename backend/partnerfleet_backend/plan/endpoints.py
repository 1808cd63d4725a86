"""Plans: what a set of changes would cost, before anything changes."""

from fastapi import APIRouter

from partnerfleet_backend.pipeline.api import PartnerReadApi
from partnerfleet_backend.plan import service
from partnerfleet_backend.plan.schemas import PlanCreate, PlanRead

router = APIRouter(prefix="/v1", tags=["plans"])


@router.post("/plans", response_model=PlanRead)
def create_plan(body: PlanCreate, api: PartnerReadApi) -> PlanRead:
    """Price intended changes (create, update, delete of customers, licenses, add-ons and the
    support level, in the provider's vocabulary) with the very rules the operations run: per
    change the charge now (nominal and net through your lots), when it takes effect, the
    monthly run-rate before and after, what a cancel forfeits, and whether it would be
    refused; per plan the totals, the wallet before and after, the level the new run-rate
    gives, under-licensed licenses and the API calls the `up` will spend. Nothing changes.
    A read key may ask. A plan counts one API call per 100 changes it holds (a plan of 250
    counts 3); one plan of a partner runs at a time (429 `plan_running` for another), and a
    worker runs one plan at a time (503 with Retry-After when busy)."""
    pid = api.partner_id
    with service.one_at_a_time():
        return api.simulate(
            lambda ctx: service.make_plan(ctx, pid, body), calls=service.calls_of(body)
        )
