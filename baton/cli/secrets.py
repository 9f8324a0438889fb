"""`baton secrets ...`: the key that seals stored secrets (baton/core/sealing.py)."""

from __future__ import annotations

import typer

from baton.channels import reseal_settings
from baton.cli.common import console, errors
from baton.cli.common import settings as load_settings
from baton.core.sealing import key_source, new_key, write_key_file
from baton.destinations.store import reseal_destinations
from baton.sources.registry import reseal_sources
from baton.storage.database import connect, write_transaction
from baton.workspaces.identity_verification import reseal_identity_secrets

secrets_app = typer.Typer(help="The key that seals stored secrets.", no_args_is_help=True)


@secrets_app.command("new-key")
def print_new_key() -> None:
    """Print a new random key, for BATON_SECRET_KEY."""
    console.print(new_key())


@secrets_app.command()
def rotate() -> None:
    """Seal every stored secret under a new key.

    With the key file (BATON_SECRET_KEY unset), a new key is generated and written first
    in var/secret.key, before the older ones; running processes read it when they meet
    it. With BATON_SECRET_KEY, first set it everywhere to the new key followed by the old
    one (`NEW,OLD`), then run this; once it is done the old key may be dropped.
    """
    settings = load_settings()
    source = key_source()
    keys = source.keyring().keys
    if settings.secret_key is None:
        write_key_file(source.key_file, [new_key(), *keys])
    elif len(keys) < 2:
        errors.print(
            "[red]BATON_SECRET_KEY holds one key:[/red] set it to a new key followed by the "
            "current one (`NEW,OLD`; `baton secrets new-key` prints one) and run this again"
        )
        raise typer.Exit(1)
    current = source.keyring(reload=True).current
    engine = connect(settings.database_url)
    with write_transaction(engine) as connection:
        counts = {
            "channel settings": reseal_settings(connection),
            "identity secrets": reseal_identity_secrets(connection),
            "sources": reseal_sources(connection),
            "destinations": reseal_destinations(connection),
        }
    engine.dispose()
    done = ", ".join(f"{count} {what}" for what, count in counts.items())
    console.print(f"Sealed again under key {current}: {done}")
