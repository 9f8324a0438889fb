"""Synthetic customers of a shop that is also a telecom operator's and a bank's partner:
what they do each hour, seeded, with the identity mess of real traffic (anonymous
browsing before sign-up, several devices, e-mail written in varying case, a shared
family tablet) and the reactions a journey hopes for (a reminded cart is bought more
often, a survey gets answers).

Most of it is Segment messages (`identify` / `track`); the rest are API calls (`enter`
a journey for a region's customers, `confirm` a double opt-in). `Customers.hour`
returns those due in an hour, `Customers.react` schedules replies to what was delivered.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

CATALOGUE = [
    ("sneakers", "shoes", 89.0),
    ("boots", "shoes", 139.0),
    ("raincoat", "outerwear", 119.0),
    ("scarf", "accessories", 29.0),
    ("backpack", "bags", 69.0),
    ("watch", "accessories", 199.0),
    ("t-shirt", "tops", 19.0),
    ("jeans", "bottoms", 59.0),
    ("headphones", "electronics", 149.0),
    ("charger", "electronics", 25.0),
]
ZONES = ["Europe/Paris", "Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Berlin"]
FIRST_NAMES = ["Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Edsger"]
REGIONS = ["North", "South", "East", "West"]
# Replies to the messages customers get: template -> (chance, delay in hours, event).
_REPLIES: dict[str, tuple[float, int, str]] = {
    "cart-reminder": (0.30, 3, "Order Completed"),
    "cart-reminder-incentive": (0.20, 5, "Order Completed"),
    "browse-reminder": (0.15, 2, "Product Added"),
    "win-back-offer": (0.12, 30, "Order Completed"),
    "win-back-last-chance": (0.08, 10, "Order Completed"),
    "birthday-greeting": (0.25, 20, "Order Completed"),
    "card-failed-push": (0.35, 1, "Card Replaced"),
    "check-in-push": (0.7, 2, "Checked In"),
    "newsletter": (0.04, 72, "Order Completed"),
    "newsletter-personal": (0.06, 72, "Order Completed"),
}
# What people who look at one product look at next: the co-views a recommender can learn.
_COMPANIONS = {
    "boots": "raincoat",
    "raincoat": "scarf",
    "sneakers": "t-shirt",
    "jeans": "t-shirt",
    "headphones": "charger",
    "watch": "charger",
}
# NPS comments by score band (detractor 0-6, passive 7-8, promoter 9-10), some in the seed
# markets' languages, which the sentiment model detects but does not score.
_COMMENTS = {
    "detractor": [
        "The delivery was late and support never answered. Very disappointed.",
        "Terrible experience, the parcel arrived damaged.",
        "A szállítás nagyon lassú volt.",
    ],
    "passive": [
        "Fine overall, nothing special.",
        "Good products but the website is slow.",
        "Dostawa była w porządku.",
    ],
    "promoter": [
        "Love the new collection, great quality and fast delivery!",
        "Excellent service, I will definitely buy again.",
        "Nagyon elégedett vagyok, köszönöm!",
    ],
}


@dataclass
class Customer:
    n: int
    user_id: str
    email: str
    first_name: str
    phone: str | None
    timezone: str
    birthday: str
    devices: list[str]
    signs_up_on: int  # the day they identify themselves
    sessions_per_day: float
    region: str | None  # telecom subscribers
    banked: bool
    # A telecom subscriber's contract, as a CSV import gives it: text only.
    telecom: dict[str, str] = field(default_factory=dict)
    age_band: str = ""
    locale: str | None = None  # Hungarian customers read the templates' `hu` variant
    cart: str | None = None
    orders: int = 0
    identified: bool = False

    def who(self, rng: random.Random) -> dict[str, Any]:
        device = rng.choice(self.devices)
        if not self.identified:
            return {"anonymousId": device}
        return {"userId": self.user_id, "anonymousId": device}

    def traits(self, rng: random.Random) -> dict[str, Any]:
        # The same address, as people type it: case varies, the profile stays one.
        spelled = self.email.upper() if rng.random() < 0.2 else self.email
        traits: dict[str, Any] = {
            "email": spelled,
            "firstName": self.first_name,
            "timezone": self.timezone,
            "birthday": self.birthday,
            "age_band": self.age_band,
        }
        if self.phone:
            traits["phone"] = self.phone
        if self.region:
            traits["region"] = self.region
        if self.locale:
            traits["locale"] = self.locale
        return traits | self.telecom


@dataclass
class Customers:
    """The population and its schedule of messages to come."""

    start: datetime
    days: int
    seed: int
    people: list[Customer] = field(default_factory=list)
    _due: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    _planned_through: int = -1

    @classmethod
    def generate(cls, count: int, start: datetime, days: int, seed: int) -> Customers:
        rng = random.Random(seed)
        found = cls(start, days, seed)
        shared = f"tablet-{seed}"  # one family tablet, used by a few customers
        for n in range(count):
            first = rng.choice(FIRST_NAMES)
            devices = [f"anon-{seed}-{n}-{d}" for d in range(1 + (rng.random() < 0.35))]
            if n % 97 == 0:
                devices.append(shared)
            customer = Customer(
                n=n,
                user_id=f"cust-{n:06d}",
                email=f"{first.lower()}.{n}@example.com",
                first_name=first,
                phone=f"+3361{n:07d}" if rng.random() < 0.6 else None,
                timezone=rng.choice(ZONES),
                birthday=f"{rng.randint(1960, 2004)}-"
                f"{(start + timedelta(days=rng.randrange(days + 30))).strftime('%m-%d')}",
                devices=devices,
                signs_up_on=min(days - 1, int(rng.expovariate(1 / (days / 4)))),
                sessions_per_day=min(1.5, rng.paretovariate(2.5) * 0.12),
                region=rng.choice(REGIONS) if rng.random() < 0.3 else None,
                banked=rng.random() < 0.3,
            )
            customer.age_band = _age_band(start.year - int(customer.birthday[:4]))
            # Drawn apart, so that the people and events of a seed stay those they were.
            if customer.region:
                customer.telecom = _contract(random.Random(f"{seed}:telecom:{n}"))
            if random.Random(f"{seed}:locale:{n}").random() < 0.15:
                customer.locale = "hu"
            found.people.append(customer)
        return found

    def hour(self, index: int) -> list[dict[str, Any]]:
        """The messages of hour `index` since the start (each day planned on its first hour)."""
        day = index // 24
        if day > self._planned_through:
            self._plan_day(day)
            self._planned_through = day
        return sorted(self._due.pop(index, []), key=lambda m: m["timestamp"])

    def react(self, index: int, delivered: list[tuple[str, str]]) -> None:
        """Schedule replies to the (user id, template) messages delivered in hour `index`."""
        rng = random.Random(f"{self.seed}:{index}")
        by_id = {c.user_id: c for c in self.people}
        for user_id, template in delivered:
            customer = by_id.get(user_id)
            if customer is None:
                continue
            if template == "nps-survey" and rng.random() < 0.45:
                score = rng.choices(range(11), weights=[1, 1, 1, 2, 2, 3, 4, 8, 10, 12, 10])[0]
                answer = {"score": score, "comment": _comment(customer, score)}
                self._at(index + rng.randint(1, 30), customer, "NPS Submitted", answer)
                continue
            reply = _REPLIES.get(template)
            if reply is None:
                continue
            chance, hours, event = reply
            if rng.random() >= chance:
                continue
            later = index + 1 + rng.randrange(hours)
            if event == "Order Completed":
                self._order(rng, customer, later, rng.randrange(3000))
            else:
                self._at(later, customer, event, {})

    def _plan_day(self, day: int) -> None:
        rng = random.Random(f"{self.seed}:day:{day}")
        if day == self.days // 2:
            self._outage(day)
        for customer in self.people:
            if day == customer.signs_up_on:
                self._sign_up(rng, customer, day)
            sessions = int(customer.sessions_per_day) + (
                rng.random() < customer.sessions_per_day % 1
            )
            for _ in range(sessions):
                self._session(rng, customer, day * 24 + rng.randint(8, 22))
            if customer.identified and customer.banked and rng.random() < 0.01:
                at = day * 24 + rng.randint(7, 21)
                self._at(at, customer, "Card Payment Failed", {"merchant": "City Rail"})
                if rng.random() < 0.5:
                    self._at(at + 1, customer, "Card Payment Succeeded", {})
            if customer.identified and rng.random() < 0.004:
                self._ticket(rng, customer, day * 24 + rng.randint(8, 18))

    def _sign_up(self, rng: random.Random, customer: Customer, day: int) -> None:
        at = day * 24 + rng.randint(8, 22)
        customer.identified = True
        self._add(at, customer, {"type": "identify", "traits": customer.traits(rng)}, rng)
        self._at(at, customer, "Signed Up", {"method": rng.choice(["email", "google"])})
        if rng.random() < 0.4:  # followed the double opt-in link for the onboarding tips
            self._due[at].append(
                {"confirm": "onboarding", "userId": customer.user_id,
                 "timestamp": self._instant(at, 3599)}
            )  # fmt: skip
        if rng.random() < 0.5:
            token = f"fcm-{self.seed}-{customer.n}"
            self._at(at, customer, "Application Installed", {"version": "4.2"},
                     context={"device": {"token": token, "type": "android"}})  # fmt: skip

    def _session(self, rng: random.Random, customer: Customer, at: int) -> None:
        """A visit: pages, products, maybe the cart and the order, a minute or so apart."""
        step = iter(range(rng.randrange(1200), 3600, 60))
        for _ in range(rng.randint(1, 4)):
            self._at(at, customer, "Page Viewed", {"path": rng.choice(["/", "/new", "/sale"])},
                     second=next(step))  # fmt: skip
        viewed = rng.sample(CATALOGUE, rng.randint(0, 3))
        for name, _, _ in viewed:
            for seen in (name, _COMPANIONS.get(name)):
                if seen is not None:
                    self._at(at, customer, "Product Viewed", _product(seen), second=next(step))
        if viewed and customer.identified and rng.random() < 0.3:
            name = viewed[0][0]
            customer.cart = f"cart-{customer.n}-{at}"
            self._at(at, customer, "Product Added", {**_product(name), "cart_id": customer.cart},
                     second=next(step))  # fmt: skip
            if rng.random() < 0.35:
                self._order(rng, customer, at, next(step), name)

    def _order(
        self, rng: random.Random, customer: Customer, at: int, second: int,
        item: str | None = None,
    ) -> None:  # fmt: skip
        basket = round(min(900.0, rng.lognormvariate(4.0, 0.6)), 2)
        customer.orders += 1
        order_id = f"o-{customer.n}-{customer.orders}"
        self._at(at, customer, "Checkout Started", {"cart_id": customer.cart, "total": basket},
                 second=second)  # fmt: skip
        paid: dict[str, Any] = {"order_id": order_id, "revenue": basket, "total": basket,
                                "currency": "EUR"}  # fmt: skip
        if item is not None:
            paid["products"] = [{"product_id": item, "quantity": 1}]
        self._at(at, customer, "Order Completed", paid, second=second + 30)
        customer.cart = None
        self._at(at + 20, customer, "Order Shipped", {"order_id": order_id})
        delivered = at + 20 + rng.randint(24, 72)
        self._at(delivered, customer, "Order Delivered", {"order_id": order_id})
        if rng.random() < 0.06:
            self._at(delivered + rng.randint(24, 200), customer, "Order Refunded",
                     {"order_id": order_id, "revenue": basket})  # fmt: skip
        if customer.orders in (3, 6):
            tier = "Silver" if customer.orders == 3 else "Gold"
            self._at(at + 1, customer, "Loyalty Tier Upgraded", {"tier": tier})

    def _ticket(self, rng: random.Random, customer: Customer, at: int) -> None:
        ticket = f"t-{customer.n}-{at}"
        self._at(at, customer, "Ticket Opened", {"ticket_id": ticket, "topic": "delivery"})
        solved = at + rng.randint(2, 60)
        self._at(solved, customer, "Ticket Resolved", {"ticket_id": ticket})
        if rng.random() < 0.5:
            score = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 5])[0]
            self._at(solved + rng.randint(1, 12), customer, "CSAT Submitted", {"score": score})

    def _outage(self, day: int) -> None:
        """A network outage in the North at mid-period: the operator's API call enters
        every customer there (entries, marked `enter`), the all-clear six hours later."""
        at = day * 24 + 10
        for hour, journey in ((at, "telecom-outage"), (at + 6, "telecom-outage-all-clear")):
            self._due[hour].append(
                {"enter": journey, "where": {"region": "North"},
                 "properties": {"region": "North"}, "timestamp": self._instant(hour, 0)}
            )  # fmt: skip

    def _at(self, hour: int, customer: Customer, event: str, properties: dict[str, Any],
            second: int | None = None, **extra: Any) -> None:  # fmt: skip
        rng = random.Random(f"{self.seed}:{customer.n}:{hour}:{event}")
        self._add(hour, customer, {"type": "track", "event": event, "properties": properties,
                                   **extra}, rng, second)  # fmt: skip

    def _add(self, hour: int, customer: Customer, message: dict[str, Any],
             rng: random.Random, second: int | None = None) -> None:  # fmt: skip
        """Due in `hour`, at `second` of it (at random when not given)."""
        if hour >= self.days * 24:
            return
        at = rng.randrange(3600) if second is None else min(second, 3599)
        message.update(customer.who(rng), timestamp=self._instant(hour, at))
        self._due[hour].append(message)

    def _instant(self, hour: int, second: int) -> str:
        return (self.start + timedelta(hours=hour, seconds=second)).isoformat()


def _product(name: str) -> dict[str, Any]:
    """A catalogue item as product events carry it (`product_id` as Segment's spec names it)."""
    _, category, price = next(item for item in CATALOGUE if item[0] == name)
    return {"product_id": name, "sku": name, "name": name, "category": category, "price": price}


def _comment(customer: Customer, score: int) -> str:
    band = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    choices = _COMMENTS[band]
    return choices[customer.n % len(choices)]


def _contract(rng: random.Random) -> dict[str, str]:
    """A subscriber's contract and whether they left, as the operator's export says it.
    Leaving is planted: month-to-month, new and expensive contracts churn more."""
    contract = rng.choices(["Month-to-month", "One year", "Two year"], weights=[5, 3, 2])[0]
    tenure = rng.randint(1, 72)
    charges = round(rng.uniform(20, 110), 2)
    odds = -0.4 + 2.0 * (contract == "Month-to-month") - 0.04 * tenure + 0.025 * (charges - 65)
    churned = rng.random() < 1 / (1 + math.exp(-odds))
    return {
        "contract": contract,
        "tenure_months": str(tenure),
        "monthly_charges": f"{charges:.2f}",
        "churned": "Yes" if churned else "No",
    }


def _age_band(age: int) -> str:
    """The trait the demo's fairness reports compare groups of."""
    return "under 30" if age < 30 else "30-44" if age < 45 else "45-59" if age < 60 else "60+"
