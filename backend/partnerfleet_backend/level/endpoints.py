"""The partner's level (`GET /v1/level`) and the operator's training records."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.level import trainings
from partnerfleet_backend.level.schemas import LevelRead, TrainingCreate, TrainingRead
from partnerfleet_backend.pipeline.api import OperatorApi, OwnAccountApi

router = APIRouter(prefix="/v1", tags=["level"])


@router.get("/level", response_model=LevelRead)
def get_level(api: OwnAccountApi) -> LevelRead:
    """Your level, its benefits and support line, and the level at the next monthly run with
    what decides it: the run-rate, the orders of the last six months, the trainings."""
    pid = api.partner_id
    return api.read(lambda ctx: trainings.level_view(ctx, pid))


@router.get("/partners/{partner_id}/trainings", response_model=list[TrainingRead])
def list_trainings(partner_id: str, api: OperatorApi) -> list[TrainingRead]:
    """The trainings recorded for a partner (operator)."""
    return api.read(lambda ctx: [trainings.view(t) for t in trainings.listed(ctx, partner_id)])


@router.post("/partners/{partner_id}/trainings", status_code=201, response_model=TrainingRead)
def record_training(partner_id: str, body: TrainingCreate, api: OperatorApi) -> JSONResponse:
    """Record a training the partner took, with its date (operator; valid 24 months)."""
    return api.write(lambda ctx: trainings.view(trainings.record(ctx, partner_id, body)), 201)


@router.delete("/partners/{partner_id}/trainings/{training_id}", response_model=TrainingRead)
def remove_training(partner_id: str, training_id: str, api: OperatorApi) -> JSONResponse:
    """Take back a training recorded by mistake (operator)."""
    return api.write(lambda ctx: trainings.view(trainings.remove(ctx, partner_id, training_id)))
