"""The baseline of bench/api.py: a bare FastAPI + SQLAlchemy endpoint doing one UPDATE ...
RETURNING of a license, with none of the service's work (auth, quota, idempotency, charge,
ledger, audit). Served by gunicorn with uvicorn workers, like the service."""

import os

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from partnerfleet_backend.database import make_engine

engine = make_engine(os.environ["PARTNERFLEET_DATABASE_URL"])
app = FastAPI()


class Seats(BaseModel):
    seats: int


@app.patch("/bare/licenses/{license_id}")
def update_license(license_id: str, body: Seats) -> dict[str, object]:
    with engine.begin() as connection:
        row = connection.execute(
            text(
                "UPDATE licenses SET seats = :seats, version = version + 1 WHERE id = :id "
                "RETURNING id, seats, version"
            ),
            {"seats": body.seats, "id": license_id},
        ).one()
    return dict(row._mapping)
