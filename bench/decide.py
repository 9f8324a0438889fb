"""Web personalization benchmark: `GET /v1/decide` latency against a real `baton serve`.

Loads P profiles (traits, a predicted churn score, their user ids), defines a segment
through the API and waits for its build, saves three placements (rules on the segment,
the predicted score and a trait; a pop-up with a default), then asks `/v1/decide` from
one keep-alive client, one request at a time: two placements per call, 70% of visitors
signed in (userId with its userHash), the rest anonymous. Prints one JSON line: latency
p50/p95/p99 in milliseconds, requests/s, and how many answers showed a variant.
Target: p99 under 20 ms.

    python -m bench.decide --database sqlite --profiles 100000 --requests 5000
"""

from __future__ import annotations

import argparse
import http.client
import random
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import Engine, insert

from baton.core.clock import ManualClock
from baton.core.ids import new_id
from baton.identity.normalize import USER_ID
from baton.storage.database import connect, executemany_fast, write_transaction
from baton.storage.migrate import upgrade
from baton.storage.tables import identifiers, profiles
from baton.workspaces import ensure_default_workspace, user_hash
from bench.harness import ADMIN_TOKEN, WRITE_KEY, database, free_port, percentile, server

NOW = datetime(2026, 11, 1, tzinfo=UTC)
CHUNK = 50_000
SEED = 23
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
PLACEMENTS: list[dict[str, Any]] = [
    {
        "key": "hero",
        "name": "Home hero",
        "kind": "banner",
        "variants": [
            {"key": "vip", "when": {"segment": "vip"}, "content": {"title": "Welcome back"}},
            {
                "key": "at-risk",
                "when": {"computed": "predicted.churn", "op": "gt", "value": 0.8},
                "content": {"title": "We miss you", "body": "20% off this week"},
            },
            {
                "key": "hungarian",
                "when": {"trait": "locale", "op": "equals", "value": "hu"},
                "content": {"title": "Üdv!"},
            },
        ],
        "default": {"title": "Spring sale", "cta_text": "Shop", "cta_url": "/sale"},
        "holdout": 0.05,
    },
    {
        "key": "newsletter",
        "name": "Newsletter pop-up",
        "kind": "popup",
        "variants": [
            {
                "key": "members",
                "when": {"all": [{"segment": "vip"}, {"trait": "plan", "op": "equals",
                                                      "value": "pro"}]},
                "content": {"title": "Pro news"},
            }
        ],
        "default": {"title": "Sign up for news"},
    },
]  # fmt: skip


def load(engine: Engine, workspace_id: str, count: int) -> None:
    """Profiles as identity and the predictions leave them, with their user ids."""
    rng = random.Random(SEED)
    for start in range(0, count, CHUNK):
        rows, ids = [], []
        for n in range(start, min(count, start + CHUNK)):
            profile_id = new_id("prof", NOW)
            traits = {
                "email": f"customer{n}@example.com",
                "tier": "gold" if rng.random() < 0.1 else "basic",
                "plan": rng.choice(["free", "pro"]),
                "locale": rng.choice(["en", "en", "hu", "pl", "tr", "ro"]),
            }
            rows.append(
                {
                    "id": profile_id,
                    "workspace_id": workspace_id,
                    "traits": traits,
                    "trait_versions": {},
                    "computed": {"predicted": {"churn": round(rng.random(), 3)}},
                    "first_seen": NOW,
                    "last_seen": NOW,
                    "event_count": 0,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            ids.append(
                {
                    "workspace_id": workspace_id,
                    "kind": USER_ID,
                    "value": f"user-{n}",
                    "profile_id": profile_id,
                    "component_id": None,
                    "first_seen": NOW,
                }
            )
        with write_transaction(engine) as connection:
            executemany_fast(connection, insert(profiles), rows)
            executemany_fast(connection, insert(identifiers), ids)


def call(connection: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else orjson.dumps(body)
    connection.request(method, path, body=data, headers=ADMIN if body is not None else {})
    response = connection.getresponse()
    answer = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {answer.decode()}")
    return orjson.loads(answer) if answer else None


def prepare(port: int) -> str:
    """The segment (built), the placements, and the identity secret it returns."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    admin_only = {"Authorization": ADMIN["Authorization"]}
    segment = {"key": "vip", "name": "VIP",
               "condition": {"trait": "tier", "op": "equals", "value": "gold"}}  # fmt: skip
    call(connection, "POST", "/api/v1/segments", segment)
    deadline = time.time() + 600
    while True:
        connection.request("GET", "/api/v1/segments/vip", headers=admin_only)
        found = orjson.loads(connection.getresponse().read())
        if found["status"] == "live":
            break
        if time.time() > deadline:
            raise SystemExit("the segment was not built within 10 minutes")
        time.sleep(0.5)
    for placement in PLACEMENTS:
        call(connection, "PUT", f"/api/v1/placements/{placement['key']}", placement)
    connection.request("POST", "/api/v1/identity-secret", headers=admin_only)
    return str(orjson.loads(connection.getresponse().read())["secret"])


def measure(port: int, secret: str, people: int, requests: int) -> dict[str, Any]:
    rng = random.Random(SEED + 1)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, shown = [], 0
    for number in range(requests + requests // 10):  # the first tenth warms up
        params: dict[str, str] = {"writeKey": WRITE_KEY, "placement": "hero,newsletter"}
        if rng.random() < 0.7:
            user = f"user-{rng.randrange(people)}"
            params.update(userId=user, userHash=user_hash(secret, user))
        else:
            params["anonymousId"] = f"anon-{rng.randrange(10 * people)}"
        began = time.perf_counter()
        connection.request("GET", f"/v1/decide?{urlencode(params)}")
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - began
        if response.status != 200:
            raise SystemExit(f"/v1/decide answered {response.status}: {body.decode()}")
        if number >= requests // 10:
            latencies.append(elapsed * 1000)
            answers = orjson.loads(body)["placements"].values()
            shown += sum(1 for answer in answers if answer["variant"] is not None)
    total = sum(latencies) / 1000
    return {
        "requests": requests,
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "requests_per_s": round(requests / total),
        "variants_shown": shown,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=5000)
    options = parser.parse_args()
    with database(options.database) as url:
        engine = connect(url, sync_every_commit=False)
        upgrade(engine)
        with write_transaction(engine) as connection:
            workspace_id = ensure_default_workspace(
                connection, ManualClock(NOW), write_key=WRITE_KEY, admin_token=ADMIN_TOKEN
            ).workspace_id
        load(engine, workspace_id, options.profiles)
        engine.dispose()
        port = free_port()
        with server(url, port, "off"):
            secret = prepare(port)
            figures = measure(port, secret, options.profiles, options.requests)
    print(
        orjson.dumps(
            {
                "bench": "decide",
                "database": options.database,
                "profiles": options.profiles,
                **figures,
            }
        ).decode(),
        flush=True,
    )


if __name__ == "__main__":
    main()
