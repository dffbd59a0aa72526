"""The connect-time guard: one lookup, the whole answer checked, the checked address used."""

from __future__ import annotations

import socket
import ssl

import pytest

from ingest.http import Fetcher, FetchError, FetchPolicy
from ingest.http_guard import default_ssl_context
from tests.support.server import LoopbackServer, Reply

LOOPBACK = ("127.0.0.0/8",)


def test_bad_allowed_network_fails_at_construction() -> None:
    with pytest.raises(ValueError):
        Fetcher(FetchPolicy(allowed_networks=("127.0.0.0/33",)))


def test_any_non_public_answer_spoils_the_lookup(http_server: LoopbackServer) -> None:
    http_server.routes["/a"] = Reply(200, {}, b"ok")
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1", "10.0.0.1"]  # the first alone would be allowed

    policy = FetchPolicy(allowed_networks=LOOPBACK)
    with Fetcher(policy, resolver=resolver) as fetcher, pytest.raises(FetchError) as err:
        fetcher.get(f"http://mixed.test:{http_server.port}/a")
    assert err.value.reason == "blocked_address"
    assert calls == ["mixed.test"]
    assert http_server.hits("/a") == 0


def test_connects_to_the_checked_address_after_one_lookup(http_server: LoopbackServer) -> None:
    http_server.routes["/a"] = Reply(200, {}, b"ok")
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])  # a rebinding resolver: second answer private
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    with Fetcher(FetchPolicy(allowed_networks=LOOPBACK), resolver=resolver) as fetcher:
        fetched = fetcher.get(f"http://feed.test:{http_server.port}/a")
    assert fetched.body == b"ok"
    assert calls == ["feed.test"]
    # The name still travels in the Host header although the socket went to the checked IP.
    assert http_server.requests[0].headers["host"] == f"feed.test:{http_server.port}"


def test_unresolvable_name_is_a_dns_failure() -> None:
    with Fetcher(FetchPolicy()) as fetcher, pytest.raises(FetchError) as err:
        fetcher.get("http://no-such-host.invalid/feed")
    assert err.value.reason == "dns_failed"


@pytest.mark.parametrize(
    ("errno", "kind"), [(socket.EAI_NONAME, "soft"), (socket.EAI_AGAIN, "temporary")]
)
def test_dns_failure_kind_follows_the_resolver_error(errno: int, kind: str) -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(errno, "resolver says no")

    with Fetcher(FetchPolicy(), resolver=resolver) as fetcher, pytest.raises(FetchError) as err:
        fetcher.get("http://feed.test/rss")
    assert (err.value.reason, err.value.kind) == ("dns_failed", kind)


def test_public_address_on_unusual_port_is_refused_before_connecting() -> None:
    with Fetcher(FetchPolicy(connect_timeout=1.0)) as fetcher, pytest.raises(FetchError) as err:
        fetcher.get("http://93.184.216.34:8081/feed")
    assert err.value.reason == "blocked_port"
    assert err.value.kind == "hard"


def test_allowed_networks_may_use_any_port(http_server: LoopbackServer) -> None:
    http_server.routes["/a"] = Reply(200, {}, b"ok")
    policy = FetchPolicy(allowed_networks=LOOPBACK, allowed_ports=(80, 443))
    with Fetcher(policy) as fetcher:
        assert fetcher.get(http_server.url("/a")).body == b"ok"


def test_every_client_shares_one_verifying_tls_context() -> None:
    """Building a context (the CA bundle) cost every new client about 12 ms of CPU; one serves
    them all, and it still checks certificates and host names."""
    contexts = {
        id(Fetcher(FetchPolicy(user_agent="t"))._client._transport._pool._ssl_context)
        for _ in range(3)
    }
    assert contexts == {id(default_ssl_context())}
    assert default_ssl_context().verify_mode == ssl.CERT_REQUIRED
    assert default_ssl_context().check_hostname
