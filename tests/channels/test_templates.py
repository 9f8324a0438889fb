"""Templates: refused at save time with part, line and column; rendered in a sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from baton.channels.templates import check_template, parse_template, render, text_of
from baton.core.errors import InvalidInput


def email(**parts: Any) -> dict[str, Any]:
    return {"key": "t", "channel": "email", "subject": "Hello", "text": "Hi", **parts}


def data(**overrides: Any) -> dict[str, Any]:
    return {
        "profile": {"id": "p1", "traits": {"first_name": "Ann"}, "computed": {}, "timezone": "UTC"},
        "event": {"event": "Product Added", "properties": {"total": 1234.5, "sku": "A1"}},
        "journey": {"key": "cart", "node": "email"},
        "workspace": {"company": "Acme"},
        **overrides,
    }


@pytest.mark.parametrize(
    ("parts", "field", "message"),
    [
        ({"subject": "Hi {{ name }}"}, "subject", "line 1, column 7: unknown variable 'name'"),
        ({"text": "a\n  {{ profile.x | shout }}"}, "text", "line 2, column 18: unknown filter"),
        ({"html": "<p>\n{% if %}</p>"}, "html", "line 2, column 4: missing expression"),
        ({"text": "{{ profile.name "}, "text", "line 1, column 1: expected '}}'"),
        ({"subject": None}, None, "a template for email needs subject"),
        ({"text": None}, None, "needs html or text"),
    ],
)
def test_a_bad_template_is_refused_with_part_line_and_column(
    parts: dict[str, Any], field: str | None, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_template(email(**parts))
    assert message in caught.value.message
    if field is not None:
        assert caught.value.field == field


@pytest.mark.parametrize(
    ("html", "found"),
    [
        # Positions the parser leaves out are found by the tag or output that fails.
        ("<p>\n<p>\n  {% if profile.id %}x", [(3, 6, "never closed: add {% endif %}")]),
        ("{% if profile %}{% if profile %}{% endif %}\n{% for x in profile %}{% endfor %}",
         [(1, 4, "never closed: add {% endif %}")]),
        # Blocks closed in between do not move it (a prefix ending inside one fails too).
        ("{% for x in profile %}\n{% if profile %}{% endif %}\n{% if profile %}{% endif %}x",
         [(1, 4, "never closed: add {% endfor %}")]),
        ("a\n{% for x in %}{% endfor %}", [(2, 4, "expected a primitive expression")]),
        ("{% if profile %}\n  {{ profile.id | }}{% endif %}", [(2, 3, "expected word")]),
        ("{% comment %}{% if %}{% endcomment %}\n {% if %}", [(2, 5, "missing expression")]),
        ("<b>\n\n   {{ profile.id ", [(3, 4, "expected '}}'")]),
        # Every unknown filter and variable, in the order they are written.
        ("<p>\n\n<p>{{ profile.name | upcasee }} {{ name }}\n{{ shop.x | up }}",
         [(3, 22, "unknown filter 'upcasee'"), (3, 36, "unknown variable 'name'"),
          (4, 4, "unknown variable 'shop'"), (4, 13, "unknown filter 'up'")]),
    ],
)  # fmt: skip
def test_a_drafts_mistakes_are_found_at_their_line_and_column(
    html: str, found: list[tuple[int, int, str]]
) -> None:
    _, problems = check_template(email(html=html, subject="{{ workspace.x | nope }}"))
    assert [(p.part, p.line, p.column) for p in problems] == [("subject", 1, 18)] + [
        ("html", line, column) for line, column, _ in found
    ]
    for problem, (_, _, message) in zip(problems[1:], found, strict=True):
        assert message in problem.message
    assert str(problems[1]).startswith(f"html: line {found[0][0]}, column {found[0][1]}: ")


def test_a_long_draft_with_an_unclosed_block_is_placed_in_few_parses() -> None:
    html = "<p>{{ profile.id }}</p>\n" * 5000 + "{% unless profile.id %}" + "x\n" * 10
    _, problems = check_template(email(html=html))
    assert [(p.line, p.column) for p in problems] == [(5001, 4)]


def test_a_mistake_repeated_throughout_a_draft_is_told_a_hundred_times_at_most() -> None:
    _, problems = check_template(email(html="{{ nme }}\n" * 1000))
    assert [(p.line, p.column) for p in problems] == [(n, 4) for n in range(1, 101)]


def test_channels_need_their_parts() -> None:
    with pytest.raises(InvalidInput, match="a template for sms needs body"):
        parse_template({"key": "s", "channel": "sms", "text": "x"})
    assert parse_template({"key": "s", "channel": "sms", "body": "Hi {{ profile.id }}"})


def test_rendering_reads_profile_event_journey_and_workspace_with_filters() -> None:
    template = parse_template(
        email(
            subject=(
                "{{ profile.traits.first_name | default: 'there' }}, from {{ workspace.company }}"
            ),
            text=(
                "{{ event.properties.total | money: 'EUR' }} / "
                "{{ event.properties.total | money: 'CHF' }} / "
                "{{ profile.traits.nickname | default: 'friend' }} / {{ journey.key }} / "
                "{{ event.at | local_date: '%d %b %H:%M' }}"
            ),
        )
    )
    at = {**data()["event"], "at": "2026-03-10T23:30:00Z"}
    tokyo = {**data()["profile"], "timezone": "Asia/Tokyo"}
    rendered = render(template, data(event=at, profile=tokyo))
    assert rendered.subject == "Ann, from Acme"
    assert rendered.text == "€1,234.50 / 1,234.50 CHF / friend / cart / 11 Mar 08:30"


def test_html_is_escaped_inlined_and_gives_the_text_part() -> None:
    template = parse_template(
        email(
            text=None,
            html=(
                "<style>a { color: red }</style><h1>Hi {{ profile.traits.first_name }}</h1>"
                "<p>Your cart: {{ event.properties.sku }} &amp; more</p>"
                '<p><a href="https://shop.test/cart">Back to cart</a></p>'
            ),
        )
    )
    hostile = {**data()["profile"], "traits": {"first_name": "<script>x</script>"}}
    rendered = render(template, data(profile=hostile))
    assert rendered.html is not None
    assert "&lt;script&gt;" in rendered.html
    assert "<script>" not in rendered.html
    assert 'style="color: red;"' in rendered.html
    assert rendered.text == (
        "Hi <script>x</script>\n\nYour cart: A1 & more\n\nBack to cart (https://shop.test/cart)"
    )


def test_a_linked_stylesheet_is_never_read_from_disk(tmp_path: Path) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text('p { font-family: "secret-marker-7f3a" }')
    links = f'<link rel="stylesheet" href="file://{secret}"><link rel="stylesheet" href="{secret}">'
    template = parse_template(email(html=links + "<p>Hi</p>"))
    rendered = render(template, data())
    assert rendered.html is not None
    assert "secret-marker" not in rendered.html
    assert links in rendered.html  # left for the reader's mail client


def test_rendering_is_bounded() -> None:
    template = parse_template(
        email(text="{% for i in (1..100000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}")
    )
    with pytest.raises(InvalidInput, match="text: "):
        render(template, data())


def test_text_of_skips_what_is_not_shown() -> None:
    markup = "<html><head><title>T</title><style>p{}</style></head><body><p>One</p>Two</body>"
    assert text_of(markup) == "One\nTwo"
