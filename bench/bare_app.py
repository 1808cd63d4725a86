"""The baselines of bench/api.py: bare FastAPI + SQLAlchemy endpoints doing one UPDATE ...
RETURNING of a license, and one SELECT of it, with none of the service's work (auth, quota,
idempotency, charge, ledger, audit). Served by gunicorn with uvicorn workers, like the
service."""

import os

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from partnerfleet_backend.database import make_engine

engine = make_engine(os.environ["PARTNERFLEET_DATABASE_URL"])
# On SQLite the service reads in deferred transactions (BEGIN IMMEDIATE only for writes): so
# does the baseline's read.
reader = make_engine(os.environ["PARTNERFLEET_DATABASE_URL"], immediate=False)
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


@app.get("/bare/licenses/{license_id}")
def read_license(license_id: str) -> dict[str, object]:
    with reader.begin() as connection:
        row = connection.execute(
            text("SELECT * FROM licenses WHERE id = :id"), {"id": license_id}
        ).one()
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row._mapping.items()}
