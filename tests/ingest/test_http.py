"""The fetcher against a real loopback server: URLs, SSRF, size, deadline, redirects, statuses."""

from __future__ import annotations

import email.utils
import gzip
import socket
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest

from ingest.http import BadURL, Blocked, Fetcher, FetchError, FetchPolicy, TooLarge
from tests.support.server import LoopbackServer, Reply, Request

LOOPBACK = FetchPolicy(allowed_networks=("127.0.0.0/8",))


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(LOOPBACK) as f:
        yield f


def fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as err:
        fetcher.get(url)
    return err.value


# --- plain requests -------------------------------------------------------------------------


def test_get_returns_body_and_lower_cased_headers(
    http_server: LoopbackServer, fetcher: Fetcher
) -> None:
    http_server.routes["/feed"] = Reply(200, {"Content-Type": "application/rss+xml"}, b"<rss/>")
    fetched = fetcher.get(http_server.url("/feed"))
    assert fetched.status == 200
    assert fetched.body == b"<rss/>"
    assert fetched.url == http_server.url("/feed")
    assert fetched.headers["content-type"] == "application/rss+xml"
    assert fetched.permanent_redirect is None
    assert 0 <= fetched.elapsed < 5


def test_sends_user_agent_and_only_encodings_it_can_bound(http_server: LoopbackServer) -> None:
    http_server.routes["/a"] = Reply(200, {}, b"ok")
    policy = FetchPolicy(allowed_networks=("127.0.0.0/8",), user_agent="vistka-test/9 (+ops)")
    with Fetcher(policy) as fetcher:
        fetcher.get(http_server.url("/a"), headers={"Accept-Encoding": "br, zstd"})
    sent = http_server.requests[0].headers
    assert sent["user-agent"] == "vistka-test/9 (+ops)"
    assert sent["accept-encoding"] == "gzip, deflate"


def test_conditional_get_returns_304_with_empty_body(
    http_server: LoopbackServer, fetcher: Fetcher
) -> None:
    def route(req: Request) -> Reply:
        if req.headers.get("if-none-match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        return Reply(200, {"ETag": '"v1"'}, b"<rss/>")

    http_server.routes["/feed"] = route
    first = fetcher.get(http_server.url("/feed"))
    second = fetcher.get(http_server.url("/feed"), headers={"If-None-Match": first.headers["etag"]})
    assert (first.status, first.body) == (200, b"<rss/>")
    assert (second.status, second.body) == (304, b"")


def test_proxy_environment_is_ignored(
    http_server: LoopbackServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    http_server.routes["/a"] = Reply(200, {}, b"direct")
    with Fetcher(LOOPBACK) as fresh:
        assert fresh.get(http_server.url("/a")).body == b"direct"


# --- URL rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/feed.xml",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "gopher://127.0.0.1:70/_",
        "feed.example.com/rss",
    ],
)
def test_only_http_and_https_are_fetched(fetcher: Fetcher, url: str) -> None:
    err = fetch_error(fetcher, url)
    assert isinstance(err, BadURL)
    assert (err.reason, err.kind) == ("bad_scheme", "hard")


def test_url_length_is_capped(http_server: LoopbackServer) -> None:
    http_server.routes["/a"] = Reply(200, {}, b"ok")
    base = http_server.url("/a?q=")
    policy = FetchPolicy(allowed_networks=("127.0.0.0/8",), max_url_length=200)
    with Fetcher(policy) as fetcher:
        assert fetcher.get(base + "x" * (200 - len(base))).status == 200
        err = fetch_error(fetcher, base + "x" * (201 - len(base)))
    assert (err.reason, err.kind) == ("bad_url", "hard")
    assert http_server.hits("/a?q=" + "x" * (200 - len(base))) == 1
    assert len(http_server.requests) == 1


def test_userinfo_is_refused(http_server: LoopbackServer, fetcher: Fetcher) -> None:
    http_server.routes["/a"] = Reply(200, {}, b"ok")
    err = fetch_error(fetcher, f"http://user:secret@127.0.0.1:{http_server.port}/a")
    assert err.reason == "bad_url"
    assert http_server.hits("/a") == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://exa mple.com/",
        "http://a.com:99999999/",
        "http://a.com:0/",
        "http:///x",
        "http://[::1/",
        "http://a..b/",
        "http://<script>/",
    ],
)
def test_malformed_url_is_bad_url(fetcher: Fetcher, url: str) -> None:
    assert fetch_error(fetcher, url).reason == "bad_url"


def test_international_domain_names_pass_the_url_check(fetcher: Fetcher) -> None:
    err = fetch_error(fetcher, "http://приклад.укр/новини")  # .укр resolves nowhere here
    assert err.reason != "bad_url"


# --- SSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "2130706433",
        "0x7f000001",
        "127.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",
    ],
)
def test_loopback_in_any_spelling_is_refused_without_connecting(
    http_server: LoopbackServer, host: str
) -> None:
    http_server.routes["/a"] = Reply(200, {}, b"secret")
    with Fetcher(FetchPolicy()) as fetcher:
        err = fetch_error(fetcher, f"http://{host}:{http_server.port}/a")
    assert isinstance(err, Blocked)
    assert (err.reason, err.kind) == ("blocked_address", "hard")
    assert http_server.hits("/a") == 0


@pytest.mark.parametrize(
    "host",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "[fe80::1]",
        "[fc00::1]",
        "[64:ff9b::a9fe:a9fe]",
        "[2002:7f00:1::]",
        "[::ffff:169.254.169.254]",
    ],
)
def test_private_and_special_ranges_are_refused(host: str) -> None:
    # A connect attempt would end in connect_failed or timeout; blocked means none was made.
    with Fetcher(FetchPolicy(connect_timeout=1.0)) as fetcher:
        err = fetch_error(fetcher, f"http://{host}/latest/meta-data/")
    assert err.reason == "blocked_address"


def test_allowed_networks_open_only_themselves(http_server: LoopbackServer) -> None:
    http_server.routes["/a"] = Reply(200, {}, b"ok")
    with Fetcher(LOOPBACK) as fetcher:
        assert fetcher.get(f"http://localhost:{http_server.port}/a").body == b"ok"
        assert fetch_error(fetcher, "http://10.0.0.1/").reason == "blocked_address"


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/"]
)
def test_redirect_to_blocked_address_is_refused_on_that_hop(
    http_server: LoopbackServer, fetcher: Fetcher, target: str
) -> None:
    http_server.routes["/r"] = Reply(302, {"Location": target})
    err = fetch_error(fetcher, http_server.url("/r"))
    assert err.reason == "blocked_address"
    assert http_server.hits("/r") == 1


def test_redirect_to_other_scheme_is_refused(http_server: LoopbackServer, fetcher: Fetcher) -> None:
    http_server.routes["/r"] = Reply(302, {"Location": "file:///etc/passwd"})
    assert fetch_error(fetcher, http_server.url("/r")).reason == "bad_scheme"


# --- size -----------------------------------------------------------------------------------


def small_cap(max_bytes: int = 100_000) -> Fetcher:
    return Fetcher(FetchPolicy(allowed_networks=("127.0.0.0/8",), max_bytes=max_bytes))


def test_body_at_the_cap_is_accepted(http_server: LoopbackServer) -> None:
    http_server.routes["/a"] = Reply(200, {}, b"x" * 1000)
    with small_cap(1000) as fetcher:
        assert len(fetcher.get(http_server.url("/a")).body) == 1000


def test_declared_length_above_cap_is_rejected_before_reading(
    http_server: LoopbackServer,
) -> None:
    # The header lies: reading would wait for 10 GB that never come (read timeout 10 s).
    http_server.routes["/big"] = Reply(200, {"Content-Length": str(10 * 1024**3)}, b"x")
    started = time.monotonic()
    with small_cap() as fetcher:
        err = fetch_error(fetcher, http_server.url("/big"))
    assert isinstance(err, TooLarge)
    assert err.reason == "too_large"
    assert time.monotonic() - started < 2


def test_chunked_body_beyond_cap_stops_reading(http_server: LoopbackServer) -> None:
    sent: list[int] = []

    def endless() -> Iterator[bytes]:
        for _ in range(20_000):  # 1.3 GB if nobody stops
            sent.append(1)
            yield b"a" * 65536

    http_server.routes["/stream"] = Reply(200, {}, endless())
    with small_cap(1024 * 1024) as fetcher:
        err = fetch_error(fetcher, http_server.url("/stream"))
    assert err.reason == "too_large"
    time.sleep(0.2)
    assert len(sent) < 20_000


@pytest.mark.slow
def test_gzip_bomb_is_stopped_with_flat_memory(http_server: LoopbackServer) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    bomb = b"".join(packer.compress(zeros) for _ in range(256)) + packer.flush()  # 256 MiB
    assert len(bomb) < 512 * 1024
    http_server.routes["/bomb"] = Reply(200, {"Content-Encoding": "gzip"}, bomb)
    tracemalloc.start()
    try:
        with small_cap(2 * 1024 * 1024) as fetcher:
            err = fetch_error(fetcher, http_server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.reason == "too_large"
    assert peak < 16 * 1024 * 1024


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("gzip", gzip.compress(b"<rss>" * 1000)),
        ("x-gzip", gzip.compress(b"<rss>" * 1000)),
        ("deflate", zlib.compress(b"<rss>" * 1000)),
        ("deflate", zlib.compress(b"<rss>" * 1000)[2:-4]),  # raw deflate, as some servers send
        ("gzip", gzip.compress(b"<rss>" * 500) + gzip.compress(b"<rss>" * 500)),
    ],
)
def test_compressed_bodies_are_decoded(
    http_server: LoopbackServer, fetcher: Fetcher, encoding: str, packed: bytes
) -> None:
    http_server.routes["/z"] = Reply(200, {"Content-Encoding": encoding}, packed)
    assert fetcher.get(http_server.url("/z")).body == b"<rss>" * 1000


def test_compressed_body_is_capped_on_decoded_size(http_server: LoopbackServer) -> None:
    http_server.routes["/z"] = Reply(200, {"Content-Encoding": "gzip"}, gzip.compress(b"a" * 5000))
    with small_cap(4999) as fetcher:
        assert fetch_error(fetcher, http_server.url("/z")).reason == "too_large"


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br", "compress"])
def test_unknown_content_encoding_is_refused(
    http_server: LoopbackServer, fetcher: Fetcher, encoding: str
) -> None:
    http_server.routes["/z"] = Reply(200, {"Content-Encoding": encoding}, b"\x8b\x00junk")
    assert fetch_error(fetcher, http_server.url("/z")).reason == "bad_encoding"


def test_corrupt_gzip_is_bad_encoding(http_server: LoopbackServer, fetcher: Fetcher) -> None:
    http_server.routes["/z"] = Reply(200, {"Content-Encoding": "gzip"}, b"not gzip at all")
    assert fetch_error(fetcher, http_server.url("/z")).reason == "bad_encoding"


# --- time -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_dripping_server_hits_the_deadline(http_server: LoopbackServer) -> None:
    def drip() -> Iterator[bytes]:
        for _ in range(60):
            yield b"x"
            time.sleep(1.0)

    http_server.routes["/drip"] = Reply(200, {}, drip())
    policy = FetchPolicy(allowed_networks=("127.0.0.0/8",), deadline=2.0, read_timeout=10.0)
    started = time.monotonic()
    with Fetcher(policy) as fetcher:
        err = fetch_error(fetcher, http_server.url("/drip"))
    took = time.monotonic() - started
    assert (err.reason, err.kind) == ("deadline", "temporary")
    assert 1.9 < took < 3.2


@pytest.mark.slow
def test_deadline_bounds_a_silent_server_below_the_read_timeout(
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/slow"] = Reply(200, {}, b"late", delay=4.0)
    policy = FetchPolicy(allowed_networks=("127.0.0.0/8",), deadline=1.0, read_timeout=10.0)
    started = time.monotonic()
    with Fetcher(policy) as fetcher:
        err = fetch_error(fetcher, http_server.url("/slow"))
    assert err.reason == "deadline"
    assert time.monotonic() - started < 1.6


@pytest.mark.slow
def test_read_timeout_is_temporary(http_server: LoopbackServer) -> None:
    http_server.routes["/slow"] = Reply(200, {}, b"late", delay=2.0)
    policy = FetchPolicy(allowed_networks=("127.0.0.0/8",), read_timeout=0.5)
    with Fetcher(policy) as fetcher:
        err = fetch_error(fetcher, http_server.url("/slow"))
    assert (err.reason, err.kind) == ("timeout", "temporary")


def test_refused_connection_is_temporary(fetcher: Fetcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    err = fetch_error(fetcher, f"http://127.0.0.1:{port}/")
    assert (err.reason, err.kind) == ("connect_failed", "temporary")


# --- redirects ------------------------------------------------------------------------------


def test_permanent_first_hop_is_reported(http_server: LoopbackServer, fetcher: Fetcher) -> None:
    http_server.routes["/old"] = Reply(301, {"Location": "/new"})
    http_server.routes["/new"] = Reply(200, {}, b"<rss/>")
    fetched = fetcher.get(http_server.url("/old"))
    assert fetched.body == b"<rss/>"
    assert fetched.url == http_server.url("/new")
    assert fetched.permanent_redirect == http_server.url("/new")


def test_permanent_redirect_is_the_first_hops_target(
    http_server: LoopbackServer, fetcher: Fetcher
) -> None:
    http_server.routes["/old"] = Reply(308, {"Location": "/moved"})
    http_server.routes["/moved"] = Reply(302, {"Location": "/today"})
    http_server.routes["/today"] = Reply(200, {}, b"ok")
    fetched = fetcher.get(http_server.url("/old"))
    assert fetched.permanent_redirect == http_server.url("/moved")
    assert fetched.url == http_server.url("/today")


def test_temporary_first_hop_reports_no_permanent_move(
    http_server: LoopbackServer, fetcher: Fetcher
) -> None:
    http_server.routes["/a"] = Reply(302, {"Location": "/b"})
    http_server.routes["/b"] = Reply(301, {"Location": "/c"})
    http_server.routes["/c"] = Reply(200, {}, b"ok")
    fetched = fetcher.get(http_server.url("/a"))
    assert (fetched.body, fetched.permanent_redirect) == (b"ok", None)


def test_redirect_loop_stops_at_the_limit(http_server: LoopbackServer) -> None:
    http_server.routes["/loop"] = Reply(302, {"Location": "/loop"})
    policy = FetchPolicy(allowed_networks=("127.0.0.0/8",), max_redirects=3)
    with Fetcher(policy) as fetcher:
        err = fetch_error(fetcher, http_server.url("/loop"))
    assert err.reason == "too_many_redirects"
    assert http_server.hits("/loop") == 4


def test_chain_of_exactly_max_redirects_succeeds(http_server: LoopbackServer) -> None:
    for i in range(3):
        http_server.routes[f"/{i}"] = Reply(307, {"Location": f"/{i + 1}"})
    http_server.routes["/3"] = Reply(200, {}, b"end")
    policy = FetchPolicy(allowed_networks=("127.0.0.0/8",), max_redirects=3)
    with Fetcher(policy) as fetcher:
        assert fetcher.get(http_server.url("/0")).body == b"end"


def test_credentials_do_not_follow_a_redirect_to_another_host(
    http_server: LoopbackServer, fetcher: Fetcher
) -> None:
    http_server.routes["/a"] = Reply(302, {"Location": f"http://localhost:{http_server.port}/b"})
    http_server.routes["/b"] = Reply(200, {}, b"ok")
    fetcher.get(
        http_server.url("/a"), headers={"Authorization": "Bearer t", "If-None-Match": '"x"'}
    )
    first, second = http_server.requests
    assert first.headers["authorization"] == "Bearer t"
    assert "authorization" not in second.headers
    assert second.headers["if-none-match"] == '"x"'


# --- statuses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, "soft"),
        (403, "soft"),
        (401, "hard"),
        (410, "hard"),
        (500, "temporary"),
        (502, "temporary"),
        (503, "temporary"),
        (302, "soft"),  # a redirect status without Location
    ],
)
def test_error_statuses_raise_with_reason_and_kind(
    http_server: LoopbackServer, fetcher: Fetcher, status: int, kind: str
) -> None:
    http_server.routes["/x"] = Reply(status, {}, b"nope")
    err = fetch_error(fetcher, http_server.url("/x"))
    assert (err.reason, err.kind, err.status, err.retry_after) == (
        f"http_{status}",
        kind,
        status,
        None,
    )
    assert str(err).startswith(f"HTTP {status}")


def test_429_retry_after_seconds(http_server: LoopbackServer, fetcher: Fetcher) -> None:
    http_server.routes["/x"] = Reply(429, {"Retry-After": "120"}, b"")
    err = fetch_error(fetcher, http_server.url("/x"))
    assert (err.reason, err.kind, err.retry_after) == ("http_429", "soft", 120.0)


def test_429_retry_after_http_date(http_server: LoopbackServer, fetcher: Fetcher) -> None:
    when = email.utils.formatdate(time.time() + 90, usegmt=True)
    http_server.routes["/x"] = Reply(429, {"Retry-After": when}, b"")
    err = fetch_error(fetcher, http_server.url("/x"))
    assert err.retry_after is not None
    assert 85 <= err.retry_after <= 91


def test_503_retry_after_is_temporary(http_server: LoopbackServer, fetcher: Fetcher) -> None:
    http_server.routes["/x"] = Reply(503, {"Retry-After": "30"}, b"")
    err = fetch_error(fetcher, http_server.url("/x"))
    assert (err.reason, err.kind, err.retry_after) == ("http_503", "temporary", 30.0)


def test_tls_handshake_failure_is_reported_as_tls(
    http_server: LoopbackServer, fetcher: Fetcher
) -> None:
    # A plain-HTTP server cannot complete a TLS handshake.
    err = fetch_error(fetcher, f"https://127.0.0.1:{http_server.port}/")
    assert (err.reason, err.kind) == ("tls", "soft")
