"""The charge's debit and lot read in one statement (PostgreSQL): a lot a top-up makes while the
debit waits for the wallet's lock is not in that statement's snapshot, so the lots are read
again; a lot another charge lowered meanwhile is read as it is now."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from partnerfleet_backend.database import open_session, session_scope
from partnerfleet_backend.models import CreditLot
from partnerfleet_backend.settings import Settings
from partnerfleet_backend.wallet import repository as wallets
from partnerfleet_backend.wallet.repository import LotToDraw
from tests.conftest import DB_KIND
from tests.support.api import Caller, make_partner

pytestmark = pytest.mark.skipif(
    DB_KIND != "postgresql", reason="one statement on PostgreSQL only (two on SQLite)"
)


def _charge_while(settings: Settings, partner_id: str, cents: int, other: object) -> list[object]:
    """`debit_and_lots` in a thread while `other` (an open session holding the wallet's lock)
    commits a moment later: what the debit read."""
    seen: list[object] = []

    def charge() -> None:
        try:
            with session_scope(settings) as session:
                seen.append(wallets.debit_and_lots(session, partner_id, cents))
        except Exception as error:  # shown by the test
            seen.append(error)

    worker = threading.Thread(target=charge)
    worker.start()
    time.sleep(0.5)  # the debit is waiting for the wallet's lock now
    assert worker.is_alive(), seen
    other.commit()  # type: ignore[attr-defined]
    other.close()  # type: ignore[attr-defined]
    worker.join(timeout=30)
    return seen


def test_a_lot_topped_up_while_the_debit_waits_is_drawn(
    operator: Caller, settings: Settings
) -> None:
    partner = make_partner(operator, top_up_cents=55_000)
    other = open_session(settings)  # charges 50,000, then tops up 20,000: one transaction
    [old] = wallets.debit_and_lots(other, partner.id, 50_000) or []
    wallets.take_from_lots(other, [(old.id, 50_000)])
    wallets.credit(other, partner.id, 20_000, top_up=True)
    now = datetime(2100, 1, 1, tzinfo=UTC)  # the newest lot, whatever the test clock says
    other.add(
        CreditLot(
            id=f"lot_w_{partner.id[-12:]}",
            partner_id=partner.id,
            amount_cents=20_000,
            remaining_cents=20_000,
            discount_bp=0,
            price_cents=20_000,
            created_at=now,
            expires_at=now + timedelta(days=365),
        )
    )
    other.flush()
    # 20,000 is covered by the balance the debit reads after the wait (25,000), not by the
    # lots its snapshot knows (the old one, at 5,000 now): the lots are read again
    [lots] = _charge_while(settings, partner.id, 20_000, other)
    assert isinstance(lots, list)
    assert [(lot.id, lot.remaining_cents) for lot in lots] == [
        (old.id, 5_000),
        (f"lot_w_{partner.id[-12:]}", 20_000),
    ]


def test_a_lot_lowered_while_the_debit_waits_is_read_as_it_is_now(
    operator: Caller, settings: Settings
) -> None:
    partner = make_partner(operator, top_up_cents=55_000)
    charging = open_session(settings)
    first = wallets.debit_and_lots(charging, partner.id, 30_000)
    assert first is not None
    [lot] = first
    wallets.take_from_lots(charging, [(lot.id, 30_000)])
    charging.flush()
    [seen] = _charge_while(settings, partner.id, 10_000, charging)
    assert isinstance(seen, list)
    assert [(x.id, x.remaining_cents) for x in seen if isinstance(x, LotToDraw)] == [
        (lot.id, 25_000)  # 55,000 less the other charge's 30,000, not the 55,000 of before
    ]
