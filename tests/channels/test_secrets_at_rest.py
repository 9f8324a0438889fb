"""Provider secrets at rest, on both databases: after every channel is configured through
the API, a byte scan of what the database wrote (SQLite's files; PostgreSQL's table and
the write-ahead log it produced meanwhile) finds none of them; `baton migrate` seals
secrets stored in the clear and `baton secrets rotate` moves them all to a new key."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, insert, select, text, update

from baton.channels import load_settings
from baton.core.sealing import PREFIX, Keyring, key_id
from baton.storage.database import connect, write_transaction
from baton.storage.tables import channel_settings, destinations, sources, workspaces
from tests.api.test_profiles import bearer
from tests.conftest import START, Workspace
from tests.files import file_bytes


def every_channel(mark: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Settings for every channel holding secrets made for this test, and the secrets."""
    made: list[str] = []

    def secret(name: str) -> str:
        made.append(f"{name}-{mark}-{secrets.token_hex(8)}")
        return made[-1]

    settings = {
        "webhook": {"secret": secret("webhook")},
        "email": {"url": f"smtp://news:{secret('smtp-password')}@mail.example.com:587",
                  "sender": "news@acme.example", "links_url": "https://baton.acme.example",
                  "link_secret": secret("link"), "feedback_secret": secret("feedback")},
        "sms": {"account_sid": "AC42", "auth_token": secret("twilio"), "sender": "+15005550006"},
        "push": {"project_id": "acme", "access_token": secret("fcm")},
        "chat": {"bot_token": secret("telegram")},
        "task": {"url": "https://crm.example.com/tasks", "secret": secret("crm")},
    }  # fmt: skip
    return settings, made


def written_bytes(engine: Engine, lsn_before: str | None) -> bytes:
    """What the database wrote that could hold the settings."""
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        return file_bytes(path) + file_bytes(path.with_name(path.name + "-wal"))
    with engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))
        lsn_after = connection.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
        segments = connection.execute(
            text(
                "SELECT DISTINCT pg_walfile_name(CAST(:a AS pg_lsn) + n * 16777216)"
                " FROM generate_series(0, (pg_wal_lsn_diff(:b, :a) / 16777216)::int + 1) AS n"
            ),
            {"a": lsn_before, "b": lsn_after},
        ).scalars()
        read_back: list[str] = [f"pg_wal/{name}" for name in segments]
        table = "SELECT pg_relation_filepath(:t)"
        read_back.append(connection.execute(text(table), {"t": "channel_settings"}).scalar_one())
        found = b""
        for name in read_back:
            # Up to 64 MB of each (a segment is 16 MB); one not written yet reads as NULL.
            read = "SELECT pg_read_binary_file(:f, 0, 67108864, true)"
            found += connection.execute(text(read), {"f": name}).scalar_one() or b""
        return found


def test_a_byte_scan_of_the_database_finds_no_provider_secret(
    engine: Engine, client: httpx.Client, workspace: Workspace
) -> None:
    lsn_before = None
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            lsn_before = connection.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
    settings, made = every_channel("scan")
    admin = bearer(workspace.admin_token)
    for channel, body in settings.items():
        response = client.put(f"/api/v1/channels/{channel}", json=body, headers=admin)
        assert response.status_code == 200, response.text
    with engine.connect() as connection:
        loaded = load_settings(connection, workspace.id)
        stored = connection.execute(
            select(channel_settings.c.settings).where(
                channel_settings.c.workspace_id == workspace.id
            )
        ).scalars()
        values = [str(value) for value in stored]
    scanned = written_bytes(engine, lsn_before)
    assert len(scanned) > 0
    assert [s for s in made if s.encode() in scanned] == []
    assert len(values) == len(settings)
    assert all(PREFIX in value for value in values)
    assert loaded["sms"].auth_token in made  # Baton itself still reads them
    assert loaded["email"].server[3] in made
    listed = client.get("/api/v1/channels", headers=admin).text
    assert [s for s in made if s in listed] == []


def baton(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "BATON_SECRET_KEY"}
    return subprocess.run(
        [sys.executable, "-m", "baton", *args],
        cwd=cwd, env={**environment, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def stored_settings(url: str, workspace_id: str, channel: str) -> dict[str, Any]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        found: dict[str, Any] = connection.execute(
            select(channel_settings.c.settings).where(
                channel_settings.c.workspace_id == workspace_id,
                channel_settings.c.channel == channel,
            )
        ).scalar_one()
    engine.dispose()
    return found


def test_migrate_seals_secrets_stored_in_the_clear_and_rotate_moves_them_to_a_new_key(
    own_database: str, tmp_path: Path
) -> None:
    """Without BATON_SECRET_KEY: `baton migrate` generates var/secret.key (owner only)
    and says so; a secret stored before sealing existed is sealed; `baton secrets rotate`
    puts a new key first in the file and seals everything under it."""
    env = {"BATON_DATABASE_URL": own_database, "BATON_ANALYTICS_PATH": "off"}
    first = baton("migrate", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "generated the key that seals stored secrets" in first.stderr
    key_file = tmp_path / "var" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        workspace_id = connection.execute(text("SELECT id FROM workspaces")).scalar_one()
        connection.execute(
            insert(channel_settings).values(
                workspace_id=workspace_id, channel="chat", settings={"bot_token": "123:in-clear"},
                updated_at=START,
            )
        )  # fmt: skip
    engine.dispose()

    again = baton("migrate", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert "generated" not in again.stderr
    (old_key,) = key_file.read_text().split()
    sealed = stored_settings(own_database, workspace_id, "chat")["bot_token"]
    assert sealed.startswith(f"{PREFIX}{key_id(old_key)}:")
    context = f"channel_settings/{workspace_id}/chat/bot_token"
    assert Keyring([old_key]).unseal(sealed, context) == "123:in-clear"

    rotated = baton("secrets", "rotate", cwd=tmp_path, env=env)
    assert rotated.returncode == 0, rotated.stderr
    new_key, kept = key_file.read_text().split()
    assert kept == old_key
    resealed = stored_settings(own_database, workspace_id, "chat")["bot_token"]
    assert resealed.startswith(f"{PREFIX}{key_id(new_key)}:")
    assert Keyring([new_key]).unseal(resealed, context) == "123:in-clear"


def test_rotate_with_the_variable_needs_the_new_key_first(
    own_database: str, tmp_path: Path
) -> None:
    """Every stored secret moves to the new key: channel settings, the identity secret,
    sources' and destinations' secrets, so the old key may then be dropped."""
    old, new = "o" * 40, "n" * 40
    env = {"BATON_DATABASE_URL": own_database, "BATON_ANALYTICS_PATH": "off"}
    assert baton("migrate", cwd=tmp_path, env={**env, "BATON_SECRET_KEY": old}).returncode == 0
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        workspace_id = connection.execute(text("SELECT id FROM workspaces")).scalar_one()
        context = f"channel_settings/{workspace_id}/sms/auth_token"
        connection.execute(
            insert(channel_settings).values(
                workspace_id=workspace_id, channel="sms",
                settings={"account_sid": "AC1", "sender": "+15005550006",
                          "auth_token": Keyring([old]).seal("twilio-token", context)},
                updated_at=START,
            )
        )  # fmt: skip
        sealed_old = {context: Keyring([old]).seal(plain, context) for context, plain in (
            (f"workspaces/{workspace_id}/identity_secret", "identity-secret"),
            (f"sources/{workspace_id}/shop-orders/secret", "shopify-secret"),
            (f"destination:{workspace_id}:crm:token", "crm-token"),
        )}  # fmt: skip
        identity, source, token = sealed_old
        connection.execute(
            update(workspaces).where(workspaces.c.id == workspace_id)
            .values(identity_secret=sealed_old[identity])
        )  # fmt: skip
        connection.execute(
            insert(sources).values(
                key="shop-orders", workspace_id=workspace_id, preset="shopify", definition={},
                secret=sealed_old[source], received=0, rejected=0, created_at=START,
                updated_at=START,
            )
        )  # fmt: skip
        connection.execute(
            insert(destinations).values(
                id="dst_1", workspace_id=workspace_id, key="crm", kind="crm",
                settings={"kind": "crm", "url": "https://crm.example", "token": sealed_old[token]},
                created_at=START, updated_at=START,
            )
        )  # fmt: skip
    engine.dispose()
    alone = baton("secrets", "rotate", cwd=tmp_path, env={**env, "BATON_SECRET_KEY": old})
    assert alone.returncode == 1
    assert "NEW,OLD" in alone.stderr
    both = baton("secrets", "rotate", cwd=tmp_path, env={**env, "BATON_SECRET_KEY": f"{new},{old}"})
    assert both.returncode == 0, both.stderr
    resealed = stored_settings(own_database, workspace_id, "sms")["auth_token"]
    assert Keyring([new]).unseal(resealed, context) == "twilio-token"
    assert not (tmp_path / "var" / "secret.key").exists()
    engine = connect(own_database)
    with engine.connect() as connection:
        stored = {
            identity: connection.execute(
                select(workspaces.c.identity_secret).where(workspaces.c.id == workspace_id)
            ).scalar_one(),
            source: connection.execute(select(sources.c.secret)).scalar_one(),
            token: connection.execute(select(destinations.c.settings)).scalar_one()["token"],
        }
    engine.dispose()
    assert {c: Keyring([new]).unseal(v, c) for c, v in stored.items()} == {
        identity: "identity-secret",
        source: "shopify-secret",
        token: "crm-token",
    }
