"""The baselines of bench/api.py: a truly bare FastAPI + SQLAlchemy app (no code of the
service: its own plain `create_engine`, no listeners, no pipeline) doing one UPDATE ...
RETURNING of a license, and one SELECT of it in autocommit (as the service's GET runs
statement by statement). Served by gunicorn with uvicorn workers on the same server core as
the service (`Worker`: uvloop and httptools, as `partnerfleet_backend.server.Worker`)."""

import os

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine, text
from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "loop": "uvloop", "http": "httptools"}


URL = os.environ["PARTNERFLEET_DATABASE_URL"]
if URL.startswith("postgresql://"):
    URL = "postgresql+psycopg://" + URL.removeprefix("postgresql://")
engine = create_engine(URL)
reader = engine.execution_options(isolation_level="AUTOCOMMIT")
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
    with reader.connect() as connection:
        row = connection.execute(
            text("SELECT * FROM licenses WHERE id = :id"), {"id": license_id}
        ).one()
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row._mapping.items()}
