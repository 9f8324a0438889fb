"""Predictions benchmark: training time and scoring throughput (issue 22).

Loads P profiles (telco-like traits as text, as a CSV import leaves them) and E events
(page and product views, carts, checkouts, orders with revenue) over 200 days straight
into the database, with churn planted: a month-to-month contract, a short tenure and
paperless billing make people more likely to stop ordering at some point of the 200 days,
after which they only browse now and then. Then, as of the end of those 200 days:
- classification (`no_event: {event: Order Completed, within: 90d}`, event and trait
  features): the kind's `train` alone, and the full `train_due` (train, score everyone,
  write the scores and the computed traits), with the model's AUC beside its baseline's;
- scoring: the kind's `score` over every profile, and `write_scores` of those scores;
- explaining one profile's score (p50, p99 over 200 profiles);
- CLV (BG/NBD and Gamma-Gamma on the orders): training and scoring;
- the process's peak RSS.
Prints one JSON line. Targets: training < 2 minutes, scoring > 50,000 profiles/s.

    python -m bench.predict --database sqlite --profiles 100000 --events 2000000
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray
from sqlalchemy import Engine, insert

from baton.core.clock import ManualClock
from baton.core.ids import new_id
from baton.identity.normalize import USER_ID
from baton.identity.processor import refresh_statistics
from baton.predict import (
    ClassificationDefinition,
    ClvDefinition,
    get_prediction,
    parse_prediction,
    save_prediction,
    train_due,
)
from baton.predict.classification import Classification
from baton.predict.clv import Clv
from baton.predict.scores import write_scores
from baton.predict.store import model_of, set_state
from baton.storage.database import connect, executemany_fast, write_transaction
from baton.storage.migrate import upgrade
from baton.storage.tables import events, identifiers, profiles
from baton.workspaces import ensure_default_workspace
from bench.harness import ADMIN_TOKEN, WRITE_KEY, database, percentile

END = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 200
DAY = 86400.0
SEED = 22
CHUNK = 50_000
EXPLAINED = 200
CONTRACTS = ("Month-to-month", "One year", "Two year")
# (event, share) while someone is a customer, and once they have lapsed: no more orders.
ACTIVE = [
    ("Page Viewed", 0.45),
    ("Product Viewed", 0.25),
    ("Product Added", 0.10),
    ("Checkout Started", 0.06),
    ("Order Completed", 0.14),
]
LAPSED = [("Page Viewed", 0.75), ("Product Viewed", 0.25)]
# How much of their former activity people keep once lapsed.
LAPSED_RATE = 0.1
CHURN = {
    "key": "churn-90d",
    "kind": "classification",
    "label": {"no_event": {"event": "Order Completed", "within": "90d"}},
    "features": {"traits": "*", "events": "auto", "computed": "*"},
}
CLV = {"key": "clv", "kind": "clv", "event": "Order Completed", "revenue_property": "revenue"}

Floats = NDArray[np.float64]


def _people(rng: np.random.Generator, count: int) -> dict[str, Any]:
    """Each person's traits, when they were first seen and when (if ever) they lapsed, in
    seconds before END."""
    contract = rng.choice(3, size=count, p=[0.5, 0.3, 0.2])
    tenure = rng.integers(0, 73, size=count)
    paperless = rng.random(count) < 0.6
    logit = -2.2 + 1.8 * (contract == 0) + 1.4 * (tenure < 12) + 0.6 * paperless
    lapses = rng.random(count) < 1 / (1 + np.exp(-logit))
    # Tenure is in months as of END: the newest customers were first seen within the window.
    first = np.minimum(tenure * 30.0 + rng.random(count) * 30, DAYS + 30) * DAY
    start = np.minimum(first, DAYS * DAY)
    lapsed = np.where(lapses, start * rng.random(count), 0.0)
    return {
        "contract": contract,
        "tenure": tenure,
        "paperless": paperless,
        "monthly": rng.uniform(18, 118, size=count),
        "female": rng.random(count) < 0.5,
        "first": first,
        "start": start,
        "lapsed": lapsed,
        # Some people use the shop far more than others.
        "activity": rng.gamma(1.5, 1.0, size=count),
        "basket": rng.lognormal(3.8, 0.5, size=count),
    }


def _events(rng: np.random.Generator, people: dict[str, Any], count: int) -> dict[str, Any]:
    """Which person, when (seconds before END) and what, for `count` events."""
    start, lapsed = people["start"], people["lapsed"]
    before = start - lapsed  # seconds as a customer
    effective = before + LAPSED_RATE * lapsed
    weights = people["activity"] * effective
    per_person = rng.multinomial(count, weights / weights.sum())
    who = np.repeat(np.arange(len(start)), per_person)
    offset = rng.random(count) * effective[who]
    active = offset < before[who]
    since_start = np.where(active, offset, before[who] + (offset - before[who]) / LAPSED_RATE)
    ago = start[who] - since_start
    names = [name for name, _ in ACTIVE]
    kind = np.where(
        active,
        rng.choice(len(ACTIVE), size=count, p=[share for _, share in ACTIVE]),
        rng.choice(len(LAPSED), size=count, p=[share for _, share in LAPSED]),
    )
    revenue = people["basket"][who] * rng.lognormal(0.0, 0.3, size=count)
    return {"who": who, "ago": ago, "name": [names[k] for k in kind.tolist()], "rev": revenue}


def load(engine: Engine, workspace_id: str, count: int, events_count: int) -> None:
    """Profiles, their user-id identifiers and their events, as identity leaves them."""
    rng = np.random.default_rng(SEED)
    people = _people(rng, count)
    ids = [new_id("prof", END) for _ in range(count)]
    happened = _events(rng, people, events_count)
    last = np.full(count, np.inf)
    np.minimum.at(last, happened["who"], happened["ago"])
    seen = np.bincount(happened["who"], minlength=count)
    rows = []
    for n, profile_id in enumerate(ids):
        first_seen = END - timedelta(seconds=float(people["first"][n]))
        last_ago = float(last[n]) if np.isfinite(last[n]) else float(people["first"][n])
        rows.append(
            {
                "id": profile_id,
                "workspace_id": workspace_id,
                "traits": {
                    "email": f"customer{n}@example.com",
                    "contract": CONTRACTS[int(people["contract"][n])],
                    "tenure": str(int(people["tenure"][n])),
                    "monthly_charges": f"{people['monthly'][n]:.2f}",
                    "paperless": "Yes" if people["paperless"][n] else "No",
                    "gender": "Female" if people["female"][n] else "Male",
                },
                "trait_versions": {},
                "first_seen": first_seen,
                "last_seen": END - timedelta(seconds=last_ago),
                "event_count": int(seen[n]),
                "created_at": first_seen,
                "updated_at": END,
            }
        )
    with write_transaction(engine) as connection:
        for start in range(0, count, CHUNK):
            executemany_fast(connection, insert(profiles), rows[start : start + CHUNK])
            executemany_fast(
                connection,
                insert(identifiers),
                [
                    {
                        "workspace_id": workspace_id,
                        "kind": USER_ID,
                        "value": f"user-{n}",
                        "profile_id": ids[n],
                        "component_id": None,
                        "first_seen": rows[n]["first_seen"],
                    }
                    for n in range(start, min(count, start + CHUNK))
                ],
            )
    end = END.timestamp()
    who, ago, names, revenue = (
        happened["who"].tolist(),
        happened["ago"].tolist(),
        happened["name"],
        happened["rev"].tolist(),
    )
    for start in range(0, events_count, CHUNK):
        batch = []
        for number in range(start, min(events_count, start + CHUNK)):
            at = datetime.fromtimestamp(end - ago[number], UTC)
            name = names[number]
            properties: dict[str, Any] = {"sku": f"s{number % 500}"}
            if name == "Order Completed":
                properties["revenue"] = round(revenue[number], 2)
            batch.append(
                {
                    "workspace_id": workspace_id,
                    "message_id": f"load-{number}",
                    "type": "track",
                    "event": name,
                    "user_id": f"user-{who[number]}",
                    "timestamp": at,
                    "received_at": at,
                    "properties": properties,
                    "profile_id": ids[who[number]],
                }
            )
        with write_transaction(engine) as connection:
            executemany_fast(connection, insert(events), batch)


def _ignore(_: float) -> None:
    pass


def classification(engine: Engine, workspace_id: str) -> dict[str, Any]:
    """Training, scoring, writing and explaining the churn model."""
    kind = Classification()
    definition = parse_prediction(CHURN)
    assert isinstance(definition, ClassificationDefinition)
    with engine.connect() as connection:
        began = time.perf_counter()
        trained = kind.train(connection, workspace_id, definition, END, _ignore)
        train_s = time.perf_counter() - began
        began = time.perf_counter()
        scores = list(kind.score(connection, workspace_id, definition, trained.model, END))
        score_s = time.perf_counter() - began
    with write_transaction(engine) as connection:
        save_prediction(connection, workspace_id, definition, END)
    clock = ManualClock(END)
    began = time.perf_counter()
    ran = train_due(engine, clock)
    due_s = time.perf_counter() - began
    # Written again as a prediction of its own, so every profile's computed traits change.
    with write_transaction(engine) as connection:
        apart, _ = save_prediction(
            connection, workspace_id, parse_prediction({**CHURN, "key": "churn-write"}), END
        )
        set_state(connection, apart, train_requested_at=None)
    began = time.perf_counter()
    write_scores(engine, workspace_id, apart.id, apart.key, 1, scores, END)
    write_s = time.perf_counter() - began
    with engine.connect() as connection:
        prediction = get_prediction(connection, workspace_id, definition.key)
        if not ran or prediction.active_version is None:
            raise SystemExit(f"training failed: {prediction.error}")
        model = model_of(connection, prediction.id, prediction.active_version)
    if model is None:
        raise SystemExit("the active model was not stored")
    sample = np.random.default_rng(SEED).choice(len(scores), EXPLAINED, replace=False)
    took: list[float] = []
    with engine.connect() as connection:
        for i in sample.tolist():
            began = time.perf_counter()
            kind.explain(connection, workspace_id, definition, model, scores[i].profile_id, END)
            took.append(time.perf_counter() - began)
    metrics = trained.metrics
    return {
        "train_s": round(train_s, 1),
        "train_due_s": round(due_s, 1),
        "auc": metrics["auc"],
        "baseline_auc": metrics["baseline"]["auc"],
        "base_rate": metrics["base_rate"],
        "train_rows": metrics["rows"],
        "features": len(trained.features),
        "rounds": metrics["params"]["n_estimators"],
        "score_s": round(score_s, 2),
        "score_profiles_per_s": round(len(scores) / score_s),
        "write_scores_s": round(write_s, 1),
        "write_scores_profiles_per_s": round(len(scores) / write_s),
        "explain_ms_p50": round(statistics.median(took) * 1000, 1),
        "explain_ms_p99": round(percentile(took, 0.99) * 1000, 1),
    }


def clv(engine: Engine, workspace_id: str) -> dict[str, Any]:
    kind = Clv()
    definition = parse_prediction(CLV)
    assert isinstance(definition, ClvDefinition)
    with engine.connect() as connection:
        began = time.perf_counter()
        trained = kind.train(connection, workspace_id, definition, END, _ignore)
        train_s = time.perf_counter() - began
        began = time.perf_counter()
        scored = list(kind.score(connection, workspace_id, definition, trained.model, END))
        score_s = time.perf_counter() - began
    return {
        "clv_train_s": round(train_s, 1),
        "clv_customers": trained.metrics["customers"],
        "clv_score_profiles_per_s": round(len(scored) / score_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    options = parser.parse_args()
    with database(options.database) as url:
        engine = connect(url, sync_every_commit=False)
        upgrade(engine)
        with write_transaction(engine) as connection:
            workspace_id = ensure_default_workspace(
                connection, ManualClock(END), write_key=WRITE_KEY, admin_token=ADMIN_TOKEN
            ).workspace_id
        began = time.perf_counter()
        load(engine, workspace_id, options.profiles, options.events)
        load_s = time.perf_counter() - began
        refresh_statistics(engine)  # a database this size has had its autovacuum analyze
        figures = classification(engine, workspace_id)
        figures.update(clv(engine, workspace_id))
        engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        orjson.dumps(
            {
                "bench": "predict",
                "database": options.database,
                "profiles": options.profiles,
                "events": options.events,
                "load_s": round(load_s, 1),
                **figures,
                "peak_rss_mb": round(peak),
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
