"""Nothing of one workspace is visible or writable from another, across every route of
the OpenAPI document, over real HTTP, on both databases.

Workspace A holds a person (and an erased one), a segment, a computed trait, a published
journey that sent them an inbox message, a template, consent, channel settings, a policy,
a staff member, an invitation, a review, a catalogue item. Workspace B holds nothing. B's
owner key and B's owner signed in call every admin route naming A's objects by A's ids and
keys (as B could learn or guess them), and every list route: reads first, then writes,
reads again, deletions last.

A 2xx answer to B may hold nothing of A that B did not send itself; afterwards every row
of A is as it was. The walk reads the served document, so a new route is covered as it
comes: one whose path parameter it cannot fill fails the test until the parameter is
mapped below or the route listed in UNFILLED with the reason.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import ColumnElement, Engine, String, Table, false, or_, select

from baton.api.callers import Gate
from baton.api.permissions import ROUTES
from baton.core.clock import ManualClock
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.storage.tables import messages, metadata
from baton.teams import Role, create_user, grant, memberships_of
from baton.teams.audit import Actor
from baton.teams.membership import invite
from baton.teams.reviews import Kind, request_review
from baton.workspaces import KeyKind, create_key, list_keys, provision_workspace
from tests.api.test_login import PASSWORD, sign_in
from tests.api.test_openapi import NO_BODY
from tests.api.test_profiles import bearer
from tests.api.test_tracking import basic
from tests.journeys.helpers import run

SETUP = Actor("system", None, "test set-up")


@dataclass
class Tenant:
    """A workspace made for the test, with what names its objects."""

    id: str
    key: str  # random, and in every name it chose: its names are its own
    write_key: str
    admin_key: str  # role owner
    owner_email: str
    names: dict[str, str] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return self.key

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.admin_key)


def tenant(engine: Engine, clock: ManualClock) -> Tenant:
    """A new workspace with a write key, an owner key, and an owner who signs in."""
    tag = f"t{secrets.token_hex(4)}"
    email = f"owner@{tag}.example"
    with write_transaction(engine) as connection:
        made = provision_workspace(connection, f"Tenant {tag}", clock, SETUP, key=tag)
        owner = create_user(connection, email, "", clock.now(), password=PASSWORD)
        grant(connection, made.workspace.id, owner.id, Role.OWNER, clock.now())
        admin_key = create_key(
            connection, made.workspace.id, KeyKind.ADMIN, clock.now(), role=Role.OWNER
        )
    names = {"owner_id": owner.id}
    return Tenant(made.workspace.id, tag, made.write_key, admin_key, email, names)


def _ok(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code < 300, answer.text
    found: dict[str, Any] = answer.json() if answer.content else {}
    return found


def journey_body(tag: str) -> dict[str, Any]:
    return {
        "name": f"{tag} welcome",
        "trigger": {"event": f"{tag} Signed Up"},
        "start": "note",
        "nodes": {"note": {"type": "message", "channel": "inbox", "template": f"{tag}-note"}},
    }


def template_body(tag: str) -> dict[str, Any]:
    return {"channel": "inbox", "title": f"{tag} news", "body": f"Hello from {tag}"}


def segment_body(tag: str) -> dict[str, Any]:
    return {"key": f"{tag}-gold", "name": f"{tag} gold",
            "condition": {"trait": "plan", "op": "equals", "value": "gold"}}  # fmt: skip


def trait_body(tag: str) -> dict[str, Any]:
    return {"key": f"{tag}_spend", "name": f"{tag} spend", "kind": "sum", "event": f"{tag} Ordered",
            "property": "revenue", "window": {"last": "90d"}}  # fmt: skip


def prediction_body(tag: str) -> dict[str, Any]:
    return {"kind": "sentiment", "name": f"{tag} mood", "event": f"{tag} Reviewed",
            "schedule": "never"}  # fmt: skip


def broadcast_body(tag: str) -> dict[str, Any]:
    return {"name": f"{tag} news", "channel": "inbox", "template": f"{tag}-note",
            "audience": {"segment": f"{tag}-gold"}}  # fmt: skip


def placement_body(tag: str) -> dict[str, Any]:
    return {"name": f"{tag} hero", "kind": "banner",
            "variants": [{"key": "gold", "when": {"segment": f"{tag}-gold"},
                          "content": {"title": f"Hello from {tag}"}}],
            "default": {"title": f"{tag} sale"}}  # fmt: skip


def fill(client: httpx.Client, engine: Engine, clock: ManualClock, runtime: Runtime,
         workspace: Tenant) -> None:  # fmt: skip
    """Give the workspace data of every kind, through its API and the pipeline, and note
    what names it in `workspace.names`."""
    tag, admin = workspace.tag, workspace.admin
    _ok(client.put(f"/api/v1/templates/{tag}-note", json=template_body(tag), headers=admin))
    _ok(client.put(f"/api/v1/journeys/{tag}-welcome", json=journey_body(tag), headers=admin))
    _ok(client.post(f"/api/v1/journeys/{tag}-welcome/publish", headers=admin))
    _ok(client.post("/api/v1/segments", json=segment_body(tag), headers=admin))
    _ok(client.post("/api/v1/computed-traits", json=trait_body(tag), headers=admin))
    email = {"url": "smtp://127.0.0.1:1", "sender": f"shop@{tag}.example",
             "links_url": "https://baton.example"}  # fmt: skip
    _ok(client.put("/api/v1/channels/email", json=email, headers=admin))
    _ok(client.put("/api/v1/policy", json={"constants": {"company": f"{tag} Inc"}}, headers=admin))
    _ok(client.post("/api/v1/identity-secret", headers=admin))
    item = {"name": f"{tag} scarf", "attributes": {"url": f"https://{tag}.example/scarf"}}
    _ok(client.put(f"/api/v1/catalog/{tag}-scarf", json=item, headers=admin))
    _ok(client.put(f"/api/v1/predictions/{tag}-mood", json=prediction_body(tag), headers=admin))
    person, leaver = f"{tag}-person", f"{tag}-leaver"
    batch = [
        {"type": "page", "anonymousId": f"{tag}-anon", "name": "Home"},
        {"type": "identify", "userId": person, "anonymousId": f"{tag}-anon",
         "traits": {"email": f"person@{tag}.example", "plan": "gold", "phone": "+14155550100"},
         "context": {"device": {"token": f"{tag}-device", "type": "ios"}}},
        {"type": "alias", "previousId": f"{tag}-former", "userId": person},
        {"type": "track", "userId": person, "event": f"{tag} Signed Up"},
        {"type": "track", "userId": person, "event": f"{tag} Ordered",
         "properties": {"revenue": 42}},
        {"type": "identify", "userId": leaver, "traits": {"email": f"leaver@{tag}.example"}},
    ]  # fmt: skip
    sent = client.post("/v1/batch", json={"batch": batch}, headers=basic(workspace.write_key))
    _ok(sent)
    run(engine, clock)
    clock.advance(timedelta(seconds=1))
    found = _ok(client.get("/api/v1/profiles/lookup", params={"user_id": person}, headers=admin))
    profile_id = found["id"]
    gone = client.get("/api/v1/profiles/lookup", params={"user_id": leaver}, headers=admin)
    erase = f"/api/v1/profiles/{_ok(gone)['id']}"
    erasure = _ok(client.delete(erase, params={"suppress": "true"}, headers=admin))
    consent = f"/api/v1/profiles/{profile_id}/consent/news"
    _ok(client.put(consent, json={"subscribed": True}, headers=admin))
    store = runtime.analytics
    assert store is not None
    store.sync(engine, clock.now())
    with write_transaction(engine) as connection:
        review = request_review(
            connection, workspace.id, Kind.JOURNEYS, f"{tag}-welcome", journey_body(tag), [],
            workspace.names["owner_id"], clock.now(),
        )  # fmt: skip
        (message_id,) = connection.execute(
            select(messages.c.id).where(messages.c.workspace_id == workspace.id)
        ).scalars()
        key_id = next(k.id for k in list_keys(connection, workspace.id) if k.role is Role.OWNER)
        # Through the API only with staff mail, which this installation has not.
        link, _ = invite(connection, workspace.id, f"invitee@{tag}.example", Role.VIEWER,
                         clock.now(), by=None, actor=Actor("cli", None, "the test"))  # fmt: skip
    invitation = {"id": link.id}
    segment = _ok(client.get(f"/api/v1/segments/{tag}-gold", headers=admin))
    trait = _ok(client.get(f"/api/v1/computed-traits/{tag}_spend", headers=admin))
    hook = {"url": f"https://{tag}.example/hook", "events": [f"{tag} Signed Up"]}
    _ok(client.put(f"/api/v1/destinations/{tag}-hook", json=hook, headers=admin))
    _ok(client.put(f"/api/v1/broadcasts/{tag}-news", json=broadcast_body(tag), headers=admin))
    shop = {"preset": "shopify", "secret": f"{tag}-shop-secret"}
    _ok(client.put(f"/api/v1/sources/{tag}-shop", json=shop, headers=admin))
    _ok(client.put(f"/api/v1/placements/{tag}-hero", json=placement_body(tag), headers=admin))
    journey = _ok(client.get(f"/api/v1/journeys/{tag}-welcome", headers=admin))
    workspace.names.update(
        person=person,
        email=f"person@{tag}.example",
        anonymous_id=f"{tag}-anon",
        profile_id=profile_id,
        erasure_id=erasure["erasure_id"],
        message_id=message_id,
        review_id=review.id,
        key_id=key_id,
        invitation_id=invitation["id"],
        invitee=f"invitee@{tag}.example",
        segment_id=segment["id"],
        trait_id=trait["id"],
        journey_id=journey["id"],
    )


@pytest.fixture
def tenant_a(server: tuple[str, Runtime], engine: Engine, clock: ManualClock) -> Tenant:
    url, runtime = server
    found = tenant(engine, clock)
    with httpx.Client(base_url=url, timeout=30) as client:
        fill(client, engine, clock, runtime, found)
    return found


def owned_ids(engine: Engine, workspace_id: str) -> set[str]:
    """The workspace's id and the ids of its rows."""
    with engine.connect() as connection:
        return {workspace_id} | {
            value
            for table in metadata.sorted_tables
            if "workspace_id" in table.c and "id" in table.c
            for value in connection.execute(
                select(table.c.id).where(table.c.workspace_id == workspace_id)
            ).scalars()
        }


def naming(table: Table, ids: Iterable[str]) -> ColumnElement[bool]:
    """Where a row holds one of `ids` in a text column."""
    texts = [column for column in table.c if isinstance(column.type, String)]
    # false() first: a table without a text column (identity_locks) names nothing.
    return or_(false(), *(column.in_(sorted(ids)) for column in texts))


def rows_of(engine: Engine, workspace_id: str) -> dict[str, list[str]]:
    """Every row that is the workspace's, by table, each as text: the rows whose
    workspace_id is its, and the rows of every other table naming one of their ids (or
    the workspace's own) in a text column."""
    owned = sorted(owned_ids(engine, workspace_id))
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if "workspace_id" in table.c:
                theirs = table.c.workspace_id == workspace_id
            else:
                theirs = naming(table, owned)
            rows = connection.execute(select(table).where(theirs)).mappings()
            found[table.name] = sorted(repr(dict(row)) for row in rows)
    return {name: rows for name, rows in found.items() if rows}


# Path parameters, by the part of the path before them and then by name alone: the values
# of A's that name an object (its id and its key, when it has both).
def _path_values(a: Tenant) -> dict[tuple[str, str] | str, list[str]]:
    n, tag = a.names, a.tag
    return {
        ("segments", "ref"): [f"{tag}-gold", n["segment_id"]],
        ("computed-traits", "ref"): [f"{tag}_spend", n["trait_id"]],
        ("journeys", "key"): [f"{tag}-welcome", n["journey_id"]],
        ("templates", "key"): [f"{tag}-note"],
        ("catalog", "item_id"): [f"{tag}-scarf"],
        ("predictions", "key"): [f"{tag}-mood"],
        ("destinations", "key"): [f"{tag}-hook"],
        ("broadcasts", "key"): [f"{tag}-news"],
        ("sources", "source_key"): [f"{tag}-shop"],
        ("placements", "key"): [f"{tag}-hero"],
        ("journey-templates", "name"): ["win-back"],  # the library's: the same for all
        ("channels", "channel"): ["email"],
        ("consent", "group"): ["news"],
        "profile_id": [n["profile_id"]],
        "erasure_id": [n["erasure_id"]],
        "review_id": [n["review_id"]],
        "message_id": [n["message_id"]],
        "user_id": [n["owner_id"]],
        "key_id": [n["key_id"]],
        "invitation_id": [n["invitation_id"]],
        "version": ["1"],
        "workspace": [a.key, a.id],
    }


def _query_values(a: Tenant) -> dict[str, str]:
    n = a.names
    return {
        "profile_id": n["profile_id"],
        "user_id": n["person"],
        "email": n["email"],
        "anonymous_id": n["anonymous_id"],
        "phone": "+14155550100",
        "q": n["email"],
        "journey": f"{a.tag}-welcome",
        "segment": f"{a.tag}-gold",
        "actor": n["owner_id"],
        "object": f"{a.tag}-welcome",
        "confirm": a.key,
        "workspace": a.key,
        "format": "meta",
    }


def _bodies(a: Tenant, b: Tenant) -> dict[tuple[str, str], Any]:
    """What each of B's writes sends: a body its route takes, naming A's objects (its keys,
    its person) with B's own content."""
    tag, n = a.tag, a.names
    funnel = {"steps": [{"event": f"{tag} Signed Up"}, {"event": f"{tag} Ordered"}]}
    segment = {k: v for k, v in segment_body(b.tag).items() if k != "key"}
    trait = {k: v for k, v in trait_body(b.tag).items() if k != "key"}
    return {
        ("POST", "/api/v1/segments"): {**segment, "key": f"{tag}-gold"},
        ("POST", "/api/v1/segments/preview"): segment,
        ("PUT", "/api/v1/segments/{ref}"): segment,
        ("POST", "/api/v1/computed-traits"): {**trait, "key": f"{tag}_spend"},
        ("POST", "/api/v1/computed-traits/preview"): trait,
        ("PUT", "/api/v1/computed-traits/{ref}"): trait,
        ("PUT", "/api/v1/journeys/{key}"): journey_body(b.tag),
        ("PUT", "/api/v1/broadcasts/{key}"): broadcast_body(b.tag),
        ("PUT", "/api/v1/sources/{source_key}"): {"preset": "shopify", "secret": f"{b.tag}-s"},
        ("PUT", "/api/v1/placements/{key}"): placement_body(b.tag),
        ("POST", "/api/v1/placements/{key}/preview"): {"profile_id": n["profile_id"]},
        ("POST", "/api/v1/broadcasts/{key}/recipients"): {"csv": n["email"]},
        ("POST", "/api/v1/journeys/{key}/publish"): {},
        ("POST", "/api/v1/journeys/{key}/enter"): {"user_id": n["person"]},
        ("POST", "/api/v1/journeys/{key}/simulate"): {"from": "2026-01-01", "to": "2026-12-31"},
        ("POST", "/api/v1/journeys/{key}/test-run"): {"user_id": n["person"],
                                                      "events": [{"event": f"{tag} Signed Up"}]},
        ("PUT", "/api/v1/templates/{key}"): template_body(b.tag),
        ("POST", "/api/v1/templates/{key}/preview"): {"user_id": n["person"]},
        ("PUT", "/api/v1/catalog/{item_id}"): {"name": f"{b.tag} scarf"},
        ("PUT", "/api/v1/predictions/{key}"): prediction_body(b.tag),
        ("PUT", "/api/v1/destinations/{key}"): {"url": f"https://{b.tag}.example/hook",
                                                "events": [f"{b.tag} Signed Up"]},
        ("POST", "/api/v1/predictions/{key}/rollback"): {"version": 1},
        ("POST", "/api/v1/catalog/import"): {"csv": f"item_id,name\n{tag}-scarf,{b.tag} scarf\n"},
        ("POST", "/api/v1/journey-templates"): {"name": "win-back"},
        ("PUT", "/api/v1/channels/{channel}"): {"url": "smtp://127.0.0.1:1",
                                                "sender": f"shop@{b.tag}.example",
                                                "links_url": "https://baton.example"},
        ("PUT", "/api/v1/profiles/{profile_id}/consent/{group}"): {"subscribed": False},
        ("PUT", "/api/v1/policy"): {"constants": {"company": f"{b.tag} Inc"}},
        ("POST", "/api/v1/analytics/funnel"): funnel,
        ("POST", "/api/v1/analytics/paths"): {"event": f"{tag} Signed Up", "steps": 2},
        ("POST", "/api/v1/auth/workspace"): {"workspace": a.key},
        ("POST", "/api/v1/workspaces"): {"name": f"{b.tag} twin"},
        ("PATCH", "/api/v1/workspace"): {"name": f"{b.tag} renamed"},
        ("POST", "/api/v1/reviews/{review_id}/approve"): {"comment": "fine"},
        ("POST", "/api/v1/reviews/{review_id}/reject"): {"comment": "no"},
        ("POST", "/api/v1/keys"): {"kind": "admin", "role": "viewer"},
        ("PUT", "/api/v1/users/{user_id}/role"): {"role": "viewer"},
        ("POST", "/api/v1/invitations"): {"email": n["invitee"], "role": "viewer"},
    }  # fmt: skip


# Routes the walk does not call, and why.
UNFILLED = {
    ("POST", "/api/v1/auth/logout"): "ends the caller's own session: names nothing of A",
    ("POST", "/api/v1/auth/password"): "changes the caller's own password: names nothing of A",
    ("DELETE", "/api/v1/auth/sessions"): "signs the caller out everywhere: names nothing of A",
}
# Answers that count what B holds: B holds nothing, so each must count nothing.
_COUNTS = re.compile(r'"(count|entered|profiles|events|sent|total)":\s*[1-9]')


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    query: dict[str, str]
    body: Any

    def text(self) -> str:
        return f"{self.method} {self.url} {self.query} {self.body}"


def _calls(document: dict[str, Any], a: Tenant, b: Tenant) -> tuple[list[Call], list[str]]:
    """Every call the walk makes, and the routes it could not fill."""
    paths, queries, bodies = _path_values(a), _query_values(a), _bodies(a, b)
    calls, unfilled = [], []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            route = (method.upper(), path)
            if not path.startswith("/api/") or ROUTES.get(route) is Gate.PUBLIC:
                continue  # opened by what the request carries, not by a workspace's caller
            if route in UNFILLED:
                continue
            parameters = operation.get("parameters", [])
            named = re.findall(r"([^/]+)/\{(\w+)\}", path)
            found = [paths.get((before, name)) or paths.get(name) for before, name in named]
            choices = [values for values in found if values is not None]
            query = {p["name"]: queries[p["name"]] for p in parameters
                     if p["in"] == "query" and p["name"] in queries}  # fmt: skip
            required = {p["name"] for p in parameters if p["in"] == "query" and p.get("required")}
            if len(choices) < len(found) or required - set(query):
                unfilled.append(f"{route}: cannot fill {named} {sorted(required - set(query))}")
                continue
            body = None if (method, path) in NO_BODY else bodies.get(route, {})
            if method == "get" or method == "delete":
                body = None
            plain = {name: query[name] for name in required}
            # The call with only what it requires, and with each other parameter A's.
            variants = [plain, *({**plain, name: query[name]} for name in set(query) - required)]
            for values in itertools.product(*choices):
                url = path
                for (_, name), value in zip(named, values, strict=True):
                    url = url.replace(f"{{{name}}}", value)
                calls += [Call(route[0], url, variant, body) for variant in variants]
    return calls, unfilled


class Caller:
    """B, calling with its owner key or its owner's session."""

    def __init__(self, client: httpx.Client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def __call__(self, call: Call) -> httpx.Response:
        with self.client.stream(
            call.method, call.url, params=call.query, json=call.body, headers=self.headers
        ) as answer:
            if not answer.headers.get("content-type", "").startswith("text/event-stream"):
                answer.read()
                return answer
            # A live stream ends minutes later: what it shows is in its first event.
            shown = ""
            for chunk in answer.iter_text():
                shown += chunk
                if "data:" in shown and shown.endswith("\n\n"):
                    break
            return httpx.Response(answer.status_code, headers=answer.headers, text=shown)


@pytest.fixture
def tenant_b(engine: Engine, clock: ManualClock) -> Tenant:
    return tenant(engine, clock)


@pytest.fixture
def callers(server_url: str, tenant_b: Tenant) -> Iterator[dict[str, Caller]]:
    with (
        httpx.Client(base_url=server_url, timeout=30) as by_key,
        httpx.Client(base_url=server_url, timeout=30) as by_session,
    ):
        csrf = sign_in(by_session, tenant_b.owner_email)
        yield {
            "key": Caller(by_key, tenant_b.admin),
            "session": Caller(by_session, {"X-CSRF-Token": csrf}),
        }


def _secrets(engine: Engine, a: Tenant) -> set[str]:
    """What B must never be shown: A's ids, keys and names, its people's data, its content."""
    tag = a.tag
    names = {f"{tag}-gold", f"{tag}_spend", f"{tag}-welcome", f"{tag}-note", f"{tag} Signed Up",
             f"{tag} scarf", f"https://{tag}.example/scarf"}  # fmt: skip
    content = {f"Hello from {tag}", f"{tag} Inc", f"shop@{tag}.example", f"leaver@{tag}.example"}
    keys = {a.id, a.key, a.write_key, a.admin_key, a.owner_email}
    return owned_ids(engine, a.id) | set(a.names.values()) | names | content | keys


def test_nothing_of_one_workspace_is_seen_or_changed_from_another(
    server: tuple[str, Runtime],
    engine: Engine,
    tenant_a: Tenant,
    tenant_b: Tenant,
    callers: dict[str, Caller],
) -> None:
    url, _ = server
    document = httpx.get(f"{url}/openapi.json").json()
    calls, unfilled = _calls(document, tenant_a, tenant_b)
    assert unfilled == [], "map these parameters in _path_values/_query_values or list them"
    assert {(c.method, re.sub(r"/[^/]+$", "", c.url)) for c in calls}  # the walk walked
    secrets_of_a = _secrets(engine, tenant_a)
    before = rows_of(engine, tenant_a.id)
    said: set[str] = set()  # what B sent: B may be shown that (its own copies, echoes)
    leaks: list[str] = []
    counted: list[str] = []

    def walk(phase: list[Call]) -> None:
        for call in phase:
            said.update(s for s in secrets_of_a if s in call.text())
            for how, caller in callers.items():
                answer = caller(call)
                assert answer.status_code < 500, (how, call, answer.text)
                if answer.status_code >= 300:
                    continue
                shown = {s for s in secrets_of_a - said if s in answer.text}
                if shown:
                    leaks.append(f"{how} {call.text()}: {answer.status_code} shows {shown}")
                if _COUNTS.search(answer.text) and call.method != "GET":
                    counted.append(f"{how} {call.text()}: {answer.text[:300]}")

    reads = [c for c in calls if c.method == "GET"]
    walk(reads)
    walk([c for c in calls if c.method in ("PUT", "POST", "PATCH")])
    walk(reads)
    walk([c for c in calls if c.method == "DELETE"])
    assert leaks == []
    assert counted == []
    assert rows_of(engine, tenant_a.id) == before
    with engine.connect() as connection:  # A's people were given no role elsewhere
        theirs = memberships_of(connection, tenant_a.names["owner_id"])
    assert [m.workspace_id for m in theirs] == [tenant_a.id]
    for caller in callers.values():  # still B's, and B still there
        mine = caller(Call("GET", "/api/v1/workspace", {}, None))
        assert mine.status_code == 200, mine.text
        assert mine.json()["id"] == tenant_b.id


def test_signed_in_to_b_no_route_opens_a(
    server: tuple[str, Runtime], tenant_a: Tenant, tenant_b: Tenant, callers: dict[str, Caller]
) -> None:
    """Naming A as the workspace to work in: refused on every route, as is switching."""
    url, _ = server
    document = httpx.get(f"{url}/openapi.json").json()
    session = callers["session"]
    opened = []
    for path, item in document["paths"].items():
        for method in item:
            route = (method.upper(), path)
            if not path.startswith("/api/") or ROUTES.get(route) is Gate.PUBLIC:
                continue
            filled = re.sub(r"\{\w+\}", "x", path)
            for workspace in (tenant_a.key, tenant_a.id):
                answer = session.client.request(
                    route[0], filled,
                    headers={**session.headers, "X-Baton-Workspace": workspace},
                )  # fmt: skip
                if answer.status_code != 403:
                    opened.append(f"{route} in {workspace}: {answer.status_code}")
    assert opened == []
    switch = Call("POST", "/api/v1/auth/workspace", {}, {"workspace": tenant_a.key})
    assert session(switch).status_code == 403
    assert callers["key"](switch).status_code in (400, 403)


def test_b_write_key_neither_reads_nor_acts_on_a_inbox(
    client: httpx.Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """The one public route that names an object: A's message, through B's write key."""
    message = tenant_a.names["message_id"]
    who = {"userId": tenant_a.names["person"]}
    for action in ("seen", "clicked", "dismissed"):
        answer = client.post(f"/v1/inbox/{message}/{action}", params=who,
                             auth=(tenant_b.write_key, ""))  # fmt: skip
        assert answer.status_code >= 400, answer.text
    listed = client.get("/v1/inbox", params=who, auth=(tenant_b.write_key, ""))
    assert message not in listed.text
