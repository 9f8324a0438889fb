"""Who single sign-on lets in: the e-mail-domain rules as `BATON_OIDC_ROLES` writes them,
and two first sign-ins of one person at once. (End to end: tests/api/test_oidc.py.)"""

from __future__ import annotations

import secrets
import threading
import time

import pytest
from sqlalchemy import Engine, text

from baton.core.clock import ManualClock
from baton.core.errors import ConfigurationError
from baton.storage.database import write_transaction
from baton.teams import Role, memberships_of
from baton.teams.sso import Admission, DomainRule, Identity, admit, domain_rules
from baton.workspaces import create_workspace


def test_rules_name_a_role_and_a_workspace_which_is_default_unless_said() -> None:
    assert domain_rules(" Example.com=marketer@default , agency.io = analyst,") == (
        DomainRule("example.com", Role.MARKETER, "default"),
        DomainRule("agency.io", Role.ANALYST, "default"),
    )
    assert domain_rules("shop.example=viewer@shop") == (
        DomainRule("shop.example", Role.VIEWER, "shop"),
    )
    assert domain_rules("") == ()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("example.com", "is not `domain=role`"),
        ("=marketer", "is not `domain=role`"),
        ("example.com=", "is not `domain=role`"),
        ("pat@example.com=marketer", "is not `domain=role`"),
        ("example.com=boss", "unknown role 'boss'"),
        ("example.com=viewer,EXAMPLE.com=owner", "names example.com twice"),
    ],
)
def test_a_rule_that_cannot_be_read_stops_single_sign_on(text: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        domain_rules(text)


def test_two_first_sign_ins_at_once_make_one_account(engine: Engine, clock: ManualClock) -> None:
    key, who = f"sso-{secrets.token_hex(4)}", secrets.token_hex(4)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "Single sign-on", clock, key=key)
    rules = (DomainRule("shop.example", Role.MARKETER, key),)
    pat = Identity("https://id.example", f"sub-{who}", f"pat.{who}@shop.example", "Pat")
    answers: list[Admission | Exception] = []

    def second_sign_in() -> None:
        try:
            with write_transaction(engine) as connection:
                answers.append(admit(connection, pat, rules, clock.now(), None))
        except Exception as error:
            answers.append(error)

    second = threading.Thread(target=second_sign_in)
    with write_transaction(engine) as connection:
        first = admit(connection, pat, rules, clock.now(), None)
        second.start()
        _wait_for_a_lock(engine)  # the second has made its account too, and waits
    second.join(timeout=10)

    assert first.workspace_id == workspace_id
    assert answers == [Admission(first.user, None)]
    with engine.connect() as connection:
        assert memberships_of(connection, first.user.id)[0].role is Role.MARKETER


def _wait_for_a_lock(engine: Engine) -> None:
    """Until a transaction waits for a lock another holds, on PostgreSQL. (SQLite's
    writers queue for a lock file before they read anything.)"""
    if engine.dialect.name != "postgresql":
        return
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    while True:
        # A transaction sees one snapshot of pg_stat_activity: a new one for each look.
        with engine.connect() as connection:
            if connection.execute(waiting).scalar_one():
                return
        assert time.monotonic() < deadline, "the second sign-in never waited"
        time.sleep(0.01)
