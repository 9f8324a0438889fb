"""The egress guard attacked as a server-side request forger would: private addresses in
every spelling, IPv4 hidden in IPv6, names that fail to resolve, and DNS answers that
change between the check and the connection (rebinding). A real HTTP server on
127.0.0.1 stands for the internal service; it must never hear from a refused call."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest

from baton.channels.calls import Answer, call
from baton.channels.egress import Egress, embedded_ipv4, is_public
from baton.channels.senders import FAILED, RETRY, Outcome
from tests.servers import HttpServer


@pytest.fixture
def internal() -> Iterator[HttpServer]:
    secret = (200, {"Content-Type": "text/plain"}, b"secret")
    with HttpServer(lambda request: secret, keep_alive=True) as server:
        yield server


def port_of(server: HttpServer) -> int:
    return int(server.url.rpartition(":")[2])


class ScriptedDns:
    """A resolver that gives its answers in turn (the last one again and again), or fails
    like an unknown name when it has none; it counts the lookups."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if not self.answers:
            raise OSError("Name or service not known")
        return self.answers[min(len(self.lookups), len(self.answers)) - 1]


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1", "localhost", "127.1", "0x7f.0.0.1", "2130706433", "0177.0.0.1",
        "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]", "[::127.0.0.1]", "0.0.0.0",
    ],
)  # fmt: skip
def test_every_spelling_of_loopback_is_refused(internal: HttpServer, host: str) -> None:
    answer = call("GET", f"http://{host}:{port_of(internal)}/admin", timeout=2, egress=Egress())
    assert isinstance(answer, Outcome)
    assert answer.status == FAILED
    assert "not a public address" in answer.detail
    assert internal.requests == []


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "fe80::1",
        "fc00::1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", "2002:a00:1::1",
        "::10.0.0.1", "2001:0:4136:e378:8000:63bf:f5ff:fffe",
    ],
)  # fmt: skip
def test_private_and_embedded_private_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


def test_public_addresses_are_public_including_embedded_public_ipv4() -> None:
    for address in ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
                    "64:ff9b::5db8:d70e", "2002:5db8:d70e::1"]:  # fmt: skip
        assert is_public(ipaddress.ip_address(address)), address
    assert embedded_ipv4(ipaddress.ip_address("2002:5db8:d70e::1")) == [
        ipaddress.IPv4Address("93.184.215.14")
    ]


def test_a_name_that_does_not_resolve_is_refused_not_passed_on(internal: HttpServer) -> None:
    dns = ScriptedDns()
    answer = call("GET", "http://hooks.invalid/x", timeout=2, egress=Egress(resolve=dns))
    assert isinstance(answer, Outcome)
    assert answer.status == FAILED
    assert "could not be resolved" in answer.detail
    assert dns.lookups == ["hooks.invalid"]


def test_one_private_address_among_public_ones_refuses_the_name(internal: HttpServer) -> None:
    dns = ScriptedDns(["93.184.215.14", "127.0.0.1"])
    url = f"http://hooks.example:{port_of(internal)}/x"
    answer = call("GET", url, timeout=2, egress=Egress(resolve=dns))
    assert isinstance(answer, Outcome)
    assert "resolves to 127.0.0.1" in answer.detail
    assert internal.requests == []


def test_rebinding_cannot_reach_loopback_the_name_is_resolved_once(
    internal: HttpServer,
) -> None:
    """The first answer is public, every later one loopback: the call goes to the public
    address it checked (unreachable here), never to a second lookup."""
    dns = ScriptedDns(["93.184.215.14"], ["127.0.0.1"])
    url = f"http://rebind.example:{port_of(internal)}/x"
    answer = call("GET", url, timeout=0.3, egress=Egress(resolve=dns))
    assert isinstance(answer, Outcome)
    assert answer.status == RETRY
    assert dns.lookups == ["rebind.example"]
    assert internal.requests == []


def test_the_checked_address_is_dialled_with_the_name_in_host(internal: HttpServer) -> None:
    """The system cannot resolve `crm.internal`: only a connection to the checked address
    reaches the server, which still sees the name."""
    dns = ScriptedDns(["127.0.0.1"])
    port = port_of(internal)
    egress = Egress(["127.0.0.0/8"], resolve=dns)
    for _ in range(2):
        answer = call("GET", f"http://crm.internal:{port}/x", timeout=2, egress=egress)
        assert isinstance(answer, Answer)
        assert answer.body == b"secret"
    assert [r.headers["Host"] for r in internal.requests] == [f"crm.internal:{port}"] * 2
    assert dns.lookups == ["crm.internal"]  # the second call reused the connection


def test_a_kept_alive_connection_is_checked_again_for_the_next_caller(
    internal: HttpServer,
) -> None:
    """A connection opened under one channel's allow list is not lent to a channel whose
    list does not allow that address."""
    port = port_of(internal)
    opened = call("GET", f"http://127.0.0.1:{port}/a", timeout=2, egress=Egress(["127.0.0.1"]))
    assert isinstance(opened, Answer)
    refused = call("GET", f"http://127.0.0.1:{port}/b", timeout=2, egress=Egress())
    assert isinstance(refused, Outcome)
    assert refused.status == FAILED
    assert [r.path for r in internal.requests] == ["/a"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1/", "http:///x",
                                 "http://[::1/x", "http://example.com:99999/"])  # fmt: skip
def test_what_is_not_an_http_url_with_a_host_fails_without_a_call(url: str) -> None:
    answer = call("GET", url, timeout=1, egress=Egress(resolve=ScriptedDns(["127.0.0.1"])))
    assert isinstance(answer, Outcome)
    assert answer.status == FAILED
