"""The catalog route."""

from fastapi import APIRouter

from partnerfleet_backend.catalog.schemas import CatalogRead
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.pipeline.api import AnyActorApi

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get("/catalog", response_model=CatalogRead)
def get_catalog(api: AnyActorApi) -> CatalogRead:
    """Products, editions, metrics, prices per segment and term (cents per seat and month),
    usage-billed unit prices, and the add-on options."""
    return api.read(lambda ctx: CatalogRead.model_validate(load_catalog(ctx.session).document))
