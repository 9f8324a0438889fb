"""Message templates: Liquid, checked strictly when saved, rendered in a sandbox.

A template names its channel and the parts that channel sends (an e-mail's subject,
HTML and text; an SMS, push or chat body). Every part is Liquid over plain data only:
`profile` (`id`, `traits`, `computed`, `timezone`), `event` (the trigger: `event`,
`properties`), `journey` (`key`, `node`, `version`), `workspace` (the constants of the
workspace policy) and `recommendations` (`recommendations.<key>`: the items a prediction
recommends the profile, read only for templates that use it; see recommendations_read);
e-mail also reads `preferences_url`, the person's preference page.
Saving refuses a syntax error, an unknown variable root or an unknown filter, with the
part, line and column. Rendering has limits on loops, output size and
nesting; HTML is auto-escaped and the CSS of its `<style>` elements inlined (a linked
stylesheet is never fetched); a missing text part is derived from the HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from html.parser import HTMLParser
from typing import Annotated, Any, TextIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

import css_inline
from liquid import BoundTemplate, Environment, RenderContext
from liquid.builtin.output import Output, OutputNode
from liquid.exceptions import LiquidError
from liquid.filter import with_context
from liquid.stringify import to_liquid_string
from liquid.token import TOKEN_OUTPUT, TOKEN_TAG, Token
from pydantic import BaseModel, ConfigDict, Field, model_validator

from baton.core.errors import InvalidInput
from baton.core.local_time import zone_or
from baton.core.validation import validated
from baton.predict.recommended import EVERY
from baton.segments import is_number, parse_instant
from baton.workspaces import LOCALE, Locales, normalize_locale

RECOMMENDATIONS = "recommendations"
# An e-mail's link to the person's preference page (baton/channels/preferences.py).
PREFERENCES_URL = "preferences_url"
ROOTS = ("profile", "event", "journey", "workspace", RECOMMENDATIONS, PREFERENCES_URL)
# Parts each channel needs (all of one group: at least one of a tuple).
_NEEDS: dict[str, list[tuple[str, ...]]] = {
    "email": [("subject",), ("html", "text")],
    "sms": [("body",)],
    "push": [("body",)],
    "chat": [("body",)],
    "inbox": [("body",)],
    # An approved template, or free-form text for the 24-hour customer service window.
    "whatsapp": [("whatsapp", "body")],
}
PARTS = ("subject", "html", "text", "title", "body")
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
_UTC = ZoneInfo("UTC")
# A part pasted with one mistake repeated throughout is told the first ones, not
# thousands (each costs a line and column and a place in the answer).
MOST_PROBLEMS = 100
# The parser meets the end of the template, and calls it the end of an expression.
_UNCLOSED = re.compile(r"^expected tag (end\w+), found end of expression$")
_LIMITS = {
    "loop_iteration_limit": 10_000,
    "output_stream_limit": 512 * 1024,
    "context_depth_limit": 30,
    "local_namespace_limit": 64 * 1024,
}


@with_context
def _local_date(value: Any, fmt: str = "%Y-%m-%d %H:%M", *, context: Any) -> str:
    """An instant in the profile's time zone, with a strftime format."""
    instant = value if isinstance(value, datetime) else parse_instant(value)
    if instant is None:
        return "" if value is None else str(value)
    profile = context.globals.get("profile") or {}
    return instant.astimezone(zone_or(profile.get("timezone"), _UTC)).strftime(fmt)


def _money(value: Any, currency: str = "USD") -> str:
    """`12.5 | money: "EUR"` -> €12.50; unknown currencies keep their code."""
    try:
        amount = Decimal(str(value)) if is_number(value) or isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    if amount is None:
        return "" if value is None else str(value)
    text = f"{amount.quantize(Decimal('0.01')):,.2f}"
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def _environment(autoescape: bool) -> Environment:
    env = Environment(autoescape=autoescape)
    for name, limit in _LIMITS.items():
        setattr(env, name, limit)
    env.filters["local_date"] = _local_date
    env.filters["money"] = _money
    return env


_PLAIN, _HTML = _environment(False), _environment(True)
# Loading a <link>ed stylesheet would have Baton fetch any URL (past the egress guard) or
# read any file the template names; the link is left for the reader's mail client.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_link_tags=True)


def _parsed(source: str, html: bool) -> BoundTemplate:
    return (_HTML if html else _PLAIN).from_string(source)


# A part parsed once: rendering a batch of messages parses each template once.
_compiled = lru_cache(maxsize=4096)(_parsed)


class _Raw(str):
    """A value the author of a URL template trusts as URL text."""


def _raw(value: Any) -> _Raw:
    return _Raw(to_liquid_string(value, autoescape=False))


class _EncodedNode(OutputNode):
    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        value = self.expression.evaluate(context)
        text = to_liquid_string(value, autoescape=False)
        if isinstance(value, _Raw):
            return buffer.write(text)
        encoded = quote(text, safe="")
        # quote() keeps dots, and a lone `.` or `..` would still be a step up the path.
        return buffer.write(encoded.replace(".", "%2E") if encoded in (".", "..") else encoded)


class _EncodedOutput(Output):
    node_class = _EncodedNode


def _url_environment() -> Environment:
    """Liquid for URLs: every `{{ }}` output percent-encoded, unless filtered `raw` last;
    without `echo` and `cycle`, which would print values unencoded."""
    env = _environment(False)
    env.add_tag(_EncodedOutput)
    for tag in ("echo", "cycle"):
        del env.tags[tag]
    env.filters["raw"] = _raw
    return env


_URL = _url_environment()


@lru_cache(maxsize=1024)
def _compiled_url(source: str) -> BoundTemplate:
    return _URL.from_string(source)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WhatsAppContent(_Model):
    """A WhatsApp template approved through Twilio's Content API (`HX...`), and the
    Liquid of each of its numbered variables."""

    content_sid: str = Field(pattern=r"^HX[0-9a-fA-F]{32}$")
    variables: dict[
        Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")],
        Annotated[str, Field(max_length=1024)],
    ] = Field(default_factory=dict, max_length=100)


_ShortPart = Annotated[str | None, Field(max_length=1000)]
_HtmlPart = Annotated[str | None, Field(max_length=256 * 1024)]
_LongPart = Annotated[str | None, Field(max_length=64 * 1024)]


class LocaleVariant(_Model):
    """A template's parts in one language, each replacing the base's."""

    subject: _ShortPart = None
    html: _HtmlPart = None
    text: _LongPart = None
    title: _ShortPart = None
    body: _LongPart = None
    whatsapp: WhatsAppContent | None = None

    @model_validator(mode="after")
    def _some(self) -> LocaleVariant:
        if not self.model_fields_set:
            raise ValueError("a locale gives at least one part")
        return self


class MessageTemplate(_Model):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    channel: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    name: str = Field(default="", max_length=200)
    subject: _ShortPart = None
    html: _HtmlPart = None
    text: _LongPart = None
    title: _ShortPart = None
    body: _LongPart = None
    whatsapp: WhatsAppContent | None = None
    # The parts in other languages than the workspace's default, by language (`hu`).
    locales: dict[Annotated[str, Field(pattern=LOCALE)], LocaleVariant] = Field(
        default_factory=dict, max_length=100
    )

    @model_validator(mode="after")
    def _parts(self) -> MessageTemplate:
        for group in _NEEDS.get(self.channel, [("body", "html", "text")]):
            if all(getattr(self, part) is None for part in group):
                raise ValueError(f"a template for {self.channel} needs {' or '.join(group)}")
        return self

    def variant(self, locale: str) -> MessageTemplate:
        """The template with the parts of its `locale` variant (itself when it has none)."""
        found = self.locales.get(locale)
        if found is None:
            return self
        return self.model_copy(
            update={name: getattr(found, name) for name in found.model_fields_set}
        )


@dataclass(frozen=True)
class Problem:
    """A Liquid mistake in a part, at its line and column (both from 1)."""

    part: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.part}: line {self.line}, column {self.column}: {self.message}"

    def json(self) -> dict[str, Any]:
        return asdict(self)


def parse_template(data: Any) -> MessageTemplate:
    """A template whose every part compiles and reads only known variables and filters;
    InvalidInput naming the part, line and column otherwise."""
    template, problems = check_template(data)
    if problems:
        raise InvalidInput(str(problems[0]), field=problems[0].part)
    return template


def check_template(data: Any) -> tuple[MessageTemplate, list[Problem]]:
    """A template of valid shape (InvalidInput otherwise) and the Liquid mistakes of all
    its parts: a draft's, to show each where it is."""
    template = validated(MessageTemplate, data)
    problems = [
        problem
        for field, source in _sources(template)
        for problem in _problems(field, source, _HTML if field.endswith("html") else _PLAIN)
    ]
    return template, problems


def _sources(template: MessageTemplate | LocaleVariant, prefix: str = "") -> list[tuple[str, str]]:
    """(field, Liquid) of every part, WhatsApp variable and locale's part of a template."""
    found = [
        (f"{prefix}{part}", source)
        for part in PARTS
        if (source := getattr(template, part)) is not None
    ]
    if template.whatsapp is not None:
        variables = template.whatsapp.variables.items()
        found += [(f"{prefix}whatsapp.variables.{name}", source) for name, source in variables]
    if isinstance(template, MessageTemplate):
        for code, variant in template.locales.items():
            found += _sources(variant, f"locales.{code}.")
    return found


def _check(part: str, source: str, env: Environment) -> None:
    problems = _problems(part, source, env)
    if problems:
        raise InvalidInput(str(problems[0]), field=part)


def _problems(part: str, source: str, env: Environment) -> list[Problem]:
    """The part's syntax error (parsing stops at the first), else the first MOST_PROBLEMS
    uses of an unknown variable root or filter."""
    try:
        analysis = env.from_string(source).analyze()
    except LiquidError as error:
        message = _message(error)
        line, column = _line_column(source, _error_index(source, error, message, env))
        readable = _UNCLOSED.sub(r"this block is never closed: add {% \1 %}", message)
        return [Problem(part, line, column, readable)]
    found = [
        (use.span.index, f"unknown variable {root!r} (use {', '.join(ROOTS)})")
        for root, uses in analysis.globals.items()
        if root not in ROOTS
        for use in uses
    ]
    found += [
        (span.index, f"unknown filter {name!r}")
        for name, spans in analysis.filters.items()
        if name not in env.filters
        for span in spans
    ]
    return [
        Problem(part, *_line_column(source, index), message)
        for index, message in sorted(found)[:MOST_PROBLEMS]
    ]


def _error_index(source: str, error: LiquidError, message: str, env: Environment) -> int:
    token = error.token
    index = token.start_index if token is not None else -1
    if index >= 0:
        return index
    unclosed = _UNCLOSED.match(message)
    found = _opened(source, unclosed[1].removeprefix("end"), env) if unclosed else None
    return found if found is not None else _failing_markup(source, message, env)


def _markup(source: str, env: Environment) -> list[Token]:
    """The source's tags and outputs, as far as it lexes: what was lexed before a later
    lexing error is what the parser saw first."""
    found: list[Token] = []
    with suppress(LiquidError):
        for token in env.tokenizer()(source):
            if token.kind in (TOKEN_TAG, TOKEN_OUTPUT):
                found.append(token)
    return found


def _opened(source: str, block: str, env: Environment) -> int | None:
    """Where the innermost `block` tag left open is (the parser reports it at the end),
    each end tag closing the latest opening; None when the lexer sees none (one in a
    `liquid` tag)."""
    opened: list[int] = []
    for token in _markup(source, env):
        if token.kind == TOKEN_TAG and token.value == block:
            opened.append(token.start_index)
        elif token.kind == TOKEN_TAG and token.value == f"end{block}" and opened:
            opened.pop()
    return opened[-1] if opened else None


def _failing_markup(source: str, message: str, env: Environment) -> int:
    """Where an error the parser gives no position (an expression that ends too soon)
    starts: the first tag or output whose prefix of the source fails with the same
    message, found by bisection so a long template costs a few parses. (A prefix fails
    from the faulty markup on: the parser stops at the first mistake it meets.)"""
    marks = [  # (where the markup starts, where to point at)
        (
            source.rfind("{%", 0, t.start_index) if t.kind == TOKEN_TAG else t.start_index,
            t.start_index,
        )
        for t in _markup(source, env)
    ]

    def fails(i: int) -> bool:
        end = marks[i + 1][0] if i + 1 < len(marks) else len(source)
        try:
            env.from_string(source[:end])
        except LiquidError as error:
            return _message(error) == message
        return False

    low, high = 0, len(marks) - 1
    while low < high:
        middle = (low + high) // 2
        if fails(middle):
            high = middle
        else:
            low = middle + 1
    return marks[low][1] if marks else 0


def _message(error: LiquidError) -> str:
    """The error's first line: the rest repeats the source around it."""
    return next(iter(str(error).splitlines()), type(error).__name__)


def _line_column(source: str, index: int) -> tuple[int, int]:
    before = source[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


@dataclass(frozen=True)
class Rendered:
    channel: str
    subject: str | None = None
    html: str | None = None
    text: str | None = None
    title: str | None = None
    body: str | None = None
    # {content_sid, variables}: the approved WhatsApp template and its variables' values.
    whatsapp: dict[str, Any] | None = None
    locale: str | None = None  # the language it was rendered in (not one of its parts)

    def json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"channel": self.channel}
        for part in (*PARTS, "whatsapp"):
            value = getattr(self, part)
            if value is not None:
                found[part] = value
        return found


def render(template: MessageTemplate, data: dict[str, Any], *, draft: bool = False) -> Rendered:
    """The template's parts rendered over `data` ({profile, event, journey, workspace});
    InvalidInput when a part fails (a limit reached, a filter given a bad argument). A
    `draft` is parsed for this once: each keystroke of an editor is a new one, and must
    not fill the cache (nor evict from it the templates messages are sent with)."""
    parse = _parsed if draft else _compiled
    parts: dict[str, str | None] = {}
    for part in PARTS:
        source = getattr(template, part)
        if source is None:
            parts[part] = None
            continue
        try:
            parts[part] = parse(source, part == "html").render(**data)
        except LiquidError as error:
            message = _message(error)
            raise InvalidInput(f"{part}: {message}", field=part) from None
    if parts["html"] is not None:
        try:
            parts["html"] = _INLINER.inline(parts["html"])
        except css_inline.InlineError as error:
            raise InvalidInput(f"html: its CSS cannot be inlined: {error}", field="html") from None
        if parts["text"] is None:
            parts["text"] = text_of(parts["html"])
    content = template.whatsapp
    whatsapp = None
    if content is not None:
        variables: dict[str, str] = {}
        for name, source in content.variables.items():
            try:
                variables[name] = parse(source, False).render(**data)
            except LiquidError as error:
                field = f"whatsapp.variables.{name}"
                raise InvalidInput(f"{field}: {_message(error)}", field=field) from None
        whatsapp = {"content_sid": content.content_sid, "variables": variables}
    return Rendered(template.channel, **parts, whatsapp=whatsapp)


def render_localized(
    template: MessageTemplate,
    data: dict[str, Any],
    locales: Locales | None,
    wanted: str | None = None,
    *,
    draft: bool = False,
) -> Rendered:
    """The template rendered (see render) in the language `wanted` (by default the
    profile's `locale` trait) or the nearest it has along the workspace's fallbacks."""
    if wanted is None:
        wanted = data["profile"]["traits"].get("locale")
    locales = locales or Locales()
    chain = locales.chain(normalize_locale(wanted))
    # The base parts are in the default language: a variant past it in the chain is no nearer.
    code = next(c for c in chain if c in template.locales or c == locales.default)
    return replace(render(template.variant(code), data, draft=draft), locale=code)


class _Text(HTMLParser):
    _BREAKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table"})
    _HIDDEN = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0
        self._link: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BREAKS:
            self.chunks.append("\n")
        elif tag == "a":
            self._link = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BREAKS:
            self.chunks.append("\n")
        elif tag == "a" and self._link:
            self.chunks.append(f" ({self._link})")
            self._link = None

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.chunks.append(data)


def text_of(markup: str) -> str:
    """A plain-text part from HTML: visible text, line breaks at blocks, links spelled out."""
    parser = _Text()
    parser.feed(markup)
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in "".join(parser.chunks).split("\n"))
    return html.unescape(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip())


def sources_of(template: MessageTemplate) -> list[str]:
    """The Liquid of the template's parts, in every language."""
    return [source for _, source in _sources(template)]


def recommendations_read(sources: Iterable[str]) -> frozenset[str]:
    """The keys of the predictions Liquid `sources` read under `recommendations` (EVERY
    where one reads it whole or by a computed key); empty when none does, so a message
    that shows no recommendations costs no query."""
    return frozenset(key for source in sources for key in _recommendations_read(source))


@lru_cache(maxsize=4096)
def _recommendations_read(source: str) -> frozenset[str]:
    if RECOMMENDATIONS not in source:
        return frozenset()
    try:
        uses = _PLAIN.from_string(source).analyze().globals.get(RECOMMENDATIONS, [])
    except LiquidError:
        return frozenset()
    return frozenset(
        use.segments[1] if len(use.segments) > 1 and isinstance(use.segments[1], str) else EVERY
        for use in uses
    )


def check_text(field: str, source: str) -> None:
    """A Liquid string outside a template (a webhook's header or body value), checked
    like a template's part; the error names `field`."""
    _check(field, source, _PLAIN)


def check_url(source: str) -> None:
    """A webhook's URL template, checked like a template's part, with the `raw` filter."""
    _check("url", source, _URL)


def render_url(source: str, data: dict[str, Any]) -> str:
    """A URL template rendered over `data`, each output percent-encoded unless `raw`;
    InvalidInput when it fails."""
    try:
        return _compiled_url(source).render(**data)
    except LiquidError as error:
        raise InvalidInput(_message(error)) from None


def render_text(source: str, data: dict[str, Any]) -> str:
    """A Liquid string rendered over `data` (not escaped); InvalidInput when it fails."""
    try:
        return _compiled(source, False).render(**data)
    except LiquidError as error:
        raise InvalidInput(_message(error)) from None


def render_json(value: Any, data: dict[str, Any]) -> Any:
    """A JSON document with every string rendered as Liquid."""
    if isinstance(value, str):
        return render_text(value, data)
    if isinstance(value, list):
        return [render_json(item, data) for item in value]
    if isinstance(value, dict):
        return {key: render_json(item, data) for key, item in value.items()}
    return value


def strings_of(value: Any, path: str) -> list[tuple[str, str]]:
    """(path, string) of every string in a JSON document, for checking them."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in strings_of(item, f"{path}.{i}")]
    if isinstance(value, dict):
        return [found for k, item in value.items() for found in strings_of(item, f"{path}.{k}")]
    return []
