"""The preference center's public pages (baton/channels/preferences.py), authenticated by
the signed token in their URL, and the site's way in, authenticated by identity
verification.

Forms post back to the page's own URL: the token in it is the authority, so a page on
another site cannot post for anyone (it does not know the token), and nothing changes on
a GET (link scanners follow those). Every answer is a page in the visitor's language,
errors too; the pages load nothing from elsewhere and run no script.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baton.api.auth import client_address, runtime_of
from baton.api.inbox import VerifiedPerson
from baton.api.preference_page import erasure_page, export_page, message_page, preference_page
from baton.api.privacy import erase_audited, export_audited
from baton.api.responses import JSONBody
from baton.channels import EmailSettings, load_settings
from baton.channels.email import SmtpSender
from baton.channels.preference_texts import pick_language, text
from baton.channels.preferences import (
    ERASURE,
    EXPORT,
    FREQUENCIES,
    MOST_GROUPS,
    PAGE,
    SITE_LINK_LIFETIME,
    Choices,
    Expired,
    claim_mail,
    link_mail,
    offer_of,
    person_traits,
    preferences_url,
    read_token,
    release_mail,
    save_choices,
)
from baton.channels.senders import DELIVERED
from baton.core.errors import Conflict, InvalidInput, NotFound
from baton.identity import resolve_profile_id
from baton.storage.database import write_transaction
from baton.teams.audit import Actor

router = APIRouter(prefix="/v1", tags=["preferences"])

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    # The token in the URL must not leave in a Referer header.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
}
_FORM = "application/x-www-form-urlencoded"
# Names of groups and channels, a frequency, a few markers: more is no form of ours.
_MOST_FIELDS = 4 * MOST_GROUPS + 20
_LONGEST_VALUE = 120

# The forms' fields, for the OpenAPI document: `offered` names each group (`group:NAME`)
# and channel (`channel:NAME`) the page showed, `group` and `channel` those ticked.
_NAMES = {"type": "array", "items": {"type": "string", "maxLength": _LONGEST_VALUE}}
_CHOICES = {
    "type": "object",
    "properties": {
        "offered": _NAMES,
        "group": _NAMES,
        "channel": _NAMES,
        "frequency": {"enum": list(FREQUENCIES)},
    },
    "required": ["frequency"],
}
_ERASURE = {"type": "object", "properties": {"suppress": {"const": "on"}}}


def _form_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"content": {_FORM: {"schema": schema}}}}


Language = Annotated[str | None, Query(max_length=20, description="en, hu, pl, tr or ro")]


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status, headers=_HEADERS)


def _person(request: Request, profile_id: str) -> Actor:
    return Actor("person", profile_id, "preference center", client_address(request))


def _evidence(request: Request) -> dict[str, Any]:
    return {"user_agent": request.headers.get("user-agent"), "ip": client_address(request)}


def _language(request: Request, asked: str | None, traits: dict[str, Any]) -> str:
    return pick_language(asked, traits.get("locale"), request.headers.get("accept-language"))


def _guarded(request: Request, asked: str | None, answer: Callable[[], Response]) -> Response:
    """`answer()`, or the page that says why the link or the form is refused."""
    try:
        return answer()
    except Expired:
        found = message_page(_language(request, asked, {}), "title", "expired", problem=True)
        return _page(found, 410)
    except NotFound:
        found = message_page(_language(request, asked, {}), "title", "gone", problem=False)
        return _page(found, 404)
    except InvalidInput as error:
        key = "bad_form" if error.field == "form" else "invalid"
        return _page(message_page(_language(request, asked, {}), "title", key, problem=True), 400)


async def _form(request: Request) -> dict[str, list[str]]:
    """The posted form's fields (bounded in size by baton/api/limits.py, here in count
    and length); InvalidInput on anything else."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    body = await request.body()
    if body and kind != _FORM:
        raise InvalidInput(f"send the form as {_FORM}", field="form")
    try:
        pairs = parse_qsl(body.decode(), max_num_fields=_MOST_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("the form is not valid", field="form") from None
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        if len(value) > _LONGEST_VALUE or "\x00" in value:
            raise InvalidInput("the form is not valid", field="form")
        fields.setdefault(name, []).append(value)
    return fields


@router.get("/preferences", summary="Open a person's preference page from the site")
def from_site(request: Request, person: VerifiedPerson, lang: Language = None) -> Response:
    """Redirects to the page of the person that `userHash` proves (see `/v1/inbox`), with
    a link valid for an hour."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    if not person.profile_ids:
        raise NotFound("no profile for this person yet")
    with runtime.engine.connect() as connection:
        email = load_settings(connection, person.workspace_id).get("email")
        if not isinstance(email, EmailSettings):
            raise Conflict("preference links are signed by the e-mail channel: set it up first")
        live = resolve_profile_id(connection, person.workspace_id, person.profile_ids[0])
    url = preferences_url(email, person.workspace_id, live, now, SITE_LINK_LIFETIME)
    language = pick_language(lang, None, None) if lang else None
    target = url if language is None else f"{url}?lang={language}"
    return RedirectResponse(target, 303, headers={"Cache-Control": "no-store"})


@router.get("/preferences/{token}", response_class=HTMLResponse, summary="Preference page")
def show(request: Request, token: str, lang: Language = None) -> Response:
    def answer() -> Response:
        runtime = runtime_of(request)
        now = runtime.clock.now()
        with runtime.engine.connect() as connection:
            workspace_id, profile_id = read_token(connection, token, PAGE, now)
            offer = offer_of(connection, workspace_id, profile_id, now)
        language = _language(request, lang, offer.traits)
        return _page(preference_page(language, request.url.path, offer, []))

    return _guarded(request, lang, answer)


@router.post(
    "/preferences/{token}",
    response_class=HTMLResponse,
    summary="Save choices",
    openapi_extra=_form_body(_CHOICES),
)
async def save(request: Request, token: str, lang: Language = None) -> Response:
    try:
        fields = await _form(request)
    except InvalidInput:
        fields = {"": ["refused"]}
    return await run_in_threadpool(
        _guarded, request, lang, lambda: _save(request, token, lang, fields)
    )


def _save(request: Request, token: str, lang: str | None, fields: dict[str, list[str]]) -> Response:
    runtime = runtime_of(request)
    now = runtime.clock.now()
    if "" in fields:
        raise InvalidInput("the form is not valid", field="form")
    offered = set(fields.get("offered", []))
    checked = {"group": set(fields.get("group", [])), "channel": set(fields.get("channel", []))}
    shown: dict[str, dict[str, bool]] = {"group": {}, "channel": {}}
    for item in offered:
        kind, _, name = item.partition(":")
        if kind not in shown or not name:
            raise InvalidInput("the form is not valid", field="form")
        shown[kind][name] = name in checked[kind]
    if any(checked[kind] - shown[kind].keys() for kind in checked):
        raise InvalidInput("the form is not valid", field="form")
    frequency = fields.get("frequency", [])
    if len(frequency) != 1:
        raise InvalidInput("the form is not valid", field="form")
    wanted = Choices(shown["group"], shown["channel"], frequency[0])
    with write_transaction(runtime.engine) as connection:
        workspace_id, profile_id = read_token(connection, token, PAGE, now)
        try:
            pending = save_choices(
                connection,
                workspace_id,
                profile_id,
                wanted,
                _evidence(request),
                _person(request, profile_id),
                now,
            )
        except InvalidInput as error:
            raise InvalidInput(error.message, field="form") from None
        offer = offer_of(connection, workspace_id, profile_id, now)
    language = _language(request, lang, offer.traits)
    notices = [(text(language, "saved"), False)]
    if pending:
        notices.append((text(language, "confirmation_sent", groups=", ".join(pending)), False))
    return _page(preference_page(language, request.url.path, offer, notices))


@router.post("/preferences/{token}/export", summary="Ask for one's data, sent by e-mail")
def ask_export(request: Request, token: str, lang: Language = None) -> Response:
    """E-mails the person a link whose page downloads their data: the page's own link is in
    every e-mail, forwarded ones too, so it downloads nothing itself."""
    return _guarded(request, lang, lambda: _mail_link(request, token, lang, EXPORT))


@router.post("/preferences/{token}/erasure", summary="Ask for erasure, confirmed by e-mail")
def ask_erasure(request: Request, token: str, lang: Language = None) -> Response:
    """E-mails the person a link whose page erases them; nothing is erased here."""
    return _guarded(request, lang, lambda: _mail_link(request, token, lang, ERASURE))


def _mail_link(request: Request, token: str, lang: str | None, kind: str) -> Response:
    """Sends the person their link of `kind`, at most one in a while (claimed before it
    goes, so simultaneous presses send one), and answers with their page."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with runtime.engine.connect() as connection:
        workspace_id, profile_id = read_token(connection, token, PAGE, now)
        offer = offer_of(connection, workspace_id, profile_id, now)
        language = _language(request, lang, offer.traits)
        email = load_settings(connection, workspace_id).get("email")
        if not isinstance(email, EmailSettings):
            raise InvalidInput("this link is not valid")
        try:
            mail = link_mail(connection, workspace_id, profile_id, email, kind, language, now)
        except Conflict:
            notice = (text(language, f"{kind}_no_address"), True)
            return _page(preference_page(language, _page_path(request), offer, [notice]))
    notice = (text(language, f"{kind}_sent"), False)
    with write_transaction(runtime.engine) as connection:
        actor = _person(request, profile_id)
        claimed = claim_mail(connection, workspace_id, profile_id, kind, actor, now)
    if claimed and SmtpSender(email).send(mail).status != DELIVERED:
        notice = (text(language, "mail_failed"), True)
        with write_transaction(runtime.engine) as connection:
            release_mail(connection, profile_id, kind, now)
    return _page(preference_page(language, _page_path(request), offer, [notice]))


def _page_path(request: Request) -> str:
    return request.url.path.rpartition("/")[0]


@router.get("/erasure/{token}", response_class=HTMLResponse, summary="Erasure confirmation")
def erasure_confirmation(request: Request, token: str, lang: Language = None) -> Response:
    return _confirmation(request, token, lang, ERASURE, erasure_page)


def _confirmation(
    request: Request, token: str, lang: str | None, kind: str, page: Callable[[str, str], str]
) -> Response:
    """The page an e-mailed link of `kind` opens, whose one button makes the POST."""

    def answer() -> Response:
        runtime = runtime_of(request)
        with runtime.engine.connect() as connection:
            _, profile_id = read_token(connection, token, kind, runtime.clock.now())
            traits = person_traits(connection, profile_id)
        return _page(page(_language(request, lang, traits), request.url.path))

    return _guarded(request, lang, answer)


@router.post(
    "/erasure/{token}",
    response_class=HTMLResponse,
    summary="Erase oneself",
    openapi_extra=_form_body(_ERASURE),
)
async def erase(request: Request, token: str, lang: Language = None) -> Response:
    try:
        fields = await _form(request)
    except InvalidInput:
        fields = {}
    suppress = fields.get("suppress") == ["on"]
    return await run_in_threadpool(
        _guarded, request, lang, lambda: _erase(request, token, lang, suppress)
    )


@router.get("/export/{token}", response_class=HTMLResponse, summary="Download page")
def export_confirmation(request: Request, token: str, lang: Language = None) -> Response:
    return _confirmation(request, token, lang, EXPORT, export_page)


@router.post("/export/{token}", summary="Download one's own data")
def download(request: Request, token: str, lang: Language = None) -> Response:
    """Everything held about the person (the same export as the admin API's), as a file."""

    def answer() -> Response:
        runtime = runtime_of(request)
        with runtime.engine.connect() as connection:
            workspace_id, profile_id = read_token(connection, token, EXPORT, runtime.clock.now())
        found = export_audited(runtime, workspace_id, _person(request, profile_id), profile_id)
        disposition = 'attachment; filename="my-data.json"'
        return JSONBody(found, headers={**_HEADERS, "Content-Disposition": disposition})

    return _guarded(request, lang, answer)


def _erase(request: Request, token: str, lang: str | None, suppress: bool) -> Response:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        workspace_id, profile_id = read_token(connection, token, ERASURE, runtime.clock.now())
        language = _language(request, lang, person_traits(connection, profile_id))
        actor = _person(request, profile_id)
        erase_audited(connection, runtime, workspace_id, actor, profile_id, suppress=suppress)
    return _page(message_page(language, "confirm_title", "erased", problem=False))
