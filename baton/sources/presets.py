"""What each preset makes of a verified payload: Segment `track` messages (the tracking
API's shape, so they take its path into Baton) and the text replies among them.

A provider's id for what happened becomes the message id, so its retries of a delivery are
stored once. Provider ids of people go into `context.externalIds` and e-mails and phones
into `context.traits`, where identity resolution finds them; the anonymous id is the first
of them, prefixed with the provider (a message needs an id).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from baton.core.formats import iso_instant
from baton.sources.definitions import Definition, Rule
from baton.sources.expressions import is_expression, parse

SMS_RECEIVED, WHATSAPP_RECEIVED = "SMS Received", "WhatsApp Received"
WHATSAPP_PREFIX = "whatsapp:"
# Longer provider ids become their digest: the tracking API keeps 200 characters of an id.
_LONGEST_ID = 150

# Currencies whose Stripe amounts are whole units (Stripe's list of zero-decimal ones).
_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)


@dataclass(frozen=True, slots=True)
class Reply:
    """A text a person sent: `whatsapp` when it came over WhatsApp, else SMS; with the
    message id of its event when the provider gave the text an id."""

    sender: str
    body: str
    whatsapp: bool
    message_id: str | None = None


@dataclass(slots=True)
class Mapped:
    """What one delivery makes: messages for the tracking API, replies for keywords."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    # Made by the Twilio preset: its messages record people's texts (baton/timeline/reserved.py).
    inbound: bool = False


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str | None = None
    email: str | None = None
    phone: str | None = None
    # Identifier kind (`stripe_customer_id`) and the provider's id.
    external: tuple[tuple[str, str], ...] = ()


def track(
    provider: str,
    event: str,
    message_id: str,
    person: Person,
    properties: dict[str, Any],
    timestamp: str | None = None,
    anonymous_id: str | None = None,
) -> dict[str, Any] | None:
    """A track message, or None when the payload names no one to attribute it to."""
    traits = {k: v for k, v in (("email", person.email), ("phone", person.phone)) if v}
    context: dict[str, Any] = {}
    if traits:
        context["traits"] = traits
    if person.external:
        context["externalIds"] = [
            {"id": value, "type": kind, "collection": "users", "encoding": "none"}
            for kind, value in person.external
        ]
    named = [value for _, value in person.external] + list(traits.values())
    if anonymous_id is None and named:
        anonymous_id = f"{provider}:{named[0]}"
    if person.user_id is None and anonymous_id is None:
        return None
    if len(message_id) > _LONGEST_ID:
        message_id = f"{provider}:{hashlib.sha256(message_id.encode()).hexdigest()}"
    message = {
        "type": "track",
        "event": event,
        "messageId": message_id,
        "userId": person.user_id,
        "anonymousId": anonymous_id,
        "properties": {k: v for k, v in properties.items() if v is not None},
        "context": context,
    }
    if timestamp is not None:
        message["timestamp"] = timestamp
    return message


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    return str(value) if isinstance(value, str | int | float) else None


def _number(value: Any) -> float | None:
    """Shopify's money is text ("19.99")."""
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _unix(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 253402300800:
        return iso_instant(datetime.fromtimestamp(value, tz=UTC))
    return None


def _add(mapped: Mapped, message: dict[str, Any] | None) -> Mapped:
    if message is not None:
        mapped.messages.append(message)
    return mapped


# Shopify ---------------------------------------------------------------------------------

# Created and paid both complete an order: whichever comes first records it, once.
_SHOPIFY_ORDERS = {
    "orders/create": ("Order Completed", "completed"),
    "orders/paid": ("Order Completed", "completed"),
    "orders/cancelled": ("Order Cancelled", "cancelled"),
}


def _shopify_products(items: Any) -> list[dict[str, Any]]:
    return [
        {
            k: v
            for k, v in {
                "product_id": _text(item.get("product_id")),
                "variant": _text(item.get("variant_id")),
                "sku": _text(item.get("sku")),
                "name": _text(item.get("title")),
                "brand": _text(item.get("vendor")),
                "price": _number(item.get("price")),
                "quantity": item.get("quantity"),
            }.items()
            if v is not None
        }
        for item in _list(items)
        if isinstance(item, dict)
    ]


def _shopify_person(payload: dict[str, Any]) -> Person:
    customer = _object(payload.get("customer"))
    customer_id = _text(customer.get("id"))
    return Person(
        email=_text(payload.get("email")) or _text(customer.get("email")),
        phone=_text(payload.get("phone")) or _text(customer.get("phone")),
        external=(("shopify_customer_id", customer_id),) if customer_id else (),
    )


def shopify(payload: Any, headers: Mapping[str, str]) -> Mapped:
    topic = headers.get("x-shopify-topic", "")
    order = _object(payload)
    mapped = Mapped()
    money = {
        "currency": _text(order.get("currency")),
        "total": _number(order.get("total_price")),
        "subtotal": _number(order.get("subtotal_price")),
        "tax": _number(order.get("total_tax")),
        "discount": _number(order.get("total_discounts")),
        "products": _shopify_products(order.get("line_items")),
    }
    if topic in _SHOPIFY_ORDERS and _text(order.get("id")):
        event, suffix = _SHOPIFY_ORDERS[topic]
        shipping = _object(_object(order.get("total_shipping_price_set")).get("shop_money"))
        codes = [c.get("code") for c in _list(order.get("discount_codes")) if isinstance(c, dict)]
        properties = {
            "order_id": _text(order.get("id")),
            "checkout_id": _text(order.get("checkout_id")),
            "order_number": order.get("order_number"),
            "revenue": _number(order.get("subtotal_price")),
            "shipping": _number(shipping.get("amount")),
            "coupon": _text(codes[0]) if codes else None,
            **money,
        }
        if suffix == "cancelled":
            properties["reason"] = _text(order.get("cancel_reason"))
        at = _text(order.get("cancelled_at" if suffix == "cancelled" else "created_at"))
        message_id = f"shopify:order:{order['id']}:{suffix}"
        return _add(
            mapped, track("shopify", event, message_id, _shopify_person(order), properties, at)
        )
    if topic == "checkouts/create":
        checkout_id = _text(order.get("token")) or _text(order.get("id"))
        if checkout_id is None:
            return mapped
        properties = {
            "checkout_id": checkout_id,
            "value": _number(order.get("total_price")),
            "checkout_url": _text(order.get("abandoned_checkout_url")),
            **money,
        }
        message_id = f"shopify:checkout:{checkout_id}"
        at = _text(order.get("created_at"))
        return _add(
            mapped,
            track(
                "shopify", "Checkout Started", message_id, _shopify_person(order), properties, at
            ),
        )
    return mapped


# Stripe ----------------------------------------------------------------------------------

_STRIPE_EVENTS = {
    "payment_intent.succeeded": "Payment Succeeded",
    "payment_intent.payment_failed": "Payment Failed",
    "customer.subscription.created": "Subscription Created",
    "customer.subscription.updated": "Subscription Updated",
    "customer.subscription.deleted": "Subscription Cancelled",
}


def _stripe_amount(amount: Any, currency: str | None) -> float | None:
    if not isinstance(amount, int) or isinstance(amount, bool):
        return None
    return float(amount) if (currency or "").upper() in _ZERO_DECIMAL else amount / 100


def stripe(payload: Any, headers: Mapping[str, str]) -> Mapped:
    del headers  # the event's type is in its body
    event = _object(payload)
    name = _STRIPE_EVENTS.get(str(event.get("type")))
    found = _object(_object(event.get("data")).get("object"))
    event_id = _text(event.get("id"))
    mapped = Mapped()
    if name is None or event_id is None:
        return mapped
    customer = _text(found.get("customer"))
    currency = _text(found.get("currency"))
    person = Person(
        email=_text(found.get("receipt_email")),
        external=(("stripe_customer_id", customer),) if customer else (),
    )
    if name.startswith("Payment"):
        error = _object(found.get("last_payment_error"))
        properties: dict[str, Any] = {
            "payment_intent_id": _text(found.get("id")),
            "amount": _stripe_amount(found.get("amount_received") or found.get("amount"), currency),
            "currency": currency.upper() if currency else None,
            "status": _text(found.get("status")),
            "error_code": _text(error.get("code")),
            "error_message": _text(error.get("message")),
        }
    else:
        items = _list(_object(found.get("items")).get("data"))
        price = _object(_object(items[0]).get("price")) if items else {}
        currency = _text(price.get("currency"))
        properties = {
            "subscription_id": _text(found.get("id")),
            "status": _text(found.get("status")),
            "plan_id": _text(price.get("id")),
            "product_id": _text(price.get("product")),
            "amount": _stripe_amount(price.get("unit_amount"), currency),
            "currency": currency.upper() if currency else None,
            "interval": _text(_object(price.get("recurring")).get("interval")),
            "cancel_at_period_end": found.get("cancel_at_period_end"),
        }
    return _add(
        mapped,
        track(
            "stripe", name, f"stripe:{event_id}", person, properties, _unix(event.get("created"))
        ),
    )


# Zendesk ---------------------------------------------------------------------------------


def zendesk(payload: Any, headers: Mapping[str, str]) -> Mapped:
    del headers
    event = _object(payload)
    kind = str(event.get("type", "")).removeprefix("zen:event-type:")
    ticket = _object(event.get("detail"))
    change = _object(event.get("event"))
    mapped = Mapped()
    if kind == "ticket.created":
        name = "Ticket Created"
    elif kind == "ticket.status_changed" and str(change.get("current")).upper() == "SOLVED":
        name = "Ticket Solved"
    else:
        return mapped
    event_id = _text(event.get("id"))
    requester = _text(ticket.get("requester_id"))
    if event_id is None:
        return mapped
    person = Person(external=(("zendesk_user_id", requester),) if requester else ())
    properties = {
        "ticket_id": _text(ticket.get("id")),
        "subject": _text(ticket.get("subject")),
        "status": _text(ticket.get("status")),
        "priority": _text(ticket.get("priority")),
        "type": _text(ticket.get("type")),
        "tags": [tag for tag in _list(ticket.get("tags")) if isinstance(tag, str)],
        "channel": _text(_object(ticket.get("via")).get("channel")),
    }
    return _add(
        mapped,
        track("zendesk", name, f"zendesk:{event_id}", person, properties, _text(event.get("time"))),
    )


# Twilio ----------------------------------------------------------------------------------


def twilio(form: Mapping[str, str]) -> Mapped:
    """An inbound SMS or WhatsApp message (`From` is `whatsapp:+...` for WhatsApp), from
    this preset and from the SMS channel's own inbound callback alike."""
    sender, to = form.get("From", ""), form.get("To", "")
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    whatsapp = sender.startswith(WHATSAPP_PREFIX)
    phone = sender.removeprefix(WHATSAPP_PREFIX)
    body = form.get("Body", "")
    mapped = Mapped(inbound=True)
    message_id = f"twilio:{sid}" if sid else None
    if phone:
        mapped.replies.append(Reply(phone, body, whatsapp, message_id))
    if message_id is None or not phone:
        return mapped
    properties = {
        "body": body,
        "from": phone,
        "to": to.removeprefix(WHATSAPP_PREFIX),
        "message_sid": sid,
        "num_media": _text(form.get("NumMedia")),
        "profile_name": _text(form.get("ProfileName")),
    }
    event = WHATSAPP_RECEIVED if whatsapp else SMS_RECEIVED
    return _add(mapped, track("twilio", event, message_id, Person(phone=phone), properties))


# Generic ---------------------------------------------------------------------------------


def _value(value: Any, payload: Any) -> Any:
    return parse(value).find(payload) if is_expression(value) else value


def _rule_for(rules: list[Rule], payload: Any) -> Rule | None:
    for rule in rules:
        if all(parse(path).find(payload) == wanted for path, wanted in rule.when.items()):
            return rule
    return None


def generic(
    key: str, definition: Definition, payload: Any, headers: Mapping[str, str], body: bytes
) -> Mapped:
    """The first matching rule's event; its message id is the rule's, else the Standard
    Webhooks `webhook-id`, else the body's digest (a retry sends the same bytes)."""
    assert definition.mapping is not None
    mapped = Mapped()
    rule = _rule_for(definition.mapping.rules, payload)
    if rule is None:
        return mapped
    event = _text(_value(rule.event, payload))
    if event is None:
        return mapped
    found_id = _text(_value(rule.message_id, payload)) if rule.message_id else None
    delivery_id = found_id or headers.get("webhook-id") or hashlib.sha256(body).hexdigest()
    person = Person(
        user_id=_text(_value(rule.user_id, payload)) if rule.user_id else None,
        email=_text(_value(rule.email, payload)) if rule.email else None,
        phone=_text(_value(rule.phone, payload)) if rule.phone else None,
    )
    anonymous = _text(_value(rule.anonymous_id, payload)) if rule.anonymous_id else None
    properties = {name: _value(value, payload) for name, value in rule.properties.items()}
    timestamp = _value(rule.timestamp, payload) if rule.timestamp else None
    if isinstance(timestamp, int) and not isinstance(timestamp, bool):
        timestamp = _unix(timestamp)
    message = track(
        key, event, f"{key}:{delivery_id}", person, properties, _text(timestamp), anonymous
    )
    return _add(mapped, message)


PRESET_MAPPINGS: dict[str, Callable[[Any, Mapping[str, str]], Mapped]] = {
    "shopify": shopify,
    "stripe": stripe,
    "zendesk": zendesk,
}


# What `GET /api/v1/sources/presets` tells whoever sets a source up.
DESCRIPTIONS: list[dict[str, Any]] = [
    {
        "preset": "shopify",
        "signature": "X-Shopify-Hmac-Sha256: Base64 HMAC-SHA256 of the body, keyed with the "
        "webhook's signing secret",
        "events": {
            "orders/create, orders/paid": "Order Completed (once per order)",
            "orders/cancelled": "Order Cancelled",
            "checkouts/create": "Checkout Started",
        },
    },
    {
        "preset": "stripe",
        "signature": "Stripe-Signature: t and v1, HMAC-SHA256 of t.body with the endpoint's "
        "whsec_ secret; 5 minutes' tolerance",
        "events": {**_STRIPE_EVENTS},
    },
    {
        "preset": "zendesk",
        "signature": "X-Zendesk-Webhook-Signature: Base64 HMAC-SHA256 of "
        "X-Zendesk-Webhook-Signature-Timestamp and the body; 5 minutes' tolerance",
        "events": {
            "zen:event-type:ticket.created": "Ticket Created",
            "zen:event-type:ticket.status_changed to SOLVED": "Ticket Solved",
        },
    },
    {
        "preset": "twilio",
        "signature": "X-Twilio-Signature over the webhook URL and the form fields, keyed "
        "with the account's auth token",
        "events": {"inbound SMS": SMS_RECEIVED, "inbound WhatsApp": WHATSAPP_RECEIVED},
    },
    {
        "preset": "generic",
        "signature": "Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) "
        "or an HMAC-SHA256 of the body in a header you name",
        "events": {"mapping.rules": "the first rule whose `when` holds"},
    },
]
