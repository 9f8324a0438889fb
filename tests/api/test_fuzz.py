"""Every route fuzzed with Schemathesis over real HTTP, on both databases: whatever a
client sends, valid or not, never gets a 5xx, and a 4xx with a JSON body has the error
shape.

Each call carries the credentials its route takes (callbacks are signed as their
providers sign), and half the calls name objects that exist, so the fuzzing reaches past
authentication and lookups into the handlers. Examples are bounded and derandomized: a
run is reproducible and takes about 40 s per database on two cores.

Schemathesis's pytest integration (`schemathesis.pytest`) fails on pytest 9, so each
operation's strategy runs under Hypothesis here, one subtest per operation and mode.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import schemathesis
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from sqlalchemy import Engine

from baton.api import create_app
from baton.channels import EmailSettings, SmsSettings, callback_url, load_settings, signature
from baton.core.clock import ManualClock
from baton.runtime import Runtime
from baton.workspaces import anonymous_hash, identity_secret, user_hash
from tests.api.test_profiles import bearer
from tests.api.test_tracking import basic
from tests.conftest import Workspace, process_all

FUZZING = settings(
    max_examples=15,  # per operation and mode: about 2,800 requests per database
    derandomize=True,
    database=None,
    # Requests are slow next to what Hypothesis expects of a test, and invalid inputs are
    # often drawn and thrown away: neither is a fault.
    deadline=None,
    suppress_health_check=list(HealthCheck),
    # Not `explain`: on a failure it would send each request hundreds of times more.
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)
Operation = APIOperation[Any, Any, Any, Any]
# Signs a request as `requests` prepared it (requests ships no types).
Signer = Callable[[Any], Any]
FuzzedCase = Case[Operation]
# Path parameters named after the part of the path before them: (part, parameter).
Existing = dict[tuple[str, str], str]


@pytest.fixture
def existing(server_url: str, workspace: Workspace, engine: Engine, clock: ManualClock) -> Existing:
    """A workspace with a person, journeys, templates, segments and a computed trait
    (installed from the library), e-mail and SMS channels and an identity secret; and
    what path parameters name them."""
    admin = bearer(workspace.admin_token)
    email = {"url": "smtp://127.0.0.1:1", "sender": "shop@example.com",
             "links_url": "https://baton.example"}  # fmt: skip
    sms = {"account_sid": "AC42", "auth_token": "sms-auth-token", "sender": "+15005550006",
           "callbacks_url": server_url}  # fmt: skip
    person = {"userId": "fuzzed", "traits": {"email": "fuzzed@example.com", "region": "North"}}
    with httpx.Client(base_url=server_url, headers=admin, timeout=10) as client:
        assert client.put("/api/v1/channels/email", json=email).status_code == 200
        assert client.put("/api/v1/channels/sms", json=sms).status_code == 200
        assert client.post("/api/v1/identity-secret").status_code == 201
        for name in ("telecom-outage", "browse-abandonment"):
            installed = client.post("/api/v1/journey-templates", json={"name": name})
            assert installed.status_code == 201, installed.text
        sent = client.post("/v1/identify", json=person, headers=basic(workspace.write_key))
        assert sent.status_code == 200, sent.text
        process_all(engine, clock)
        profile = client.get("/api/v1/profiles/lookup", params={"user_id": "fuzzed"}).json()
    return {
        ("profiles", "profile_id"): profile["id"],
        ("segments", "ref"): "in-outage",
        ("computed-traits", "ref"): "last_viewed_product",
        ("journeys", "key"): "telecom-outage",
        ("templates", "key"): "outage-sms",
        ("journey-templates", "name"): "win-back",
        ("channels", "channel"): "sms",
        ("consent", "group"): "marketing",
        ("projects", "write_key"): workspace.write_key,
    }


@pytest.fixture
def fuzzed_api(server: tuple[str, Runtime], existing: Existing) -> BaseSchema:
    """The served OpenAPI document, with the routes it leaves out."""
    url, runtime = server
    document = httpx.get(f"{url}/openapi.json").json()
    loaded = schemathesis.openapi.from_dict(_with_hidden_routes(document, runtime))
    loaded.config.update(base_url=url)
    return loaded


def _with_hidden_routes(document: dict[str, Any], runtime: Runtime) -> dict[str, Any]:
    """The document plus the routes kept out of it (analytics.js short paths, e-mail
    links): a short path is fuzzed as the route it stands for, a link by its token."""
    routes = [
        (route.path, route.methods, route)
        for route in iter_route_contexts(create_app(runtime).routes)
        if isinstance(route.original_route, APIRoute) and route.path and route.methods
    ]
    shown = {route.endpoint: path for path, _, route in routes if route.include_in_schema}
    for written, methods, route in routes:
        if route.include_in_schema:
            continue
        path = re.sub(r"{(\w+):\w+}", r"{\1}", written)  # `{path:console_path}`: `{path}`
        for method in (m.lower() for m in methods):
            twin = shown.get(route.endpoint)
            if twin is not None:
                operation = copy.deepcopy(document["paths"][twin][method])
                operation["operationId"] += path.replace("/", "_")
            else:
                parameters = [
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                    for name in re.findall(r"{(\w+)}", path)
                ]
                operation = {"parameters": parameters, "responses": {"200": {"description": ""}}}
            document["paths"].setdefault(path, {})[method] = operation
    return document


def test_no_input_gets_a_server_error(
    fuzzed_api: BaseSchema,
    existing: Existing,
    subtests: pytest.Subtests,
    workspace: Workspace,
    engine: Engine,
) -> None:
    """Every operation, with inputs its schema allows and with inputs it does not;
    deletions last, so the others find what they name."""
    operations = []
    for found in fuzzed_api.get_all_operations():
        if isinstance(found, Err):
            raise found.err()  # an operation the document describes wrong
        operations.append(found.ok())
    for operation in sorted(operations, key=lambda operation: operation.method == "delete"):
        for mode in GenerationMode:
            with subtests.test(operation=operation.label, mode=mode.value):
                try:
                    _fuzz(operation, mode, existing, workspace, engine)
                except Unsatisfiable:
                    # Nothing in the operation can be made invalid (no parameters, or text
                    # that takes anything): its positive cases covered it.
                    if mode is GenerationMode.POSITIVE:
                        raise


def _fuzz(
    operation: Operation,
    mode: GenerationMode,
    existing: Existing,
    workspace: Workspace,
    engine: Engine,
) -> None:
    @FUZZING
    @given(case=operation.as_strategy(generation_mode=mode), named=st.booleans())
    def fuzz(case: FuzzedCase, named: bool) -> None:
        if named:
            case.path_parameters = {**(case.path_parameters or {}), **_named(case, existing)}
        signer = _authenticate(case, workspace, engine)
        response = case.call(auth=signer) if signer else case.call()
        case.validate_response(response, checks=[not_a_server_error])
        _has_the_error_shape(response)

    fuzz()


def _named(case: FuzzedCase, existing: Existing) -> dict[str, str]:
    """The path parameters of the case that can name an existing object, naming it."""
    named = re.findall(r"([^/]+)/{(\w+)}", case.operation.path)
    return {name: existing[before, name] for before, name in named if (before, name) in existing}


def _authenticate(case: FuzzedCase, workspace: Workspace, engine: Engine) -> Signer | None:
    """Give the case its route's credentials, as the workspace has them now (the fuzzing
    replaces them too); a route signed over its body gets a signer of the request."""
    path = case.operation.path
    headers = case.headers if case.headers is not None else {}
    case.headers = headers
    if path.startswith("/api/"):
        headers.update(bearer(workspace.admin_token))
        return None
    if path.startswith("/v1/channels/"):
        # Another workspace's callbacks are refused before their body is read.
        case.path_parameters = {**(case.path_parameters or {}), "workspace_id": workspace.id}
    with engine.connect() as connection:
        settings = load_settings(connection, workspace.id)
        secret = identity_secret(connection, workspace.id)
    if path.endswith("/feedback"):
        email = settings.get("email")
        if isinstance(email, EmailSettings):
            headers.update(bearer(email.feedback_secret))
        return None
    if path.startswith("/v1/channels/sms/"):
        sms = settings.get("sms")
        if not isinstance(sms, SmsSettings):
            return None
        signed_url = callback_url(sms, workspace.id, path.rpartition("/")[2])
        return lambda request: _twilio_signed(request, sms.auth_token, signed_url)
    if path.startswith("/v1/"):
        headers.update(basic(workspace.write_key))
    if path.startswith("/v1/inbox") and isinstance(case.query, dict) and secret is not None:
        user_id, anonymous_id = case.query.get("userId"), case.query.get("anonymousId")
        if isinstance(user_id, str) and user_id:
            case.query["userHash"] = user_hash(secret, user_id)
        elif isinstance(anonymous_id, str):
            case.query["userHash"] = anonymous_hash(secret, anonymous_id)
    return None


def _twilio_signed(request: Any, token: str, url: str | None) -> Any:
    """The prepared request, signed as Twilio signs: over the form fields it carries."""
    body = request.body or b""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if url is not None:
        request.headers["X-Twilio-Signature"] = signature(token, url, dict(parse_qsl(text)))
    return request


def _has_the_error_shape(response: Response) -> None:
    content_type = response.headers.get("content-type", [""])[0]
    if 400 <= response.status_code < 500 and content_type.startswith("application/json"):
        error = response.json()["error"]
        assert isinstance(error["code"], str), response.text
        assert isinstance(error["message"], str), response.text
