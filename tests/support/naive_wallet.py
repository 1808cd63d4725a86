"""The canary: a wallet debit written the naive way (read, then write). The storm must catch it.

Served only by the storm test, never part of the product.
"""

import os

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["NAIVE_DATABASE_URL"])
app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/reset")
def reset(body: dict[str, int]) -> dict[str, int]:
    with engine.begin() as c:
        c.execute(
            text(
                "CREATE TABLE IF NOT EXISTS naive_wallet (id INTEGER PRIMARY KEY, "
                "balance BIGINT NOT NULL)"
            )
        )
        c.execute(text("CREATE TABLE IF NOT EXISTS naive_ledger (amount BIGINT NOT NULL)"))
        c.execute(text("DELETE FROM naive_wallet"))
        c.execute(text("DELETE FROM naive_ledger"))
        c.execute(text("INSERT INTO naive_wallet VALUES (1, :b)"), {"b": body["balance"]})
        c.execute(text("INSERT INTO naive_ledger VALUES (:b)"), {"b": body["balance"]})
    return body


@app.post("/charge")
def charge(body: dict[str, int]) -> JSONResponse:
    amount = body["amount"]
    with engine.begin() as c:
        balance = c.execute(text("SELECT balance FROM naive_wallet WHERE id = 1")).scalar_one()
    if balance < amount:
        return JSONResponse({"code": "insufficient_credit"}, status_code=402)
    with engine.begin() as c:
        c.execute(
            text("UPDATE naive_wallet SET balance = :b WHERE id = 1"), {"b": balance - amount}
        )
        c.execute(text("INSERT INTO naive_ledger VALUES (:a)"), {"a": -amount})
    return JSONResponse({"ok": True}, status_code=201)


@app.get("/state")
def state() -> dict[str, int]:
    with engine.begin() as c:
        balance = c.execute(text("SELECT balance FROM naive_wallet WHERE id = 1")).scalar_one()
        total = c.execute(text("SELECT SUM(amount) FROM naive_ledger")).scalar_one()
        rows = c.execute(text("SELECT COUNT(*) FROM naive_ledger WHERE amount < 0")).scalar_one()
    return {"balance": balance, "ledger_sum": total, "charge_rows": rows}
