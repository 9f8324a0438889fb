"""Chaos: the cart workload while processes die, the database restarts and the disk fills.

On PostgreSQL (a private cluster this bench starts, never the machine's shared server):
`baton serve --processor off` and `baton worker --stage ...` run as separate processes;
`--profiles` customers each send `Product Added` (30% `Order Completed` right after), a
journey waits `--wait` seconds for the order and otherwise calls a real local webhook
receiver. Every `--kill-every` seconds a random process is killed with SIGKILL and
started again; PostgreSQL is restarted once; the clients retry whatever was not answered
200. Then, on SQLite in a small size-limited directory, the clients write until the disk
is full: they must be answered 503, and the database must pass its integrity check.

One JSON line: accepted events lost, journeys missing or duplicated, messages to buyers,
and the receiver's duplicates with their idempotency keys (acceptable only for a call in
flight when a delivery process was killed, under the same key).

    python -m bench.chaos --profiles 100000
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from sqlalchemy import Engine, func, select

from baton.channels import dispatch_due
from baton.channels.delivery import LEASE
from baton.core.clock import ManualClock, SystemClock
from baton.storage.database import connect
from baton.storage.tables import events, journey_instances, journeys, messages
from bench import journeys as journeys_bench
from bench.harness import ADMIN_TOKEN, AUTH, WRITE_KEY, free_port

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
BATCH = 100  # customers per request
# Seconds from a call to its process's death within which the call counts as in flight:
# sent, and its answer not yet recorded (baton/channels/delivery.py records as they come).
IN_FLIGHT_SECONDS = 10.0
POSTGRES_BIN = os.environ.get("BATON_POSTGRES_BIN", "/usr/lib/postgresql/15/bin")
# Roles of the processes a kill picks from: the API and the workers of each stage group.
WORKERS = {
    "identity": ["identity"],
    "flow": ["segments", "builds", "journeys"],
    "delivery-1": ["delivery"],
    "delivery-2": ["delivery"],
}


# --- the provider -------------------------------------------------------------------


@dataclass
class Call:
    key: str
    profile: str
    at: float


class Receiver:
    """A webhook receiver on 127.0.0.1 recording every call with its idempotency key."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        lock = threading.Lock()
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                profile = parse_qs(urlsplit(self.path).query).get("profile", [""])[0]
                call = Call(self.headers.get("Idempotency-Key", ""), profile, time.monotonic())
                with lock:
                    calls.append(call)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- a private PostgreSQL -------------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster of its own in a temporary directory, on a free port, run as
    the `postgres` user when this process is root (initdb refuses root)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/baton"

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self._as, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def init(self) -> None:
        if self._as:
            shutil.chown(self.folder, "postgres")
        self._run(f"{POSTGRES_BIN}/initdb", "-D", str(self.data), "-A", "trust", "-U",
                  "postgres", "--no-sync")  # fmt: skip
        self.start()
        self._run(f"{POSTGRES_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "baton")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=300"
        )
        self._run(f"{POSTGRES_BIN}/pg_ctl", "-D", str(self.data), "-l",
                  str(self.folder / "postgres.log"), "-w", "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(f"{POSTGRES_BIN}/pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


@contextlib.contextmanager
def private_postgresql() -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="baton-chaos-pg-"))
    folder.chmod(0o755)
    cluster = Cluster(folder)
    try:
        cluster.init()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


# --- Baton's processes ----------------------------------------------------------------


class Processes:
    """`baton serve --processor off` and the workers, each restartable after a kill."""

    def __init__(
        self, env: dict[str, str], logs: Path, roles: dict[str, list[str]], limit_files: int = 0
    ) -> None:
        self.env = env
        self.logs = logs
        self.roles = roles
        self.port = int(env["BATON_PORT"])
        self._limit_files = limit_files
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def command(self, role: str) -> list[str]:
        if role == "api":
            return [sys.executable, "-m", "baton", "serve", "--processor", "off"]
        stages = [option for stage in self.roles[role] for option in ("--stage", stage)]
        return [sys.executable, "-m", "baton.cli.worker", *stages]

    def _limits(self) -> None:
        # The fallback for a full disk where no small file system can be mounted: writes
        # past the size fail (EFBIG) instead of killing the process (SIGXFSZ).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (self._limit_files, self._limit_files))

    def start(self, role: str) -> None:
        log = (self.logs / f"{role}.log").open("ab")
        self.running[role] = subprocess.Popen(
            self.command(role),
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=self._limits if self._limit_files else None,
        )
        log.close()
        if role == "api":
            self.wait_ready()

    def start_all(self) -> None:
        self.start("api")
        for role in self.roles:
            self.start(role)

    def kill(self, role: str) -> None:
        process = self.running[role]
        process.kill()
        process.wait()

    def stop_all(self) -> None:
        for process in self.running.values():
            process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.running["api"].poll() is not None:
                tail = (self.logs / "api.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"baton serve exited:\n{tail}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/readyz")
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.1)
        raise SystemExit("baton serve did not become ready")


def baton_env(database_url: str, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BATON_DATABASE_URL": database_url,
        "BATON_PORT": str(free_port()),
        "BATON_WRITE_KEY": WRITE_KEY,
        "BATON_ADMIN_TOKEN": ADMIN_TOKEN,
        "BATON_ANALYTICS_PATH": "off",
        "BATON_SECRET_KEY": "chaos-" + "k" * 40,
        "BATON_FAULT": "",
        "PYTHONUNBUFFERED": "1",
        "HOME": str(folder),
    }


def admin_call(port: int, method: str, path: str, body: Any = None) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, None if body is None else orjson.dumps(body), ADMIN)
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data!r}")
    return orjson.loads(data) if data else None


# --- clients ---------------------------------------------------------------------------


@dataclass
class Tally:
    accepted: set[str] = field(default_factory=set)
    answers: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """Sends batches, retrying (the same message ids) until each is answered 200:
    after Retry-After on 429 and 503, with backoff on other 5xx and broken connections."""

    def __init__(self, port: int, tally: Tally) -> None:
        self._port = port
        self._tally = tally
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(
        self, batch: list[dict[str, Any]], give_up: Callable[[], bool] = lambda: False
    ) -> bool:
        """True once the batch is accepted; False when `give_up` says so first."""
        body = orjson.dumps({"batch": batch})
        headers = {**AUTH, "Content-Type": "application/json"}
        backoff = 0.1
        while not give_up():
            try:
                self._connection.request("POST", "/v1/batch", body, headers)
                response = self._connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                self._count("connection")
                self._connection.close()
                self._connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)
                time.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            if response.status == 200:
                with self._tally.lock:
                    self._tally.accepted.update(message["messageId"] for message in batch)
                    self._tally.answers["200"] += 1
                return True
            self._count(str(response.status))
            if response.status < 500 and response.status != 429:
                raise SystemExit(f"a batch was refused: {response.status}")
            wait = response.getheader("Retry-After")
            time.sleep(min(float(wait), 5.0) if wait and wait.isdigit() else backoff)
            backoff = min(backoff * 2, 2.0)
        return False

    def _count(self, answer: str) -> None:
        with self._tally.lock:
            self._tally.answers[answer] += 1


# --- the PostgreSQL run ---------------------------------------------------------------


def cart_journey(wait: int, url: str) -> dict[str, Any]:
    """bench/journeys.py's cart journey, reminding through the local provider's webhook."""
    definition = journeys_bench.cart_journey(wait)
    remind = {
        "type": "webhook",
        "url": url + "/cart?profile={{ profile.id }}",
        "body": {"cart": "{{ profile.id }}"},
        "next": "done",
    }
    return {**definition, "nodes": {**definition["nodes"], "remind": remind}}


def customer_batches(profiles: int, buyers: set[int]) -> list[list[dict[str, Any]]]:
    """Each customer adds to a cart; a buyer orders right after, in the same batch."""
    batches = []
    for first in range(0, profiles, BATCH):
        batch: list[dict[str, Any]] = []
        for n in range(first, min(first + BATCH, profiles)):
            cart = {"cart_id": f"k{n}"}
            added = {**cart, "price": 20}
            batch.append({"type": "track", "userId": f"c{n}", "event": "Product Added",
                          "properties": added, "messageId": f"add-{n}"})  # fmt: skip
            if n in buyers:
                batch.append({"type": "track", "userId": f"c{n}", "event": "Order Completed",
                              "properties": cart, "messageId": f"order-{n}"})  # fmt: skip
        batches.append(batch)
    return batches


@dataclass
class Chaos:
    kills: list[tuple[float, str]] = field(default_factory=list)
    database_restarts: int = 0
    # When the database went down and came back (monotonic seconds).
    database_down: tuple[float, float] | None = None
    # Processes found dead that nobody killed: each is started again, and counted.
    exited: Counter[str] = field(default_factory=Counter)
    failed_starts: list[str] = field(default_factory=list)


def _start(processes: Processes, role: str, chaos: Chaos) -> None:
    try:
        processes.start(role)
    except SystemExit as error:  # counted; the next round starts it again
        chaos.failed_starts.append(str(error)[-500:])


def _chaos(
    processes: Processes,
    cluster: Cluster | None,
    kill_every: float,
    restart_after: float,
    stop: threading.Event,
    chaos: Chaos,
    rng: random.Random,
) -> None:
    began = time.monotonic()
    roles = ["api", *processes.roles]
    while not stop.wait(kill_every * rng.uniform(0.6, 1.4)):
        for role, process in list(processes.running.items()):
            if process.poll() is not None:
                chaos.exited[role] += 1
                _start(processes, role, chaos)
        due = time.monotonic() - began >= restart_after
        if cluster is not None and not chaos.database_restarts and due:
            down = time.monotonic()
            cluster.stop("fast")
            time.sleep(2)
            cluster.start()
            chaos.database_down = (down, time.monotonic())
            chaos.database_restarts += 1
            continue
        role = rng.choice(roles)
        processes.kill(role)
        chaos.kills.append((time.monotonic(), role))
        _start(processes, role, chaos)


def _progress(engine: Engine, workspace_id: str) -> dict[str, int]:
    with engine.connect() as connection:
        pending = connection.execute(
            select(func.count()).where(
                events.c.workspace_id == workspace_id,
                events.c.profile_id.is_(None),
                events.c.error.is_(None),
            )
        ).scalar_one()
        instances = connection.execute(
            select(func.count(), func.count(journey_instances.c.ended_at)).where(
                journey_instances.c.workspace_id == workspace_id
            )
        ).one()
        unsent = connection.execute(
            select(func.count()).where(
                messages.c.workspace_id == workspace_id, messages.c.status == "pending"
            )
        ).scalar_one()
    return {
        "pending": int(pending),
        "instances": int(instances[0]),
        "live": int(instances[0] - instances[1]),
        "unsent": int(unsent),
    }


def postgresql_run(
    profiles: int,
    wait: int,
    kill_every: float,
    send_seconds: float,
    clients: int,
    budget: float,
    seed: int,
) -> dict[str, Any]:
    rng = random.Random(seed)
    buyers = set(rng.sample(range(profiles), int(profiles * 0.3)))
    with (
        tempfile.TemporaryDirectory(prefix="baton-chaos-") as scratch,
        private_postgresql() as cluster,
        Receiver() as receiver,
    ):
        env = baton_env(cluster.url, Path(scratch))
        processes = Processes(env, Path(scratch), WORKERS)
        processes.start_all()
        engine = connect(cluster.url)
        try:
            return _cart_under_chaos(
                processes, cluster, engine, receiver, profiles, buyers, wait, kill_every,
                send_seconds, clients, budget, rng,
            )  # fmt: skip
        finally:
            processes.stop_all()
            engine.dispose()


def _cart_under_chaos(
    processes: Processes,
    cluster: Cluster,
    engine: Engine,
    receiver: Receiver,
    profiles: int,
    buyers: set[int],
    wait: int,
    kill_every: float,
    send_seconds: float,
    clients: int,
    budget: float,
    rng: random.Random,
) -> dict[str, Any]:
    port = processes.port
    admin_call(port, "PUT", "/api/v1/channels/webhook", {"allow": ["127.0.0.1"]})
    definition = cart_journey(wait, receiver.url)
    admin_call(port, "PUT", "/api/v1/journeys/cart", definition)
    admin_call(port, "POST", "/api/v1/journeys/cart/publish")
    workspace_id = admin_call(port, "GET", "/api/v1/workspace")["id"]
    batches = customer_batches(profiles, buyers)
    tally, chaos, stop = Tally(), Chaos(), threading.Event()
    began = time.monotonic()
    deadline = began + budget
    killer = threading.Thread(
        target=_chaos,
        # The database restarts once the first third of the customers are in.
        args=(processes, cluster, kill_every, send_seconds / 3, stop, chaos, rng),
        daemon=True,
    )
    killer.start()
    # Batches go out evenly over `send_seconds`, so that kills meet requests in flight.
    queue = list(reversed(list(enumerate(batches))))
    queue_lock = threading.Lock()
    gap = send_seconds / len(batches)

    def send_all() -> None:
        client = Client(port, tally)
        while True:
            with queue_lock:
                if not queue:
                    return
                index, batch = queue.pop()
            time.sleep(max(0.0, began + index * gap - time.monotonic()))
            client.send(batch, lambda: time.monotonic() > deadline)

    senders = [threading.Thread(target=send_all, daemon=True) for _ in range(clients)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    sent_s = time.monotonic() - began
    # Chaos goes on while the journeys wait, fire and send, until all is done.
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # the database may be restarting
            seen = _progress(engine, workspace_id)
            if (
                seen["pending"] == 0
                and seen["live"] == 0
                and seen["unsent"] == 0
                and seen["instances"] >= profiles
                and chaos.database_restarts
            ):
                break
        time.sleep(0.5)
    stop.set()
    killer.join()
    chaos_s = time.monotonic() - began
    processes.stop_all()
    # A delivery process killed between its lease and its record left the message
    # `sending`: once the lease has run out another dispatcher sends it again, under
    # the same key. Here that is a dispatcher whose clock is past the lease.
    # Its own process: it needs the key that sealed the channel's secret.
    subprocess.run(
        [sys.executable, "-c", "from bench.chaos import dispatch_after_lease as d; d()"],
        env=processes.env,
        check=True,
    )
    outcome = _outcome(engine, workspace_id, profiles, buyers, tally, receiver, chaos)
    return {
        **outcome,
        "profiles": profiles,
        "kills": dict(Counter(role for _, role in chaos.kills)),
        "exited_unkilled": dict(chaos.exited),
        "failed_starts": chaos.failed_starts,
        "database_restarts": chaos.database_restarts,
        "answers": dict(tally.answers),
        "send_s": round(sent_s, 1),
        "chaos_s": round(chaos_s, 1),
        "finished": time.monotonic() < deadline,
    }


def dispatch_after_lease() -> None:
    """Every due message sent by a dispatcher whose clock is past every lease."""
    engine = connect(os.environ["BATON_DATABASE_URL"])
    later = ManualClock(SystemClock().now() + LEASE + timedelta(seconds=1))
    while dispatch_due(engine, later, random.Random(1)):
        pass
    engine.dispose()


def _outcome(
    engine: Engine,
    workspace_id: str,
    profiles: int,
    buyers: set[int],
    tally: Tally,
    receiver: Receiver,
    chaos: Chaos,
) -> dict[str, Any]:
    with engine.connect() as connection:
        stored = set(
            connection.execute(
                select(events.c.message_id).where(events.c.workspace_id == workspace_id)
            ).scalars()
        )
        customer_of = {
            profile_id: int(user_id[1:])
            for user_id, profile_id in connection.execute(
                select(events.c.user_id, events.c.profile_id).where(
                    events.c.workspace_id == workspace_id, events.c.message_id.like("add-%")
                )
            )
        }
        cart = connection.execute(
            select(journeys.c.id).where(
                journeys.c.workspace_id == workspace_id, journeys.c.key == "cart"
            )
        ).scalar_one()
        started = Counter(
            customer_of.get(profile_id, -1)
            for profile_id in connection.execute(
                select(journey_instances.c.profile_id).where(journey_instances.c.journey_id == cart)
            ).scalars()
        )
        sent = connection.execute(
            select(messages.c.profile_id, messages.c.status, messages.c.idempotency_key).where(
                messages.c.journey_id == cart
            )
        ).all()
    reminded = Counter(customer_of.get(row.profile_id, -1) for row in sent)
    delivered = {customer_of.get(row.profile_id, -1) for row in sent if row.status == "delivered"}
    should_remind = set(range(profiles)) - buyers
    calls_by_key: dict[str, list[Call]] = {}
    for call in receiver.calls:
        calls_by_key.setdefault(call.key, []).append(call)
    keys_by_customer = Counter(
        customer_of.get(calls[0].profile, -1) for calls in calls_by_key.values()
    )
    deliverers = [at for at, role in chaos.kills if role.startswith("delivery")]
    duplicates = []
    for key, calls in calls_by_key.items():
        if len(calls) > 1:
            # In flight: its delivery process died, or the database went away, before
            # the answer could be recorded.
            first = calls[0].at
            killed = any(first <= at <= first + IN_FLIGHT_SECONDS for at in deliverers)
            down = chaos.database_down
            restarted = down is not None and down[0] - IN_FLIGHT_SECONDS <= first <= down[1]
            cause = "kill" if killed else "database_restart" if restarted else None
            duplicates.append({"key": key, "calls": len(calls), "in_flight_at": cause})
    return {
        "accepted_events": len(tally.accepted),
        "accepted_events_lost": len(tally.accepted - stored),
        "journeys_missing": sum(1 for n in range(profiles) if not started.get(n)),
        "journeys_duplicated": sum(count - 1 for count in started.values() if count > 1),
        "reminders_missing": len(should_remind - delivered),
        "reminders_duplicated": sum(count - 1 for count in reminded.values() if count > 1),
        "messages_to_buyers": sum(reminded.get(n, 0) for n in buyers),
        "provider_calls_to_buyers": sum(keys_by_customer.get(n, 0) for n in buyers),
        "provider_calls": len(receiver.calls),
        "provider_customers_called_twice": sum(1 for c in keys_by_customer.values() if c > 1),
        "provider_duplicates": len(duplicates),
        "provider_duplicates_by_cause": dict(Counter(str(d["in_flight_at"]) for d in duplicates)),
        "provider_duplicates_unexplained": sum(1 for d in duplicates if not d["in_flight_at"]),
        "provider_duplicate_keys": duplicates[:20],
    }


# --- the SQLite run: a full disk ---------------------------------------------------------


@contextlib.contextmanager
def small_disk(megabytes: int) -> Iterator[tuple[Path, str]]:
    """A directory of `megabytes` (a tmpfs mount), and how it is bounded; without the
    right to mount, a plain directory whose writers get RLIMIT_FSIZE instead."""
    folder = Path(tempfile.mkdtemp(prefix="baton-chaos-disk-"))
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        ).returncode
        == 0
        if shutil.which("mount") and os.geteuid() == 0
        else False
    )
    try:
        yield folder, "tmpfs" if mounted else "rlimit_fsize"
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _fill(folder: Path, leave: int) -> Path:
    """A ballast file taking all the space of `folder` but `leave` bytes."""
    ballast = folder / "ballast"
    stats = os.statvfs(folder)
    size = stats.f_bavail * stats.f_frsize - leave
    with ballast.open("wb") as out:
        chunk = b"\0" * (1 << 20)
        while size > 0:
            out.write(chunk[: min(size, len(chunk))])
            size -= len(chunk)
    return ballast


def full_disk_run(seconds: float) -> dict[str, Any]:
    """SQLite on a small disk that fills up: 503s, nothing accepted lost, no corruption,
    and accepting again once there is room."""
    with small_disk(64) as (folder, bound), tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{folder}/baton.db"
        env = baton_env(url, Path(scratch))
        # With no small file system: each file the processes write stops at this size.
        limit = 0 if bound == "tmpfs" else 24 << 20
        processes = Processes(env, Path(scratch), {"identity": ["identity"]}, limit)
        tally = Tally()
        full = resumed = False
        admin_served = True
        try:
            processes.start_all()
            ballast = _fill(folder, 3 << 20) if bound == "tmpfs" else None
            client = Client(processes.port, tally)
            deadline = time.monotonic() + seconds
            n = 0
            padding = "x" * 2000  # fills the disk sooner
            while time.monotonic() < deadline and not full:
                batch = [
                    {"type": "track", "userId": f"d{n + i}", "event": "Filled",
                     "properties": {"padding": padding}, "messageId": f"fill-{n + i}"}
                    for i in range(100)
                ]  # fmt: skip
                n += 100
                full = not client.send(batch, refused_thrice(tally))
            if full:
                admin_served = _admin_served(processes.port)
                if ballast is not None:
                    ballast.unlink()
                    batch = [{"type": "track", "userId": "after", "event": "Room Again",
                              "messageId": "after-full"}]  # fmt: skip
                    resumed = client.send(batch, lambda: time.monotonic() > deadline + 30)
        finally:
            processes.stop_all()
        database = folder / "baton.db"
        with sqlite3.connect(database) as check:
            integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
            stored = {row[0] for row in check.execute("SELECT message_id FROM events")}
        return {
            "bounded_by": bound,
            "disk_full_seen": full,
            "answers": dict(tally.answers),
            "accepted_events": len(tally.accepted),
            "accepted_events_lost": len(tally.accepted - stored),
            "integrity_check": integrity,
            "admin_served_when_full": admin_served,
            "accepting_again_after_room": resumed if bound == "tmpfs" else None,
        }


def refused_thrice(tally: Tally) -> Callable[[], bool]:
    """True once three more requests than now have been answered 503."""
    enough = tally.answers["503"] + 3
    return lambda: tally.answers["503"] >= enough


def _admin_served(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/api/v1/workspace", headers=ADMIN)
    return connection.getresponse().status == 200


def run(
    profiles: int,
    wait: int,
    kill_every: float,
    send_seconds: float,
    clients: int,
    budget: float,
    disk_seconds: float,
    seed: int = 7,
) -> dict[str, Any]:
    began = time.monotonic()
    postgresql = postgresql_run(profiles, wait, kill_every, send_seconds, clients, budget, seed)
    disk = full_disk_run(disk_seconds)
    return {
        "bench": "chaos",
        "database": "postgresql",
        **postgresql,
        "sqlite_full_disk": disk,
        "total_s": round(time.monotonic() - began, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--wait", type=int, default=20, help="seconds a cart waits")
    parser.add_argument("--kill-every", type=float, default=4.0, help="seconds between kills")
    parser.add_argument(
        "--send-seconds", type=float, default=90, help="seconds the customers' events span"
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--budget", type=float, default=1800, help="seconds at most")
    parser.add_argument("--disk-seconds", type=float, default=120)
    options = parser.parse_args()
    report = run(
        options.profiles,
        options.wait,
        options.kill_every,
        options.send_seconds,
        options.clients,
        options.budget,
        options.disk_seconds,
    )
    sys.stdout.buffer.write(orjson.dumps(report, option=orjson.OPT_APPEND_NEWLINE))


if __name__ == "__main__":
    main()
