"""Staff accounts: one per address, even when two requests make it at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select

from baton.core.clock import ManualClock
from baton.core.errors import Conflict, InvalidInput
from baton.storage.database import write_transaction
from baton.storage.tables import users
from baton.teams import create_user


def test_two_sign_ups_at_once_make_one_account_and_a_conflict(
    engine: Engine, clock: ManualClock
) -> None:
    email = f"twice-{clock.now().timestamp()}@example.com"
    outcome: list[BaseException | None] = []
    started = threading.Event()

    def second() -> None:
        started.set()
        try:
            with write_transaction(engine) as connection:
                create_user(connection, email, "second", clock.now())
            outcome.append(None)
        except Conflict as error:
            outcome.append(error)

    with write_transaction(engine) as connection:
        # Passed its own check for an existing account, not yet committed.
        create_user(connection, email, "first", clock.now())
        racer = threading.Thread(target=second)
        racer.start()
        started.wait()
        racer.join(timeout=0.5)  # it waits on this transaction's row or lock
    racer.join(timeout=10)
    (error,) = outcome
    assert isinstance(error, Conflict)
    assert error.field == "email"
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(users).where(users.c.email == email)
        ).scalar_one()
    assert count == 1


@pytest.mark.parametrize("email", ["not an address", "a@", "@example.com"])
def test_an_account_needs_an_address(engine: Engine, clock: ManualClock, email: str) -> None:
    with pytest.raises(InvalidInput, match="not an e-mail address"), write_transaction(engine) as c:
        create_user(c, email, "x", clock.now())
