"""The preference center's HTML: server-rendered pages of plain forms that work without
JavaScript, in the visitor's language, readable on a 375 px wide phone, with labelled
controls grouped in fieldsets, visible focus and colours of AA contrast or better."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from baton.channels.preference_texts import LANGUAGES, text
from baton.channels.preferences import FREQUENCIES, Offer

_STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1a1a1a;background:#f4f5f7}
header,main{max-width:40rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
a{color:#1d4ed8}
a[aria-current]{color:#1a1a1a;font-weight:700;text-decoration:none}
main{background:#fff;border-radius:.5rem;margin-top:1rem;margin-bottom:2rem;padding:1.5rem 1rem}
h1{font-size:1.75rem;margin:0 0 .5rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem}
fieldset{border:1px solid #c4c8cf;border-radius:.5rem;margin:1rem 0;padding:.75rem 1rem 1rem}
legend{font-weight:700;padding:0 .25rem}
.hint{color:#4b5563;margin:.25rem 0 .5rem}
.choice{display:flex;align-items:flex-start;gap:.6rem;padding:.35rem 0}
.choice input{width:1.25rem;height:1.25rem;margin:.15rem 0 0;flex:none;accent-color:#1d4ed8}
.choice small{display:block;color:#4b5563}
button{font:inherit;font-weight:600;border:0;border-radius:.375rem;padding:.65rem 1.1rem;
color:#fff;background:#1d4ed8;cursor:pointer;min-height:2.75rem}
button:hover{background:#1e40af}
button.secondary{color:#1d4ed8;background:#fff;border:2px solid #1d4ed8}
button.danger{background:#b91c1c}
button.danger:hover{background:#991b1b}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
button.danger:focus-visible{outline-color:#b91c1c}
.notice{border-radius:.375rem;padding:.75rem 1rem;background:#ecfdf5;color:#065f46}
.notice.problem{background:#fef2f2;color:#991b1b}
"""

_CURRENT = ' aria-current="page"'


def preference_page(language: str, path: str, offer: Offer, notices: list[tuple[str, bool]]) -> str:
    """The person's page; `notices` are (text, whether it tells of a problem)."""
    choices = offer.choices
    action = _with_language(path, language)
    parts = [f"<h1>{escape(text(language, 'title'))}</h1>"]
    parts += [f"<p>{escape(text(language, 'intro'))}</p>", *_notices(notices)]
    parts.append(f'<form method="post" action="{escape(action)}">')
    if choices.groups:
        boxes = []
        for n, (group, subscribed) in enumerate(choices.groups.items()):
            note = text(language, "needs_confirmation") if group in offer.double else None
            boxes.append(_hidden("offered", f"group:{group}"))
            boxes.append(_choice("checkbox", f"group-{n}", "group", group, _title(group),
                                 subscribed, note))  # fmt: skip
        parts.append(
            _fieldset(text(language, "groups"), text(language, "groups_hint"), "groups", boxes)
        )
    if choices.channels:
        boxes = []
        for channel, subscribed in choices.channels.items():
            boxes.append(_hidden("offered", f"channel:{channel}"))
            label = text(language, f"channel_{channel}")
            boxes.append(_choice("checkbox", f"channel-{channel}", "channel", channel, label,
                                 subscribed, None))  # fmt: skip
        parts.append(
            _fieldset(
                text(language, "channels"), text(language, "channels_hint"), "channels", boxes
            )
        )
    paused = None
    if offer.paused_until is not None:
        paused = text(language, "paused_until", date=f"{offer.paused_until:%Y-%m-%d}")
    radios = [
        _choice(
            "radio",
            f"frequency-{value}",
            "frequency",
            value,
            text(language, f"frequency_{value}"),
            value == choices.frequency,
            paused if value == "pause" else None,
        )
        for value in FREQUENCIES
    ]
    parts.append(
        _fieldset(text(language, "frequency"), text(language, "transactional"), "often", radios)
    )
    parts.append(f'<button type="submit">{escape(text(language, "save"))}</button></form>')
    parts.append(
        _section(language, "data", "export_text", path + "/export", "export_button", "secondary")
    )
    parts.append(_section(language, "erase", "erase_text", path + "/erasure", "erase_button",
                          "danger"))  # fmt: skip
    return _document(language, text(language, "title"), path, "".join(parts))


def erasure_page(language: str, path: str) -> str:
    """The page an erasure link opens: one more press (a POST) erases."""
    suppress = _choice(
        "checkbox", "suppress", "suppress", "on", text(language, "suppress"), True, None
    )
    return _confirmation(
        language, path, ("confirm_title", "confirm_text", "confirm_button", "danger"), suppress
    )


def export_page(language: str, path: str) -> str:
    """The page a download link opens: one more press (a POST) downloads, so that a link
    scanner following the e-mail's link fetches nothing."""
    return _confirmation(language, path, ("data", "data_text", "download", "secondary"), "")


def _confirmation(language: str, path: str, keys: tuple[str, str, str, str], fields: str) -> str:
    title, explanation, button, style = keys
    parts = [
        f"<h1>{escape(text(language, title))}</h1>",
        f"<p>{escape(text(language, explanation))}</p>",
        f'<form method="post" action="{escape(_with_language(path, language))}">',
        fields,
        f'<p><button type="submit" class="{style}">{escape(text(language, button))}'
        "</button></p></form>",
    ]
    return _document(language, text(language, title), path, "".join(parts))


def message_page(language: str, title_key: str, message_key: str, *, problem: bool) -> str:
    """A page that only tells something (done, or why not)."""
    body = f"<h1>{escape(text(language, title_key))}</h1>" + "".join(
        _notices([(text(language, message_key), problem)])
    )
    return _document(language, text(language, title_key), None, body)


def _document(language: str, title: str, path: str | None, body: str) -> str:
    switch = ""
    if path is not None:
        links = "".join(
            f'<li><a href="{escape(_with_language(path, code))}" lang="{code}" hreflang="{code}"'
            f"{_CURRENT if code == language else ''}>{escape(name)}</a></li>"
            for code, name in LANGUAGES.items()
        )
        switch = (
            f'<header><nav aria-label="{escape(text(language, "language"))}"><ul>{links}</ul>'
            "</nav></header>"
        )
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{switch}<main>{body}</main></body></html>"
    )


def _fieldset(legend: str, hint: str, key: str, controls: list[str]) -> str:
    return (
        f'<fieldset aria-describedby="{key}-hint"><legend>{escape(legend)}</legend>'
        f'<p class="hint" id="{key}-hint">{escape(hint)}</p>{"".join(controls)}</fieldset>'
    )


def _choice(
    kind: str, id_: str, name: str, value: str, label: str, checked: bool, note: str | None
) -> str:
    described = f' aria-describedby="{id_}-note"' if note else ""
    small = f'<small id="{id_}-note">{escape(note)}</small>' if note else ""
    return (
        f'<div class="choice"><input type="{kind}" id="{escape(id_)}" name="{name}" '
        f'value="{escape(value)}"{" checked" if checked else ""}{described}>'
        f'<label for="{escape(id_)}">{escape(label)}{small}</label></div>'
    )


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(value)}">'


def _section(
    language: str, heading: str, explanation: str, action: str, button: str, style: str
) -> str:
    return (
        f'<section aria-labelledby="{heading}-heading"><h2 id="{heading}-heading">'
        f"{escape(text(language, heading))}</h2><p>{escape(text(language, explanation))}</p>"
        f'<form method="post" action="{escape(_with_language(action, language))}">'
        f'<button type="submit" class="{style}">{escape(text(language, button))}</button>'
        "</form></section>"
    )


def _notices(notices: list[tuple[str, bool]]) -> list[str]:
    return [
        f'<p class="notice{" problem" if problem else ""}" '
        f'role="{"alert" if problem else "status"}">{escape(message)}</p>'
        for message, problem in notices
    ]


def _title(group: str) -> str:
    """A subscription group's name for people (`weekly-deals`: Weekly deals)."""
    words = group.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else group


def _with_language(path: str, language: str) -> str:
    return f"{quote(path)}?lang={language}"
