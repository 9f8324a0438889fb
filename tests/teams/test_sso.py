"""The e-mail-domain rules of single sign-on, as `BATON_OIDC_ROLES` writes them."""

from __future__ import annotations

import pytest

from baton.core.errors import ConfigurationError
from baton.teams import Role
from baton.teams.sso import DomainRule, domain_rules


def test_rules_name_a_role_and_a_workspace_which_is_default_unless_said() -> None:
    assert domain_rules(" Example.com=marketer@default , agency.io = analyst,") == (
        DomainRule("example.com", Role.MARKETER, "default"),
        DomainRule("agency.io", Role.ANALYST, "default"),
    )
    assert domain_rules("shop.example=viewer@shop") == (
        DomainRule("shop.example", Role.VIEWER, "shop"),
    )
    assert domain_rules("") == ()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("example.com", "is not `domain=role`"),
        ("=marketer", "is not `domain=role`"),
        ("example.com=", "is not `domain=role`"),
        ("pat@example.com=marketer", "is not `domain=role`"),
        ("example.com=boss", "unknown role 'boss'"),
        ("example.com=viewer,EXAMPLE.com=owner", "names example.com twice"),
    ],
)
def test_a_rule_that_cannot_be_read_stops_single_sign_on(text: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        domain_rules(text)
