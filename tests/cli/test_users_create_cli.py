"""`baton users create` for an address that has an account already: the account keeps
its password (whoever made it chose that), and the command says so."""

from __future__ import annotations

from baton.storage.database import connect, write_transaction
from baton.teams import authenticate, create_user
from tests.cli.conftest import Baton

PASSWORD = "correct horse battery staple"


def test_an_existing_account_is_only_given_the_role_and_told_so(bootstrapped: Baton) -> None:
    engine = connect(bootstrapped.database_url)
    with write_transaction(engine) as connection:
        create_user(connection, "ceo@agency.example", "", bootstrapped.clock.now(),
                    password=PASSWORD)  # fmt: skip
    code, out, err = bootstrapped("users", "create", "ceo@agency.example", "--role", "owner",
                                  "--installation-owner")  # fmt: skip
    assert code == 0, err
    assert out == "ceo@agency.example is owner of the workspace default\n"
    assert " ".join(err.split()) == (
        "ceo@agency.example had an account already: it was only given the role; its "
        "password, name and installation ownership stay as they were"
    )
    with engine.connect() as connection:
        kept = authenticate(connection, "ceo@agency.example", PASSWORD)
    engine.dispose()
    assert kept is not None
    assert kept.installation_owner is False
