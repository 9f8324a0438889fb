"""Contact points a browser write key may not set without proof.

A browser key sits in every web page, so anyone can send `identify {userId: alice,
traits: {email: attacker@...}}` with it, and Baton would then mail Alice's messages, reset
codes included, to the attacker. A message sent with a browser key that sets an e-mail
address, a phone number, a push token or a chat id must carry the person's userHash in
`context.userHash` (baton/workspaces/identity_verification.py); server keys keep every
right, so Segment's server libraries work unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from baton.core.errors import InvalidInput
from baton.workspaces import hash_matches

CONTACT_TRAITS = frozenset({"email", "phone", "pushToken", "pushTokens"})


class UnverifiedContact(InvalidInput):
    code = "unverified_contact"


@dataclass(frozen=True)
class ContactGuard:
    """The proof a browser key's messages need: the workspace's identity secret (None
    when it has none: then no browser message may set a contact point), and the trait
    the chat channel reads chat ids from."""

    identity_secret: str | None
    chat_trait: str

    def check(self, raw: Mapping[str, Any], person: str, *, anonymous: bool) -> None:
        """Raises UnverifiedContact when `raw` sets a contact point of `person` (its
        userId, or its anonymousId when `anonymous`) without their userHash."""
        found = self._contact_points(raw)
        if not found:
            return
        context = raw.get("context")
        given = context.get("userHash") if isinstance(context, dict) else None
        if not hash_matches(
            self.identity_secret,
            person,
            given if isinstance(given, str) else None,
            anonymous=anonymous,
        ):
            raise UnverifiedContact(
                f"a browser write key cannot set {found[0]} without the person's userHash "
                'in context.userHash (HMAC-SHA256 of the userId, or of "anon:" and the '
                "anonymousId, under the identity secret)",
                field=found[0],
            )

    def _contact_points(self, raw: Mapping[str, Any]) -> list[str]:
        names = CONTACT_TRAITS | {self.chat_trait}
        context = raw.get("context")
        context = context if isinstance(context, dict) else {}
        found = []
        for where, traits in (
            ("traits", raw.get("traits")),
            ("context.traits", context.get("traits")),
        ):
            if isinstance(traits, dict):
                found += [f"{where}.{name}" for name in traits if name in names]
        device = context.get("device")
        if isinstance(device, dict) and device.get("token"):
            found.append("context.device.token")
        return found
